"""Writing an import into DIR: only files we wrote are ever replaced.

A second import of the same SRC writes the same bytes, so re-running after
fixing something upstream is safe. ``DIR/.site-gen-import.json`` lists every
file the last import wrote with its hash: one of them edited since, or any
file in ``content/`` that is not ours, is never overwritten without
``--force``. Files the last import wrote and this one does not are removed,
so a renamed post does not leave its old copy behind.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

from ..errors import ContentError

MANIFEST = ".site-gen-import.json"


def write(into: Path, files: dict[str, bytes], *, force: bool) -> tuple[int, int]:
    """Write ``files`` (paths relative to ``into``); return (written, unchanged)."""
    previous = _manifest(into)
    _refuse_foreign(into, files, previous, force)
    written = unchanged = 0
    for rel, data in sorted(files.items()):
        target = into / rel
        if target.is_file() and target.read_bytes() == data:
            unchanged += 1  # same bytes: keep the mtime, so a rebuild sees nothing new
            continue
        try:
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(data)
        except OSError as exc:
            raise ContentError(target, None, f"cannot write: {exc.strerror}", "check the permissions") from None
        written += 1
    for rel, digest in sorted(previous.items()):
        old = into / rel
        if rel not in files and old.is_file() and _digest(old.read_bytes()) == digest:
            old.unlink()
            _prune(old.parent, into)
    listing = {rel: _digest(data) for rel, data in sorted(files.items())}
    manifest = json.dumps({"files": listing}, indent=1, sort_keys=True) + "\n"
    (into / MANIFEST).write_text(manifest, encoding="utf-8")
    return written, unchanged


def _manifest(into: Path) -> dict[str, str]:
    path = into / MANIFEST
    if not path.is_file():
        return {}
    try:
        files = json.loads(path.read_text(encoding="utf-8")).get("files", {})
    except (ValueError, AttributeError):
        raise ContentError(
            path, None, "damaged import manifest", f"delete {path} and import again with --force"
        ) from None
    return {str(k): str(v) for k, v in files.items()} if isinstance(files, dict) else {}


def _refuse_foreign(into: Path, files: dict[str, bytes], previous: dict[str, str], force: bool) -> None:
    """Stop before writing anything if we would replace a file that is not ours as we left it."""
    root = into.resolve()
    for rel in sorted(files):
        if not (into / rel).resolve().is_relative_to(root):  # a symlink in DIR must not lead writes elsewhere
            raise ContentError(into / rel, None, "leads outside DIR through a symbolic link", "remove the link")
    if force:
        return
    content = into / "content"
    if not previous and content.is_dir() and any(content.iterdir()):
        raise ContentError(
            content,
            None,
            "content/ is not empty and was not written by site-gen import",
            "import into an empty folder with --into DIR, or pass --force to write over it",
        )
    for rel in sorted(files):
        target = into / rel
        if not target.is_file() or target.read_bytes() == files[rel]:
            continue
        if rel not in previous:
            reason = "is not from an earlier import"
        elif _digest(target.read_bytes()) != previous[rel]:
            reason = "was edited since the last import"
        else:
            continue
        raise ContentError(target, None, f"will not overwrite: it {reason}", "move it away, or pass --force")


def _prune(folder: Path, into: Path) -> None:
    while folder != into and folder.is_dir() and not any(folder.iterdir()):
        folder.rmdir()
        folder = folder.parent


def _digest(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def ours_as_written(into: Path, rel: str) -> bool:
    """``rel`` was written by the last import and not edited since."""
    digest = _manifest(into).get(rel)
    return digest is not None and (into / rel).is_file() and _digest((into / rel).read_bytes()) == digest
