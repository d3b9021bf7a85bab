"""Front matter from other generators, turned into ours.

Jekyll and Hugo write YAML between ``---`` (Hugo also TOML between ``+++``),
Pelican writes ``Key: value`` lines. Whatever the spelling, a post here needs
``title`` and ``date``: a Jekyll file name gives the date (``2020-01-14-x.md``),
the first ``# heading`` gives a missing title, and keys with no meaning here
are named in the report rather than dropped without a word.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import yaml

from ..content import slugify
from .markup import line_at

FILENAME_DATE = re.compile(r"^(\d{4})-(\d{2})-(\d{2})-(.+)$")
_PELICAN_KEY = re.compile(r"^([A-Za-z][\w-]*):[ \t]*(.*)$")
# Keys that only steer the old generator's templates: nothing is lost without them.
LAYOUT_KEYS = frozenset(
    {"layout", "comments", "toc", "hidden", "search_exclude", "sitemap", "share", "mathjax", "math", "katex",
     "badges", "hide", "nav_order", "htmlwidgets", "giscus_comments", "featured", "related_posts", "type", "weight",
     "markup", "template", "lang", "author", "authors", "future", "redirect_from", "aliases", "permalink", "url",
     "excerpt_separator", "alias", "modified", "lastmod", "last_modified_at", "updated", "published", "status", "draft",
     "tags", "categories", "category", "keywords", "title", "date", "slug", "summary", "description", "excerpt"}
)  # fmt: skip


@dataclass
class Header:
    """A source file split into its metadata and body."""

    meta: dict[str, Any]
    body: str
    body_line: int  # source line where the body starts
    problem: str = ""  # why the header could not be read, if it could not


class _Loader(yaml.SafeLoader):
    """Safe YAML, but dates stay as written: we parse them ourselves, with their time zone."""


_Loader.yaml_implicit_resolvers = {
    first: [(tag, rx) for tag, rx in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


def split(text: str) -> Header:
    """YAML (``---``), TOML (``+++``) or no front matter at all."""
    text = text.removeprefix("\ufeff")
    lines = text.splitlines(keepends=True)
    fence = lines[0].strip() if lines else ""
    if fence not in ("---", "+++"):
        return Header({}, text, 1)
    for index in range(1, len(lines)):
        if lines[index].strip() == fence:
            break
    else:
        return Header({}, text, 1, "front matter is not closed")
    raw = "".join(lines[1:index])
    body, body_line = "".join(lines[index + 1 :]), index + 2
    try:
        meta = tomllib.loads(raw) if fence == "+++" else yaml.load(raw, Loader=_Loader)
    except (yaml.YAMLError, tomllib.TOMLDecodeError) as exc:
        return Header({}, body, body_line, f"front matter could not be read: {str(exc).splitlines()[0]}")
    return Header(meta if isinstance(meta, dict) else {}, body, body_line)


def split_pelican(text: str) -> Header:
    """Pelican's Markdown header: ``Key: value`` lines up to the first blank line or other line."""
    text = text.removeprefix("\ufeff")
    if text.startswith(("---", "+++")):
        return split(text)
    lines = text.splitlines(keepends=True)
    meta: dict[str, Any] = {}
    last = ""
    index = len(lines)
    for number, line in enumerate(lines):
        if not line.strip():
            index = number
            break
        match = _PELICAN_KEY.match(line.rstrip("\n"))
        if match:
            last = match.group(1).lower()
            meta[last] = match.group(2).strip()
        elif line[:1] in " \t" and last:  # Python-Markdown's meta extension continues a value indented
            meta[last] += " " + line.strip()
        elif meta:  # as Python-Markdown's meta extension: the first other line ends the header and is text
            return Header(meta, "".join(lines[number:]), number + 1)
        else:
            return Header({}, text, 1)
    return Header(meta, "".join(lines[index + 1 :]), index + 2)


_UNIX_DATE = re.compile(
    r"(?:[A-Z][a-z]{2},?\s+)?([A-Z][a-z]{2})\s+(\d{1,2})\s+(\d{1,2}:\d{2}:\d{2})\s+(?:[A-Z]{2,5}\s+)?(\d{4})"
)


