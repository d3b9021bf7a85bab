"""Shared text surgery: keep code out of the way, and know which line a match is on.

Converters rewrite prose with regular expressions. Code must come through
untouched (``$$`` in a shell script is not math), so fenced blocks and inline
code spans are first swapped for placeholders that hold the same number of
newlines: line numbers computed on the shielded text stay those of the source.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from .report import Report

# Private-use characters: never in real posts, so a placeholder cannot collide with text.
_OPEN, _CLOSE = "\ue000", "\ue001"
_PLACEHOLDER = re.compile(f"{_OPEN}(\\d+)\\s*{_CLOSE}")
_PRE = re.compile(r"<pre\b.*?</pre>", re.S | re.I)
_FENCE = re.compile(r"^([ \t>]*)(`{3,}|~{3,})(.*)$")


def line_at(text: str, pos: int, first_line: int = 1) -> int:
    """1-based line of ``pos`` in ``text``, counting from ``first_line``."""
    return first_line + text.count("\n", 0, pos)


@dataclass
class Shield:
    """Placeholders for text no pass may touch; ``restore`` puts it back."""

    hidden: list[str] = field(default_factory=list)

    def hide(self, text: str) -> str:
        self.hidden.append(text)
        return f"{_OPEN}{len(self.hidden) - 1}{chr(10) * text.count(chr(10))}{_CLOSE}"

    def restore(self, text: str) -> str:
        # Hidden text may itself hold placeholders (a fence made from a shielded block).
        while _OPEN in text:
            text = _PLACEHOLDER.sub(lambda m: self.hidden[int(m.group(1))], text)
        return text

    def code(self, text: str) -> str:
        """Hide fenced code blocks, then inline code spans."""
        return self.inline_code(self.fences(text))

    def fences(self, text: str) -> str:
        lines = text.splitlines(keepends=True)
        out: list[str] = []
        i = 0
        while i < len(lines):
            opened = _FENCE.match(lines[i].rstrip("\n"))
            if not opened or (opened.group(2)[0] == "`" and "`" in opened.group(3)):
                out.append(lines[i])
                i += 1
                continue
            marker, indent = opened.group(2), len(opened.group(1))
            end = i + 1
            while end < len(lines) and not _closes(lines[end], marker, indent):
                end += 1
            block = "".join(lines[i : end + 1])
            newline = "\n" if block.endswith("\n") else ""
            out.append(self.hide(block.removesuffix("\n")) + newline)
            i = end + 1
        return "".join(out)

    def inline_code(self, text: str) -> str:
        out: list[str] = []
        pos = 0
        for match in re.finditer(r"`+", text):
            if match.start() < pos:
                continue
            ticks = match.group()
            close = re.compile(f"(?<!`){ticks}(?!`)").search(text, match.end())
            if close is None or "\n\n" in text[match.end() : close.start()]:
                continue
            out.append(text[pos : match.start()])
            out.append(self.hide(text[match.start() : close.end()]))
            pos = close.end()
        out.append(text[pos:])
        return "".join(out)


def tidy(text: str) -> str:
    """At most one blank line between blocks, outside code: what removed constructs leave behind."""
    shield = Shield()
    shielded = _PRE.sub(lambda m: shield.hide(m.group()), shield.fences(text))  # <pre> keeps its blank lines
    return shield.restore(re.sub(r"\n[ \t]*(?:\n[ \t]*){2,}", "\n\n", shielded))


def _closes(line: str, marker: str, indent: int = 0) -> bool:
    """Whether ``line`` closes a fence opened with ``marker`` at ``indent``: indented more than
    three columns past the opening, a fence is code inside it (a fence in a list item in the block)."""
    lead = len(line) - len(line.lstrip(" \t>"))
    stripped = line.strip().lstrip(">").strip()
    return lead <= indent + 3 and stripped.startswith(marker[0] * len(marker)) and set(stripped) == {marker[0]}


Warn = Callable[[int, str], None]  # (line in the source, message)


def sub(pattern: re.Pattern[str], text: str, repl: Callable[[re.Match[str], int], str], first_line: int) -> str:
    """``pattern.sub`` whose replacement also gets the match's source line."""
    return pattern.sub(lambda m: repl(m, line_at(text, m.start(), first_line)), text)


def html_comment(text: str) -> str:
    """Keep a construct we could not convert in the page source, out of the reader's sight."""
    return "<!-- " + text.replace("--", "- -") + " -->"


_ATTR = re.compile(r"""([\w:.-]+)\s*=\s*("(?:[^"\\]|\\.)*"|'[^']*'|[^\s"']+)""")


def attributes(text: str) -> dict[str, str]:
    """``key="value" other='v' bare=x`` as a dict (Liquid include parameters, shortcode and HTML attributes)."""
    found = {}
    for match in _ATTR.finditer(text):
        value = match.group(2)
        if value[:1] in "\"'" and value[-1:] == value[:1] and len(value) >= 2:
            value = value[1:-1]
        found[match.group(1)] = value.replace('\\"', '"')
    return found


MAX_SOURCE_BYTES = 8 * 1024 * 1024  # what the build accepts for one post


def read_source(path: Path, src: Path, report: Report) -> str | None:
    """A post's text, or None (reported) when it is a link out of SRC, too large, or not text.

    Bytes that are not UTF-8 are replaced, with a finding: the old generator may
    have read Latin-1, and the author should look at those lines.
    """
    rel = path.relative_to(src)
    if not path.resolve().is_relative_to(src.resolve()):
        report.warn(rel, 1, "a link to a file outside SRC: not imported")
        return None
    try:
        if path.stat().st_size > MAX_SOURCE_BYTES:
            report.warn(rel, 1, f"larger than {MAX_SOURCE_BYTES // 2**20} MiB: not imported")
            return None
        data = path.read_bytes()
    except OSError as exc:
        report.warn(rel, 1, f"cannot be read ({exc.strerror}): not imported")
        return None
    try:
        return data.decode("utf-8").removeprefix("\ufeff")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        report.warn(rel, line, "not UTF-8: bytes that are not were replaced by U+FFFD")
        return data.decode("utf-8", errors="replace")
