"""The build: read ▶ execute ▶ render ▶ lay out ▶ write, in that order and no other.

``build_site`` is the whole pipeline in one readable function. Each stage is a
function of plain data: ``discovery.discover`` gives Posts, ``cells.execute``
runs their cells, ``render.render_all`` turns them into HTML, ``write.write_site``
lays pages out with templates, and ``StagedOutput`` makes the result appear all
at once or not at all. First of all, the manifest says whether anything changed.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from . import manifest
from .cells.device import cuda_available
from .cells.settings import ExecuteSettings
from .config import REDIRECTS_DIR, Config, load_config
from .errors import BuildFailed, ContentError, ContentWarning
from .output import Inputs, OutputConflict, Placed, Spot, StagedOutput, check_output_folder

if TYPE_CHECKING:
    from concurrent.futures import Future, ProcessPoolExecutor

    import jinja2

    from .cells.model import ExecuteReport, PostCells
    from .content import Post
    from .fingerprints import IncrementalOutput
    from .page_pool import PagePool
    from .reach import SiteRecord
    from .render import RenderAhead, RenderedSite
    from .render_cache import RenderCache
    from .search import ShardIndexer


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
    rerun = execute is not None and (execute.rerun or execute.freeze)
    record = record and use_cache
    options = (drafts, str(target), cuda_available())
    stats: dict[str, tuple[int, int]] = {}
    inputs = manifest.input_digest(
        config, options=options, extra_inputs=map(Path, previous.extra_inputs if previous else []), stats=stats
    )
    if record and not rerun and manifest.up_to_date(previous, inputs, target):
        assert previous is not None
        return BuildResult(target, previous.pages, previous.files, manifest.warnings_of(previous), up_to_date=True)

    # Only now is there work to do, so only now are the stages imported: a no-change
    # build must not pay for Jinja2, Pygments, latex2mathml and nbclient to learn that.
    from .discovery import discover
    from .fingerprints import IncrementalOutput
    from .post_cache import PostCache
    from .render import RenderAhead, available_cpus
    from .render_cache import DiskRenderCache
    from .template_cache import TemplateCache

    settings = execute or ExecuteSettings()
    if settings.timeout is None:
        settings = replace(settings, timeout=config.cell_timeout)

    jobs = jobs or available_cpus()
    ready = _ready_workers(config, jobs, use_cache)
    try:
        discovery_warnings: list[ContentWarning] = []
        posts = PostCache.load(config, stats) if use_cache else None
        cache = DiskRenderCache(config.cache_dir / "render") if use_cache else None
        ahead = RenderAhead(config, cache, ready) if cache is not None and ready is not None else None
        found = ahead.offer if ahead is not None else None
        sources, errors = discover(config, drafts=drafts, warnings=discovery_warnings, cache=posts, found=found)
        if posts is not None:
            posts.save()  # what was read is valid whatever the rest of the build does
        executed, rendered, workers = _execute_and_render(config, sources, errors, settings, cache, jobs, ready, ahead)
    except BaseException:
        if ready is not None:
            ready.shutdown(wait=False, cancel_futures=True)
        raise
    try:
        if cache is not None:
            cache.save_cards()
        rendered.warnings[:0] = discovery_warnings
        rendered.warnings.extend(executed.warnings)
        if errors:
            raise BuildFailed(errors)
        # The last build's fingerprints let unchanged pages be linked rather than rendered,
        # as long as its output is intact (options, hence the output path, are in the inputs).
        # That output is then updated in place: only new and changed files are staged.
        intact = previous is not None and manifest.output_intact(previous, target)
        trusted = previous.fingerprints if previous and intact else {}
        templates = TemplateCache(config.cache_dir) if use_cache else None
        refs = templates.refs() if templates is not None else {}
        fingerprints = (
            IncrementalOutput(config, trusted, full=False, folder=None, memo={}, template_refs=refs) if record else None
        )
        site_record = _settle(config, rendered, fingerprints, previous if trusted else None)
        in_place = previous.outputs.keys() if previous and intact and trusted else ()
        # Many post pages to make are laid out by worker processes: the render processes started
        # before the kernels, or new ones, but never forked once kernels ran in this process (a
        # child could be left waiting on a lock a kernel client's thread held).
        apart = jobs if jobs > 1 and (workers is not None or not executed.kernels_started) else 0
        with StagedOutput(target, fingerprints, in_place=in_place) as out:
            try:
                pages = _write(
                    config, rendered, out, templates.bytecode() if templates is not None else None, apart, workers
                )
            except ContentError as exc:
                raise BuildFailed([exc]) from None
            except OutputConflict as exc:
                raise BuildFailed(
                    [ContentError(None, None, str(exc), "give one of them a different slug or name")]
                ) from None
            files, changed, made = out.count, out.changed, out.made
            out.commit()
    finally:
        if workers is not None:
            workers.shutdown()
    if templates is not None:
        templates.save_refs(refs)
    # In place, the files not published are the previous build's, checked intact before it began.
    untouched = None
    if in_place and previous is not None:
        untouched = {rel: previous.outputs[rel] for rel in out.written - out.published() if rel in previous.outputs}
    # A page showing stale outputs (its gateway failed) is never "up to date": the next build tries again.
    if record and not executed.stale:
        extra = sorted(
            {(post.source.parent / name).resolve() for post in sources for name in post.inputs}
            # .bib and .csl files may lie outside content/ (``bibliography = "refs/site.bib"``)
            | {(config.root / bib.path).resolve() for post in sources for bib in post.bibliography}
            | {(config.root / post.csl.name).resolve() for post in sources if post.csl and post.csl.xml}
        )
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
            site=site_record.to_json() if site_record else None,
            untouched=untouched,
            written=out.written,
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


def _settle(
    config: Config, rendered: RenderedSite, out: IncrementalOutput | None, previous: manifest.Manifest | None
) -> SiteRecord | None:
    """This build's ``SiteRecord``, the pages it cannot have changed settled (``site_gen.reach``)."""
    if out is None:
        return None
    from .reach import SiteRecord, settle

    return settle(config, rendered, out, SiteRecord.from_json(previous.site) if previous is not None else None)


