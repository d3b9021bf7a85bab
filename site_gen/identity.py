"""What site_gen itself is, as a build's caches must know it: its source and its libraries.

Kept apart from the renderers (and importing none of them) because the
no-change build asks for it before deciding there is work to do, and must not
pay for Jinja2, Pygments or latex2mathml to learn there is none.
"""

from __future__ import annotations

import hashlib
import os
import re
import sys
from functools import cache

# The libraries whose output ends up in a post's HTML.
RENDER_LIBRARIES = (
    "markdown-it-py", "mdit-py-plugins", "linkify-it-py", "latex2mathml", "pygments", "html5lib", "nh3",
    "citeproc-py", "bibtexparser", "pylatexenc",
)  # fmt: skip


@cache
def renderer_fingerprint() -> str:
    """A hash of site_gen's source and the rendering libraries' versions.

    Hashing our own source (about 100 files, 1 MB, 3 ms) means a developer's
    edit to the renderer invalidates the cache without anyone remembering to
    bump a version number. The files are listed with ``os.walk``: ``rglob`` and
    a ``Path`` per file cost another 2 ms of every build.
    """
    digest = hashlib.sha256()
    package = os.path.dirname(os.path.abspath(__file__))
    sources: list[tuple[str, str]] = []  # (path in the package, path on disk)
    for folder, subfolders, names in os.walk(package):
        subfolders[:] = [name for name in subfolders if name != "__pycache__"]
        rel = os.path.relpath(folder, package).replace(os.sep, "/")
        sources.extend(
            (name if rel == "." else f"{rel}/{name}", os.path.join(folder, name))
            for name in names
            if name.endswith(".py")
        )
    for rel_path, path in sorted(sources):
        with open(path, "rb") as source:
            digest.update(rel_path.encode() + b"\0" + source.read())
    versions = library_versions(RENDER_LIBRARIES)
    for name in RENDER_LIBRARIES:
        digest.update(f"\0{name}={versions[name]}".encode())
    return digest.hexdigest()


def library_versions(names: tuple[str, ...]) -> dict[str, str]:
    """Each library's installed version ("absent" if it is not), read from the names of the
    ``<name>-<version>.dist-info`` folders on ``sys.path``: a listing of site-packages, where
    ``importlib.metadata`` would cost 30 ms of import on every build. What the listing cannot
    tell (an egg, an unusual install) is asked of ``importlib.metadata``."""
    wanted = {_normalise(name): name for name in names}
    found: dict[str, str] = {}
    for entry in sys.path:
        try:
            listing = os.listdir(entry or ".")
        except OSError:
            continue
        for folder in listing:
            if folder.endswith(".dist-info") and "-" in folder:
                project, version = folder[: -len(".dist-info")].rsplit("-", 1)
                name = wanted.get(_normalise(project))
                if name is not None and name not in found:  # the first on sys.path wins, as for imports
                    found[name] = version
    missing = [name for name in names if name not in found]
    if missing:
        from importlib import metadata

        for name in missing:
            try:
                found[name] = metadata.version(name)
            except metadata.PackageNotFoundError:
                found[name] = "absent"
    return found


def _normalise(project: str) -> str:
    return re.sub(r"[-_.]+", "_", project).lower()
