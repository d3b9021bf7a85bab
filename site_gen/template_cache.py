"""Templates compiled and scanned once, not once per build.

A build is a fresh process, and before laying out even one page it used to
compile ``post.html`` with what it extends and includes (20 ms) and parse every
template once more to learn which templates each one names, for the pages'
fingerprints (25 ms): half as much as the rest of a one-post edit of a
thousand posts. Both depend only on the template's text, so both are kept in
``.cache/templates/``: Jinja2's own bytecode cache, and the names each
template refers to, by a hash of its text.

The folder is named after what compiled the templates (site_gen, Jinja2 and
Python), since Jinja2 checks its bytecode against neither site_gen's
environment options nor its own version; a folder from another version is
removed when a new one is made.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import sys
import tempfile
from pathlib import Path

import jinja2

from .identity import renderer_fingerprint

REFS = "refs.json"


class TemplateCache:
    """``bytecode`` for the template environment, and ``refs``, saved by ``save_refs``."""

    def __init__(self, cache_dir: Path) -> None:
        self.folder = cache_dir / "templates" / _compiler_key()
        self._refs_seen = 0

    def bytecode(self) -> jinja2.BytecodeCache:
        if not self.folder.is_dir():
            _make_only(self.folder)
        return jinja2.FileSystemBytecodeCache(str(self.folder))

    def refs(self) -> dict[str, list[str]]:
        """Template text digest -> the templates it extends, includes or imports."""
        try:
            found = json.loads((self.folder / REFS).read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return {}
        if not isinstance(found, dict):
            return {}
        self._refs_seen = len(found)
        return found

    def save_refs(self, refs: dict[str, list[str]]) -> None:
        """Keep ``refs`` if it learned of a template text the stored ones lacked."""
        if len(refs) <= self._refs_seen:
            return
        if not self.folder.is_dir():
            _make_only(self.folder)
        handle, scratch = tempfile.mkstemp(dir=self.folder, prefix=".tmp-")
        with os.fdopen(handle, "w", encoding="utf-8") as stream:
            json.dump(refs, stream, sort_keys=True)
        os.replace(scratch, self.folder / REFS)


def _compiler_key() -> str:
    text = f"{renderer_fingerprint()}\0{jinja2.__version__}\0{sys.version}"
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]


def _make_only(folder: Path) -> None:
    """Make ``folder``, removing the folders its siblings (other compilers') left."""
    if folder.parent.is_dir():
        for other in folder.parent.iterdir():
            if other.is_dir() and other.name != folder.name:
                shutil.rmtree(other, ignore_errors=True)
    folder.mkdir(parents=True, exist_ok=True)
