"""Lay out and write: pages through the templates, feeds, the sitemap and static files.

``write_site`` takes a ``RenderedSite`` and writes every page of the site into an
``Output``; ``needs()`` lets an incremental output skip a page whose inputs did
not change since the last build.
"""

from __future__ import annotations

import functools
from collections import defaultdict
from collections.abc import Callable, Iterable
from datetime import datetime
from pathlib import Path

import jinja2

from . import __version__
from .config import REDIRECTS_DIR, Config
from .content import Tag
from .feed import FeedEntry, atom_feed, sitemap
from .highlight import stylesheet
from .layout import NavItem, Pagination, PostView, Renderer, TagView
from .output import Output, Placing, place
from .page_pool import MIN_PAGES, PageJob, PagePool, Pending
from .render import RenderedSite
from .textfile import check_inside_site
from .theme import theme_dirs

CODE_CSS = "static/css/code.css"


class PageWriter:
    """Writes HTML pages through templates and remembers them for the sitemap.

    With ``placing`` (the output, when it can reserve files for another process) and
    ``page_pool`` (which makes a ``PagePool``, or None when one cannot be made now), the
    post pages to make are kept in ``apart`` and made by the pool's workers when there are
    enough of them, instead of here."""

    def __init__(
        self,
        renderer: Renderer,
        out: Output,
        placing: Placing | None = None,
        page_pool: Callable[[], PagePool | None] | None = None,
    ) -> None:
        self.renderer = renderer
        self.out = out
        self.sitemap: list[tuple[str, datetime | None]] = []
        self.placing = placing if page_pool is not None else None
        self.page_pool = page_pool
        self.apart: list[PageJob] = []
        self.pool: PagePool | None = None
        self.pending: Pending | None = None  # the pages of ``apart`` being laid out by the workers

    def page(self, template: str, path: str, title: str, lastmod: datetime | None = None, **context: object) -> None:
        self.sitemap.append((path, lastmod))
        if self.out.needs(path + "index.html", lambda: self._inputs(path, title, context), template):
            self.out.write(path + "index.html", self.renderer.page(template, path, title, **context))
        if self.pending is not None:
            self.pending.collect_ready()

    def post_page(self, post: PostView, context: Callable[[], dict[str, object]]) -> None:
        """A post's page: made here, or reserved for the workers. ``context`` (its neighbours,
        its feeds) is worked out only if the page is described or made: a rebuild after an
        edit settles nearly every post page (``site_gen.reach``)."""
        path, title = post.url_path, post.title
        self.sitemap.append((path, post.post.last_modified))
        made: dict[str, object] = {}

        def inputs() -> dict[str, object]:
            made.update(context())
            return self._inputs(path, title, made)

        if not self.out.needs(path + "index.html", inputs, "post.html"):
            return
        made = made or context()
        if self.placing is None:
            self.out.write(path + "index.html", self.renderer.page("post.html", path, title, **made))
        else:
            self.apart.append(PageJob("post.html", path, title, made, self.placing.reserve(path + "index.html")))

    def _inputs(self, path: str, title: str, context: dict[str, object]) -> dict[str, object]:
        """What the page's template sees: asked for only when the page is not settled (``site_gen.reach``)."""
        return {**self.renderer.common, "page_path": path, "page_title": title, **context}

    def send_apart(self) -> None:
        """Have the pages kept apart made: by a pool's workers when there are enough of them
        (a one-post edit makes two or three: starting processes would cost more), else here."""
        if not self.apart:
            return
        assert self.placing is not None and self.page_pool is not None
        self.pool = self.page_pool() if len(self.apart) >= MIN_PAGES else None
        if self.pool is not None:
            self.pending = self.pool.lay_out(self.renderer.common, self.apart, self.placing.placed)
        else:
            for job in self.apart:
                data = self.renderer.page(job.template, job.path, job.title, **job.context)
                self.placing.placed(job.path + "index.html", place(data, job.spot))
        self.apart = []

    def finish(self) -> None:
        """Wait for the workers' pages (raising the first template error among them)."""
        if self.pending is not None:
            pending, self.pending = self.pending, None
            pending.finish()

    def close(self) -> None:
        """Stop the workers, if any (after an error too: they write into the staging folder)."""
        if self.pool is not None:
            pool, self.pool = self.pool, None
            pool.close()


