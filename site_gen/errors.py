"""User-facing failures.

A user's mistake (bad front matter, bad TeX, an unknown fence option) is not a
bug in site_gen, so it never shows a Python traceback. Every stage raises
``ContentError`` with enough context for the edge (the CLI, later the preview
overlay) to print it the way a compiler would: ``path:line: message`` and a
hint saying what to do about it.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path


@dataclass
class ContentError(Exception):
    """A problem in the user's site that stops the build."""

    path: Path | None
    line: int | None
    message: str
    hint: str = ""
    column: int | None = None

    def __post_init__(self) -> None:
        super().__init__(self.message)

    def __reduce__(self) -> tuple[type[ContentError], tuple[object, ...]]:
        # Exceptions pickle their ``args``; ours has fields. Rendering workers send these back.
        return (ContentError, (self.path, self.line, self.message, self.hint, self.column))

    @property
    def location(self) -> str:
        """``path:line:column`` with whatever parts are known."""
        if self.path is None:
            return "site"
        return _where(self.path, self.line, self.column)

    def __str__(self) -> str:
        text = f"{self.location}: error: {self.message}"
        if self.hint:
            text += f"\n  hint: {self.hint}"
        return text


@dataclass(frozen=True)
class ContentWarning:
    """Something the build could handle but the author should know about."""

    path: Path | None
    line: int | None
    message: str

    def __str__(self) -> str:
        where = "site" if self.path is None else _where(self.path, self.line, None)
        return f"{where}: warning: {self.message}"


def _where(path: Path, line: int | None, column: int | None) -> str:
    """``path:line:column``, or ``path: cell 12, line 3`` where the path knows cells (a notebook's)."""
    describe = getattr(path, "describe_line", None)  # site_gen.readers.notebook.NotebookPath
    if line is not None and describe is not None and (inside := describe(line, column)) is not None:
        return f"{path}: {inside}"
    where = str(path)
    if line is not None:
        where += f":{line}"
        if column is not None:
            where += f":{column}"
    return where


class BuildFailed(Exception):
    """One or more ContentErrors; raised so the build stops before writing."""

    def __init__(self, errors: list[ContentError]) -> None:
        super().__init__(f"{len(errors)} error(s)")
        self.errors = errors


# A bug (any exception that is not a ContentError) carries a note naming the
# file site_gen was working on, so the CLI's "internal error" line can say
# where it happened. Notes survive pickling, so this works from render workers.
_PROCESSING = "site_gen was processing "


def note_processing(bug: BaseException, item: object) -> None:
    """Record on ``bug`` which file was being processed, once (the innermost wins)."""
    if processing_of(bug) is None:
        bug.add_note(f"{_PROCESSING}{item}")


def processing_of(bug: BaseException) -> str | None:
    for note in getattr(bug, "__notes__", ()):
        if isinstance(note, str) and note.startswith(_PROCESSING):
            return note[len(_PROCESSING) :]
    return None
