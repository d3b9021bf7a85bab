"""What an import could not convert, as a compiler would list it.

Every construct an importer drops, simplifies or cannot find is a finding
naming the source file and line (``SRC/_posts/x.md:12: warning: …``), so the
author can fix the few places by hand instead of reading every post. The
report is sorted and carries no timestamps: a second import writes the same
bytes.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path


@dataclass(frozen=True, order=True)
class Finding:
    """One construct in one source file that did not come across as it was."""

    path: str
    cell: int  # a notebook's cell, counted from 1; 0 in a text file
    line: int
    message: str

    def __str__(self) -> str:
        if self.cell:
            return f"{self.path}: cell {self.cell}, line {self.line}: warning: {self.message}"
        return f"{self.path}:{self.line}: warning: {self.message}"


@dataclass
class Report:
    """Findings of one import, plus what was written, for the summary."""

    src: Path  # as the user named it, so paths in the report read like their command line
    findings: list[Finding] = field(default_factory=list)
    posts: list[str] = field(default_factory=list)  # source paths imported, in order
    redirects: int = 0
    assets: int = 0

    def warn(self, rel: Path | str, line: int | None, message: str, cell: int = 0) -> None:
        self.findings.append(Finding(f"{self.src / rel}", cell, line or 1, message))

    def lines(self) -> list[str]:
        return [str(f) for f in sorted(set(self.findings))]

    def posts_with_findings(self) -> int:
        return len({f.path for f in self.findings})

    def text(self, generator: str) -> str:
        """The whole report: a header with counts, then one line per finding."""
        counts = Counter(_kind(f.message) for f in set(self.findings))
        head = [
            f"site-gen import {generator} {self.src}",
            f"{len(self.posts)} post(s) imported, {self.assets} asset(s) copied, {self.redirects} redirect page(s)",
            f"{len(set(self.findings))} construct(s) not converted as written, in {self.posts_with_findings()} file(s)",
        ]
        if counts:
            head.append("by kind: " + ", ".join(f"{kind} {n}" for kind, n in sorted(counts.items())))
        return "\n".join([*head, "", *self.lines()]) + "\n"


def _kind(message: str) -> str:
    """The first words of a message, before any quoted detail: groups findings in the header."""
    general = re.sub(r"'[^']*'|\\\w+", "…", message)  # names and macros vary; the kind of finding does not
    return re.split(r"[:(]", general, maxsplit=1)[0].strip() or message
