"""axe-core on every page of the demo site, light and dark, desktop and phone.

axe-core comes from npm into ``tests/.node`` (``scripts/test.sh`` installs it);
Chromium is Debian's. Without either, the axe test skips and says why; the strict
check of the demo runs everywhere.
"""

from __future__ import annotations

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
