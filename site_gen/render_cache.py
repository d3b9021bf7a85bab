"""The persistent render cache: a post is rendered once per content, not once per build.

A rendered post (its page view, feed body and warnings) is stored under
``.cache/render/`` by a key that covers everything its HTML depends on: the
settings, the parsed post, the diagram files it names, its executed cells'
results — and the renderer itself (site_gen's own source and the versions of
the libraries that turn Markdown, TeX and code into HTML). Change any of
those and the key changes; nothing is ever invalidated by a timestamp.

Entries are pickles: the cache is private to this machine and rebuilt from
the sources whenever it is missing or unreadable.
"""

from __future__ import annotations

import gc
import hashlib
import os
import pickle
import tempfile
import threading
from collections.abc import Hashable, Mapping
from dataclasses import dataclass
from pathlib import Path

from .config import Config
from .content import Post
from .errors import ContentError, ContentWarning
from .fragments import Made
from .identity import renderer_fingerprint
from .layout import PostView, StoredBody, card_digest

# Page view, feed body (or where it is kept), warnings.
RenderedPost = tuple[PostView, str | StoredBody, list[ContentWarning]]
# What a listing shows of a render, as plain values: summary HTML, description,
# table-of-contents rows (level, id, title), word count.
CardFields = tuple[str, str, tuple[tuple[int, str, str], ...], int]
# A render's card: its notebook, the digest of its CardFields (``layout.card_digest``), the
# CardFields pickled, and the render's warnings. The fields stay pickled until a page shows
# them (``layout.PostView.__getattr__``): a one-post edit settles nearly every page that
# would, and unpickling 5000 of them was 16 ms, most of reading cards.pickle.
Card = tuple[str, str, bytes, list[ContentWarning]]
CARDS = "cards.pickle"
ENTRIES = "entries"  # the folder of the entries, beside CARDS
STALE_CARDS = 32  # cards.pickle is rewritten once it lacks (or no longer needs) more than this many


class RenderCache(dict[str, RenderedPost]):
    """Finished renders by ``render_key``, kept by the preview server across rebuilds.

    It also remembers each Post's key: an unchanged post is the same Post object
    on every rebuild, and hashing a thousand of them again would cost more than
    the edit. ``forget_keys()`` when a file a key reads (a diagram) changed.
    """

    def __init__(self) -> None:
        super().__init__()
        self._keys: dict[int, tuple[Post, str, str]] = {}  # the post, its settings' digest, its key
        self._settings: tuple[Config, str, list[Diagram]] | None = None

    def key(self, config: Config, post: Post) -> str:
        settings = self._settings
        if settings is None or (settings[0] is not config and settings[0] != config):
            settings = self._settings = (config, _config_digest(config), diagram_files(config))
        elif settings[0] is not config:  # settings equal to the last: compared once, not once per post
            settings = self._settings = (config, settings[1], settings[2])
        known = self._keys.get(id(post))
        if known is not None and known[0] is post and known[1] == settings[1]:
            return known[2]
        key = render_key(settings[1], post, settings[2])
        self._keys[id(post)] = (post, settings[1], key)
        return key

    def forget_keys(self) -> None:
        self._keys.clear()
        self._settings = None

    def lookup(self, key: str, post: Post) -> RenderedPost | None:
        """A finished render of ``post``, as the build keeps it."""
        return self.get(key)

    def store(self, key: str, entry: RenderedPost, post: Post, made: Made | None = None) -> RenderedPost:
        """Keep a fresh render of ``post``; returns what the build should hold of it (here: all of it).
        ``made``: what the render made of its blocks and formulas (``site_gen.fragments``)."""
        self[key] = entry
        return entry

    def entry_path(self, key: str) -> Path | None:
        """Where a worker process may store the render of ``key`` itself (None: kept in memory here)."""
        return None

    def adopt(self, key: str, found: Card, post: Post) -> RenderedPost:
        raise NotImplementedError("only a cache on disk has renders stored by other processes")

    def offered(self, post: Post) -> Mapping[Hashable, object]:
        """What the last render of ``post`` (by its URL) made of its blocks and formulas. A process
        that keeps this cache (the preview) keeps its memos warm too: nothing to offer."""
        return {}


