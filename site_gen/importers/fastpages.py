"""fastpages blogs: Jekyll underneath, with notebooks and Word files as posts.

Markdown posts in ``_posts/`` read as Jekyll's (fastpages' includes for alert,
info and YouTube boxes are among the known ones). Notebooks in ``_notebooks/``
carry their front matter in the first Markdown cell: ``# Title``, ``> summary``
and ``- key: value`` lines; cells flagged ``#hide``, ``#hide_input`` or
``#collapse…`` get our cell options. ``> Note: …`` blockquotes (fastpages' and
nbdev's call-out shorthand) become callouts. Word documents in ``_word/`` are
reported, not converted.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import yaml

from . import jekyll, notebooks
from .context import PostContext, SiteInfo
from .frontmatter import Header, date_from_name
from .markup import Shield
from .posts import Converted, Source, new_slug, our_meta
from .report import Report

NAME = "fastpages"
_NOTE = re.compile(r"^>[ \t]*(Note|Tip|Important|Warning|Caution):[ \t]*(.*(?:\n>.*)*)", re.M | re.I)
_HEADER_KEY = re.compile(r"^-[ \t]+([\w-]+):[ \t]*(.*)$")
_FLAGS = {
    "#hide": ["#| echo: false", "#| output: false"],
    "#hide_input": ["#| echo: false"],
    "#hide_output": ["#| output: false"],
}


def site_info(src: Path, report: Report) -> SiteInfo:
    return jekyll.site_info(src, report)


def sources(src: Path, site: SiteInfo, report: Report) -> list[Source]:
    found = jekyll.sources(src, site, report, posts_only=True)
    for path in sorted((src / "_notebooks").glob("*.ipynb")) if (src / "_notebooks").is_dir() else []:
        notebook = notebooks.load(path) if path.resolve().is_relative_to(src.resolve()) else None
        if notebook is None:
            report.warn(path.relative_to(src), 1, "not a readable notebook inside SRC: not imported")
            continue
        found.append(_notebook_source(path, src, notebook, site))
    for path in sorted((src / "_word").glob("*.docx")) if (src / "_word").is_dir() else []:
        report.warn(path.relative_to(src), 1, "Word document not imported: export it to Markdown first")
    return found


def _notebook_source(path: Path, src: Path, notebook: dict[str, Any], site: SiteInfo) -> Source:
    meta = header_meta(notebook)
    day, name = date_from_name(path.stem)
    as_post = jekyll.source_of(path, Path("_posts") / path.name, Header(meta, "", 1), site, True)
    slug = new_slug(str(meta.get("slug") or meta.get("permalink") or name))
    return Source(path=path, header=Header(meta, "", 1), slug=slug, old_url=as_post.old_url, date=day, notebook=True)


def header_meta(notebook: dict[str, Any]) -> dict[str, Any]:
    """fastpages' first-cell front matter: ``# Title``, ``> summary``, ``- key: value``."""
    first = _header_cell(notebook)
    if first is None:
        return {}
    meta: dict[str, Any] = {}
    for line in notebooks.source_text(first).splitlines():
        if line.startswith("# ") and "title" not in meta:
            meta["title"] = line[2:].strip()
        elif line.startswith(">") and "description" not in meta:
            meta["description"] = line.lstrip("> ").strip()
        elif match := _HEADER_KEY.match(line.strip()):
            try:
                meta[match.group(1)] = yaml.safe_load(f"v: {match.group(2)}")["v"]
            except yaml.YAMLError:
                meta[match.group(1)] = match.group(2)
    return meta


def _header_cell(notebook: dict[str, Any]) -> dict[str, Any] | None:
    for cell in notebook["cells"]:
        if cell.get("cell_type") == "markdown":
            return cell if notebooks.source_text(cell).lstrip().startswith("# ") else None
    return None


def convert(source: Source, ctx: PostContext) -> Converted:
    if source.notebook:
        return _convert_notebook(source, ctx)
    meta, body = our_meta(source, ctx, convert_body(source.header.body, ctx))
    return Converted(source, meta, body, assets=ctx.assets, generated=ctx.generated)


def convert_body(text: str, ctx: PostContext) -> str:
    return jekyll.convert_body(callouts(text), ctx)


def callouts(text: str) -> str:
    """``> Note: text`` -> ``::: note`` … ``:::`` (outside code)."""
    shield = Shield()
    shielded = shield.code(text)

    def one(match: re.Match[str]) -> str:
        body = re.sub(r"^>[ \t]?", "", match.group(2), flags=re.M)
        return f"::: {match.group(1).lower()}\n{body.strip()}\n:::"

    return shield.restore(_NOTE.sub(one, shielded))


def _convert_notebook(source: Source, ctx: PostContext) -> Converted:
    notebook = notebooks.load(source.path) or {"cells": []}
    header = _header_cell(notebook)
    if header is not None:
        notebook["cells"].remove(header)
        rest = [line for line in notebooks.source_text(header).splitlines(keepends=True) if not _is_header(line)]
        if "".join(rest).strip():
            notebooks.set_source(header, "".join(rest).strip("\n") + "\n")
            notebook["cells"].insert(0, header)
    for number, cell in enumerate(notebook["cells"], start=1):
        if cell.get("cell_type") == "code":
            _cell_flags(cell, ctx, number)
    ctx.asset_prefix = f"/static/posts/{source.slug}/"
    notebooks.convert_markdown_cells(notebook, ctx, convert_body)
    meta, _ = our_meta(source, ctx, "")
    notebook["cells"].insert(0, notebooks.front_matter_cell(meta))
    return Converted(source, meta, notebooks.dumps(notebook), ".ipynb", assets=ctx.assets)


def _is_header(line: str) -> bool:
    stripped = line.strip()
    return stripped.startswith(("# ", ">")) or bool(_HEADER_KEY.match(stripped))


def _cell_flags(cell: dict[str, Any], ctx: PostContext, number: int) -> None:
    """``#hide`` and friends, fastpages' cell flags, as our ``#|`` options."""
    lines = notebooks.source_text(cell).split("\n")
    flag = lines[0].strip().replace(" ", "").lower() if lines else ""
    if flag in _FLAGS:
        notebooks.set_source(cell, "\n".join([*_FLAGS[flag], *lines[1:]]))
    elif flag.startswith(("#collapse", "#collapse_")):
        ctx.cell = number
        ctx.warn(1, f"collapsed cell shown open: '{lines[0].strip()}' (collapsing is not supported)")
        ctx.cell = 0
        notebooks.set_source(cell, "\n".join(lines[1:]))
