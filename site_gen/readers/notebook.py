"""``.ipynb`` posts: the notebook reader of ``site_gen.cells`` (which also knows stored outputs)."""

from __future__ import annotations

from pathlib import Path

from ..cells.notebook import read_notebook
from ..textfile import clean_text
from .source import Source


def read(path: Path, rel: Path) -> Source:
    notebook = read_notebook(path, rel)
    cleaned = clean_text(notebook.body, rel)
    return Source(notebook.meta, cleaned.text, 1, "", cleaned.warnings, notebook.outputs)
