"""Running a post's cells in a Jupyter kernel, with nbclient.

One kernel per post, cells in order, so a cell sees what the ones before it
defined. Every cell has a time limit: past it the kernel is interrupted and shut
down, and the build reports which cell hung. A kernel that dies (a segfault,
``os._exit``) is reported as such. Nothing here can make a build hang, and a
``Stopper`` ends every running kernel at once when the build is interrupted.

Failures come back as ``CellFailure`` with the exception and the last frames of
its traceback as the *cell* saw them, never nbclient's own stack.
"""

from __future__ import annotations

import contextlib
import logging
import os
import re
import signal
import subprocess
import tempfile
import threading
import time
import typing as t
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from queue import Empty

from ..nbformat_import import nbformat  # isort: skip  # before nbclient imports it the slow way

from jupyter_client.asynchronous.client import AsyncKernelClient
from jupyter_client.kernelspec import NoSuchKernel
from jupyter_client.manager import AsyncKernelManager
from nbclient import NotebookClient
from nbclient.exceptions import CellTimeoutError, DeadKernelError
from nbclient.util import run_sync
from traitlets import Type

from .figures import KERNEL_SETUP
from .model import Cell, Output

STARTUP_TIMEOUT = 60.0  # seconds for a kernel to come up
STARTUP_ATTEMPTS = 2
TRACEBACK_FRAMES = 3  # frames of a cell's traceback shown in a build error
# nbclient logs a timeout as an error before raising; we report it ourselves, once.
_LOG = logging.getLogger(__name__)
_LOG.addHandler(logging.NullHandler())
_LOG.propagate = False
_ANSI_RE = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")
_CELL_FRAME_RE = re.compile(r"Cell In\[(\d+)\], line (\d+)")


class CellFailure(Exception):
    """A cell stopped the post: an exception, a timeout, or a dead kernel."""

    def __init__(
        self,
        cell: Cell | None,
        message: str,
        details: str = "",
        line: int | None = None,
        hint: str = "",
        kind: str = "",
    ) -> None:
        super().__init__(message)
        self.cell = cell
        self.message = message
        self.details = details  # the traceback's last frames, or the kernel's last words
        self.line = line  # file line of the failing statement, when the traceback says
        self.hint = hint
        self.kind = kind  # TIMED_OUT, DIED, RAISED, or "" (a kernel that would not start, a gateway fault)


# CellFailure.kind. RAISED is the cell's own exception: the author's to fix, never a fault of where it ran.
TIMED_OUT, DIED, RAISED = "timed out", "died", "raised"


class Stopped(Exception):
    """The build was interrupted (Ctrl-C): this post's cells stop, and its kernel is shut down."""


class Stopper:
    """The build's Ctrl-C, reaching the kernels that worker threads are driving.

    Python delivers KeyboardInterrupt to the main thread only, while each kernel
    is driven by a worker thread that sits inside nbclient until its cell ends
    (a ``time.sleep(60)`` would hold the build for a minute). ``stop`` marks the
    build stopped and interrupts every kernel, which ends a cell's sleep or loop
    at once; ``kill`` ends the kernels that ignore the interrupt (C code, a cell
    catching KeyboardInterrupt). Signals go to the kernel's process group, so
    anything the cell started goes too.
    """

    def __init__(self) -> None:
        self.stopped = threading.Event()
        self._clients: set[NotebookClient] = set()
        self._lock = threading.Lock()

    @contextlib.contextmanager
    def watching(self, client: NotebookClient) -> Iterator[None]:
        with self._lock:
            self._clients.add(client)
        try:
            yield
        finally:
            with self._lock:
                self._clients.discard(client)

    def check(self) -> None:
        if self.stopped.is_set():
            raise Stopped()

    def stop(self) -> None:
        self.stopped.set()
        self._signal(signal.SIGINT)

    def kill(self) -> None:
        self._signal(signal.SIGKILL)

    def _signal(self, signum: int) -> None:
        with self._lock:
            clients = list(self._clients)
        for client in clients:
            remote = getattr(client.km, "stop_remote", None)  # a gateway's kernel (see ``remote``): stopped over REST
            if remote is not None:
                remote(kill=signum == signal.SIGKILL)
                continue
            provisioner = getattr(getattr(client, "km", None), "provisioner", None)
            pgid, pid = getattr(provisioner, "pgid", None), getattr(provisioner, "pid", None)
            with contextlib.suppress(OSError):  # gone already, or not started yet
                if pgid:
                    os.killpg(pgid, signum)
                elif pid:
                    os.kill(pid, signum)


@dataclass(frozen=True)
class KernelRun:
    """What one kernel produced: outputs for each cell it ran, by Cell.index."""

    outputs: dict[int, list[Output]]


