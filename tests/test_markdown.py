"""Markdown rendering: headings, callouts, figures, URLs, summaries, errors."""

from __future__ import annotations

from pathlib import Path

import lxml.html
import pytest
from hypothesis import given
from hypothesis import strategies as st

from site_gen.errors import ContentError
from site_gen.markdown import MarkdownRenderer, RenderedDoc, TocEntry, slugify

RENDERER = MarkdownRenderer()


def render(source: str, **kwargs: object) -> RenderedDoc:
    return RENDERER.render(source, path=Path("content/post.md"), **kwargs)  # type: ignore[arg-type]


def tree(html: str) -> lxml.html.HtmlElement:
    return lxml.html.fragment_fromstring(html, create_parent="div")


def parse(source: str, **kwargs: object) -> lxml.html.HtmlElement:
    return tree(render(source, **kwargs).html)


# -- headings -----------------------------------------------------------------------


def test_heading_ids_are_slugs_and_unique() -> None:
    doc = parse("## Hello, World!\n\n## Hello World\n\n### Grüße 2\n\n## hello world\n")
    assert doc.xpath("//h2/@id") == ["hello-world", "hello-world-1", "hello-world-2"]
    assert doc.xpath("//h3/@id") == ["grüße-2"]


def test_heading_has_anchor_link() -> None:
    h2 = parse("## Setup *now*")[0]
    anchor = h2.xpath("a[@class='anchor']")[0]
    assert anchor.get("href") == "#setup-now"
    assert anchor.get("aria-hidden") == "true"
    assert h2.xpath("em")[0].text == "now"


def test_toc_has_h2_to_h4_with_plain_titles() -> None:
    doc = render("# Top\n\n## A `code` title\n\n### B\n\n#### C\n\n##### D\n")
    assert doc.toc == [
        TocEntry(2, "a-code-title", "A code title"),
        TocEntry(3, "b", "B"),
        TocEntry(4, "c", "C"),
    ]


def test_slugify_edge_cases() -> None:
    assert slugify("  Attention  is all_you-need ") == "attention-is-all_you-need"
    assert slugify("???") == "section"


def test_renderer_is_reusable_without_leaking_state() -> None:
    first = render("## A\n\n$$ x $$ (eq:a)\n")
    second = render("## A\n")
    assert [e.id for e in first.toc] == [e.id for e in second.toc] == ["a"]
    with pytest.raises(ContentError):
        render("See \\eqref{eq:a}.")  # label from the first render is gone


# -- callouts -----------------------------------------------------------------------


@pytest.mark.parametrize("kind", ["note", "warning", "tip"])
def test_callout_default_title(kind: str) -> None:
    aside = parse(f"::: {kind}\nBody *text*.\n:::\n")[0]
    assert aside.tag == "aside"
    assert aside.get("class") == f"callout callout-{kind}"
    assert aside.get("role") == "note"
    assert aside.xpath("p[@class='callout-title']")[0].text == kind.title()
    assert aside.xpath("p/em")[0].text == "text"


def test_callout_custom_title() -> None:
    aside = parse("::: tip Try this <now>\nBody.\n:::\n")[0]
    assert aside.xpath("p[@class='callout-title']")[0].text == "Try this <now>"


def test_unknown_callout_kind_is_an_error() -> None:
    with pytest.raises(ContentError) as info:
        render("Para.\n\n::: dangerous\nBody.\n:::\n", first_line=4)
    assert info.value.line == 6
    assert "dangerous" in info.value.message
    for kind in ("note", "warning", "tip"):
        assert kind in info.value.hint


# -- figures ------------------------------------------------------------------------


def test_lone_image_becomes_figure_with_alt_caption() -> None:
    first, second = parse("![A *cat*](cat.png)\n\n![A dog](dog.png)")[:2]
    assert first.tag == "figure" and second.tag == "figure"
    img = first.xpath("img")[0]
    assert (img.get("alt"), img.get("loading")) == ("A cat", None), "the first figure may be on screen: no lazy"
    assert second.xpath("img")[0].get("loading") == "lazy"
    figure = first
    caption = figure.xpath("figcaption")[0]
    assert caption.text_content() == "A cat"
    assert caption.xpath("em")[0].text == "cat"


def test_figure_caption_prefers_title() -> None:
    caption = parse('![alt](cat.png "The title")').xpath("//figcaption")[0]
    assert caption.text_content() == "The title"


def test_image_in_text_stays_inline() -> None:
    doc = parse("Look: ![cat](cat.png) here.")
    assert doc.xpath("//figure") == []
    assert doc.xpath("//p/img")[0].get("loading") is None


