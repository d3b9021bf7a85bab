"""Distill's custom elements, as al-folio posts use them, in plain Markdown.

``<d-footnote>`` becomes a Markdown footnote, ``<d-math>`` our math, and
``<d-cite key="a,b">`` the cited keys in brackets (the bibliography file is not
imported, which is reported once per post). Without Distill's script these
elements would show nothing, or raw TeX.
"""

from __future__ import annotations

import re

from .context import PostContext
from .includes import footnote
from .markup import Shield, attributes, line_at

_FOOTNOTE = re.compile(r"<d-footnote\b[^>]*>(.*?)</d-footnote>", re.S | re.I)
_CITE = re.compile(r"<d-cite\b([^>]*)>\s*(?:</d-cite>)?", re.I)
_MATH = re.compile(r"<d-math\b([^>]*)>(.*?)</d-math>", re.S | re.I)
_CODE = re.compile(r"<d-code\b([^>]*)>\s*\n?(.*?)\n?\s*</d-code>", re.S | re.I)
_WRAPPERS = re.compile(r"</?d-(?:article|title|byline|appendix|bibliography|toc|contents)\b[^>]*>\n?", re.I)


def convert(text: str, ctx: PostContext, shield: Shield) -> str:
    text = _CODE.sub(lambda m: _code(m, shield), text)
    text = _MATH.sub(lambda m: _math(m, shield), text)
    text = _FOOTNOTE.sub(lambda m: footnote(ctx, f"d{len(ctx.footnotes) + 1}", m.group(1)), text)
    cites = list(_CITE.finditer(text))
    if cites:
        ctx.warn(
            line_at(text, cites[0].start(), ctx.first_line),
            f"Distill citations kept as their keys: {len(cites)} <d-cite> (the bibliography is not imported)",
        )
    text = _CITE.sub(_cite, text)
    return _WRAPPERS.sub("", text)


def _cite(match: re.Match[str]) -> str:
    keys = [key.strip() for key in attributes(match.group(1)).get("key", "").split(",") if key.strip()]
    return "[" + ", ".join(keys) + "]" if keys else ""


def _math(match: re.Match[str], shield: Shield) -> str:
    tex = match.group(2).strip()
    if "block" in match.group(1):
        return "\n\n" + shield.hide(f"$$\n{tex}\n$$") + "\n\n"
    return shield.hide(f"${tex}$" if tex and "$" not in tex else f"\\({tex}\\)")


def _code(match: re.Match[str], shield: Shield) -> str:
    lang = attributes(match.group(1)).get("language", "")
    return "\n\n" + shield.hide(f"```{lang}\n{match.group(2)}\n```") + "\n\n"