def run_cells(
    cells: Sequence[Cell],
    *,
    kernel: str,
    cwd: Path,
    default_timeout: float,
    on_cell: Callable[[Cell], None] | None = None,
    stopper: Stopper | None = None,
) -> KernelRun:
    """Run ``cells`` in order in a fresh ``kernel`` started in ``cwd``; ``Stopped`` if ``stopper`` stops."""
    stopper = stopper or Stopper()
    notebook = nbformat.v4.new_notebook()  # type: ignore[no-untyped-call]
    notebook.cells = [nbformat.v4.new_code_cell(cell.code) for cell in cells]  # type: ignore[no-untyped-call]
    client = NotebookClient(
        notebook,
        kernel_name=kernel,
        kernel_manager_class=_Manager,
        timeout=int(default_timeout),
        startup_timeout=int(STARTUP_TIMEOUT),
        allow_errors=True,  # we decide, per cell, whether an exception fails the build
        interrupt_on_timeout=False,  # raise, so we know; we interrupt and shut down ourselves
        record_timing=False,  # no timestamps in outputs: same code, same bytes
        shutdown_kernel="immediate",
        resources={"metadata": {"path": str(cwd)}},
        log=_LOG,
    )
    # The kernel's own stderr (start-up chatter, a crash's last words) goes to a
    # scratch file: shown when the kernel dies, never mixed into the build's output.
    with tempfile.TemporaryFile() as log, stopper.watching(client):
        for attempt in range(STARTUP_ATTEMPTS):
            stopper.check()
            try:
                with client.setup_kernel(stderr=log, env=_kernel_env()):
                    run = run_in(client, cells, notebook.cells, log, default_timeout, on_cell, stopper)
                    _end_now(client)
                    return run
            except NoSuchKernel:
                raise CellFailure(
                    None,
                    f"no Jupyter kernel named {kernel!r}",
                    hint="check `jupyter:` in the front matter; `jupyter kernelspec list` shows the kernels installed",
                ) from None
            except RuntimeError as exc:  # the kernel did not start, or died starting
                stopper.check()  # killed by a Ctrl-C while starting: not worth a second try
                # Kernels started at the same moment can race for ports; one more try settles it.
                if attempt + 1 < STARTUP_ATTEMPTS:
                    continue
                raise CellFailure(None, f"kernel {kernel!r} failed to start: {exc}", _tail(log)) from None
    raise AssertionError("unreachable")


def run_in(
    client: NotebookClient,
    cells: Sequence[Cell],
    nb_cells: list[t.Any],
    log: t.IO[bytes],
    default_timeout: float,
    on_cell: Callable[[Cell], None] | None,
    stopper: Stopper,
) -> KernelRun:
    """Run the cells in the started kernel, stopping at the first that fails the post."""
    _set_up(client)
    outputs: dict[int, list[Output]] = {}
    by_count: dict[int, Cell] = {}  # execution count -> cell, to read tracebacks
    for position, (cell, nb_cell) in enumerate(zip(cells, nb_cells, strict=True)):
        stopper.check()
        if on_cell is not None:
            on_cell(cell)
        client.timeout = int(max(1, round(cell.options.timeout or default_timeout)))
        try:
            client.execute_cell(nb_cell, position)
            stopper.check()  # the interrupt ended the cell: its KeyboardInterrupt is not the cell's error
        except CellTimeoutError:
            _interrupt(client)
            raise CellFailure(
                cell,
                f"timed out after {client.timeout} s; the kernel was interrupted and shut down",
                hint=f"make the cell faster, or give it more time with `#| timeout: {client.timeout * 2}`",
                kind=TIMED_OUT,
            ) from None
        except DeadKernelError:
            stopper.check()  # killed because the build was interrupted
            raise CellFailure(
                cell,
                "the kernel died while running this cell (a crash, os._exit or out of memory)",
                _tail(log),
                hint="run the code outside site_gen to see why the process exits",
                kind=DIED,
            ) from None
        if nb_cell.get("execution_count"):
            by_count[int(nb_cell["execution_count"])] = cell
        cell_outputs = [dict(output) for output in nb_cell.outputs]
        error = next((o for o in cell_outputs if o.get("output_type") == "error"), None)
        if error is not None and not cell.options.error:
            raise exception_failure(cell, error, by_count)
        outputs[cell.index] = cell_outputs
    return KernelRun(outputs)


def _set_up(client: NotebookClient) -> None:
    """``figures.KERNEL_SETUP``, outside the post's history: a dark render beside each figure.

    It prints nothing and catches its own failures; a kernel without IPython or
    matplotlib just runs the post without dark renders.
    """
    cell = nbformat.v4.new_code_cell(KERNEL_SETUP)  # type: ignore[no-untyped-call]
    client.nb.cells.append(cell)
    try:
        client.execute_cell(cell, len(client.nb.cells) - 1, store_history=False)
    finally:
        client.nb.cells.remove(cell)