def parse_date(value: Any) -> datetime | date | None:
    """Dates as generators write them: ``2020-01-14``, ``2020-01-14 10:20:00 +0100``, ISO, YAML's own."""
    if isinstance(value, datetime | date):
        return value
    if not isinstance(value, str) or not value.strip():
        return None
    unix = _UNIX_DATE.fullmatch(value.strip())
    if unix:  # `date`'s own "Sun Sep 20 10:01:48 MDT 2015": the zone's name is dropped, its offset is not known
        month, day, clock, year = unix.groups()
        try:
            return datetime.strptime(f"{year} {month} {day} {clock}", "%Y %b %d %H:%M:%S")
        except ValueError:
            return None
    text = value.strip().replace("/", "-")
    text = re.sub(r"\s*(?:UTC|GMT)\s*(?=[+-]\d{2}:?\d{2}$)", " ", text)  # Pelican's "13:12 UTC-07:00"
    text = re.sub(r"\s+([+-]\d{2}):?(\d{2})$", r"\1:\2", text)  # "10:20 +0100" -> "10:20+01:00"
    text = re.sub(r"\s*(Z|UTC|GMT)$", "+00:00", text)
    text = re.sub(r"^(\d{4}-\d{1,2}-\d{1,2})[ T](\d{1,2}):(\d{2})(?=$|[:+-])", _pad_time, text)
    try:
        return datetime.fromisoformat(text) if len(text) > 10 else date.fromisoformat(_pad_date(text))
    except ValueError:
        return None


def _pad_time(match: re.Match[str]) -> str:
    return f"{_pad_date(match.group(1))}T{int(match.group(2)):02d}:{match.group(3)}"


def _pad_date(text: str) -> str:
    parts = text.split("-")
    return "-".join([parts[0], *(p.zfill(2) for p in parts[1:])]) if len(parts) == 3 else text


def format_date(value: datetime | date) -> str:
    if isinstance(value, datetime):
        return value.isoformat()
    return value.isoformat()


def date_from_name(stem: str) -> tuple[date | None, str]:
    """``2020-01-14-test-post`` -> (2020-01-14, ``test-post``); other names keep their stem."""
    match = FILENAME_DATE.match(stem)
    if not match:
        return None, stem
    try:
        return date(int(match.group(1)), int(match.group(2)), int(match.group(3))), match.group(4)
    except ValueError:
        return None, stem


def file_date(path: Path) -> date:
    """The last resort for a post with no date anywhere: when the file was last changed."""
    return datetime.fromtimestamp(path.stat().st_mtime, UTC).date()


def words(value: Any, *, comma: bool = False) -> list[str]:
    """Tags and categories: a YAML list, Jekyll's space-separated string, or Pelican's comma list."""
    if value is None or value == "":
        return []
    if isinstance(value, list | tuple):
        return [str(item).strip() for item in value if isinstance(item, str | int | float) and str(item).strip()]
    if not isinstance(value, str | int | float):
        return []  # a mapping is no list of tags
    text = str(value)
    if comma or "," in text:
        return [part.strip() for part in text.split(",") if part.strip()]
    return text.split()


def unique(items: list[str]) -> list[str]:
    """Tags in order, without repeats that differ only in case or spelling of the slug."""
    seen: set[str] = set()
    out = []
    for item in items:
        if slugify(item) not in seen:
            seen.add(slugify(item))
            out.append(item)
    return out


_HEADING = re.compile(r"^#[ \t]+(.+?)[ \t#]*$", re.M)
_ANY_HEADING = re.compile(r"^#{1,6}[ \t]+(.+?)[ \t#]*$", re.M)


def title_from_heading(body: str) -> tuple[str | None, str]:
    """The first ``# Title`` as the title: removed from the top of the body, kept where it is further down.

    Headings inside code are not headings; the caller passes text whose fences are gone or shielded.
    """
    match = _HEADING.search(body)
    if not match:  # no "# Title": the first heading of any level names the post, and stays
        any_level = _ANY_HEADING.search(body)
        return (any_level.group(1).strip(), body) if any_level else (None, body)
    title = re.sub(r"\s*\{#[^}]*\}$", "", match.group(1)).strip()
    if body[: match.start()].strip():
        return title, body
    return title, body[: match.start()] + "\n" + body[match.end() :].lstrip("\n")


def dump(meta: dict[str, Any], body: str) -> str:
    """Our front matter, keys in a fixed order, then the body."""
    front = yaml.safe_dump(meta, sort_keys=False, allow_unicode=True, width=10_000)
    return f"---\n{front}---\n\n{body.strip(chr(10))}\n"


def unused_keys(meta: dict[str, Any], used: frozenset[str] = LAYOUT_KEYS) -> list[str]:
    return sorted(str(key) for key in meta if str(key).lower() not in used and not str(key).startswith("_"))


def key_line(text: str, key: str) -> int:
    """The line of ``key:`` in a header, for a finding about it."""
    match = re.search(rf"^\s*{re.escape(key)}\s*[:=]", text, re.M | re.I)
    return line_at(text, match.start()) if match else 1