Diagram = tuple[str, bytes]  # a file of diagrams/: its path there, a hash of its bytes


def render_key(settings: str, post: Post, diagrams: list[Diagram]) -> str:
    """Everything a post's render depends on: the settings (``_config_digest``), the
    parsed post, and the diagram files its source names (a diagram edit must re-render it;
    ``Post.diagram_refs``, so that a post from the post cache is keyed without its body)."""
    digest = hashlib.sha256(f"{settings}\0{post.digest}\n".encode())
    for asset in post.assets:  # images beside the post: the page carries their width and height
        try:
            stat = asset.stat()
        except OSError:
            continue
        digest.update(f"{asset}\0{stat.st_size}\0{stat.st_mtime_ns}\n".encode())
    for name, content in diagrams:
        if name in post.diagram_refs:
            digest.update(name.encode("utf-8") + b"\0" + content)
    return digest.hexdigest()


def _config_digest(config: Config) -> str:
    return hashlib.sha256(repr(config).encode("utf-8")).hexdigest()


def diagram_files(config: Config) -> list[Diagram]:
    """The files of ``diagrams/``, read once per build rather than once per post."""
    if not config.diagrams_dir.is_dir():
        return []
    return [
        (path.relative_to(config.diagrams_dir).as_posix(), hashlib.sha256(path.read_bytes()).digest())
        for path in sorted(config.diagrams_dir.rglob("*"))
        if path.is_file()
    ]


