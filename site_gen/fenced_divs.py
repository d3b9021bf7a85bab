"""Pandoc's fenced divs (``::: {#id .class key="value"}``), as Quarto uses them.

Callouts are one kind of ``:::`` block; Quarto posts use the same fence for
layout too, and a post should build as Quarto wrote it:

==============================  ==========================================
``{.callout-tip #id collapse}``  a callout (collapsible as ``<details>``),
                                titled by ``title=`` or its first heading
``{.column-margin}``, ``{.aside}``  an ``<aside class="margin-note">``
``{.panel-tabset}``             tabs, one per heading inside, that switch
                                with CSS alone (radio buttons and labels)
``{.content-visible …}``        shown or left out by ``when-format`` /
``{.content-hidden …}``         ``unless-format``, as for HTML output
``{#fig-x}``, ``{#tbl-x}``      a numbered figure (or table) whose caption is
                                its last paragraph, as in Pandoc
anything else                   ``<div id=… class=…>``, as Pandoc does
==============================  ==========================================

This module parses the braces and plans each block; ``markdown`` turns the
plan into tokens and HTML.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from html import escape

from markdown_it.token import Token

_ATTRIBUTE = re.compile(r"""\s*(?:#([\w:.-]+)|\.([\w:.-]+)|([\w:.-]+)=(?:"([^"]*)"|'([^']*)'|([^\s}]+))|([\w:.-]+))""")
MARGIN_CLASSES = ("column-margin", "aside", "margin")
TABSET_CLASS = "panel-tabset"
MATH_BLOCKS = ("math_block", "math_block_label", "amsmath")
_DEFINITIONS = ("\\newcommand", "\\renewcommand", "\\def", "\\DeclareMathOperator", "\\let", "\\providecommand")
HIDDEN_CLASSES = ("hidden",)  # Quarto's always-hidden div (its math macros still apply)
FIGURE_PREFIXES = ("fig-", "tbl-")  # Pandoc's (and Quarto's) figure divs; ``site_gen.crossrefs`` numbers them
OUTPUT_FORMAT = "html"


@dataclass(frozen=True)
class Attributes:
    """``{#id .a .b key=value}`` as Pandoc reads it."""

    id: str = ""
    classes: tuple[str, ...] = ()
    values: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Plan:
    """What a ``:::`` block becomes: one of callout, margin, tabset, figure, div, unwrap, drop."""

    kind: str
    attributes: Attributes = Attributes()
    callout: str = ""  # for a callout: its kind (tip, note…)
    title: str = ""
    collapse: bool | None = None  # None: not collapsible; True: starts closed


def parse_attributes(text: str) -> Attributes | None:
    """The attributes inside ``{…}``, or None when ``text`` is not a brace group Pandoc would read."""
    text = text.strip()
    if not (text.startswith("{") and text.endswith("}")):
        return None
    inner = text[1:-1]
    ident, classes, values = "", [], {}
    position = 0
    while position < len(inner):
        if not inner[position:].strip():
            break
        found = _ATTRIBUTE.match(inner, position)
        if found is None or found.end() == position:
            return None
        hash_id, cls, key, double, single, bare, flag = found.groups()
        if hash_id:
            ident = hash_id
        elif cls:
            classes.append(cls)
        elif key:
            values[key] = next(v for v in (double, single, bare) if v is not None)
        elif flag:
            values[flag] = ""
        position = found.end()
    return Attributes(ident, tuple(classes), values)


def plan(info: str, callout_kinds: dict[str, str]) -> Plan | None:
    """The plan for a ``:::`` block whose info is a brace group; None leaves it to the callout syntaxes.

    Pandoc also reads one bare word as a class (``::: callout-tip`` is ``::: {.callout-tip}``);
    a bare word that is one of Quarto's classes is read so, while ``::: tip`` stays our callout.
    """
    info = info.strip()
    if _is_quarto_class(info):
        info = "{." + info + "}"
    brace, rest = _split_brace_group(info)
    attributes = parse_attributes(brace)
    if attributes is None or not (attributes.id or attributes.classes):
        return None  # not Pandoc's: MyST's ``{tip} Title`` or our ``tip Title``
    for cls in attributes.classes:
        if cls.startswith("callout-"):
            kind = cls.removeprefix("callout-").lower()
            title = attributes.values.get("title", rest.strip())
            collapse = attributes.values.get("collapse")
            folded = None if collapse is None else collapse.lower() not in ("false", "no")
            return Plan("callout", attributes, kind, title, folded)
    if any(cls in MARGIN_CLASSES for cls in attributes.classes):
        return Plan("margin", attributes)
    if TABSET_CLASS in attributes.classes:
        return Plan("tabset", attributes)
    if attributes.id.startswith(FIGURE_PREFIXES):
        return Plan("figure", attributes)
    if any(cls in HIDDEN_CLASSES for cls in attributes.classes):
        return Plan("drop", attributes)
    if "content-visible" in attributes.classes or "content-hidden" in attributes.classes:
        return Plan("unwrap" if _visible(attributes) else "drop", attributes)
    return Plan("div", attributes)


def _is_quarto_class(word: str) -> bool:
    quarto = word.startswith(("callout-", "column-")) or word in (TABSET_CLASS, "content-visible", "content-hidden")
    return quarto and re.fullmatch(r"[\w-]+", word) is not None


def _split_brace_group(info: str) -> tuple[str, str]:
    """``{…}`` at the start of ``info`` (a ``}`` inside a quoted value does not end it), and what follows."""
    quote = ""
    for at, char in enumerate(info):
        if quote:
            quote = "" if char == quote else quote
        elif char in "\"'":
            quote = char
        elif char == "}":
            return info[: at + 1], info[at + 1 :]
    return info, ""


def _visible(attributes: Attributes) -> bool:
    """Quarto's conditional content, for an HTML page."""
    when = attributes.values.get("when-format")
    unless = attributes.values.get("unless-format")
    applies = (when is None or when == OUTPUT_FORMAT) and (unless is None or unless != OUTPUT_FORMAT)
    return applies if "content-visible" in attributes.classes else not applies


def open_tag(tag: str, attributes: Attributes, *extra_classes: str) -> str:
    """``<tag id=… class=…>`` for a block's attributes (its other keys are Quarto's, not HTML's)."""
    classes = " ".join((*extra_classes, *attributes.classes))
    parts = [tag]
    if attributes.id:
        parts.append(f'id="{escape(attributes.id)}"')
    if classes:
        parts.append(f'class="{escape(classes)}"')
    return "<" + " ".join(parts) + ">"


_DIV_FENCE = re.compile(r"^(\s*)(:{3,})(.*)$")
_CODE_FENCE = re.compile(r"^\s*(`{3,}|~{3,})")


def balance_fences(body: str) -> str:
    """Pandoc's nesting rule for ``:::`` divs, line for line: a bare ``:::`` closes the innermost div,
    however many colons each has. Our parser closes a div at the first ``:::`` as long as its own,
    so each div that holds others is given more colons than they have."""
    if ":::" not in body:  # no div at all: most posts
        return body
    lines = body.split("\n")
    stack: list[list[int]] = []  # [opening line, depth of the divs inside]
    code = ""
    for index, line in enumerate(lines):
        fence = _CODE_FENCE.match(line)
        if code:
            if (
                fence
                and fence.group(1)[0] == code[0]
                and len(fence.group(1)) >= len(code)
                and not line.strip(code[0] + " \t")
            ):
                code = ""
            continue
        if fence:
            code = fence.group(1)
            continue
        div = _DIV_FENCE.match(line)
        if div is None:
            continue
        if div.group(3).strip():
            stack.append([index, 0])
        elif stack:
            opening, inner = stack.pop()
            if inner:
                colons = ":" * (3 + inner)
                lines[index] = div.group(1) + colons
                opened = _DIV_FENCE.match(lines[opening])
                assert opened is not None
                lines[opening] = opened.group(1) + colons + opened.group(3)
            if stack:
                stack[-1][1] = max(stack[-1][1], inner + 1)
    return "\n".join(lines)


Syntax = Callable[[str], Plan]  # the callout syntaxes that are not brace groups: ``::: tip Title``


def apply(tokens: list[Token], callout_kinds: dict[str, str], other_syntax: Syntax) -> list[Token]:
    """Plan every ``:::`` block; drop hidden ones, unwrap conditional ones, turn headings into tabs.

    Each open and close token gets ``meta["plan"]``; a tabset's headings become
    ``tab_open``/``tab_close`` tokens (their inline text is the tab's label).
    """
    out: list[Token] = []
    stack: list[tuple[Token, Plan]] = []
    dropping = 0
    tabsets = 0
    index = 0
    while index < len(tokens):
        token = tokens[index]
        index += 1
        if token.type == "container_callout_open":
            if dropping:
                dropping += 1
                continue
            chosen = plan(token.info, callout_kinds) or other_syntax(token.info)
            if chosen.kind == "drop":
                dropping = 1
                continue
            if chosen.kind == "callout" and not chosen.title and _heading_at(tokens, index, token.level + 1):
                chosen = replace(chosen, title=tokens[index + 1].content)
                index += 3  # the heading is the title, not part of the body
            if chosen.kind == "tabset":
                tabsets += 1
            token.meta = {"plan": chosen, "group": tabsets, "tabs": 0}
            stack.append((token, chosen))
            if chosen.kind != "unwrap":
                out.append(token)
            continue
        if token.type == "container_callout_close":
            if dropping:
                dropping -= 1
                continue
            opening, chosen = stack.pop()
            token.meta = opening.meta
            if chosen.kind == "figure":
                _caption_last_paragraph(out, opening)
            if chosen.kind != "unwrap":
                out.append(token)
            continue
        if dropping:
            if token.type in MATH_BLOCKS and _only_definitions(token.content):
                out.append(token)  # Quarto's hidden macros (``::: {.hidden}`` + ``$$\newcommand…$$``) still apply
            continue
        if stack and stack[-1][1].kind == "tabset" and _heading_at(tokens, index - 1, stack[-1][0].level + 1):
            opening = stack[-1][0]
            opening.meta["tabs"] += 1
            number = (opening.meta["group"], opening.meta["tabs"])
            token.type, token.meta = "tab_open", {"tab": number}
            tokens[index + 1].type, tokens[index + 1].meta = "tab_close", {"tab": number}
        out.append(token)
    return out


def _only_definitions(tex: str) -> bool:
    """Every line of ``tex`` defines a macro (``\\newcommand``, ``\\def``…): it shows nothing anyway."""
    lines = [line.split("%", 1)[0].strip() for line in tex.splitlines()]
    lines = [line for line in lines if line]
    return bool(lines) and all(line.startswith(_DEFINITIONS) or line[0] in "{}" for line in lines)


def _caption_last_paragraph(out: list[Token], opening: Token) -> None:
    """A figure div's last block, when a paragraph, is its caption (Pandoc's rule)."""
    if len(out) < 3 or out[-1].type != "paragraph_close" or out[-1].level != opening.level + 1:
        return
    if out[-3].type != "paragraph_open" or out[-3] is opening:
        return
    out[-3].type, out[-3].tag = "figcaption_open", "figcaption"
    out[-1].type, out[-1].tag = "figcaption_close", "figcaption"
    opening.meta["caption"] = out[-2]  # its inline token: crossrefs writes "Figure 2:" into it


def _heading_at(tokens: list[Token], index: int, level: int) -> bool:
    return (
        index + 2 < len(tokens)
        and tokens[index].type == "heading_open"
        and tokens[index].level == level
        and tokens[index + 1].type == "inline"
    )


def render_open(token: Token, title_html: str) -> str:
    """The opening HTML of a planned block (``title_html``: a callout's escaped title)."""
    chosen: Plan = token.meta["plan"]
    attributes = chosen.attributes
    if chosen.kind == "callout":
        ident = f' id="{escape(attributes.id)}"' if attributes.id else ""
        classes = f"callout callout-{escape(chosen.callout)}"
        if chosen.collapse is None:
            return f'<aside{ident} class="{classes}" role="note">\n<p class="callout-title">{title_html}</p>\n'
        state = "" if chosen.collapse else " open"
        return f'<details{ident} class="{classes}"{state}>\n<summary class="callout-title">{title_html}</summary>\n'
    if chosen.kind == "margin":
        return open_tag("aside", attributes, "margin-note") + "\n"
    if chosen.kind == "tabset":
        return open_tag("div", attributes, "tabset") + "\n"
    if chosen.kind == "figure":
        return open_tag("figure", attributes) + "\n"
    return open_tag("div", attributes) + "\n"


def render_close(token: Token) -> str:
    chosen: Plan = token.meta["plan"]
    if chosen.kind == "callout":
        return "</aside>\n" if chosen.collapse is None else "</details>\n"
    if chosen.kind == "margin":
        return "</aside>\n"
    if chosen.kind == "figure":
        return "</figure>\n"
    if chosen.kind == "tabset" and token.meta["tabs"]:
        return "</div>\n</div>\n"  # the last panel, then the tabset
    return "</div>\n"


def render_tab_open(token: Token) -> str:
    """A tab's radio button and label; the panel before it (if any) closes here."""
    group, number = token.meta["tab"]
    name = f"tabset-{group}"
    checked = " checked" if number == 1 else ""
    before = "" if number == 1 else "</div>\n"
    return (
        f'{before}<input type="radio" class="tab-radio" name="{name}" id="{name}-{number}"{checked}>\n'
        f'<label class="tab-label" for="{name}-{number}">'
    )


def render_tab_close(token: Token) -> str:
    return '</label>\n<div class="tab-panel">\n'
