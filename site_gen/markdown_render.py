"""Render rules: how the tokens of a parsed post become HTML.

``site_gen.markdown`` parses a post and runs the core rules, which check
everything that can fail and leave what rendering needs in the tokens (ids,
MathML, highlighted code, figures). The rules here only read the tokens, and
run once per output: for the site (links resolved against its base path) and
for the feed (absolute URLs); the URL base is in ``env``, as the rest of the
post's state.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from html import escape
from pathlib import Path
from typing import TYPE_CHECKING, Any

from markdown_it.renderer import RendererHTML
from markdown_it.token import Token
from markdown_it.utils import EnvType, OptionsDict

from site_gen import citations, crossrefs, fenced_divs, sidenotes
from site_gen.cells.images import image_size
from site_gen.cells.outputs import render_cell
from site_gen.markdown_math import (
    ENV_KEY,
    MATH_TYPES,
    render_eqref,
    render_math_block,
    render_math_inline,
    render_math_inline_display,
)
from site_gen.math import TexError, to_mathml

if TYPE_CHECKING:
    from site_gen.markdown import _DocState

MORE_MARKER = "<!--more-->"
SCHEME_RE = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*:")
_SOURCE_TEXT = ("citation", "crossref")  # in plain text (ids, alt text, TOC) as their text: "Figure 2"


def _doc(env: EnvType) -> _DocState:
    state: _DocState = env[ENV_KEY]
    return state


def plain_text(children: Sequence[Token] | None) -> str:
    """The readable text of inline tokens (for ids, TOC titles, word counts)."""
    parts: list[str] = []
    for child in children or []:
        if child.type in ("text", "code_inline", *_SOURCE_TEXT) or child.type in MATH_TYPES:
            parts.append(child.content)
        elif child.type in ("softbreak", "hardbreak"):
            parts.append(" ")
        elif child.type == "image":
            parts.append(plain_text(child.children))
    return "".join(parts)


def omit_raw_html(self: RendererHTML, tokens: Sequence[Token], idx: int, options: OptionsDict, env: EnvType) -> str:
    """Raw HTML written in Markdown, replaced by a comment that says it was there (``<!--more-->`` kept)."""
    if tokens[idx].content.strip() == MORE_MARKER:
        return str(tokens[idx].content)
    return "<!-- raw HTML omitted -->" + ("\n" if tokens[idx].type == "html_block" else "")


def render_link_open(
    self: RendererHTML,
    tokens: Sequence[Token],
    idx: int,
    options: OptionsDict,
    env: EnvType,
) -> str:
    token = tokens[idx]
    href = str(token.attrGet("href") or "")
    resolved = token.copy(attrs={**token.attrs, "href": _doc(env).urls.resolve(href)})
    return self.renderToken([resolved], 0, options, env)


def render_image(
    self: RendererHTML,
    tokens: Sequence[Token],
    idx: int,
    options: OptionsDict,
    env: EnvType,
) -> str:
    token = tokens[idx]
    src = str(token.attrGet("src") or "")
    resolved = token.copy(attrs={**token.attrs, "src": _doc(env).urls.resolve(src), **_image_size(_doc(env), src)})
    if any(child.type in MATH_TYPES or child.type in _SOURCE_TEXT for child in token.children or []):
        # Alt text is plain text: math in it is its TeX source, not MathML (a citation, its text).
        resolved.attrs["alt"] = plain_text(token.children)
        return self.renderToken([resolved], 0, options, env)
    return RendererHTML.image(self, [resolved], 0, options, env)


_SIZED = {".png": "png", ".gif": "gif", ".jpg": "jpg", ".jpeg": "jpg", ".svg": "svg"}


def _image_size(doc: _DocState, src: str) -> dict[str, str | int | float]:
    """``width``/``height`` of an image beside the post, read from its header, so the page
    does not jump as it loads; nothing for remote images or files it cannot read."""
    ext = _SIZED.get(Path(src).suffix.lower())
    if ext is None or doc.site_root is None or SCHEME_RE.match(src) or src.startswith(("/", "#")):
        return {}
    file = (doc.site_root / doc.path.parent / src.split("?")[0].split("#")[0]).resolve()
    try:
        if not file.is_relative_to(doc.site_root.resolve()) or file.stat().st_size > _MAX_SIZED_BYTES:
            return {}
        size = image_size(file.read_bytes(), ext)
    except OSError:
        return {}
    return {"width": size[0], "height": size[1]} if size else {}


_MAX_SIZED_BYTES = 32 * 2**20


def render_heading_open(
    self: RendererHTML,
    tokens: Sequence[Token],
    idx: int,
    options: OptionsDict,
    env: EnvType,
) -> str:
    # The anchor is hidden from assistive tech (the heading itself is the
    # landmark) and from the tab order; it is a mouse convenience for copying.
    slug = escape(str(tokens[idx].attrGet("id")))
    anchor = f'<a class="anchor" href="#{slug}" aria-hidden="true" tabindex="-1">#</a>'
    return self.renderToken(tokens, idx, options, env) + anchor


def render_callout_open(
    self: RendererHTML, tokens: Sequence[Token], idx: int, options: OptionsDict, env: EnvType
) -> str:
    plan: fenced_divs.Plan = tokens[idx].meta["plan"]
    return fenced_divs.render_open(tokens[idx], escape(plan.title))


def render_callout_close(
    self: RendererHTML, tokens: Sequence[Token], idx: int, options: OptionsDict, env: EnvType
) -> str:
    return fenced_divs.render_close(tokens[idx])


def render_tab_open(self: RendererHTML, tokens: Sequence[Token], idx: int, options: OptionsDict, env: EnvType) -> str:
    return fenced_divs.render_tab_open(tokens[idx])


def render_tab_close(self: RendererHTML, tokens: Sequence[Token], idx: int, options: OptionsDict, env: EnvType) -> str:
    return fenced_divs.render_tab_close(tokens[idx])


def render_fence(
    self: RendererHTML,
    tokens: Sequence[Token],
    idx: int,
    options: OptionsDict,
    env: EnvType,
) -> str:
    meta = tokens[idx].meta
    if "cell_options" not in meta:
        return str(meta["html"])
    doc = _doc(env)

    def latex(tex: str) -> str | None:
        try:
            return to_mathml(tex, display=True, macros=doc.macros)
        except TexError:
            return None  # shown as its text/plain form instead

    return render_cell(meta["html"], meta["cell_result"], meta["cell_options"], url=doc.urls.resolve, latex=latex)


def render_nothing(*args: Any) -> str:
    return ""  # a diagram reference's paragraph close: the figure is already complete


RENDER_RULES = {
    "link_open": render_link_open,
    "image": render_image,
    "heading_open": render_heading_open,
    "container_callout_open": render_callout_open,
    "container_callout_close": render_callout_close,
    "tab_open": render_tab_open,
    "raw_other": lambda *args: "",
    "tab_close": render_tab_close,
    "fence": render_fence,
    "diagram": render_fence,
    "diagram_close": render_nothing,
    "math_inline": render_math_inline,
    "math_inline_double": render_math_inline_display,
    "math_block": render_math_block,
    "math_block_label": render_math_block,
    "amsmath": render_math_block,
    "eqref": render_eqref,
    **citations.RENDER_RULES,
    **crossrefs.RENDER_RULES,
    **sidenotes.RENDER_RULES,
}
