"""Diagram text in a real browser: never under 12 CSS px, on a phone or a desktop.

Builds the demo site, opens every page with a diagram in Debian's Chromium at
390 px and 1280 px, and measures every ``<text>`` and every ``<tspan>`` in it
(sub- and superscripts are tspans with a font size of their own): its computed
font size times the scale the SVG is drawn at (``getScreenCTM``). A diagram too wide for the
column must scroll rather than shrink, and its scroll box must be reachable by
keyboard. The smallest size per diagram is printed (``pytest -s``).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from .serve_support import CHROMIUM, CHROMIUM_ARGS
from .site_browser import ORIGIN, build_demo, pages, serve

pytestmark = pytest.mark.skipif(not CHROMIUM.exists(), reason="needs Debian's chromium at /usr/bin/chromium")
sync_api = pytest.importorskip("playwright.sync_api", reason="needs playwright (pip install -e '.[test]')")

WIDTHS = (390, 1280)
MIN_PX = 12.0

# For each figure.diagram: its name, the smallest rendered text size, and whether it
# overflows its scroll box without being focusable.
MEASURE = """() => [...document.querySelectorAll('figure.diagram')].map((figure) => {
  const shown = [...figure.querySelectorAll('svg')].filter((s) => s.getBoundingClientRect().width > 0);
  const svg = shown[0];
  const box = figure.querySelector('.diagram-scroll') || figure;
  const scale = svg.getScreenCTM().a;
  const size = (t) => parseFloat(getComputedStyle(t).fontSize) * scale;
  const inked = (t) => t.textContent.trim() !== '';
  const sizes = [...svg.querySelectorAll('text, tspan')].filter(inked).map(size);
  const scripts = [...svg.querySelectorAll('tspan[font-size]')].filter(inked).map(size);
  const caption = figure.querySelector('figcaption');
  return {
    name: (caption ? caption.textContent : svg.querySelector('title').textContent).slice(0, 48),
    smallest: Math.min(...sizes),
    script: scripts.length ? Math.min(...scripts) : null,
    overflows: box.scrollWidth > box.clientWidth + 1,
    focusable: box.tabIndex === 0,
    shown: shown.length,
    twin: svg.classList.contains('diagram-narrow'),
  };
})"""


@pytest.fixture(scope="module")
def public(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_demo(tmp_path_factory.mktemp("diagram-browser") / "demo")


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    with sync_api.sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


def diagram_pages(public: Path) -> list[str]:
    return [path for path in pages(public) if 'class="diagram"' in _html(public, path)]


def _html(public: Path, path: str) -> str:
    file = public / path.lstrip("/")
    return (file / "index.html" if file.is_dir() else file).read_text(encoding="utf-8")


@pytest.mark.parametrize("width", WIDTHS)
def test_diagram_text_is_never_under_12px(browser: Any, public: Path, width: int) -> None:
    context = browser.new_context(viewport={"width": width, "height": 900})
    serve(context, public)
    page = context.new_page()
    page.set_default_timeout(30_000)
    small, unreachable, drawn, seen = [], [], [], 0
    try:
        for path in diagram_pages(public):
            page.goto(ORIGIN + path)
            for figure in page.evaluate(MEASURE):
                seen += 1
                twin = " (narrow twin)" if figure["twin"] else ""
                # "smallest" covers every text and tspan; scripts are also reported on their own.
                script = f", scripts {figure['script']:.1f}px" if figure["script"] else ""
                print(f"{width}px {path} {figure['name']!r}{twin}: smallest text {figure['smallest']:.1f}px{script}")
                if figure["shown"] != 1:
                    drawn.append(f"{path} {figure['name']!r}: {figure['shown']} drawings shown")
                if figure["smallest"] < MIN_PX - 0.01:
                    small.append(f"{path} {figure['name']!r}: {figure['smallest']:.1f}px")
                if figure["overflows"] and not figure["focusable"]:
                    unreachable.append(f"{path} {figure['name']!r}")
    finally:
        context.close()
    assert seen >= 15, f"only {seen} diagrams found on the demo pages"
    assert not drawn, "a diagram shows both or neither of its layouts:\n" + "\n".join(drawn)
    assert not small, f"diagram text under {MIN_PX}px at {width}px:\n" + "\n".join(small)
    assert not unreachable, "diagrams that scroll but cannot be reached by keyboard:\n" + "\n".join(unreachable)
