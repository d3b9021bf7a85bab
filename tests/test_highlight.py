"""Fence options and Pygments output."""

from __future__ import annotations

import lxml.html
import pytest
from hypothesis import given
from hypothesis import strategies as st

from site_gen import highlight as hl
from site_gen.highlight import (
    Fence,
    FenceError,
    FenceOptions,
    highlight,
    parse_fence_info,
    parse_line_ranges,
    stylesheet,
)

CODE = "import os\nx = 1\ny = 2\nz = 3\nw = 4\n"


def render(code: str, info: str) -> lxml.html.HtmlElement:
    return lxml.html.fragment_fromstring(highlight(code, parse_fence_info(info)).html)


# -- parsing the info string ------------------------------------------------------


def test_full_option_set() -> None:
    fence = parse_fence_info('python {filename="train.py" linenos=true hl_lines="2 4-5" linenostart=10}')
    assert fence == Fence(
        "python",
        FenceOptions(filename="train.py", linenos=True, linenostart=10, hl_lines=(2, 4, 5)),
    )


def test_commas_single_quotes_and_bare_values() -> None:
    fence = parse_fence_info("py {filename='a b.py', hl_lines=1,linenos=false}")
    assert fence.options == FenceOptions(filename="a b.py", hl_lines=(1,))


def test_no_language_and_plain_language() -> None:
    assert parse_fence_info("") == Fence("")
    assert parse_fence_info("  rust ") == Fence("rust")
    assert parse_fence_info('{filename="x.txt"}').options.filename == "x.txt"


def test_quarto_cell_and_diagram_are_not_errors() -> None:
    assert parse_fence_info("{python}") == Fence("python", cell=True)
    assert parse_fence_info("diagram") == Fence("diagram")


def test_words_outside_braces_are_kept_for_a_warning() -> None:
    assert parse_fence_info("ruby startline=3").ignored == "startline=3"


@pytest.mark.parametrize(
    ("info", "message"),
    [
        ("py {colour=red}", "unknown code-fence option 'colour'"),
        ("py {linenos=yes}", "linenos must be true or false"),
        ("py {linenostart=0}", "linenostart"),
        ('py {hl_lines="3-1"}', "bad range"),
        ('py {hl_lines="two"}', "not a line number"),
        ("py {linenos}", "malformed"),
        ('py {filename="x.py"', "malformed"),
        ("py {linenos=true} trailing", "malformed"),
    ],
)
def test_bad_options(info: str, message: str) -> None:
    with pytest.raises(FenceError, match=message) as info_:
        parse_fence_info(info)
    assert info_.value.hint


def test_unknown_key_hint_lists_valid_keys() -> None:
    with pytest.raises(FenceError) as info:
        parse_fence_info("py {colour=red}")
    for key in hl.VALID_KEYS:
        assert key in info.value.hint


@given(st.lists(st.integers(min_value=1, max_value=500), min_size=1, max_size=20))
def test_line_ranges_round_trip(numbers: list[int]) -> None:
    text = " ".join(str(n) for n in numbers)
    assert parse_line_ranges(text) == tuple(sorted(set(numbers)))


# -- HTML ----------------------------------------------------------------------


def test_python_gets_token_classes_not_inline_styles() -> None:
    tree = render(CODE, "python")
    assert tree.tag == "figure" and tree.get("class") == "code"
    code = tree.xpath("div[@class='highlight']/pre/code")[0]
    assert code.get("class") == "language-python"
    assert tree.xpath("//span[@class='kn']")[0].text == "import"
    assert tree.xpath("//*[@style]") == []
    assert code.text_content() == CODE


def test_filename_caption() -> None:
    tree = render(CODE, 'python {filename="train.py"}')
    caption = tree.xpath("figcaption[@class='code-filename']")
    assert caption[0].text == "train.py"


def test_hl_lines_marks_the_right_lines() -> None:
    tree = render(CODE, 'python {hl_lines="2 4-5"}')
    marked = [span.text_content().strip() for span in tree.xpath("//span[@class='hll']")]
    assert marked == ["x = 1", "z = 3", "w = 4"]


def test_linenos_inline_and_linenostart() -> None:
    tree = render(CODE, "python {linenos=true linenostart=10}")
    numbers = [s.text.strip() for s in tree.xpath("//span[@class='linenos']")]
    assert numbers == ["10", "11", "12", "13", "14"]


def test_no_language_is_plain_without_warning() -> None:
    result = highlight("a < b\n", parse_fence_info(""))
    tree = lxml.html.fragment_fromstring(result.html)
    assert result.warning is None
    assert tree.xpath("//code")[0].text_content() == "a < b\n"
    assert tree.xpath("//code")[0].get("class") is None


def test_unknown_language_is_plain_with_warning() -> None:
    result = highlight("x\n", parse_fence_info("klingon"))
    assert result.warning == "unknown language 'klingon', rendered as plain text"
    assert "<span" not in result.html


def test_diagram_is_plain_without_warning() -> None:
    assert highlight("a -> b\n", parse_fence_info("diagram")).warning is None


def test_quarto_cell_is_python_with_cell_class() -> None:
    tree = render("print(1)\n", "{python}")
    assert tree.get("class") == "code cell"
    assert tree.xpath("//span[@class='nb']")[0].text == "print"


def test_lexers_and_formatters_are_cached() -> None:
    hl.get_lexer.cache_clear()
    highlight("x\n", parse_fence_info("python"))
    highlight("y\n", parse_fence_info("python"))
    assert hl.get_lexer.cache_info().hits >= 1
    assert hl.get_formatter("language-python", FenceOptions()) is hl.get_formatter("language-python", FenceOptions())


def test_stylesheet_has_light_and_dark_scoped_rules() -> None:
    css = stylesheet()
    light, _, dark = css.partition("@media (prefers-color-scheme: dark)")
    assert ".highlight .k " in light
    assert ".highlight .k " in dark
    rules = [line.strip() for line in css.splitlines() if "{" in line]
    scoped = [r for r in rules if r.startswith((".highlight", "@media", "/*"))]
    assert scoped == rules
