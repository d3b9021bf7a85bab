"""The fast check for characters XML cannot hold agrees with the regex it stands in for."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from site_gen.textfile import XML_INVALID, clean_text, has_xml_invalid, xml_safe

# Every kind of character the check treats apart: the C0 controls (forbidden but tab, newline,
# carriage return), ASCII, other BMP text, the surrogates, U+FFFE/U+FFFF and the astral planes.
_CHARACTERS = st.one_of(
    st.characters(min_codepoint=0, max_codepoint=0x7F),
    st.characters(min_codepoint=0x80, max_codepoint=0xFFFF),
    st.sampled_from(["\ud800", "\udfff", "\ufffe", "\uffff", "\U0001d465", "\x0c", "\x00", "\t"]),
)


@given(st.text(alphabet=_CHARACTERS, max_size=40))
def test_agrees_with_the_regex(text: str) -> None:
    assert has_xml_invalid(text) == (XML_INVALID.search(text) is not None)
    assert xml_safe(text) == XML_INVALID.sub("", text)


@pytest.mark.parametrize(
    ("text", "invalid"),
    [
        ("plain ASCII\twith\r\nline ends", False),
        ("a form feed \x0c from a PDF", True),
        ("\x1f at the end of ASCII", True),
        ("MathML 𝑥 ∑ and \x07 a bell", True),
        ("a lone surrogate \ud83d here", True),
        ("a noncharacter \ufffe", True),
        ("ℝ, 𝔼 and é are fine", False),
    ],
)
def test_finds_each_kind_of_invalid_character(text: str, invalid: bool) -> None:
    assert has_xml_invalid(text) is invalid
    assert bool(clean_text(text, None).warnings) is invalid