class DiskRenderCache(RenderCache):
    """A RenderCache on disk, one file per key, holding nothing in memory.

    A build streams its posts through it: each render is stored as soon as it
    is made, and what the build keeps is the post's listing card plus a
    ``CachedBody`` for the body, read back when the page or a feed needs it.
    Peak memory then follows the largest post, not the number of posts.

    Each file holds two pickles: the card (the view without its body, and the
    warnings), then the bodies (page HTML, feed HTML), so a card is read
    without unpickling the bodies.

    The cards of the last build are also kept together, in ``cards.pickle``
    (``save_cards``): a one-post edit of a 5000-post site would otherwise open
    5000 files to read them back (0.4 s), where one file of 5 MB is read in 0.03 s.
    """

    def __init__(self, folder: Path) -> None:
        super().__init__()
        self.folder = folder
        # The last bodies read: a page's fingerprint and then its layout may ask for the same.
        self._last: tuple[str, tuple[str, str]] | None = None
        self._cards: dict[str, Card] | None = None  # the last build's, by key: read at the first lookup
        self._latest: dict[str, str] = {}  # the last build's key of each post, by URL (read with the cards)
        self._used: dict[str, Card] = {}  # this build's, by key: what save_cards keeps
        self._used_urls: dict[str, str] = {}  # this build's key of each post, by URL
        self._loading = threading.Lock()  # posts with cells are looked up from threads of their own

    def _path(self, key: str) -> Path:
        """One folder for all entries, not a folder per hash prefix: a cold build then makes one
        folder, not 256 (on this machine's ext4 a new folder cost ~1 ms, as much as a render's
        math). A directory of ext4, APFS or NTFS finds a name among 100,000 by its index."""
        full = hashlib.sha256(f"{renderer_fingerprint()}:{key}".encode()).hexdigest()
        return self.folder / ENTRIES / f"{full}.pickle"

    def __contains__(self, key: object) -> bool:
        return isinstance(key, str) and (key in self._card_index() or self._path(key).is_file())

    def lookup(self, key: str, post: Post) -> RenderedPost | None:
        found = self._card_index().get(key)
        if found is None:
            try:
                with self._path(key).open("rb") as stream:
                    found = pickle.load(stream)
            except (OSError, pickle.UnpicklingError, EOFError, AttributeError, ImportError, TypeError, ValueError):
                return None  # missing, torn or from an incompatible build: render again
        assert found is not None
        self._used[key] = found
        self._used_urls[post.url_path] = key
        return self._held(key, found, post), CachedBody(self, key, feed=True), found[3]

    def store(self, key: str, entry: RenderedPost, post: Post, made: Made | None = None) -> RenderedPost:
        return self.adopt(key, write_entry(self._path(key), entry, made), post)

    def entry_path(self, key: str) -> Path | None:
        return self._path(key)

    def adopt(self, key: str, found: Card, post: Post) -> RenderedPost:
        """What the build holds of a render stored at ``key`` (by ``store``, or by the worker
        process that made it: ``site_gen.render``)."""
        self._used[key] = found
        self._used_urls[post.url_path] = key
        return self._held(key, found, post), CachedBody(self, key, feed=True), found[3]

    def save_cards(self) -> None:
        """Keep this build's cards together for the next one, unless the last build's serve it
        nearly as well: a card it lacks is read from its entry (one file), and one it holds that
        no post uses any more costs nothing, so rewriting 6 MB for a one-post edit of 5000
        posts (0.09 s) waits until either kind is more than a sixteenth of the posts."""
        index = self._card_index()
        lacking = sum(1 for key in self._used if key not in index)
        unused = len(index) - (len(self._used) - lacking)
        slack = max(STALE_CARDS, len(self._used) // 16)
        if index and lacking <= slack and unused <= slack:
            return
        self.folder.mkdir(parents=True, exist_ok=True)
        handle, scratch = tempfile.mkstemp(dir=self.folder, prefix=".tmp-")
        with os.fdopen(handle, "wb") as stream:
            pickle.dump((renderer_fingerprint(), self._used, self._used_urls), stream, protocol=pickle.HIGHEST_PROTOCOL)
        os.replace(scratch, self.folder / CARDS)

    def _card_index(self) -> dict[str, Card]:
        with self._loading:
            if self._cards is None:
                self._cards, self._latest = _load_cards(self.folder / CARDS)
            return self._cards

    def offered(self, post: Post) -> Mapping[Hashable, object]:
        """The record kept with the render of ``post`` that cards.pickle last named for its URL
        (an entry of a few renders ago at worst: fewer of its pieces are the same, no harm)."""
        self._card_index()
        key = self._latest.get(post.url_path)
        if key is None:
            return {}
        try:
            with self._path(key).open("rb") as stream:
                pickle.load(stream)  # the card
                pickle.load(stream)  # the bodies
                made = pickle.load(stream)
        except (OSError, pickle.UnpicklingError, EOFError, AttributeError, ImportError, TypeError, ValueError):
            return {}
        return made if isinstance(made, dict) else {}

    def _held(self, key: str, card: Card, post: Post) -> PostView:
        """What a build holds of a rendered post: the Post it read (the key covers all of it, so
        it is the one rendered) and no HTML, which the key finds on disk when a page needs it.

        The fields are set as they are, not through ``PostView.__init__`` (frozen: 12 µs a post,
        a tenth of a one-post edit at 5000 posts). What a listing shows stays pickled until a
        page asks for it (``PostView.__getattr__``)."""
        notebook, digest, fields, _ = card
        held = PostView.__new__(PostView)
        held.__dict__.update(
            post=post, body=CachedBody(self, key), digest=key, notebook=notebook, card=digest, _card_fields=fields
        )
        return held

    def bodies(self, key: str) -> tuple[str, str]:
        """(page HTML, feed HTML) of an entry this build stored or found."""
        last = self._last  # read once: renders on other threads may replace it
        if last is not None and last[0] == key:
            return last[1]
        found = _read_bodies(self._path(key))
        self._last = (key, found)
        return found


def write_entry(path: Path, entry: RenderedPost, made: Made | None) -> Card:
    """Store one render at ``path``, in this process or a worker's; returns its card.

    Written aside, then renamed: a build killed mid-write leaves no torn entry. The card
    is stored without its post: a build has the post already, read or cached (and
    unpickling a thousand Posts, Paths and all, would cost more than the rest of an edit)."""
    view, feed_html, warnings = entry
    # Named by process and thread, which alone write it (no need for mkstemp's random names, and
    # the folder is made only when the first write finds it missing, not checked per entry).
    scratch = path.with_name(f".tmp-{os.getpid()}-{threading.get_ident()}-{path.name}")
    try:
        stream = scratch.open("wb")
    except FileNotFoundError:
        path.parent.mkdir(parents=True, exist_ok=True)
        stream = scratch.open("wb")
    with stream:
        fields: CardFields = (
            str(view.summary_html),
            view.description,
            tuple((entry.level, entry.id, entry.title) for entry in view.toc),
            view.word_count,
        )
        # card_digest: what listings show of it, hashed once per render
        card: Card = (
            view.notebook,
            card_digest(view),
            pickle.dumps(fields, protocol=pickle.HIGHEST_PROTOCOL),
            warnings,
        )
        pickle.dump(card, stream, protocol=pickle.HIGHEST_PROTOCOL)
        pickle.dump((str(view.html), feed_html), stream, protocol=pickle.HIGHEST_PROTOCOL)
        pickle.dump(made or {}, stream, protocol=pickle.HIGHEST_PROTOCOL)
    os.replace(scratch, path)
    return card


@dataclass(frozen=True)
class Stored:
    """A render that the worker process which made it stored itself: only the card comes back
    (the page and feed bodies, most of a render, are not sent to the parent to be written)."""

    found: Card


def _read_bodies(entry: Path) -> tuple[str, str]:
    """(page HTML, feed HTML) of a stored entry, which must be there: the build stored or found it."""
    try:
        with entry.open("rb") as stream:
            pickle.load(stream)  # the card
            found: tuple[str, str] = pickle.load(stream)
    except (OSError, pickle.UnpicklingError, EOFError) as exc:
        # cards.pickle may have vouched for it: the next build must not trust it again.
        folder = entry.parent.parent
        (folder / CARDS).unlink(missing_ok=True)
        raise ContentError(
            folder, None, f"a rendered post went missing from the cache during the build ({exc})", "build again"
        ) from exc
    return found


def _load_cards(path: Path) -> tuple[dict[str, Card], dict[str, str]]:
    """``cards.pickle``, if this site_gen wrote it (else nothing: each card is read from its entry):
    the cards by key, and each post's key by URL."""
    collecting = gc.isenabled()
    gc.disable()  # thousands of small objects and no cycle: collections would triple the time
    try:
        with path.open("rb") as stream:
            renderer, cards, latest = pickle.load(stream)
    except (OSError, pickle.UnpicklingError, EOFError, AttributeError, ImportError, TypeError, ValueError):
        return {}, {}
    finally:
        if collecting:
            gc.enable()
    if renderer != renderer_fingerprint() or not isinstance(cards, dict) or not isinstance(latest, dict):
        return {}, {}
    return cards, latest


@dataclass(frozen=True)
class CachedBody:
    """A post's page body (or, with ``feed``, its feed body) in the disk cache."""

    cache: DiskRenderCache
    key: str
    feed: bool = False

    def load(self) -> str:
        page, feed = self.cache.bodies(self.key)
        return feed if self.feed else page

    def __reduce__(self) -> tuple[type[EntryBody], tuple[Path, bool]]:
        """Sent to another process (``site_gen.page_pool``) as the entry's path, not the cache."""
        return EntryBody, (self.cache._path(self.key), self.feed)


@dataclass(frozen=True)
class EntryBody:
    """A ``CachedBody`` in a process without the cache: the body read from the entry's file."""

    entry: Path
    feed: bool = False

    def load(self) -> str:
        page, feed = _read_bodies(self.entry)
        return feed if self.feed else page
