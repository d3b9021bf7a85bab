"""The cell cache: never run what did not change.

A cell's result is stored under a key that hashes everything it depends on:

- where it runs and in what: here, the kernel's spec and the Python and
  ipykernel that run it; on a gateway, its URL, the kernel name and the host
  label (see ``route.remote_identity``),
- the versions of the packages the post imports, for cells run here only: a
  remote kernel's packages are not this machine's, so local upgrades must not
  re-run remote cells (``_freeze.json`` records what ran there),
- the contents of the files the post declares under ``inputs:``,
- the code of this cell and of every cell before it (earlier cells build the
  state it runs in; their display options do not matter, so are left out).

Nothing time-based goes in, so a key is the same on every machine with the
same inputs. Entries live under ``<site>/.cache/cells/``: one JSON file per
cell (its outputs, nbformat-shaped) and one file per image, named by its hash.
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
import re
import shutil
import tempfile
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

from .environment import Environment
from .model import IMAGE_TYPES, Cell, Output, output_problem

CACHE_DIR = Path(".cache") / "cells"
FORMAT = 1  # bump when the stored shape changes
_IMPORT_RE = re.compile(r"^\s*import\s+([\w., \t]+)", re.MULTILINE)
_FROM_RE = re.compile(r"^\s*from\s+(\w+)", re.MULTILINE)
_FILE_NAME_RE = re.compile(r"[0-9a-f]{64}\.(?:" + "|".join(IMAGE_TYPES.values()) + ")")


def digest(data: bytes | str) -> str:
    return hashlib.sha256(data.encode("utf-8") if isinstance(data, str) else data).hexdigest()


def _canonical(value: Any) -> str:
    return json.dumps(value, sort_keys=True, ensure_ascii=False, separators=(",", ":"))


def imported_modules(codes: Iterable[str]) -> set[str]:
    """Top-level module names a post imports (``import a.b as c``, ``from a import b``)."""
    names: set[str] = set()
    for code in codes:
        for match in _IMPORT_RE.finditer(code):
            for part in match.group(1).split(","):
                words = part.split()
                if words:
                    names.add(words[0].split(".")[0])
        names.update(_FROM_RE.findall(code))
    return names


def cell_keys(
    cells: Sequence[Cell],
    *,
    kernel: Mapping[str, Any],
    inputs: Mapping[str, str],
    local: bool = True,
    environment: Environment | None = None,
) -> list[str]:
    """One key per cell; each covers the post's environment and every cell up to it.

    ``local``: the cells run here, so this machine's package versions (``environment``'s) are part of it.
    """
    if local:
        packages = (environment or Environment()).package_versions(imported_modules(cell.code for cell in cells))
    else:
        packages = {}
    runs_in = {
        "format": FORMAT,
        "kernel": kernel,
        "packages": packages,
        "inputs": dict(sorted(inputs.items())),
    }
    chain = digest(_canonical(runs_in))
    keys = []
    for cell in cells:
        runs = {"code": cell.code, "eval": cell.options.eval, "requires": cell.options.requires}
        chain = digest(chain + _canonical(runs))
        keys.append(chain)
    return keys


def externalize(outputs: Sequence[Output]) -> tuple[list[Output], dict[str, bytes]]:
    """Move image data out of the outputs: each becomes ``<sha256>.<ext>`` and a file.

    Also drops what only Jupyter's UI uses (execution counts, transient ids), so
    equal results store as equal bytes.
    """
    files: dict[str, bytes] = {}
    cleaned: list[Output] = []
    for output in outputs:
        kind = output.get("output_type")
        if kind in ("display_data", "execute_result"):
            data = dict(output.get("data", {}))
            for mime, ext in IMAGE_TYPES.items():
                if mime not in data:
                    continue
                raw = data[mime]
                text = "".join(raw) if isinstance(raw, list) else str(raw)
                content = text.encode("utf-8") if mime == "image/svg+xml" else base64.b64decode(text)
                name = f"{digest(content)}.{ext}"
                files[name] = content
                data[mime] = name
            for mime, value in data.items():
                if isinstance(value, list):
                    data[mime] = "".join(value)
            cleaned.append({"output_type": kind, "data": data, "metadata": dict(output.get("metadata", {}))})
        elif kind == "stream":
            text = output.get("text", "")
            cleaned.append({"output_type": "stream", "name": output.get("name", "stdout"), "text": "".join(text)})
        elif kind == "error":
            cleaned.append(
                {
                    "output_type": "error",
                    "ename": output.get("ename", ""),
                    "evalue": output.get("evalue", ""),
                    "traceback": list(output.get("traceback", [])),
                }
            )
    return cleaned, files


def internalize(outputs: Sequence[Output], files: Mapping[str, bytes]) -> list[Output]:
    """The inverse of ``externalize``: images back to base64 (for ``_freeze.json``)."""
    result = []
    for output in outputs:
        output = json.loads(json.dumps(output))
        for mime in IMAGE_TYPES:
            data = output.get("data", {})
            if mime in data and data[mime] in files:
                content = files[data[mime]]
                data[mime] = content.decode("utf-8") if mime == "image/svg+xml" else base64.b64encode(content).decode()
        result.append(output)
    return result


class CellCache:
    """Cell results on disk, addressed by key; safe to use from several threads."""

    def __init__(self, root: Path) -> None:
        self.root = root

    def _entry(self, key: str) -> Path:
        return self.root / key[:2] / f"{key}.json"

    def load(self, key: str) -> tuple[list[Output], dict[str, bytes]] | None:
        """The entry's outputs and image files; None (run the cell again) if absent or damaged."""
        try:
            entry = json.loads(self._entry(key).read_text(encoding="utf-8"))
        except (OSError, ValueError, RecursionError):
            return None
        if not _well_formed(entry):
            return None
        files: dict[str, bytes] = {}
        for name in entry["files"]:
            try:
                files[name] = (self.root / "files" / name).read_bytes()
            except OSError:
                return None
            if digest(files[name]) != name.split(".")[0]:
                return None  # a file damaged or replaced since it was stored
        return list(entry["outputs"]), files

    def store(self, key: str, outputs: Sequence[Output], files: Mapping[str, bytes]) -> None:
        for name, content in files.items():
            path = self.root / "files" / name
            if not path.exists():
                _atomic_write(path, content)
        entry = {"format": FORMAT, "outputs": list(outputs), "files": sorted(files)}
        _atomic_write(self._entry(key), (json.dumps(entry, sort_keys=True, indent=1) + "\n").encode("utf-8"))

    def clean(self) -> bool:
        """Drop every entry; True if there was anything to drop."""
        if not self.root.exists():
            return False
        shutil.rmtree(self.root)
        return True


def _well_formed(entry: Any) -> bool:
    """An entry as ``store`` writes it: anything else is someone's edit, or damage.

    Image names must be ``<sha256>.<ext>``, which ``store`` derives from the
    content: a name like ``../../etc/passwd`` would otherwise publish that file.
    """
    if not isinstance(entry, dict) or entry.get("format") != FORMAT:
        return False
    outputs, names = entry.get("outputs"), entry.get("files")
    if not isinstance(outputs, list) or not isinstance(names, list):
        return False
    if not all(isinstance(name, str) and _FILE_NAME_RE.fullmatch(name) for name in names):
        return False
    if any(output_problem(output) for output in outputs):
        return False
    images = [value for output in outputs for mime, value in output.get("data", {}).items() if mime in IMAGE_TYPES]
    return all(isinstance(name, str) and name in names for name in images)


def _atomic_write(path: Path, content: bytes) -> None:
    """Write via a temporary file and a rename, so a reader never sees half a file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, scratch = tempfile.mkstemp(prefix=".tmp-", dir=path.parent)
    with os.fdopen(fd, "wb") as handle:
        handle.write(content)
    os.replace(scratch, path)
