"""Our tokenizer for latex2mathml gives exactly its own tokens, and the conversion exactly its element."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET

import pytest
from hypothesis import given
from hypothesis import strategies as st
from latex2mathml.converter import convert_to_element as their_conversion
from latex2mathml.tokenizer import tokenize as their_tokens

from site_gen.math.latex2mathml_input import convert_to_element, tokens

from .conftest import SHARED, SHARED_MISSING

EXPRESSIONS = SHARED / "corpus" / "latex" / "expressions.json"

# Each kind of match the tokenizer treats apart, and text around them.
TRICKY = [
    r"x^2 + y_1 - \alpha_{ij}",
    r"a % a comment" + "\n" + r"+ b",
    "a %\n b %",
    r"\verb|x_1| + \verb!{}!",
    r"\mathbb{R}^n \mathbf{x} \mathrm{d}x \mathcal L \mathop{max}",
    r"\text{a  b} \textbf{bold} \mbox{m} \color{red}{x}",
    r"\frac12 \dfrac{1}{2} \tfrac .5 3",
    r"\hspace{3 cm} \kern-2.5em \rule{1 pt}{ 2mm}",
    r"\begin {pmatrix} a & b \\ c & d \end {pmatrix}",
    r"\operatorname {arg max}_x \operatorname*{lim sup} \operatornamewithlimits{ess sup}",
    r"\left( \frac{a}{b} \right) \, \; \! \: \> \| \{ \} \% \# \$ \& \_",
    r"3.14 .5 \cdot 10^{-3} 2,5",
    "\\\\ \\ x",
]


def _same_tokens(tex: str) -> None:
    try:
        expected: list[str] | type[Exception] = list(their_tokens(tex))
    except Exception as error:  # \verbatim-like input breaks theirs: ours must break the same way
        expected = type(error)
    if isinstance(expected, list):
        assert list(tokens(tex)) == expected, tex
    else:
        with pytest.raises(expected):
            list(tokens(tex))


@pytest.mark.parametrize("tex", TRICKY)
def test_tokens_are_latex2mathml_s_own(tex: str) -> None:
    _same_tokens(tex)


@pytest.mark.parametrize("tex", TRICKY)
@pytest.mark.parametrize("display", ["inline", "block"])
def test_the_element_is_latex2mathml_s_own(tex: str, display: str) -> None:
    try:
        expected = ET.tostring(their_conversion(tex, display=display), encoding="unicode")
    except Exception as error:
        with pytest.raises(type(error)):
            convert_to_element(tex, display)
        return
    assert ET.tostring(convert_to_element(tex, display), encoding="unicode") == expected


_PIECES = st.sampled_from(
    ["x", "1", "2.5", ".5", " ", "\n", "%", "^", "_", "{", "}", "\\", "\\alpha", "\\frac", "\\mathbb", "\\mathrm",
     "\\text", "\\verb", "|", "!", "\\begin", "\\end", "{matrix}", "\\operatorname", "cm", "pt", "&", "-", "\\,"]
)  # fmt: skip


@given(st.lists(_PIECES, max_size=12).map("".join))
def test_tokens_agree_on_generated_tex(tex: str) -> None:
    _same_tokens(tex)


@pytest.mark.skipif(not EXPRESSIONS.is_file(), reason=SHARED_MISSING)
def test_tokens_agree_on_the_latex_corpus() -> None:
    data = json.loads(EXPRESSIONS.read_text(encoding="utf-8"))
    expressions = [item if isinstance(item, str) else item["tex"] for item in data]
    assert len(expressions) > 1000
    for tex in expressions:
        _same_tokens(tex)


def test_table_copies_are_deep_copies() -> None:
    """latex2mathml's converter copies its tables' entries through ``_TableCopies``: each copy
    equals ``copy.deepcopy``'s and shares nothing mutable with the table."""
    import copy

    from latex2mathml import commands, converter

    from site_gen.math.latex2mathml_input import _TableCopies

    assert converter.copy is _TableCopies
    for table in (commands.CONVERSION_MAP, commands.DIACRITICS):
        for entry in table.values():
            copied = _TableCopies.deepcopy(entry)
            assert copied == copy.deepcopy(entry)
            assert copied[1] is not entry[1]
    nested = ("mi", {"a": ["list"]})  # not a table's shape: the real deep copy
    assert _TableCopies.deepcopy(nested)[1]["a"] is not nested[1]["a"]
