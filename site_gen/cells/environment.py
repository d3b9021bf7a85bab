"""What local cells run in, as their cache keys say it: the kernel's spec and the installed packages.

Finding that out is slow, and every build whose posts have cells needs it, even when every cell
is cached and no kernel starts: ``importlib.metadata`` reads the file list of every installed
distribution to learn which of them provides ``numpy`` (0.1-0.2 s in an ML environment), and
jupyter_client costs 0.13 s of imports to read one ``kernel.json``. On the bundled demo site that
was half of a one-post edit. So both answers are kept in ``.cache/cells/environment.json``, each
with what shows it still holds, checked again by every build with a few directory listings and stats:

- the packages: the names of the ``*.dist-info`` and ``*.egg-info`` folders on ``sys.path``, which
  carry each distribution's version (an install, an upgrade or a removal renames or adds one);
- a kernel's spec: the Jupyter settings in the environment, and the modification times of every
  folder Jupyter searches for kernels and of the ``kernel.json`` it found (a kernel installed,
  removed or edited changes one of them).

Anything else (a file of a distribution edited by hand) is not noticed: ``site-gen cache clean``.
"""

from __future__ import annotations

import hashlib
import json
import os
import platform
import sys
import tempfile
from collections.abc import Iterable
from pathlib import Path
from typing import Any

ENVIRONMENT = "environment.json"  # in the cell cache's folder
_FORMAT = 1
_SETTINGS = ("JUPYTER", "XDG_", "IPYTHON")  # environment variables that move Jupyter's folders


class Environment:
    """The packages and kernels of this machine, from ``path`` where it still holds (see above)."""

    def __init__(self, path: Path | None = None) -> None:
        self.path = path
        self._listing = _listing_digest()
        stored = _read(path)
        fresh = stored.get("format") == _FORMAT and stored.get("listing") == self._listing
        self._packages: dict[str, Any] | None = stored.get("packages") if fresh else None
        self._kernels: dict[str, Any] = stored.get("kernels", {}) if fresh else {}
        self._changed = False

    def package_versions(self, modules: Iterable[str]) -> dict[str, str]:
        """``{distribution: version}`` for the modules that come from installed packages.

        The standard library and the post's own modules have no distribution; the
        Python version (in the kernel part of the key) and ``inputs:`` cover them.
        """
        packages = self._installed()
        versions: dict[str, str] = {}
        for module in modules:
            for dist in packages["modules"].get(module, []):
                if dist in packages["versions"]:
                    versions[dist] = packages["versions"][dist]
        return versions

    def kernel_identity(self, name: str) -> dict[str, Any]:
        """The kernel as far as it changes results: its spec and the Python and ipykernel it runs."""
        known = self._kernels.get(name)
        if known is None or not _still(known["checks"]):
            known = _find_kernel(name)
            self._kernels[name] = known
            self._changed = True
        return {
            "name": name,
            "spec": known["spec"],
            "python": platform.python_version(),
            "ipykernel": self.package_versions(["ipykernel"]).get("ipykernel"),
        }

    def save(self) -> None:
        """Keep what this build found out for the next one (nothing is written if it knew it all)."""
        if not self._changed or self.path is None:
            return
        stored = {"format": _FORMAT, "listing": self._listing, "packages": self._packages, "kernels": self._kernels}
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            handle, scratch = tempfile.mkstemp(dir=self.path.parent, prefix=".environment-")
            with os.fdopen(handle, "w", encoding="utf-8") as stream:
                json.dump(stored, stream, sort_keys=True)
            os.replace(scratch, self.path)
        except OSError:
            pass  # a cache: the next build finds it all out again

    def _installed(self) -> dict[str, Any]:
        if self._packages is None:
            self._packages = _scan_distributions()
            self._changed = True
        return self._packages


def _listing_digest() -> str:
    """A hash of the distributions' metadata folders on ``sys.path`` and of what Jupyter reads
    from the environment: the same on every build until something is installed or moved."""
    digest = hashlib.sha256(repr((sys.version, sys.prefix, sys.executable, _jupyter_settings())).encode())
    for entry in sys.path:
        try:
            names = sorted(name for name in os.listdir(entry or ".") if name.endswith((".dist-info", ".egg-info")))
        except OSError:
            continue
        digest.update(repr((entry, names)).encode())
    return digest.hexdigest()


def _jupyter_settings() -> list[tuple[str, str]]:
    return sorted((key, value) for key, value in os.environ.items() if key.startswith(_SETTINGS) or key == "HOME")


def _scan_distributions() -> dict[str, Any]:
    """Which distributions provide each top-level module, and each distribution's version
    (the first of a name on ``sys.path``, as ``importlib.metadata.version`` finds it)."""
    import importlib.metadata as metadata  # 30 ms of import, and the scan reads every distribution

    versions: dict[str, str] = {}
    for dist in metadata.distributions():
        name = dist.metadata["Name"]
        if name and name not in versions:
            versions[name] = dist.version
    modules = {module: sorted(set(dists)) for module, dists in metadata.packages_distributions().items()}
    return {"modules": modules, "versions": versions}


def _find_kernel(name: str) -> dict[str, Any]:
    """The spec Jupyter finds for kernel ``name``, and the stats that would show it moved."""
    from jupyter_client.kernelspec import KernelSpecManager, NoSuchKernel
    from jupyter_core.paths import jupyter_path

    checks = [_stat(folder) for folder in jupyter_path("kernels")]
    try:
        found = KernelSpecManager().get_kernel_spec(name)
    except NoSuchKernel:
        spec: dict[str, Any] = {"missing": name}  # the kernel stage reports it
    else:
        spec = found.to_dict()
        checks.append(_stat(os.path.join(found.resource_dir, "kernel.json")))
    return {
        "spec": {key: spec.get(key) for key in ("argv", "language", "env", "metadata", "missing")},
        "checks": checks,
    }


def _stat(path: str) -> list[Any]:
    try:
        return [path, os.stat(path).st_mtime_ns]
    except OSError:
        return [path, None]


def _still(checks: list[list[Any]]) -> bool:
    return all(_stat(path) == [path, mtime] for path, mtime in checks)


def _read(path: Path | None) -> dict[str, Any]:
    if path is None:
        return {}
    try:
        stored = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return stored if isinstance(stored, dict) else {}
