"""``.ipynb`` posts: a notebook becomes front matter and Markdown, each line remembering its cell.

Markdown cells are copied, code cells become ```` ```{python} ```` fences and
their stored outputs come along (checked here against ``site_gen.cells.model``,
which knows what an output may hold; ``execute: true`` in the metadata runs the
notebook at build time instead). Front matter comes from, in order: a first raw cell
holding ``---``-fenced YAML (Quarto's convention), the notebook's metadata
(``title``, ``date``, ``tags``…), and for the title, the first ``# Heading``
(then removed from the body, since the page shows the title itself).

An author thinks of a notebook as cells, not as the Markdown we make of it, so
an error must say ``post.ipynb: cell 12, line 3``. Every stage raises its
errors with the post's path, so the path is what knows the cells: a
``NotebookPath`` maps each line of the generated Markdown back to its cell, and
``ContentError`` asks it to describe a line.
"""

from __future__ import annotations

import json
import re
import typing as t
from pathlib import Path
from typing import Any

import yaml

from ..cells.model import image_problem, json_type, output_problem
from ..errors import ContentError
from ..textfile import clean_text, decode_utf8
from .source import Source

_HEADING = re.compile(r"^#[ \t]+(.+?)[ \t]*#*[ \t]*$")
FRONT_MATTER_KEYS = (
    "title",
    "date",
    "updated",
    "tags",
    "summary",
    "draft",
    "slug",
    "macros",
    "jupyter",
    "inputs",
    "execute",
)
CELL_TYPES = ("markdown", "code", "raw")
_RESAVE = "open it in Jupyter and save it again, or export it anew (File ▸ Save and Export Notebook As…)"
_DATE_HINT = (
    'add "date": "YYYY-MM-DD" to the notebook metadata (Jupyter: Edit ▸ Notebook Metadata), '
    "or start the notebook with a raw cell holding front matter: ---, date: 2026-11-24, ---"
)
CellLine = tuple[int, int]  # (cell, line in that cell), both 1-based as Jupyter shows them


class NotebookPath(type(Path())):  # type: ignore[misc]  # a Path (Posix or Windows, as the system's)
    """A notebook's path that names the cell of each line of its generated Markdown."""

    cell_lines: tuple[CellLine | None, ...] = ()  # by generated line - 1; None for lines between cells

    def describe_line(self, line: int, column: int | None = None) -> str | None:
        """``cell 12, line 3`` for a line of the generated Markdown, or None if it is no cell's."""
        if not 1 <= line <= len(self.cell_lines) or (where := self.cell_lines[line - 1]) is None:
            return None
        cell, inner = where
        return f"cell {cell}, line {inner}" + (f", column {column}" if column is not None else "")

    def with_segments(self, *segments: str | Path) -> Path:  # Python 3.12+: derived paths are plain
        return Path(*segments)

    def __reduce__(self) -> tuple[Any, tuple[str, tuple[CellLine | None, ...]]]:  # render workers get the map
        return (notebook_path, (str(self), self.cell_lines))


def notebook_path(rel: str | Path, cell_lines: tuple[CellLine | None, ...]) -> NotebookPath:
    path = NotebookPath(rel)
    path.cell_lines = cell_lines
    return path


def read(path: Path, rel: Path) -> Source:
    notebook = _load(path, rel)
    cells = [{**cell, "source": _text(cell["source"])} for cell in notebook["cells"]]
    metadata = notebook.get("metadata", {})
    meta: dict[str, Any] = {k: metadata[k] for k in FRONT_MATTER_KEYS if k in metadata}
    first = 0
    if cells and cells[0]["cell_type"] == "raw" and cells[0]["source"].lstrip().startswith("---"):
        meta.update(_raw_front_matter(cells[0]["source"], rel))
        first = 1

    lines: list[str] = []
    cell_lines: list[CellLine | None] = []
    outputs: list[tuple[str, tuple[dict[str, Any], ...]]] = []

    def add(part: list[str], where: list[CellLine | None]) -> None:
        if lines:  # a blank line between cells, so one cell's block cannot run into the next
            lines.append("")
            cell_lines.append(None)
        lines.extend(part)
        cell_lines.extend(where)

    for number, cell in enumerate(cells[first:], start=first + 1):
        source = cell["source"]
        if cell["cell_type"] == "markdown":
            own = source.split("\n")
            if "title" not in meta:
                for index, text in enumerate(own):
                    if heading := _HEADING.match(text):
                        meta["title"] = heading.group(1)
                        own[index] = ""  # blank, not removed: the lines after keep their numbers
                        break
            numbered = [(n, text) for n, text in enumerate(own, start=1)]
            while numbered and not numbered[0][1].strip():
                numbered.pop(0)
            while numbered and not numbered[-1][1].strip():
                numbered.pop()
            if numbered:
                add([text for _, text in numbered], [(number, n) for n, _ in numbered])
        elif cell["cell_type"] == "code":
            fence = _fence(source).split("\n")
            code_lines = len(fence) - 2  # between the opening and closing fence, as in the cell
            where: list[CellLine | None] = [(number, 1), *((number, n) for n in range(1, code_lines + 1))]
            add(fence, [*where, (number, max(1, code_lines))])
            outputs.append((source, tuple(dict(output) for output in cell.get("outputs", []))))
    if "title" not in meta:
        meta["title"] = path.stem
    if "date" not in meta:
        raise ContentError(rel, None, "notebook has no date", _DATE_HINT)
    meta["date"] = str(meta["date"])
    meta.setdefault("execute", False)  # a notebook's stored outputs are what its author saw
    cleaned = clean_text("\n".join(lines) + "\n", rel)
    located = notebook_path(rel, tuple(cell_lines))
    return Source(meta, cleaned.text, 1, "", cleaned.warnings, tuple(outputs), path=located)


