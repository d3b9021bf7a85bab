"""The math pipeline: each TeX normalisation and MathML fix, before and after.

"Before" is what bare latex2mathml emits for the same TeX, so every test
shows the defect it guards against as well as the repair.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Callable
from pathlib import Path

import pytest
from latex2mathml.converter import convert as bare

from site_gen.errors import ContentError
from site_gen.markdown import MarkdownRenderer
from site_gen.math import TexError, convert, equation_tags, expand_macros, extract_definitions, fixes, to_mathml
from site_gen.math.normalise import environments, extract_tags, normalise
from site_gen.math.tex import join_tokens, tokenize

NS = "{http://www.w3.org/1998/Math/MathML}"


def tree(tex: str, *, display: bool = True, **kwargs: object) -> ET.Element:
    """Our MathML, parsed (which also proves it is well-formed XML)."""
    root = ET.fromstring(to_mathml(tex, display=display, macros={}, **kwargs))  # type: ignore[arg-type]
    for el in root.iter():
        el.tag = el.tag.removeprefix(NS)
    return root.find("semantics")  # type: ignore[return-value]


def texts(root: ET.Element, tag: str) -> list[str]:
    return [el.text or "" for el in root.iter(tag)]


def presentation_text(root: ET.Element) -> str:
    return "".join(t for el in root.iter() if el.tag != "annotation" for t in [el.text or ""])


# -- environments ----------------------------------------------------------------

ALIGNED = r"\begin{aligned} a &= b + c \\ &= d \end{aligned}"


def test_aligned_before_leaks_ampersand() -> None:
    assert "<mi>&</mi>" in bare(ALIGNED)  # invalid XML on a page


def test_aligned_after_is_a_two_column_table() -> None:
    root = tree(ALIGNED)
    rows = list(root.iter("mtr"))
    assert len(rows) == 2
    assert [cell.get("columnalign") for cell in rows[0]] == ["right", "left"]
    assert "&" not in presentation_text(root)
    # MathML Core ignores columnalign: the alignment is also in CSS.
    assert "text-align:right" in (rows[0][0].get("style") or "")


@pytest.mark.parametrize(
    "env",
    ["aligned", "align", "align*", "split", "eqnarray", "eqnarray*", "flalign"],
)
def test_align_like_environments(env: str) -> None:
    root = tree(rf"\begin{{{env}}} x &= 1 \\ y &= 2 \end{{{env}}}")
    assert len(list(root.iter("mtr"))) == 2


def test_alignat_drops_its_column_count() -> None:
    root = tree(r"\begin{alignat}{2} x &= 1 & y &= 2 \end{alignat}")
    assert len(list(root.iter("mtd"))) == 4
    assert "2" not in texts(root, "mn")[:1] or texts(root, "mn") == ["1", "2"]


@pytest.mark.parametrize("env", ["gathered", "gather", "gather*", "multline", "multline*"])
def test_gather_like_environments_are_centred_rows(env: str) -> None:
    root = tree(rf"\begin{{{env}}} a + b \\ c \end{{{env}}}")
    assert len(list(root.iter("mtr"))) == 2
    assert not list(root.iter("mspace"))  # no <mspace linebreak>, which Core ignores


@pytest.mark.parametrize(
    ("env", "fence"),
    [("cases", "{"), ("bmatrix", "["), ("pmatrix", "("), ("vmatrix", "|"), ("dcases", "{")],
)
def test_cases_and_matrices(env: str, fence: str) -> None:
    root = tree(rf"\begin{{{env}}} 1 & 0 \\ 0 & 1 \end{{{env}}}")
    assert len(list(root.iter("mtr"))) == 2
    assert fence in texts(root, "mo")


def test_array_with_column_spec() -> None:
    root = tree(r"\begin{array}{lr} a & b \\ c & d \end{array}")
    assert [c.get("columnalign") for c in next(root.iter("mtr"))] == ["left", "right"]


def test_equation_environment_is_just_its_content() -> None:
    assert not list(tree(r"\begin{equation} E = mc^2 \end{equation}").iter("mtable"))


def test_unknown_environment_is_an_error_naming_it() -> None:
    with pytest.raises(TexError, match=r"unsupported environment \{tikzcd\}"):
        to_mathml(r"\begin{tikzcd} a \end{tikzcd}", display=True, macros={})


def test_line_break_outside_environment_becomes_rows() -> None:
    assert "linebreak" in bare(r"a = b \\ c = d")
    root = tree(r"a = b \\ c = d")
    assert len(list(root.iter("mtr"))) == 2


def test_environment_renaming_is_token_based() -> None:
    out = join_tokens(environments(tokenize(r"\begin{gathered} a \\ b \end{gathered}")))
    assert out == r"\displaylines{ a \\ b }"


# -- \tag, \label, \notag ------------------------------------------------------------


def test_tags_are_removed_and_reported() -> None:
    tokens, tags = extract_tags(
        tokenize(r"\begin{align} a &= 1 \label{eq:a} \\ b &= 2 \notag \\ c &= 3 \tag{*} \end{align}")
    )
    assert "\\label" not in tokens and "\\tag" not in tokens and "\\notag" not in tokens
    assert tags.whole is None
    assert [t and (t.label, t.text) for t in tags.rows] == [("eq:a", None), None, (None, "(*)")]


def test_whole_formula_label() -> None:
    tags = equation_tags(r"E = mc^2 \label{eq:e}")
    assert tags.whole is not None and tags.whole.label == "eq:e" and tags.rows == []
    assert equation_tags(r"\begin{equation} x \label{eq:x} \end{equation}").labels == ["eq:x"]


def test_row_numbers_go_in_their_rows() -> None:
    root = tree(r"\begin{aligned} a &= 1 \label{eq:a} \\ b &= 2 \end{aligned}", numbers={"eq:a": ("eq-a", "4")})
    first, second = root.iter("mtr")
    assert first[-1].get("id") == "eq-a" and texts(first[-1], "mtext") == ["(4)"]
    assert second[-1].get("class") == "eq-number" and len(second[-1]) == 0


def test_label_in_inline_math_is_an_error() -> None:
    with pytest.raises(TexError, match="display math"):
        to_mathml(r"x \label{eq:x}", display=False, macros={})


def test_label_in_nested_environment_is_an_error() -> None:
    with pytest.raises(TexError, match="nested"):
        to_mathml(r"\begin{aligned} \begin{cases} a \label{x} \end{cases} \end{aligned}", display=True, macros={})


# -- operators and functions -------------------------------------------------------------


def test_arg_before_leaks_as_text() -> None:
    assert r"<mi>\arg</mi>" in bare(r"\arg z")


def test_arg_after_is_a_function_name() -> None:
    root = tree(r"\arg z")
    assert "arg" in texts(root, "mi") and "\\" not in presentation_text(root)


@pytest.mark.parametrize(
    "tex",
    [r"\arg\max_\theta f(\theta)", r"\argmax_\theta f", r"\max_x f(x)", r"\lim_{n \to \infty} a_n", r"\min_{q} J(q)"],
)
def test_display_limits_go_under(tex: str) -> None:
    root = tree(tex)
    assert list(root.iter("munder"))
    assert not [el for el in root.iter("msub") if el[0].tag == "mo"]


def test_display_limits_before_sit_beside() -> None:
    assert "<msub><mo>max</mo>" in bare(r"\max_x f")


def test_inline_limits_stay_beside_and_nolimits_is_respected() -> None:
    assert list(tree(r"\max_x f", display=False).iter("msub"))
    assert list(tree(r"\max\nolimits_x f").iter("msub"))


def test_sum_with_limits() -> None:
    root = tree(r"\sum\limits_{i=1}^{n} x_i + \prod\limits_i y_i", display=False)
    assert len(list(root.iter("munderover"))) == 1 and len(list(root.iter("munder"))) == 1


@pytest.mark.parametrize("tex", [r"\log t", r"\exp x", r"\sin \theta", r"\operatorname{softmax} z", r"\log_2 n"])
def test_function_application(tex: str) -> None:
    root = tree(tex)
    assert "\u2061" in texts(root, "mo")
    assert list(root.iter("mspace"))  # and a thin space: "log t", not "logt"


def test_function_application_before_is_missing() -> None:
    assert "\u2061" not in bare(r"\log t").replace("&#x2061;", "")


def test_no_space_before_a_parenthesis() -> None:
    root = tree(r"\log(x)")
    assert "\u2061" in texts(root, "mo") and not list(root.iter("mspace"))


def test_operatorname_is_an_identifier_not_an_operator() -> None:
    assert "<mo>softmax</mo>" in bare(r"\operatorname{softmax}(z)")
    assert "softmax" in texts(tree(r"\operatorname{softmax}(z)"), "mi")


def test_det_and_max_are_names_with_a_thin_space_after() -> None:
    """As Temml writes them: ``<mi>det</mi>``, U+2061, a thin space."""
    root = tree(r"\det A")
    row = next(el for el in root.iter() if any(c.text == "det" for c in el))
    tags = [(c.tag, c.text, c.get("width")) for c in row]
    assert tags[:3] == [
        ("mi", "det", None),
        ("mo", fixes.FUNCTION_APPLICATION, None),
        ("mspace", None, fixes.THIN_SPACE),
    ]


def test_mathop_becomes_a_limits_operator() -> None:
    assert "<mo><mrow>" in bare(r"\mathop{\mathrm{arg\,min}}_x f")  # invalid: element in a token
    root = tree(r"\mathop{\mathrm{arg\,min}}_x f")
    under = next(root.iter("munder"))
    assert under[0].tag == "mo" and len(under[0]) == 0 and (under[0].text or "").startswith("arg")


# -- delimiters, bold, braces, \sim -------------------------------------------------------


@pytest.mark.parametrize(
    ("tex", "char"),
    [
        (r"\big\vert x \big\vert", "|"),
        (r"\Big\{ x \Big\}", "{"),
        (r"\bigl\| x \bigr\|", "‖"),
        (r"\bigg\langle x \bigg\rangle", "⟨"),
    ],
)
def test_sized_delimiters(tex: str, char: str) -> None:
    assert "\\" in bare(tex).split("<mo")[1]  # before: the TeX name leaks
    root = tree(tex)
    assert char in texts(root, "mo") and "\\" not in presentation_text(root)


@pytest.mark.parametrize(
    ("tex", "char"), [(r"\boldsymbol{x}", "𝒙"), (r"\bm{\theta}", "𝜽"), (r"\boldsymbol{\Sigma}", "𝚺")]
)
def test_bold_symbols_are_unicode_bold(tex: str, char: str) -> None:
    assert 'mathvariant="bold' in bare(tex)  # before: Chromium ignores mathvariant
    root = tree(tex)
    assert char in texts(root, "mi")
    assert all(el.get("mathvariant") is None for el in root.iter())


def test_mathvariant_letterlike_holes() -> None:
    assert fixes._styled("h", "ITALIC") == "ℎ"
    assert fixes._styled("R", "DOUBLE-STRUCK") == "ℝ"
    assert fixes._styled("1", "BOLD") == "𝟏"
    assert fixes._styled("+", "BOLD") == "+"


def test_bold_text_uses_bold_letters() -> None:
    """As Temml writes it: the math font's bold letters, which every browser shows."""
    mtext = next(tree(r"\textbf{loss}").iter("mtext"))
    assert mtext.text == "𝐥𝐨𝐬𝐬" and mtext.get("mathvariant") is None


