"""The build: read ▶ render ▶ lay out ▶ write, in that order and no other.

``build_site`` is the whole pipeline in one readable function. Each stage is a
function of plain data: ``content.discover`` gives Posts, ``render_post`` turns
one into HTML, the ``_write_*`` functions lay pages out with templates, and
``StagedOutput`` makes the result appear all at once or not at all.
"""

from __future__ import annotations

import hashlib
import os
from collections import defaultdict
from collections.abc import Iterable, Iterator, Mapping, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field, replace
from datetime import datetime
from html.parser import HTMLParser
from pathlib import Path

import html5lib
import jinja2
from html5lib.serializer import HTMLSerializer

from . import __version__, manifest, notebook_export, search
from .cells.execute import ExecuteSettings, execute_posts
from .cells.freeze import cuda_available
from .cells.model import PostCells
from .config import Config, load_config
from .content import Post, Tag, discover
from .errors import BuildFailed, ContentError, ContentWarning, note_processing
from .feed import FeedEntry, atom_feed, sitemap
from .fingerprints import IncrementalOutput
from .highlight import stylesheet
from .layout import NavItem, Pagination, PostView, Renderer, StoredBody, TagView, theme_dirs
from .markdown import MarkdownRenderer, RenderedDoc, block_tokens
from .output import Output, OutputConflict, StagedOutput, check_output_folder
from .render_cache import DiskRenderCache, RenderCache, RenderedPost
from .textfile import check_inside_site

DESCRIPTION_LENGTH = 200
CODE_CSS = "static/css/code.css"
REDIRECTS_DIR = "redirects"  # pages at old URLs, published at the site root (see site_gen.importers)


@dataclass
class BuildResult:
    output: Path
    pages: int  # HTML pages written
    files: int  # every file written, pages included
    warnings: list[ContentWarning] = field(default_factory=list)
    kernels_started: int = 0  # Jupyter kernels this build started (0 when every cell was cached)
    cells_run: int = 0
    cells_cached: int = 0
    rendered: frozenset[str] = frozenset()  # URLs of posts rendered afresh (not from the cache)
    changed: frozenset[str] = frozenset()  # output files new or different from the previous build's
    up_to_date: bool = False  # nothing had changed since the last build: nothing was done
    made: frozenset[str] = frozenset()  # pages and feeds laid out afresh; the rest were unchanged


@dataclass
class RenderedSite:
    """Everything rendered, before anything is written."""

    posts: list[PostView]  # newest first
    pages: list[PostView]  # standalone pages, by URL
    feed_html: dict[str, str | StoredBody]  # url_path -> body with absolute URLs (or where it is kept)
    warnings: list[ContentWarning]
    files: dict[str, bytes] = field(default_factory=dict)  # cell outputs (figures), by output path
    rendered: list[str] = field(default_factory=list)  # URLs of posts rendered afresh, not taken from a cache


