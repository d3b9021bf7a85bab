"""Pelican sites: ``Key: value`` headers, ``{static}`` links and liquid_tags.

Posts are the Markdown files under the content folder (``PATH`` in
``pelicanconf.py``, ``content/`` by default); reStructuredText is reported, not
converted. Pelican's slug comes from the title unless ``Slug:`` is set, and the
old address from ``ARTICLE_URL``. The liquid_tags plugin's ``{% notebook %}``
either makes the post a notebook (a post that is nothing but the notebook) or
inlines the cells it names; ``{% video %}``, ``{% youtube %}``, ``{% img %}``
and ``{% include_code %}`` become the HTML or fence they stand for.
"""

from __future__ import annotations

import ast
import base64
import html
import re
from pathlib import Path
from typing import Any

from ..content import slugify
from . import assets, crossref, includes, kramdown, notebooks
from .context import PostContext, SiteInfo
from .frontmatter import parse_date, split_pelican
from .macros import find_mathjax_macros
from .markup import Shield, html_comment, line_at, read_source
from .posts import Converted, Source, new_slug, our_meta
from .report import Report

NAME = "pelican"
MARKDOWN_SUFFIXES = (".md", ".markdown", ".mkd", ".mdown")
_SETTING = re.compile(r"^([A-Z_]+)\s*=\s*(.+?)\s*$", re.M)
_TAG = re.compile(r"\{%\s*(\w+)\s+(.*?)\s*%\}", re.S)
_LINK_PREFIX = re.compile(r"(\{(?:static|attach|filename)\}|\|(?:static|attach|filename)\|)/?")
_TOC_MARKER = re.compile(r"^\[TOC\][ \t]*$", re.M)
_CELLS = re.compile(r"cells\[\s*(-?\d*)\s*:\s*(-?\d*)\s*\]")
_EXT_LANG = {".py": "python", ".sh": "bash", ".js": "javascript", ".c": "c", ".cpp": "cpp", ".r": "r", ".jl": "julia"}


def site_info(src: Path, report: Report) -> SiteInfo:
    settings = _settings(src)
    url = str(settings.get("SITEURL") or "").rstrip("/")
    path = "/" + url.split("://", 1)[-1].partition("/")[2].strip("/") if "://" in url else "/"
    return SiteInfo(
        title=str(settings.get("SITENAME") or ""),
        base_url=url + "/" if "://" in url else "",
        base_path=path.rstrip("/") + "/",
        permalink=str(settings.get("ARTICLE_URL") or "{slug}.html"),
        macros=find_mathjax_macros(src),
        feed="/" + str(settings.get("FEED_ALL_ATOM") or "feeds/all.atom.xml").lstrip("/"),
        settings=settings,
    )


def _settings(src: Path) -> dict[str, Any]:
    """Literal settings of ``pelicanconf.py`` (then ``publishconf.py``); the file is read, never run."""
    found: dict[str, Any] = {}
    for name in ("pelicanconf.py", "publishconf.py"):
        path = src / name
        if not path.is_file():
            continue
        for match in _SETTING.finditer(path.read_text(encoding="utf-8", errors="replace")):
            try:
                found[match.group(1)] = ast.literal_eval(match.group(2))
            except (ValueError, SyntaxError):
                continue
    return found


def content_dir(src: Path, site: SiteInfo) -> Path:
    return src / str(site.settings.get("PATH") or "content")


def roots(src: Path, source: Source) -> tuple[Path, ...]:
    return (source.path.parent, src / "content", src)


def sources(src: Path, site: SiteInfo, report: Report) -> list[Source]:
    content = content_dir(src, site)
    found = []
    for path in sorted(content.rglob("*")) if content.is_dir() else []:
        if not path.is_file() or any(part.startswith((".", "_")) for part in path.relative_to(src).parts):
            continue
        if path.suffix.lower() == ".rst":
            report.warn(path.relative_to(src), 1, "reStructuredText post not imported: convert it to Markdown")
            continue
        if path.suffix.lower() not in MARKDOWN_SUFFIXES:
            continue
        text = read_source(path, src, report)
        if text is None:
            continue
        header = split_pelican(text)
        meta = header.meta
        slug = new_slug(str(meta.get("slug") or slugify(str(meta.get("title") or path.stem))))
        found.append(Source(path=path, header=header, slug=slug, old_url=_old_url(site.permalink, meta, slug)))
    return found


