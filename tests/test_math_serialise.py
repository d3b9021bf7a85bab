"""The MathML writer writes exactly what ElementTree writes, for every tree it may meet."""

from __future__ import annotations

import xml.etree.ElementTree as ET

import pytest

from site_gen.math import convert_cached
from site_gen.math.serialise import mathml_text


def _reference(math: ET.Element) -> str:
    return ET.tostring(math, encoding="unicode", short_empty_elements=False)


def _tricky() -> ET.Element:
    math = ET.Element("math", {"xmlns": "http://www.w3.org/1998/Math/MathML", "display": "block"})
    row = ET.SubElement(math, "mrow", {"style": 'font-family:"A & B"<x>', "title": "line\none\rtwo\tthree"})
    ET.SubElement(row, "mi").text = "a<b & c>d"
    ET.SubElement(row, "mspace", {"width": "0.1667em"})  # empty: still written open and closed
    last = ET.SubElement(row, "mtext")
    last.text = ""
    last.tail = "after & <tail>"
    ET.SubElement(math, "annotation", {"encoding": "application/x-tex"}).text = r"\frac{a}{b} < c & d"
    return math


def test_escapes_text_attributes_and_tails_as_elementtree_does():
    math = _tricky()
    assert mathml_text(math) == _reference(math)
    assert '<mspace width="0.1667em"></mspace>' in mathml_text(math)


@pytest.mark.parametrize(
    "odd",
    [
        lambda math: ET.SubElement(math, "{http://www.w3.org/1998/Math/MathML}mi"),  # a namespaced tag
        lambda math: math.append(ET.Comment("a comment")),
        lambda math: math.set("{http://www.w3.org/1999/xlink}href", "x"),  # a namespaced attribute
    ],
)
def test_trees_it_does_not_handle_are_written_by_elementtree(odd):
    math = _tricky()
    odd(math)
    assert mathml_text(math) == _reference(math)


@pytest.mark.parametrize(
    ("tex", "display"),
    [
        (r"L(\theta) = \frac{1}{n} \sum_{i=1}^{n} \left(y_i - \theta^\top x_i\right)^2", True),
        (r"\text{if } x < 0 \text{ and } y > 1", False),
        (r"\begin{pmatrix} a & b \\ c & d \end{pmatrix}", True),
        (r"\href{https://example.com/?a=1&b=2}{x}", False),
    ],
)
def test_converted_formulas_are_written_as_elementtree_writes_them(tex, display, monkeypatch):
    ours = convert_cached.__wrapped__(tex, display, ()).mathml
    monkeypatch.setattr("site_gen.math.mathml_text", _reference)
    assert ours == convert_cached.__wrapped__(tex, display, ()).mathml
