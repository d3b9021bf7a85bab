"""What a converter knows while it rewrites one post.

One ``PostContext`` per source file: where it is, where its old site kept
files, the new addresses of every other imported post (for ``post_url`` and
cross-links), and the report to tell about what did not convert. Plain data
handed down, so each converter function can be tested alone.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .report import Report


@dataclass
class SiteInfo:
    """What the old site's configuration says, as far as the new site cares."""

    title: str = ""
    base_url: str = ""  # absolute URL of the old site's root, ending in "/" (empty if unknown)
    base_path: str = "/"  # the path part of it ("/blog/"), which old absolute links start with
    permalink: str = ""  # the old URL pattern for posts
    macros: dict[str, str] = field(default_factory=dict)
    feed: str = ""  # the old feed's path, when it is not ours (/feed.xml)
    settings: dict[str, Any] = field(default_factory=dict)  # the rest, for {{ site.x }}


@dataclass
class PostContext:
    """One source post being converted."""

    src: Path  # the old site's root (absolute)
    path: Path  # the post's file (absolute)
    report: Report
    site: SiteInfo
    roots: tuple[Path, ...]  # where a "/x.png" of the old site lives, in order
    new_urls: dict[str, str]  # old URL path, file stem or source path -> new URL of that post
    first_line: int = 1  # source line of the body's first line
    assets: dict[str, Path] = field(default_factory=dict)  # file name in the bundle -> source file
    generated: dict[str, bytes] = field(default_factory=dict)  # files made here (notebook images) -> bytes
    footnotes: list[str] = field(default_factory=list)  # definitions to append (Distill, sidenotes)
    meta: dict[str, Any] = field(default_factory=dict)  # the source front matter, for {{ page.x }}
    cell: int = 0  # the notebook cell being converted, counted from 1 (0: not a notebook)
    asset_prefix: str = ""  # before a copied file's name in a link: "" in a bundle, a static/ path for notebooks

    @property
    def rel(self) -> Path:
        return self.path.relative_to(self.src)

    def warn(self, line: int | None, message: str) -> None:
        self.report.warn(self.rel, line, message, self.cell)
