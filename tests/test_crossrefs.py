"""Numbered figures and tables, and @fig-/@tbl- references to them."""

from __future__ import annotations

from pathlib import Path

import lxml.html
import pytest

from site_gen.cells.options import CellOptions
from site_gen.errors import ContentError
from site_gen.markdown import _ENV_KEY, MarkdownRenderer, _DocState

from .conftest import REPO

RENDERER = MarkdownRenderer()


def html(source: str, **kwargs: object) -> str:
    return RENDERER.render(source, path=Path("content/posts/p.md"), **kwargs).html  # type: ignore[arg-type]


def tree(source: str, **kwargs: object) -> lxml.html.HtmlElement:
    return lxml.html.fragment_fromstring(html(source, **kwargs), create_parent="div")


def error(source: str) -> ContentError:
    with pytest.raises(ContentError) as info:
        html(source)
    return info.value


def test_image_with_an_id_is_a_numbered_figure() -> None:
    doc = tree("![The loss going down](loss.png){#fig-loss}\n\nAs @fig-loss shows.\n")
    (figure,) = doc.xpath("//figure")
    assert figure.get("id") == "fig-loss"
    assert figure.xpath("figcaption")[0].text_content() == "Figure 1: The loss going down"
    assert figure.xpath("figcaption/span[@class='figure-number']/text()") == ["Figure 1:"]
    (link,) = doc.xpath("//a[@class='crossref']")
    assert (link.get("href"), link.text) == ("#fig-loss", "Figure 1")


def test_figures_and_tables_are_counted_apart_in_document_order() -> None:
    source = (
        "See @fig-b, @tbl-t and @fig-a.\n\n"
        "![First](a.png){#fig-a}\n\n"
        "| x |\n|---|\n| 1 |\n\n: A table {#tbl-t}\n\n"
        '![Second](b.png "Its title"){#fig-b}\n\n'
        "![Not numbered](c.png)\n"
    )
    doc = tree(source)
    assert doc.xpath("//a[@class='crossref']/text()") == ["Figure 2", "Table 1", "Figure 1"]
    assert [f.xpath("string(figcaption)") for f in doc.xpath("//figure")] == [
        "Figure 1: First",
        "Figure 2: Its title",
        "Not numbered",
    ]


def test_an_image_without_a_caption_still_gets_its_number_and_classes() -> None:
    (figure,) = tree("![](plot.png){#fig-plot .wide}\n").xpath("//figure")
    assert figure.get("class") == "wide"
    assert figure.xpath("string(figcaption)") == "Figure 1"


def test_table_caption_after_before_or_directly_under_the_table() -> None:
    after = tree("| a |\n|---|\n| 1 |\n\n: Losses by *epoch* {#tbl-loss}\n\n@tbl-loss\n")
    (table,) = after.xpath("//table")
    assert table.get("id") == "tbl-loss"
    assert table.xpath("caption")[0].text_content() == "Table 1: Losses by epoch"
    assert table.xpath("caption/em/text()") == ["epoch"]
    assert not after.xpath("//p[starts-with(., ':')]")
    before = tree("Table: Sizes {#tbl-s}\n\n| a |\n|---|\n| 1 |\n\n@tbl-s\n")
    assert before.xpath("string(//table/caption)") == "Table 1: Sizes"
    under = tree("| a | b |\n|---|---|\n| 1 | 2 |\n: Right under {#tbl-u}\n\n@tbl-u\n")
    assert under.xpath("string(//table/caption)") == "Table 1: Right under"
    assert len(under.xpath("//tbody/tr")) == 1


def test_a_caption_without_a_label_is_not_numbered() -> None:
    doc = tree("| a |\n|---|\n| 1 |\n\n: Just a caption\n")
    assert doc.xpath("string(//table/caption)") == "Just a caption"


def test_diagram_file_figures_are_numbered() -> None:
    source = '@fig-block is drawn.\n\n![A block](/diagrams/transformer-block.json "One block"){#fig-block}\n'
    doc = tree(source, site_root=REPO)
    (wrapper,) = doc.xpath("//div[@id='fig-block']")
    assert wrapper.xpath("string(.//figure[@class='diagram']/figcaption)") == "Figure 1: One block"
    assert doc.xpath("//a[@class='crossref']/text()") == ["Figure 1"]


def test_cell_label_numbers_its_figure() -> None:
    source = (
        "Look at @fig-loss.\n\n"
        '```{python}\n#| label: fig-loss\n#| fig-cap: "Loss by step"\nprint(1)\n```\n\n'
        "```{python}\n#| label: fig-bare\nprint(2)\n```\n"
    )
    env = {_ENV_KEY: _DocState(Path("p.md"), 1, {})}
    tokens = RENDERER.md.parse(source, env)
    options = [t.meta["cell_options"] for t in tokens if t.type == "fence"]
    assert options[0] == CellOptions(label="fig-loss", fig_cap="Figure 1: Loss by step", fig_alt="Loss by step")
    assert options[1].fig_cap == "Figure 2"
    doc = tree(source)
    assert doc.xpath("//a[@class='crossref']/text()") == ["Figure 1"]
    assert doc.xpath("//div[@class='cell']/@id") == ["fig-loss", "fig-bare"]


def test_unknown_reference_is_an_error_with_its_line() -> None:
    err = error("![Loss](loss.png){#fig-loss}\n\nSome text,\nthen @fig-lose.\n")
    assert err.line == 4
    assert err.message == "reference to unknown figure '@fig-lose'; did you mean '@fig-loss'?"
    assert "fig-loss" in err.hint
    assert "Caption {#tbl-none}" in error("See @tbl-none.\n").hint


def test_a_label_used_twice_is_an_error() -> None:
    err = error("![A](a.png){#fig-x}\n\n![B](b.png){#fig-x}\n")
    assert err.line == 3 and "used twice" in err.message


def test_emails_and_other_braces_are_left_alone() -> None:
    doc = tree("Write to me@fig-x.org.\n\nAn ![inline](a.png){#fig-y} image in text.\n")
    assert not doc.xpath("//a[@class='crossref']") and not doc.xpath("//figure")
    assert "{#fig-y}" in doc.text_content()


def test_diagram_fence_with_an_id_is_numbered() -> None:
    source = (
        "![First](a.png){#fig-a}\n\n"
        '```{.diagram #fig-loop}\n{"caption": "The loop", "layout": "row",\n'
        ' "nodes": [{"id": "a"}, {"id": "b"}]}\n```\n\n'
        "See @fig-loop.\n"
    )
    doc = RENDERER.render(source, path=Path("content/posts/p.md"))
    page = lxml.html.fragment_fromstring(doc.html, create_parent="div")
    (wrapper,) = page.xpath("//div[@id='fig-loop']")
    assert wrapper.xpath("string(figure[@class='diagram']/figcaption)") == "Figure 2: The loop"
    assert page.xpath("//a[@class='crossref']/text()") == ["Figure 2"]
    assert not doc.warnings  # the id is read, not "ignored"
