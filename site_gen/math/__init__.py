"""TeX -> MathML at build time.

Posts are read by people learning ML, often on phones and in feed readers, so
math is converted to MathML once, here, instead of shipping a JavaScript
typesetter. latex2mathml does the conversion; this package is a small
pipeline around it that fixes what it gets wrong on real ML writing::

    TeX ──definitions──▶ macros expanded ──normalise──▶ TeX latex2mathml handles
        ──latex2mathml──▶ element tree ──fixes──▶ MathML Core ──annotate──▶ <math>

* ``macros``: site, post and in-formula (``\\newcommand``, ``\\def``) macros.
* ``mathjax``: the MathJax conventions real posts use (``\\color{c}{x}``,
  ``\\bbox``, ``\\enclose``, ``\\require``, ``%`` comments), as TeX the rest reads.
* ``normalise``: TeX -> TeX steps (environments, ``\\tag``/``\\label``, limits,
  operator names), each named for the defect it avoids.
* ``fixes``: MathML tree steps (bold letters, delimiters, function spacing,
  ``\\sim``, stretchy braces, table layout, boxes in CSS, safe links) and the
  final leak check.
* ``operators``: TeX's atom classes (unary minus, punctuation, relations,
  large operators) said in MathML Core, as Temml says them.

``bench/math_vs_temml.py`` measures the result against Temml in Chromium.

Errors are ``TexError`` with a message naming the construct; the Markdown layer
adds the file and line. Every ``<math>`` keeps its TeX in ``alttext`` and in a
``<semantics>`` annotation, so it can be copied and read by screen readers.
Conversions are pure, so they are memoised with ``lru_cache``.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache

from site_gen.fragments import recall
from site_gen.math.macros import Definitions, expand_macros, extract_definitions
from site_gen.math.normalise import EquationTags, Tag, normalise, scan_tags
from site_gen.math.serialise import mathml_text
from site_gen.math.tex import TexError, join_tokens, read_argument, read_optional, skip_spaces, tokenize
from site_gen.textfile import XML_INVALID

__all__ = [
    "Conversion",
    "Definitions",
    "EquationTags",
    "Tag",
    "TexError",
    "convert",
    "convert_cached",
    "equation_tags",
    "expand_macros",
    "extract_definitions",
    "to_mathml",
]

# Commands latex2mathml accepts with too few arguments; we insist on them.
ARITY = {"frac": 2, "dfrac": 2, "tfrac": 2, "cfrac": 2, "binom": 2, "sqrt": 1}

Numbers = Mapping[str, tuple[str, str]]


@dataclass(frozen=True)
class Conversion:
    """One converted formula: the ``<math>`` element and what to warn about."""

    mathml: str
    warnings: tuple[str, ...] = ()


def to_mathml(
    tex: str,
    *,
    display: bool,
    macros: Mapping[str, str],
    numbers: Numbers | None = None,
) -> str:
    """Convert one formula to a ``<math>`` element string, or raise TexError.

    ``numbers`` maps a ``\\label`` to (element id, number text), for the rows
    of an aligned formula; ``site_gen.markdown`` numbers a post's equations.
    """
    return convert(tex, display=display, macros=macros, numbers=numbers).mathml


def convert(
    tex: str,
    *,
    display: bool,
    macros: Mapping[str, str],
    numbers: Numbers | None = None,
) -> Conversion:
    """Like ``to_mathml``, with the warnings (ignored constructs) as well."""
    frozen = tuple(sorted(macros.items()))
    frozen_numbers = tuple(sorted((numbers or {}).items()))
    clean = XML_INVALID.sub("", tex)
    # Recorded for the post's next render too (site_gen.fragments), by the same key as the memo.
    key = ("math", clean.strip(), display, frozen, frozen_numbers)
    result = recall(key, lambda: convert_cached(clean.strip(), display, frozen, frozen_numbers))
    if clean != tex:
        note = "removed characters XML cannot hold (control characters, U+FFFE, U+FFFF)"
        return Conversion(result.mathml, (note, *result.warnings))
    return result


def equation_tags(tex: str) -> EquationTags:
    """The ``\\label``/``\\tag`` of a display formula, for numbering a post."""
    return scan_tags(tokenize(tex))


@lru_cache(maxsize=4096)
def convert_cached(
    tex: str,
    display: bool,
    macros: tuple[tuple[str, str], ...],
    numbers: tuple[tuple[str, tuple[str, str]], ...] = (),
) -> Conversion:
    """The memoised body of ``convert`` (hashable arguments only).

    The key is everything the MathML depends on: the TeX, display or inline,
    the macros in effect and the row numbers (ids and numbers depend on where
    the formula sits in its post, so they are part of the key, never reused
    for another position). A whole formula's number is drawn outside the
    ``<math>``, by ``markdown_math``. A TexError is not memoised: each
    occurrence raises afresh, and ``markdown_math`` gives it its own line.
    Real posts repeat about a third of their formulas (``bench/memo_hits.py``).
    """
    defined = extract_definitions(tex)
    merged = {**dict(macros), **defined.macros}
    # Nothing defined and nothing to expand: the TeX is as given, and its tokens were read already.
    unchanged = not merged and defined.tokens is not None and tex == tex.strip()
    expanded = tex if unchanged else expand_macros(defined.tex, merged).strip()
    if not expanded:
        if defined.macros:  # a formula that only defines macros shows nothing
            return Conversion("", tuple(defined.warnings))
        raise TexError("empty formula")
    tokens = defined.tokens if unchanged and defined.tokens is not None else tokenize(expanded)
    check_arity(tokens)
    normal = normalise(tokens, display=display)
    tags = normal.tags
    if not display and (tags.whole or tags.rows):
        raise TexError("\\label and \\tag only work in display math ($$ … $$)")
    # Imported by the first formula converted, not with this module: an edit whose formulas all
    # come from the post's last render (site_gen.fragments) never needs them (20-35 ms of imports).
    from site_gen.math import fixes
    from site_gen.math.latex2mathml_input import convert_to_element

    try:
        math = convert_to_element(join_tokens(normal.tokens), "block" if display else "inline")
    except Exception as err:  # latex2mathml signals bad input many ways
        raise TexError(_describe(err)) from None
    for fix in fixes.FIXES:
        fix(math)
    fixes.enclosures(math, normal.enclosures)
    fixes.row_numbers(math, tags.rows, dict(numbers))
    _annotate(math, expanded)
    mathml = mathml_text(math)
    return Conversion(mathml, (*defined.warnings, *normal.warnings))


def check_arity(tokens: list[str]) -> None:
    """Raise TexError where e.g. ``\\frac`` lacks an argument."""
    for i, tok in enumerate(tokens):
        need = ARITY.get(tok[1:]) if tok[:1] == "\\" else None
        if need is None:
            continue
        j = i + 1
        if tok == "\\sqrt":  # optional [n] root index
            optional = read_optional(tokens, skip_spaces(tokens, j))
            j = optional[1] if optional else j
        for n in range(need):
            found = read_argument(tokens, j)
            if found is None:
                raise TexError(f"{tok} needs {need} argument(s), got {n}")
            j = found[1]


# latex2mathml's exceptions mostly carry no message; say what they mean.
_MEANINGS = {
    "ExtraLeftOrMissingRightError": r"\left without a matching \right",
    "MissingEndError": r"\begin{...} without a matching \end{...}",
    "MissingSuperScriptOrSubscriptError": "'^' or '_' with nothing after it",
    "DoubleSuperscriptsError": "double superscript: write x^{ab}, not x^a^b",
    "DoubleSubscriptsError": "double subscript: write x_{ab}, not x_a_b",
    "NumeratorNotFoundError": "fraction without a numerator",
    "DenominatorNotFoundError": "fraction without a denominator",
    "NoAvailableTokensError": "a command is missing its argument",
    "LimitsMustFollowMathOperatorError": r"\limits must follow an operator",
}


def _describe(err: Exception) -> str:
    """Turn latex2mathml's exception (often message-less) into a sentence."""
    name = type(err).__name__
    words = re.sub(r"(?<=[a-z])(?=[A-Z])", " ", name.removesuffix("Error")).lower()
    text = f"cannot convert TeX: {_MEANINGS.get(name, words)}"
    detail = str(err).strip()
    return f"{text} ({detail})" if detail else text


def _annotate(math: ET.Element, tex: str) -> None:
    """Wrap the content in <semantics> with the TeX, and set alttext."""

    children = list(math)
    for child in children:
        math.remove(child)
    semantics = ET.SubElement(math, "semantics")
    if len(children) == 1:  # <semantics> wants exactly one presentation child
        semantics.append(children[0])
        if children[0].get("style") == "width:100%":  # numbered rows: the table fills the line
            semantics.set("style", "width:100%")
    else:
        ET.SubElement(semantics, "mrow").extend(children)
    annotation = ET.SubElement(semantics, "annotation")
    annotation.set("encoding", "application/x-tex")
    annotation.text = tex
    math.set("alttext", tex)
