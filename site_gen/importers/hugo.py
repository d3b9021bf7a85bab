"""Hugo sites: ``content/`` with YAML or TOML front matter, page bundles and shortcodes.

Every Markdown page under ``content/`` except list pages (``_index.md``) is a
post here. Its old address follows Hugo's rules: ``url:`` if set, else the
site's ``permalinks`` pattern for its section, else ``/<section>/<slug>/``.
Files come from the page's bundle folder, ``static/`` (served at the root) and
``assets/``. Math is passed through as written (MathJax or KaTeX read it on
the old site, and ``\\\\(`` written for Goldmark's escaping reads as ``\\(``).
"""

from __future__ import annotations

import re
import tomllib
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import yaml

from ..content import slugify
from . import assets, crossref, kramdown, shortcodes
from .context import PostContext, SiteInfo
from .frontmatter import date_from_name, parse_date, split
from .macros import find_mathjax_macros
from .markup import Shield, read_source
from .posts import Converted, Source, new_slug, our_meta
from .report import Report

NAME = "hugo"
MARKDOWN_SUFFIXES = (".md", ".markdown", ".mdown")
_CONFIGS = ("hugo.toml", "config.toml", "hugo.yaml", "config.yaml", "hugo.yml", "config.yml",
            "config/_default/hugo.toml", "config/_default/config.toml", "config/_default/hugo.yaml",
            "config/_default/config.yaml")  # fmt: skip


def site_info(src: Path, report: Report) -> SiteInfo:
    config = _config(src, report)
    base = str(config.get("baseURL") or config.get("baseurl") or "")
    parts = urlsplit(base)
    base_path = "/" + parts.path.strip("/") + "/" if parts.path.strip("/") else "/"
    permalinks = config.get("permalinks") or {}
    return SiteInfo(
        title=str(config.get("title") or ""),
        base_url=base.rstrip("/") + "/" if parts.scheme else "",
        base_path=base_path,
        macros=find_mathjax_macros(src),
        feed="/index.xml",
        settings={
            "params": config.get("params") or {},
            "permalinks": permalinks if isinstance(permalinks, dict) else {},
        },
    )


def _config(src: Path, report: Report) -> dict[str, Any]:
    for name in _CONFIGS:
        path = src / name
        if not path.is_file():
            continue
        text = path.read_text(encoding="utf-8", errors="replace")
        try:
            loaded = tomllib.loads(text) if name.endswith(".toml") else yaml.safe_load(text)
        except (tomllib.TOMLDecodeError, yaml.YAMLError):
            report.warn(name, 1, "could not be read: the site's title, address and permalinks are not imported")
            return {}
        return loaded if isinstance(loaded, dict) else {}
    return {}


def roots(src: Path, source: Source) -> tuple[Path, ...]:
    return (source.path.parent, src / "static", src / "assets", src / "content", src)


def sources(src: Path, site: SiteInfo, report: Report) -> list[Source]:
    content = src / "content"
    found = []
    for path in sorted(content.rglob("*")) if content.is_dir() else []:
        rel = path.relative_to(content)
        if not path.is_file() or path.suffix.lower() not in MARKDOWN_SUFFIXES or path.name.startswith("_"):
            if path.suffix.lower() in (".org", ".adoc", ".rst", ".pandoc") and path.is_file():
                report.warn(path.relative_to(src), 1, f"{path.suffix} page not imported: convert it to Markdown")
            continue
        if any(part.startswith(".") for part in rel.parts):
            continue
        text = read_source(path, src, report)
        if text is None:
            continue
        header = split(text)
        if header.problem:
            report.warn(path.relative_to(src), 1, header.problem)
        found.append(_source(path, rel, header, site))
    return found


