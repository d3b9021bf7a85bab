"""How a build runs cells: the options of the execute stage, and what it reports as it goes.

Apart from ``execute`` so that the command line can describe a build before
anything of the kernel machinery is imported (a no-change build needs none).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from site_gen.config import RemoteConfig


@dataclass(frozen=True)
class Progress:
    """Sent as each cell starts running."""

    post: Path  # the post's file, relative to the site
    cell: int  # 1-based number of the cell starting now
    cells: int  # cells this kernel will run
    posts_left: int  # posts still running or waiting, this one included


@dataclass(frozen=True)
class ExecuteSettings:
    rerun: bool = False  # ignore the cache
    freeze: bool = False  # re-run frozen cells where possible and rewrite _freeze.json
    timeout: float | None = None  # seconds per cell unless it sets `#| timeout:`; None: site.toml's cell_timeout
    jobs: int | None = None  # kernels at once; default: one per CPU
    progress: Callable[[Progress], None] | None = None
    today: date | None = None  # the date frozen outputs are stamped with
    output_limit: int | None = None  # characters of text per cell; None: site.toml's cell_output_limit
    unsafe_html: bool | None = None  # publish HTML outputs unsanitised; None: site.toml's unsafe_cell_html
    remote: RemoteConfig | None = None  # the gateway for remote posts; None: site.toml's [execute.remote]
    remote_url: str | None = None  # `--remote URL`: this gateway, for this build (other settings from site.toml)
