"""Where a post's cells run: here, or on the gateway of ``[execute.remote]``.

A post's cells share one kernel (each sees what the cells before it defined),
so a post runs in one place, whole: a post with a ``requires: cuda`` cell goes
to the gateway with its CPU cells. Which posts go is ``[execute.remote] cells``:

- ``cuda`` (default): posts with a ``requires: cuda`` cell, and posts marked ``execute: {remote: true}``;
- ``marked``: only the marked posts;
- ``all``: every post with cells.

A post marked ``execute: {remote: false}`` always runs here. Without a gateway
configured every post runs here, as before.

This module also holds the small pieces of plain data the execute stage needs
for remote posts: their cache identity and what a page says of a cell the
remote kernel could not run.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from site_gen.config import RemoteConfig
from site_gen.content import Post

from . import freeze as freezing
from .cache import externalize
from .model import FROZEN, NOT_RUN, STALE, Cell, CellResult, Output

# A ``requires: cuda`` cell that the remote kernel had no device for is cached as this
# one stream, so that a warm build knows it without starting a remote kernel again.
NOT_RUN_STREAM = "site-gen:not-run"


def runs_remote(post: Post, cells: Sequence[Cell], remote: RemoteConfig | None) -> bool:
    if remote is None or post.remote is False:
        return False
    if post.remote or remote.cells == "all":
        return True
    return remote.cells == "cuda" and any(cell.options.requires == "cuda" and cell.options.eval for cell in cells)


def remote_identity(remote: RemoteConfig, kernel: str) -> dict[str, Any]:
    """The cache key's kernel part for a remote post: which gateway, kernel and host label, so results
    never mix with local ones, another gateway's, or another machine's put behind the same tunnel
    (a label is how an author says "this is a different box now")."""
    return {"remote": remote.url.rstrip("/"), "kernel": remote.kernel or kernel, "host": remote.host}


def not_run_marker(host: str) -> list[Output]:
    return [{"output_type": "stream", "name": NOT_RUN_STREAM, "text": host}]


def is_not_run_marker(outputs: Sequence[Output]) -> bool:
    return len(outputs) == 1 and outputs[0].get("name") == NOT_RUN_STREAM


def no_cuda_remote(cell: Cell, frozen: freezing.Frozen | None, host: str) -> tuple[CellResult, dict[str, bytes]]:
    """A ``requires: cuda`` cell sent to a kernel with no CUDA device: its frozen output if it has one."""
    if frozen is not None and freezing.matches(frozen, cell):
        outputs, files = externalize(frozen.outputs)
        note = f"Frozen output, not re-run: no CUDA device on {host}. {frozen.provenance}."
        return CellResult(FROZEN, tuple(outputs), note), files
    return CellResult(NOT_RUN, (), f"Not run: no CUDA device on {host}."), {}


def stale(cell: Cell, frozen: freezing.Frozen | None, reason: str) -> tuple[CellResult, dict[str, bytes]] | None:
    """What a cell shows when its gateway could not run it: its last frozen output, marked stale.

    None when it has none for its present code: the fault is then the build's error. A
    ``requires: cuda`` cell with none says it did not run, as a build without a device would.
    """
    if frozen is not None and freezing.matches(frozen, cell):
        outputs, files = externalize(frozen.outputs)
        where = frozen.host or frozen.device
        note = (
            f"Stale: frozen on {frozen.date} on {where}; the gateway could not run it in this build: "
            f"{reason.rstrip('.')}. Last run {frozen.provenance}."
        )
        return CellResult(STALE, tuple(outputs), note), files
    if cell.options.requires == "cuda":
        note = f"Not run: the gateway could not run it in this build ({reason.rstrip('.')}); it has no frozen output."
        return CellResult(NOT_RUN, (), note), {}
    return None