def _ready_workers(config: Config, jobs: int, use_cache: bool) -> ProcessPoolExecutor | None:
    """For a build that will render every post (no render cache yet, or not used), the render
    processes, started now: they get ready (imports, a lexer compiled) while this process
    discovers the posts, instead of after it, and they lay out the pages later on."""
    from .render_cache import CARDS

    if jobs < 2 or (use_cache and (config.cache_dir / "render" / CARDS).is_file()):
        return None
    from .render import worker_pool

    return worker_pool(config, jobs, wait=False)


def _execute_and_render(
    config: Config,
    sources: list[Post],
    errors: list[ContentError],
    settings: ExecuteSettings,
    cache: RenderCache | None,
    jobs: int,
    ready: ProcessPoolExecutor | None = None,
    ahead: RenderAhead | None = None,
) -> tuple[ExecuteReport, RenderedSite, ProcessPoolExecutor | None]:
    """Run the cells, and render every post: the posts that cannot have a cell render in the
    background while the kernels run, and each post with cells as soon as its kernel is done,
    so start-up and execution are off the critical path (only the last post's render is on it).
    The render processes (``ready``, or started before the kernels) are handed back for the
    layout once kernels ran, or when they were ``ready``: no process is forked after kernels
    (the caller shuts them down)."""
    from .cells.model import ExecuteReport, may_have_cells
    from .render import RenderedSite, render_all, worker_pool

    with_cells = [post for post in sources if may_have_cells(post)]
    early = [post for post in sources if not may_have_cells(post)]
    if not with_cells:  # the cell machinery is not even imported
        site = render_all(config, sources, errors, cache=cache, cells={}, jobs=jobs, pool=ready, ahead=ahead)
        return ExecuteReport(), site, ready
    from .cells.execute import execute_posts

    # Started before any kernel: forking while kernel threads hold locks could leave a child stuck.
    # Even a few posts render there, not on a thread competing with the kernels' clients.
    pool = ready or (worker_pool(config, jobs) if jobs > 1 and len(early) >= 2 else None)
    late = _AsFinished(config, cache)
    try:
        background = _Background(render_all, config, early, cache=cache, cells={}, jobs=jobs, pool=pool, ahead=ahead)
        # On Ctrl-C, execute_posts stops its kernels and re-raises; the render threads die with the process.
        executed = execute_posts(
            with_cells, site_root=config.root, settings=settings, starting=late.starting, finished=late.submit
        )
        early_site, early_errors = background.result()
        errors.extend(executed.errors)
        failed = {error.path for error in executed.errors}  # reported once, by the stage that found it
        later = [post for post in with_cells if post.rel_source not in failed]
        late_sites = late.results(later, executed.cells, errors)
    except BaseException:
        late.abandon()
        if pool is not None:
            pool.shutdown(wait=False, cancel_futures=True)
        raise
    if pool is not None and not executed.kernels_started and pool is not ready:
        pool.shutdown()
        pool = None
    errors.extend(early_errors)
    return executed, RenderedSite.combined([early_site, *late_sites]), pool


