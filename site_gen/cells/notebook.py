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
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import nbformat
import yaml

from site_gen.errors import ContentError

from .model import Output

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
    try:
        notebook = nbformat.reads(path.read_text(encoding="utf-8"), as_version=4)  # type: ignore[no-untyped-call]
    except (ValueError, KeyError, json.JSONDecodeError) as exc:
        raise ContentError(
            rel, None, f"not a readable Jupyter notebook: {exc}", "open and save it in Jupyter"
        ) from None
    cells = list(notebook.cells)
    meta: dict[str, Any] = {k: notebook.metadata[k] for k in FRONT_MATTER_KEYS if k in notebook.metadata}
    if cells and cells[0].cell_type == "raw" and cells[0].source.lstrip().startswith("---"):
        meta.update(_raw_front_matter(cells.pop(0).source, rel))

    parts: list[str] = []
    outputs: list[tuple[str, tuple[Output, ...]]] = []
    for cell in cells:
        source = cell.source
        if cell.cell_type == "markdown":
            if "title" not in meta and (heading := _HEADING_RE.search(source)):
                meta["title"] = heading.group(1)
                source = source[: heading.start()] + source[heading.end() :]
            if source.strip():
                parts.append(source.strip("\n"))
        elif cell.cell_type == "code":
            parts.append(_fence(source))
            outputs.append((source, tuple(dict(output) for output in cell.get("outputs", []))))
    if "title" not in meta:
        meta["title"] = path.stem
    if "date" not in meta:
        raise ContentError(rel, None, "notebook has no date", _DATE_HINT)
    meta["date"] = str(meta["date"])
    meta.setdefault("execute", False)  # a notebook's stored outputs are what its author saw
    return NotebookSource(meta, "\n\n".join(parts) + "\n", tuple(outputs))


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
