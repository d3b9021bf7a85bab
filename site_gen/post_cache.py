"""Discovered posts, kept between builds by the signatures of the files they were read from.

Reading a post (its reader, its YAML, its bibliography) costs about a
millisecond, so a one-post edit in a 1000-post site would spend a second
re-reading the 999 posts that did not change. A ``Post`` is a function of its
file, the files read with it (a bundle's folder, its ``.bib`` files),
``site.toml`` and site_gen itself; it is kept with the size and mtime of each
file and reused only while every one of them still matches.

Like git's index, an entry whose files changed within the last two seconds is
not kept: a file rewritten within the same mtime tick as its read would look
unchanged to the next build. Such a post is simply read again next time.

A post is kept without its body, nine tenths of its size (72 MB of 75 for 5000
posts, all loaded and written again by each edit): an unchanged post is rarely
rendered again (the render cache holds it), so its body stays in its file and
``Post`` reads it back, checked against a hash, on first use. What the build
asks of every post, its digest, the diagrams and cells it may hold, is kept.
"""

from __future__ import annotations

import gc
import hashlib
import os
import pickle
import tempfile
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from .config import CONFIG_NAME, Config
from .content import BODY_DIGEST, BUNDLE_INDEXES, PATH_TEXT, READER_REL, Post, Tag, body_digest
from .identity import renderer_fingerprint

CACHE_NAME = "posts.pickle"
RACY_NS = 2_000_000_000

Signature = tuple[tuple[str, int, int], ...]  # (path, size, mtime_ns) of every file a post was read from
Kept = dict[str, object]  # what is stored of a Post: its __dict__ without the body (see Post.__getattr__)


@dataclass
class PostCache:
    """``get`` a post still valid for its files, ``put`` one just read, ``save`` at the end."""

    path: Path
    salt: str  # site.toml and site_gen: a change to either invalidates every entry
    entries: dict[str, tuple[Signature, Post, Kept]] = field(default_factory=dict)
    changed: bool = False
    # (size, mtime_ns) by path, as this build's input digest just took them (``manifest.input_digest``):
    # at 5000 posts, stat-ing every post a second time cost 10 ms of a one-post edit.
    stats: Mapping[str, tuple[int, int]] = field(default_factory=dict)

    @classmethod
    def load(cls, config: Config, stats: Mapping[str, tuple[int, int]] | None = None) -> PostCache:
        salt = _salt(config)
        path = config.cache_dir / CACHE_NAME
        collecting = gc.isenabled()
        gc.disable()  # ~30 objects a post, no cycle among them: collections tripled the load time
        try:
            with path.open("rb") as file:
                stored_salt, stored = pickle.load(file)
            entries = {source: (signature, _revive(kept), kept) for source, (signature, kept) in stored.items()}
        except (OSError, pickle.UnpicklingError, EOFError, ValueError, TypeError, AttributeError, ImportError):
            return cls(path, salt)
        finally:
            if collecting:
                gc.enable()
        return cls(path, salt, entries if stored_salt == salt else {}, changed=stored_salt != salt, stats=stats or {})

    def get(self, source: Path | str, root: Path) -> Post | None:
        entry = self.entries.get(str(source))
        if entry is None:
            return None
        signature, post, _ = entry
        if _lone_file(signature, post):  # read from its own file only: stat it by name, no Path made
            name, size, mtime = signature[0]
            taken = self.stats.get(name)
            if taken is not None:
                return post if taken == (size, mtime) else None
            return post if _signature([name]) == signature else None
        return post if _signature(post_files(post.source, post, root)) == signature else None

    def put(self, source: Path, post: Post, root: Path) -> None:
        signature = _signature(post_files(source, post, root))
        if not cacheable(source) or any(mtime > time.time_ns() - RACY_NS for _, _, mtime in signature):
            # Too fresh to trust its mtime: read it again next time (and rewrite the cache only if it held it).
            self.changed |= self.entries.pop(str(source), None) is not None
        else:
            self.entries[str(source)] = (signature, post, _kept(post, source, root))
            self.changed = True

    def keep_only(self, sources: set[str]) -> None:
        """Forget posts whose files are gone, so the cache does not grow with deleted drafts."""
        for gone in set(self.entries) - sources:
            del self.entries[gone]
            self.changed = True

    def save(self) -> None:
        if not self.changed:
            return
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd, scratch = tempfile.mkstemp(prefix=".posts-", dir=self.path.parent)
        # The same tags are named by many posts: stored once each (pickle keeps one copy of an object).
        tags: dict[Tag, Tag] = {}
        for _, _, kept in self.entries.values():
            kept["tags"] = tuple(tags.setdefault(tag, tag) for tag in kept["tags"])  # type: ignore[attr-defined]
        stored = {source: (signature, kept) for source, (signature, _, kept) in self.entries.items()}
        with os.fdopen(fd, "wb") as file:
            pickle.dump((self.salt, stored), file, protocol=pickle.HIGHEST_PROTOCOL)
        os.replace(scratch, self.path)


def _kept(post: Post, source: Path, root: Path) -> Kept:
    """What the cache stores of a post just read: all but its body, with what reads it back."""
    _ = post.digest, post.diagram_refs, post.may_have_cells  # computed now, from the body, and kept
    kept = {name: value for name, value in post.__dict__.items() if name != "body" and name not in PATH_TEXT}
    kept.update((text, str(post.__dict__[name])) for name, text in PATH_TEXT.items())
    kept[BODY_DIGEST] = body_digest(post.body)
    rel = source.relative_to(root) if source.is_relative_to(root) else source
    if rel != post.rel_source:  # a notebook names its cells in rel_source
        kept[READER_REL] = rel
    return kept


def _revive(kept: Kept) -> Post:
    """A Post from what ``_kept`` stored, without calling ``__init__``: it is the post that was read."""
    post = Post.__new__(Post)
    post.__dict__.update(kept)
    return post


def post_files(source: Path, post: Post, root: Path) -> list[Path]:
    """The files ``post`` was read from: its own, a bundle's whole folder, its bibliographies and style."""
    files = [source]
    if source.name in BUNDLE_INDEXES:
        files.extend(sorted(path for path in source.parent.rglob("*") if path != source))
    files.extend(root / bib.path for bib in post.bibliography)
    if post.csl is not None and post.csl.xml:  # a .csl file, by its site-relative path
        files.append(root / post.csl.name)
    return files


def _lone_file(signature: Signature, post: Post) -> bool:
    """Whether ``post_files`` names only the post's own file, as it was when ``signature`` was taken."""
    name = os.path.basename(signature[0][0]) if len(signature) == 1 else ""
    return bool(name) and name not in BUNDLE_INDEXES and not post.bibliography and not (post.csl and post.csl.xml)


def cacheable(source: Path) -> bool:
    """Whether ``post_files`` names every file a post's reader read. A Quarto post may paste in
    any file with ``{{< include >}}``, which the Post does not record: it is always read afresh."""
    return source.suffix.lower() != ".qmd"


def _signature(files: list[Path] | list[str]) -> Signature:
    signature = []
    for path in files:
        try:
            stat = os.stat(path)
        except OSError:
            signature.append((str(path), -1, -1))
            continue
        signature.append((str(path), stat.st_size, stat.st_mtime_ns))
    return tuple(signature)


def _salt(config: Config) -> str:
    try:
        settings = (config.root / CONFIG_NAME).read_bytes()
    except OSError:
        settings = b""
    return hashlib.sha256(
        b"%s\0%s\0%s" % (renderer_fingerprint().encode(), str(config.root).encode(), settings)
    ).hexdigest()
