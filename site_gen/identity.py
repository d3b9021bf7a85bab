"""What site_gen itself is, as a build's caches must know it: its source and its libraries.

Kept apart from the renderers (and importing none of them) because the
no-change build asks for it before deciding there is work to do, and must not
pay for Jinja2, Pygments or latex2mathml to learn there is none.
"""

from __future__ import annotations

import hashlib
from functools import cache
from importlib import metadata
from pathlib import Path

# The libraries whose output ends up in a post's HTML.
RENDER_LIBRARIES = (
    "markdown-it-py", "mdit-py-plugins", "linkify-it-py", "latex2mathml", "pygments", "html5lib", "nh3",
    "citeproc-py", "bibtexparser", "pylatexenc",
)  # fmt: skip


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
