"""Math conformance: how much real ML TeX converts without a defect.

    .venv/bin/python bench/math_conformance.py                     # site_gen's pipeline
    .venv/bin/python bench/math_conformance.py --engine latex2mathml   # bare latex2mathml, for comparison
    .venv/bin/python bench/math_conformance.py --write-hardest tests/fixtures/math_hardest.html

Reads ``../shared/corpus/latex/expressions.json`` (display and inline formulas
taken from real posts in ``../shared/corpus/posts``). Each formula is converted
in its post's order, so ``\\newcommand``/``\\def`` in an earlier formula apply
to later ones, as they do in a post. A formula is *defect-free* when it
converts and its MathML is well-formed XML with none of the defect classes
``defects`` checks. Prints the rate for display and inline formulas and the
rest grouped by class. A formula site_gen rejects with an error counts as a
failure too: an error is better than broken math, but it is not math.
"""

from __future__ import annotations

import argparse
import contextlib
import html
import json
import re
import sys
import xml.etree.ElementTree as ET
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from site_gen.math import TexError, convert, extract_definitions  # noqa: E402

CORPUS = REPO.parent / "shared" / "corpus" / "latex" / "expressions.json"
TARGETS = {"display": 0.99, "inline": 0.995}
# Extraction noise: the corpus's SOURCES.md table, whose "$" columns were read
# as math. Not TeX, so not counted.
NOT_MATH_SOURCES = {"SOURCES.md"}
# Macros those sites define in their MathJax configuration, outside the posts
# (cs228-notes' _includes, ...): the equivalent of site.toml's [macros].
SITE_MACROS: dict[str, dict[str, str]] = {
    "cs228": {"E": r"\mathbb{E}", "tp": r"\tilde{p}", "Z": r"\mathcal{Z}"},
}

MATHML_NS = "{http://www.w3.org/1998/Math/MathML}"
LIMIT_NAMES = {"max", "min", "lim", "sup", "inf", "arg\u2009max", "arg\u2009min", "argmax", "argmin"}
LIMIT_TEX = re.compile(r"\\(max|min|lim|sup|inf|argmax|argmin)\s*_|\\arg\s*\\(max|min)\s*_")
BOLD_TEX = re.compile(r"\\(boldsymbol|bm|pmb)\b")
ARITY = {"msub": 2, "msup": 2, "mfrac": 2, "munder": 2, "mover": 2, "mroot": 2, "msubsup": 3, "munderover": 3}
TOKENS = {"mi", "mn", "mo", "mtext", "ms"}


@dataclass(frozen=True)
class Expression:
    source: str
    tex: str
    display: bool


@dataclass
class Result:
    expression: Expression
    defects: list[str]
    mathml: str = ""


def load(path: Path = CORPUS) -> list[Expression]:
    if not path.is_file():
        sys.exit(
            f"math_conformance: corpus not found at {path}\n(it lives in ../shared/corpus of the development workspace)"
        )
    return [
        Expression(e["source"], e["tex"], bool(e["display"]))
        for e in json.loads(path.read_text(encoding="utf-8"))
        if e["source"] not in NOT_MATH_SOURCES
    ]


# --------------------------------------------------------------------------
# Engines: TeX -> MathML string, or raise with a reason


def site_gen_engine() -> Callable[[Expression], str]:
    """site_gen's pipeline, with each post's own definitions carried forward."""
    post_macros: dict[str, dict[str, str]] = defaultdict(dict)

    def run(e: Expression) -> str:
        macros = post_macros[e.source]
        if not macros:
            macros.update(SITE_MACROS.get(e.source.split("__")[0], {}))
        with contextlib.suppress(TexError):  # the conversion below reports it
            macros.update(extract_definitions(e.tex).macros)
        return convert(e.tex, display=e.display, macros=macros).mathml

    return run


def bare_engine() -> Callable[[Expression], str]:
    """latex2mathml alone, as a post would get it without site_gen's fixes."""
    from latex2mathml.converter import convert as l2m

    def run(e: Expression) -> str:
        return l2m(e.tex, display="block" if e.display else "inline")

    return run


# --------------------------------------------------------------------------
# Defect classes


def _local(tag: str) -> str:
    return tag.removeprefix(MATHML_NS)


def _presentation(root: ET.Element) -> list[ET.Element]:
    """Every element except the TeX annotation (which holds TeX on purpose)."""
    return [el for el in root.iter() if _local(el.tag) not in ("annotation",)]


