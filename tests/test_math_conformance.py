"""The conformance report and the visual regression page of hard formulas.

Both read ../shared/corpus, which exists only in the development workspace.
"""

from __future__ import annotations

import importlib.util
import sys
from types import ModuleType

import pytest

from tests.conftest import REPO, SHARED, SHARED_MISSING

CORPUS = SHARED / "corpus" / "latex" / "expressions.json"
FIXTURE = REPO / "tests" / "fixtures" / "math_hardest.html"
needs_corpus = pytest.mark.skipif(not CORPUS.is_file(), reason=SHARED_MISSING)


def bench() -> ModuleType:
    spec = importlib.util.spec_from_file_location("math_conformance", REPO / "bench" / "math_conformance.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up there
    spec.loader.exec_module(module)
    return module


@needs_corpus
def test_hardest_page_fixture_is_up_to_date() -> None:
    """Regenerate the page; a change in the MathML shows up as a diff in review.

    If this fails after an intended change, run
    ``.venv/bin/python bench/math_conformance.py --write-hardest tests/fixtures/math_hardest.html``.
    """
    m = bench()
    assert m.hardest_page(m.load()) == FIXTURE.read_text(encoding="utf-8")


@needs_corpus
def test_conformance_targets_are_met() -> None:
    m = bench()
    results = m.run(m.site_gen_engine(), m.load())
    for display, target in ((True, 0.99), (False, 0.995)):
        group = [r for r in results if r.expression.display is display]
        assert sum(not r.defects for r in group) / len(group) >= target


def test_defect_checks_catch_each_class() -> None:
    m = bench()
    e = m.Expression("t", r"\log t \sim \boldsymbol{x} \max_x", True)
    broken = (
        '<math xmlns="http://www.w3.org/1998/Math/MathML"><mi>log</mi><mi>t</mi><mi>~</mi>'
        '<mi mathvariant="bold-italic">x</mi><msub><mo>max</mo><mi>x</mi></msub><mi>\\arg</mi></math>'
    )
    assert set(m.defects(e, broken)) == {
        "no-function-application",
        "sim-not-relation",
        "mathvariant-ignored-by-chromium",
        "boldsymbol-not-bold",
        "limits-beside-in-display",
        "leaked-command",
    }
    assert m.defects(e, "<math><mi>&</mi>") == ["invalid-xml"]
