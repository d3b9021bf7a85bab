"""Math in Markdown: the token rules that find, number, convert and render formulas.

``site_gen.markdown`` sets the parser up; this module holds what it does with
math, in the order it happens:

1. **Inline and block rules** find ``\\(…\\)`` and ``\\[…\\]`` (dollar math and
   amsmath environments come from mdit-py-plugins), ``\\eqref{eq:x}`` and ``@eq-x``.
2. **Core rules** number labelled equations, convert every formula to MathML
   (so bad TeX fails with its file and line) and check that references resolve.
3. **Render rules** write the MathML, equation numbers and reference links.

Per-render state (macros defined so far, equation numbers) lives in the
``_DocState`` that ``site_gen.markdown`` keeps in markdown-it's ``env``.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from html import escape
from typing import TYPE_CHECKING

from markdown_it.renderer import RendererHTML
from markdown_it.rules_block import StateBlock
from markdown_it.rules_core import StateCore
from markdown_it.rules_inline import StateInline
from markdown_it.token import Token
from markdown_it.utils import EnvType, OptionsDict
from mdit_py_plugins.amsmath import amsmath_block

from site_gen.errors import ContentWarning
from site_gen.math import TexError, convert, equation_tags, extract_definitions
from site_gen.math.macros import may_define

if TYPE_CHECKING:
    from site_gen.markdown import _DocState

ENV_KEY = "site_gen"  # where site_gen.markdown keeps its _DocState in env
_EQREF_RE = re.compile(r"\\(eqref|ref)\{([^{}\s]+)\}")
_AT_EQ_RE = re.compile(r"@(eq-[\w:-]*\w)")
# Math token types, and whether each is display math.
MATH_TYPES = {
    "math_inline": False,
    "math_inline_double": True,
    "math_block": True,
    "math_block_label": True,
    "amsmath": True,
}


def _doc(env: EnvType) -> _DocState:
    state: _DocState = env[ENV_KEY]
    return state


# --------------------------------------------------------------------------
# Inline and block rules: \( \) \[ \] math, equation references


def _find_close(src: str, start: int, end: int, close: str) -> int:
    """Position of ``\\<close>`` from ``start``, skipping ``\\x`` pairs; -1 if none."""
    i = start
    while i < end - 1:
        if src[i] == "\\":
            if src[i + 1] == close:
                return i
            i += 2
        else:
            i += 1
    return -1


_TOP_LEVEL_ENV_RE = re.compile(r"\\begin\{(?:equation|multline|gather|align|alignat|flalign|eqnarray)\*?\}")


def top_level_amsmath(state: StateBlock, start_line: int, end_line: int, silent: bool) -> bool:
    """Bare ``\\begin{align}`` blocks, but only the displayed-equation environments.

    The plugin also starts a block at a line opening a *matrix*, which is
    nearly always inside ``$…$`` that spans lines; it then swallowed
    everything up to the next ``\\end{bmatrix}``, code fences included.
    """
    if not _TOP_LEVEL_ENV_RE.match(state.src, state.bMarks[start_line] + state.tShift[start_line]):
        return False
    return bool(amsmath_block(state, start_line, end_line, silent))


def _looks_like_math(tex: str) -> bool:
    # "\(\)" and "\[\\\]" are CommonMark escapes, not formulas.
    return any(c.isalnum() for c in tex)


def bracket_math_inline(state: StateInline, silent: bool) -> bool:
    """``\\(x\\)`` inline math and ``\\[x\\]`` display math inside a paragraph."""
    pos, src = state.pos, state.src
    if src[pos] != "\\" or pos + 1 >= state.posMax or src[pos + 1] not in "([":
        return False
    close = ")" if src[pos + 1] == "(" else "]"
    end = _find_close(src, pos + 2, state.posMax, close)
    if end < 0 or not _looks_like_math(src[pos + 2 : end]):
        return False
    if not silent:
        kind = "math_inline" if close == ")" else "math_inline_double"
        token = state.push(kind, "math", 0)
        token.content = src[pos + 2 : end]
        token.markup = src[pos : pos + 2]
    state.pos = end + 2
    return True


def bracket_math_block(state: StateBlock, start_line: int, end_line: int, silent: bool) -> bool:
    """``\\[`` … ``\\]`` display math on lines of its own."""
    if state.sCount[start_line] - state.blkIndent >= 4:
        return False
    begin = state.bMarks[start_line] + state.tShift[start_line]
    if state.src[begin : begin + 2] != "\\[":
        return False
    for line in range(start_line, end_line):
        text = state.src[state.bMarks[line] : state.eMarks[line]].rstrip()
        if text.endswith("\\]") and (line > start_line or len(text.strip()) > 3):
            break
    else:
        return False
    body = state.getLines(start_line, line + 1, state.blkIndent, False).strip()
    tex = body[2:-2]
    if not _looks_like_math(tex):
        return False
    if not silent:
        token = state.push("math_block", "math", 0)
        token.block = True
        token.content = tex
        token.markup = "\\["
        token.map = [start_line, line + 1]
    state.line = line + 1
    return True


def _push_eqref(state: StateInline, label: str, kind: str, end: int) -> None:
    token = state.push("eqref", "a", 0)
    token.meta = {"label": label, "id": label_id(label), "kind": kind}
    token.content = state.src[state.pos : end]
    state.pos = end


def eqref_inline(state: StateInline, silent: bool) -> bool:
    """``\\eqref{eq:x}`` -> "(1)" and ``\\ref{eq:x}`` -> "1", as links."""
    if state.src[state.pos] != "\\":
        return False
    match = _EQREF_RE.match(state.src, state.pos, state.posMax)
    if not match:
        return False
    if silent:
        state.pos = match.end()
    else:
        _push_eqref(state, match.group(2), match.group(1), match.end())
    return True


def at_eqref_inline(state: StateInline, silent: bool) -> bool:
    """Quarto's ``@eq-x``; not after a word character, so e-mails stay text."""
    pos = state.pos
    if state.src[pos] != "@" or (pos > 0 and state.src[pos - 1].isalnum()):
        return False
    match = _AT_EQ_RE.match(state.src, pos, state.posMax)
    if not match:
        return False
    if silent:
        state.pos = match.end()
    else:
        _push_eqref(state, match.group(1), "eqref", match.end())
    return True


