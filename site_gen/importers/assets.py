"""Images and other files a post links to: found in the old site, copied beside the new post.

A link may be relative to the post, absolute from the old site's root (Jekyll's
``/assets/img/x.png``, Hugo's ``static/``), or written with a template prefix
already removed (``{{ site.baseurl }}/images/x.png``). Each file found inside
SRC is copied into the post's bundle folder and the link becomes its bare
name, so ``![plot](plot.png)`` works wherever the site is served. A link to
another imported post is rewritten to its new address. Anything that cannot be
found is kept as written and reported.
"""

from __future__ import annotations

import posixpath
import re
from pathlib import Path
from urllib.parse import unquote

from .context import PostContext
from .markup import line_at

_MD_LINK = re.compile(r"(!?)\[((?:[^\[\]]|\[[^\[\]]*\])*)\]\(\s*(<[^>\n]*>|[^()\s]*(?:\([^()\s]*\)[^()\s]*)*)([^)]*)\)")
_REF_DEF = re.compile(r"^( {0,3}\[[^\]]+\]:[ \t]*)(<[^>\n]*>|\S+)", re.M)
_HTML_URL = re.compile(r"""(\b(?:src|href|poster|data-src)\s*=\s*)(["'])([^"'<>]*)\2""", re.I)
_PAGE_SUFFIXES = ("", ".html", ".htm", ".md", ".markdown")


def rewrite(text: str, ctx: PostContext) -> str:
    """Every local link of ``text`` pointing at a file or post of the old site, rewritten."""

    def md(match: re.Match[str]) -> str:
        url = match.group(3)
        bare = url[1:-1] if url.startswith("<") else url
        new = _new_link(bare, ctx, line_at(text, match.start(), ctx.first_line), image=bool(match.group(1)))
        return f"{match.group(1)}[{match.group(2)}]({_wrap(new)}{match.group(4)})"

    def ref(match: re.Match[str]) -> str:
        url = match.group(2).strip("<>")
        return match.group(1) + _wrap(_new_link(url, ctx, line_at(text, match.start(), ctx.first_line)))

    def html(match: re.Match[str]) -> str:
        line = line_at(text, match.start(), ctx.first_line)
        image = not match.group(1).lower().startswith("href")
        return f"{match.group(1)}{match.group(2)}{_new_link(match.group(3), ctx, line, image=image)}{match.group(2)}"

    return _HTML_URL.sub(html, _REF_DEF.sub(ref, _MD_LINK.sub(md, text)))


def _wrap(url: str) -> str:
    return f"<{url}>" if " " in url else url


def is_local(url: str) -> bool:
    return bool(url) and not re.match(r"^([a-z][a-z0-9+.-]*:|//|#|\{|\ue000)", url, re.I)


def _new_link(url: str, ctx: PostContext, line: int, *, image: bool = False) -> str:
    own = ctx.site.base_url
    if own and url.startswith(own):  # a full link to the old site itself: as good as a local one
        rewritten = _new_link(ctx.site.base_path + url[len(own) :], ctx, line, image=image)
        return rewritten if rewritten != ctx.site.base_path + url[len(own) :] else url
    if not is_local(url):
        return url
    cut = min((i for i in (url.find("?"), url.find("#")) if i >= 0), default=len(url))
    path, suffix = url[:cut], url[cut:]
    moved = _moved_post(path, ctx)
    if moved is not None:
        return moved + suffix
    found = find(path, ctx)
    if found is not None and found.suffix.lower() not in _PAGE_SUFFIXES[1:]:
        return ctx.asset_prefix + bundle_name(found, ctx) + suffix
    if found is None and (image or posixpath.splitext(path)[1].lower() not in _PAGE_SUFFIXES):
        ctx.warn(line, f"file not found in SRC: '{path}' (link kept as written)")
    return url


def _moved_post(path: str, ctx: PostContext) -> str | None:
    """The new URL of an imported post that ``path`` (an old URL or a source file) names."""
    candidates = [path, unquote(path)]
    if not path.startswith("/"):
        own = "/" + ctx.rel.parent.as_posix() + "/" if ctx.rel.parent.as_posix() != "." else "/"
        candidates.append(posixpath.normpath(own + path))
    for candidate in candidates:
        stripped = _strip_base(candidate, ctx)
        for key in (stripped, stripped.rstrip("/") + "/", stripped.removesuffix(".html"), stripped.lstrip("/")):
            if key in ctx.new_urls:
                return ctx.new_urls[key]
    return None


def _strip_base(path: str, ctx: PostContext) -> str:
    base = ctx.site.base_path.rstrip("/")
    if base and (path == base or path.startswith(base + "/")):
        return path[len(base) :] or "/"
    return path


def find(path: str, ctx: PostContext) -> Path | None:
    """The file of the old site that ``path`` names, if it is inside SRC."""
    path = unquote(path)
    if not path:
        return None
    if path.startswith("/"):
        stripped = _strip_base(path, ctx).lstrip("/")
        candidates = [root / stripped for root in ctx.roots]
    else:
        candidates = [ctx.path.parent / path, *(root / path for root in ctx.roots)]
    src = ctx.src.resolve()
    for candidate in candidates:
        try:
            real = candidate.resolve()
        except (OSError, RuntimeError):
            continue
        if real.is_file() and real.is_relative_to(src):
            return real
    return None


def bundle_name(found: Path, ctx: PostContext) -> str:
    """A file name in the post's bundle; a clash with another file gets its folder's name in front."""
    name = _safe_name(found.name)
    parent = found.parent
    while name in ctx.assets and ctx.assets[name] != found:
        name = _safe_name(f"{parent.name}-{name}")
        parent = parent.parent
    ctx.assets[name] = found
    return name


def _safe_name(name: str) -> str:
    # The build ignores names starting with "_" or ".", so those characters go.
    return re.sub(r"[^\w.+-]+", "-", name).strip("-._") or "file"
