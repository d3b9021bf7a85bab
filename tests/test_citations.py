"""Citations: Pandoc's [@key] syntax, BibTeX through citeproc-py, references, hover cards, errors."""

from __future__ import annotations

from pathlib import Path

import html5lib
import lxml.html
import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from site_gen.citations import BibFile, CslStyle
from site_gen.config import load_config
from site_gen.content import read_post
from site_gen.errors import ContentError
from site_gen.markdown import MarkdownRenderer, RenderedDoc
from site_gen.readers import reader_for
from site_gen.readers.myst import adapt
from site_gen.readers.source import Source
from site_gen.render import render_post

from .conftest import REPO, SHARED, write

BIB = r"""
@inproceedings{vaswani2017,
  title     = {Attention Is All You Need},
  author    = {Vaswani, Ashish and Shazeer, Noam and Parmar, Niki and Uszkoreit, Jakob and Jones, Llion
               and Gomez, Aidan N. and Kaiser, {\L}ukasz and Polosukhin, Illia},
  booktitle = {Advances in Neural Information Processing Systems},
  pages     = {5998--6008},
  year      = {2017},
  url       = {https://arxiv.org/abs/1706.03762}
}

@article{hochreiter1997,
  title   = {Long Short-Term Memory},
  author  = {Hochreiter, Sepp and Schmidhuber, J{\"u}rgen},
  journal = {Neural Computation},
  volume  = {9},
  number  = {8},
  pages   = {1735--1780},
  year    = {1997},
  doi     = {10.1162/neco.1997.9.8.1735}
}

@inproceedings{higgins2017,
  title     = {$\beta$-{VAE}: Learning Basic Visual Concepts, na\"ive \& caf\'e},
  author    = {Higgins, Irina and Rozi{\`e}re, Baptiste},
  booktitle = {International Conference on Learning Representations},
  year      = {2017}
}

@misc{kingma2015,
  title         = {Adam: A Method for Stochastic Optimization},
  author        = {Kingma, Diederik P. and Ba, Jimmy},
  year          = {2015},
  eprint        = {1412.6980},
  archiveprefix = {arXiv}
}
"""
BIB_FILE = BibFile(Path("content/posts/refs.bib"), BIB)
RENDERER = MarkdownRenderer()


def render(source: str, bib: tuple[BibFile, ...] = (BIB_FILE,), **kwargs: object) -> RenderedDoc:
    return RENDERER.render(source, path=Path("content/posts/p.md"), bibliography=bib, **kwargs)  # type: ignore[arg-type]


def tree(html: str) -> lxml.html.HtmlElement:
    return lxml.html.fragment_fromstring(html, create_parent="div")


def citations(html: str) -> list[str]:
    """The visible text of each citation link."""
    return [link.text_content() for link in tree(html).xpath("//span[@class='citation']/a")]


def error(source: str, bib: tuple[BibFile, ...] = (BIB_FILE,)) -> ContentError:
    with pytest.raises(ContentError) as info:
        render(source, bib)
    return info.value


# -- syntax ----------------------------------------------------------------------------


def test_bracketed_citation_links_to_its_reference() -> None:
    doc = tree(render("Transformers [@vaswani2017] won.\n").html)
    link = doc.xpath("//span[@class='citation']/a")[0]
    assert link.text_content() == "(Vaswani et al., 2017)"
    assert link.get("href") == "#ref-vaswani2017"
    (entry,) = doc.xpath("//section[@id='refs']//li[@id='ref-vaswani2017']")
    assert "Attention Is All You Need" in entry.text_content()


def test_locators_prefixes_and_several_works() -> None:
    html = render("As shown [see @hochreiter1997, p. 3; @vaswani2017, sec. 3.1].\n").html
    assert citations(html) == ["(see Hochreiter and Schmidhuber, 1997, p. 3; Vaswani et al., 2017, sec. 3.1)"]
    assert tree(html).xpath("//span[@class='citation']/@data-cites") == ["hochreiter1997 vaswani2017"]


def test_bare_number_is_a_page() -> None:
    assert citations(render("[@hochreiter1997, 33]\n").html) == ["(Hochreiter and Schmidhuber, 1997, p. 33)"]


