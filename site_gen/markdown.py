"""Markdown -> HTML: the markdown-it setup and its core rules.

One ``MarkdownIt`` is configured per ``MarkdownRenderer`` (plugins are slow to
set up) and reused; everything about the post being rendered lives in the
``env`` dict markdown-it passes to every rule, so renders never share state.

A post goes through three steps:

1. **Parse** with CommonMark plus tables, strikethrough, footnotes, task lists,
   linkify (``http://…`` URLs only, as GitHub does), math (``$…$``, ``$$…$$``,
   ``\\(…\\)``, ``\\[…\\]``, amsmath environments), callouts (``::: note``),
   and equation references (``\\eqref{eq:x}``, ``\\ref{eq:x}``, ``@eq-x``).
2. **Core rules** walk the token list once the parse is done. They do every
   check that can fail (TeX, fence options, callout kinds, equation labels),
   so errors carry the file line, and compute what rendering needs: heading
   ids and the TOC, equation numbers, MathML, highlighted code, figures.
3. **Render** the same tokens twice: once with URLs for the site
   (``/notebook/posts/x/img.png``) and once with absolute URLs for the feed.
   Render rules read the URL base from ``env``, so nothing is parsed twice.

The math rules (finding, numbering, converting and rendering formulas and
equation references) live in ``site_gen.markdown_math``, the render rules of
step 3 in ``site_gen.markdown_render``.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from functools import lru_cache
from html import escape
from pathlib import Path
from typing import Any

from linkify_it import LinkifyIt
from markdown_it import MarkdownIt
from markdown_it.common.utils import unescapeAll
from markdown_it.rules_core import StateCore
from markdown_it.token import Token
from markdown_it.utils import EnvType
from markupsafe import Markup
from mdit_py_plugins.amsmath import amsmath_plugin
from mdit_py_plugins.container import container_plugin
from mdit_py_plugins.dollarmath import dollarmath_plugin
from mdit_py_plugins.footnote import footnote_plugin
from mdit_py_plugins.tasklists import tasklists_plugin

from site_gen import citations, crossrefs, fenced_divs, sidenotes
from site_gen.cells.model import EXECUTABLE_LANGS, CellResult, PostCells
from site_gen.cells.options import parse_cell_options, split_options
from site_gen.errors import ContentError, ContentWarning
from site_gen.highlight import FenceError, highlight, parse_fence_info
from site_gen.markdown_math import (
    ENV_KEY,
    MATH_TYPES,
    at_eqref_inline,
    bracket_math_block,
    bracket_math_inline,
    check_eqrefs,
    convert_math,
    eqref_inline,
    number_equations,
    top_level_amsmath,
)
from site_gen.markdown_render import MORE_MARKER, RENDER_RULES, SCHEME_RE, omit_raw_html, plain_text
from site_gen.textfile import check_inside_site, decode_utf8

# Our kinds are Quarto's five plus MyST's admonitions, so posts port from either.
CALLOUT_KINDS = {
    "note": "Note",
    "tip": "Tip",
    "hint": "Hint",
    "important": "Important",
    "seealso": "See also",
    "warning": "Warning",
    "caution": "Caution",
    "attention": "Attention",
    "danger": "Danger",
    "error": "Error",
}
TOC_LEVELS = (2, 3, 4)

_ENV_KEY = ENV_KEY  # where the per-render _DocState lives in env (markdown_math reads it too)
_DIAGRAM_REF_RE = re.compile(r"/?diagrams/((?:[\w-]+/)*[\w.-]+\.json)")


@dataclass(frozen=True)
class TocEntry:
    """One h2-h4 heading, for the page's table of contents."""

    level: int
    id: str
    title: str


@dataclass
class RenderedDoc:
    """Everything later stages need from one Markdown body."""

    html: str
    feed_html: str
    summary_html: str
    toc: list[TocEntry]
    word_count: int
    warnings: list[ContentWarning]


@dataclass(frozen=True)
class UrlBase:
    """Where relative URLs in content point: a root plus the page's folder."""

    root: str  # "/notebook/" for the site, "https://…/notebook/" for the feed
    page_dir: str  # site-relative folder of the page, e.g. "posts/hello/"

    def resolve(self, url: str) -> str:
        """Make a content URL work from any page that shows this content."""
        if not url or url.startswith(("#", "//")) or SCHEME_RE.match(url):
            return url
        rel = url[1:] if url.startswith("/") else self.page_dir + url
        return self.root + _normalise_path(rel)


