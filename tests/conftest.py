"""Shared fixtures: real sites written to temporary folders."""

from __future__ import annotations

import shutil
import textwrap
from collections.abc import Callable
from pathlib import Path

import pytest

# The browser tests (test_a11y, test_screenshots) share one demo build and one Chromium a session.
from .site_browser import chromium, demo_public  # noqa: F401

REPO = Path(__file__).resolve().parents[1]
SHARED = REPO.parent / "shared"
SHARED_MISSING = "../shared/corpus is only in the development workspace, not in a user's clone"


def write(root: Path, rel: str, text: str) -> Path:
    path = root / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(textwrap.dedent(text).lstrip("\n"), encoding="utf-8")
    return path


SITE_TOML = """
title = "Fixture Notebook"
author = "Ada Example"
description = "A fixture site for tests."
base_url = "https://user.github.io/notebook/"
language = "en"
license = "CC BY 4.0"
posts_per_page = 2
feed_size = 3

[macros]
R = "\\\\mathbb{R}"
"""


@pytest.fixture
def make_site(tmp_path: Path) -> Callable[..., Path]:
    """A small but complete site: posts, a bundle with an image, a page, a draft."""

    def make(posts: dict[str, str] | None = None, toml: str = SITE_TOML) -> Path:
        root = tmp_path / "site"
        write(root, "site.toml", toml)
        defaults = {
            "content/posts/first.md": """
                ---
                title: First steps
                date: 2026-01-05
                tags: [math, Python]
                ---
                Gradient of $f(x) = x^2$ is $2x$.

                ## Loss
                $$ L = \\sum_i (y_i - \\hat y_i)^2 $$ (eq:loss)

                See \\eqref{eq:loss} and [the next post](/posts/second/).
                """,
            "content/posts/second.md": """
                ---
                title: Second "quoted" & <escaped>
                date: 2026-02-10T09:30:00+01:00
                updated: 2026-03-01
                tags: [math]
                summary: A summary with math $x \\in \\R$.
                ---
                ```python {filename="step.py" hl_lines="2"}
                x = 1
                x -= 0.1 * 2 * x
                ```
                """,
            "content/posts/bundle/index.md": """
                ---
                title: A bundle
                date: 2026-03-15
                tags: [images]
                ---
                ![A plot](plot.svg "The loss going down")
                """,
            "content/posts/secret.md": """
                ---
                title: Not yet
                date: 2026-04-01
                draft: true
                ---
                Draft text.
                """,
            "content/about.md": """
                ---
                title: About
                date: 2026-01-01
                ---
                About this notebook.
                """,
        }
        for rel, text in {**defaults, **(posts or {})}.items():
            if text is None:
                continue
            write(root, rel, text)
        (root / "content/posts/bundle/plot.svg").write_text(
            '<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"/>', encoding="utf-8"
        )
        return root

    return make


@pytest.fixture
def demo_site(tmp_path: Path) -> Path:
    """A copy of the bundled demo site (content/ and site.toml of this repository)."""
    root = tmp_path / "demo"
    root.mkdir()
    shutil.copy(REPO / "site.toml", root / "site.toml")
    shutil.copytree(REPO / "content", root / "content")
    for optional in ("templates", "static", "diagrams"):
        if (REPO / optional).is_dir():
            shutil.copytree(REPO / optional, root / optional)
    return root