def test_narrative_citations_in_the_text() -> None:
    html = render("As @hochreiter1997 showed, and @kingma2015 [chap. 2] after them.\n").html
    assert citations(html) == ["Hochreiter and Schmidhuber (1997)", "Kingma and Ba (2015, chap. 2)"]


def test_emails_handles_and_links_stay_text() -> None:
    source = "Mail a@b.com or ask @someone; [a link](https://x.org) and [@vaswani2017](https://y.org).\n"
    doc = tree(render(source).html)
    assert not doc.xpath("//span[@class='citation']")
    assert "a@b.com" in doc.text_content() and "@someone" in doc.text_content()
    assert [a.get("href") for a in doc.xpath("//a")] == ["https://x.org", "https://y.org"]
    assert not doc.xpath("//section[@id='refs']")  # nothing cited: no references


def test_crossref_prefixes_are_not_citations() -> None:
    doc = tree(render("$$ x $$ (eq:one)\n\nSee @eq-one and @sec-intro.\n").html)
    assert not doc.xpath("//span[@class='citation']")
    assert doc.xpath("//a[@class='eqref']/text()") == ["(1)"]


def test_post_without_bibliography_or_citations_is_untouched() -> None:
    source = "Text with @name, [brackets], a [^1] note and [a link](x.html).\n\n[^1]: The note.\n"
    plain = RENDERER.render(source, path=Path("p.md"))
    assert "citation" not in plain.html and "references" not in plain.html
    assert plain.html == render(source, bib=()).html
    assert "@name" in plain.html


# -- references ------------------------------------------------------------------------


def test_references_come_before_footnotes_and_are_in_the_toc() -> None:
    doc = render("## Intro\n\nCited [@kingma2015].[^1]\n\n[^1]: A note.\n")
    html = doc.html
    assert html.index('id="refs"') < html.index('class="footnotes"')
    assert [entry.title for entry in doc.toc] == ["Intro", "References"]


def test_references_are_sorted_by_the_style_and_list_only_cited_works() -> None:
    doc = tree(render("[@vaswani2017] then [@hochreiter1997] then [@vaswani2017].\n").html)
    assert doc.xpath("//section[@id='refs']//li/@id") == ["ref-hochreiter1997", "ref-vaswani2017"]


def test_latex_accents_and_math_in_titles() -> None:
    doc = tree(render("[@higgins2017] and [@hochreiter1997] and [@vaswani2017]\n").html)
    refs = doc.xpath("//section[@id='refs']")[0]
    text = refs.text_content()
    assert "Rozière" in text and "naïve & café" in text
    assert "Schmidhuber, J." in text and "\\" not in text.replace("\\beta", "")
    title_math = refs.xpath(".//li[@id='ref-higgins2017']//math")
    assert title_math and title_math[0].get("alttext") == "\\beta"
    assert "Kaiser" not in text  # eight authors: "et al." after the first
    assert "Vaswani, A. et al." in text


def test_dois_urls_and_arxiv_eprints_are_links() -> None:
    doc = tree(render("[@hochreiter1997; @vaswani2017; @kingma2015]\n").html)
    hrefs = doc.xpath("//section[@id='refs']//a/@href")
    assert "https://doi.org/10.1162/neco.1997.9.8.1735" in hrefs
    assert "https://arxiv.org/abs/1706.03762" in hrefs
    assert "https://arxiv.org/abs/1412.6980" in hrefs


def test_hover_card_holds_the_full_reference_and_describes_the_link() -> None:
    doc = tree(render("[@hochreiter1997; @kingma2015]\n").html)
    link = doc.xpath("//span[@class='citation']/a")[0]
    (card,) = doc.xpath(f"//span[@id='{link.get('aria-describedby')}']")
    assert card.get("class") == "cite-card" and card.get("role") == "tooltip"
    entries = card.xpath("span[@class='cite-card-entry']")
    assert len(entries) == 2 and "Neural Computation" in entries[0].text_content()
    assert card.xpath(".//a/@href") == ["https://doi.org/10.1162/neco.1997.9.8.1735", "https://arxiv.org/abs/1412.6980"]