@dataclass
class _DocState:
    """Per-render state, kept in ``env`` so the renderer stays shareable."""

    path: Path
    first_line: int
    macros: dict[str, str]
    warnings: list[ContentWarning] = field(default_factory=list)
    toc: list[TocEntry] = field(default_factory=list)
    equations: dict[str, int] = field(default_factory=dict)
    tag_texts: dict[str, str] = field(default_factory=dict)  # \tag{A} shows "(A)", not a number
    urls: UrlBase = UrlBase("/", "")
    cells: PostCells | None = None  # executed cells' results, from the execute stage
    cell_count: int = 0
    site_root: Path | None = None  # where diagrams/<name>.json files are found
    library: citations.Library | None = None  # the post's .bib entries, if it has a bibliography
    references: bool = True  # end with the references section (not for a summary written in front matter)
    csl: citations.CslStyle | None = None  # its citation style (None: the default)
    for_feed: bool = False  # rendering the feed entry (no CSS there: no hover cards, no sidenotes)
    citation_count: int = 0  # hover cards so far in this render, for their ids
    margin_footnotes: bool = False  # `footnotes: margin`: each note beside its reference
    sidenotes: dict[int, list[Token]] = field(default_factory=dict)  # footnote id -> its paragraphs
    crossrefs: dict[str, crossrefs.Target] = field(default_factory=dict)  # fig-/tbl- label -> its number

    def line(self, token: Token | None, offset: int = 0) -> int | None:
        """The file line of a token (token.map counts body lines from 0)."""
        if token is None or not token.map:
            return None
        return self.first_line + token.map[0] + offset

    def error(self, line: int | None, message: str, hint: str) -> ContentError:
        return ContentError(self.path, line, message, hint)


def _doc(env: EnvType) -> _DocState:
    state: _DocState = env[_ENV_KEY]
    return state


class MarkdownRenderer:
    """Turns a post's Markdown body into HTML for the page, the feed and lists."""

    def __init__(self, *, macros: Mapping[str, str] | None = None, raw_html: bool = True) -> None:
        self.macros = dict(macros or {})
        self.md = build_parser()
        if not raw_html:  # site.toml `raw_html = false`: the author's HTML is left out, as Hugo does
            self.md.add_render_rule("html_block", omit_raw_html)
            self.md.add_render_rule("html_inline", omit_raw_html)

    def render(
        self,
        source: str,
        *,
        path: Path,
        first_line: int = 1,
        page_url: str = "",
        base_path: str = "/",
        base_url: str = "http://localhost/",
        macros: Mapping[str, str] | None = None,
        cells: PostCells | None = None,
        site_root: Path | None = None,
        bibliography: Sequence[citations.BibFile] = (),
        csl: citations.CslStyle | None = None,
        footnotes: str = "bottom",
        references: bool = True,
    ) -> RenderedDoc:
        """Parse once, check everything, render for the site and for the feed."""
        doc = _DocState(path, first_line, {**self.macros, **(macros or {})}, cells=cells, site_root=site_root)
        doc.library = citations.load_library(tuple(bibliography)) if bibliography else None
        doc.csl, doc.margin_footnotes, doc.references = csl, footnotes == "margin", references
        env: EnvType = {_ENV_KEY: doc}
        tokens = self.md.parse(source, env)
        page_dir = _page_dir(page_url)
        site = UrlBase(_with_slash(base_path), page_dir)
        feed = UrlBase(_with_slash(base_url), page_dir)
        return RenderedDoc(
            html=self._render(tokens, env, site),
            feed_html=self._render(tokens, env, feed, for_feed=True),
            summary_html=self._render(summary_tokens(tokens), env, site),
            toc=list(doc.toc),
            word_count=count_words(tokens),
            warnings=list(doc.warnings),
        )

    def _render(self, tokens: Sequence[Token], env: EnvType, urls: UrlBase, for_feed: bool = False) -> str:
        doc = _doc(env)
        doc.urls, doc.for_feed, doc.citation_count = urls, for_feed, 0
        return str(self.md.renderer.render(tokens, self.md.options, env))


def _with_slash(url: str) -> str:
    return url if url.endswith("/") else url + "/"


def _page_dir(page_url: str) -> str:
    """``"posts/hello/"`` stays; ``"/posts/hello.html"`` -> ``"posts/"``."""
    page_url = page_url.lstrip("/")
    return page_url[: page_url.rfind("/") + 1]


def _normalise_path(url: str) -> str:
    """Resolve ``.`` and ``..`` in the path part; keep query and fragment."""
    cut = min((i for i in (url.find("?"), url.find("#")) if i >= 0), default=len(url))
    path, suffix = url[:cut], url[cut:]
    segments = path.split("/")
    out: list[str] = []
    for seg in segments:
        if seg == "..":
            if out:
                out.pop()
        elif seg != ".":
            out.append(seg)
    if segments[-1] in (".", ".."):
        out.append("")
    return "/".join(out) + suffix


