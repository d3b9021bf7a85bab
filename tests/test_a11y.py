"""axe-core on every page of the demo site, light and dark, desktop and phone.

axe-core comes from npm into ``tests/.node`` (``scripts/test.sh`` installs it);
Chromium is Debian's. Without either, the axe test skips and says why; the strict
check of the demo runs everywhere.
"""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from site_gen.cli import main

from .serve_support import CHROMIUM, REPO
from .site_browser import ORIGIN, open_page, pages

AXE = REPO / "tests/.node/node_modules/axe-core/axe.min.js"

needs_axe = pytest.mark.skipif(
    not AXE.exists(), reason="needs axe-core: npm install --prefix tests/.node axe-core@4 (scripts/test.sh does)"
)
needs_chromium = pytest.mark.skipif(not CHROMIUM.exists(), reason="needs Debian's chromium at /usr/bin/chromium")

SCHEMES = ("light", "dark")
WIDTHS = (1280, 390)
# What fails the test: axe's two worst impacts. "moderate" and "minor" are printed, not enforced.
ENFORCED = {"serious", "critical"}


def audit(browser: Any, public: Path, scheme: str, width: int) -> list[tuple[str, dict[str, Any]]]:
    """axe's violations on every page, as (page, violation) pairs."""
    context, page = open_page(browser, public, width=width, height=900, scheme=scheme)
    found = []
    try:
        for path in pages(public):
            page.goto(ORIGIN + path)
            page.add_script_tag(path=str(AXE))
            result = page.evaluate("() => axe.run(document, {resultTypes: ['violations']})")
            found += [(path, violation) for violation in result["violations"]]
    finally:
        context.close()
    return found


@needs_chromium
@needs_axe
@pytest.mark.parametrize("width", WIDTHS)
@pytest.mark.parametrize("scheme", SCHEMES)
def test_no_serious_axe_violations(chromium: Any, demo_public: Path, scheme: str, width: int) -> None:
    public = demo_public
    violations = audit(chromium, public, scheme, width)
    counts = Counter((v["impact"], v["id"]) for _, v in violations for _node in v["nodes"])
    print(f"\naxe-core, {scheme}, {width} px, {len(pages(public))} pages:", dict(counts) or "no violations")
    serious = Counter(
        (v["id"], path, _first_line(node.get("failureSummary", "")))
        for path, v in violations
        if v["impact"] in ENFORCED
        for node in v["nodes"]
    )
    report = [f"{n} × {rule} on {path}: {why}" for (rule, path, why), n in sorted(serious.items())]
    assert not serious, f"{sum(serious.values())} serious or critical:\n" + "\n".join(report)


def _first_line(summary: str) -> str:
    """The reason in axe's failure summary (its second line; the first says "Fix any of the following")."""
    lines = [line.strip() for line in summary.splitlines() if line.strip()]
    return lines[1] if len(lines) > 1 else (lines[0] if lines else "")


def test_demo_site_passes_check_strict(demo_public: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """The demo shows what the README says, with no warning: a figure without alt text would be one."""
    assert main(["check", "--strict", "--root", str(demo_public.parent)]) == 0, capsys.readouterr().err


# ---- WCAG AA contrast of the theme's colours, read from the stylesheets (no browser) ----------

_VAR_RE = re.compile(r"--([\w-]+):\s*(#[0-9a-fA-F]{6})\b")
_COLOUR_RE = re.compile(r"(?<![-\w])color:\s*#([0-9a-fA-F]{6})\b")


def luminance(colour: str) -> float:
    channels = [int(colour.lstrip("#")[i : i + 2], 16) / 255 for i in (0, 2, 4)]
    r, g, b = (c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels)
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast(a: str, b: str) -> float:
    high, low = sorted((luminance(a), luminance(b)), reverse=True)
    return (high + 0.05) / (low + 0.05)


def theme_colours() -> dict[str, dict[str, str]]:
    """The custom properties of site.css, light (``:root``) and dark (its ``prefers-color-scheme`` block)."""
    css = (REPO / "static/css/site.css").read_text(encoding="utf-8")
    light = css[css.index(":root {") : css.index("}", css.index(":root {"))]
    dark_start = css.index(":root {", css.index("@media (prefers-color-scheme: dark)"))
    dark = css[dark_start : css.index("}", dark_start)]
    light_vars = dict(_VAR_RE.findall(light))
    return {"light": light_vars, "dark": {**light_vars, **dict(_VAR_RE.findall(dark))}}


def ansi_colours(scheme: str) -> set[str]:
    css = (REPO / "static/css/site.css").read_text(encoding="utf-8")
    start = css.index("/* ANSI colours")
    dark_at = css.index("@media (prefers-color-scheme: dark)", start)
    part = css[start:dark_at] if scheme == "light" else css[dark_at : css.index("}\n}", dark_at)]
    return {"#" + c for c in _COLOUR_RE.findall(part)}


@pytest.mark.parametrize("scheme", SCHEMES)
def test_theme_colours_meet_wcag_aa(scheme: str) -> None:
    from pygments.formatters import HtmlFormatter

    from site_gen.highlight import DARK_STYLE, LIGHT_STYLE

    v = theme_colours()[scheme]
    pairs = {
        "text": (v["fg"], v["bg"]),
        "muted text (meta, footnotes, captions)": (v["muted"], v["bg"]),
        "muted on cards and the TOC": (v["muted"], v["surface"]),
        "links": (v["link"], v["bg"]),
        "visited links": (v["link-visited"], v["bg"]),
        "note callout title": (v["note"], v["note-bg"]),
        "tip callout title": (v["tip"], v["tip-bg"]),
        "warning callout title": (v["warning"], v["warning-bg"]),
        "stderr of a cell": (v["warning"], v["bg"]),
        "text of a highlighted line": (v["fg"], v["hll"]),
        "line number on a highlighted line": (v["muted"], v["hll"]),
    }
    style = HtmlFormatter(style=LIGHT_STYLE if scheme == "light" else DARK_STYLE)
    background = "\n".join(style.get_background_style_defs(".h"))
    code_bg = "#" + re.findall(r"\.h \{ background: #([0-9a-fA-F]{6})", background)[0]
    pairs["line numbers"] = (v["muted"], code_bg)
    tokens = {
        line.split("{")[0].strip(): "#" + colour
        for line in style.get_token_style_defs(".h")
        for colour in _COLOUR_RE.findall(line)
    }
    for token, colour in tokens.items():
        if token not in (".h .w", ".h .err"):  # whitespace shows nothing; error tokens are rare
            pairs[f"code {token} on the block"] = (colour, code_bg)
            pairs[f"code {token} on a highlighted line"] = (colour, v["hll"])
    for colour in ansi_colours(scheme):
        pairs[f"output colour {colour}"] = (colour, v["bg"])
        pairs[f"output colour {colour} in an error"] = (colour, v["warning-bg"])
    low = {name: round(contrast(*pair), 2) for name, pair in pairs.items() if contrast(*pair) < 4.5}
    assert not low, f"below 4.5:1 in {scheme}: {low}"