def build_site(
    root: Path,
    *,
    output: Path | None = None,
    drafts: bool = False,
    execute: ExecuteSettings | None = None,
    jobs: int | None = None,
    use_cache: bool = True,
    record: bool = True,
    force: bool = False,
) -> BuildResult:
    """Build the site at ``root`` into ``output`` (default ``root/public``).

    ``jobs`` processes render the posts (default: one per CPU); ``use_cache``
    reuses renders from ``.cache/render/`` for posts whose inputs did not change,
    and with ``record`` a build whose inputs and output match the manifest of the
    last one does nothing at all (see ``site_gen.manifest``).
    Raises BuildFailed with every error found; the previous output is then untouched.
    An output folder that a build could not replace without loss (see
    ``check_output_folder``) is refused before anything is read; ``force``
    accepts a non-empty folder that site_gen did not write.
    """
    config = load_config(root)
    previous = manifest.load(config) if record and use_cache else None
    requested = output if output is not None else config.root / "public"
    target = checked_output(config, requested, force=force, previous=previous or manifest.load(config))
    settings = execute or ExecuteSettings()
    if settings.timeout is None:
        settings = replace(settings, timeout=config.cell_timeout)
    record = record and use_cache
    options = (drafts, str(target), cuda_available())
    inputs = manifest.input_digest(
        config, options=options, extra_inputs=map(Path, previous.extra_inputs if previous else [])
    )
    if record and not (settings.rerun or settings.freeze) and manifest.up_to_date(previous, inputs, target):
        assert previous is not None
        return BuildResult(target, previous.pages, previous.files, manifest.warnings_of(previous), up_to_date=True)

    discovery_warnings: list[ContentWarning] = []
    sources, errors = discover(config, drafts=drafts, warnings=discovery_warnings)
    executed = execute_posts(sources, site_root=config.root, settings=settings)
    errors.extend(executed.errors)
    failed = {error.path for error in executed.errors}  # reported once, by the stage that found it
    cache = DiskRenderCache(config.cache_dir / "render") if use_cache else None
    rendered = render_all(
        config,
        [p for p in sources if p.rel_source not in failed],
        errors,
        cache=cache,
        cells=executed.cells,
        jobs=jobs or available_cpus(),
    )
    rendered.warnings[:0] = discovery_warnings
    rendered.warnings.extend(executed.warnings)
    if errors:
        raise BuildFailed(errors)
    # The last build's fingerprints let unchanged pages be linked rather than rendered,
    # as long as its output is intact (options, hence the output path, are in the inputs).
    trusted = previous.fingerprints if previous and manifest.output_intact(previous, target) else {}
    fingerprints = (
        IncrementalOutput(config, trusted, full=False, folder=None, memo={}, template_refs={}) if record else None
    )
    with StagedOutput(target, fingerprints) as out:
        try:
            pages = write_site(config, rendered, out)
            if config.search:
                _index(config, out)
        except ContentError as exc:
            raise BuildFailed([exc]) from None
        except OutputConflict as exc:
            raise BuildFailed(
                [ContentError(None, None, str(exc), "give one of them a different slug or name")]
            ) from None
        files, changed, made = out.count, out.changed, out.made
        out.commit()
    if record:
        extra = sorted({(post.source.parent / name).resolve() for post in sources for name in post.inputs})
        if [str(path) for path in extra] != (previous.extra_inputs if previous else []):
            inputs = manifest.input_digest(config, options=options, extra_inputs=extra)
        manifest.save(
            config,
            inputs,
            target,
            pages=pages,
            files=files,
            extra_inputs=extra,
            warnings=rendered.warnings,
            fingerprints=fingerprints.fingerprints if fingerprints else {},
        )
    return BuildResult(
        target,
        pages,
        files,
        rendered.warnings,
        kernels_started=executed.kernels_started,
        cells_run=executed.cells_run,
        cells_cached=executed.cells_cached,
        rendered=frozenset(rendered.rendered),
        changed=changed,
        made=made,
    )


def _index(config: Config, out: StagedOutput) -> None:
    """The search index: the previous one when no page's bytes changed (a stylesheet edit, say),
    else a new one; Pagefind re-reads every page, so this is the costly case."""
    pages_changed = any(path.endswith(".html") for path in out.changed)
    if pages_changed or not out.keep_previous(search.INDEX_DIR):
        search.index_into(out.staging, out.staging / search.INDEX_DIR, language=config.language)
    out.adopt(search.INDEX_DIR)


def checked_output(
    config: Config, requested: Path, *, force: bool = False, previous: manifest.Manifest | None = None
) -> Path:
    """``requested`` resolved, once it is sure that replacing it loses nothing (see ``check_output_folder``)."""
    return check_output_folder(
        requested,
        root=config.root,
        sources=[
            config.content_dir,
            config.templates_dir,
            config.static_dir,
            config.diagrams_dir,
            config.cache_dir,
            config.root / REDIRECTS_DIR,
        ],
        force=force,
        previous_output=manifest.wrote(previous, requested.resolve()),
    )


