"""The plain data of the execute stage, and finding a post's cells.

Outputs are kept in Jupyter's own shape (nbformat output dicts: ``stream``,
``display_data``, ``execute_result``, ``error``) with one change: image data is
not base64 but the name of a file written next to the page.
"""

from __future__ import annotations

import base64
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from markdown_it.common.utils import unescapeAll
from markdown_it.token import Token

from site_gen.highlight import FenceError, parse_fence_info

from .figures import DARK_PNG
from .options import CellOptions, parse_cell_options, split_options

if TYPE_CHECKING:
    from site_gen.content import Post
    from site_gen.errors import ContentError, ContentWarning

Output = dict[str, Any]
EXECUTABLE_LANGS = ("python",)
_MAYBE_CELL_RE = re.compile(r"\{\s*(?:" + "|".join(EXECUTABLE_LANGS) + r")\b")


def may_have_cells(post: Post) -> bool:
    """False only for a post that certainly has no executable cell: it can render before any kernel ran."""
    return post.may_have_cells


def body_may_have_cells(body: str) -> bool:
    """What ``Post.may_have_cells`` keeps: a fence that may open a cell of a language we run."""
    return _MAYBE_CELL_RE.search(body) is not None


# The last is a figure's dark render (cells.figures): stored, cached and written like the others.
IMAGE_TYPES = {"image/png": "png", "image/jpeg": "jpg", "image/svg+xml": "svg", "image/gif": "gif", DARK_PNG: "png"}


@dataclass(frozen=True)
class Cell:
    """One executable fence of a post."""

    index: int  # 0-based, among the post's executable cells
    line: int  # file line of the opening fence
    code: str  # what the kernel runs: the fence's content without the option lines
    options: CellOptions
    source_offset: int = 0  # number of ``#|`` lines before the code

    @property
    def name(self) -> str:
        """For files and frozen outputs: the label, else ``cell-N`` (1-based)."""
        return self.options.label or f"cell-{self.index + 1}"

    @property
    def code_line(self) -> int:
        """File line of the first line of ``code``."""
        return self.line + 1 + self.source_offset


# What happened to a cell in this build, as the page tells the reader.
RAN = "ran"  # executed now
CACHED = "cached"  # executed in an earlier build; nothing it depends on changed
STORED = "stored"  # a notebook's stored output, shown as saved
FROZEN = "frozen"  # not run here; the output from _freeze.json
STALE = "stale"  # its gateway could not run it in this build; the output from _freeze.json
NOT_RUN = "not-run"  # not run here, nothing to show but why
SKIPPED = "skipped"  # eval: false


@dataclass(frozen=True)
class CellResult:
    status: str
    outputs: tuple[Output, ...] = ()
    note: str = ""  # provenance of a frozen output, or why a cell did not run
    unsafe_html: bool = False  # the site set `unsafe_cell_html`: its HTML outputs are published unsanitised


@dataclass
class PostCells:
    """A post's executed cells, for the renderer, and the files its outputs need."""

    results: dict[int, CellResult] = field(default_factory=dict)  # by Cell.index
    codes: dict[int, str] = field(default_factory=dict)  # by Cell.index, to check the renderer saw the same cells
    files: dict[str, bytes] = field(default_factory=dict)  # page-relative name -> content


def is_executable(info: str) -> bool:
    """``{python}`` executes; ``python`` only displays."""
    try:
        fence = parse_fence_info(unescapeAll(info))
    except FenceError:
        return False  # the renderer reports it, with its line
    return fence.cell and fence.lang in EXECUTABLE_LANGS


def extract_cells(
    tokens: Iterable[Token], *, path: Path, first_line: int, defaults: CellOptions | None = None
) -> list[Cell]:
    """The executable cells among a body's block tokens, in order, with their options checked.

    ``tokens`` come from ``site_gen.markdown.block_tokens``: the renderer's own
    parse, so both stages agree on what is a cell.
    """
    cells: list[Cell] = []
    for token in tokens:
        if token.type != "fence" or not is_executable(token.info) or not token.map:
            continue
        line = first_line + token.map[0]
        option_lines, code = split_options(token.content)
        options = parse_cell_options(option_lines, path=path, line=line + 1, defaults=defaults)
        cells.append(Cell(len(cells), line, code, options, source_offset=len(option_lines)))
    return cells


OUTPUT_TYPES = ("stream", "display_data", "execute_result", "error")


def output_problem(output: object) -> str | None:
    """What is wrong with an nbformat output's shape, or None if the renderer can show it.

    Outputs come from files anyone can edit (a notebook, the cache, ``_freeze.json``),
    so every field the later stages read is checked here, once.
    """
    if not isinstance(output, dict):
        return f"an output must be a JSON object, not {json_type(output)}"
    kind = output.get("output_type")
    if kind not in OUTPUT_TYPES:
        return f"unknown output_type {kind!r} (expected one of {', '.join(OUTPUT_TYPES)})"
    if not isinstance(output.get("metadata", {}), dict):
        return f"{kind} output: 'metadata' must be an object"
    if kind == "stream":
        if not isinstance(output.get("name", "stdout"), str) or not _is_text(output.get("text", "")):
            return "stream output: 'name' must be a string and 'text' a string or a list of strings"
    elif kind == "error":
        if not all(isinstance(output.get(key, ""), str) for key in ("ename", "evalue")):
            return "error output: 'ename' and 'evalue' must be strings"
        traceback = output.get("traceback", [])
        if not isinstance(traceback, list) or not all(isinstance(line, str) for line in traceback):
            return "error output: 'traceback' must be a list of strings"
    else:
        data = output.get("data", {})
        if not isinstance(data, dict):
            return f"{kind} output: 'data' must be an object of MIME types"
        for mime, value in data.items():
            if (mime.startswith("text/") or mime in IMAGE_TYPES) and not _is_text(value):
                return f"{kind} output: {mime} must be a string or a list of strings"
    return None


def image_problem(output: dict[str, Any]) -> str | None:
    """Stored images are base64 (SVG is text): a damaged one would fail when written next to the page."""
    for mime, value in output.get("data", {}).items():
        if mime in IMAGE_TYPES and mime != "image/svg+xml":
            text = "".join(value) if isinstance(value, list) else str(value)
            try:
                base64.b64decode("".join(text.split()), validate=True)
            except ValueError:
                return f"{mime} is not base64 data"
    return None


def _is_text(value: object) -> bool:
    return isinstance(value, str) or (isinstance(value, list) and all(isinstance(line, str) for line in value))


def json_type(value: object) -> str:
    names = {dict: "an object", list: "an array", str: "a string", bool: "true/false", type(None): "null"}
    return names.get(type(value), "a number")


@dataclass
class ExecuteReport:
    """What running the cells of a build's posts gave (``cells.execute.execute_posts``)."""

    cells: dict[str, PostCells] = field(default_factory=dict)  # by Post.url_path
    errors: list[ContentError] = field(default_factory=list)
    warnings: list[ContentWarning] = field(default_factory=list)
    kernels_started: int = 0
    cells_run: int = 0
    cells_cached: int = 0
    stale: int = 0  # posts showing frozen outputs because their gateway failed: a build not to call up to date