class _AsFinished:
    """Renders each post with cells on a thread of its own as soon as its kernel is done
    (``submit``, called from the kernel's thread); ``results`` gives them back in the posts'
    order, rendering then the posts whose cells needed no kernel (all cached)."""

    def __init__(self, config: Config, cache: RenderCache | None) -> None:
        from concurrent.futures import ThreadPoolExecutor

        self.config, self.cache = config, cache
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="site-gen-render-cells")
        self._futures: dict[str, Future[tuple[RenderedSite, list[ContentError]]]] = {}

    def starting(self) -> None:
        """Kernels are about to start: get ready to render their posts while they do."""
        self._pool.submit(_warm_up)  # first in the queue

    def submit(self, post: Post, cells: PostCells) -> None:
        self._futures[post.url_path] = self._pool.submit(self._render, post, cells)

    def results(
        self, posts: Sequence[Post], cells: Mapping[str, PostCells], errors: list[ContentError]
    ) -> list[RenderedSite]:
        sites = []
        try:
            for post in posts:
                future = self._futures.get(post.url_path)
                site, post_errors = future.result() if future else self._render(post, cells.get(post.url_path))
                sites.append(site)
                errors.extend(post_errors)
        finally:
            self._pool.shutdown()
        return sites

    def abandon(self) -> None:
        self._pool.shutdown(wait=False, cancel_futures=True)

    def _render(self, post: Post, cells: PostCells | None) -> tuple[RenderedSite, list[ContentError]]:
        from .render import render_all

        errors: list[ContentError] = []
        found = {post.url_path: cells} if cells is not None else {}  # none: an error elsewhere named its file
        site = render_all(self.config, [post], errors, cache=self.cache, cells=found, jobs=1)
        return site, errors


def _warm_up() -> None:
    """What this process needs only to render a post with cells, made ready while the kernels
    start instead of after the first one is done, on the build's critical path: the Python
    lexer's rules compiled (35 ms in a fresh process: the other posts rendered in workers)
    and the modules that turn outputs into HTML imported."""
    from .cells import outputs, sanitize  # noqa: F401
    from .highlight import get_lexer

    get_lexer("python")


class _Background(threading.Thread):
    """``render_all`` in a thread of its own, its errors kept apart until it is joined."""

    def __init__(self, render: Callable[..., RenderedSite], config: Config, posts: list[Post], **options: Any):
        super().__init__(name="site-gen-render", daemon=True)
        self._render, self._config, self._posts, self._options = render, config, posts, options
        self._errors: list[ContentError] = []
        self._site: RenderedSite | None = None
        self._failure: BaseException | None = None
        self.start()

    def run(self) -> None:
        try:
            self._site = self._render(self._config, self._posts, self._errors, **self._options)
        except BaseException as failure:  # re-raised in the build's own thread by result()
            self._failure = failure

    def result(self) -> tuple[RenderedSite, list[ContentError]]:
        self.join()
        if self._failure is not None:
            raise self._failure
        assert self._site is not None
        return self._site, self._errors