def block_tokens(source: str) -> list[Token]:
    """The block tokens of ``source`` exactly as the renderer splits it, unchecked.

    The execute stage finds a post's cells with this, so it sees the same fences,
    in the same order, as ``fences`` does when the page is rendered.
    """
    md = _block_parser()
    tokens: list[Token] = []
    md.block.parse(source.replace("\r\n", "\n").replace("\r", "\n").replace("\0", "\ufffd"), md, {}, tokens)
    return tokens


@lru_cache(maxsize=1)
def _block_parser() -> MarkdownIt:
    return build_parser()


# --------------------------------------------------------------------------
# Parser setup


_MAILTO = re.compile("mailto:", re.IGNORECASE)  # as linkify-it matches its schemes


class _SchemeLinkify(LinkifyIt):  # type: ignore[misc]
    """linkify-it with fuzzy matching off, and a cheap pretest to match.

    markdown-it asks ``pretest`` about every text token; linkify-it answers
    with a large regex that cost 18% of a whole build. Without fuzzy matching
    every link has one of its schemes: ``http:``, ``https:`` and ``ftp:`` are
    followed by ``//``, ``//`` starts a link of its own, and ``mailto:`` is the
    one without. So text with neither ``//`` nor ``mailto:`` cannot hold one
    (a colon alone, as in a heading "Part 1: …", sent every such text to the regex).
    """

    def pretest(self, text: str) -> bool:
        return ("//" in text or (":" in text and _MAILTO.search(text) is not None)) and bool(super().pretest(text))


def normalize_line_ends(state: StateCore) -> None:
    """markdown-it's ``normalize`` (CRLF and CR to LF, NUL to U+FFFD), without its two regex
    passes over a post that holds neither (~60 µs for a 14 KB post, 1% of a cold build)."""
    if "\r" in state.src or "\0" in state.src:
        state.src = state.src.replace("\r\n", "\n").replace("\r", "\n").replace("\0", "\ufffd")


def build_parser() -> MarkdownIt:
    """CommonMark plus our extensions; the expensive part, done once."""
    md = MarkdownIt("commonmark", {"linkify": True})
    md.core.ruler.at("normalize", normalize_line_ends)
    md.enable(["table", "strikethrough", "linkify"])
    # Only scheme URLs: fuzzy "example.com" and e-mail matching turn ordinary
    # prose (file names like model.py) into links.
    md.linkify = _SchemeLinkify(options={"fuzzy_link": False, "fuzzy_email": False})
    md.use(footnote_plugin)
    md.use(tasklists_plugin, label=True)  # the item's text, wrapped in <label>, names its checkbox
    md.use(
        dollarmath_plugin,
        allow_space=False,  # "$5 and $10" is money, not math (Pandoc's rule)
        allow_digits=False,
        double_inline=True,
        label_normalizer=str.strip,
    )
    md.use(amsmath_plugin)
    md.block.ruler.at(
        "amsmath", top_level_amsmath, {"alt": ["paragraph", "reference", "blockquote", "list", "footnote_def"]}
    )
    md.use(container_plugin, name="callout", validate=_is_callout)
    md.inline.ruler.before("escape", "bracket_math", bracket_math_inline)
    md.inline.ruler.before("escape", "eqref", eqref_inline)
    md.inline.ruler.after("eqref", "at_eqref", at_eqref_inline)
    md.inline.ruler.after("at_eqref", "crossref", crossrefs.crossref_inline)
    md.inline.ruler.after("crossref", "narrative_citation", citations.narrative_inline)
    md.inline.ruler.before("link", "citation", citations.citation_inline)
    md.block.ruler.before("fence", "bracket_math_block", bracket_math_block, {"alt": []})
    for rule in (
        check_callouts,
        number_equations,
        convert_math,
        check_eqrefs,
        citations.resolve_citations,
        sidenotes.collect_sidenotes,
        heading_ids,
        crossrefs.number_figures,
        diagram_refs,
        figures,
        fences,
        crossrefs.finish_crossrefs,
    ):
        md.core.ruler.push(rule.__name__, rule)
    for name, func in RENDER_RULES.items():
        md.add_render_rule(name, func)
    return md


def _is_callout(params: str, markup: str) -> bool:
    # Accept any word so a typo ("::: notes") is an error, not silent text.
    return bool(params.strip())


# --------------------------------------------------------------------------
# Core rules: checks and computed data, run once per parse