def render_all(
    config: Config,
    sources: Sequence[Post],
    errors: list[ContentError],
    *,
    cache: RenderCache | None = None,
    cells: Mapping[str, PostCells] | None = None,
    jobs: int = 1,
) -> RenderedSite:
    """Render every source, collecting errors instead of stopping at the first.

    ``cache`` maps ``render_key`` to a finished render, so an unchanged post is
    not rendered again (the preview server keeps one in memory, ``build`` one on
    disk). ``cells`` holds the executed cells of each post, by URL (see
    ``site_gen.cells``). Posts the cache lacks are rendered by ``jobs`` processes.
    """
    cells = cells or {}
    keys = [_render_key(cache, config, post, cells.get(post.url_path)) for post in sources]
    missing = [i for i, key in enumerate(keys) if cache is None or key not in cache]
    # Fresh renders arrive in source order while the cached ones are read in
    # between: one post's full render is in memory at a time, not the site's.
    fresh = iter(render_posts(config, [sources[i] for i in missing], cells, jobs))
    missing_set = set(missing)
    views: list[PostView] = []
    feed_html: dict[str, str | StoredBody] = {}
    warnings: list[ContentWarning] = []
    files: dict[str, bytes] = {}
    rendered: list[str] = []
    for index, post in enumerate(sources):
        post_cells = cells.get(post.url_path)
        outcome = next(fresh) if index in missing_set else cache.lookup(keys[index]) if cache is not None else None
        if outcome is None:  # a cache entry that could not be read back: render it here
            outcome = _render_or_error(
                config, MarkdownRenderer(macros=config.macros, raw_html=config.raw_html), post, post_cells
            )
            missing_set.add(index)
        if isinstance(outcome, ContentError):
            errors.append(outcome)
            continue
        if index in missing_set:
            rendered.append(post.url_path)
            if cache is not None:
                outcome = cache.store(keys[index], outcome)
        view, feed_body, post_warnings = outcome
        if post_cells is not None:
            files.update((post.url_path + name, data) for name, data in post_cells.files.items())
            if post_cells.codes:  # a post with executed cells downloads as a notebook
                name = notebook_export.notebook_name(post)
                files[post.url_path + name] = notebook_export.export(post, block_tokens(post.body), post_cells)
                view = replace(view, notebook=name)
        views.append(view)
        feed_html[post.url_path] = feed_body
        warnings.extend(post_warnings)
    posts = sorted((v for v in views if not v.post.is_page), key=lambda v: (v.date, v.url_path), reverse=True)
    pages = sorted((v for v in views if v.post.is_page), key=lambda v: v.url_path)
    return RenderedSite(posts, pages, feed_html, warnings, files, rendered)


def available_cpus() -> int:
    """CPUs this process may run on (a container's limit, not the host's count)."""
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1


# Below this many posts per process, starting the processes costs more than it saves.
MIN_POSTS_PER_JOB = 16