# -- extensions ---------------------------------------------------------------------


def test_footnotes() -> None:
    doc = parse("Claim.[^1]\n\n[^1]: Source.\n")
    ref = doc.xpath("//sup[@class='footnote-ref']/a")[0]
    assert ref.get("href") == "#fn1"
    assert doc.xpath("//li[@id='fn1']")[0].text_content().startswith("Source.")


def test_tasklists() -> None:
    doc = parse("- [x] done\n- [ ] todo\n")
    boxes = doc.xpath("//input[@type='checkbox']")
    assert [b.get("checked") for b in boxes] == ["checked", None]
    assert all(b.get("disabled") for b in boxes)


def test_tables_and_strikethrough() -> None:
    doc = parse("| a | b |\n|---|--:|\n| 1 | ~~2~~ |\n")
    assert doc.xpath("//th/text()") == ["a", "b"]
    assert doc.xpath("//td/s/text()") == ["2"]


def test_linkify_only_scheme_urls() -> None:
    doc = parse("See https://example.com/x and model.py and a@b.com.")
    assert doc.xpath("//a/@href") == ["https://example.com/x"]
    doc = parse("Step 1: write to MAILTO:me@example.org, or see //cdn.example.org/x and ftp://f.org/y.")
    assert doc.xpath("//a/@href") == ["MAILTO:me@example.org", "//cdn.example.org/x", "ftp://f.org/y"]
    assert not parse("Note: a colon, http: without slashes, and ratio 1:2.").xpath("//a")


# -- URLs ---------------------------------------------------------------------------

URLS = """\
[rel](img.png) [up](../other/) [root](/about/) [abs](https://x.org/a)
[frag](#sec) [mail](mailto:a@b.c) [proto](//cdn.org/x.js) [q](data.csv?v=2#top)

![fig](plots/loss.png)
"""


def test_site_urls_resolve_against_page_and_base_path() -> None:
    doc = render(URLS, page_url="posts/hello/", base_path="/notebook/")
    hrefs = tree(doc.html).xpath("//a/@href")
    assert hrefs == [
        "/notebook/posts/hello/img.png",
        "/notebook/posts/other/",
        "/notebook/about/",
        "https://x.org/a",
        "#sec",
        "mailto:a@b.c",
        "//cdn.org/x.js",
        "/notebook/posts/hello/data.csv?v=2#top",
    ]
    assert tree(doc.html).xpath("//img/@src") == ["/notebook/posts/hello/plots/loss.png"]


def test_feed_urls_are_absolute() -> None:
    doc = render(
        URLS,
        page_url="posts/hello/",
        base_path="/notebook/",
        base_url="https://user.github.io/notebook/",
    )
    feed = tree(doc.feed_html)
    assert feed.xpath("//a/@href")[:3] == [
        "https://user.github.io/notebook/posts/hello/img.png",
        "https://user.github.io/notebook/posts/other/",
        "https://user.github.io/notebook/about/",
    ]
    assert feed.xpath("//img/@src") == ["https://user.github.io/notebook/posts/hello/plots/loss.png"]


def test_too_many_dotdots_stay_inside_site() -> None:
    doc = render("[x](../../../x.png)", page_url="posts/hello/", base_path="/nb/")
    assert tree(doc.html).xpath("//a/@href") == ["/nb/x.png"]


# -- summary, word count ------------------------------------------------------------


def test_summary_is_content_before_more() -> None:
    doc = render("First [link](a/).\n\nSecond.\n\n<!--more-->\n\nThird.\n", page_url="p/")
    summary = tree(doc.summary_html)
    assert [p.text_content() for p in summary.xpath("p")] == ["First link.", "Second."]
    assert summary.xpath("//a/@href") == ["/p/a/"]
    assert "Third" in doc.html


def test_summary_defaults_to_first_paragraph() -> None:
    doc = render("## Heading\n\nFirst *para*.\n\nSecond.\n")
    assert [p.text_content() for p in tree(doc.summary_html).xpath("p")] == ["First para."]


def test_word_count_includes_prose_and_code() -> None:
    doc = render("One two *three*.\n\n```python\nfor x in y:\n    pass\n```\n")
    assert doc.word_count == 3 + 5


# -- code fences --------------------------------------------------------------------


def test_fence_is_highlighted_figure() -> None:
    doc = parse('```python {filename="train.py"}\nimport os\n```\n')
    figure = doc.xpath("//figure[@class='code']")[0]
    assert figure.xpath("figcaption")[0].text == "train.py"
    assert figure.xpath(".//span[@class='kn']")[0].text == "import"