def defects(e: Expression, mathml: str) -> list[str]:
    """The defect classes of one converted formula (empty: defect-free)."""
    if mathml == "":  # a formula that only defines macros renders as nothing
        return []
    try:
        root = ET.fromstring(mathml)
    except ET.ParseError:
        return ["invalid-xml"]
    found: list[str] = []
    elements = _presentation(root)
    for el in elements:
        el.tag = _local(el.tag)
    texts = [(el, el.text or "") for el in elements]
    if any(re.search(r"\\[A-Za-z]+|\\[{}|]", t) for _, t in texts):
        found.append("leaked-command")
    if any("&" in t for el, t in texts if el.tag in ("mi", "mo", "mn")):
        found.append("literal-&")
    if any(el.tag == "mspace" and el.get("linebreak") for el in elements):
        found.append("linebreak-not-core")
    if any(el.tag in TOKENS and len(el) for el in elements):
        found.append("element-in-token")
    if any(el.tag in ARITY and len(el) != ARITY[el.tag] for el in elements):
        found.append("wrong-arity")
    if any(el.get("mathvariant") not in (None, "normal") for el in elements if el.tag != "mtext"):
        found.append("mathvariant-ignored-by-chromium")
    if BOLD_TEX.search(e.tex) and not any(
        0x1D400 <= ord(c) <= 0x1D7FF for el, t in texts if el.tag != "mtext" for c in t
    ):
        found.append("boldsymbol-not-bold")
    if (
        e.display
        and LIMIT_TEX.search(e.tex)
        and "\\nolimits" not in e.tex
        and any(
            el.tag in ("msub", "msup", "msubsup")
            and len(el)
            and (el[0].text or "").strip() in LIMIT_NAMES
            and not _in_fraction(el, elements)  # a fraction is in text style: beside, as in TeX
            for el in elements
        )
    ):
        found.append("limits-beside-in-display")
    if _function_application_missing(elements):
        found.append("no-function-application")
    if re.search(r"\\(underbrace|overbrace)\b", e.tex) and not any(
        el.tag == "mo" and el.text in ("\u23df", "\u23de") and el.get("stretchy") == "true" for el in elements
    ):
        found.append("brace-not-stretchy")
    if re.search(r"\\sim\b", e.tex) and (
        any(el.tag == "mi" and (el.text or "").strip() in ("~", "\u223c") for el in elements)
        or not any(el.tag == "mo" and el.text == "\u223c" for el in elements)
    ):
        found.append("sim-not-relation")
    return found


def _in_fraction(el: ET.Element, elements: list[ET.Element]) -> bool:
    parent_of = {child: parent for parent in elements for child in parent}
    while el in parent_of:
        el = parent_of[el]
        if el.tag == "mfrac":
            return True
    return False


def _function_application_missing(elements: list[ET.Element]) -> bool:
    """A function name (``log``) followed by its argument with nothing between."""
    parent_of = {child: parent for parent in elements for child in parent}
    for el in elements:
        text = (el.text or "").strip()
        if el.tag not in ("mi", "mo") or len(text) < 2 or not text.isalpha() or text in LIMIT_NAMES:
            continue
        if el.tag == "mo" and el.get("movablelimits") == "true":
            continue
        if el.tag == "mo":
            return True  # \operatorname as <mo>: operator spacing on both sides
        unit = el
        while unit in parent_of and _local(parent_of[unit].tag) in ARITY and parent_of[unit][0] is unit:
            unit = parent_of[unit]
        parent = parent_of.get(unit)
        if parent is None:
            continue
        siblings = list(parent)
        i = siblings.index(unit)
        if i + 1 < len(siblings):
            nxt = siblings[i + 1]
            if not (nxt.tag == "mo" and nxt.text == "\u2061") and nxt.tag != "mspace":
                return True
    return False


# --------------------------------------------------------------------------
# Report


def run(engine: Callable[[Expression], str], expressions: list[Expression]) -> list[Result]:
    results: list[Result] = []
    for e in expressions:
        try:
            mathml = engine(e)
        except TexError as err:
            results.append(Result(e, [f"error: {_error_class(err.message)}"]))
            continue
        except Exception as err:  # latex2mathml's own exceptions, for the bare engine
            results.append(Result(e, [f"error: {type(err).__name__}"]))
            continue
        results.append(Result(e, defects(e, mathml), mathml))
    return results


def _error_class(message: str) -> str:
    """Group errors by kind: drop the parts that name one formula's contents."""
    message = re.sub(r"\(supported: .*\)", "", message)
    return message.strip()