def render_posts(
    config: Config, posts: Sequence[Post], cells: Mapping[str, PostCells], jobs: int
) -> Iterator[RenderedPost | ContentError]:
    """Render posts in order, in ``jobs`` processes when there are enough of them.

    Each process builds its own MarkdownRenderer once; results come back in the
    order of ``posts``, so the output does not depend on the number of jobs.
    """
    tasks = [(post, cells.get(post.url_path)) for post in posts]
    if not tasks:
        return
    jobs = min(jobs, len(tasks) // MIN_POSTS_PER_JOB)
    if jobs <= 1:
        renderer = MarkdownRenderer(macros=config.macros, raw_html=config.raw_html)
        for post, post_cells in tasks:
            yield _render_or_error(config, renderer, post, post_cells)
        return
    chunk = max(1, min(32, len(tasks) // (jobs * 4)))
    with ProcessPoolExecutor(max_workers=jobs, initializer=_start_worker, initargs=(config,)) as pool:
        yield from pool.map(_render_in_worker, tasks, chunksize=chunk)


_worker: tuple[Config, MarkdownRenderer] | None = None


def _start_worker(config: Config) -> None:
    global _worker  # one renderer per worker process, built once
    _worker = (config, MarkdownRenderer(macros=config.macros, raw_html=config.raw_html))


def _render_in_worker(task: tuple[Post, PostCells | None]) -> RenderedPost | ContentError:
    assert _worker is not None
    config, renderer = _worker
    return _render_or_error(config, renderer, *task)


def _render_or_error(
    config: Config, renderer: MarkdownRenderer, post: Post, cells: PostCells | None
) -> RenderedPost | ContentError:
    try:
        return render_post(config, renderer, post, cells)
    except ContentError as error:
        return error
    except Exception as bug:  # a bug of ours: say which post brought it out
        note_processing(bug, post.rel_source)
        raise


def _render_key(cache: RenderCache | None, config: Config, post: Post, cells: PostCells | None) -> str:
    return "" if cache is None else cache.key(config, post) + _cells_key(cells)


def _cells_key(cells: PostCells | None) -> str:
    return "" if cells is None else hashlib.sha256(repr(cells).encode("utf-8")).hexdigest()


def render_post(
    config: Config, renderer: MarkdownRenderer, post: Post, cells: PostCells | None = None
) -> tuple[PostView, str, list[ContentWarning]]:
    """One post's Markdown to HTML: the page body, its summary, and the feed body."""

    def render(source: str, first_line: int, cells: PostCells | None = None, references: bool = True) -> RenderedDoc:
        return renderer.render(
            source,
            path=post.rel_source,
            first_line=first_line,
            page_url=post.url_path,
            base_path=config.base_path,
            base_url=config.base_url,
            macros=post.macros,
            cells=cells,
            site_root=config.root,
            bibliography=post.bibliography,
            csl=post.csl,
            footnotes=post.footnotes,
            references=references,
        )

    doc = render(post.body, post.body_line, cells)
    warnings = [*post.warnings, *doc.warnings]
    summary_html = doc.summary_html
    if post.summary is not None:
        summary_doc = render(post.summary, 1, references=False)  # a listing's card: citations, no list
        summary_html = summary_doc.html
        warnings.extend(summary_doc.warnings)
    summary_html = balanced_html(summary_html)
    description = _truncate(plain_text(summary_html), DESCRIPTION_LENGTH)
    return PostView.build(post, doc, summary_html, description), doc.feed_html, warnings


class PageWriter:
    """Writes HTML pages through templates and remembers them for the sitemap."""

    def __init__(self, renderer: Renderer, out: Output) -> None:
        self.renderer = renderer
        self.out = out
        self.sitemap: list[tuple[str, datetime | None]] = []

    def page(self, template: str, path: str, title: str, lastmod: datetime | None = None, **context: object) -> None:
        self.sitemap.append((path, lastmod))
        inputs = {**self.renderer.common, "page_path": path, "page_title": title, **context}
        if self.out.needs(path + "index.html", inputs, template):
            self.out.write(path + "index.html", self.renderer.page(template, path, title, **context))


def write_site(config: Config, site: RenderedSite, out: Output, *, compiled: jinja2.BytecodeCache | None = None) -> int:
    """Lay out and write every page, feed and asset. Returns the number of HTML pages.

    ``compiled`` keeps compiled templates between calls (the preview server rebuilds often).
    """
    nav = [NavItem(page.title, page.url_path) for page in site.pages]
    main_feed = ("Atom feed", config.abs_url("feed.xml"))
    renderer = Renderer(config, {"nav": nav, "feed_links": [main_feed]})
    renderer.env.bytecode_cache = compiled
    writer = PageWriter(renderer, out)

    for index, post in enumerate(site.posts):
        newer = site.posts[index - 1] if index > 0 else None
        older = site.posts[index + 1] if index + 1 < len(site.posts) else None
        feeds = [main_feed] + [(f"{config.title}: {t.name}", config.abs_url(t.feed_path)) for t in post.tags]
        writer.page(
            "post.html",
            post.url_path,
            post.title,
            post.post.last_modified,
            post=post,
            prev_post=older,
            next_post=newer,
            feed_links=feeds,
        )
    for standalone in site.pages:
        writer.page("page.html", standalone.url_path, standalone.title, standalone.post.last_modified, page=standalone)
    for path, title, posts, pagination in _home_pages(config, site.posts):
        writer.page("home.html", path, title, posts=posts, pagination=pagination)
    _write_tags(config, site, writer, main_feed)
    writer.page("archive.html", "archive/", "Archive", years=_by_year(site.posts))
    if config.search:
        writer.page("search.html", "search/", "Search")
    if out.needs("404.html", renderer.common, "404.html"):
        out.write("404.html", renderer.page("404.html", "404.html", "Page not found"))

    # needs() guards what is costly to make; the preview skips what has not changed.
    entries = _feed_entries(config, site, site.posts)
    if out.needs("feed.xml", {"entries": entries}):
        out.write(
            "feed.xml",
            atom_feed(
                config, title=config.title, feed_path="feed.xml", page_path="", entries=entries, version=__version__
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


def _home_pages(config: Config, posts: list[PostView]) -> Iterable[tuple[str, str, list[PostView], Pagination]]:
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
        entries = _feed_entries(config, site, posts)
        if writer.out.needs(view.feed_path, {"entries": entries}):
            writer.out.write(
                view.feed_path,
                atom_feed(
                    config,
                    title=feed_title,
                    feed_path=view.feed_path,
                    page_path=view.url_path,
                    version=__version__,
                    entries=entries,
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
            content_html=_text(site.feed_html[post.url_path]),
        )
        for post in posts[: config.feed_size]
    ]


def _text(body: str | StoredBody) -> str:
    return body if isinstance(body, str) else body.load()


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


class _TextExtractor(HTMLParser):
    """Plain text of an HTML fragment; math contributes its TeX, not its MathML."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self._math_depth = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "math":
            if self._math_depth == 0:
                self.parts.append(dict(attrs).get("alttext") or "")
            self._math_depth += 1

    def handle_endtag(self, tag: str) -> None:
        if tag == "math" and self._math_depth:
            self._math_depth -= 1

    def handle_data(self, data: str) -> None:
        if not self._math_depth:
            self.parts.append(data)


def balanced_html(fragment: str) -> str:
    """``fragment`` parsed and written back, so an unclosed ``<table>`` in a summary
    closes inside its own listing entry instead of swallowing the home page."""
    if "<" not in fragment or _is_balanced(fragment):
        return fragment
    root = html5lib.parseFragment(fragment, treebuilder="etree", namespaceHTMLElements=False)
    walker = html5lib.getTreeWalker("etree")
    serializer = HTMLSerializer(quote_attr_values="always", omit_optional_tags=False, resolve_entities=False)
    return "".join(serializer.serialize(walker(root)))


_VOID = frozenset(
    ["area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"]
)


class _TagBalance(HTMLParser):
    """Checks that every element opened in a fragment is closed in it, in order."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.open: list[str] = []
        self.ok = True

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag not in _VOID:
            self.open.append(tag)

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        pass  # <mspace/>, <br/>: opened and closed at once

    def handle_endtag(self, tag: str) -> None:
        if tag in _VOID:
            return
        if not self.open or self.open.pop() != tag:
            self.ok = False


def _is_balanced(fragment: str) -> bool:
    checker = _TagBalance()
    checker.feed(fragment)
    checker.close()
    return checker.ok and not checker.open


def plain_text(fragment: str) -> str:
    """Text for meta descriptions and feed summaries, with whitespace collapsed."""
    extractor = _TextExtractor()
    extractor.feed(fragment)
    extractor.close()
    return " ".join("".join(extractor.parts).split())


def _truncate(text: str, limit: int) -> str:
    if len(text) <= limit:
        return text
    cut = text[:limit].rsplit(" ", 1)[0]
    return cut.rstrip(",.;:") + "…"
