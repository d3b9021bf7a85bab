"""TeX -> MathML: conversion, annotations, macros, errors, equation numbers."""

from __future__ import annotations

from pathlib import Path

import lxml.html
import pytest
from hypothesis import given
from hypothesis import strategies as st

from site_gen import math as sg_math
from site_gen.errors import ContentError
from site_gen.markdown import MarkdownRenderer
from site_gen.math import TexError, expand_macros, to_mathml

MACROS = {"R": r"\mathbb{R}", "norm": r"\left\lVert #1 \right\rVert"}


def render(source: str, first_line: int = 1, **kwargs: object) -> lxml.html.HtmlElement:
    doc = MarkdownRenderer(macros=MACROS).render(
        source,
        path=Path("post.md"),
        first_line=first_line,
        **kwargs,  # type: ignore[arg-type]
    )
    return lxml.html.fragment_fromstring(doc.html, create_parent="div")


def maths(tree: lxml.html.HtmlElement) -> list[lxml.html.HtmlElement]:
    return tree.xpath("//*[local-name()='math']")


# -- to_mathml ---------------------------------------------------------------


def test_inline_math_has_alttext_and_annotation() -> None:
    html = to_mathml(r"x^2", display=False, macros={})
    math = lxml.html.fragment_fromstring(html)
    assert math.get("display") == "inline"
    assert math.get("alttext") == "x^2"
    annotation = math.xpath(".//*[local-name()='annotation']")[0]
    assert annotation.get("encoding") == "application/x-tex"
    assert annotation.text == "x^2"


def test_display_math_is_block() -> None:
    html = to_mathml(r"\frac{a}{b}", display=True, macros={})
    assert lxml.html.fragment_fromstring(html).get("display") == "block"
    assert "<mfrac>" in html


def test_text_is_escaped_not_unescaped() -> None:
    # latex2mathml's own string output would turn &lt;b&gt; back into <b>.
    html = to_mathml(r"a < b \text{<b>}", display=False, macros={})
    assert "<b>" not in html
    assert "&lt;b&gt;" in html


# -- macros --------------------------------------------------------------------


def test_macro_without_arguments() -> None:
    assert expand_macros(r"x \in \R", MACROS) == r"x \in \mathbb{R}"


def test_macro_with_argument() -> None:
    assert expand_macros(r"\norm{v}^2", MACROS) == r"\left\lVert v \right\rVert^2"


def test_macro_with_two_arguments_and_single_token_argument() -> None:
    macros = {"pair": r"(#1, #2)"}
    assert expand_macros(r"\pair{a}b", macros) == "(a, b)"


def test_macro_name_is_not_matched_inside_longer_command() -> None:
    assert expand_macros(r"A \Rightarrow B", MACROS) == r"A \Rightarrow B"


def test_macro_body_does_not_glue_to_following_letter() -> None:
    assert expand_macros(r"\e x", {"e": r"\epsilon"}) == r"\epsilon x"
    assert expand_macros(r"\e{}x", {"e": r"\epsilon"}) == r"\epsilon{}x"


def test_nested_macros_expand() -> None:
    macros = {"loss": r"\mathcal{L}(\theta)", "obj": r"\min \loss"}
    assert expand_macros(r"\obj", macros) == r"\min \mathcal{L}(\theta)"


def test_recursive_macro_is_an_error() -> None:
    with pytest.raises(TexError, match="nested deeper"):
        to_mathml(r"\a", display=False, macros={"a": r"x \a"})


def test_macro_missing_argument_is_an_error() -> None:
    with pytest.raises(TexError, match="argument"):
        to_mathml(r"\norm", display=False, macros=MACROS)


def test_macros_in_markdown_are_site_plus_post() -> None:
    tree = render(r"$\R + \E$", macros={"E": r"\mathbb{E}"})
    assert maths(tree)[0].get("alttext") == r"\mathbb{R} + \mathbb{E}"


# -- bad TeX --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("tex", "message"),
    [
        (r"\frac{1", "unbalanced"),
        (r"x}", "unbalanced"),
        (r"\frac{1}", r"\\frac needs 2"),
        (r"\left( x", r"\\left without a matching \\right"),
        (r"x^", "nothing after it"),
        (r"\notacommand x", "unknown TeX command"),
    ],
)
def test_bad_tex_raises(tex: str, message: str) -> None:
    with pytest.raises(TexError, match=message):
        to_mathml(tex, display=True, macros={})


def test_bad_tex_in_markdown_is_content_error_with_file_line() -> None:
    with pytest.raises(ContentError) as info:
        render("Intro.\n\nSome text\nand $\\frac{1}$ here.\n", first_line=5)
    assert info.value.path == Path("post.md")
    assert info.value.line == 8  # body line 4, body starts at line 5
    assert "frac" in info.value.message
    assert info.value.hint


def test_bad_display_tex_reports_its_line() -> None:
    with pytest.raises(ContentError) as info:
        render("Text.\n\n$$\n\\left( x\n$$\n", first_line=3)
    assert info.value.line == 5


