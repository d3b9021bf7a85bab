"""Numbered figures and tables, and Quarto's ``@fig-x`` / ``@tbl-x`` references to them.

What gets a number, in document order (figures and tables counted apart):

==========================================  ================================
``![Caption](plot.png){#fig-x}``            an image figure
``![Alt](/diagrams/loop.json "Cap"){#fig-x}``  a diagram figure
a cell with ``#| label: fig-x``             the figure the cell draws
``::: {#fig-x}`` … ``:::``                  a Pandoc figure div (its last
                                            paragraph is the caption)
a table with ``: Caption {#tbl-x}``         a table (Pandoc's caption line,
                                            just before or after it)
==========================================  ================================

The caption starts "Figure 2:" and ``@fig-x`` becomes a "Figure 2" link. A
reference to a label no figure or table has is an error with its line.

Two core rules: ``number_figures`` runs before figures and diagrams are
built (it reads the labels and takes ``{#…}`` and caption lines out of the
text), ``finish_crossrefs`` after (it writes the numbers into captions and
checks every reference).
"""

from __future__ import annotations

import difflib
import json
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from html import escape
from typing import TYPE_CHECKING

from markdown_it.renderer import RendererHTML
from markdown_it.rules_core import StateCore
from markdown_it.rules_inline import StateInline
from markdown_it.token import Token
from markdown_it.utils import EnvType, OptionsDict

from site_gen.cells.model import EXECUTABLE_LANGS
from site_gen.cells.options import CellOptions, parse_cell_options, split_options
from site_gen.errors import ContentError
from site_gen.fenced_divs import parse_attributes
from site_gen.highlight import FenceError, parse_fence_info
from site_gen.markdown_math import ENV_KEY, _inline_children

if TYPE_CHECKING:
    from site_gen.markdown import _DocState

KINDS = {"fig": "Figure", "tbl": "Table"}
_REF_RE = re.compile(r"@((fig|tbl)-[\w:-]*\w)")
_ATTRS_RE = re.compile(r"\s*(\{[^{}]*\})\s*$")
_DIAGRAM_SRC_RE = re.compile(r"/?diagrams/(?:[\w-]+/)*[\w.-]+\.json")
_CAPTION_PREFIXES = (": ", "Table: ")


@dataclass(frozen=True)
class Target:
    """A numbered figure or table: "Figure 2", and the line that defines it."""

    kind: str
    number: int
    line: int | None

    @property
    def name(self) -> str:
        return f"{KINDS[self.kind]} {self.number}"


def _doc(env: EnvType) -> _DocState:
    state: _DocState = env[ENV_KEY]
    return state


Add = Callable[[str, str, "int | None"], "Target | None"]  # number a label of a kind, if it is of that kind


# --------------------------------------------------------------------------
# Inline rule


def crossref_inline(state: StateInline, silent: bool) -> bool:
    """``@fig-x`` and ``@tbl-x``; not after a word character, so e-mails stay text."""
    pos = state.pos
    if state.src[pos] != "@" or (pos > 0 and state.src[pos - 1].isalnum()) or state.linkLevel:
        return False
    found = _REF_RE.match(state.src, pos, state.posMax)
    if found is None:
        return False
    if not silent:
        token = state.push("crossref", "a", 0)
        token.meta = {"label": found.group(1)}
        token.content = found.group()
    state.pos = found.end()
    return True


# --------------------------------------------------------------------------
# Core rules


def number_figures(state: StateCore) -> None:
    """Number every labelled figure and captioned table, in document order."""
    doc = _doc(state.env)
    counts = dict.fromkeys(KINDS, 0)

    def add(label: str, kind: str, line: int | None) -> Target | None:
        if not label.startswith(kind + "-"):
            return None
        if label in doc.crossrefs:
            first = doc.crossrefs[label].line
            raise doc.error(line, f"label {label!r} is used twice (first at line {first})", "give each its own label")
        counts[kind] += 1
        doc.crossrefs[label] = Target(kind, counts[kind], line)
        return doc.crossrefs[label]

    tokens = state.tokens
    i = 0
    while i < len(tokens):
        token = tokens[i]
        if token.type == "paragraph_open" and i + 2 < len(tokens) and _image_figure(tokens[i], tokens[i + 1], doc, add):
            # A diagram is drawn as a whole figure by a later rule: the id goes on a wrapper.
            tokens[i : i + 3] = _anchored(str(token.attrGet("id")), *tokens[i : i + 3])
            i += 4
        elif token.type == "table_open":
            i = _table(tokens, i, doc, add)
        elif token.type == "container_callout_open" and token.meta["plan"].kind == "figure":
            label = token.meta["plan"].attributes.id  # a Pandoc figure div, ``::: {#fig-x}`` (site_gen.fenced_divs)
            if add(label, label.split("-", 1)[0], doc.line(token)):
                token.meta["crossref"] = label
        elif token.type == "fence" and (label := _diagram_label(token)):
            if add(label, "fig", doc.line(token)):  # the fences rule draws it, with diagram_caption's caption
                token.info, token.meta = "diagram", {**(token.meta or {}), "crossref": label}
                tokens[i : i + 1] = _anchored(label, token)
                i += 2
        elif token.type == "fence":
            cell_label = _cell_label(token, doc)
            if cell_label:
                add(cell_label, "fig", doc.line(token))  # the fences rule parses the cell: finish_crossrefs numbers it
        i += 1


