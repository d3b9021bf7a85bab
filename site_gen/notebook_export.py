"""Every post with executed cells, as a notebook a reader can download and run.

The *writer* twin of ``readers/notebook.py``: the post's prose becomes Markdown
cells, each ```` ```{python} ```` fence a code cell holding the outputs this
build showed, and the front matter a first raw cell (Quarto's convention,
which our notebook reader reads back), so a downloaded notebook is also a
post. Images come back inline (base64), as Jupyter stores them. The bytes are
a function of the post and its outputs only: same inputs, same notebook.
"""

from __future__ import annotations

import json
from typing import Any

import yaml
from markdown_it.token import Token

from .cells.cache import internalize
from .cells.model import CellResult, PostCells, is_executable
from .content import Post

NBFORMAT = 4
NBFORMAT_MINOR = 5


def notebook_name(post: Post) -> str:
    """The notebook's file name beside the page: ``<slug>.ipynb``."""
    return f"{post.slug}.ipynb"


def export(post: Post, tokens: list[Token], cells: PostCells) -> bytes:
    """The notebook of ``post``: ``tokens`` are its body's block tokens (``markdown.block_tokens``)."""
    lines = post.body.split("\n")
    notebook_cells: list[dict[str, Any]] = [_raw(_front_matter(post))]
    start, index = 0, 0
    for token in tokens:
        if token.type != "fence" or not token.map or not is_executable(token.info):
            continue  # the same fences, in the same order, as the execute stage (cells.model.extract_cells)
        first, end = token.map
        notebook_cells.extend(_markdown(lines[start:first]))
        notebook_cells.append(_code(token.content, cells.results.get(index), cells.files, len(notebook_cells)))
        start, index = end, index + 1
    notebook_cells.extend(_markdown(lines[start:]))
    for number, cell in enumerate(notebook_cells):
        cell["id"] = f"cell-{number}"  # stable ids: nbformat 4.5 wants them, and the bytes stay the same
    notebook = {
        "cells": notebook_cells,
        "metadata": {
            "kernelspec": {"name": post.jupyter, "display_name": _display_name(post.jupyter), "language": "python"},
            "language_info": {"name": "python"},
            "title": post.title,
        },
        "nbformat": NBFORMAT,
        "nbformat_minor": NBFORMAT_MINOR,
    }
    return (json.dumps(notebook, indent=1, ensure_ascii=False, sort_keys=True) + "\n").encode("utf-8")


def _front_matter(post: Post) -> str:
    meta: dict[str, Any] = {"title": post.title, "date": post.date.isoformat()}
    if post.tags:
        meta["tags"] = [tag.name for tag in post.tags]
    if post.summary:
        meta["summary"] = post.summary
    return "---\n" + yaml.safe_dump(meta, allow_unicode=True, sort_keys=False) + "---"


def _raw(text: str) -> dict[str, Any]:
    return {"cell_type": "raw", "metadata": {}, "source": _lines(text)}


def _markdown(lines: list[str]) -> list[dict[str, Any]]:
    text = "\n".join(lines).strip("\n")
    return [{"cell_type": "markdown", "metadata": {}, "source": _lines(text)}] if text.strip() else []


def _code(source: str, result: CellResult | None, files: dict[str, bytes], number: int) -> dict[str, Any]:
    outputs = internalize(result.outputs if result else (), files)  # images inline again, not file names
    for output in outputs:
        if output.get("output_type") in ("display_data", "execute_result"):
            output.setdefault("metadata", {})
    counted = [o for o in outputs if o["output_type"] == "execute_result"]
    for output in counted:
        output["execution_count"] = number
    return {
        "cell_type": "code",
        "execution_count": number if result and result.outputs else None,
        "metadata": {},
        "outputs": outputs,
        "source": _lines(source.rstrip("\n")),
    }


def _lines(text: str) -> list[str]:
    """Notebook sources are lists of lines, each keeping its newline but the last."""
    parts = text.split("\n")
    return [part + "\n" for part in parts[:-1]] + ([parts[-1]] if parts[-1] else [])


def _display_name(kernel: str) -> str:
    return {"python3": "Python 3"}.get(kernel, kernel)
