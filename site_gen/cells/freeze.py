"""Frozen outputs: results of cells that need hardware this build may not have.

A cell marked ``#| requires: cuda`` runs only where a CUDA device is present.
When it does run, its output is written to ``_freeze.json`` beside the post
(for a bundle, ``content/posts/<slug>/_freeze.json``; for ``<slug>.md``,
``_<slug>.freeze.json`` next to it), with the device and the date: a small,
reviewable file to commit. A build without the device shows that output,
marked as not re-run, with where and when it was measured. Without one, the page
says the cell did not run and why. Numbers are never made up.
"""

from __future__ import annotations

import json
import os
import platform
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from .cache import digest, package_versions
from .model import Cell, Output

FORMAT = 1
_NVIDIA_PROC = Path("/proc/driver/nvidia/gpus")


def cuda_available() -> bool:
    """Is there a CUDA device? Read from the driver's files: fast, no GPU library needed.

    An empty ``CUDA_VISIBLE_DEVICES`` hides every device, as it does for CUDA itself.
    """
    if os.environ.get("CUDA_VISIBLE_DEVICES", None) in ("", "-1"):
        return False
    return Path("/dev/nvidia0").exists() or (_NVIDIA_PROC.is_dir() and any(_NVIDIA_PROC.iterdir()))


def device_name() -> str:
    """``NVIDIA H100 80GB HBM3``, from the driver's description of the first GPU."""
    if _NVIDIA_PROC.is_dir():
        for gpu in sorted(_NVIDIA_PROC.iterdir()):
            try:
                for line in (gpu / "information").read_text().splitlines():
                    if line.startswith("Model:"):
                        return line.split(":", 1)[1].strip()
            except OSError:
                continue
    return "a CUDA device"


def freeze_path(source: Path) -> Path:
    if source.stem == "index":
        return source.parent / "_freeze.json"
    return source.parent / f"_{source.stem}.freeze.json"


@dataclass(frozen=True)
class Frozen:
    """One cell's frozen output and where it came from."""

    outputs: list[Output]  # nbformat outputs, images base64 as in a notebook
    code_sha256: str
    device: str
    date: str
    versions: dict[str, str]

    @property
    def provenance(self) -> str:
        versions = ", ".join(f"{name} {version}" for name, version in sorted(self.versions.items()))
        return f"measured on {self.device}, {self.date}" + (f", {versions}" if versions else "")


def load_frozen(source: Path) -> dict[str, Frozen]:
    """The frozen outputs of a post, by cell name; empty when it has none."""
    path = freeze_path(source)
    if not path.exists():
        return {}
    data = json.loads(path.read_text(encoding="utf-8"))
    return {
        name: Frozen(
            outputs=list(entry["outputs"]),
            code_sha256=str(entry["code_sha256"]),
            device=str(entry["device"]),
            date=str(entry["date"]),
            versions=dict(entry.get("versions", {})),
        )
        for name, entry in data.get("cells", {}).items()
    }


def matches(frozen: Frozen, cell: Cell) -> bool:
    return frozen.code_sha256 == digest(cell.code)


def freeze(cell: Cell, outputs: list[Output], modules: set[str], today: date) -> Frozen:
    """A frozen record of a cell that just ran here."""
    versions = package_versions(modules)
    versions["python"] = platform.python_version()
    return Frozen(outputs, digest(cell.code), device_name(), today.isoformat(), versions)


def save_frozen(source: Path, entries: dict[str, Frozen]) -> None:
    """Write ``_freeze.json`` sorted and indented, so a change reads well in a diff."""
    cells: dict[str, Any] = {
        name: {
            "code_sha256": entry.code_sha256,
            "device": entry.device,
            "date": entry.date,
            "versions": entry.versions,
            "outputs": entry.outputs,
        }
        for name, entry in sorted(entries.items())
    }
    text = json.dumps({"format": FORMAT, "cells": cells}, indent=2, sort_keys=True, ensure_ascii=False)
    freeze_path(source).write_text(text + "\n", encoding="utf-8")
