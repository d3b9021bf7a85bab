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

import hashlib
import os
import pickle
import tempfile
from functools import cache
from importlib import metadata
from pathlib import Path

from .config import Config
from .content import Post
from .errors import ContentWarning
from .layout import PostView

RenderedPost = tuple[PostView, str, list[ContentWarning]]  # page view, feed body, warnings

# The libraries whose output ends up in a post's HTML.
RENDER_LIBRARIES = ("markdown-it-py", "mdit-py-plugins", "linkify-it-py", "latex2mathml", "pygments", "html5lib")


@cache
def renderer_fingerprint() -> str:
    """A hash of site_gen's source and the rendering libraries' versions.

    Hashing our own source (about 40 files, a millisecond) means a developer's
    edit to the renderer invalidates the cache without anyone remembering to
    bump a version number.
    """
    digest = hashlib.sha256()
    package = Path(__file__).parent
    for path in sorted(package.rglob("*.py")):
        digest.update(path.relative_to(package).as_posix().encode() + b"\0" + path.read_bytes())
    for name in RENDER_LIBRARIES:
        try:
            version = metadata.version(name)
        except metadata.PackageNotFoundError:
            version = "absent"
        digest.update(f"\0{name}={version}".encode())
    return digest.hexdigest()


class RenderCache(dict[str, RenderedPost]):
    """Finished renders by ``render_key``, kept by the preview server across rebuilds.

    It also remembers each Post's key: an unchanged post is the same Post object
    on every rebuild, and hashing a thousand of them again would cost more than
    the edit. ``forget_keys()`` when a file a key reads (a diagram) changed.
    """

    def __init__(self) -> None:
        super().__init__()
        self._keys: dict[int, tuple[Post, Config, str]] = {}

    def key(self, config: Config, post: Post) -> str:
        known = self._keys.get(id(post))
        if known is not None and known[0] is post and known[1] == config:
            return known[2]
        key = render_key(config, post)
        self._keys[id(post)] = (post, config, key)
        return key

    def forget_keys(self) -> None:
        self._keys.clear()


def render_key(config: Config, post: Post) -> str:
    """Everything a post's render depends on: the settings, the parsed post, and
    the diagram files its source names (a diagram edit must re-render it)."""
    digest = hashlib.sha256(repr((config, post)).encode("utf-8"))
    if config.diagrams_dir.is_dir():
        for path in sorted(config.diagrams_dir.rglob("*")):
            if path.is_file() and (path.name in post.body or path.stem in post.body):
                digest.update(path.name.encode("utf-8") + b"\0" + path.read_bytes())
    return digest.hexdigest()


class DiskRenderCache(RenderCache):
    """A RenderCache whose entries also live on disk, one file per key."""

    def __init__(self, folder: Path) -> None:
        super().__init__()
        self.folder = folder
        self.hits = 0
        self.misses = 0

    def _path(self, key: str) -> Path:
        return self.folder / key[:2] / f"{key}.pickle"

    def _full_key(self, key: str) -> str:
        return hashlib.sha256(f"{renderer_fingerprint()}:{key}".encode()).hexdigest()

    def __contains__(self, key: object) -> bool:
        if not isinstance(key, str):
            return False
        if dict.__contains__(self, key):
            return True
        entry = self._load(key)
        if entry is None:
            self.misses += 1
            return False
        dict.__setitem__(self, key, entry)
        self.hits += 1
        return True

    def __setitem__(self, key: str, value: RenderedPost) -> None:
        dict.__setitem__(self, key, value)
        path = self._path(self._full_key(key))
        path.parent.mkdir(parents=True, exist_ok=True)
        # Write aside, then rename: a build killed mid-write leaves no torn entry.
        handle, scratch = tempfile.mkstemp(dir=path.parent, prefix=".tmp-")
        with os.fdopen(handle, "wb") as stream:
            pickle.dump(value, stream, protocol=pickle.HIGHEST_PROTOCOL)
        os.replace(scratch, path)

    def _load(self, key: str) -> RenderedPost | None:
        path = self._path(self._full_key(key))
        try:
            with path.open("rb") as stream:
                entry: RenderedPost = pickle.load(stream)
        except (OSError, pickle.UnpicklingError, EOFError, AttributeError, ImportError, TypeError):
            return None  # missing or from an incompatible build: render again
        return entry