def label_id(label: str) -> str:
    """An element id for an equation label: ``eq:loss`` -> ``eq-loss``."""
    return re.sub(r"[^\w-]+", "-", label.strip()).strip("-") or "eq"


# --------------------------------------------------------------------------
# Core rules: number, convert and check, once per parse


def _inline_children(tokens: Sequence[Token]) -> Iterator[tuple[Token, Token, int]]:
    """Every inline child with its parent and its line offset in the parent.

    Children have no ``map``; counting line breaks before them recovers the
    line, so an error in the third line of a paragraph points there.
    """
    for parent in tokens:
        if parent.type != "inline" or not parent.children:
            continue
        offset = 0
        for child in parent.children:
            yield child, parent, offset
            if child.type in ("softbreak", "hardbreak"):
                offset += 1
            elif child.type.startswith("math"):
                offset += child.content.count("\n")


def number_equations(state: StateCore) -> None:
    """Number labelled display equations in document order.

    A label is ``$$ … $$ (eq:x)``, or ``\\label{eq:x}`` in the TeX: of the whole
    formula, or of one row of an ``aligned``/``align`` formula. A ``\\tag{A}``
    shows "(A)" instead of a number.
    """
    doc = _doc(state.env)
    lines: dict[str, int | None] = {}

    def add(token: Token, label: str, tag_text: str | None = None) -> tuple[str, int]:
        eq_id = label_id(label)
        if eq_id in doc.equations:
            raise doc.error(
                doc.line(token),
                f"equation label {label!r} is used twice (first at line {lines[eq_id]})",
                "give each labelled equation its own label",
            )
        doc.equations[eq_id] = len(doc.equations) + 1
        if tag_text:
            doc.tag_texts[eq_id] = tag_text
        lines[eq_id] = doc.line(token)
        return eq_id, doc.equations[eq_id]

    for token in state.tokens:
        if token.type == "math_block_label":
            eq_id, number = add(token, token.info)
            token.meta = {"id": eq_id, "number": number}
        elif token.type in ("math_block", "amsmath"):
            try:
                tags = equation_tags(token.content)
            except TexError:
                continue  # convert_math reports it, with its line
            if tags.whole is not None:
                text = tags.whole.text
                if tags.whole.label is not None:
                    eq_id, number = add(token, tags.whole.label, text)
                    token.meta = {"id": eq_id, "text": text or f"({number})"}
                elif text:
                    token.meta = {"text": text}
            numbers: dict[str, tuple[str, str]] = {}
            for row in tags.rows:
                if row is not None and row.label is not None:
                    eq_id, number = add(token, row.label, row.text)
                    numbers[row.label] = (eq_id, str(number))
            if numbers:
                token.meta = {**(token.meta or {}), "numbers": numbers}


