"""The execute stage: every post's cells, run or taken from the cache.

For each post: find its cells, key them (see ``cache``), and if every cell that
should run has a cached result, start nothing. Otherwise start one kernel and
run the post's cells from the first, since each cell runs in the state the ones
before it left. Posts run in parallel, one kernel each (kernels are separate
processes, so threads are enough to keep several busy).

The result is plain data for the renderer: per post, what each cell showed
(``CellResult``) and the files its outputs need next to the page.
"""

from __future__ import annotations

import os
import re
import threading
import time
from collections.abc import Callable, Sequence
from concurrent.futures import Future, ThreadPoolExecutor, wait
from dataclasses import dataclass, field, replace
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

from site_gen.config import Config, RemoteConfig, load_config
from site_gen.content import Post
from site_gen.errors import ContentError, ContentWarning
from site_gen.markdown import block_tokens

from . import freeze as freezing
from . import route
from .cache import CACHE_DIR, CellCache, cell_keys, digest, externalize, imported_modules, internalize
from .environment import ENVIRONMENT, Environment
from .figures import DARK_PNG, SETUP_DIGEST
from .images import image_size, min_width, on_white
from .limit import limit_outputs
from .model import (
    CACHED,
    FROZEN,
    IMAGE_TYPES,
    NOT_RUN,
    RAN,
    SKIPPED,
    STORED,
    Cell,
    CellResult,
    ExecuteReport,
    Output,
    PostCells,
    extract_cells,
    may_have_cells,
)
from .options import DEFAULT_TIMEOUT
from .settings import ExecuteSettings, Progress

DEFAULT_OUTPUT_LIMIT = Config.cell_output_limit
# On Ctrl-C: seconds for interrupted cells to end before their kernels are killed,
# then at most this long for the killed ones to be noticed and cleaned up.
STOP_GRACE = 0.5
STOP_WAIT = 5.0

if TYPE_CHECKING:
    from .kernel import CellFailure, Stopper

Files = dict[str, bytes]


@dataclass
class _Plan:
    """One post's cells and what each will show; ``to_run`` needs a kernel."""

    post: Post
    cells: list[Cell]
    keys: list[str]
    results: dict[int, tuple[CellResult, Files]] = field(default_factory=dict)
    to_run: list[Cell] = field(default_factory=list)
    remote: RemoteConfig | None = None  # runs on this gateway (see ``route``), else here