def write_site(
    config: Config,
    site: RenderedSite,
    out: Output,
    *,
    compiled: jinja2.BytecodeCache | None = None,
    post_order: Callable[[PostView], int] | None = None,
    page_pool: Callable[[], PagePool | None] | None = None,
) -> int:
    """Lay out and write every page, feed and asset. Returns the number of HTML pages.

    ``compiled`` keeps compiled templates between calls (the preview server rebuilds often);
    ``post_order`` sorts the order posts are *written* in (the search index's shards, so each
    can be indexed while the rest are written), never what a page shows. With ``page_pool``
    (and an output that can reserve files), many post pages are made by the workers of the
    pool it makes, while this process makes the rest (``site_gen.page_pool``).
    """
    nav = [NavItem(page.title, page.url_path) for page in site.pages]
    main_feed = ("Atom feed", config.abs_url("feed.xml"))
    renderer = Renderer(config, {"nav": nav, "feed_links": [main_feed]})
    renderer.env.bytecode_cache = compiled
    writer = PageWriter(renderer, out, out if isinstance(out, Placing) else None, page_pool)
    try:
        _lay_out_pages(config, site, writer, main_feed, post_order)
    finally:
        writer.close()

    # needs() guards what is costly to make; the preview skips what has not changed.
    entries = functools.cache(functools.partial(_feed_entries, config, site, site.posts))
    if out.needs("feed.xml", functools.partial(_entries_inputs, entries)):
        out.write(
            "feed.xml",
            atom_feed(
                config, title=config.title, feed_path="feed.xml", page_path="", entries=entries(), version=__version__
            ),
        )
    if out.needs("sitemap.xml", {"pages": writer.sitemap}):
        out.write("sitemap.xml", sitemap(config, writer.sitemap))
    out.write("robots.txt", f"User-agent: *\nAllow: /\nSitemap: {config.abs_url('sitemap.xml')}\n".encode())
    if out.needs(CODE_CSS, {}):
        out.write(CODE_CSS, stylesheet().encode("utf-8"))
    _copy_static(config, out)
    _copy_redirects(config, out)
    for rel, data in sorted(site.files.items()):
        out.write(rel, data)
    for view in site.posts + site.pages:
        for asset in view.post.assets:
            out.copy(view.url_path + asset.relative_to(view.post.source.parent).as_posix(), asset)
    return len(writer.sitemap) + 1  # + 404.html


def _lay_out_pages(
    config: Config,
    site: RenderedSite,
    writer: PageWriter,
    main_feed: tuple[str, str],
    post_order: Callable[[PostView], int] | None,
) -> None:
    """Every HTML page: the posts' (by ``writer``'s workers, when it has them), then the rest."""
    numbered = list(enumerate(site.posts))
    if post_order is not None:
        numbered.sort(key=lambda pair: post_order(pair[1]))
    # One (title, URL) per tag, shared by its posts' pages: a page's fingerprint describes each once.
    tag_feeds: dict[Tag, tuple[str, str]] = {}

    def context(index: int) -> dict[str, object]:
        post = site.posts[index]
        for tag in post.tags:
            if tag not in tag_feeds:
                tag_feeds[tag] = (f"{config.title}: {tag.name}", config.abs_url(tag.feed_path))
        return {
            "post": post,
            "prev_post": site.posts[index + 1] if index + 1 < len(site.posts) else None,  # older
            "next_post": site.posts[index - 1] if index > 0 else None,  # newer
            "feed_links": [main_feed, *(tag_feeds[tag] for tag in post.tags)],
        }

    for index, post in numbered:
        writer.post_page(post, functools.partial(context, index))
    writer.send_apart()
    for standalone in site.pages:
        writer.page("page.html", standalone.url_path, standalone.title, standalone.post.last_modified, page=standalone)
    for path, title, posts, pagination in home_pages(config, site.posts):
        writer.page("home.html", path, title, posts=posts, pagination=pagination)
    _write_tags(config, site, writer, main_feed)
    writer.page("archive.html", "archive/", "Archive", years=_by_year(site.posts))
    if config.search:
        from . import search  # a site without search never imports the indexer

        writer.page("search.html", "search/", "Search", bundles=search.bundles(search.deal(indexed_pages(site))))
    if writer.out.needs("404.html", writer.renderer.common, "404.html"):
        writer.out.write("404.html", writer.renderer.page("404.html", "404.html", "Page not found"))
    writer.finish()


