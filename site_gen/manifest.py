"""Is there anything to do? The build manifest answers before any work starts.

After each successful build, ``.cache/build-manifest.json`` records what the
build read (every file under content/, templates/, static/, diagrams/, the
theme, site.toml, the posts' declared ``inputs:``, by size and mtime), how
(site_gen's own source, the options), and what it wrote (every output file,
by size and mtime). A build whose inputs and outputs both match has nothing
to do: it reports the last result and exits. Anything else — an edited file, a
deleted output, another site_gen — runs the real build, whose caches then
skip what did not change. A stat-based check can only err towards building.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Collection, Iterable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path

from .config import CONFIG_NAME, Config
from .errors import ContentWarning
from .identity import renderer_fingerprint
from .output import MARKER
from .theme import theme_dirs

MANIFEST = "build-manifest.json"
WATCHED = ("content", "templates", "static", "diagrams", "redirects")


@dataclass(frozen=True)
class Manifest:
    inputs: str  # digest of what was read and how
    outputs: dict[str, list[int]]  # site-relative path -> [size, mtime_ns]
    pages: int
    files: int
    extra_inputs: list[str]  # the posts' declared ``inputs:`` files, wherever they are
    warnings: list[list[object]]  # [path, line, message]: a no-op build repeats them
    renderer: str  # site_gen's own fingerprint: another site_gen trusts none of this
    fingerprints: dict[str, str]  # output path -> what it was made from (site_gen.fingerprints)
    site: object  # what the pages were made of, post by post (site_gen.reach.SiteRecord.to_json)


def warnings_of(manifest: Manifest) -> list[ContentWarning]:
    warnings = []
    for path, line, message in manifest.warnings:
        warnings.append(
            ContentWarning(Path(str(path)) if path else None, line if isinstance(line, int) else None, str(message))
        )
    return warnings


def input_digest(
    config: Config, *, options: object, extra_inputs: Iterable[Path], stats: dict[str, tuple[int, int]] | None = None
) -> str:
    """Size and mtime of every file a build reads, the build's options, and site_gen itself.
    ``stats`` is given each file's (size, mtime_ns), so that the post cache need not stat the
    posts again (``PostCache.stats``)."""
    digest = hashlib.sha256(f"{renderer_fingerprint()}\0{options!r}".encode())
    roots = [config.root / name for name in WATCHED] + [base / name for base in theme_dirs() for name in WATCHED]
    files = {str(config.root / CONFIG_NAME), *map(str, extra_inputs)}
    for root in roots:
        files.update(path for path, _ in _files_under(str(root)))
    lines = []  # hashed as one text: a digest update per file is a call per file
    for path in sorted(files):
        try:
            stat = os.stat(path)
        except OSError:
            lines.append(f"{path}\0missing\n")
            continue
        lines.append(f"{path}\0{stat.st_size}\0{stat.st_mtime_ns}\n")
        if stats is not None:
            stats[path] = (stat.st_size, stat.st_mtime_ns)
    digest.update("".join(lines).encode())
    return digest.hexdigest()


def output_state(folder: Path) -> dict[str, list[int]]:
    marker = str(folder / MARKER)
    state = {}
    for path, entry in _files_under(str(folder)):
        if path != marker:
            stat = entry.stat()
            state[os.path.relpath(path, folder).replace(os.sep, "/")] = [stat.st_size, stat.st_mtime_ns]
    return state


def _state(folder: Path, rel_path: str) -> list[int]:
    stat = os.stat(os.path.join(folder, rel_path))
    return [stat.st_size, stat.st_mtime_ns]


def _files_under(folder: str) -> Iterator[tuple[str, os.DirEntry[str]]]:
    """Every file below ``folder`` (none if it is missing), by os.scandir: the no-change build
    stats a few thousand files, and pathlib's rglob costs several times as much."""
    try:
        entries = list(os.scandir(folder))
    except OSError:
        return
    for entry in entries:
        if entry.is_dir(follow_symlinks=False):
            yield from _files_under(entry.path)
        elif entry.is_file():
            yield entry.path, entry


def load(config: Config) -> Manifest | None:
    try:
        data = json.loads((config.cache_dir / MANIFEST).read_text(encoding="utf-8"))
        return Manifest(
            data["inputs"],
            data["outputs"],
            data["pages"],
            data["files"],
            data["extra_inputs"],
            data["warnings"],
            data["renderer"],
            data["fingerprints"],
            data["site"],
        )
    except (OSError, ValueError, KeyError, TypeError):
        return None


def output_intact(manifest: Manifest | None, output: Path) -> bool:
    """The output folder is exactly as the last build of this site_gen left it."""
    if manifest is None or manifest.renderer != renderer_fingerprint():
        return False
    return wrote(manifest, output)


def wrote(manifest: Manifest | None, output: Path) -> bool:
    """Every file the last build recorded is in ``output`` as it left it (whichever site_gen built it)."""
    if manifest is None or not manifest.outputs or not output.is_dir():
        return False
    base = str(output)
    for rel, (size, mtime) in manifest.outputs.items():
        try:
            stat = os.stat(os.path.join(base, rel))
        except OSError:
            return False
        if stat.st_size != size or stat.st_mtime_ns != mtime:
            return False
    return True


def up_to_date(manifest: Manifest | None, inputs: str, output: Path) -> bool:
    """Same inputs as last time, and the output still exactly as that build left it."""
    return manifest is not None and manifest.inputs == inputs and output_intact(manifest, output)


def save(
    config: Config,
    inputs: str,
    output: Path,
    *,
    pages: int,
    files: int,
    extra_inputs: Iterable[Path],
    warnings: Iterable[ContentWarning],
    fingerprints: dict[str, str],
    site: object = None,
    untouched: Mapping[str, list[int]] | None = None,
    written: Collection[str] = (),
) -> None:
    """Record the build. The state of the output is read from the folder, or for a build in
    place (``untouched``: the files it left as they were, and their state) only for the
    files it published: a one-post edit of 5000 posts statted 5500 files to learn of ten."""
    if untouched is None:
        outputs = output_state(output)
        if len(outputs) != files:  # something else is in the output folder: do not vouch for it
            return
    else:
        outputs = {rel: untouched[rel] if rel in untouched else _state(output, rel) for rel in written}
    config.cache_dir.mkdir(parents=True, exist_ok=True)
    path = config.cache_dir / MANIFEST
    scratch = path.with_suffix(".tmp")
    payload = {
        "inputs": inputs,
        "outputs": dict(sorted(outputs.items())),
        "pages": pages,
        "files": files,
        "extra_inputs": sorted(str(path) for path in extra_inputs),
        "warnings": [[str(w.path) if w.path else None, w.line, w.message] for w in warnings],
        "renderer": renderer_fingerprint(),
        "fingerprints": dict(sorted(fingerprints.items())),
        "site": site,
    }
    # No check for cycles (there are none): at 5000 posts, 16 -> 10 ms to write 2 MB.
    scratch.write_text(json.dumps(payload, check_circular=False, separators=(",", ":")), encoding="utf-8")
    os.replace(scratch, path)