def check_callouts(state: StateCore) -> None:
    """Plan every ``:::`` block (``site_gen.fenced_divs``); reject unknown callout kinds."""
    doc = _doc(state.env)
    state.tokens = fenced_divs.apply(state.tokens, CALLOUT_KINDS, _callout_plan)
    for token in state.tokens:
        if token.type != "container_callout_open":
            continue
        plan: fenced_divs.Plan = token.meta["plan"]
        if plan.kind != "callout":
            continue
        if plan.callout not in CALLOUT_KINDS:
            raise doc.error(
                doc.line(token),
                f"unknown callout kind {plan.callout!r}",
                "use one of: "
                + ", ".join(f"'::: {k}'" for k in CALLOUT_KINDS)
                + " (an optional title may follow, e.g. '::: tip Try this')",
            )
        token.meta["plan"] = replace(plan, title=plan.title or CALLOUT_KINDS[plan.callout])


def _callout_plan(info: str) -> fenced_divs.Plan:
    kind, title = callout_kind_and_title(info)
    return fenced_divs.Plan("callout", callout=kind, title=title)


_QUARTO_CALLOUT_RE = re.compile(r"""\{\s*\.callout-(\w+)(?:\s+title=(?:"([^"]*)"|'([^']*)'))?\s*\}\s*(.*)""")
_MYST_CALLOUT_RE = re.compile(r"\{(\w+)\}\s*(.*)")


def callout_kind_and_title(info: str) -> tuple[str, str]:
    """The callout syntaxes of our own, Quarto and MyST, so posts port both ways.

    ``::: tip Try this`` · ``::: {.callout-tip title="Try this"}`` · ``:::{tip} Try this``
    """
    info = info.strip()
    if quarto := _QUARTO_CALLOUT_RE.fullmatch(info):
        kind, double, single, rest = quarto.groups()
        return kind.lower(), (double or single or rest).strip()
    if myst := _MYST_CALLOUT_RE.fullmatch(info):
        return myst.group(1).lower(), myst.group(2).strip()
    kind, _, title = info.partition(" ")
    return kind.lower(), title.strip()


def slugify(text: str) -> str:
    """Heading text -> id: lowercase, letters/digits/-/_ kept, spaces -> '-'."""
    text = re.sub(r"[^\w\s-]", "", text.lower())
    return re.sub(r"\s+", "-", text.strip()) or "section"


def heading_ids(state: StateCore) -> None:
    """Give every heading a unique id; collect h2-h4 into the TOC."""
    doc = _doc(state.env)
    used = set(doc.equations)
    for i, token in enumerate(state.tokens):
        if token.type != "heading_open":
            continue
        title = plain_text(state.tokens[i + 1].children).strip()
        base = slugify(title)
        slug, n = base, 0
        while slug in used:
            n += 1
            slug = f"{base}-{n}"
        used.add(slug)
        token.attrSet("id", slug)
        level = int(token.tag[1])
        if level in TOC_LEVELS:
            doc.toc.append(TocEntry(level, slug, _toc_title(state.tokens[i + 1].children, title)))


def _toc_title(children: Sequence[Token] | None, title: str) -> str:
    """A heading with math shows it in the TOC too: its text escaped, its math as MathML."""
    if not any(child.type in MATH_TYPES for child in children or []):
        return title
    parts = []
    for child in children or []:
        if child.type in MATH_TYPES:
            parts.append(str(child.meta["mathml"]))
        else:
            parts.append(escape(plain_text([child])))
    return Markup("".join(parts).strip())


def figures(state: StateCore) -> None:
    """An image alone in its paragraph becomes a figure with a caption.

    As in Pandoc and Quarto, the caption is the image title, else its alt text.
    """
    tokens = state.tokens
    first = True  # the first figure may be on the first screen: it loads at once, the rest lazily
    for i in range(len(tokens) - 2):
        opening, inline, closing = tokens[i : i + 3]
        if (
            opening.type != "paragraph_open"
            or opening.hidden
            or not inline.children
            or len(inline.children) != 1
            or inline.children[0].type != "image"
        ):
            continue
        image = inline.children[0]
        if not first:
            image.attrSet("loading", "lazy")
        first = False
        title = str(image.attrGet("title") or "")
        caption = [Token("text", "", 0, content=title)] if title else image.children
        opening.type, opening.tag = "figure_open", "figure"
        closing.type, closing.tag = "figure_close", "figure"
        if caption:
            inline.children = [
                image,
                Token("figcaption_open", "figcaption", 1),
                *caption,
                Token("figcaption_close", "figcaption", -1),
            ]


