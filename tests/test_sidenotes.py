"""Footnotes in the margin (``footnotes: margin``) and the CSS that places margin notes."""

from __future__ import annotations

from pathlib import Path

import lxml.html
import pytest

from site_gen.config import load_config
from site_gen.content import read_post
from site_gen.errors import ContentError
from site_gen.markdown import MarkdownRenderer, RenderedDoc
from site_gen.readers.myst import adapt
from site_gen.readers.quarto import translate_front_matter
from site_gen.readers.source import Source

from .conftest import REPO, write

RENDERER = MarkdownRenderer()
SOURCE = (
    "Gradients flow[^g] backwards, twice[^g].\n\nAnd on[^2].\n\n"
    "[^g]: By the *chain rule*, $\\partial L$.\n\n[^2]: Two.\n"
)


def render(source: str = SOURCE, **kwargs: object) -> RenderedDoc:
    return RENDERER.render(source, path=Path("content/posts/p.md"), **kwargs)  # type: ignore[arg-type]


def tree(html: str) -> lxml.html.HtmlElement:
    return lxml.html.fragment_fromstring(html, create_parent="div")


def test_margin_footnotes_sit_beside_their_reference() -> None:
    doc = tree(render(footnotes="margin").html)
    first = doc.xpath("//p")[0]
    notes = first.xpath("span[@class='sidenote']")
    assert len(notes) == 1  # the second reference to the same note does not repeat it
    assert notes[0].get("role") == "note"
    assert notes[0].getprevious().get("class") == "footnote-ref sidenote-ref"
    assert notes[0].text_content().startswith("1 By the chain rule, ∂L")
    assert notes[0].xpath("em/text()") == ["chain rule"] and notes[0].xpath("math")
    assert len(first.xpath("sup")) == 2
    assert doc.xpath("//p")[1].xpath("string(span[@class='sidenote'])") == "2 Two."
    (bottom,) = doc.xpath("//section[@class='footnotes']")
    assert bottom.get("hidden") is not None


def test_feed_and_default_keep_footnotes_at_the_bottom() -> None:
    margin, bottom = render(footnotes="margin"), render()
    assert margin.feed_html == bottom.feed_html
    assert "sidenote" not in bottom.html and "hidden" not in bottom.html
    feed = tree(margin.feed_html)
    assert feed.xpath("//li[@id='fn1']") and not feed.xpath("//*[@class='sidenote']")


def test_front_matter_site_toml_and_quarto_choose_the_mode(tmp_path: Path) -> None:
    root = tmp_path / "site"
    write(root, "site.toml", 'base_url = "https://example.org/"\nfootnotes = "margin"\n')
    plain = write(root, "content/posts/a.md", "---\ntitle: A\ndate: 2026-12-01\n---\nx\n")
    own = write(root, "content/posts/b.md", "---\ntitle: B\ndate: 2026-12-01\nfootnotes: bottom\n---\nx\n")
    config = load_config(root)
    assert read_post(plain, config).footnotes == "margin"
    assert read_post(own, config).footnotes == "bottom"
    bad = write(root, "content/posts/c.md", "---\ntitle: C\ndate: 2026-12-01\nfootnotes: side\n---\nx\n")
    with pytest.raises(ContentError) as info:
        read_post(bad, config)
    assert info.value.line == 4 and "bottom, margin" in info.value.message
    meta, _ = translate_front_matter({"title": "Q", "reference-location": "margin"}, Path("q.qmd"), "")
    assert meta["footnotes"] == "margin"


def test_css_floats_margin_notes_on_wide_screens_only() -> None:
    css = (REPO / "static/css/site.css").read_text(encoding="utf-8")
    wide = css[css.index("@media screen and (min-width: 75rem)") :]
    rule = wide[: wide.index("}\n}")]
    assert ".margin-note, .sidenote" in rule and "float: right" in rule and "margin: 0.2rem -15rem" in rule
    assert ".citation:hover > .cite-card, .citation:focus-within > .cite-card { display: block; }" in css
    assert ".cite-card {\n  display: none;" in css


def test_margin_notes_reach_the_feed_as_asides() -> None:
    doc = render("Text.\n\n::: {.column-margin}\nAn aside.\n:::\n", footnotes="margin")
    (aside,) = tree(doc.feed_html).xpath("//aside")
    assert "margin-note" in aside.get("class") and aside.text_content().strip() == "An aside."


def test_myst_margin_and_aside_directives_are_margin_notes() -> None:
    body = "Text.\n\n```{margin} A title\nBeside it.\n```\n\n:::{aside}\nAn aside.\n:::\n\nAfter.\n"
    adapted = adapt(Source({"title": "x", "myst": {}}, body, 1), Path("p.md"))
    assert adapted.body.split("\n") == [
        "Text.", "", "::: {.column-margin}", "**A title** Beside it.", ":::", "",
        "::: {.column-margin}", "An aside.", ":::", "", "After.", "",
    ]  # fmt: skip
    asides = tree(render(adapted.body).html).xpath("//aside[contains(@class, 'margin-note')]")
    assert [a.text_content().strip() for a in asides] == ["A title Beside it.", "An aside."]
    assert not adapted.warnings