def _write(
    config: Config,
    rendered: RenderedSite,
    out: StagedOutput,
    compiled: jinja2.BytecodeCache | None,
    apart: int,
    workers: ProcessPoolExecutor | None = None,
) -> int:
    """The layout stage, and the search index beside it: posts are written shard by shard,
    and each shard is indexed as soon as it is complete, while the rest are written.
    With ``apart`` > 1, that many worker processes may lay out the post pages (``site_gen.page_pool``)."""
    from .write import indexed_pages, write_site

    if not config.search:
        return write_site(
            config, rendered, out, compiled=compiled, page_pool=_page_pool(config, apart, compiled, None, workers)
        )
    from . import search

    indexer = _indexer(config, out, indexed_pages(rendered))
    shard = {page: n for n, folder in enumerate(indexer.shards) for page in indexer.shards[folder]}
    try:
        pages = write_site(
            config,
            rendered,
            _Announced(out, indexer.written),
            compiled=compiled,
            post_order=lambda view: shard.get(view.url_path + "index.html", -1),
            page_pool=_page_pool(config, apart, compiled, indexer, workers),
        )
        indexer.finish()
    except BaseException:
        indexer.abandon()
        raise
    out.adopt(search.INDEX_DIR)
    return pages


def _page_pool(
    config: Config,
    jobs: int,
    compiled: jinja2.BytecodeCache | None,
    indexer: ShardIndexer | None = None,
    workers: ProcessPoolExecutor | None = None,
) -> Callable[[], PagePool | None] | None:
    """What gives the layout its worker processes when it has enough pages for them: ``workers``
    (started before any kernel), or new ones. A process is forked only while this one runs no
    other thread that could hold a lock the child would then wait on forever: never once the
    search indexer has started one (nor after kernels: the caller gives ``workers`` or no ``jobs``)."""
    if jobs < 2:
        return None

    def make() -> PagePool | None:
        from .page_pool import PagePool

        if workers is not None:
            return PagePool(config, jobs, compiled, workers)
        if indexer is not None and indexer.started:
            return None
        return PagePool(config, jobs, compiled)

    return make


def _indexer(config: Config, out: StagedOutput, pages: list[str]) -> ShardIndexer:
    """The search index, shard by shard (see ``site_gen.search``): a shard whose pages are
    the same as last time, byte for byte, is linked from the previous output, not re-indexed."""
    from . import search

    before = search.previous_plan(out.target / search.INDEX_DIR)

    def keep(folder: str, members: Sequence[str]) -> bool:
        unchanged = before.get(folder) == list(members) and not any(page in out.changed for page in members)
        return unchanged and out.keep_previous(folder.rstrip("/"))

    return search.ShardIndexer(out.located, out.staging, search.deal(pages), language=config.language, keep=keep)


class _Announced:
    """An Output that reports each file once it is in place, written or linked (see ShardIndexer)."""

    def __init__(self, out: StagedOutput, written: Callable[[str], None]) -> None:
        self.out, self.written = out, written

    def needs(self, rel_path: str, inputs: Inputs, template: str | None = None) -> bool:
        made = self.out.needs(rel_path, inputs, template)
        if not made:  # linked from the previous build: in place already
            self.written(rel_path)
        return made

    def write(self, rel_path: str, data: bytes) -> None:
        self.out.write(rel_path, data)
        self.written(rel_path)

    def reserve(self, rel_path: str) -> Spot:
        return self.out.reserve(rel_path)

    def placed(self, rel_path: str, outcome: Placed) -> None:
        self.out.placed(rel_path, outcome)
        self.written(rel_path)

    def copy(self, rel_path: str, source: Path) -> None:
        self.out.copy(rel_path, source)


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
        previous_output=lambda: manifest.wrote(previous, requested.resolve()),
    )
