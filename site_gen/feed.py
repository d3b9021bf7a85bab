"""Atom 1.0 feeds (RFC 4287) and the sitemap.

Feeds carry the full post body as HTML with every URL absolute, because a feed
reader has no page to resolve relative links against. Every value comes from
the content (no "now"), so the same site gives the same bytes.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from .config import Config
from .textfile import xml_safe

if TYPE_CHECKING:
    from .layout import StoredBody

ATOM_NS = "http://www.w3.org/2005/Atom"
SITEMAP_NS = "http://www.sitemaps.org/schemas/sitemap/0.9"
GENERATOR_URI = "https://pypi.org/project/site-gen/"
# A feed with no entries still needs an <updated>; the epoch is honest and stable.
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


@dataclass(frozen=True)
class FeedEntry:
    """What a feed needs to know about one post, and nothing more."""

    title: str
    url_path: str
    published: datetime
    updated: datetime
    tags: tuple[str, ...]
    summary: str
    content_html: str | StoredBody  # a body in the render cache is read only when the feed is written


def atom_feed(
    config: Config, *, title: str, feed_path: str, page_path: str, entries: Sequence[FeedEntry], version: str
) -> bytes:
    """Serialise one Atom feed; ``entries`` are already the newest ``feed_size`` posts."""
    ET.register_namespace("", ATOM_NS)
    feed = ET.Element(_atom("feed"), {"{http://www.w3.org/XML/1998/namespace}lang": config.language})
    _text(feed, "title", title)
    if config.description:
        _text(feed, "subtitle", config.description)
    _text(feed, "id", config.abs_url(feed_path))
    _link(feed, config.abs_url(feed_path), rel="self", type="application/atom+xml")
    _link(feed, config.abs_url(page_path), rel="alternate", type="text/html")
    newest = max((entry.updated for entry in entries), default=EPOCH)
    _text(feed, "updated", rfc3339(newest))
    author = ET.SubElement(feed, _atom("author"))
    _text(author, "name", config.author)
    if config.license:
        _text(feed, "rights", config.license)
    _text(feed, "generator", "site_gen", uri=GENERATOR_URI, version=version)
    for entry in entries:
        _entry(feed, config, entry)
    ET.indent(feed, space="  ")
    body = xml_safe(ET.tostring(feed, encoding="unicode"))  # readers have warned about the characters
    return ('<?xml version="1.0" encoding="utf-8"?>\n' + body + "\n").encode("utf-8")


def _entry(feed: ET.Element, config: Config, entry: FeedEntry) -> None:
    element = ET.SubElement(feed, _atom("entry"))
    permalink = config.abs_url(entry.url_path)
    _text(element, "title", entry.title)
    _link(element, permalink, rel="alternate", type="text/html")
    # The permalink is the id: stable as long as the post's URL is, which is
    # what readers already assume when they de-duplicate.
    _text(element, "id", permalink)
    _text(element, "published", rfc3339(entry.published))
    _text(element, "updated", rfc3339(entry.updated))
    for tag in entry.tags:
        ET.SubElement(element, _atom("category"), {"term": tag})
    if entry.summary:
        _text(element, "summary", entry.summary)
    content = entry.content_html if isinstance(entry.content_html, str) else entry.content_html.load()
    _text(element, "content", content, type="html")


def sitemap(config: Config, pages: Sequence[tuple[str, datetime | None]]) -> bytes:
    """``sitemap.xml`` from (site-relative path, last modified) pairs, sorted by path."""
    ET.register_namespace("", SITEMAP_NS)
    urlset = ET.Element(f"{{{SITEMAP_NS}}}urlset")
    for path, modified in sorted(pages, key=lambda page: page[0]):
        url = ET.SubElement(urlset, f"{{{SITEMAP_NS}}}url")
        ET.SubElement(url, f"{{{SITEMAP_NS}}}loc").text = config.abs_url(path)
        if modified is not None:
            ET.SubElement(url, f"{{{SITEMAP_NS}}}lastmod").text = rfc3339(modified)
    ET.indent(urlset, space="  ")
    body = ET.tostring(urlset, encoding="unicode")
    return ('<?xml version="1.0" encoding="utf-8"?>\n' + body + "\n").encode("utf-8")


def rfc3339(moment: datetime) -> str:
    """RFC 3339 timestamp in UTC, the form Atom requires and every reader parses."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _atom(name: str) -> str:
    return f"{{{ATOM_NS}}}{name}"


def _text(parent: ET.Element, name: str, text: str, **attributes: str) -> ET.Element:
    element = ET.SubElement(parent, _atom(name), attributes)
    element.text = text
    return element


def _link(parent: ET.Element, href: str, **attributes: str) -> None:
    ET.SubElement(parent, _atom("link"), {"href": href, **attributes})
