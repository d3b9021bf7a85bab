"""Discovery: which files of ``content/`` are posts, each read once (or taken from the post cache).

The first step of the *reader* stage (``site_gen.content`` reads one file): a
walk of ``content/`` that skips hidden files (``.git``, ``_drafts``), leaves
the files of a page bundle to their index, refuses links out of the site, and
reports markup it does not read rather than skipping it silently.
"""

from __future__ import annotations

import os
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from .config import Config
from .content import (
    BUNDLE_INDEXES,
    TEXT_SUFFIXES,
    UNREAD_SUFFIXES,
    Post,
    _relative,
    read_post,
)
from .errors import ContentError, ContentWarning, note_processing
from .readers import READERS
from .textfile import check_inside_site

if TYPE_CHECKING:
    from .post_cache import PostCache


def discover(
    config: Config,
    *,
    drafts: bool = False,
    warnings: list[ContentWarning] | None = None,
    cache: PostCache | None = None,
    found: Callable[[Post], None] | None = None,
) -> tuple[list[Post], list[ContentError]]:
    """Every post and page under ``content/``, sorted by URL, and the errors met.

    Errors are collected rather than raised so one build reports every broken
    file at once, the way a compiler lists all its errors. Files that are not
    read (other markup, Markdown inside a bundle) are added to ``warnings``.
    ``cache`` holds the posts of the last build, reused while their files are
    unchanged (see ``site_gen.post_cache``). ``found`` is told of each post kept, as
    soon as it is read (``render.RenderAhead`` starts rendering it).
    """
    posts: list[Post] = []
    errors: list[ContentError] = []
    warnings = [] if warnings is None else warnings
    if not config.content_dir.is_dir():
        errors.append(
            ContentError(
                config.content_dir,
                None,
                "no content/ folder",
                'create content/posts/<slug>.md, or run `site-gen new post "Title"`',
            )
        )
        return posts, errors
    read: set[str] = set()  # the files read as posts, to keep in the cache
    bundles = _Bundles(config.content_dir)
    resolved: dict[Path, Path] = {}  # folders, symlinks resolved
    # Folders reached below content/ are not links (links to folders are not followed), so a
    # file that is not a link is inside the site exactly when content/ is: checked once here.
    content_inside = Path(os.path.realpath(config.content_dir)).is_relative_to(config.root.resolve())
    for entry, near_bundle in _walk(config.content_dir):
        suffix = os.path.splitext(entry.name)[1].lower()
        if suffix not in READERS:
            if suffix in UNREAD_SUFFIXES and not (near_bundle and bundles.owner(Path(entry.path))):
                warnings.append(_unread(Path(entry.path), config))
            continue
        if near_bundle and bundles.inside(Path(entry.path)):
            path = Path(entry.path)
            owner = bundles.owner(path)
            if owner is not None and suffix in TEXT_SUFFIXES:
                warnings.append(
                    ContentWarning(
                        _relative(path, config.root),
                        None,
                        f"not a post: it is inside the page bundle {_relative(owner, config.root)}; "
                        "ignored (rename it to start with '_' to silence this)",
                    )
                )
            continue
        try:
            if entry.is_symlink() or not content_inside:
                check_inside_site(Path(entry.path), config.root, _relative(Path(entry.path), config.root), resolved)
            read.add(entry.path)
            post = cache.get(entry.path, config.root) if cache is not None else None
            if post is None:
                path = Path(entry.path)
                post = read_post(path, config)
                if cache is not None:
                    cache.put(path, post, config.root)
        except ContentError as exc:
            errors.append(exc)
            continue
        except Exception as bug:
            note_processing(bug, _relative(Path(entry.path), config.root))
            raise
        if post.draft and not drafts:
            continue
        posts.append(post)
        if found is not None:
            found(post)
    errors.extend(_duplicate_urls(posts))
    posts.sort(key=lambda p: p.url_path)
    if cache is not None:
        cache.keep_only(read)
    return posts, errors


def _unread(path: Path, config: Config) -> ContentWarning:
    rel = _relative(path, config.root)
    readable = ", ".join(READERS)
    hint = "rename it to .md if it is Markdown" if path.suffix.lower() in (".mdown", ".mkd", ".rmd") else ""
    hint = hint or "to bring a whole blog over, run `site-gen import <generator> SRC`"
    return ContentWarning(rel, None, f"not read: site_gen reads {readable} files, not {path.suffix}; skipped ({hint})")


class _Bundles:
    """Which files of content/ lie in a page bundle, each folder looked at once per discovery
    (a thousand posts in content/posts/ would otherwise stat its would-be index files a thousand times)."""

    def __init__(self, content_dir: Path) -> None:
        self.content_dir = content_dir
        self._indexes: dict[Path, list[Path]] = {}  # folder -> the bundle index files it holds

    def owner(self, path: Path) -> Path | None:
        """The index file of the bundle ``path`` lies in (its own folder or one above, below content/)."""
        for folder in path.parents:
            if folder == self.content_dir or not folder.is_relative_to(self.content_dir):
                return None
            if folder not in self._indexes:
                self._indexes[folder] = [folder / name for name in BUNDLE_INDEXES if (folder / name).exists()]
            found = next((index for index in self._indexes[folder] if index != path), None)
            if found is not None:
                return found
        return None

    def inside(self, path: Path) -> bool:
        """True for posts nested inside a page bundle: they belong to its index (the index itself is not)."""
        return self.owner(path.parent if path.name in BUNDLE_INDEXES else path) is not None


def _walk(content_dir: Path) -> list[tuple[os.DirEntry[str], bool]]:
    """Every entry below ``content_dir`` that is not hidden, in the order of
    ``sorted(content_dir.rglob("*"))`` (by path parts), each with whether a page bundle may
    hold it: its folder or one above holds a bundle index (``_Bundles`` then decides).

    By ``os.scandir`` and strings: for 5000 posts, pathlib's rglob, relative_to and parents
    cost more than reading every post from the post cache. Hidden folders are not entered
    (all below them is hidden too), nor are links to folders, as rglob does not follow them."""
    found: list[tuple[tuple[str, ...], os.DirEntry[str], bool]] = []

    def visit(folder: str, parts: tuple[str, ...], bundle_above: bool) -> None:
        try:
            with os.scandir(folder) as listing:
                entries = [entry for entry in listing if not entry.name.startswith((".", "_"))]
        except OSError:
            return
        # content/ itself is never a bundle (content/index.md is refused as a post).
        here = bool(parts) and any(entry.name in BUNDLE_INDEXES for entry in entries)
        for entry in entries:
            index = entry.name in BUNDLE_INDEXES
            below = (*parts, entry.name)
            found.append((below, entry, bundle_above or (here and not index)))
            if entry.is_dir(follow_symlinks=False):
                visit(entry.path, below, bundle_above or here)

    visit(str(content_dir), (), False)
    found.sort(key=lambda item: item[0])
    return [(entry, near_bundle) for _, entry, near_bundle in found]


def _duplicate_urls(posts: list[Post]) -> list[ContentError]:
    urls = Counter(post.url_path for post in posts)
    shared = [post for post in posts if urls[post.url_path] > 1]  # most builds: none, nothing sorted
    seen: dict[str, Post] = {}
    errors = []
    for post in sorted(shared, key=lambda p: str(p.rel_source)):
        other = seen.setdefault(post.url_path, post)
        if other is not post:
            errors.append(
                ContentError(
                    post.rel_source,
                    1,
                    f"URL /{post.url_path} is also used by {other.rel_source}",
                    "give one of them a different `slug:`",
                )
            )
    return errors
