"""Footnotes in the margin (``footnotes: margin``), Tufte-style, with CSS alone.

CSS can only place a note beside its reference if the note's text is *at*
the reference in the page. So in this mode each footnote reference is
followed by a ``<span class="sidenote">`` holding the footnote's text; the
stylesheet floats it into the right margin on wide screens and folds it
under the line on narrow ones. The usual list at the bottom stays in the
page, ``hidden``, so the footnote rules and ids are unchanged.

Feed readers have no stylesheet: feed entries keep ordinary footnotes.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from markdown_it.renderer import RendererHTML
from markdown_it.rules_core import StateCore
from markdown_it.token import Token
from markdown_it.utils import EnvType, OptionsDict
from mdit_py_plugins.footnote.index import render_footnote_block_open, render_footnote_ref

from site_gen.markdown_math import ENV_KEY

if TYPE_CHECKING:
    from site_gen.markdown import _DocState

FOOTNOTE_MODES = ("bottom", "margin")
_WRITING = "site_gen_sidenotes_writing"  # env key: the footnotes whose sidenote is being rendered


def _doc(env: EnvType) -> _DocState:
    state: _DocState = env[ENV_KEY]
    return state


def collect_sidenotes(state: StateCore) -> None:
    """Remember each footnote's paragraphs, to repeat them beside the reference."""
    doc = _doc(state.env)
    if not doc.margin_footnotes:
        return
    current: int | None = None
    for token in state.tokens:
        if token.type == "footnote_open":
            current = token.meta["id"]
            doc.sidenotes[current] = []
        elif token.type == "footnote_close":
            current = None
        elif current is not None and token.type == "inline":
            doc.sidenotes[current].append(token)


def _in_margin(env: EnvType) -> bool:
    doc = _doc(env)
    return doc.margin_footnotes and not doc.for_feed


def render_ref(self: RendererHTML, tokens: Sequence[Token], idx: int, options: OptionsDict, env: EnvType) -> str:
    """The reference, then (the first time) the note itself, for the stylesheet to move to the margin."""
    if not _in_margin(env):
        return render_footnote_ref(self, tokens, idx, options, env)
    meta = tokens[idx].meta
    number = str(meta["id"] + 1)
    ref = f'<sup class="footnote-ref sidenote-ref">{number}</sup>'
    writing: set[int] = env.setdefault(_WRITING, set())  # the notes being written: a note may cite another
    if meta.get("subId", 0) > 0 or meta["id"] in writing:
        return ref  # a second reference to the same note: the note is already beside the first
    writing.add(meta["id"])
    inlines = _doc(env).sidenotes.get(meta["id"], [])
    body = " ".join(part for part in (self.renderInline(i.children or [], options, env) for i in inlines) if part)
    writing.discard(meta["id"])
    return f'{ref}<span class="sidenote" role="note"><span class="sidenote-number">{number}</span> {body}</span>'


def render_block_open(self: RendererHTML, tokens: Sequence[Token], idx: int, options: OptionsDict, env: EnvType) -> str:
    """The bottom list, hidden when every note is already beside its reference."""
    if not _in_margin(env):
        return render_footnote_block_open(self, tokens, idx, options, env)
    return '<section class="footnotes" hidden>\n<ol class="footnotes-list">\n'


RENDER_RULES = {"footnote_ref": render_ref, "footnote_block_open": render_block_open}
