"""Property tests for the Markdown renderer: any text in, our error or well-formed HTML out.

Hypothesis writes posts from the pieces real posts are made of (math in every
delimiter, fences, callouts, footnotes, tables, links, images, raw HTML,
control characters) and shuffles them into shapes no test author would write.
Whatever comes in, the renderer may refuse it only with a ContentError; what
it accepts must be HTML that parses without error, whose MathML and SVG
islands are XML, and where no script survives when raw HTML is off.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from html import unescape
from pathlib import Path

import html5lib
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from site_gen.errors import ContentError
from site_gen.markdown import MarkdownRenderer
from site_gen.textfile import clean_text

PIECES = [
    "$x$",
    "$$",
    "$",
    "\\(",
    "\\)",
    "\\[",
    "\\]",
    "$\\frac{a}{b}$",
    "$x_i^2$",
    "$\\sum_{i=1}^N$",
    "$$ L = \\sum_i (y_i - \\hat y_i)^2 $$ (eq:loss)",
    "\\eqref{eq:loss}",
    "@eq-loss",
    "$\\href{javascript:alert(1)}{x}$",
    "$\\begin{aligned} a &= b \\\\ c &= d \\end{aligned}$",
    "$\\newcommand{\\R}{\\mathbb{R}} \\R$",
    "$\\left( x$",
    "```python\nx = 1\n```",
    "```",
    '```diagram\n{"nodes": [{"id": "a"}]}\n```',
    "```diagram\n{\n```",
    "::: note\n",
    ":::",
    "::: tip Title\n",
    "[^1]",
    "[^1]: a note",
    "| a | b |\n|---|---|\n| 1 | 2 |",
    "[link](javascript:alert(1))",
    "[link](/posts/x/)",
    "![alt $x$ axis](a.png)",
    '![a](b.png "cap")',
    "<script>alert(1)</script>",
    "<b>",
    "</b>",
    "<!--more-->",
    "<table><tr><td>",
    "# Heading $x$",
    "## H",
    "- [x] done",
    "1. one",
    "> quote",
    "**bold**",
    "_em_",
    "`code`",
    "&amp;",
    "&#0;",
    "\x0c",
    "\x07",
    "\ufeff",
    "\u2028",
    "\ud800",
    "https://example.com",
    "\\",
    "{",
    "}",
    "&",
    "%",
    "#",
    "\n",
    "\n\n",
    " ",
    "\t",
]

piece = st.one_of(st.sampled_from(PIECES), st.text(max_size=8))
documents = st.lists(piece, max_size=30).map("".join)

DANGEROUS_URL = re.compile(r"""\b(href|src|action|formaction)\s*=\s*["']?\s*(javascript|vbscript|data):""", re.I)
MATH_OR_SVG = re.compile(r"<(math|svg)\b.*?</\1>", re.S)


def parse_errors(html: str) -> list[object]:
    """What an HTML5 parser objects to in ``html`` (the demo posts' pages: nothing)."""
    parser = html5lib.HTMLParser(strict=False)
    parser.parseFragment(html)
    # DEL and C1 controls are legal XML and harmless in a page, though HTML5 frowns on them.
    return [error for error in parser.errors if error[1] != "invalid-codepoint"]


def islands_are_xml(html: str) -> None:
    for island in MATH_OR_SVG.finditer(html):
        ET.fromstring(island.group(0).replace("&nbsp;", "&#160;"))


@pytest.fixture(scope="module")
def renderers() -> dict[bool, MarkdownRenderer]:
    return {True: MarkdownRenderer(), False: MarkdownRenderer(raw_html=False)}


@settings(max_examples=1500, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(source=documents, raw_html=st.booleans())
def test_any_document_renders_or_fails_with_our_error(renderers, source: str, raw_html: bool) -> None:
    source = clean_text(source, None).text  # as the reader hands every post over
    try:
        doc = renderers[raw_html].render(source, path=Path("content/posts/fuzz.md"))
    except ContentError as error:
        assert error.path == Path("content/posts/fuzz.md")
        assert len(error.hint) < 400, "hints name the problem, they do not repeat the input"
        return
    for html in (doc.html, doc.feed_html, doc.summary_html):
        assert not DANGEROUS_URL.search(unescape(html)), "no link or source may run script"
        if not raw_html:  # the author's own HTML may be anything; ours must be flawless
            assert parse_errors(html) == []
            assert "<script" not in html.lower()
            islands_are_xml(html)


@given(st.lists(st.sampled_from(["a", " ", "\n", "\r", "\0", "\r\n", "é"]), max_size=30).map("".join))
def test_line_ends_are_normalised_as_markdown_it_does(source: str) -> None:
    from markdown_it.rules_core.normalize import normalize
    from markdown_it.rules_core.state_core import StateCore

    from site_gen.markdown import _block_parser, normalize_line_ends

    theirs, ours = StateCore(source, _block_parser(), {}), StateCore(source, _block_parser(), {})
    normalize(theirs)
    normalize_line_ends(ours)
    assert ours.src == theirs.src
