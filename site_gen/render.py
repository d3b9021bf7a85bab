"""Render: every post's Markdown to HTML, in worker processes, through the render cache.

``render_all`` gives a ``RenderedSite``: each post's page view, its feed body,
its warnings and the files its cells made, nothing yet laid out or written.
Posts render in ``jobs`` processes, in the order of the sources, so the output
does not depend on the number of jobs; a post the cache holds is not rendered.
"""

from __future__ import annotations

import functools
import hashlib
import os
import signal
from collections.abc import Callable, Hashable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from html.parser import HTMLParser
from pathlib import Path
from typing import TYPE_CHECKING

from .cells.model import PostCells, may_have_cells
from .config import Config
from .content import Post
from .errors import ContentError, ContentWarning, note_processing
from .fragments import Made, remembering
from .layout import PostView, StoredBody
from .markdown import MarkdownRenderer, RenderedDoc, block_tokens
from .render_cache import RenderCache, RenderedPost, Stored, write_entry

if TYPE_CHECKING:  # imported where used, as notebook_export is: a one-post edit needs neither (16 ms)
    from concurrent.futures import Future, ProcessPoolExecutor

DESCRIPTION_LENGTH = 200


@dataclass
class RenderedSite:
    """Everything rendered, before anything is written."""

    posts: list[PostView]  # newest first
    pages: list[PostView]  # standalone pages, by URL
    feed_html: dict[str, str | StoredBody]  # url_path -> body with absolute URLs (or where it is kept)
    warnings: list[ContentWarning]
    files: dict[str, bytes] = field(default_factory=dict)  # cell outputs (figures), by output path
    rendered: list[str] = field(default_factory=list)  # URLs of posts rendered afresh, not taken from a cache

    @staticmethod
    def combined(sites: Sequence[RenderedSite]) -> RenderedSite:
        """The sites' posts as one, rendered apart (the posts without cells while kernels run,
        each post with cells as its kernel finishes); warnings in the order of ``sites``."""
        return RenderedSite(
            sorted((v for site in sites for v in site.posts), key=lambda v: (v.date, v.url_path), reverse=True),
            sorted((v for site in sites for v in site.pages), key=lambda v: v.url_path),
            {url: body for site in sites for url, body in site.feed_html.items()},
            [warning for site in sites for warning in site.warnings],
            {path: data for site in sites for path, data in site.files.items()},
            [url for site in sites for url in site.rendered],
        )


