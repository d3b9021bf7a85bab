"""Screenshots of the demo site against committed PNGs: a layout regression fails as an image diff.

One page of each kind (a standalone page, a prose post with math, code, a table, callouts and
footnotes, a post of executed cells with a figure, a post of diagrams), at 1280 and 390 px,
light and dark, each scrolled to the part that shows its kind. (Not the home page: every new demo
post would change it.) Images are kept at half size
(``tests/golden/screens/``), and compared with a tolerance, so anti-aliasing and a font's
sub-pixel shifts pass while a moved block, a lost style or a wrong colour fails.

After a change to the look on purpose, rewrite them and review the diff::

    SITE_GEN_UPDATE_SCREENS=1 .venv/bin/python -m pytest tests/test_screenshots.py

A failing comparison leaves the new image and a diff beside the test's temporary folder,
and says where.
"""

from __future__ import annotations

import io
import os
from pathlib import Path
from typing import Any

import pytest

from .serve_support import CHROMIUM, CHROMIUM_ARGS, REPO
from .site_browser import ORIGIN, open_page

Image = pytest.importorskip("PIL.Image", reason="needs Pillow (pip install -e '.[test]')")
ImageChops = pytest.importorskip("PIL.ImageChops")

pytestmark = pytest.mark.skipif(not CHROMIUM.exists(), reason="needs Debian's chromium at /usr/bin/chromium")

GOLDEN = REPO / "tests/golden/screens"
UPDATE = os.environ.get("SITE_GEN_UPDATE_SCREENS") == "1"

# name: (page, the element scrolled into view, or None for the first screen; where it goes)
KINDS = {
    "page": ("/about/", None, ""),
    "prose": ("/posts/hello-world/", "#a-running-example-mean-squared-error", "start"),
    "cells": ("/posts/gradient-descent-line-by-line/", "figure.cell-output", "end"),  # near the page's end
    "diagram": ("/posts/diagrams-reference/", "figure.diagram", "start"),
}
VIEWPORTS = {"desktop": (1280, 800), "phone": (390, 844)}
SCHEMES = ("light", "dark")

# A pixel differs when a channel is off by more than this (of 255); a screenshot fails when more
# than this share of its pixels differ. Text that moved by a line, or a changed colour, is far above.
PIXEL_TOLERANCE = 40
SHARE_TOLERANCE = 0.004


def shoot(chromium: Any, public: Path, kind: str, viewport: str, scheme: str) -> Any:
    path, anchor, block = KINDS[kind]
    width, height = VIEWPORTS[viewport]
    # A browser of its own: text rasterised after other pages can differ by a shade (font caches).
    browser = chromium.browser_type.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
    _, page = open_page(browser, public, width=width, height=height, scheme=scheme)
    try:
        page.goto(ORIGIN + path)
        # Fonts loaded and every image decoded (they decode off the main thread), before the picture.
        page.evaluate(
            "Promise.all([document.fonts.ready, ...[...document.images].map(i => i.decode().catch(() => 0))])"
        )
        if anchor is not None:
            page.locator(anchor).first.evaluate("(e, block) => e.scrollIntoView({block})", block)
        png = page.screenshot(animations="disabled", caret="hide")
    finally:
        browser.close()
    shot = Image.open(io.BytesIO(png)).convert("RGB").resize((width // 2, height // 2), Image.Resampling.LANCZOS)
    # 64 colours keep the committed files small; both sides of a comparison are reduced alike.
    return shot.quantize(64, dither=Image.Dither.NONE).convert("RGB")


def differing_share(expected: Any, actual: Any) -> tuple[float, Any]:
    if expected.size != actual.size:
        return 1.0, None
    diff = ImageChops.difference(expected.convert("RGB"), actual.convert("RGB"))
    mask = diff.convert("L").point(lambda value: 255 if value > PIXEL_TOLERANCE else 0)
    changed = mask.histogram()[255]
    return changed / (mask.width * mask.height), mask


@pytest.mark.parametrize("scheme", SCHEMES)
@pytest.mark.parametrize("viewport", VIEWPORTS)
@pytest.mark.parametrize("kind", KINDS)
def test_screenshot_matches_golden(
    chromium: Any, demo_public: Path, tmp_path: Path, kind: str, viewport: str, scheme: str
) -> None:
    name = f"{kind}-{viewport}-{scheme}.png"
    golden = GOLDEN / name
    actual = shoot(chromium, demo_public, kind, viewport, scheme)
    if UPDATE or not golden.exists():
        GOLDEN.mkdir(parents=True, exist_ok=True)
        actual.quantize(64, dither=Image.Dither.NONE).save(golden, optimize=True)  # the same 64 colours
        if not UPDATE:
            pytest.skip(f"wrote the missing golden {golden.relative_to(REPO)}: review it and commit it")
        return
    share, mask = differing_share(Image.open(golden), actual)
    if share > SHARE_TOLERANCE:
        actual.save(tmp_path / name)
        if mask is not None:
            mask.save(tmp_path / ("diff-" + name))
        pytest.fail(
            f"{name}: {share:.2%} of pixels differ (tolerance {SHARE_TOLERANCE:.2%}); "
            f"new image and diff in {tmp_path}. If the change is meant, rerun with SITE_GEN_UPDATE_SCREENS=1."
        )