def execute_posts(
    posts: Sequence[Post],
    *,
    site_root: Path,
    settings: ExecuteSettings,
    starting: Callable[[], None] | None = None,
    finished: Callable[[Post, PostCells], None] | None = None,
) -> ExecuteReport:
    """Run (or fetch) the cells of every post; errors are collected, not raised.

    ``starting`` is called once, when some cells are to run, before their kernels start.
    ``finished`` is told of each post whose cells ran, from its kernel's thread, as soon as
    they are done (with what ``report.cells`` will hold), so the post can be rendered while
    other kernels still run.
    """
    settings = _with_site_defaults(settings, site_root)
    report = ExecuteReport()
    cache = CellCache(site_root / CACHE_DIR)
    environment = Environment(site_root / CACHE_DIR / ENVIRONMENT)
    cuda = freezing.cuda_available()
    remote = _remote_of(settings, site_root)
    plans: list[_Plan] = []
    for post in posts:
        try:
            plan = _plan(post, cache, settings, cuda, remote, environment)
        except ContentError as exc:
            report.errors.append(exc)
            continue
        if plan is not None:
            plans.append(plan)
            report.cells_cached += sum(1 for result, _ in plan.results.values() if result.status == CACHED)
    environment.save()

    waiting = [plan for plan in plans if plan.to_run]
    left = [len(waiting)]
    lock = threading.Lock()
    stale: dict[int, ContentWarning] = {}  # by plan: a gateway fault shown as the last frozen outputs
    assembled: dict[int, tuple[PostCells, list[ContentWarning]]] = {}  # by plan, as each kernel finished

    def assemble(plan: _Plan) -> tuple[PostCells, list[ContentWarning]]:
        warnings: list[ContentWarning] = []
        cells = _assemble(plan, settings, warnings)
        return cells, [*warnings, *_freeze_warnings(plan)]

    def run(plan: _Plan, stopper: Stopper) -> ContentError | None:
        def on_cell(cell: Cell) -> None:
            if settings.progress is not None:
                number = plan.to_run.index(cell) + 1
                with lock:
                    settings.progress(Progress(plan.post.rel_source, number, len(plan.to_run), left[0]))

        try:
            with slots[plan.remote is not None]:
                if plan.remote is not None:
                    warning = _run_remote(plan, plan.remote, cache, settings, on_cell, stopper)
                    if warning is not None:
                        with lock:
                            stale[id(plan)] = warning
                else:
                    _run(plan, cache, settings, on_cell, stopper, environment)
            done = assemble(plan)
            with lock:
                assembled[id(plan)] = done
            if finished is not None:
                finished(plan.post, done[0])
            return None
        except ContentError as exc:
            return None if stopper.stopped.is_set() else exc
        except Stopped:
            return None  # the main thread re-raises the KeyboardInterrupt
        finally:
            with lock:
                left[0] -= 1

    if waiting:
        if starting is not None:
            starting()
        # nbclient and its kernel machinery cost a quarter second to import:
        # only a build that actually starts a kernel pays for them.
        from .kernel import Stopped, Stopper

        jobs = settings.jobs or max(1, min(len(waiting), os.cpu_count() or 1))
        # Remote kernels do not use this machine's CPUs: they have slots of their own.
        remote_jobs = remote.jobs if remote is not None and any(plan.remote for plan in waiting) else 0
        slots = {False: threading.Semaphore(jobs), True: threading.Semaphore(max(1, remote_jobs))}
        if remote_jobs:
            from .remote import configure_gateway

            configure_gateway(remote)  # type: ignore[arg-type]
        failures = _run_all(waiting, run, jobs + remote_jobs, Stopper())
        report.kernels_started = len(waiting)
        report.cells_run = sum(len(plan.to_run) for plan in waiting)
        report.errors.extend(error for error in failures if error is not None)
        report.warnings.extend(stale[id(plan)] for plan in waiting if id(plan) in stale)
        report.stale = len(stale)

    for plan in plans:  # in the posts' order, whichever kernel finished first
        if not any(error.path == plan.post.rel_source for error in report.errors):
            cells, warnings = assembled.get(id(plan)) or assemble(plan)
            report.cells[plan.post.url_path] = cells
            report.warnings.extend(warnings)
    return report


def _remote_of(settings: ExecuteSettings, site_root: Path) -> RemoteConfig | None:
    """The gateway of this build: the settings', else site.toml's; ``--remote URL`` replaces its url."""
    remote = settings.remote or load_config(site_root).remote
    if settings.remote_url:
        remote = replace(remote, url=settings.remote_url) if remote else RemoteConfig(url=settings.remote_url)
    return remote if remote is not None and remote.url else None  # no url: settings for a later --remote


def _run_all(
    plans: list[_Plan], run: Callable[[_Plan, Stopper], ContentError | None], jobs: int, stopper: Stopper
) -> list[ContentError | None]:
    """Each plan in a worker thread; on Ctrl-C, every kernel stopped before the interrupt goes on."""
    pool = ThreadPoolExecutor(max_workers=jobs)
    futures: list[Future[ContentError | None]] = []
    try:
        futures = [pool.submit(run, plan, stopper) for plan in plans]
        return [future.result() for future in futures]
    except KeyboardInterrupt:
        try:
            _stop(stopper, futures)
        finally:
            stopper.kill()  # even if a second Ctrl-C cut the first one's clean-up short
        raise
    finally:
        pool.shutdown(wait=True, cancel_futures=True)


def _stop(stopper: Stopper, futures: list[Future[ContentError | None]]) -> None:
    """Interrupt every kernel; kill those still running after a moment; wait for their threads."""
    stopper.stop()
    pending = wait(futures, timeout=STOP_GRACE).not_done
    deadline = time.monotonic() + STOP_WAIT
    while pending and time.monotonic() < deadline:
        stopper.kill()  # again each round: a kernel that was still starting has a process now
        pending = wait(pending, timeout=0.2).not_done


def _with_site_defaults(settings: ExecuteSettings, site_root: Path) -> ExecuteSettings:
    """Settings left as None take the site's value from ``site.toml`` (every caller gets the same)."""
    if None not in (settings.timeout, settings.output_limit, settings.unsafe_html):
        return settings
    config = load_config(site_root)
    return replace(
        settings,
        timeout=config.cell_timeout if settings.timeout is None else settings.timeout,
        output_limit=config.cell_output_limit if settings.output_limit is None else settings.output_limit,
        unsafe_html=config.unsafe_cell_html if settings.unsafe_html is None else settings.unsafe_html,
    )


