"""Post pages laid out by worker processes, so a large build's layout stage uses every core.

Before this, the parent laid out every page alone once the posts were rendered: at 1000 posts,
3.4 s of a 9.7 s cold build on 2 cores, one of them idle, and more than half of it the kernel's
work of making folders and files. Now the parent still decides which pages to make (their
fingerprints, ``Output.needs``) and reserves their files, in the order it always wrote them;
the workers each render a share of the post pages through their own Jinja2 environment and
write them straight into the staging folder (``output.place``) while the parent lays out the
listings. Results are recorded in the order the pages were given, so what the parent announces
(the search index's shards, see ``build._Announced``) follows the same order as before.

Only post pages go to the workers: they are nine pages in ten of a blog, and each shows one
post and its two neighbours, which travel with it (a body in the render cache as the path of
its entry, ``render_cache.EntryBody``). A listing shows many posts; it stays with the parent,
which holds them all. The pages are byte for byte those the parent would have made (test).
"""

from __future__ import annotations

import signal
from collections import deque
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from .errors import ContentError
from .output import Placed, Spot, place

if TYPE_CHECKING:
    from concurrent.futures import Future, ProcessPoolExecutor

    import jinja2

    from .config import Config
    from .layout import Renderer

# Below this many post pages to make, starting the workers costs more than they save
# (a one-post edit lays out two or three pages; the parent does those itself).
MIN_PAGES = 64
CHUNK = 16  # pages per task: few enough to share the work evenly, enough to cost little to send


@dataclass(frozen=True)
class PageJob:
    """One page to lay out: what ``Renderer.page`` takes, and where the file goes."""

    template: str
    path: str  # the page's site-relative URL path ("posts/hello/")
    title: str
    context: Mapping[str, Any]
    spot: Spot


class PagePool:
    """``jobs`` worker processes, forked when the pool is made: only while the build runs no
    other thread (a child forked while another thread holds a lock could wait on it forever;
    see ``build._page_pool``)."""

    def __init__(
        self,
        config: Config,
        jobs: int,
        compiled: jinja2.BytecodeCache | None,
        workers: ProcessPoolExecutor | None = None,
    ) -> None:
        """``workers``: processes started already (the build's render processes, forked before
        any kernel), which this pool borrows and leaves running; otherwise ``jobs`` new ones."""
        from concurrent.futures import ProcessPoolExecutor  # here: a no-change build imports this module

        self.config, self.compiled = config, compiled
        self._owned = workers is None
        self._executor = workers or ProcessPoolExecutor(max_workers=jobs, initializer=_start_worker)
        self._submitted: list[Future[list[Placed | ContentError]]] = []
        if self._owned:
            self._executor.submit(_ready)  # a fork-based pool starts all its processes at its first task

    def lay_out(self, common: Mapping[str, Any], jobs: list[PageJob], placed: Callable[[str, Placed], None]) -> Pending:
        """Start laying out ``jobs``; ``placed`` is told of each file, in order, as ``Pending`` collects it."""
        chunks = [jobs[start : start + CHUNK] for start in range(0, len(jobs), CHUNK)]
        futures: deque[tuple[list[str], Future[list[Placed | ContentError]]]] = deque()
        for chunk in chunks:
            future = self._executor.submit(_lay_out, self.config, self.compiled, dict(common), chunk)
            self._submitted.append(future)
            futures.append(([job.path + "index.html" for job in chunk], future))
        return Pending(futures, placed)

    def close(self) -> None:
        """Wait for the workers (they write into the staging folder, which a failed build removes next)."""
        if self._owned:
            self._executor.shutdown(wait=True, cancel_futures=True)
            return
        from concurrent.futures import wait

        for future in self._submitted:
            future.cancel()
        wait(self._submitted)


class Pending:
    """Post pages the workers are laying out, recorded in order as they are done."""

    def __init__(
        self,
        futures: deque[tuple[list[str], Future[list[Placed | ContentError]]]],
        placed: Callable[[str, Placed], None],
    ) -> None:
        self._futures, self._placed = futures, placed

    def collect_ready(self) -> None:
        """Record the pages done so far, without waiting (the parent calls it between its own pages)."""
        while self._futures and self._futures[0][1].done():
            self._collect()

    def finish(self) -> None:
        """Wait for the rest; raise the first template error, as the parent would have met it."""
        while self._futures:
            self._collect()

    def _collect(self) -> None:
        paths, future = self._futures.popleft()
        for rel_path, outcome in zip(paths, future.result(), strict=False):  # shorter after an error
            if isinstance(outcome, ContentError):
                raise outcome
            self._placed(rel_path, outcome)


_worker: dict[str, Any] = {}  # in each worker: its Renderer, and what it was made for


def _start_worker() -> None:
    # Ctrl-C reaches the whole process group: the build stops its workers itself (PagePool.close),
    # after at most a chunk of pages, instead of each printing a KeyboardInterrupt traceback.
    signal.signal(signal.SIGINT, signal.SIG_IGN)


def _ready() -> None:
    pass


def _lay_out(
    config: Config, compiled: jinja2.BytecodeCache | None, common: dict[str, Any], jobs: list[PageJob]
) -> list[Placed | ContentError]:
    """Lay out and write ``jobs`` in a worker, stopping at a template error (returned, not raised:
    the parent reports it as it reports its own)."""
    renderer = _renderer(config, compiled, common)
    done: list[Placed | ContentError] = []
    for job in jobs:
        try:
            data = renderer.page(job.template, job.path, job.title, **job.context)
        except ContentError as error:
            done.append(error)
            break
        done.append(place(data, job.spot))
    return done


def _renderer(config: Config, compiled: jinja2.BytecodeCache | None, common: dict[str, Any]) -> Renderer:
    """The worker's Renderer, made once for what every page of the build shares."""
    from .layout import Renderer

    made_for = (config, common)
    if _worker.get("made_for") != made_for:
        renderer = Renderer(config, common)
        renderer.env.bytecode_cache = compiled
        _worker.update(renderer=renderer, made_for=made_for)
    found: Renderer = _worker["renderer"]
    return found
