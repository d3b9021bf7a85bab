"""Jekyll includes: the common ones rewritten as Markdown, the site's own inlined when they are plain.

Themes ship includes for figures, call-out boxes, videos and side notes. Their
files hold Liquid logic (``{% if include.caption %}``) that would be nonsense
pasted into a post, so the well-known ones are converted by what they mean.
Any other include found under ``SRC/_includes`` is inlined when it is plain
text with ``{{ include.x }}`` parameters; one with logic, or one that is not
there, is reported and kept as a comment.
"""

from __future__ import annotations

import html
import re
from collections.abc import Callable

from .context import PostContext
from .markup import html_comment

_INCLUDE_PARAM = re.compile(r"\{\{-?\s*include\.([\w-]+)\s*(?:\|[^}]*)?-?\}\}")
_YOUTUBE_ID = re.compile(r"(?:youtu\.be/|[?&]v=|/embed/|/shorts/)([\w-]{6,})")
_CALLOUTS = {"alert": "warning", "warning": "warning", "info": "note", "note": "note", "important": "important",
             "tip": "tip", "caution": "caution", "danger": "caution", "notice": "note"}  # fmt: skip


def expand(name: str, values: dict[str, str], ctx: PostContext, line: int, written: str) -> str:
    """The Markdown for ``{% include name key="value" %}`` (``written``: the tag as it was, to keep if need be)."""
    stem = re.sub(r"\.(html|liquid|md)$", "", name.strip("\"'"))
    known = _KNOWN.get(stem)
    if known is not None:
        return known(values, ctx, line)
    if stem in _CALLOUTS:
        return callout(_CALLOUTS[stem], values.get("text") or values.get("content", ""))
    return _inline(name.strip("\"'"), values, ctx, line, written)


def callout(kind: str, text: str) -> str:
    return f"\n::: {kind}\n{text.strip()}\n:::\n"


def image(src: str, caption: str = "", alt: str = "", *, from_root: bool = False) -> str:
    """An image alone in its paragraph (our figures take the title as the caption).

    ``from_root``: the theme's includes take paths from the site root (``assets/img/x.png``).
    """
    if not src:
        return ""
    caption = " ".join(caption.split())
    title = ' "' + caption.replace('"', "&quot;") + '"' if caption else ""
    alt_text = (alt or caption or "").replace("[", "(").replace("]", ")")
    return f"\n\n![{alt_text}]({_url(src, from_root)}{title})\n\n"


def youtube(url: str) -> str:
    """A privacy-friendlier embed; works without our JavaScript, like the rest of the page."""
    match = _YOUTUBE_ID.search(url)
    video = match.group(1) if match else url.rsplit("/", 1)[-1]
    return (
        f'\n\n<iframe width="560" height="315" src="https://www.youtube-nocookie.com/embed/{html.escape(video)}" '
        'title="YouTube video" allowfullscreen></iframe>\n\n'
    )


def footnote(ctx: PostContext, key: str, text: str) -> str:
    """A side note or Distill footnote, as a Markdown footnote defined at the end of the post."""
    label = re.sub(r"[^\w-]+", "-", key).strip("-") or f"note-{len(ctx.footnotes) + 1}"
    while any(definition.startswith(f"[^{label}]:") for definition in ctx.footnotes):
        label += "-"
    ctx.footnotes.append(f"[^{label}]: " + " ".join(text.split()))
    return f"[^{label}]"


def _url(src: str, from_root: bool = False) -> str:
    src = src.strip().replace(" ", "%20")
    if not from_root or re.match(r"^[a-z][a-z0-9+.-]*:|^/|^\.", src, re.I):
        return src
    return "/" + src


def _figure(values: dict[str, str], ctx: PostContext, line: int) -> str:
    src = values.get("path") or values.get("url") or values.get("src") or values.get("file", "")
    if src.endswith((".mp4", ".webm", ".mov")):
        return _video(values, ctx, line)
    return image(src, values.get("caption") or values.get("title", ""), values.get("alt", ""), from_root=True)


def _image(values: dict[str, str], ctx: PostContext, line: int) -> str:
    src = values.get("url") or values.get("file") or values.get("src") or values.get("path", "")
    caption = values.get("caption") or values.get("description") or values.get("title", "")
    return image(src, caption, values.get("alt", ""), from_root=True)


def _video(values: dict[str, str], ctx: PostContext, line: int) -> str:
    src = values.get("path") or values.get("url") or values.get("src", "")
    return f'\n\n<video controls src="{html.escape(_url(src, from_root=True))}"></video>\n\n'


def _youtube(values: dict[str, str], ctx: PostContext, line: int) -> str:
    return youtube(values.get("content") or values.get("id") or values.get("url", ""))


def _sidenote(values: dict[str, str], ctx: PostContext, line: int) -> str:
    return footnote(ctx, values.get("id", ""), values.get("note") or values.get("text", ""))


def _toc(values: dict[str, str], ctx: PostContext, line: int) -> str:
    ctx.warn(line, "table-of-contents include removed: every page here shows its own")
    return ""


_KNOWN: dict[str, Callable[[dict[str, str], PostContext, int], str]] = {
    "figure": _figure,
    "image": _image,
    "img": _image,
    "screenshot": _image,
    "marginfigure": _image,
    "maincolumn_img": _image,
    "fullwidth": _image,
    "video": _video,
    "youtube": _youtube,
    "sidenote": _sidenote,
    "marginnote": _sidenote,
    "toc": _toc,
}


def _inline(name: str, values: dict[str, str], ctx: PostContext, line: int, written: str) -> str:
    """A site's own include: pasted in when it is plain text, otherwise kept as a comment."""
    path = ctx.src / "_includes" / name
    if not path.is_file() or not path.resolve().is_relative_to(ctx.src.resolve()):
        ctx.warn(line, f"include not found under _includes/: '{name}' (kept as a comment)")
        return html_comment(written)
    text = path.read_text(encoding="utf-8", errors="replace")
    if "{%" in text:
        ctx.warn(line, f"include '{name}' has Liquid logic and was not inlined (kept as a comment)")
        return html_comment(written)
    return _INCLUDE_PARAM.sub(lambda m: values.get(m.group(1), ""), text).strip("\n")
