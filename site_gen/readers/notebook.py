"""``.ipynb`` posts: a notebook becomes front matter and Markdown, each line remembering its cell.

Markdown cells are copied, code cells become ```` ```{python} ```` fences and
their stored outputs come along (``site_gen.cells`` checks the notebook's shape
and knows the outputs). Front matter comes from, in order: a first raw cell
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

import re
from pathlib import Path
from typing import Any

from ..cells.notebook import _DATE_HINT, FRONT_MATTER_KEYS, _fence, _load, _raw_front_matter, _text
from ..errors import ContentError
from ..textfile import clean_text
from .source import Source

_HEADING = re.compile(r"^#[ \t]+(.+?)[ \t]*#*[ \t]*$")
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