class _ReadyClient(AsyncKernelClient):
    """A kernel client that is ready as soon as the kernel answers and IOPub is connected.

    jupyter_client's own ``wait_for_ready`` then reads IOPub on until it has been quiet for
    0.2 s: 0.2 s of every kernel's start, on the critical path of every build that runs cells.
    The messages it would drop are the start-up's own status messages, and nbclient takes
    from IOPub only the messages whose parent is the request it sent, so they change nothing.
    """

    async def wait_for_ready(self, timeout: float | None = None) -> None:
        deadline = time.monotonic() + (timeout if timeout is not None else float("inf"))
        while True:
            self.kernel_info()
            try:
                reply = await self.shell_channel.get_msg(timeout=1)
            except Empty:
                reply = None
            if reply is not None and reply["msg_type"] == "kernel_info_reply":
                try:  # the reply's own status message shows IOPub is subscribed; else ask again
                    await self.iopub_channel.get_msg(timeout=0.2)
                except Empty:
                    pass
                else:
                    self._handle_kernel_info_reply(reply)
                    return
            if not await self._async_is_alive():
                raise RuntimeError("the kernel died before replying to kernel_info")
            if time.monotonic() > deadline:
                raise RuntimeError(f"the kernel did not reply in {timeout:.0f} s")


class _Manager(AsyncKernelManager):
    """nbclient's kernel manager, handing out ``_ReadyClient``s."""

    client_factory = Type(default_value=_ReadyClient, klass=AsyncKernelClient)


def _end_now(client: NotebookClient) -> None:
    """Kill a local kernel whose cells are done, and reap it, before nbclient shuts it down.

    nbclient's "immediate" shutdown kills it too, but jupyter_client then looks whether it is
    gone only every 0.1 s, starting with a sleep: 0.1 s on the critical path of every build
    that runs cells. The outputs are in already, so nothing is lost; a gateway's kernel (no
    process here) is left to nbclient, which asks the gateway."""
    provisioner = getattr(getattr(client, "km", None), "provisioner", None)
    process = getattr(provisioner, "process", None)
    if process is None:
        return
    pgid = getattr(provisioner, "pgid", None)
    with contextlib.suppress(OSError):  # gone already
        if pgid:
            os.killpg(pgid, signal.SIGKILL)  # with anything the cells started
        else:
            process.kill()
    with contextlib.suppress(subprocess.TimeoutExpired):
        process.wait(timeout=5)


def _interrupt(client: NotebookClient) -> None:
    if client.km is not None:
        with contextlib.suppress(RuntimeError):  # already gone: shutdown follows either way
            # nbclient's manager is async: its interrupt_kernel is a coroutine function.
            run_sync(client.km.interrupt_kernel)()  # type: ignore[arg-type]


def _kernel_env() -> dict[str, str]:
    """The build's environment, less a GUI-less ``MPLBACKEND`` (Agg) that would hide figures.

    The kernel's own default is matplotlib's inline backend (Agg underneath), which
    sends each cell's figures as PNG outputs.
    """
    return {name: value for name, value in os.environ.items() if name != "MPLBACKEND"}


def _tail(log: t.IO[bytes], lines: int = 5) -> str:
    log.seek(0)
    text = log.read().decode("utf-8", "replace")
    kept = [line for line in text.splitlines() if line.strip() and "without encryption" not in line]
    return "\n".join(kept[-lines:])


def strip_ansi(text: str) -> str:
    return _ANSI_RE.sub("", text)


def exception_failure(cell: Cell, error: Output, by_count: dict[int, Cell]) -> CellFailure:
    """The exception as a compiler-style message: name, value, the cell's last frames.

    IPython names cells ``Cell In[7], line 3``; we rewrite that to the cell's
    number and its line in the post, which is what the author can act on.
    """

    def where(match: re.Match[str]) -> str:
        source = by_count.get(int(match.group(1)))
        if source is None:
            return match.group(0)
        return f"cell {source.index + 1}, line {source.code_line + int(match.group(2)) - 1}"

    frames = [strip_ansi(str(entry)).rstrip() for entry in error.get("traceback", [])]
    # IPython's first entry is a dashed rule, the last the "Name: value" line repeated.
    frames = [f for f in frames if f and not set(f) <= {"-", " "}]
    if frames and frames[-1].startswith(str(error.get("ename", ""))):
        frames = frames[:-1]
    line = None
    for frame in reversed(frames):
        match = _CELL_FRAME_RE.search(frame)
        if match and by_count.get(int(match.group(1))) is cell:
            line = cell.code_line + int(match.group(2)) - 1  # the failing statement
            break
    shown = [_CELL_FRAME_RE.sub(where, frame) for frame in frames[-TRACEBACK_FRAMES:]]
    message = f"{error.get('ename', 'Error')}: {error.get('evalue', '')}".rstrip(": ")
    hint = "fix the cell, or add `#| error: true` to show the exception on the page instead"
    return CellFailure(cell, message, "\n".join(shown), line, hint, kind=RAISED)
