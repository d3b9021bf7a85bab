"""The built demo site in a headless Chromium, for the accessibility and screenshot tests.

Pages are served from the output folder through Playwright's request routing
(no server, no port): ``http://site.test/posts/x/`` reads ``public/posts/x/index.html``.
"""

from __future__ import annotations

import mimetypes
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from site_gen.build import build_site

from .serve_support import CHROMIUM, CHROMIUM_ARGS, REPO

ORIGIN = "http://site.test"


def build_demo(folder: Path) -> Path:
    """Copy the bundled demo site into ``folder``, build it (cells run) and return its output."""
    folder.mkdir(parents=True, exist_ok=True)
    shutil.copy(REPO / "site.toml", folder / "site.toml")
    for part in ("content", "templates", "static", "diagrams"):
        if (REPO / part).is_dir():
            shutil.copytree(REPO / part, folder / part)
    return build_site(folder, jobs=1).output


def pages(public: Path) -> list[str]:
    """Every HTML page of a built site, as URL paths (``/``, ``/posts/x/``, ``/404.html``)."""
    found = []
    for path in sorted(public.rglob("*.html")):
        rel = path.relative_to(public).as_posix()
        found.append("/" + rel.removesuffix("index.html"))
    return found


def serve(context: Any, public: Path) -> None:
    """Answer every request of ``context`` to ORIGIN from ``public``; anything else is refused."""

    def answer(route: Any) -> None:
        url: str = route.request.url
        if not url.startswith(ORIGIN + "/"):
            route.abort()
            return
        rel = url[len(ORIGIN) + 1 :].split("#")[0].split("?")[0]
        path = public / rel
        if path.is_dir():
            path = path / "index.html"
        if not path.is_file() or public.resolve() not in path.resolve().parents:
            route.fulfill(status=404, body="not found")
            return
        kind = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
        route.fulfill(status=200, body=path.read_bytes(), content_type=kind)

    context.route("**/*", answer)


# Fixtures (tests/conftest.py imports them): one demo build and one Chromium per session.


@pytest.fixture(scope="session")
def demo_public(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The demo site, built once (its cells run) for every browser test of the session."""
    return build_demo(tmp_path_factory.mktemp("browser") / "demo")


@pytest.fixture(scope="module")
def chromium() -> Iterator[Any]:
    """One Chromium per test module. Not per session: Playwright's sync API runs an event loop
    while it is open, and every other browser test starts a sync_playwright() of its own."""
    if not CHROMIUM.exists():
        pytest.skip("needs Debian's chromium at /usr/bin/chromium")
    sync_api = pytest.importorskip("playwright.sync_api", reason="needs playwright (pip install -e '.[test]')")
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield browser
        browser.close()


def open_page(browser: Any, public: Path, *, width: int, height: int, scheme: str) -> tuple[Any, Any]:
    """A new context (viewport, colour scheme) serving ``public``, and a page in it."""
    context = browser.new_context(viewport={"width": width, "height": height}, color_scheme=scheme)
    serve(context, public)
    page = context.new_page()
    page.set_default_timeout(30_000)  # generous: CI is a loaded 2-core machine
    return context, page