def _source(path: Path, rel: Path, header: Any, site: SiteInfo) -> Source:
    meta = header.meta
    bundle = path.stem == "index"
    name = rel.parent.name if bundle else path.stem
    section = rel.parts[0] if len(rel.parts) > 1 and not (bundle and len(rel.parts) == 2) else ""
    slug_written = str(meta.get("slug") or "")
    url = str(meta.get("url") or "")
    slug = new_slug(slug_written or (url if url.strip("/") else "") or name)
    old = url or _permalink(site.settings.get("permalinks", {}).get(section), meta, rel, slug_written or name)
    day, _ = date_from_name(name)  # some Hugo sites keep Jekyll's dated names: a date when the front matter has none
    return Source(path=path, header=header, slug=slug, old_url=old, date=day)


def _permalink(pattern: Any, meta: dict[str, Any], rel: Path, slug: str) -> str:
    dirs = rel.parent.parts[:-1] if rel.stem == "index" else rel.parent.parts
    if not isinstance(pattern, str):
        return "/" + "/".join([*dirs, slug]) + "/"
    when = parse_date(meta.get("date"))
    values = {"slug": slug, "filename": rel.stem, "title": slugify(str(meta.get("title") or slug)),
              "section": rel.parts[0] if len(rel.parts) > 1 else "", "sections": "/".join(dirs),
              "contentbasename": slug}  # fmt: skip
    if when is not None:
        values |= {"year": f"{when.year:04d}", "month": f"{when.month:02d}", "day": f"{when.day:02d}"}
    url = re.sub(r":(\w+)", lambda m: values.get(m.group(1), m.group()), pattern)
    return re.sub(r"/+", "/", "/" + url)


# ```python {linenos=table, hl_lines=[2, "4-5"], linenostart=10}: Hugo's code fence attributes.
_FENCE_ATTRIBUTES = re.compile(r"^([ \t]*(?:`{3,}|~{3,})[ \t]*[\w+#.-]*)[ \t]*\{(.*)\}[ \t]*$", re.M)
_ATTRIBUTE = re.compile(r"""([\w-]+)\s*=\s*(\[[^\]]*\]|"[^"]*"|'[^']*'|[^\s,]+)""")


def fence_attributes(text: str, ctx: PostContext) -> str:
    """Hugo's fence attributes in our spelling (``linenos``, ``hl_lines``, ``linenostart``); others dropped.

    Hugo ignores attributes it has no use for (``{height="200px"}`` for a theme's mindmap), so
    they are dropped with a finding rather than left to fail our stricter fence options.
    """

    def ours(match: re.Match[str]) -> str:
        kept, dropped = [], []
        for key, raw in _ATTRIBUTE.findall(match.group(2)):
            value = raw.strip("\"'")
            if key == "linenos" and value.lower() != "false":
                kept.append("linenos=true")
            elif key == "hl_lines":
                ranges = [part.strip().strip("\"'") for part in value.strip("[]").split(",")]
                kept.append(f'hl_lines="{" ".join(r for r in ranges if r)}"')
            elif key == "linenostart" and value.isdigit():
                kept.append(f"linenostart={value}")
            elif key != "linenos":
                dropped.append(key)
        if dropped:
            line = ctx.first_line + text.count("\n", 0, match.start())
            ctx.warn(line, f"code fence attributes dropped: {', '.join(dropped)}")
        return match.group(1) + (" {" + " ".join(kept) + "}" if kept else "")

    return _FENCE_ATTRIBUTES.sub(ours, text)


def convert(source: Source, ctx: PostContext) -> Converted:
    shield = Shield()
    text = fence_attributes(source.header.body, ctx)
    text = shortcodes.highlight(text, shield)
    text = shield.code(text)
    text = shortcodes.convert(text, ctx, shield)
    text = crossref.equations(kramdown.escaped_math(text, ctx, shield))
    text = assets.rewrite(text, ctx)
    meta, body = our_meta(source, ctx, shield.restore(text))
    return Converted(source, meta, body, assets=ctx.assets, generated=ctx.generated)
