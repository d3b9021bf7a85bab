"""Jekyll blogs (kramdown + Liquid), al-folio's Distill posts included.

Posts are ``_posts/YYYY-MM-DD-slug.md`` (and ``_drafts/``); other Markdown
files with front matter are Jekyll pages and come across as posts too, since
here a note is a post. A post is converted in Jekyll's own order: Liquid
first (``{% raw %}`` kept as written), then kramdown's Markdown, then links.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import yaml

from . import assets, distill, kramdown, liquid
from .context import PostContext, SiteInfo
from .frontmatter import Header, date_from_name, parse_date, split, words
from .macros import find_mathjax_macros
from .markup import Shield, read_source
from .posts import Converted, Source, new_slug, our_meta
from .report import Report

NAME = "jekyll"
MARKDOWN_SUFFIXES = (".md", ".markdown", ".mkd", ".mkdn", ".mdown")
DEFAULT_PERMALINK = "date"
_STYLES = {
    "date": "/:categories/:year/:month/:day/:title:output_ext",
    "pretty": "/:categories/:year/:month/:day/:title/",
    "ordinal": "/:categories/:year/:y_day/:title:output_ext",
    "none": "/:categories/:title:output_ext",
}
_SKIPPED_DIRS = frozenset({"node_modules", "vendor", "_site", ".git", ".github", ".bundle", ".jekyll-cache"})
_ROOT_PAGES = frozenset({"index", "readme", "404", "license", "changelog", "contributing", "code_of_conduct"})


def site_info(src: Path, report: Report, default_permalink: str = DEFAULT_PERMALINK) -> SiteInfo:
    """``_config.yml``: title, the old address (``url`` + ``baseurl``), the permalink pattern."""
    config: dict[str, Any] = {}
    path = src / "_config.yml"
    if path.is_file():
        try:
            loaded = yaml.safe_load(path.read_text(encoding="utf-8", errors="replace"))
            config = loaded if isinstance(loaded, dict) else {}
        except yaml.YAMLError as exc:
            report.warn("_config.yml", getattr(getattr(exc, "problem_mark", None), "line", 0) + 1, "could not be read")
    baseurl = "/" + str(config.get("baseurl") or "").strip("/")
    base_path = baseurl.rstrip("/") + "/"
    url = str(config.get("url") or "").rstrip("/")
    return SiteInfo(
        title=str(config.get("title") or ""),
        base_url=url + base_path if urlsplit(url).scheme else "",
        base_path=base_path,
        permalink=str(config.get("permalink") or default_permalink),
        macros=find_mathjax_macros(src),
        settings=config,
    )


def sources(src: Path, site: SiteInfo, report: Report, *, posts_only: bool = False) -> list[Source]:
    """Every post (and, unless ``posts_only``, page) of the site, in a stable order."""
    found = []
    for path in sorted(src.rglob("*")):
        rel = path.relative_to(src)
        if not path.is_file() or any(part in _SKIPPED_DIRS or part.startswith(".") for part in rel.parts):
            continue
        dirs = rel.parts[:-1]
        is_post = "_posts" in dirs or "_drafts" in dirs
        if (posts_only or any(part.startswith("_") for part in dirs)) and not is_post:
            continue
        if path.suffix.lower() in (".html", ".htm") and is_post:
            report.warn(rel, 1, "HTML post not imported: convert it to Markdown by hand")
            continue
        if path.suffix.lower() not in MARKDOWN_SUFFIXES:
            continue
        text = read_source(path, src, report)
        if text is None:
            continue
        header = split(text)
        if not is_post and (not header.meta or (not dirs and path.stem.lower() in _ROOT_PAGES)):
            continue  # Jekyll copies Markdown without front matter as it is; the home page is generated here
        if header.problem:
            report.warn(rel, 1, header.problem)
        found.append(source_of(path, rel, header, site, is_post))
    return found


def source_of(path: Path, rel: Path, header: Header, site: SiteInfo, is_post: bool) -> Source:
    """Where a file lived on the old site and which slug it gets here."""
    day, name = date_from_name(path.stem) if is_post else (None, path.stem)
    if not is_post and path.stem.lower() == "index" and rel.parent.parts:
        name = rel.parent.name
    meta = header.meta
    permalink = str(meta.get("permalink") or "")
    written_slug = str(meta.get("slug") or "")
    slug = new_slug(written_slug or (permalink if permalink.strip("/") else "") or name)
    if is_post:
        old = _expand(permalink or site.permalink, meta, rel, day, written_slug or name)
    else:
        old = permalink or "/" + rel.with_suffix(".html").as_posix()
        old = re.sub(r"(^|/)index\.html$", r"\1", old)
    return Source(path=path, header=header, slug=slug, old_url=old, date=day, draft="_drafts" in rel.parts)


def _expand(pattern: str, meta: dict[str, Any], rel: Path, day: Any, title: str) -> str:
    """A Jekyll permalink pattern, filled in for one post."""
    pattern = _STYLES.get(pattern, pattern)
    when = parse_date(meta.get("date")) or day
    dirs = [part for part in rel.parts[:-1] if part not in ("_posts", "_drafts")]
    categories = dirs + words(meta.get("categories")) + words(meta.get("category"))
    values = {
        "categories": "/".join(c.lower().replace(" ", "-") for c in dict.fromkeys(categories)),
        "title": title,
        "slug": title,
        "name": title,
        "output_ext": ".html",
    }
    if when is not None:
        values |= {
            "year": f"{when.year:04d}",
            "month": f"{when.month:02d}",
            "i_month": str(when.month),
            "day": f"{when.day:02d}",
            "i_day": str(when.day),
            "short_year": f"{when.year % 100:02d}",
            "y_day": f"{when.timetuple().tm_yday:03d}",
        }
    url = re.sub(r":(\w+)", lambda m: values.get(m.group(1), m.group()), pattern)
    return re.sub(r"/+", "/", "/" + url)


def uses_kramdown(site: SiteInfo) -> bool:
    """Jekyll's default converter; ``markdown: CommonMark`` (or GhPages) sites have none of its syntax."""
    return str(site.settings.get("markdown") or "kramdown").lower() == "kramdown"