def _load(path: Path, rel: Path) -> dict[str, Any]:
    """The notebook as nbformat 4 JSON, every field the reader uses checked.

    A notebook is a file anyone can hand-edit or half-download, so a wrong
    shape is the author's error with a hint, never a traceback.
    """
    try:
        text = decode_utf8(path.read_bytes(), rel)
    except OSError as exc:
        raise ContentError(rel, None, f"cannot read the notebook: {exc.strerror}", _RESAVE) from None
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ContentError(rel, exc.lineno, f"not a Jupyter notebook: invalid JSON: {exc.msg}", _RESAVE) from None
    except RecursionError:
        raise ContentError(rel, None, "not a Jupyter notebook: JSON nested too deeply", _RESAVE) from None
    if not isinstance(data, dict):
        raise ContentError(
            rel, None, f"not a Jupyter notebook: the file holds {json_type(data)}, not an object", _RESAVE
        )
    version = data.get("nbformat")
    if version == 3:
        data = _upgrade(data, rel)
    elif version != 4:
        raise ContentError(
            rel, None, f"unsupported notebook format nbformat={version!r} (4 is read, 3 upgraded)", _RESAVE
        )
    problem = _notebook_problem(data)
    if problem is not None:
        raise ContentError(rel, None, f"not a valid Jupyter notebook: {problem}", _RESAVE)
    return t.cast(dict[str, Any], data)


def _upgrade(data: dict[str, Any], rel: Path) -> dict[str, Any]:
    """An nbformat 3 notebook (``worksheets``), converted by nbformat itself."""
    worksheets = data.get("worksheets")
    if not isinstance(worksheets, list) or not all(
        isinstance(sheet, dict) and isinstance(sheet.get("cells", []), list) for sheet in worksheets
    ):
        raise ContentError(rel, None, "not a valid Jupyter notebook: nbformat 3 needs a list of 'worksheets'", _RESAVE)
    # Imported here, not at the top: only version 3 files need it (and see site_gen.nbformat_import).
    from ..nbformat_import import nbformat

    try:
        upgraded = nbformat.convert(nbformat.from_dict(data), 4)  # type: ignore[no-untyped-call]
    except (ValueError, KeyError, TypeError, AttributeError) as exc:
        raise ContentError(rel, None, f"nbformat 3 notebook that cannot be upgraded: {exc}", _RESAVE) from None
    return t.cast(dict[str, Any], json.loads(json.dumps(upgraded)))  # plain dicts, as from a version 4 file


def _notebook_problem(data: dict[str, Any]) -> str | None:
    if not isinstance(data.get("metadata", {}), dict):
        return "'metadata' must be an object"
    cells = data.get("cells")
    if not isinstance(cells, list):
        return "'cells' must be a list of cells" if "cells" in data else "no 'cells' list"
    for number, cell in enumerate(cells, start=1):
        problem = _cell_problem(cell)
        if problem is not None:
            return f"cell {number}: {problem}"
    return None


def _cell_problem(cell: object) -> str | None:
    if not isinstance(cell, dict):
        return "a cell must be an object"
    if cell.get("cell_type") not in CELL_TYPES:
        return f"'cell_type' must be one of {', '.join(CELL_TYPES)}, not {cell.get('cell_type')!r}"
    source = cell.get("source")
    if not (isinstance(source, str) or (isinstance(source, list) and all(isinstance(s, str) for s in source))):
        return "'source' must be a string or a list of strings" if "source" in cell else "no 'source'"
    outputs = cell.get("outputs", [])
    if cell["cell_type"] != "code" or outputs == []:
        return None
    if not isinstance(outputs, list):
        return "'outputs' must be a list"
    for number, output in enumerate(outputs, start=1):
        problem = output_problem(output) or image_problem(output)
        if problem is not None:
            return f"output {number}: {problem}"
    return None


def _text(source: str | list[str]) -> str:
    return source if isinstance(source, str) else "".join(source)


def _raw_front_matter(source: str, rel: Path) -> dict[str, Any]:
    text = source.strip().strip("-").strip()
    try:
        meta = yaml.load(text, Loader=yaml.BaseLoader) or {}  # strings only: dates are checked later
    except yaml.YAMLError as exc:
        raise ContentError(rel, None, f"invalid YAML in the notebook's front-matter cell: {exc}") from None
    if not isinstance(meta, dict):
        raise ContentError(rel, None, "the notebook's front-matter cell must hold `key: value` lines")
    for key in ("draft", "execute"):
        if key in meta and isinstance(meta[key], str) and meta[key].lower() in ("true", "false"):
            meta[key] = meta[key].lower() == "true"
    return meta


def _fence(code: str) -> str:
    """A fence longer than any run of backticks in the code, so it cannot end early."""
    longest = max((len(run) for run in re.findall(r"`+", code)), default=0)
    ticks = "`" * max(3, longest + 1)
    return f"{ticks}{{python}}\n{code.rstrip()}\n{ticks}" if code.strip() else f"{ticks}{{python}}\n{ticks}"