def _plan(
    post: Post,
    cache: CellCache,
    settings: ExecuteSettings,
    cuda: bool,
    remote: RemoteConfig | None = None,
    environment: Environment | None = None,
) -> _Plan | None:
    cells = _cells_of(post)
    if not cells:
        return None
    remote = remote if route.runs_remote(post, cells, remote) else None
    if remote is not None:
        cuda = True  # the remote kernel says whether it has a device; until then its cuda cells are to run
    environment = environment or Environment()
    kernel = route.remote_identity(remote, post.jupyter) if remote else environment.kernel_identity(post.jupyter)
    kernel = {**kernel, "figures": SETUP_DIGEST}  # what the kernel runs before the cells (cells.figures)
    keys = cell_keys(cells, kernel=kernel, inputs=_input_hashes(post), local=remote is None, environment=environment)
    plan = _Plan(post, cells, keys, remote=remote)
    needs_frozen = remote is not None or any(c.options.frozen for c in cells)
    frozen = freezing.load_frozen(post.source, post.rel_source) if needs_frozen else {}
    stored = _stored_outputs(post, cells)
    for cell in cells:
        if not post.execute and post.stored_outputs is not None:
            outputs, files = externalize(stored.get(cell.index, ()))
            plan.results[cell.index] = (CellResult(STORED, tuple(outputs)), files)
        elif not post.execute or not cell.options.eval:
            plan.results[cell.index] = (CellResult(SKIPPED), {})
        elif cell.options.requires == "cuda" and not cuda:
            plan.results[cell.index] = _not_run(cell, frozen.get(cell.name))
        else:
            plan.to_run.append(cell)
    rerun = settings.rerun or (settings.freeze and any(c.options.frozen for c in plan.to_run))
    cached = {} if rerun else {cell.index: cache.load(keys[cell.index]) for cell in plan.to_run}
    if plan.to_run and not rerun and all(entry is not None for entry in cached.values()):
        for cell in plan.to_run:
            entry = cached[cell.index]
            assert entry is not None
            plan.results[cell.index] = _cached(cell, entry, frozen.get(cell.name), remote)
        plan.to_run = []
    return plan


def _cached(
    cell: Cell, entry: tuple[list[Output], Files], frozen: freezing.Frozen | None, remote: RemoteConfig | None
) -> tuple[CellResult, Files]:
    """A cached result; a remote one says where it ran, as its frozen record tells."""
    if remote is None:
        return CellResult(CACHED, tuple(entry[0])), entry[1]
    if route.is_not_run_marker(entry[0]):
        return route.no_cuda_remote(cell, frozen, remote.host)
    note = f"Ran remotely: {frozen.provenance}." if frozen is not None and freezing.matches(frozen, cell) else ""
    return CellResult(CACHED, tuple(entry[0]), note), entry[1]


# Cheaper than parsing: a body with no "{ python" anywhere has no executable fence.
def _cells_of(post: Post) -> list[Cell]:
    if not may_have_cells(post):
        return []
    return extract_cells(block_tokens(post.body), path=post.rel_source, first_line=post.body_line)


def _stored_outputs(post: Post, cells: list[Cell]) -> dict[int, tuple[Output, ...]]:
    """A notebook's stored outputs for each cell, matched by code, in order.

    Matched rather than counted, so a code cell that the Markdown swallowed
    (an unclosed construct in the cell before it) cannot shift every output after it.
    """
    matched: dict[int, tuple[Output, ...]] = {}
    stored = list(post.stored_outputs or ())
    position = 0
    for cell in cells:
        for offset, (code, outputs) in enumerate(stored[position:]):
            if code.rstrip() == cell.code.rstrip():
                matched[cell.index] = outputs
                position += offset + 1
                break
    return matched


def _input_hashes(post: Post) -> dict[str, str]:
    """``inputs:`` files, relative to the post's folder, by content."""
    hashes = {}
    for name in post.inputs:
        path = post.source.parent / name
        if not path.is_file():
            raise ContentError(
                post.rel_source, None, f"input file '{name}' not found", f"inputs are relative to {post.source.parent}"
            )
        hashes[name] = digest(path.read_bytes())
    return hashes


