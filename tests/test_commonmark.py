"""CommonMark 0.31.2 conformance: our renderer against plain markdown-it-py.

Every spec example goes through ``MarkdownRenderer`` and through
``MarkdownIt("commonmark")``; both outputs and the expected HTML are parsed
with html5lib and re-serialised the same way. Our renderer changes some HTML
on purpose, so the normaliser undoes exactly those documented changes (and
applies the same undoing to all three, so it can never turn a wrong answer
into a right one):

* headings get an ``id`` and a leading ``<a class="anchor">``;
* link and image URLs are resolved against the page (``foo`` -> ``/foo``), so
  every URL is compared after resolving it against ``http://localhost/``;
* an image alone in a paragraph becomes ``<figure>`` with ``loading="lazy"``
  and a caption;
* bare ``https://…`` URLs become links (linkify), so a link whose text is
  exactly its URL is compared as that text;
* fenced code becomes ``<figure class="code">`` with Pygments' spans, so it is
  compared as ``<pre><code class=…>`` plus its text.

The corpus lives outside the repository (``../shared/corpus``), so the test
skips where it is absent.
"""

from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ET
from collections.abc import Callable
from pathlib import Path
from urllib.parse import urljoin

import html5lib
import pytest
from markdown_it import MarkdownIt

from site_gen.errors import ContentError
from site_gen.markdown import MarkdownRenderer

SPEC = Path(__file__).resolve().parents[1].parent / "shared/corpus/commonmark/spec-0.31.2.json"
BLOCK_TAGS = (
    "p|div|h[1-6]|ul|ol|li|pre|blockquote|table|thead|tbody|tr|th|td|hr|figure|figcaption|aside|section|dl|dt|dd"
)
_BLOCK_SPACE_RE = re.compile(rf"\s*(</?(?:{BLOCK_TAGS})\b[^>]*>)\s*")
_VOID = {"img", "hr", "br", "input", "meta", "link", "area", "col", "embed", "wbr"}


def _parse(html: str) -> ET.Element:
    fragment: ET.Element = html5lib.parseFragment(html, treebuilder="etree", namespaceHTMLElements=False)
    return fragment


def _undo_decorations(root: ET.Element) -> None:
    """Reverse the renderer's documented changes, in place."""
    for parent in root.iter():
        for child in list(parent):
            if _is_bare_link(child):
                _unwrap(parent, child)
    for parent in root.iter():
        for i, child in enumerate(list(parent)):
            if not isinstance(child.tag, str):
                continue
            if re.fullmatch(r"h[1-6]", child.tag):
                child.attrib.pop("id", None)
                _drop_anchor(child)
            for attr in ("href", "src"):
                if attr in child.attrib:
                    child.set(attr, urljoin("http://localhost/", child.get(attr, "")))
            child.attrib.pop("loading", None)
            if child.tag == "figure":
                parent[i] = _unfigure(child)


def _is_bare_link(el: ET.Element) -> bool:
    return el.tag == "a" and set(el.attrib) == {"href"} and len(el) == 0 and el.text == el.get("href")


def _unwrap(parent: ET.Element, el: ET.Element) -> None:
    """Replace ``el`` by its text, joining it to the neighbouring text."""
    text = (el.text or "") + (el.tail or "")
    index = list(parent).index(el)
    if index == 0:
        parent.text = (parent.text or "") + text
    else:
        prev = parent[index - 1]
        prev.tail = (prev.tail or "") + text
    parent.remove(el)


def _drop_anchor(heading: ET.Element) -> None:
    for child in list(heading):
        if child.tag == "a" and child.get("class") == "anchor":
            heading.text = (heading.text or "") + (child.tail or "")
            heading.remove(child)


def _unfigure(figure: ET.Element) -> ET.Element:
    """``<figure class="code">`` -> ``<pre><code>``; image figure -> ``<p><img>``."""
    code = figure.find(".//code")
    if "code" in figure.get("class", "").split():
        pre = ET.Element("pre")
        plain = ET.SubElement(pre, "code", dict(code.attrib) if code is not None else {})
        plain.text = "".join(code.itertext()) if code is not None else ""
        plain.tail = figure.tail
        return pre
    para = ET.Element("p")
    para.tail = figure.tail
    para.extend(child for child in figure if child.tag != "figcaption")
    if para:
        para[-1].tail = None
    return para


def _text(value: str | None, in_pre: bool) -> str:
    value = value or ""
    if not in_pre:
        value = re.sub(r"\s+", " ", value)
    return value.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _serialise(el: ET.Element, in_pre: bool = False) -> str:
    """Canonical HTML: sorted attributes, whitespace collapsed outside <pre>."""
    if el.tag is ET.Comment:
        return f"<!--{el.text}-->" + _text(el.tail, in_pre)
    inside = in_pre or el.tag == "pre"
    inner = _text(el.text, inside) + "".join(_serialise(c, inside) for c in el)
    if el.tag == "DOCUMENT_FRAGMENT":
        return inner
    attrs = "".join(
        f' {k}="{v.replace("&", "&amp;").replace(chr(34), "&quot;")}"' for k, v in sorted(el.attrib.items())
    )
    closing = "" if el.tag in _VOID else f"</{el.tag}>"
    return f"<{el.tag}{attrs}>{inner}{closing}" + _text(el.tail, in_pre)


def normalise(html: str) -> str:
    root = _parse(html)
    _undo_decorations(root)
    return _BLOCK_SPACE_RE.sub(r"\1", _serialise(root)).strip()


def _count(examples: list[dict[str, str]], render: Callable[[str], str]) -> list[int]:
    """Numbers of the examples that render (normalised) as expected."""
    passed = []
    for ex in examples:
        try:
            html = render(ex["markdown"])
        except ContentError:
            continue
        if normalise(html) == normalise(ex["html"]):
            passed.append(int(ex["example"]))
    return passed


@pytest.fixture(scope="module")
def examples() -> list[dict[str, str]]:
    if not SPEC.exists():
        pytest.skip(
            "../shared/corpus not present (only in the development workspace): CommonMark conformance not checked"
        )
    data: list[dict[str, str]] = json.loads(SPEC.read_text(encoding="utf-8"))
    return data


def test_commonmark_conformance(examples: list[dict[str, str]]) -> None:
    ours_renderer = MarkdownRenderer()
    reference = MarkdownIt("commonmark")
    errors: list[str] = []

    def ours(markdown: str) -> str:
        try:
            return ours_renderer.render(markdown, path=Path("spec.md")).html
        except ContentError as err:
            errors.append(str(err))
            raise

    ours_passed = _count(examples, ours)
    ref_passed = _count(examples, reference.render)
    n = len(examples)
    print(f"\nCommonMark: ours {len(ours_passed)}/{n}, markdown-it-py {len(ref_passed)}/{n}")
    lost = sorted(set(ref_passed) - set(ours_passed))
    if lost:
        print(f"examples markdown-it-py passes and we fail: {lost}")
    if errors:
        print(f"examples raising ContentError: {errors}")
    assert len(ours_passed) >= len(ref_passed), lost


def test_normaliser_keeps_real_differences() -> None:
    """The normaliser must not hide a changed word, tag or URL."""
    assert normalise("<p>a <em>b</em></p>") != normalise("<p>a <strong>b</strong></p>")
    assert normalise('<a href="x">t</a>') != normalise('<a href="y">t</a>')
    assert normalise("<pre><code>a  b</code></pre>") != normalise("<pre><code>a b</code></pre>")
    assert normalise('<h2 id="t"><a class="anchor" href="#t">#</a>T</h2>') == (normalise("<h2>T</h2>"))