def _image_figure(opening: Token, inline: Token, doc: _DocState, add: Add) -> bool:
    """``![cap](x.png){#fig-x}`` alone in a paragraph: the braces leave the text, the id goes on the figure.

    True for a numbered diagram, which needs a wrapper to carry its id.
    """
    children = inline.children or []
    if len(children) != 2 or children[0].type != "image" or children[1].type != "text":
        return False
    found = _ATTRS_RE.fullmatch(children[1].content)
    attributes = parse_attributes(found.group(1)) if found else None
    if attributes is None:
        return False
    image = children[0]
    inline.children = [image]
    if attributes.classes:
        opening.attrSet("class", " ".join(attributes.classes))
    if not attributes.id:
        return False
    opening.attrSet("id", attributes.id)
    target = add(attributes.id, "fig", doc.line(opening))
    if target is None:
        return False
    opening.meta = {**(opening.meta or {}), "crossref": attributes.id}
    if not _DIAGRAM_SRC_RE.fullmatch(str(image.attrGet("src") or "")):
        return False
    # The diagram is drawn from the image's title (or alt text) by the next rule: number it there.
    caption = str(image.attrGet("title") or "") or _alt_text(image.children or [])
    image.attrSet("title", f"{target.name}: {caption}" if caption else target.name)
    return True


def _anchored(label: str, *inner: Token) -> list[Token]:
    """``inner`` in a ``<div id=label>``: a diagram's figure is drawn whole, so its id goes around it."""
    anchor = Token("crossref_anchor_open", "div", 1, block=True)
    anchor.attrs = {"id": label, "class": "crossref-target"}
    return [anchor, *inner, Token("crossref_anchor_close", "div", -1, block=True)]


def _diagram_label(token: Token) -> str:
    """The ``#fig-x`` of a Pandoc-style ```` ```{.diagram #fig-x} ```` fence, or ""."""
    info = token.info.strip()
    attributes = parse_attributes(info) if info.startswith("{") else None
    if attributes is None or attributes.classes[:1] != ("diagram",):
        return ""
    return attributes.id


def diagram_caption(doc: _DocState, token: Token) -> str | None:
    """A numbered diagram fence's caption, "Figure 2: " before the JSON's own (None: not numbered)."""
    label = (token.meta or {}).get("crossref")
    if label is None:
        return None
    try:
        caption = json.loads(token.content).get("caption")
    except (ValueError, AttributeError):  # the diagram rule reports bad JSON, with its line
        caption = None
    name = doc.crossrefs[label].name
    return f"{name}: {caption}" if isinstance(caption, str) and caption else name


def _alt_text(children: Sequence[Token]) -> str:
    return "".join(child.content for child in children if child.type in ("text", "code_inline", "math_inline"))


def _table(tokens: list[Token], at: int, doc: _DocState, add: Add) -> int:
    """A table with Pandoc's caption paragraph (``: Caption {#tbl-x}``) just after or before it."""
    end = next(
        j for j in range(at, len(tokens)) if tokens[j].type == "table_close" and tokens[j].level == tokens[at].level
    )
    end = _caption_row_out(tokens, at, end)
    after = end + 1 if _is_caption(tokens, end + 1) else None
    before = at - 3 if after is None and _is_caption(tokens, at - 3) else None
    start = after if after is not None else before
    if start is None:
        return end
    inline = tokens[start + 1]
    label = _strip_caption(inline)
    line = doc.line(tokens[start])
    caption = [Token("caption_open", "caption", 1), inline, Token("caption_close", "caption", -1)]
    if label:
        tokens[at].attrSet("id", label)
        target = add(label, "tbl", line)
        if target is not None:
            inline.children = [_number_token(target), *(inline.children or [])]
    if after is not None:
        del tokens[after : after + 3]
        tokens[at + 1 : at + 1] = caption
        return end + 3
    del tokens[start : start + 3]
    tokens[start + 1 : start + 1] = caption
    return end


def _caption_row_out(tokens: list[Token], at: int, end: int) -> int:
    """A caption line right under the table's last row is read as one more row: make it a paragraph again."""
    row = max(i for i in range(at, end) if tokens[i].type == "tr_open")
    cells = [t for t in tokens[row:end] if t.type == "inline"]
    if not cells or not cells[0].content.startswith(_CAPTION_PREFIXES) or any(c.content for c in cells[1:]):
        return end
    close = next(i for i in range(row, end) if tokens[i].type == "tr_close")
    opening = Token("paragraph_open", "p", 1, block=True, map=tokens[row].map)
    paragraph = [opening, cells[0], Token("paragraph_close", "p", -1, block=True)]
    del tokens[row : close + 1]
    end -= close + 1 - row
    if tokens[row - 1].type == "tbody_open" and tokens[row].type == "tbody_close":
        del tokens[row - 1 : row + 1]
        end -= 2
    tokens[end + 1 : end + 1] = paragraph
    return end