def test_unknown_fence_option_is_an_error_at_the_fence_line() -> None:
    source = "Intro.\n\n```python {colour=red}\nx\n```\n"
    with pytest.raises(ContentError) as info:
        render(source, first_line=7)
    assert info.value.line == 9
    assert info.value.path == Path("content/post.md")
    assert "colour" in info.value.message
    assert "hl_lines" in info.value.hint


def test_unknown_language_is_a_warning_with_line() -> None:
    doc = render("Text.\n\n```klingon\nqapla'\n```\n", first_line=3)
    assert [(w.line, w.message) for w in doc.warnings] == [(5, "unknown language 'klingon', rendered as plain text")]
    assert tree(doc.html).xpath("//code")[0].text_content() == "qapla'\n"


def test_words_after_language_warn() -> None:
    doc = render("```python filename=x.py\nx\n```\n")
    assert "braces" in doc.warnings[0].message


def test_errors_inside_lists_report_the_real_line() -> None:
    source = "- item\n\n  more\n\n  ```py {bad=1}\n  x\n  ```\n"
    with pytest.raises(ContentError) as info:
        render(source, first_line=2)
    assert info.value.line == 6


MARKDOWN_PIECES = st.sampled_from(
    [
        "\n",
        "\n\n",
        "# ",
        "## ",
        "- ",
        "> ",
        "$",
        "$$",
        "\\(",
        "\\)",
        "\\[",
        "\\]",
        "x",
        "{",
        "}",
        "\\frac",
        "::: note",
        ":::",
        "```",
        "py {linenos=true}",
        "![a](b.png)",
        "[l](../c)",
        "@eq-a",
        "(eq:a)",
        "[^1]",
        "|",
        "---",
    ]
)


@given(st.lists(MARKDOWN_PIECES, max_size=25).map("".join))
def test_any_markdown_renders_or_raises_content_error(source: str) -> None:
    try:
        doc = render(source, page_url="posts/p/")
    except ContentError as err:
        assert err.path == Path("content/post.md") and err.message
        return
    assert isinstance(doc.html, str)


@pytest.mark.parametrize(
    ("opening", "kind", "title"),
    [
        ("::: tip Try this", "tip", "Try this"),
        ('::: {.callout-warning title="Careful"}', "warning", "Careful"),
        ("::: {.callout-note}", "note", "Note"),
        (":::{important} Read me", "important", "Read me"),
    ],
)
def test_callout_syntaxes_of_quarto_and_myst(opening, kind, title):
    doc = MarkdownRenderer().render(f"{opening}\nBody.\n:::\n", path=Path("c.md"))
    aside = lxml.html.fragment_fromstring(doc.html, create_parent="div").find("aside")
    assert aside.get("class") == f"callout callout-{kind}"
    assert aside.find("p").text == title


def test_pandoc_attribute_fence_is_display_code():
    doc = MarkdownRenderer().render('```{.python .input filename="x.py"}\nx = 1\n```\n', path=Path("p.md"))
    root = lxml.html.fragment_fromstring(doc.html, create_parent="div")
    assert root.xpath("//figcaption")[0].text == "x.py"
    assert root.xpath("//code")[0].get("class") == "language-python"
    assert [w.message for w in doc.warnings] == [
        "ignored '.input' after the language; fence options go in braces, e.g. {filename=\"x.py\"}"
    ]


def test_matrix_inside_inline_math_spanning_lines_stays_inline() -> None:
    source = "Let $A = \n\\begin{bmatrix}\n1 & 2 \\\\\n3 & 4\n\\end{bmatrix}$ be a matrix.\n\n```python\nx = 1\n```\n"
    doc = MarkdownRenderer().render(source, path=Path("m.md"))
    root = lxml.html.fragment_fromstring(doc.html, create_parent="div")
    assert root.xpath("//p/*[local-name()='math']"), "the matrix is inline math inside the paragraph"
    assert root.xpath("//code")[0].text_content() == "x = 1\n", "the code fence after it survives"


def test_bare_align_environment_is_display_math() -> None:
    doc = MarkdownRenderer().render("Text\n\\begin{align*}\na &= b \\\\\nc &= d\n\\end{align*}\n", path=Path("a.md"))
    root = lxml.html.fragment_fromstring(doc.html, create_parent="div")
    assert root.xpath("//*[local-name()='math'][@display='block']")
