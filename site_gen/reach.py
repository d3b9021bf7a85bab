"""Which pages an edit can reach: the pages whose fingerprints need not be worked out again.

A page's fingerprint (``site_gen.fingerprints``) describes everything its template sees.
That costs ~20 µs a page, for every page of every rebuild: at 5,000 posts, ~110 ms to
learn that an edit changed one page. Yet what pages show is mostly posts, each in one
role (its own page sees it ``full``, a listing its ``card``, a neighbour its ``link``), and
the rest, the site's *shape*, is the same from one build to the next:

- the settings, the layout templates and the navigation;
- the posts' order and their tags (the pagination, the tag pages and feed links);
- the standalone pages, whole.

So each build keeps a ``SiteRecord``: a digest of the shape, and per post the digest of
each role, the very texts its pages' fingerprints are made of. When the next build has
the same shape, a page none of whose posts changed in the role it shows them is
*settled*: it keeps its last fingerprint without being described. Every other page is
described as before, so anything this module does not know of (a page of another
kind, a file copied) is checked the usual way. A different shape settles nothing.
"""

from __future__ import annotations

import hashlib
from collections.abc import Collection
from dataclasses import dataclass

from .config import Config
from .content import Tag
from .fingerprints import IncrementalOutput
from .layout import PostView
from .render import RenderedSite
from .write import CODE_CSS, home_pages

# Every template the layout renders pages with (write.py): an edit to any of them changes the shape.
LAYOUT_TEMPLATES = (
    "post.html",
    "page.html",
    "home.html",
    "tags.html",
    "tag.html",
    "archive.html",
    "search.html",
    "404.html",
)
FIXED_PAGES = ("tags/index.html", "search/index.html", "404.html")  # what they show is all shape
Entry = tuple[str, str, str, str]  # what a post's pages see of it: full, card, link, lastmod (``_entry``)


@dataclass(frozen=True)
class SiteRecord:
    """What the last build's pages were made of, post by post (see the module docstring)."""

    shape: str
    posts: tuple[Entry, ...]  # newest first

    @classmethod
    def of(cls, config: Config, site: RenderedSite, out: IncrementalOutput) -> SiteRecord:
        """This build's record, for pages described as ``out`` describes them."""
        shape = [out.seed, *(out.template_digest(name) for name in LAYOUT_TEMPLATES)]
        for view in site.pages:
            shape.extend(
                (view.url_path, view.title, out.view_digest(view, "full"), view.post.last_modified.isoformat())
            )
        tags: dict[Tag, str] = {}  # posts share a few tags: each is described once
        entries = []
        for view in site.posts:
            entry, place = _recorded(view, out, tags)
            entries.append(entry)
            shape.append(place)
        digest = hashlib.sha256("\0".join(shape).encode("utf-8")).hexdigest()
        return cls(digest, tuple(entries))

    def to_json(self) -> dict[str, object]:
        return {"shape": self.shape, "posts": self.posts}

    @classmethod
    def from_json(cls, data: object) -> SiteRecord | None:
        if (
            not isinstance(data, dict)
            or not isinstance(data.get("shape"), str)
            or not isinstance(data.get("posts"), list)
        ):
            return None
        posts = data["posts"]
        if not all(isinstance(entry, list) and len(entry) == 4 for entry in posts):
            return None
        return cls(data["shape"], tuple((a, b, c, d) for a, b, c, d in posts))


def _recorded(view: PostView, out: IncrementalOutput, tags: dict[Tag, str]) -> tuple[Entry, str]:
    """A post's entry, and its part of the shape (its URL and tags). A view kept across
    rebuilds (the preview's render cache) is recorded once: at 1000 posts, 7 of the 39 ms
    a preview rebuild took went to recording the 999 posts an edit did not touch."""
    known = out.memo.get((id(view), "record"))
    if known is not None and known[0] is view:
        recorded: tuple[Entry, str] = known[1]
        return recorded
    texts = [view.url_path]
    for tag in view.tags:
        text = tags.get(tag)
        if text is None:
            text = tags[tag] = repr(tag)
        texts.append(text)
    recorded = (_entry(view, out), "\0".join(texts))
    out.memo[(id(view), "record")] = (view, recorded)
    return recorded


def _entry(view: PostView, out: IncrementalOutput) -> Entry:
    """What a post's pages see of it, by role: equal entries, equal descriptions in
    ``site_gen.fingerprints`` (a post rendered afresh has no render key: it is described)."""
    full = f"full {view.digest} {view.notebook}" if view.digest else out.view_digest(view, "full")
    card = view.card or out.view_digest(view, "card")
    post = view.post
    return full, card, repr((post.url_path, post.title)), post.last_modified.isoformat()


def settle(config: Config, site: RenderedSite, out: IncrementalOutput, before: SiteRecord | None) -> SiteRecord:
    """This build's record; with the record ``before`` of the build whose fingerprints ``out``
    holds as its previous ones, the pages this build cannot have changed are settled in ``out``."""
    now = SiteRecord.of(config, site, out)
    if before is not None and not out.full:
        out.settled = settled(config, site, before, now, out.previous)
    return now


def settled(
    config: Config, site: RenderedSite, before: SiteRecord | None, now: SiteRecord, known: Collection[str]
) -> frozenset[str]:
    """The pages of ``site`` whose inputs are those of the build ``before`` was recorded for,
    among ``known`` (the pages that build made, with their fingerprints)."""
    if before is None or before.shape != now.shape or len(before.posts) != len(now.posts):
        return frozenset()
    reached: set[str] = set()
    posts = site.posts
    card_changed = []
    for n, (old, new) in enumerate(zip(before.posts, now.posts, strict=True)):
        if old == new:
            continue
        full, card, link, lastmod = (a != b for a, b in zip(old, new, strict=True))
        view = posts[n]
        if full or link:
            reached.add(view.url_path + "index.html")
        if link:  # the neighbours' pages link to it
            reached.update(posts[m].url_path + "index.html" for m in (n - 1, n + 1) if 0 <= m < len(posts))
        if card:
            card_changed.append(n)
            reached.update(tag.url_path + "index.html" for tag in view.tags)
            reached.add("archive/index.html")
        if n < config.feed_size:
            reached.add("feed.xml")
        reached.update(tag.feed_path for tag in view.tags)  # whether or not among the tag's newest
        if lastmod:
            reached.add("sitemap.xml")
    pages = [view.url_path + "index.html" for view in (*posts, *site.pages)]
    first = 0
    for path, _, shown, _ in home_pages(config, posts):
        if not any(first <= n < first + len(shown) for n in card_changed):
            pages.append(path + "index.html")
        first += len(shown)
    for tag in {tag for view in posts for tag in view.tags}:
        pages.extend((tag.url_path + "index.html", tag.feed_path))
    pages.extend(("archive/index.html", "feed.xml", "sitemap.xml", CODE_CSS, *FIXED_PAGES))
    return frozenset(page for page in pages if page not in reached and page in known)
