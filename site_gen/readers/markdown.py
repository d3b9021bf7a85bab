"""Markdown posts: YAML front matter between ``---`` lines, then CommonMark.

The reader every other text format builds on (Quarto and MyST adapt what it
returns). Two conveniences real blogs rely on: a post's title may be its
first ``# Heading`` (MyST, d2l, Jupyter Book), which then leaves the body
since the page shows the title itself; and a file starting with a BOM or
holding characters XML cannot hold is read all the same (``site_gen.textfile``).
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import yaml

from ..errors import ContentError
from ..textfile import read_text
from .source import Source

FRONT_MATTER_FENCE = "---"
# A post past this size is almost certainly a mistake (a pasted data file), and would take minutes.
MAX_POST_BYTES = 8 * 1024 * 1024
_HEADING = re.compile(r"^#[ \t]+(.+?)(?:[ \t]+#+)?[ \t]*$")
_DATED_NAME = re.compile(r"^(\d{4}-\d{2}-\d{2})-([a-z0-9][a-z0-9._-]*)$")
_FENCE = re.compile(r"^[ ]{0,3}(`{3,}|~{3,})")


def read(path: Path, rel: Path) -> Source:
    _check_size(path, rel)
    source = read_text(path, rel)
    meta, body, body_line = split_front_matter(source.text, rel)
    if meta.get("title") in (None, ""):
        body = title_from_heading(meta, body)
    _date_from_name(meta, path)
    return Source(meta, body, body_line, source.text, source.warnings)


def _date_from_name(meta: dict[str, Any], path: Path) -> None:
    """Jekyll's ``2020-01-14-my-post.md``: the date and slug come from the name unless front matter says."""
    found = _DATED_NAME.match(path.stem)
    if found is None:
        return
    meta.setdefault("date", found.group(1))
    meta.setdefault("slug", found.group(2))


def title_from_heading(meta: dict[str, Any], body: str, past_code: bool = False) -> str:
    """Take the first ``# Heading`` before any code as the title; its line stays, blank, for line numbers.

    With ``past_code`` (MyST, whose pages often open with a raw-HTML banner) the
    heading may come after code too, though never from inside it.
    """
    lines = body.split("\n")
    fence = ""
    for index, line in enumerate(lines):
        opened = _FENCE.match(line)
        if fence:
            if opened and opened.group(1)[0] == fence[0] and len(opened.group(1)) >= len(fence):
                fence = ""
            continue
        if opened:
            if not past_code:
                break
            fence = opened.group(1)
            continue
        found = _HEADING.match(line)
        if found:
            meta["title"] = found.group(1).strip()
            lines[index] = ""
            return "\n".join(lines)
    return body


# libyaml's parser when PyYAML has it: ten times faster on a thousand posts.
_SafeLoader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class _FrontMatterLoader(_SafeLoader):  # type: ignore[misc,valid-type]
    """YAML's safe loader, but dates stay strings so a bad one gets our error, with its line."""


_FrontMatterLoader.yaml_implicit_resolvers = {
    first: [(tag, regexp) for tag, regexp in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for first, resolvers in _SafeLoader.yaml_implicit_resolvers.items()
}


def split_front_matter(text: str, rel: Path) -> tuple[dict[str, Any], str, int]:
    """Split ``---``-fenced YAML from the body; return (meta, body, body's first line)."""
    lines = text.splitlines(keepends=True)
    if not lines or lines[0].strip() != FRONT_MATTER_FENCE:
        raise ContentError(
            rel, 1, "missing front matter", "start the file with '---', then at least `title:` and `date:`, then '---'"
        )
    for index in range(1, len(lines)):
        if lines[index].strip() == FRONT_MATTER_FENCE:
            break
    else:
        raise ContentError(rel, 1, "front matter is not closed", "add a line '---' after the front matter")
    yaml_text = "".join(lines[1:index])
    try:
        meta = _load_yaml(yaml_text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + 2 if mark is not None else 2
        problem = getattr(exc, "problem", None) or str(exc)
        raise ContentError(
            rel,
            line,
            f"invalid YAML in front matter: {problem}",
            "check indentation and quote values that contain ':' or '#'",
        ) from None
    if not isinstance(meta, dict):
        raise ContentError(rel, 2, "front matter must be a mapping of keys to values", "write `key: value` lines")
    return meta, "".join(lines[index + 1 :]), index + 2


_COLON_IN_VALUE = re.compile(r"^([A-Za-z_][\w-]*):[ \t]+([^'\"\[{|>&*!#%@`\s][^#\n]*?:[ \t][^\n]*?)[ \t]*$", re.M)


def _load_yaml(text: str) -> Any:
    """YAML front matter; where strict YAML refuses a plain value holding ``: `` (``title: Part 2: Results``,
    a slip real posts make), the value is read as the string it was meant to be."""
    try:
        return yaml.load(text, Loader=_FrontMatterLoader) or {}
    except yaml.YAMLError:
        quoted = _COLON_IN_VALUE.sub(lambda m: f"{m.group(1)}: '{m.group(2).replace(chr(39), chr(39) * 2)}'", text)
        if quoted == text:
            raise
        try:
            return yaml.load(quoted, Loader=_FrontMatterLoader) or {}
        except yaml.YAMLError:
            pass
        raise


def _check_size(path: Path, rel: Path) -> None:
    try:
        size = path.stat().st_size
    except OSError:
        return  # read_text reports it
    if size > MAX_POST_BYTES:
        raise ContentError(
            rel,
            None,
            f"the file is {size / 2**20:.1f} MiB; posts are limited to {MAX_POST_BYTES // 2**20} MiB",
            "move data into a file the post links to, or split the post",
        )


def line_of(text: str, key: str) -> int:
    """The line of ``key:`` in the front matter (1-based), or 1 if not found."""
    for number, line in enumerate(text.splitlines(), start=1):
        if line.split(":", 1)[0].strip() == key:
            return number
        if number > 1 and line.strip() == FRONT_MATTER_FENCE:
            break
    return 1