def _not_run(cell: Cell, frozen: freezing.Frozen | None) -> tuple[CellResult, Files]:
    if frozen is not None and freezing.matches(frozen, cell):
        outputs, files = externalize(frozen.outputs)
        note = f"Frozen output, not re-run in this build (no CUDA device here): {frozen.provenance}."
        return CellResult(FROZEN, tuple(outputs), note), files
    reason = "Not run: no CUDA device in this build, and no frozen output for this cell."
    if frozen is not None:
        reason = "Not run: no CUDA device in this build; its frozen output is for different code, so it is not shown."
    return CellResult(NOT_RUN, (), reason), {}


def _run(
    plan: _Plan,
    cache: CellCache,
    settings: ExecuteSettings,
    on_cell: Callable[[Cell], None],
    stopper: Stopper,
    environment: Environment,
) -> None:
    from .kernel import CellFailure, run_cells

    post = plan.post
    try:
        run = run_cells(
            plan.to_run,
            kernel=post.jupyter,
            cwd=post.source.parent,
            default_timeout=settings.timeout or DEFAULT_TIMEOUT,
            on_cell=on_cell,
            stopper=stopper,
        )
    except CellFailure as failure:
        raise _as_error(post, failure) from None
    frozen_changed = False
    frozen = freezing.load_frozen(post.source, post.rel_source) if any(c.options.frozen for c in plan.to_run) else {}
    for cell in plan.to_run:
        raw = run.outputs.get(cell.index, [])
        outputs, files = externalize(raw)
        cache.store(plan.keys[cell.index], outputs, files)
        plan.results[cell.index] = (CellResult(RAN, tuple(outputs)), files)
        if cell.options.frozen:
            modules = imported_modules(c.code for c in plan.cells[: cell.index + 1])
            frozen[cell.name] = freezing.freeze(
                cell, internalize(outputs, files), modules, settings.today or date.today(), environment
            )
            frozen_changed = True
    if frozen_changed:
        freezing.save_frozen(post.source, frozen)


def _run_remote(
    plan: _Plan,
    remote: RemoteConfig,
    cache: CellCache,
    settings: ExecuteSettings,
    on_cell: Callable[[Cell], None],
    stopper: Stopper,
) -> ContentWarning | None:
    """As ``_run``, on the gateway: every cell that ran is frozen with the device it reported.

    Nothing is stored (cache or ``_freeze.json``) unless the whole post ran. When the
    gateway fails (down, token refused, kernel died, network cut, timeout) and the
    post's cells have frozen outputs, those are shown marked stale, and the fault is
    a warning (returned) rather than an error; a cell's own exception is always an error.
    """
    from .kernel import RAISED, CellFailure
    from .remote import run_remote

    post = plan.post
    inputs = {name: (post.source.parent / name).read_bytes() for name in post.inputs}
    try:
        run = run_remote(
            plan.to_run,
            remote=remote,
            kernel=post.jupyter,
            inputs=inputs,
            modules=sorted(imported_modules(c.code for c in plan.cells)),
            default_timeout=settings.timeout or DEFAULT_TIMEOUT,
            on_cell=on_cell,
            stopper=stopper,
        )
    except CellFailure as failure:
        shown = None if failure.kind == RAISED else _stale(plan, remote, failure)
        if shown is None:
            raise _as_error(post, failure) from None
        return shown
    frozen = freezing.load_frozen(post.source, post.rel_source)
    device, today = run.device, settings.today or date.today()
    versions = {**run.device.versions, "python": run.device.python}
    for cell in plan.to_run:
        if cell.index in run.skipped:
            cache.store(plan.keys[cell.index], route.not_run_marker(remote.host), {})
            plan.results[cell.index] = route.no_cuda_remote(cell, frozen.get(cell.name), remote.host)
            continue
        outputs, files = externalize(run.outputs.get(cell.index, []))
        cache.store(plan.keys[cell.index], outputs, files)
        record = freezing.freeze_remote(cell, internalize(outputs, files), device.name, versions, remote.host, today)
        frozen[cell.name] = record
        plan.results[cell.index] = (CellResult(RAN, tuple(outputs), f"Ran remotely: {record.provenance}."), files)
    freezing.save_frozen(post.source, frozen)
    return None