def test_mathrm_single_letter_stays_upright() -> None:
    assert "<mi>&#x00064;</mi>" in bare(r"\mathrm{d}x")  # an <mi> of one letter is italic
    d = next(el for el in tree(r"\mathrm{d}x").iter("mi") if el.text == "d")
    assert d.get("mathvariant") == "normal"  # upright, as Temml writes it


@pytest.mark.parametrize(("tex", "char"), [(r"\underbrace{a+b}_{n}", "\u23df"), (r"\overbrace{a+b}^{n}", "\u23de")])
def test_braces_stretch(tex: str, char: str) -> None:
    assert 'stretchy="true"' not in bare(tex)
    brace = next(el for el in tree(tex).iter("mo") if el.text == char)
    assert brace.get("stretchy") == "true"


def test_sim_is_a_relation() -> None:
    assert "<mi>&#x0007E;</mi>" in bare(r"x \sim p")
    root = tree(r"x \sim p")
    assert "\u223c" in texts(root, "mo") and "~" not in texts(root, "mi")


def test_math_inside_text() -> None:
    root = tree(r"\text{for some $p \geq 0$}")
    assert "≥" in texts(root, "mo") and "\\" not in presentation_text(root)


def test_escaped_braces_in_inline_math_warn() -> None:
    result = convert(r"\\{1, 2\\}", display=False, macros={})
    assert result.warnings and "{" in result.mathml and "linebreak" not in result.mathml


