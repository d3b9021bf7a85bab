"""What every reader hands on: front matter, a Markdown body, and where it came from."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from ..errors import ContentWarning

StoredOutputs = tuple[tuple[str, tuple[dict[str, Any], ...]], ...]  # each code cell's code and outputs


@dataclass(frozen=True)
class Source:
    meta: dict[str, Any]  # front matter, in site_gen's keys
    body: str  # Markdown in site_gen's syntax
    body_line: int  # the file's line where ``body`` starts (1-based)
    text: str = ""  # the whole file as written, to find the line of a front matter key ("" if not text)
    warnings: tuple[ContentWarning, ...] = ()
    stored_outputs: StoredOutputs | None = None  # a notebook's saved outputs
    notes: dict[str, Any] = field(default_factory=dict)  # reader-specific facts for later readers in a chain
    path: Path | None = None  # the path errors name, where the reader knows more (a notebook's names cells)

    def with_warnings(self, *more: ContentWarning) -> Source:
        return replace(self, warnings=(*self.warnings, *more))