def test_feed_has_the_references_but_no_hover_cards() -> None:
    doc = render("Cited [@hochreiter1997].\n")
    feed = tree(doc.feed_html)
    assert not feed.xpath("//*[@class='cite-card']")
    assert feed.xpath("//span[@class='citation']/text()") == ["(Hochreiter and Schmidhuber, 1997)"]
    assert "Long Short-Term Memory" in feed.xpath("//section[@id='refs']")[0].text_content()


NUMERIC_CSL = """<?xml version="1.0" encoding="utf-8"?>
<style xmlns="http://purl.org/net/xbiblio/csl" class="in-text" version="1.0">
  <info><title>Test numeric</title><id>test-numeric</id><updated>2026-12-01T00:00:00+00:00</updated></info>
  <citation><layout prefix="[" suffix="]" delimiter=", "><text variable="citation-number"/></layout></citation>
  <bibliography><layout><text variable="citation-number" suffix=". "/><text variable="title"/></layout></bibliography>
</style>
"""


def test_a_csl_file_chooses_the_style() -> None:
    html = render("[@vaswani2017] and [@hochreiter1997]\n", csl=CslStyle("numeric.csl", NUMERIC_CSL)).html
    assert citations(html) == ["[1]", "[2]"]
    entries = [li.text_content() for li in tree(html).xpath("//section[@id='refs']//li")]
    assert entries == ["1. Attention Is All You Need", "2. Long Short-Term Memory"]


# -- errors ----------------------------------------------------------------------------


def test_unknown_key_names_the_line_and_the_nearest_key() -> None:
    err = error("Intro.\n\nAs shown [@vaswani2071].\n")
    assert str(err).splitlines()[0] == (
        "content/posts/p.md:3: error: unknown citation key 'vaswani2071'; did you mean 'vaswani2017'?"
    )


def test_a_typo_in_a_narrative_citation_is_an_error_too() -> None:
    err = error("One.\nTwo, as @hochreiter1979 said.\n")
    assert err.line == 2 and "did you mean 'hochreiter1997'?" in err.message


def test_citation_without_a_bibliography_is_an_error() -> None:
    err = error("Cited [@vaswani2017].\n", bib=())
    assert "no bibliography" in err.message and "bibliography: refs.bib" in err.hint


def test_bibtex_mistakes_name_the_bib_file_and_line() -> None:
    twice = BIB + "\n@misc{kingma2015, title = {Again}, year = {2020}}\n"
    err = error("[@kingma2015]\n", bib=(BibFile(Path("refs.bib"), twice),))
    assert err.path == Path("refs.bib") and "defined twice" in err.message and err.line is not None
    broken = "@article{ok, title = {Fine}, year = {2000}}\n\n@article{bad, title = {Unclosed, year = 2000\n"
    err = error("[@ok]\n", bib=(BibFile(Path("refs.bib"), broken),))
    assert err.path == Path("refs.bib") and err.line == 3


def test_bad_tex_in_a_title_is_an_error_naming_the_entry() -> None:
    bib = "@misc{x, title = {A $\\notacommand$ title}, year = {2000}}\n"
    err = error("[@x]\n", bib=(BibFile(Path("refs.bib"), bib),))
    assert err.path == Path("refs.bib") and err.line == 1 and "bad TeX" in err.message


# -- front matter, site.toml and readers ------------------------------------------------


def test_front_matter_bibliography_beside_the_post(tmp_path: Path) -> None:
    root = tmp_path / "site"
    write(root, "site.toml", 'base_url = "https://example.org/"\n')
    write(root, "content/posts/cited/refs.bib", BIB)
    post_path = write(
        root,
        "content/posts/cited/index.md",
        """
        ---
        title: Cited
        date: 2026-12-01
        bibliography: refs.bib
        summary: "Optimised by Adam [@kingma2015]."
        ---
        Gates [@hochreiter1997].
        """,
    )
    config = load_config(root)
    post = read_post(post_path, config)
    assert post.bibliography[0].path == Path("content/posts/cited/refs.bib")
    view, feed, _ = render_post(config, MarkdownRenderer(), post)
    assert citations(str(view.html)) == ["(Hochreiter and Schmidhuber, 1997)"]
    assert "Neural Computation" in feed
    assert citations(str(view.summary_html)) == ["(Kingma and Ba, 2015)"]
    assert 'id="refs"' not in str(view.summary_html)  # a listing's card cites, but lists no references