def _stale(plan: _Plan, remote: RemoteConfig, failure: CellFailure) -> ContentWarning | None:
    """Every cell that was to run shows its last frozen output, marked stale, and the warning that says so;
    None (and nothing changed) if a cell has none, so the fault stays an error."""
    frozen = freezing.load_frozen(plan.post.source, plan.post.rel_source)
    shown = {cell.index: route.stale(cell, frozen.get(cell.name), failure.message) for cell in plan.to_run}
    if any(result is None for result in shown.values()):
        return None
    for index, result in shown.items():
        assert result is not None
        plan.results[index] = result
    cell = failure.cell if failure.cell in plan.to_run else plan.to_run[0]
    record = frozen.get(cell.name)
    shows = (
        f"showing the output frozen on {record.date}"
        if record is not None and freezing.matches(record, cell)
        else "showing the post's other frozen outputs"
    )
    others = len(plan.to_run) - 1
    if others:
        shows += f" (and the last outputs of its {others} other cell{'s' if others > 1 else ''})"
    notebook = plan.post.source.suffix == ".ipynb"
    hint = failure.hint or "start the gateway (or open the SSH tunnel to it) and build again"
    return ContentWarning(
        plan.post.rel_source,
        None if notebook else (failure.line or cell.line),
        f"cell {cell.index + 1} could not run on {remote.url}: {failure.message.rstrip('.')}; {shows}"
        f"\n  hint: {hint}; the page marks these outputs stale, and _freeze.json is left as it was",
    )


def _as_error(post: Post, failure: CellFailure) -> ContentError:
    cell = failure.cell
    if cell is None:
        return ContentError(post.rel_source, None, failure.message, failure.hint)
    notebook = post.source.suffix == ".ipynb"  # its lines are the generated Markdown's: name the cell instead
    line = None if notebook else (failure.line or cell.line)
    message = f"cell {cell.index + 1} failed: {failure.message}"
    if failure.details:
        message += "\n" + "\n".join("    " + text for text in failure.details.splitlines())
    return ContentError(post.rel_source, line, message, failure.hint)


def _assemble(plan: _Plan, settings: ExecuteSettings, warnings: list[ContentWarning]) -> PostCells:
    """What the page shows: text cut to the output limit, image files named ``<cell name>-<n>.<ext>``
    with their sizes, and kernel file names in messages replaced by the cells they mean."""
    cells = PostCells()
    limit = settings.output_limit or DEFAULT_OUTPUT_LIMIT
    kernel_files = _KernelFiles(plan.cells)
    for cell in plan.cells:
        result, files = plan.results[cell.index]
        outputs, cut = limit_outputs(result.outputs, limit)
        if cut:
            warnings.append(_cut_warning(plan.post, cell, cut, limit))
        renamed: list[Output] = []
        count = 0
        for output in outputs:
            output = kernel_files.rewrite(output, cell)
            data = output.get("data")
            if isinstance(data, dict):
                data = dict(data)
                metadata = dict(output.get("metadata") or {})
                for mime, ext in IMAGE_TYPES.items():
                    if mime in data and data[mime] in files:
                        if mime == DARK_PNG:  # the dark render of the image just named: its twin
                            name = f"{cell.name}-{count}-dark.{ext}"
                        else:
                            count += 1
                            name = f"{cell.name}-{count}.{ext}"
                        cells.files[name] = _page_file(files[data[mime]], ext, settings)
                        metadata[mime] = _image_metadata(metadata.get(mime), cells.files[name], ext)
                        data[mime] = name
                output = {**output, "data": data, "metadata": metadata}
            renamed.append(output)
        if count and not (cell.options.fig_alt or cell.options.fig_cap):
            warnings.append(_alt_warning(plan.post, cell))
        cells.results[cell.index] = CellResult(result.status, tuple(renamed), result.note, bool(settings.unsafe_html))
        cells.codes[cell.index] = cell.code
    return cells