def test_middle_delimiter() -> None:
    assert "|" in texts(tree(r"\left( a \middle| b \right)"), "mo")


# -- leaks are errors, never output -----------------------------------------------------


@pytest.mark.parametrize(
    ("tex", "message"),
    [
        (r"\frobnicate x", r"unknown TeX command \\frobnicate"),
        (r"a & b", None),  # wrapped in an alignment instead
        (r"\frac{a \\ b}{c}", "line break"),
    ],
)
def test_leaks_become_errors(tex: str, message: str | None) -> None:
    if message is None:
        assert "&" not in presentation_text(tree(tex))
        return
    with pytest.raises(TexError, match=message):
        to_mathml(tex, display=True, macros={})


# -- macros ------------------------------------------------------------------------------


def test_newcommand_def_and_declaremathoperator() -> None:
    found = extract_definitions(
        r"\newcommand{\vx}{\mathbf{x}} \renewcommand\sq[1]{#1^2} \def\pair#1#2{(#1,#2)}"
        r" \DeclareMathOperator*{\argmax}{arg\,max} \DeclareMathOperator{\tr}{tr} x"
    )
    assert found.macros == {
        "vx": r"\mathbf{x}",
        "sq": "#1^2",
        "pair": "(#1,#2)",
        "argmax": r"\operatorname*{arg\,max}",
        "tr": r"\operatorname{tr}",
    }
    assert found.tex.strip() == "x"
    assert expand_macros(r"\pair{\sq{a}}{\vx}", found.macros) == r"(a^2,\mathbf{x})"