def _is_caption(tokens: list[Token], i: int) -> bool:
    if i < 0 or i + 2 >= len(tokens) or tokens[i].type != "paragraph_open":
        return False
    children = tokens[i + 1].children or []
    return bool(children) and children[0].type == "text" and children[0].content.startswith(_CAPTION_PREFIXES)


def _strip_caption(inline: Token) -> str:
    """Take ``: `` off the front and ``{#tbl-x}`` off the end; return the label."""
    children = list(inline.children or [])
    first = children[0]
    for prefix in _CAPTION_PREFIXES:
        if first.content.startswith(prefix):
            first.content = first.content[len(prefix) :]
            break
    label = ""
    last = children[-1]
    found = _ATTRS_RE.search(last.content) if last.type == "text" else None
    attributes = parse_attributes(found.group(1)) if found else None
    if found and attributes is not None:
        last.content = last.content[: found.start()].rstrip()
        label = attributes.id
    inline.children = [child for child in children if child.type != "text" or child.content]
    return label


def _cell_label(token: Token, doc: _DocState) -> str | None:
    """The ``#| label:`` of an executable cell (the fences rule checks the options again, with its line)."""
    try:
        fence = parse_fence_info(token.info)
    except FenceError:
        return None
    if not (fence.cell and fence.lang in EXECUTABLE_LANGS):
        return None
    option_lines, _ = split_options(token.content)
    if not option_lines:
        return None
    try:
        options = parse_cell_options(option_lines, path=doc.path, line=(doc.line(token) or 0) + 1)
    except ContentError:
        return None
    return options.label


def finish_crossrefs(state: StateCore) -> None:
    """Write numbers into captions, and resolve every ``@fig-x``/``@tbl-x`` (an unknown one is an error)."""
    doc = _doc(state.env)
    for token in state.tokens:
        options = (token.meta or {}).get("cell_options") if token.type == "fence" else None
        if token.type == "figure_open" and "crossref" in token.meta:
            _number_image_caption(state.tokens, token, doc.crossrefs[token.meta["crossref"]])
        elif token.type == "container_callout_open" and "crossref" in token.meta and "caption" in token.meta:
            token.meta["caption"].children.insert(0, _number_token(doc.crossrefs[token.meta["crossref"]]))
        elif isinstance(options, CellOptions) and options.label in doc.crossrefs:
            target = doc.crossrefs[options.label]
            caption = f"{target.name}: {options.fig_cap}" if options.fig_cap else target.name
            token.meta["cell_options"] = replace(options, fig_cap=caption, fig_alt=options.fig_alt or options.fig_cap)
    for child, parent, offset in _inline_children(state.tokens):
        if child.type != "crossref":
            continue
        label = child.meta["label"]
        if label not in doc.crossrefs:
            raise _unknown(doc, label, doc.line(parent, offset))
        child.meta["target"] = doc.crossrefs[label]
        child.content = doc.crossrefs[label].name  # alt text shows "Figure 2", as the page does


def _number_image_caption(tokens: list[Token], opening: Token, target: Target) -> None:
    index = tokens.index(opening)
    inline = tokens[index + 1]
    children = inline.children or []
    for at, child in enumerate(children):
        if child.type == "figcaption_open":
            children.insert(at + 1, _number_token(target))
            return
    inline.children = [
        *children,
        Token("figcaption_open", "figcaption", 1),
        _number_token(target, colon=False),
        Token("figcaption_close", "figcaption", -1),
    ]


def _number_token(target: Target, colon: bool = True) -> Token:
    return Token("crossref_number", "", 0, meta={"text": target.name + (":" if colon else ""), "space": colon})


def _unknown(doc: _DocState, label: str, line: int | None) -> ContentError:
    near = difflib.get_close_matches(label, list(doc.crossrefs), n=1, cutoff=0.7)
    known = ", ".join(sorted(doc.crossrefs)) or "none"
    kind = KINDS[label.split("-", 1)[0]].lower()
    how = (
        f"caption the table with ': Caption {{#{label}}}' on the line after it"
        if kind == "table"
        else f"label the figure: '![Caption](x.png){{#{label}}}', or '#| label: {label}' in a cell"
    )
    return doc.error(
        line,
        f"reference to unknown {kind} '@{label}'" + (f"; did you mean '@{near[0]}'?" if near else ""),
        f"{how}; labels in this post: {known}",
    )


# --------------------------------------------------------------------------
# Render rules


def render_crossref(self: RendererHTML, tokens: Sequence[Token], idx: int, options: OptionsDict, env: EnvType) -> str:
    label = tokens[idx].meta["label"]
    target: Target = tokens[idx].meta["target"]
    return f'<a class="crossref" href="#{escape(label)}">{escape(target.name)}</a>'


def render_number(self: RendererHTML, tokens: Sequence[Token], idx: int, options: OptionsDict, env: EnvType) -> str:
    meta = tokens[idx].meta
    return f'<span class="figure-number">{escape(meta["text"])}</span>' + (" " if meta["space"] else "")


RENDER_RULES = {"crossref": render_crossref, "crossref_number": render_number}