def convert(source: Source, ctx: PostContext) -> Converted:
    return Converted(source, *convert_markdown(source, ctx), assets=ctx.assets, generated=ctx.generated)


def more_marker(text: str, ctx: PostContext) -> str:
    """Jekyll's ``excerpt_separator`` (the post's or the site's) is our ``<!--more-->``."""
    separator = ctx.meta.get("excerpt_separator") or ctx.site.settings.get("excerpt_separator")
    if isinstance(separator, str) and separator.strip() and separator.strip() != "<!--more-->":
        return text.replace(separator.strip(), "<!--more-->", 1)
    return text


def convert_markdown(source: Source, ctx: PostContext) -> tuple[dict[str, Any], str]:
    """Front matter and body in our syntax."""
    return our_meta(source, ctx, convert_body(source.header.body, ctx))


def convert_body(text: str, ctx: PostContext) -> str:
    """Liquid, then kramdown, then Distill elements and links, as Jekyll would have run them."""
    shield = Shield()
    text = liquid.protect_raw(more_marker(text, ctx), shield)
    text = liquid.highlight_blocks(text, ctx)
    text = shield.code(text)
    text = _with_footnotes(liquid.convert(text, ctx, shield), ctx)  # side notes' math is kramdown's too
    text = kramdown.convert(text, ctx, shield, kramdown=uses_kramdown(ctx.site))
    text = _with_footnotes(distill.convert(text, ctx, shield), ctx)
    text = assets.rewrite(text, ctx)
    return kramdown.markdown_blocks(shield.restore(text))


def _with_footnotes(text: str, ctx: PostContext) -> str:
    """Footnotes collected from side notes and ``<d-footnote>``, defined at the end of the post."""
    if not ctx.footnotes:
        return text
    text = text.rstrip("\n") + "\n\n" + "\n\n".join(ctx.footnotes) + "\n"
    ctx.footnotes.clear()
    return text