def render_all(
    config: Config,
    sources: Sequence[Post],
    errors: list[ContentError],
    *,
    cache: RenderCache | None = None,
    cells: Mapping[str, PostCells] | None = None,
    jobs: int = 1,
    pool: ProcessPoolExecutor | None = None,
    ahead: RenderAhead | None = None,
) -> RenderedSite:
    """Render every source, collecting errors instead of stopping at the first.

    ``cache`` maps ``render_key`` to a finished render, so an unchanged post is
    not rendered again (the preview server keeps one in memory, ``build`` one on
    disk). ``cells`` holds the executed cells of each post, by URL (see
    ``site_gen.cells``). Posts the cache lacks are rendered by ``jobs`` processes;
    those ``ahead`` started rendering while the posts were discovered are taken from it.
    """
    cells = cells or {}
    keys = [_render_key(cache, config, post, cells.get(post.url_path)) for post in sources]
    started = ahead.started(sources, keys) if ahead is not None else {}
    missing = [i for i, key in enumerate(keys) if i in started or cache is None or key not in cache]
    # Fresh renders arrive in source order while the cached ones are read in
    # between: one post's full render is in memory at a time, not the site's.
    offered = cache.offered if cache is not None else None
    rest = [i for i in missing if i not in started]
    entries = [cache.entry_path(keys[i]) for i in rest] if cache is not None else None
    fresh = iter(render_posts(config, [sources[i] for i in rest], cells, jobs, pool, offered, entries))
    missing_set = set(missing)
    views: list[PostView] = []
    feed_html: dict[str, str | StoredBody] = {}
    warnings: list[ContentWarning] = []
    files: dict[str, bytes] = {}
    rendered: list[str] = []
    for index, post in enumerate(sources):
        post_cells = cells.get(post.url_path)
        made: Made | None = None
        outcome: RenderedPost | ContentError | Stored | None
        if index in started:
            outcome, made = started[index]()
        elif index in missing_set:
            outcome, made = next(fresh)
        else:
            outcome = cache.lookup(keys[index], post) if cache is not None else None
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
        if isinstance(outcome, Stored):  # by the worker process that rendered it
            assert cache is not None
            outcome = cache.adopt(keys[index], outcome.found, post)
        elif index in missing_set and cache is not None:
            outcome = cache.store(keys[index], outcome, post, made)
        view, feed_body, post_warnings = outcome
        if post_cells is not None:
            files.update((post.url_path + name, data) for name, data in post_cells.files.items())
            if post_cells.codes:  # a post with executed cells downloads as a notebook
                from . import notebook_export

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
    config: Config,
    posts: Sequence[Post],
    cells: Mapping[str, PostCells],
    jobs: int,
    pool: ProcessPoolExecutor | None = None,
    offered: Callable[[Post], Mapping[Hashable, object]] | None = None,
    entries: Sequence[Path | None] | None = None,
) -> Iterator[tuple[RenderedPost | ContentError | Stored, Made]]:
    """Render posts in order, in ``jobs`` processes when there are enough of them
    (those of ``pool`` if one is given: see ``worker_pool``).

    Each process builds its own MarkdownRenderer once; results come back in the
    order of ``posts``, so the output does not depend on the number of jobs. Each
    comes with what its render made of its blocks and formulas (``site_gen.fragments``),
    and a post rendered here is ``offered`` what its last render made. A worker process
    stores its render itself where ``entries`` says (the disk cache), and sends back only
    its card (``Stored``): the bodies would otherwise be pickled to this process, then again
    to the disk, by this one process while the workers wait for it to take their next post.
    """
    tasks = [(post, cells.get(post.url_path)) for post in posts]
    if not tasks:
        return
    # Processes are worth starting only for enough posts. A pool started already (the build
    # starts one while kernels run) is worth any two: this process's own thread would compete
    # with the kernels' clients for the GIL (demo site: 3.68 -> 3.41 s, median of 16 cold builds).
    started = pool is not None and len(tasks) > 1
    jobs = jobs if started else min(jobs, len(tasks) // MIN_POSTS_PER_JOB)
    if jobs <= 1 and not started:
        renderer = MarkdownRenderer(macros=config.macros, raw_html=config.raw_html)
        for post, post_cells in tasks:
            with remembering(offered(post) if offered is not None else {}) as made:
                outcome = _render_or_error(config, renderer, post, post_cells)
            yield outcome, made
        return
    from concurrent.futures import ProcessPoolExecutor

    chunk = max(1, min(32, len(tasks) // (jobs * 4)))
    where = entries if entries is not None else [None] * len(tasks)
    stored = [(post, post_cells, entry) for (post, post_cells), entry in zip(tasks, where, strict=True)]
    if pool is not None:
        yield from pool.map(_render_in_worker, stored, chunksize=chunk)
        return
    own = ProcessPoolExecutor(max_workers=jobs, initializer=_start_worker, initargs=(config,))
    try:
        yield from own.map(_render_in_worker, stored, chunksize=chunk)
    except BaseException:  # Ctrl-C (which the workers ignore), or an error here: drop the posts left
        own.shutdown(wait=False, cancel_futures=True)
        raise
    own.shutdown()


# How much lower the render processes run while kernels run: their posts are off the critical
# path, which is the kernels' start-up and cells (and this process starting them).
BACKGROUND_NICENESS = 10


def worker_pool(config: Config, jobs: int, *, wait: bool = True) -> ProcessPoolExecutor:
    """``jobs`` render processes, started now and run at a lower priority than this one
    and the kernels. The build starts them before any kernel (forking a process while
    kernel threads hold locks could leave the child a held lock), and before discovery
    for a build that will render every post: they get ready while the posts are read.
    With ``wait``, every process exists when this returns."""
    from concurrent.futures import ProcessPoolExecutor

    pool = ProcessPoolExecutor(max_workers=jobs, initializer=_start_worker, initargs=(config, BACKGROUND_NICENESS))
    started = [pool.submit(_ready) for _ in range(jobs)]  # one task each starts every process
    if wait:
        for future in started:
            future.result()
    return pool


# What the first render in a process pays for, once: latex2mathml's import and the
# Python lexer's rules compiled (~65 ms), done by a process that has nothing else to do yet.
WARM_UP = "$x^2$\n\n```python\nx = 1\n```\n"


def _ready() -> None:
    assert _worker is not None
    _worker[1].render(WARM_UP, path=Path("warm-up.md"))


_worker: tuple[Config, MarkdownRenderer] | None = None


def _start_worker(config: Config, niceness: int = 0) -> None:
    global _worker  # one renderer per worker process, built once
    # Ctrl-C reaches the whole process group: the build stops its workers itself, after at most
    # a chunk of posts, instead of each printing a KeyboardInterrupt traceback.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    if niceness and hasattr(os, "nice"):
        os.nice(niceness)
    _worker = (config, MarkdownRenderer(macros=config.macros, raw_html=config.raw_html))


def _render_in_worker(
    task: tuple[Post, PostCells | None, Path | None],
) -> tuple[RenderedPost | ContentError | Stored, Made]:
    assert _worker is not None
    config, renderer = _worker
    post, cells, entry = task
    with remembering({}) as made:  # recorded for the post's next render, which this process will not see
        outcome = _render_or_error(config, renderer, post, cells)
    if entry is None or isinstance(outcome, ContentError):
        return outcome, made
    return Stored(write_entry(entry, outcome, made)), {}


Rendered = tuple[RenderedPost | ContentError | Stored, Made]  # what a worker sends back of a post


def _render_many(tasks: Sequence[tuple[Post, PostCells | None, Path | None]]) -> list[Rendered]:
    return [_render_in_worker(task) for task in tasks]


class RenderAhead:
    """Posts sent to the render processes as discovery reads them, so that the processes
    render while this one reads the rest of ``content/`` (at 1000 posts, 0.6-1 s with one
    core idle) instead of waiting for the last file.

    Only for a build with a disk cache (each worker stores its render there and sends back
    its card, so nothing large waits in memory) and only posts that cannot have a cell
    (``may_have_cells``): a post with cells renders with their outputs, after its kernel.
    ``render_all`` takes each render back (``started``) only for the same post object and the
    same render key; anything else it renders as it always did."""

    def __init__(self, config: Config, cache: RenderCache, pool: ProcessPoolExecutor, chunk: int = 16) -> None:
        self.config, self.cache, self.pool, self.chunk = config, cache, pool, chunk
        self._waiting: list[tuple[Post, str]] = []  # (post, render key), not yet sent
        self._sent: dict[int, tuple[Post, str, Future[list[Rendered]], int]] = {}  # id(post) -> where its render is

    def offer(self, post: Post) -> None:
        """Discovery found ``post``: send it once a chunk is full."""
        if may_have_cells(post):
            return
        self._waiting.append((post, _render_key(self.cache, self.config, post, None)))
        if len(self._waiting) >= self.chunk:
            self.send()

    def send(self) -> None:
        """Send the posts waiting, a chunk or less (the last, from ``started``)."""
        if not self._waiting:
            return
        tasks = [(post, None, self.cache.entry_path(key)) for post, key in self._waiting]
        future = self.pool.submit(_render_many, tasks)
        for position, (post, key) in enumerate(self._waiting):
            self._sent[id(post)] = (post, key, future, position)
        self._waiting = []

    def started(self, sources: Sequence[Post], keys: Sequence[str]) -> dict[int, Callable[[], Rendered]]:
        """For each index of ``sources`` sent ahead under the key it has now, what gives its render."""
        self.send()
        found: dict[int, Callable[[], Rendered]] = {}
        for index, (post, key) in enumerate(zip(sources, keys, strict=True)):
            sent = self._sent.get(id(post))
            if sent is not None and sent[0] is post and sent[1] == key:
                future, position = sent[2], sent[3]
                found[index] = functools.partial(_nth_result, future, position)
        return found


def _nth_result(future: Future[list[Rendered]], position: int) -> Rendered:
    return future.result()[position]


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
    import html5lib  # here: ~10 ms of import, and most summaries are balanced already
    from html5lib.serializer import HTMLSerializer

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