def _image_metadata(given: object, content: bytes, ext: str) -> dict[str, object]:
    """Jupyter's per-image metadata (``width``/``height`` in CSS px, as a notebook may set them),
    completed from the file's own size; whether it is drawn on a white plate (``on_white``), and
    for a plot the narrowest it may be shown with its text still 12 px (``min_width``)."""
    meta = dict(given) if isinstance(given, dict) else {}
    size = image_size(content, ext)
    width, height = meta.get("width"), meta.get("height")
    if size is not None and not (_is_length(width) and _is_length(height)):
        if _is_length(width):  # a display width alone (a retina PNG's half size): keep the proportions
            assert isinstance(width, (int, float))
            meta["height"] = round(width * size[1] / size[0])
        else:
            meta["width"], meta["height"] = size
    meta["on_white"] = on_white(content, ext)
    narrowest = min_width(content, ext)
    if narrowest is not None and _is_length(meta.get("width")):
        meta["min_width"] = min(narrowest, round(meta["width"]))  # never enlarged past its own size
    return meta


def _is_length(value: object) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and value > 0


def _alt_warning(post: Post, cell: Cell) -> ContentWarning:
    notebook = post.source.suffix == ".ipynb"
    return ContentWarning(
        post.rel_source,
        None if notebook else cell.line,
        f"cell {cell.index + 1} draws a figure with no text for screen readers; "
        'add `#| fig-alt: "what the figure shows"` (or a `#| fig-cap:`)',
    )


# Where IPython compiles each cell: <tempdir>/ipykernel_<pid>/<hash of the code>.py, shown in
# warnings ("…/123.py:4: UserWarning") and in frames of functions a cell defined.
_KERNEL_FILE_RE = re.compile(r"""(?:(?:[A-Za-z]:)?[/\\][^\s"'(\x1b]*[/\\])?ipykernel_\d+[/\\](\d+)\.py(?::(\d+))?""")


class _KernelFiles:
    """Names the kernel's temporary files by the cells they hold: ``cell 3, line 4``."""

    def __init__(self, cells: Sequence[Cell]) -> None:
        self.cells = cells
        self._by_hash: dict[str, Cell] | None = None

    def by_hash(self) -> dict[str, Cell]:
        if self._by_hash is None:
            try:  # ipykernel's own file naming (ipykernel.compiler); another kernel: the current cell
                from ipykernel.compiler import get_tmp_hash_seed, murmur2_x86

                seed = get_tmp_hash_seed()  # type: ignore[no-untyped-call]
                hashes = {str(murmur2_x86(cell.code, seed)): cell for cell in self.cells}  # type: ignore[no-untyped-call]
                self._by_hash = hashes
            except ImportError:
                self._by_hash = {}
        return self._by_hash

    def rewrite(self, output: Output, current: Cell) -> Output:
        kind = output.get("output_type")
        if kind == "stream" and "ipykernel_" in str(output.get("text", "")):
            text = output["text"]
            text = "".join(text) if isinstance(text, list) else str(text)
            return {**output, "text": self._names(text, current)}
        if kind == "error" and any("ipykernel_" in str(line) for line in output.get("traceback", [])):
            return {**output, "traceback": [self._names(str(line), current) for line in output["traceback"]]}
        return output

    def _names(self, text: str, current: Cell) -> str:
        def name(match: re.Match[str]) -> str:
            cell = self.by_hash().get(match.group(1), current)
            line = match.group(2)
            return f"cell {cell.index + 1}" + (f", line {line}" if line else "")

        return _KERNEL_FILE_RE.sub(name, text)


def _page_file(content: bytes, ext: str, settings: ExecuteSettings) -> bytes:
    """An SVG opened by its own URL is a document of the site's origin: no script in it either."""
    if ext != "svg" or settings.unsafe_html:
        return content
    from .sanitize import sanitize_svg_file  # html5lib and nh3: imported by a build that has SVG figures only

    return sanitize_svg_file(content)


def _cut_warning(post: Post, cell: Cell, cut: int, limit: int) -> ContentWarning:
    notebook = post.source.suffix == ".ipynb"  # its lines are the generated Markdown's: the cell number says it
    return ContentWarning(
        post.rel_source,
        None if notebook else cell.line,
        f"cell {cell.index + 1} printed {cut:,} characters more than cell_output_limit ({limit:,}); "
        "the page shows the first part and says how much was cut",
    )


def _freeze_warnings(plan: _Plan) -> list[ContentWarning]:
    """A frozen output that no longer matches its cell's code is worth a line in the build."""
    return [
        ContentWarning(
            plan.post.rel_source, cell.line, "frozen output is for different code; run with --freeze on a GPU"
        )
        for cell in plan.cells
        for result, _ in [plan.results[cell.index]]
        if result.status == NOT_RUN and "different code" in result.note
    ]
