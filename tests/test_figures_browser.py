"""Cell figures in a real browser: the dark render in dark mode, text readable on a phone and a desktop.

Builds the demo site (its cells run, so each matplotlib figure gets its dark render
from the kernel, site_gen/cells/figures.py), opens every page with a cell image in
Debian's Chromium, light and dark, at 390 px and 1280 px, and checks:

- the image the browser shows (``currentSrc``) is the dark render in dark mode
  and the light one in light mode, and no CSS filter re-colours it;
- the figure's smallest text, ``pt * dpi / 72`` image pixels scaled by the width the
  image is drawn at, is at least 12 CSS px; a plot wider than its box scrolls, and
  the box is reachable by keyboard.

The smallest text per figure is printed (``pytest -s``).
"""

from __future__ import annotations

import struct
from pathlib import Path
from typing import Any

import pytest

from site_gen.cells.images import PLOT_TEXT_PT, png_dpi_and_text_size

from .site_browser import ORIGIN, open_page, pages

WIDTHS = (390, 1280)
MIN_PX = 12.0

FIGURES = """() => [...document.querySelectorAll('.cell-output img.cell-image')].map((img) => {
  const box = img.closest('.cell-output');
  return {
    src: new URL(img.currentSrc).pathname,
    light: new URL(img.getAttribute('src'), location.href).pathname,
    dark: [...(img.closest('picture') || document.createElement('p')).querySelectorAll('source')]
      .map((s) => new URL(s.getAttribute('srcset'), location.href).pathname)[0] || null,
    width: img.getBoundingClientRect().width,
    filter: getComputedStyle(img).filter,
    overflows: box.scrollWidth > box.clientWidth + 1,
    focusable: box.tabIndex === 0,
    inViewport: box.getBoundingClientRect().left >= 0 && box.getBoundingClientRect().right <= innerWidth,
  };
})"""


def figure_pages(public: Path) -> list[str]:
    return [path for path in pages(public) if "cell-image" in _html(public, path)]


def _html(public: Path, path: str) -> str:
    file = public / path.lstrip("/")
    return (file / "index.html" if file.is_dir() else file).read_text(encoding="utf-8")


def text_px(png: bytes, shown_width: float) -> float:
    """The figure's smallest text in CSS px when the PNG is drawn ``shown_width`` px wide."""
    pixel_width = struct.unpack(">I", png[16:20])[0]
    dpi, text_pt = png_dpi_and_text_size(png)
    assert dpi, "matplotlib writes its dpi into the PNG"
    return (text_pt or PLOT_TEXT_PT) * dpi / 72 * shown_width / pixel_width


@pytest.mark.parametrize("width", WIDTHS)
@pytest.mark.parametrize("scheme", ("light", "dark"))
def test_plots_follow_the_theme_and_stay_readable(chromium: Any, demo_public: Path, scheme: str, width: int) -> None:
    context, page = open_page(chromium, demo_public, width=width, height=900, scheme=scheme)
    seen, problems = 0, []
    try:
        for path in figure_pages(demo_public):
            page.goto(ORIGIN + path)
            for figure in page.evaluate(FIGURES):
                if figure["dark"] is None:
                    continue  # not a matplotlib figure drawn in this build
                seen += 1
                shown = figure["dark"] if scheme == "dark" else figure["light"]
                size = text_px((demo_public / figure["src"].lstrip("/")).read_bytes(), figure["width"])
                name = figure["light"].rsplit("/", 1)[-1]
                print(f"{scheme} {width}px {path} {name}: smallest text {size:.1f}px, drawn {figure['width']:.0f}px")
                if figure["src"] != shown:
                    problems.append(f"{name}: shows {figure['src']}, not {shown}")
                if figure["filter"] != "none":
                    problems.append(f"{name}: a CSS filter re-colours it ({figure['filter']})")
                if size < MIN_PX - 0.01:
                    problems.append(f"{name}: smallest text {size:.1f}px")
                if figure["overflows"] and not figure["focusable"]:
                    problems.append(f"{name}: scrolls but a keyboard cannot reach it")
                if not figure["inViewport"]:
                    problems.append(f"{name}: its box runs off the screen")
    finally:
        context.close()
    assert seen >= 1, "no matplotlib figure with a dark render on the demo pages"
    assert not problems, "\n".join(problems)