def convert_math(state: StateCore) -> None:
    """TeX -> MathML for every formula, so bad TeX fails with its line."""
    doc = _doc(state.env)
    # In document order: a \newcommand applies from where it is written on.
    lines = {id(c): doc.line(p, offset) for c, p, offset in _inline_children(state.tokens)}
    for token in state.tokens:
        if token.type in MATH_TYPES:
            _convert_one(doc, token, doc.line(token))
        for child in (token.children or []) if token.type == "inline" else []:
            if child.type in MATH_TYPES:
                _convert_one(doc, child, lines[id(child)])
            for part in child.children or [] if child.type == "image" else []:  # ![the $x$-axis](a.png)
                if part.type in MATH_TYPES:
                    _convert_one(doc, part, lines[id(child)])


def _convert_one(doc: _DocState, token: Token, line: int | None) -> None:
    display = MATH_TYPES[token.type]
    try:
        # \newcommand and \def apply from here to the end of the post.
        if may_define(token.content):  # most formulas define nothing (convert checks their braces)
            doc.macros.update(extract_definitions(token.content).macros)
        result = convert(token.content, display=display, macros=doc.macros, numbers=(token.meta or {}).get("numbers"))
    except TexError as err:
        raise doc.error(
            line,
            f"bad TeX in {'display' if display else 'inline'} math: {err.message}",
            f"near {context(token.content, err.message)!r}"
            + (
                "; custom commands must be defined as macros in the site config or front matter"
                if err.message.startswith("unknown TeX command")
                else ""
            ),
        ) from None
    for warning in result.warnings:
        doc.warnings.append(ContentWarning(doc.path, line, f"{warning}, near {context(token.content, warning)!r}"))
    token.meta = {**(token.meta or {}), "mathml": result.mathml}


_COMMAND_RE = re.compile(r"\\[A-Za-z]+\*?")
CONTEXT = 80  # characters of TeX an error shows: enough to find it, never a whole formula


def context(tex: str, message: str) -> str:
    """The part of ``tex`` a message is about: around the command it names, or the start."""
    tex = " ".join(tex.split())
    for command in _COMMAND_RE.findall(message):
        at = tex.find(command)
        if at >= 0:
            start = max(0, at - CONTEXT // 3)
            piece = tex[start : start + CONTEXT]
            return ("…" if start else "") + piece + ("…" if start + CONTEXT < len(tex) else "")
    return tex[:CONTEXT] + ("…" if len(tex) > CONTEXT else "")


def check_eqrefs(state: StateCore) -> None:
    """Every equation reference must name a labelled equation."""
    doc = _doc(state.env)
    for child, parent, offset in _inline_children(state.tokens):
        if child.type == "eqref" and child.meta["id"] not in doc.equations:
            known = ", ".join(sorted(doc.equations)) or "none"
            raise doc.error(
                doc.line(parent, offset),
                f"reference to undefined equation label {child.meta['label']!r}",
                f"label a display equation with '$$ … $$ (eq:name)'; labels defined in this post: {known}",
            )


# --------------------------------------------------------------------------
# Render rules


def render_math_inline(
    self: RendererHTML,
    tokens: Sequence[Token],
    idx: int,
    options: OptionsDict,
    env: EnvType,
) -> str:
    return str(tokens[idx].meta["mathml"])


def render_math_inline_display(
    self: RendererHTML,
    tokens: Sequence[Token],
    idx: int,
    options: OptionsDict,
    env: EnvType,
) -> str:
    # A span, not a div: it sits inside a <p>. CSS makes it a block.
    return f'<span class="math-display">{tokens[idx].meta["mathml"]}</span>'


def render_math_block(
    self: RendererHTML,
    tokens: Sequence[Token],
    idx: int,
    options: OptionsDict,
    env: EnvType,
) -> str:
    meta = tokens[idx].meta
    if not meta["mathml"]:  # only \newcommand/\def: nothing to show
        return ""
    text = meta.get("text") or (f"({meta['number']})" if "number" in meta else "")
    # A formula wider than the column scrolls sideways, and a keyboard scrolls only what it
    # can focus; which formulas overflow depends on the reader's screen, so every one can.
    if not text:
        return f'<div class="math-display" tabindex="0">{meta["mathml"]}</div>\n'
    id_attr = f' id="{escape(meta["id"])}"' if "id" in meta else ""
    number = f'<span class="eq-number">{escape(text)}</span>'
    return f'<div class="math-display"{id_attr} tabindex="0">{meta["mathml"]}{number}</div>\n'


def render_eqref(
    self: RendererHTML,
    tokens: Sequence[Token],
    idx: int,
    options: OptionsDict,
    env: EnvType,
) -> str:
    meta = tokens[idx].meta
    doc = _doc(env)
    text = doc.tag_texts.get(meta["id"]) or f"({doc.equations[meta['id']]})"
    if meta["kind"] != "eqref":
        text = text.removeprefix("(").removesuffix(")")
    return f'<a class="eqref" href="#{escape(meta["id"])}">{text}</a>'