def test_site_wide_bibliography_and_a_missing_file(tmp_path: Path) -> None:
    root = tmp_path / "site"
    write(root, "site.toml", 'base_url = "https://example.org/"\nbibliography = "refs.bib"\n')
    write(root, "refs.bib", BIB)
    post_path = write(root, "content/posts/a.md", "---\ntitle: A\ndate: 2026-12-01\n---\nAs @kingma2015 wrote.\n")
    config = load_config(root)
    post = read_post(post_path, config)
    view, _, _ = render_post(config, MarkdownRenderer(), post)
    assert citations(str(view.html)) == ["Kingma and Ba (2015)"]
    missing = write(root, "content/posts/b.md", "---\ntitle: B\ndate: 2026-12-01\nbibliography: nope.bib\n---\nx\n")
    with pytest.raises(ContentError) as info:
        read_post(missing, config)
    assert info.value.line == 4 and "nope.bib" in info.value.message


def test_myst_cite_roles_become_pandoc_citations() -> None:
    body = "See {cite}`hochreiter1997,kingma2015` and {cite:t}`vaswani2017`, {cite:p}`kingma2015`.\n"
    adapted = adapt(Source({"title": "x", "myst": {}, "bibliography": "refs.bib"}, body, 1), Path("p.md"))
    assert adapted.body == "See [@hochreiter1997; @kingma2015] and @vaswani2017, [@kingma2015].\n"
    assert citations(render(adapted.body).html) == [
        "(Hochreiter and Schmidhuber, 1997; Kingma and Ba, 2015)",
        "Vaswani et al. (2017)",
        "(Kingma and Ba, 2015)",
    ]


# -- the demo post ---------------------------------------------------------------------


def test_demo_post_cites_at_least_ten_papers() -> None:
    config = load_config(REPO)
    post = read_post(REPO / "content/posts/reading-the-transformer-papers/index.md", config)
    view, feed, warnings = render_post(config, MarkdownRenderer(macros=config.macros), post)
    doc = tree(str(view.html))
    assert len(doc.xpath("//span[@class='citation']")) >= 20
    assert len(doc.xpath("//section[@id='refs']//li")) >= 10
    assert doc.xpath("//figcaption/span[@class='figure-number']/text()") == ["Figure 2:"]
    assert "Figure 1: One transformer block" in doc.xpath("//div[@id='fig-block']//figcaption")[0].text_content()
    assert doc.xpath("//table[@id='tbl-models']/caption/span/text()") == ["Table 1:"]
    assert doc.xpath("//a[@class='crossref']/text()") == ["Figure 1", "Figure 2", "Table 1"]
    assert len(doc.xpath("//aside[contains(@class, 'margin-note')]")) == 2
    assert len(doc.xpath("//span[@class='sidenote']")) == 3
    assert feed.count('<li id="ref-') >= 10 and "sidenote" not in feed
    assert not [w for w in warnings if "refs.bib" in str(w)]


def test_readme_documents_citations() -> None:
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    for phrase in ("bibliography: refs.bib", "[@key, p. 3]", "csl:", "footnotes: margin", "{#fig-", "{#tbl-"):
        assert phrase in readme, phrase


PIECES = st.sampled_from(
    ["[@", "@", "]", "[", "(", ")", ";", ",", " p. 3", "vaswani2017", "hochreiter1997", "kingma2015", "x", " ",
     "\n", "\n\n", "-", "{#fig-a}", "{#tbl-t}", "![c](a.png)", "@fig-a", "@tbl-t", "| a |\n|---|\n| 1 |\n",
     ": cap ", "[^1]", "[^1]: note\n", "*", "`", "$x$", "a@b.c"]
)  # fmt: skip