# -- memoisation ---------------------------------------------------------------


def test_conversions_are_memoised() -> None:
    sg_math.convert_cached.cache_clear()
    to_mathml(r"\alpha + \beta", display=False, macros=MACROS)
    to_mathml(r"\alpha + \beta", display=False, macros=dict(MACROS))
    info = sg_math.convert_cached.cache_info()
    assert info.hits == 1 and info.misses == 1


# -- delimiters in Markdown -------------------------------------------------------


def test_dollar_and_bracket_delimiters() -> None:
    tree = render("Inline $a$ and \\(b\\).\n\n$$c$$\n\n\\[\nd\n\\]\n")
    found = [(m.get("display"), m.get("alttext")) for m in maths(tree)]
    assert found == [("inline", "a"), ("inline", "b"), ("block", "c"), ("block", "d")]
    displays = tree.xpath("//div[@class='math-display']")
    assert len(displays) == 2


def test_inline_display_brackets_stay_inside_paragraph() -> None:
    tree = render("See \\[x+1\\] here.")
    span = tree.xpath("//p/span[@class='math-display']")
    assert maths(span[0])[0].get("display") == "block"


def test_money_is_not_math() -> None:
    tree = render("It costs $5 and $10.")
    assert maths(tree) == []


def test_empty_brackets_stay_commonmark_escapes() -> None:
    tree = render(r"\(\) and \[\]")
    assert maths(tree) == []
    assert tree.text_content().strip() == "() and []"


def test_amsmath_environment_at_block_level() -> None:
    tree = render("\\begin{align}\na &= b\n\\end{align}\n")
    assert maths(tree)[0].get("display") == "block"


# -- labels, numbers, references -------------------------------------------------


LABELLED = """\
First $$a$$ (eq:first) is not a block.

$$
x = 1
$$ (eq:first)

$$
y = 2
$$

$$
z = 3
$$ (eq:loss)

See \\eqref{eq:loss}, \\ref{eq:first} and @eq-loss.
"""


def test_only_labelled_display_equations_are_numbered() -> None:
    tree = render(LABELLED)
    blocks = tree.xpath("//div[@class='math-display']")
    assert [b.get("id") for b in blocks] == ["eq-first", None, "eq-loss"]
    numbers = [b.xpath("string(span[@class='eq-number'])") for b in blocks]
    assert numbers == ["(1)", "", "(2)"]


def test_references_link_to_numbered_equations() -> None:
    tree = render(LABELLED)
    refs = [(a.get("href"), a.text) for a in tree.xpath("//a[@class='eqref']")]
    assert refs == [("#eq-loss", "(2)"), ("#eq-first", "1"), ("#eq-loss", "(2)")]


def test_forward_reference_works() -> None:
    tree = render("See \\eqref{eq:a}.\n\n$$ a $$ (eq:a)\n")
    assert tree.xpath("//a[@class='eqref']")[0].text == "(1)"


def test_at_sign_in_email_is_not_a_reference() -> None:
    tree = render("Write to me@eq-lab.org.")
    assert tree.xpath("//a[@class='eqref']") == []


def test_undefined_label_is_an_error_with_line() -> None:
    with pytest.raises(ContentError) as info:
        render("Para.\n\nSee\n\\eqref{eq:nope}.\n", first_line=10)
    assert info.value.line == 13
    assert "eq:nope" in info.value.message
    assert "label" in info.value.hint


def test_undefined_at_reference_is_an_error() -> None:
    with pytest.raises(ContentError, match="eq-missing"):
        render("See @eq-missing.")


def test_duplicate_label_is_an_error() -> None:
    with pytest.raises(ContentError, match="twice") as info:
        render("$$ a $$ (eq:x)\n\n$$ b $$ (eq:x)\n", first_line=2)
    assert info.value.line == 4


def test_heading_ids_avoid_equation_ids() -> None:
    tree = render("## Eq loss\n\n$$ a $$ (eq:loss)\n")
    assert tree.xpath("//h2/@id") == ["eq-loss-1"]


# -- properties ------------------------------------------------------------------

TEX_PIECES = st.sampled_from(
    ["x", "1", "{", "}", "^", "_", "\\frac", "\\sqrt", "[", "]", "\\left(", "\\right)", "\\R", "\\norm", " ", "\\"]
)


@given(st.lists(TEX_PIECES, max_size=12).map("".join))
def test_any_tex_converts_or_raises_tex_error(tex: str) -> None:
    try:
        html = to_mathml(tex, display=True, macros=MACROS)
    except TexError:
        return
    assert html.startswith("<math")


@given(st.text(alphabet="ab{}\\ #", max_size=20))
def test_expansion_without_macros_is_identity(tex: str) -> None:
    try:
        assert expand_macros(tex, {}) == tex
    except TexError as err:
        assert "unbalanced" in err.message