def report(results: list[Result], examples: int) -> bool:
    ok_all = True
    for kind, display in (("display", True), ("inline", False)):
        group = [r for r in results if r.expression.display is display]
        clean = sum(not r.defects for r in group)
        rate = clean / len(group) if group else 1.0
        ok = rate >= TARGETS[kind]
        ok_all &= ok
        verdict = "met" if ok else "NOT met"
        counts = f"{clean:4d} / {len(group):4d} defect-free = {rate:6.1%}"
        print(f"{kind:8} {counts}  (target {TARGETS[kind]:.1%}: {verdict})")
    by_class: dict[str, list[Result]] = defaultdict(list)
    for r in results:
        for d in r.defects:
            by_class[d].append(r)
    if by_class:
        print("\nremaining failures by class:")
    for cls, rs in sorted(by_class.items(), key=lambda kv: (-len(kv[1]), kv[0])):
        print(f"  {len(rs):4d}  {cls}")
        for r in rs[:examples]:
            tex = " ".join(r.expression.tex.split())
            print(f"          {r.expression.source[:40]:40}  {tex[:110]}")
    return ok_all


# --------------------------------------------------------------------------
# The visual regression page: the hardest formulas, for a browser and a diff


def hardness(e: Expression, bare_defects: list[str]) -> tuple[int, int, int]:
    """Formulas bare latex2mathml gets most wrong, then the most complex."""
    commands = len(re.findall(r"\\[A-Za-z]+", e.tex))
    return (len(bare_defects), commands, len(e.tex))


def hardest_page(expressions: list[Expression], count: int = 30) -> str:
    """An HTML page of the ``count`` hardest formulas, TeX beside MathML."""
    bare = {id(r.expression): r.defects for r in run(bare_engine(), expressions)}
    ours = run(site_gen_engine(), expressions)
    seen: set[str] = set()
    ranked: list[Result] = []
    for r in sorted(ours, key=lambda r: hardness(r.expression, bare[id(r.expression)]), reverse=True):
        if r.expression.tex in seen or not r.mathml:
            continue
        seen.add(r.expression.tex)
        ranked.append(r)
        if len(ranked) == count:
            break
    rows = []
    for n, r in enumerate(ranked, 1):
        before = ", ".join(bare[id(r.expression)]) or "none"
        rows.append(
            f'<section id="f{n}">\n<h2>{n}. {html.escape(r.expression.source)}</h2>\n'
            f'<p class="defects">bare latex2mathml: {html.escape(before)}</p>\n'
            f'<pre class="tex">{html.escape(r.expression.tex.strip())}</pre>\n'
            f'<div class="{"math-display" if r.expression.display else "math-inline"}">{r.mathml}</div>\n</section>'
        )
    return (
        '<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        f"<title>The {count} hardest corpus formulas</title>\n"
        '<link rel="stylesheet" href="../../static/css/site.css">\n'
        "<style>section{border-top:1px solid #ccc;padding:.5em 0}"
        ".tex{white-space:pre-wrap;font-size:.8em;color:#555}.defects{font-size:.8em;color:#a00}</style>\n"
        "</head>\n<body>\n<main>\n"
        f"<h1>The {count} hardest formulas of ../shared/corpus/latex</h1>\n"
        "<p>Generated by <code>bench/math_conformance.py --write-hardest</code>; "
        "open in Chromium and Firefox and compare with the TeX.</p>\n"
        + "\n".join(rows)
        + "\n</main>\n</body>\n</html>\n"
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--engine", choices=("site_gen", "latex2mathml"), default="site_gen")
    parser.add_argument("--examples", type=int, default=3, help="examples shown per failure class")
    parser.add_argument("--corpus", type=Path, default=CORPUS)
    parser.add_argument("--write-hardest", type=Path, metavar="HTML", help="write the hardest-formulas page")
    args = parser.parse_args(argv)
    expressions = load(args.corpus)
    if args.write_hardest:
        args.write_hardest.write_text(hardest_page(expressions), encoding="utf-8")
        print(f"wrote {args.write_hardest}")
        return 0
    engine = site_gen_engine() if args.engine == "site_gen" else bare_engine()
    print(f"engine: {args.engine}; corpus: {args.corpus} ({len(expressions)} formulas)\n")
    return 0 if report(run(engine, expressions), args.examples) else 1


if __name__ == "__main__":
    sys.exit(main())
