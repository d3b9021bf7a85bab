"""Jupyter notebooks as posts: an ``.ipynb`` becomes front matter and Markdown.

The *reader* for notebooks, beside ``content``'s reader for Markdown: after it,
the pipeline cannot tell where a post came from. Markdown cells are copied,
code cells become ```` ```{python} ```` fences, and their stored outputs come
along so the page can show them as saved. ``execute: true`` in the metadata
runs the notebook at build time instead.

Front matter comes from, in order: a first raw cell holding ``---``-fenced YAML
(Quarto's convention), the notebook's metadata (``title``, ``date``, ``tags``…),
and for the title, the notebook's first ``# Heading`` (then removed from the
body, since the page shows the title itself).
"""

from __future__ import annotations

import json
import re
import typing as t
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from site_gen.errors import ContentError
from site_gen.textfile import decode_utf8

from .model import Output, image_problem, json_type, output_problem

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
_HEADING_RE = re.compile(r"^#\s+(.+?)\s*#*\s*$", re.MULTILINE)
_DATE_HINT = (
    'add "date": "YYYY-MM-DD" to the notebook metadata (Jupyter: Edit ▸ Notebook Metadata), '
    "or start the notebook with a raw cell holding front matter: ---, date: 2026-11-24, ---"
)


@dataclass(frozen=True)
class NotebookSource:
    meta: dict[str, Any]  # front matter, as if from a Markdown file
    body: str  # Markdown, code cells as {python} fences
    outputs: tuple[tuple[str, tuple[Output, ...]], ...]  # each code cell's code and stored outputs, in order


def read_notebook(path: Path, rel: Path) -> NotebookSource:
    notebook = _load(path, rel)
    cells = [{**cell, "source": _text(cell["source"])} for cell in notebook["cells"]]
    metadata = notebook.get("metadata", {})
    meta: dict[str, Any] = {k: metadata[k] for k in FRONT_MATTER_KEYS if k in metadata}
    if cells and cells[0]["cell_type"] == "raw" and cells[0]["source"].lstrip().startswith("---"):
        meta.update(_raw_front_matter(cells.pop(0)["source"], rel))

    parts: list[str] = []
    outputs: list[tuple[str, tuple[Output, ...]]] = []
    for cell in cells:
        source = cell["source"]
        if cell["cell_type"] == "markdown":
            if "title" not in meta and (heading := _HEADING_RE.search(source)):
                meta["title"] = heading.group(1)
                source = source[: heading.start()] + source[heading.end() :]
            if source.strip():
                parts.append(source.strip("\n"))
        elif cell["cell_type"] == "code":
            parts.append(_fence(source))
            outputs.append((source, tuple(dict(output) for output in cell.get("outputs", []))))
    if "title" not in meta:
        meta["title"] = path.stem
    if "date" not in meta:
        raise ContentError(rel, None, "notebook has no date", _DATE_HINT)
    meta["date"] = str(meta["date"])
    meta.setdefault("execute", False)  # a notebook's stored outputs are what its author saw
    return NotebookSource(meta, "\n\n".join(parts) + "\n", tuple(outputs))


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
    # Imported here, not at the top: with jupyter_server installed, nbformat pulls jsonschema's
    # format checkers, whose grammars are built at import (0.6 s), and only version 3 files need it.
    import nbformat

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