@settings(max_examples=150, deadline=None)
@example("[^1]: note\nvaswani2017,[^1]: note\n", "margin")  # a footnote that cites itself
@given(st.lists(PIECES, max_size=25).map("".join), st.sampled_from(["bottom", "margin"]))
def test_any_mix_of_citation_syntax_is_an_error_or_valid_html(source: str, footnotes: str) -> None:
    """Whatever the mix, the renderer either reports a ContentError or writes HTML that parses cleanly."""
    try:
        doc = render(source, footnotes=footnotes)
    except ContentError:
        return
    for html in (doc.html, doc.feed_html):
        html5lib.HTMLParser(strict=True, namespaceHTMLElements=False).parseFragment(html)
        assert tree(html).xpath("count(//a//a)") == 0  # never a link inside a link


def test_a_style_that_cannot_be_read_is_an_error() -> None:
    for style in (CslStyle("no-such-style"), CslStyle("broken.csl", "<style")):
        with pytest.raises(ContentError) as info:
            render("[@kingma2015]\n", csl=style)
        assert f"cannot use the CSL style {style.name!r}" in info.value.message


def test_listing_pages_get_unique_card_ids() -> None:
    one = render("[@kingma2015]\n", page_url="posts/one/").html
    two = render("[@kingma2015]\n", page_url="posts/two/").html
    assert tree(one).xpath("//span[@class='cite-card']/@id") == ["cite-card-posts-one-1"]
    assert tree(two).xpath("//span[@class='cite-card']/@id") == ["cite-card-posts-two-1"]


def _posts_without_citations() -> list[Path]:
    posts = sorted((REPO / "content").rglob("*.md"))
    if (SHARED / "corpus/posts").is_dir():  # the real ML posts, where the development workspace has them
        posts += sorted((SHARED / "corpus/posts").glob("*__*.md"))
    return [post for post in posts if "bibliography:" not in post.read_text(encoding="utf-8")]


def test_posts_without_a_bibliography_render_byte_for_byte_as_before() -> None:
    """The citation, cross-reference and sidenote rules switched off must change nothing for these posts."""
    before = MarkdownRenderer()
    before.md.inline.ruler.disable(["citation", "narrative_citation", "crossref"])
    before.md.core.ruler.disable(["resolve_citations", "collect_sidenotes", "number_figures", "finish_crossrefs"])
    for post in _posts_without_citations():
        try:
            source = reader_for(post)(post, Path(post.name))  # type: ignore[misc]
        except ContentError:  # a corpus file that is not a post of ours (no front matter)
            continue
        pages = [_page(renderer, source.body, source.body_line, post) for renderer in (before, RENDERER)]
        assert pages[0] == pages[1], post


def _page(renderer: MarkdownRenderer, body: str, line: int, post: Path) -> str:
    try:
        doc = renderer.render(body, path=Path(post.name), first_line=line, site_root=REPO)
    except ContentError as err:  # some corpus posts use macros their site never defined: the same error
        return str(err)
    return doc.html + doc.feed_html + doc.summary_html


def test_only_web_addresses_become_links() -> None:
    bib = "@misc{x, title = {T}, year = {2000}, url = {javascript:alert(1)}}\n"
    doc = tree(render("[@x]\n", bib=(BibFile(Path("refs.bib"), bib),)).html)
    assert not doc.xpath("//li[@id='ref-x']//a") and "javascript:alert(1)" in doc.text_content()


def test_a_dash_leaves_the_names_to_the_text() -> None:
    html = render("Hochreiter and Schmidhuber [-@hochreiter1997, p. 2] and [see -@kingma2015; -@vaswani2017].\n").html
    assert citations(html) == ["(1997, p. 2)", "(see 2015; 2017)"]
    assert tree(html).xpath("//section[@id='refs']//li/@id") == [
        "ref-hochreiter1997",
        "ref-kingma2015",
        "ref-vaswani2017",
    ]


def test_citations_in_captions_alt_text_and_headings() -> None:
    doc = render("## Attention [@vaswani2017]\n\n![As @hochreiter1997 showed](x.png)\n")
    page = tree(doc.html)
    assert page.xpath("//img/@alt") == ["As Hochreiter and Schmidhuber (1997) showed"]
    assert citations(doc.html) == ["(Vaswani et al., 2017)", "Hochreiter and Schmidhuber (1997)"]
    assert doc.toc[0].title == "Attention (Vaswani et al., 2017)"
    assert page.xpath("//section[@id='refs']//li/@id") == ["ref-hochreiter1997", "ref-vaswani2017"]
