"""A post on its way across: where it came from, and what it becomes here.

Every importer finds ``Source``\\ s (a file, its old URL, its new slug) and turns
each into a ``Converted`` post (our front matter, a Markdown or notebook body,
the files to copy beside it). ``our_meta`` is the one place front matter keys
of other generators are mapped to ours, so the mapping reads as a table.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any

from ..content import slugify
from . import references
from .context import PostContext
from .frontmatter import (
    LAYOUT_KEYS,
    Header,
    file_date,
    format_date,
    parse_date,
    title_from_heading,
    unique,
    unused_keys,
    words,
)
from .markup import Shield, tidy


@dataclass
class Source:
    """One post of the old site, found but not yet converted."""

    path: Path
    header: Header
    slug: str
    old_url: str = ""  # its address on the old site, from the site root ("/2020/01/14/x.html")
    date: date | datetime | None = None  # from the file name, when the front matter has none
    notebook: bool = False
    draft: bool = False  # a Jekyll _drafts/ file

    @property
    def aliases(self) -> list[str]:
        """Other old addresses: Hugo's ``aliases``, Pandoc's ``alias``, jekyll-redirect-from's ``redirect_from``."""
        meta = {str(k).lower(): v for k, v in self.header.meta.items()}
        found = [*words(meta.get("aliases")), *words(meta.get("alias")), *words(meta.get("redirect_from"))]
        return ["/" + alias.lstrip("/") for alias in found if isinstance(alias, str)]


@dataclass
class Converted:
    """A post ready to write: ``content/posts/<slug>.md`` or a bundle folder with its files."""

    source: Source
    meta: dict[str, Any]
    body: str
    suffix: str = ".md"
    assets: dict[str, Path] = field(default_factory=dict)  # bundle file name -> file in SRC
    generated: dict[str, bytes] = field(default_factory=dict)  # bundle file name -> bytes (notebook images)


_TITLE_KEYS = ("title",)
_SUMMARY_KEYS = ("summary", "description", "excerpt", "subtitle")
_UPDATED_KEYS = ("updated", "last_modified_at", "lastmod", "modified")
_TAG_KEYS = ("tags", "categories", "category", "keywords")


def our_meta(source: Source, ctx: PostContext, body: str, *, comma_tags: bool = False) -> tuple[dict[str, Any], str]:
    """Our front matter from the old one; a missing title comes from the first heading of ``body``.

    Jekyll separates tags written as one string by spaces, Pelican by commas (``comma_tags``).
    """
    meta = {str(k).lower(): v for k, v in source.header.meta.items()}
    title = _first(meta, _TITLE_KEYS)
    if not title:
        shield = Shield()  # "# comment" lines in code are not headings
        title, shielded = title_from_heading(shield.fences(body))
        body = shield.restore(shielded)
    if not title:
        title = source.slug.replace("-", " ").capitalize()
        ctx.warn(1, f"no title: used '{title}', from the file name")
    ours: dict[str, Any] = {"title": _plain(str(title))}
    body = _without_title_heading(body, ours["title"])
    ours["date"] = format_date(_date(meta, source, ctx))
    updated = parse_date(_first(meta, _UPDATED_KEYS))
    if updated is not None:
        ours["updated"] = format_date(updated)
    tags = unique([tag for key in _TAG_KEYS for tag in _tags(meta, key, comma_tags)])
    if tags:
        ours["tags"] = tags
    summary = _first(meta, _SUMMARY_KEYS)
    if summary and isinstance(summary, str):
        ours["summary"] = " ".join(_plain(summary).split())
    if source.draft or _is_draft(meta):
        ours["draft"] = True
    ours["slug"] = source.slug
    used = LAYOUT_KEYS
    bib = references.to_bibtex(meta.get("references"), ctx)
    if bib and not meta.get("bibliography"):  # Pandoc's references in the header: a .bib in the bundle
        ctx.generated[references.BIB_NAME] = bib.encode("utf-8")
        ours["bibliography"] = references.BIB_NAME
        used = used | {"references"}
    body = tidy(body)
    dropped = unused_keys(meta, used)
    if dropped:
        ctx.warn(1, "front matter keys not imported: " + ", ".join(dropped))
    return ours, body


def _without_title_heading(body: str, title: str) -> str:
    """A ``# Title`` opening the body repeats the title the page already shows: it goes."""
    match = re.match(r"\s*#[ \t]+(.+?)[ \t#]*(?:\n|$)", body)
    if match and _plain(match.group(1)).strip() == title:
        return body[match.end() :].lstrip("\n")
    return body


def _tags(meta: dict[str, Any], key: str, comma: bool) -> list[str]:
    value = meta.get(key)
    if key == "category" and isinstance(value, str):
        return [value.strip()] if value.strip() else []  # one category, spaces and all
    return words(value, comma=comma or key == "keywords")


def _first(meta: dict[str, Any], keys: tuple[str, ...]) -> Any:
    return next((meta[key] for key in keys if meta.get(key) not in (None, "")), None)


def _date(meta: dict[str, Any], source: Source, ctx: PostContext) -> date | datetime:
    written = _first(meta, ("date", "publishdate", "pubdate", "published_at"))
    parsed = parse_date(written)
    if parsed is not None:
        return parsed
    if written not in (None, ""):
        ctx.warn(1, f"date not understood: '{written}'")
    if source.date is not None:
        return source.date
    ctx.warn(1, "no date in the front matter or the file name: used the file's modification date")
    return file_date(source.path)


def _is_draft(meta: dict[str, Any]) -> bool:
    status = str(meta.get("status", "")).lower()
    return meta.get("published") is False or meta.get("draft") in (True, "true", "yes") or status == "draft"


def _plain(text: str) -> str:
    """Titles and summaries are plain text here: HTML tags go, their text stays."""
    return re.sub(r"<[^>]+>", "", text).strip()


def new_slug(text: str) -> str:
    """A slug our reader accepts, as close to the old one as it allows."""
    text = text.strip().strip("/").rsplit("/", 1)[-1]
    text = re.sub(r"\.(html?|md|markdown)$", "", text)
    lowered = text.lower()
    return lowered if re.fullmatch(r"[a-z0-9][a-z0-9._-]*", lowered) else slugify(text)
