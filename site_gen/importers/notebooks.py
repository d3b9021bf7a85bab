"""Notebook posts of other generators, rewritten as our ``.ipynb`` posts.

The notebook stays a notebook (its stored outputs are what the author saw):
front matter goes into a first raw cell (``---`` YAML, Quarto's convention,
which our reader takes), Markdown cells are converted like a Markdown post of
the same generator, and the files they link to are copied under
``static/posts/<slug>/`` (a notebook post cannot be a bundle folder).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import yaml

from .context import PostContext

Convert = Callable[[str, PostContext], str]


def load(path: Path) -> dict[str, Any] | None:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (ValueError, UnicodeDecodeError):
        return None
    return data if isinstance(data, dict) and isinstance(data.get("cells"), list) else None


def source_text(cell: dict[str, Any]) -> str:
    source = cell.get("source", "")
    return "".join(source) if isinstance(source, list) else str(source)


def set_source(cell: dict[str, Any], text: str) -> None:
    cell["source"] = text.splitlines(keepends=True)


def front_matter_cell(meta: dict[str, Any]) -> dict[str, Any]:
    front = yaml.safe_dump(meta, sort_keys=False, allow_unicode=True, width=10_000)
    return {"cell_type": "raw", "metadata": {}, "source": f"---\n{front}---".splitlines(keepends=True)}


def convert_markdown_cells(notebook: dict[str, Any], ctx: PostContext, convert: Convert) -> None:
    """Each Markdown cell through ``convert``; findings name the cell, counted from 1."""
    for number, cell in enumerate(notebook["cells"], start=1):
        if cell.get("cell_type") == "markdown":
            ctx.cell, ctx.first_line = number, 1
            set_source(cell, convert(source_text(cell), ctx))
    ctx.cell = 0


def dumps(notebook: dict[str, Any]) -> str:
    """Stable JSON (Jupyter's own indent): a second import writes the same bytes."""
    return json.dumps(notebook, indent=1, ensure_ascii=False) + "\n"
