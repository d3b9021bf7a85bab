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

from site_gen.errors import ContentError

from .cache import digest
from .device import cuda_available as cuda_available  # execute (and tests) reach it through this module
from .device import device_name as device_name
from .environment import Environment
from .model import Cell, Output, image_problem, output_problem

FORMAT = 1
_REFREEZE = "fix the merge by hand, or delete the file and run `site-gen build --freeze` where the device exists"


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
    host: str = ""  # the label of the remote kernel it ran on (``[execute.remote] host``); "" for this machine

    @property
    def provenance(self) -> str:
        versions = ", ".join(f"{name} {version}" for name, version in sorted(self.versions.items()))
        where = f"{self.device} at {self.host}" if self.host else self.device
        return f"measured on {where}, {self.date}" + (f", {versions}" if versions else "")


def load_frozen(source: Path, rel: Path | None = None) -> dict[str, Frozen]:
    """The frozen outputs of a post, by cell name; empty when it has none.

    ``_freeze.json`` is committed and may be hand-merged, so a damaged one is an
    error naming it (``rel``: the post's path in the site), never a traceback.
    """
    path = freeze_path(source)
    if not path.exists():
        return {}
    where = (rel.parent / path.name) if rel is not None else path
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError, RecursionError) as exc:
        raise ContentError(where, None, f"not readable frozen outputs: {exc}", _REFREEZE) from None
    problem = _frozen_problem(data)
    if problem is not None:
        raise ContentError(where, None, f"damaged frozen outputs: {problem}", _REFREEZE)
    return {
        name: Frozen(
            outputs=list(entry["outputs"]),
            code_sha256=str(entry["code_sha256"]),
            device=str(entry["device"]),
            date=str(entry["date"]),
            versions={str(k): str(v) for k, v in entry.get("versions", {}).items()},
            host=str(entry.get("host", "")),
        )
        for name, entry in data["cells"].items()
    }


def _frozen_problem(data: Any) -> str | None:
    if not isinstance(data, dict) or not isinstance(data.get("cells"), dict):
        return "expected an object with a 'cells' object"
    for name, entry in data["cells"].items():
        if not isinstance(entry, dict) or not isinstance(entry.get("outputs"), list):
            return f"cell '{name}': expected an object with an 'outputs' list"
        if not all(isinstance(entry.get(key), str) for key in ("code_sha256", "device", "date")):
            return f"cell '{name}': 'code_sha256', 'device' and 'date' must be strings"
        if not isinstance(entry.get("host", ""), str):
            return f"cell '{name}': 'host' must be a string"
        if not isinstance(entry.get("versions", {}), dict):
            return f"cell '{name}': 'versions' must be an object"
        for number, output in enumerate(entry["outputs"], start=1):
            problem = output_problem(output) or image_problem(output)
            if problem is not None:
                return f"cell '{name}', output {number}: {problem}"
    return None


def matches(frozen: Frozen, cell: Cell) -> bool:
    return frozen.code_sha256 == digest(cell.code)


def freeze(
    cell: Cell, outputs: list[Output], modules: set[str], today: date, environment: Environment | None = None
) -> Frozen:
    """A frozen record of a cell that just ran here."""
    versions = (environment or Environment()).package_versions(modules)
    versions["python"] = platform.python_version()
    return Frozen(outputs, digest(cell.code), device_name(), today.isoformat(), versions)


def freeze_remote(
    cell: Cell, outputs: list[Output], device: str, versions: dict[str, str], host: str, today: date
) -> Frozen:
    """A frozen record of a cell that just ran on a remote kernel: its device and versions, as it reported them."""
    return Frozen(outputs, digest(cell.code), device, today.isoformat(), dict(versions), host)


def save_frozen(source: Path, entries: dict[str, Frozen]) -> None:
    """Write ``_freeze.json`` sorted and indented, so a change reads well in a diff.

    Written beside and renamed over, so an interrupted build leaves the old file whole.
    """
    cells: dict[str, Any] = {
        name: {
            "code_sha256": entry.code_sha256,
            "device": entry.device,
            "date": entry.date,
            "versions": entry.versions,
            "outputs": entry.outputs,
            **({"host": entry.host} if entry.host else {}),
        }
        for name, entry in sorted(entries.items())
    }
    text = json.dumps({"format": FORMAT, "cells": cells}, indent=2, sort_keys=True, ensure_ascii=False)
    path = freeze_path(source)
    scratch = path.with_name(f".{path.name}.tmp")
    scratch.write_text(text + "\n", encoding="utf-8")
    os.replace(scratch, path)