def test_definitions_only_formula_renders_nothing() -> None:
    assert to_mathml(r"\def\R{\mathbb{R}}", display=True, macros={}) == ""


def test_definitions_apply_within_the_formula() -> None:
    root = tree(r"\newcommand{\norm}[1]{\lVert #1 \rVert} \norm{v}")
    assert "‖" in texts(root, "mo")


def test_definecolor_is_ignored_with_a_warning() -> None:
    result = convert(r"\definecolor{c}{RGB}{1,2,3} x", display=True, macros={})
    assert result.warnings and "definecolor" in result.warnings[0]


def test_optional_argument_default_is_an_error() -> None:
    with pytest.raises(TexError, match="optional"):
        extract_definitions(r"\newcommand{\f}[1][x]{#1}")


def test_normalise_is_deterministic_and_idempotent_on_plain_tex() -> None:
    tokens = tokenize(r"a + b = c")
    assert normalise(tokens, display=True).tokens == tokens


# -- through Markdown: \newcommand in a post, numbering, file:line --------------------------


def render(source: str, first_line: int = 1) -> tuple[str, list[str]]:
    doc = MarkdownRenderer().render(source, path=Path("post.md"), first_line=first_line)
    return doc.html, [f"{w.line}: {w.message}" for w in doc.warnings]