def indexed_pages(site: RenderedSite) -> list[str]:
    """The pages the search index holds: every post and standalone page (their templates
    mark the article ``data-pagefind-body``), not the listings."""
    return [view.url_path + "index.html" for view in site.posts + site.pages]


def home_pages(config: Config, posts: list[PostView]) -> Iterable[tuple[str, str, list[PostView], Pagination]]:
    """Home page 1 at the root, then page/2/, page/3/…"""
    size = config.posts_per_page
    total = max(1, -(-len(posts) // size))

    def path_of(number: int) -> str:
        return "" if number == 1 else f"page/{number}/"

    for number in range(1, total + 1):
        pagination = Pagination(
            page=number,
            pages=total,
            prev_path=path_of(number - 1) if number > 1 else None,
            next_path=path_of(number + 1) if number < total else None,
        )
        title = config.title if number == 1 else f"Page {number}"
        yield path_of(number), title, posts[(number - 1) * size : number * size], pagination


def _write_tags(config: Config, site: RenderedSite, writer: PageWriter, main_feed: tuple[str, str]) -> None:
    """The tag index, one page per tag, and one Atom feed per tag."""
    by_tag: dict[Tag, list[PostView]] = defaultdict(list)
    for post in site.posts:
        for tag in post.tags:
            by_tag[tag].append(post)
    tags = sorted((TagView(tag, len(posts)) for tag, posts in by_tag.items()), key=lambda t: (t.name.lower(), t.slug))
    writer.page("tags.html", "tags/", "Tags", tags=tags)
    for view in tags:
        posts = by_tag[view.tag]
        feed_title = f"{config.title}: {view.name}"
        writer.page(
            "tag.html",
            view.url_path,
            f"Posts tagged {view.name}",
            tag=view,
            posts=posts,
            feed_links=[main_feed, (feed_title, config.abs_url(view.feed_path))],
        )
        entries = functools.cache(functools.partial(_feed_entries, config, site, posts))
        if writer.out.needs(view.feed_path, functools.partial(_entries_inputs, entries)):
            writer.out.write(
                view.feed_path,
                atom_feed(
                    config,
                    title=feed_title,
                    feed_path=view.feed_path,
                    page_path=view.url_path,
                    version=__version__,
                    entries=entries(),
                ),
            )


def _feed_entries(config: Config, site: RenderedSite, posts: list[PostView]) -> list[FeedEntry]:
    return [
        FeedEntry(
            title=post.title,
            url_path=post.url_path,
            published=post.date,
            updated=post.post.last_modified,
            tags=tuple(tag.name for tag in post.tags),
            summary=post.description,
            content_html=site.feed_html[post.url_path],
        )
        for post in posts[: config.feed_size]
    ]


def _entries_inputs(entries: Callable[[], list[FeedEntry]]) -> dict[str, object]:
    """A feed's inputs, its entries made only if the feed is described (not settled)."""
    return {"entries": entries()}


def _by_year(posts: list[PostView]) -> list[tuple[int, list[PostView]]]:
    years: dict[int, list[PostView]] = defaultdict(list)
    for post in posts:
        years[post.date.year].append(post)
    return sorted(years.items(), reverse=True)


def _copy_static(config: Config, out: Output) -> None:
    """The theme's static files, overridden file by file by the site's own."""
    chosen: dict[str, Path] = {}
    for base in [*theme_dirs(), config.root]:
        folder = base / "static"
        if not folder.is_dir():
            continue
        for path in sorted(folder.rglob("*")):
            if path.is_file() and not path.name.startswith("."):
                if base == config.root:
                    check_inside_site(path, config.root, path.relative_to(config.root))
                chosen["static/" + path.relative_to(folder).as_posix()] = path
    chosen.pop(CODE_CSS, None)  # generated from Pygments, always current
    for rel, path in sorted(chosen.items()):
        out.copy(rel, path)


def _copy_redirects(config: Config, out: Output) -> None:
    """``redirects/`` (written by ``site-gen import``) is published at the site root: a page at each
    old URL that sends readers on. One that collides with a page of the site is an OutputConflict."""
    folder = config.root / REDIRECTS_DIR
    if not folder.is_dir():
        return
    for path in sorted(folder.rglob("*")):
        if path.is_file() and not path.name.startswith("."):
            rel = path.relative_to(config.root)
            check_inside_site(path, config.root, rel)
            out.copy(path.relative_to(folder).as_posix(), path)
