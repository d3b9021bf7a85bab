"""MathJax conventions (issue 11), unsafe TeX (issue 10), and math outside prose.

Each MathJax command real posts use either converts, or fails with a message
naming exactly that command and a short hint, never the whole formula.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from site_gen.errors import ContentError
from site_gen.markdown import MarkdownRenderer
from site_gen.markdown_math import CONTEXT
from site_gen.math import TexError, convert


def mathml(tex: str, display: bool = True) -> ET.Element:
    root = ET.fromstring(convert(tex, display=display, macros={}).mathml)
    for el in root.iter():
        el.tag = el.tag.rpartition("}")[2]  # no namespace: <mo>, not {…MathML}mo
    return root


def styles(root: ET.Element) -> list[str]:
    return [el.get("style", "") for el in root.iter() if el.get("style")]


def error(tex: str) -> str:
    with pytest.raises(TexError) as caught:
        convert(tex, display=True, macros={})
    return caught.value.message


# -- colour ------------------------------------------------------------------


def test_color_with_braces_colours_only_its_argument() -> None:
    root = mathml(r"\color{cyan}{x} + y")
    (styled,) = [el for el in root.iter() if el.get("mathcolor")]
    assert styled.get("mathcolor") == "cyan" and "".join(styled.itertext()) == "x"


def test_color_switch_colours_to_the_end_of_its_cell() -> None:
    root = mathml(r"\begin{aligned} \color{red} a + b &= c \end{aligned}")
    (styled,) = [el for el in root.iter() if el.get("mathcolor")]
    assert "".join(styled.itertext()).strip() == "a+b"


def test_color_inside_aligned_is_not_an_alignment_error() -> None:
    assert mathml(r"\begin{aligned} \color{cyan}{a} &= b \\ &= \textcolor{red}{c} \end{aligned}") is not None


def test_colour_models_become_hex() -> None:
    assert [el.get("mathcolor") for el in mathml(r"\color[rgb]{1,0,0}{x}").iter() if el.get("mathcolor")] == ["#ff0000"]


def test_a_colour_that_is_not_one_is_an_error_naming_it() -> None:
    assert error(r"\color{red;x:y}{x}").startswith(r"\color{red;x:y}")
    assert error(r"\color[xyz]{1}{x}").startswith(r"\color[xyz]")


# -- MathJax-only commands -----------------------------------------------------


ACCEPTED = [r"\require{cancel} x", "a % a comment\n + b", r"\begin{aligned}[t] a &= b \end{aligned}"]


@pytest.mark.parametrize("tex", ACCEPTED)
def test_accepted_with_no_output_of_their_own(tex: str) -> None:
    texts = "".join(t for el in mathml(tex).iter() if el.tag != "annotation" for t in [el.text or ""])
    assert "require" not in texts and "comment" not in texts and "[t]" not in texts


@pytest.mark.parametrize(
    ("tex", "needle"),
    [
        (r"\boxed{x}", "border:1px solid"),
        (r"\cancel{x}", "linear-gradient(to top right"),
        (r"\bcancel{x}", "linear-gradient(to bottom right"),
        (r"\enclose{circle}{x}", "border-radius:50%"),
        (r"\enclose{top,bottom}{x}", "border-bottom"),
        (r"\bbox[yellow,5pt]{x}", "background-color:yellow;padding:5pt"),
        (r"\bbox[border:1px solid red]{x}", "border:1px solid red"),
        (r"\colorbox{yellow}{x}", "padding:0.3em"),
        (r"\pmb{x}", "font-weight:bold"),
    ],
)
def test_boxes_and_strikes_are_drawn_in_css(tex: str, needle: str) -> None:
    root = mathml(tex)
    assert any(needle in style for style in styles(root)), styles(root)
    assert not list(root.iter("menclose"))  # MathML Core draws no <menclose>


def test_unknown_enclose_notation_names_the_command() -> None:
    message = error(r"\enclose{madruwb}{x}")
    assert message.startswith(r"\enclose{madruwb}") and "circle" in message


def test_bbox_refuses_css_it_does_not_know() -> None:
    assert error(r"\bbox[position:fixed]{x}").startswith(r"\bbox[position:fixed]")


def test_mathclap_centres_without_width_units() -> None:
    (padded,) = mathml(r"\sum_{\mathclap{i \in S}} x").iter("mpadded")
    assert padded.get("lspace") is None and "justify-content:center" in padded.get("style", "")


def test_xrightarrow_stretches_under_its_label() -> None:
    root = mathml(r"a \xrightarrow{f} b")
    arrow = next(el for el in root.iter("mo") if el.text == "→")
    assert arrow.get("stretchy") == "true"
    assert any(el.get("width") == "3.5em" for el in root.iter("mspace"))


def test_overset_keeps_the_relation_spaced() -> None:
    eq = next(el for el in mathml(r"a \overset{!}{=} b").iter("mo") if el.text == "=")
    assert eq.get("lspace") is None


@pytest.mark.parametrize(
    "tex",
    [r"x \tag*{A}", r"\operatorname*{argmin}_x f", r"\sum_{\substack{i \\ j}} x", r"\underset{a}{b}"],
)
def test_amsmath_commands_convert(tex: str) -> None:
    assert mathml(tex) is not None


# -- unsafe TeX ----------------------------------------------------------------


@pytest.mark.parametrize("url", ["javascript:alert(1)", " JavaScript:x", "data:text/html,x", "vbscript:x"])
def test_href_never_makes_a_script_link(url: str) -> None:
    assert error(rf"\href{{{url}}}{{x}}").startswith(r"\href{")


def test_href_to_the_web_is_kept() -> None:
    assert [el.get("href") for el in mathml(r"\href{https://example.com}{x}").iter() if el.get("href")] == [
        "https://example.com"
    ]


def test_url_is_an_error_with_a_hint() -> None:
    assert error(r"\url{https://example.com}").startswith(r"\url is not supported")


def test_xml_invalid_characters_are_removed_with_a_warning() -> None:
    result = convert("x\x01 + \ufffe y\x1b", display=False, macros={})
    ET.fromstring(result.mathml)
    assert not {"\x01", "\ufffe", "\x1b"}.intersection(result.mathml)
    assert any("XML" in w for w in result.warnings)


# -- in Markdown: errors, alt text, headings, links ----------------------------


def render(source: str) -> str:
    return MarkdownRenderer().render(source, path=Path("post.md")).html


def test_error_hint_quotes_a_short_piece_not_the_formula() -> None:
    long_formula = " + ".join(f"x_{{{i}}}" for i in range(80)) + r" + \frob{y}"
    with pytest.raises(ContentError) as caught:
        render(f"$${long_formula}$$\n")
    hint = caught.value.hint or ""
    assert r"\frob" in hint and len(hint) < CONTEXT + 120
    assert long_formula not in str(caught.value)


def test_image_alt_text_holds_the_tex_as_plain_text() -> None:
    html = render("Text ![the $x$-axis](a.png) more.\n\n![alone, $\\alpha$](b.png)\n")
    assert 'alt="the x-axis"' in html and 'alt="alone, \\alpha"' in html
    assert "<figcaption>alone, <math" in html  # the caption shows the math


def test_math_in_a_heading_shows_in_the_toc() -> None:
    doc = MarkdownRenderer().render("## Loss $L(\\theta)$ & co\n\n## Plain\n", path=Path("post.md"))
    title = doc.toc[0].title
    assert "<math" in title and "&amp; co" in title
    assert doc.toc[1].title == "Plain"


def test_math_in_link_text() -> None:
    assert '<a href="https://example.com">the <math' in render("[the $x$ link](https://example.com)\n")


# -- what MathML Core leaves out: rules in tables, TeX's font sizes ------------


def test_hline_and_column_rules_are_borders() -> None:
    root = mathml(r"\begin{array}{c|c} a & b \\ \hline c & d \end{array}")
    table = next(root.iter("mtable"))
    assert table.get("rowlines") is None and table.get("columnlines") is None
    first = [cell.get("style", "") for cell in next(table.iter("mtr"))]
    assert "border-bottom:0.06em solid" in first[0] and "border-right:0.06em solid" in first[0]


def test_small_is_latex_size() -> None:
    assert [el.get("mathsize") for el in mathml(r"{\small x} y").iter("mstyle")] == ["0.9em"]