def _old_url(pattern: str, meta: dict[str, Any], slug: str) -> str:
    when = parse_date(meta.get("date"))
    values: dict[str, Any] = {"slug": slug, "category": slugify(str(meta.get("category") or "misc")), "lang": "en"}
    try:
        return "/" + pattern.format(date=when, **values) if when else "/" + pattern.format(**values)
    except (KeyError, ValueError, IndexError, AttributeError):
        return "/" + slug + ".html"


def convert(source: Source, ctx: PostContext) -> Converted:
    notebook = _notebook_only(source, ctx)
    if notebook is not None:
        return notebook
    shield = Shield()
    # {static}/x.png and {filename}/x.md name files from the content folder, which is a folder of SRC here.
    content = "/" + content_dir(ctx.src, ctx.site).relative_to(ctx.src).as_posix()
    text = shield.code(_LINK_PREFIX.sub(content + "/", source.header.body))
    text = kramdown.abbreviations(_TOC_MARKER.sub(lambda m: _toc(m, text, ctx), text), ctx)
    text = crossref.equations(_TAG.sub(lambda m: _tag(m, text, ctx, shield), text))
    text = assets.rewrite(text, ctx)
    meta, body = our_meta(source, ctx, shield.restore(text), comma_tags=True)
    return Converted(source, meta, body, assets=ctx.assets, generated=ctx.generated)


def _toc(match: re.Match[str], text: str, ctx: PostContext) -> str:
    ctx.warn(line_at(text, match.start(), ctx.first_line), "'[TOC]' removed: every page here shows its own")
    return ""


def _tag(match: re.Match[str], text: str, ctx: PostContext, shield: Shield) -> str:
    name, args = match.group(1), match.group(2)
    line = line_at(text, match.start(), ctx.first_line)
    if name == "notebook":
        return shield.hide(_inline_notebook(args, ctx, line))
    if name == "include_code":
        return shield.hide(_include_code(args, ctx, line))
    if name in ("video", "youtube", "vimeo", "img"):
        return _media(name, args.split(), ctx, line)
    ctx.warn(line, f"liquid_tags tag not converted: '{{% {name} %}}' (kept as a comment)")
    return html_comment(match.group())


def _media(name: str, parts: list[str], ctx: PostContext, line: int) -> str:
    if name == "youtube":
        return includes.youtube(parts[0] if parts else "")
    if name == "vimeo":
        ctx.warn(line, "vimeo embed shown as a link")
        return f"[Vimeo video](https://vimeo.com/{parts[0] if parts else ''})"
    if name == "video":
        src = html.escape(parts[0] if parts else "")
        poster = f' poster="{html.escape(parts[3])}"' if len(parts) > 3 else ""
        return f'\n\n<video controls src="{src}"{poster}></video>\n\n'
    words = [p for p in parts if not re.fullmatch(r"\d+(px|%)?", p)]
    if words and not re.match(r"^(/|\w+:|\.)|\.\w+$", words[0]):
        words = words[1:]  # the optional class before the URL
    src = words[0] if words else ""
    title = " ".join(words[1:]).strip("\"'")
    return includes.image(src, title)


def _notebook_path(args: str, ctx: PostContext) -> Path | None:
    written = args.split()[0] if args.split() else ""
    folder = content_dir(ctx.src, ctx.site) / str(ctx.site.settings.get("NOTEBOOK_DIR") or "notebooks")
    for candidate in (folder / written, content_dir(ctx.src, ctx.site) / written, ctx.path.parent / written):
        if candidate.is_file() and candidate.resolve().is_relative_to(ctx.src.resolve()):
            return candidate
    return None