def test_newcommand_in_a_post_applies_to_the_rest_of_it() -> None:
    html, _ = render("$$\n\\newcommand{\\loss}[1]{\\mathcal{L}(#1)}\n$$\n\nText $\\loss{\\theta}$.\n\n$$\\loss{w}$$\n")
    assert html.count("ℒ") == 2
    assert "newcommand" not in html.split("<p>")[0]  # the definition block shows nothing


def test_undefined_macro_before_its_definition_is_an_error() -> None:
    with pytest.raises(ContentError, match=r"unknown TeX command \\loss"):
        render("$\\loss$\n\n$$\\def\\loss{L}$$\n")


def test_labels_in_aligned_rows_are_numbered_and_referenced() -> None:
    html, _ = render(
        "$$\n\\begin{aligned}\na &= b \\label{eq:first} \\\\\nc &= d \\label{eq:second}\n\\end{aligned}\n$$\n\n"
        "$$ e = f \\label{eq:third} $$\n\nSee \\eqref{eq:second} and \\eqref{eq:third}.\n"
    )
    assert 'id="eq-first"' in html and 'id="eq-second"' in html and 'id="eq-third"' in html
    assert '<a class="eqref" href="#eq-second">(2)</a>' in html
    assert '<a class="eqref" href="#eq-third">(3)</a>' in html


def test_tag_shows_its_text_and_is_referenced_by_it() -> None:
    html, _ = render("$$ x = 1 \\tag{$\\star$} \\label{eq:star} $$\n\nBy \\eqref{eq:star}.\n")
    assert '<span class="eq-number">($\\star$)</span>' in html or "eq-number" in html
    assert 'href="#eq-star"' in html


def test_error_reports_file_and_line() -> None:
    with pytest.raises(ContentError) as info:
        render("Intro.\n\n$$\n\\begin{tikzcd} a \\end{tikzcd}\n$$\n", first_line=10)
    assert info.value.path == Path("post.md") and info.value.line == 12
    assert "tikzcd" in info.value.message


def test_warning_reports_file_and_line() -> None:
    _, warnings = render("A\n\nThe set $\\\\{1\\\\}$.\n", first_line=4)
    assert warnings and warnings[0].startswith("6: ")


# -- end to end ------------------------------------------------------------------------------

POST = r"""
---
title: Aligned and numbered
date: 2026-05-01
---
$$
\newcommand{\vx}{\boldsymbol{x}}
$$

$$
\begin{aligned}
\mathcal{L}(\theta) &= \frac{1}{N}\sum_{i=1}^{N} \log p(\vx_i) \label{eq:nll} \\
                    &\le \max_{\theta} \log p(\vx) \notag
\end{aligned}
$$

$$ \hat\theta = \arg\max_\theta \mathcal{L}(\theta) $$ (eq:mle)

Minimising \eqref{eq:nll} gives \eqref{eq:mle}.
"""


def test_end_to_end_build(make_site: Callable[..., Path]) -> None:
    from site_gen.build import build_site

    root = make_site({"content/posts/aligned.md": POST})
    build_site(root)
    html = (root / "public/posts/aligned/index.html").read_text(encoding="utf-8")
    assert 'id="eq-nll"' in html and 'id="eq-mle"' in html
    assert '<a class="eqref" href="#eq-nll">(1)</a>' in html
    assert '<a class="eqref" href="#eq-mle">(2)</a>' in html
    assert "𝒙" in html and "<munder>" in html
    for math in html.split("<math")[1:]:
        ET.fromstring("<math" + math.split("</math>")[0] + "</math>")  # each is well-formed XML