def diagram_refs(state: StateCore) -> None:
    """``![Alt](/diagrams/name.json "Caption")`` alone in a paragraph draws that diagram file."""
    doc = _doc(state.env)
    tokens = state.tokens
    for i in range(len(tokens) - 2):
        opening, inline, closing = tokens[i : i + 3]
        if opening.type != "paragraph_open" or not inline.children or len(inline.children) != 1:
            continue
        image = inline.children[0]
        match = _DIAGRAM_REF_RE.fullmatch(str(image.attrGet("src") or ""))
        if image.type != "image" or not match:
            continue
        line = doc.line(opening)
        if doc.site_root is None or not (doc.site_root / "diagrams" / match.group(1)).is_file():
            raise doc.error(
                line, f"no diagram file diagrams/{match.group(1)}", "put the JSON in the site's diagrams/ folder"
            )
        caption = str(image.attrGet("title") or "") or plain_text(image.children)
        file, rel = doc.site_root / "diagrams" / match.group(1), Path("diagrams", match.group(1))
        check_inside_site(file, doc.site_root, rel)
        html = _diagram_figure(
            decode_utf8(file.read_bytes(), rel),
            path=rel,
            caption=caption,
            alt=plain_text(image.children),
        )
        opening.type, opening.meta = "diagram", {"html": html}
        inline.children = []
        closing.type = "diagram_close"


_RAW_FENCE = re.compile(r"\{=([\w-]+)\}")


def fences(state: StateCore) -> None:
    """Parse fence options and highlight every fenced block, once."""
    doc = _doc(state.env)
    for token in state.tokens:
        if token.type != "fence":
            continue
        line = doc.line(token)
        raw = _RAW_FENCE.fullmatch(token.info.strip())
        if raw:  # Pandoc's raw block: HTML goes out as the author's own HTML; other formats are for other outputs
            token.type = "html_block" if raw.group(1).lower() in ("html", "html5") else "raw_other"
            continue
        try:
            fence = parse_fence_info(unescapeAll(token.info))
        except FenceError as err:
            raise doc.error(line, err.message, err.hint) from None
        if fence.lang == "diagram":  # the body is diagram JSON, starting the line after the fence
            caption = crossrefs.diagram_caption(doc, token)  # "Figure 2: …" for a {.diagram #fig-x} fence
            token.meta = {
                "html": _diagram_figure(token.content, path=doc.path, first_line=(line or 0) + 1, caption=caption)
            }
            continue
        cell = _cell(doc, token, line) if fence.cell and fence.lang in EXECUTABLE_LANGS else {}
        result = highlight(str(cell.get("code", token.content)), fence)
        if result.warning:
            doc.warnings.append(ContentWarning(doc.path, line, result.warning))
        if fence.ignored:
            doc.warnings.append(
                ContentWarning(
                    doc.path,
                    line,
                    f"ignored {fence.ignored!r} after the language; "
                    'fence options go in braces, e.g. {filename="x.py"}',
                )
            )
        token.meta = {"html": result.html, **cell}


def _cell(doc: _DocState, token: Token, line: int | None) -> dict[str, Any]:
    """An executable cell: its code without ``#|`` lines, its options, and its result if it ran."""
    option_lines, code = split_options(token.content)
    options = parse_cell_options(option_lines, path=doc.path, line=(line or 0) + 1)
    index, doc.cell_count = doc.cell_count, doc.cell_count + 1
    result: CellResult | None = None
    if doc.cells is not None:
        if doc.cells.codes.get(index) != code:
            raise doc.error(line, "this cell is not the one that was executed", "a bug in site_gen: please report it")
        result = doc.cells.results.get(index)
    return {"code": code, "cell_options": options, "cell_result": result}


# --------------------------------------------------------------------------
# Summary and word count


def summary_tokens(tokens: list[Token]) -> list[Token]:
    """Tokens before a top-level ``<!--more-->`` line, else the first paragraph."""
    for i, token in enumerate(tokens):
        if token.type == "html_block" and token.level == 0 and token.content.strip() == MORE_MARKER:
            return tokens[:i]
    for i, token in enumerate(tokens):
        if token.type == "paragraph_open" and token.level == 0:
            return tokens[i : i + 3]
    return []


def count_words(tokens: Sequence[Token]) -> int:
    """Words of prose and code, for the reading-time estimate."""
    words = 0
    for token in tokens:
        if token.type in ("fence", "code_block"):
            words += len(token.content.split())
        elif token.type == "inline":
            words += len(plain_text(token.children).split())
    return words


def _diagram_figure(source: str, **options: Any) -> str:
    """A diagram's ``<figure>``; the diagram package (~12 ms to import) is loaded by the first post that draws one."""
    from site_gen.diagram import render_figure

    return render_figure(source, **options)