def _cells(args: str, notebook: dict[str, Any]) -> list[dict[str, Any]]:
    match = _CELLS.search(args)
    cells: list[dict[str, Any]] = notebook["cells"]
    if not match:
        return cells
    start, stop = (int(x) if x else None for x in match.groups())
    return cells[start:stop]


def _notebook_only(source: Source, ctx: PostContext) -> Converted | None:
    """A post that is nothing but ``{% notebook x.ipynb %}`` becomes that notebook, as an ``.ipynb`` post."""
    match = re.fullmatch(r"\s*\{%\s*notebook\s+(.*?)\s*%\}\s*", source.header.body, re.S)
    if not match:
        return None
    path = _notebook_path(match.group(1), ctx)
    notebook = notebooks.load(path) if path is not None else None
    if notebook is None:
        return None
    notebook["cells"] = _cells(match.group(1), notebook)
    meta, _ = our_meta(source, ctx, "", comma_tags=True)
    notebook["cells"].insert(0, notebooks.front_matter_cell(meta))
    return Converted(source, meta, notebooks.dumps(notebook), ".ipynb")


def _inline_notebook(args: str, ctx: PostContext, line: int) -> str:
    """The cells of a notebook, inside the post: Markdown as it is, code as display fences, text outputs below."""
    path = _notebook_path(args, ctx)
    notebook = notebooks.load(path) if path is not None else None
    if notebook is None:
        ctx.warn(line, f"notebook not found or not readable: '{args.split()[0] if args.split() else ''}'")
        return html_comment(f"{{% notebook {args} %}}")
    parts = []
    for cell in _cells(args, notebook):
        text = notebooks.source_text(cell).strip("\n")
        if cell.get("cell_type") == "markdown" and text:
            parts.append(text)
        elif cell.get("cell_type") == "code" and text:
            parts.append(f"```python\n{text}\n```")
            parts += _outputs(cell, ctx, args.split()[0])
    return "\n\n".join(parts)


def _outputs(cell: dict[str, Any], ctx: PostContext, notebook: str) -> list[str]:
    """A code cell's stored outputs: text as plain blocks, images as files in the post's bundle."""
    shown = []
    for output in cell.get("outputs", []):
        data = output.get("data", {})
        image = next((kind for kind in ("image/png", "image/svg+xml") if kind in data), None)
        text = output.get("text") or data.get("text/plain")
        if image is not None:
            shown.append(_image_output(data[image], image, ctx, notebook))
        elif text:
            body = "".join(text) if isinstance(text, list) else str(text)
            shown.append("```text\n" + body.rstrip("\n") + "\n```")
    return shown


def _image_output(value: Any, kind: str, ctx: PostContext, notebook: str) -> str:
    raw = "".join(value) if isinstance(value, list) else str(value)
    data = raw.encode("utf-8") if kind == "image/svg+xml" else base64.b64decode(raw, validate=False)
    name = f"{Path(notebook).stem}-output-{len(ctx.generated) + 1}.{'svg' if kind == 'image/svg+xml' else 'png'}"
    ctx.generated[name] = data
    return f"![Output of the cell above]({ctx.asset_prefix}{name})"


def _include_code(args: str, ctx: PostContext, line: int) -> str:
    parts = args.split()
    written = parts[0] if parts else ""
    folder = content_dir(ctx.src, ctx.site) / str(ctx.site.settings.get("CODE_DIR") or "code")
    path = folder / written
    if not path.is_file() or not path.resolve().is_relative_to(ctx.src.resolve()):
        ctx.warn(line, f"include_code file not found: '{written}'")
        return html_comment(f"{{% include_code {args} %}}")
    lang = next((p.split(":", 1)[1] for p in parts if p.startswith("lang:")), _EXT_LANG.get(path.suffix, ""))
    title = " ".join(p for p in parts[1:] if not p.startswith(("lang:", "lines:"))).strip("\"'") or path.name
    code = path.read_text(encoding="utf-8", errors="replace").rstrip("\n")
    ticks = "````" if "```" in code else "```"
    return f'{ticks}{lang} {{filename="{title}"}}\n{code}\n{ticks}'
