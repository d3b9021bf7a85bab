"""Writing the site: into a fresh folder beside ``public/``, swapped in at the end.

A build that fails half-way must leave the previous site exactly as it was, so
nothing is ever written into the live output folder. Files go into a sibling
temporary folder (same filesystem, so the final rename is atomic per step),
and only a build that finished replaces the old folder.
"""

from __future__ import annotations

import contextlib
import enum
import os
import secrets
import shutil
import signal
from collections.abc import Callable, Collection, Iterable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from types import TracebackType
from typing import Protocol, runtime_checkable

from .errors import ContentError

# Every folder site_gen writes carries this file, so a later build can tell its
# own output (safe to replace) from a folder of the user's (never to be touched).
MARKER = ".site-gen-output"
MARKER_TEXT = b"This folder is written by site_gen; a build replaces it whole.\n"


# What a page's template sees, or how to get it: an output that knows the page is unchanged
# without describing it (``site_gen.reach``) never builds the inputs.
Inputs = Mapping[str, object] | Callable[[], Mapping[str, object]]


class Output(Protocol):
    """Where ``write.write_site`` puts files: a StagedOutput for ``build``, or the
    preview's incremental output, which writes only what changed."""

    def needs(self, rel_path: str, inputs: Inputs, template: str | None = None) -> bool: ...

    def write(self, rel_path: str, data: bytes) -> None: ...

    def copy(self, rel_path: str, source: Path) -> None: ...


@runtime_checkable
class Placing(Protocol):
    """An Output whose files can be written by another process: ``reserve`` claims one and
    says where it goes, ``place`` (anywhere) writes it there, ``placed`` records how it went."""

    def reserve(self, rel_path: str) -> Spot: ...

    def placed(self, rel_path: str, outcome: Placed) -> None: ...


class Fingerprints(Protocol):
    """Tells whether an output's inputs changed since the last build (``site_gen.fingerprints``)."""

    fingerprints: dict[str, str]

    def changed(self, rel_path: str, inputs: Inputs, template: str | None = None) -> bool: ...


def check_output_folder(
    target: Path,
    *,
    root: Path,
    sources: Iterable[Path],
    force: bool = False,
    previous_output: Callable[[], bool] = lambda: False,
) -> Path:
    """The output folder, resolved, or a ContentError if replacing it could lose anything.

    A build replaces its output folder whole, so that folder must hold nothing
    but an earlier build: never the site itself, a folder above it, a source
    folder (content/, templates/…), a file, or a folder of someone else's.
    Symlinks are resolved first, so ``public -> ~/notes`` is judged as ``~/notes``.
    ``previous_output`` says whether the last build's manifest names this folder (output
    written before the marker existed), asked only when there is no marker, since
    it stats every file; ``force`` accepts any other folder.
    """
    resolved = target.resolve()
    site = root.resolve()
    hint = "choose a new or empty folder, e.g. `-o public`"
    if resolved == site or site.is_relative_to(resolved):
        what = "the site root" if resolved == site else "a folder that contains the site"
        raise ContentError(None, None, f"refusing to write the output into {resolved}: it is {what}", hint)
    for source in sources:
        source = source.resolve()
        if resolved.is_relative_to(source) or source.is_relative_to(resolved):
            raise ContentError(
                None,
                None,
                f"refusing to write the output into {resolved}: it would replace the sources in {source}",
                hint,
            )
    if resolved.exists() and not resolved.is_dir():
        raise ContentError(
            None, None, f"refusing to write the output into {resolved}: it is a file, not a folder", hint
        )
    if resolved.is_dir() and not (force or _made_by_us(resolved) or previous_output()):
        raise ContentError(
            None,
            None,
            f"refusing to replace {resolved}: it is not empty and was not written by site_gen",
            "a build replaces its output folder whole: pick another with -o, or pass --force to replace it",
        )
    return resolved


def mark_as_output(folder: Path) -> None:
    """Put our marker in ``folder`` (the preview's, which is written in place), so builds may replace it."""
    marker = folder / MARKER
    if not _holds(marker, MARKER_TEXT):
        marker.write_bytes(MARKER_TEXT)


def _made_by_us(folder: Path) -> bool:
    try:
        return (folder / MARKER).is_file() or not any(folder.iterdir())
    except OSError:
        return False


class OutputConflict(Exception):
    """Two parts of the build want to write the same output file."""


class StagedOutput:
    """A temporary output folder whose files become ``target``'s on ``commit()``.

    It publishes in one of two ways. By default the staging folder holds the
    whole site (unchanged files hard-linked from the previous one) and commit()
    swaps the two folders. Given ``in_place`` — every file of the previous
    output, which the manifest has just found intact — it holds only the files
    that are new or different; commit() moves each into ``target`` with one
    rename and removes the files no build made this time, so an edit costs what
    it changes, not a link, a folder and an unlink for every page of the site.
    Either way nothing reaches ``target`` before commit(), so a failed build
    leaves the previous site as it was.
    """

    def __init__(
        self, target: Path, fingerprints: Fingerprints | None = None, *, in_place: Collection[str] = ()
    ) -> None:
        self.target = target.resolve()
        self.fingerprints = fingerprints
        self.previous = frozenset(in_place) if self.target.is_dir() else frozenset()
        self.target.parent.mkdir(parents=True, exist_ok=True)
        # Named before it exists, so a Ctrl-C or SIGTERM at any moment leaves a path that
        # discard() can remove: nothing half-made survives an interrupted build.
        self.staging = self.target.parent / f".{self.target.name}.building-{secrets.token_hex(6)}"
        try:
            os.mkdir(self.staging, 0o700)
            marker = self.target / MARKER
            if not (self.previous or (_holds(marker, MARKER_TEXT) and _link(marker, self.staging / MARKER))):
                (self.staging / MARKER).write_bytes(MARKER_TEXT)
        except BaseException:
            self.discard()
            raise
        self._written: set[str] = set()
        self._folders: set[str] = set()  # every folder above a written file
        self._staged: set[str] = set()  # files in the staging folder
        self._staged_folders: set[str] = set()  # folders made in it
        self._kept_folders: set[str] = set()  # in place: previous folders kept whole (keep_previous)
        self._changed: set[str] = set()
        self._made: set[str] = set()  # through a template, as needs() asked

    @property
    def count(self) -> int:
        return len(self._written)

    @property
    def written(self) -> frozenset[str]:
        return frozenset(self._written)

    @property
    def made(self) -> frozenset[str]:
        """Pages and feeds rendered afresh (the rest were linked from the previous build)."""
        return frozenset(self._made)

    @property
    def changed(self) -> frozenset[str]:
        """Files that are new or whose bytes differ from the previous build's."""
        return frozenset(self._changed)

    def located(self, rel_path: str) -> Path:
        """Where a file written so far is now: staged, or still the previous build's."""
        folder = self.staging if rel_path in self._staged else self.target
        return folder.joinpath(*PurePosixPath(rel_path).parts)

    def needs(self, rel_path: str, inputs: Inputs, template: str | None = None) -> bool:
        """Whether ``rel_path`` must be made. With the last build's fingerprints, a page
        whose inputs did not change is kept (in place) or hard-linked from the previous
        output instead of rendered again; without them (or when linking fails) everything is made."""
        if self.fingerprints is not None and not self.fingerprints.changed(rel_path, inputs, template):
            if rel_path in self.previous:
                self._claim(rel_path)
                return False
            if _link(self.target.joinpath(rel_path), self._stage(self._claim(rel_path))):
                return False
            self._written.discard(rel_path)  # the previous file is gone: make it after all
            self._staged.discard(rel_path)
        self._made.add(rel_path)
        return True

    def write(self, rel_path: str, data: bytes) -> None:
        """Write one output file; ``rel_path`` is site-relative, POSIX style."""
        self.placed(rel_path, place(data, self.reserve(rel_path)))

    def reserve(self, rel_path: str) -> Spot:
        """Claim ``rel_path`` for a file that ``place`` writes, in this process or in another
        (the post pages of a large build: ``site_gen.page_pool``); ``placed`` then records it."""
        self._claim(rel_path)
        folder = rel_path.rpartition("/")[0]
        return Spot(
            previous=self.target.joinpath(rel_path),
            destination=self.staging.joinpath(rel_path),
            keep_if_same=rel_path in self.previous,
            link_if_same=not self.previous,
            make_folder=bool(folder) and folder not in self._staged_folders,
        )

    def placed(self, rel_path: str, outcome: Placed) -> None:
        """Record how ``place`` put a file this output reserved."""
        if outcome is Placed.KEPT:
            return
        self._staged.add(rel_path)
        self._staged_folders.add(rel_path.rpartition("/")[0])
        if outcome is Placed.WRITTEN:
            self._changed.add(rel_path)

    def copy(self, rel_path: str, source: Path) -> None:
        """Copy a file (an image of a bundle, a stylesheet) into the output."""
        self._claim(rel_path)
        previous = self.target.joinpath(rel_path)
        if rel_path in self.previous and _same_file_contents(previous, source):
            return
        destination = self._stage(rel_path)
        if not self.previous and _same_file_contents(previous, source) and _link(previous, destination):
            return
        shutil.copyfile(source, destination)
        self._changed.add(rel_path)

    def adopt(self, rel_dir: str) -> None:
        """Count as written the files a tool made itself under ``rel_dir`` (the search index),
        and those of the folders under it that ``keep_previous`` kept.

        A file whose bytes match the previous build's is the previous file (kept,
        or its hard link), so it keeps its mtime like every other unchanged file.
        """
        for path in sorted((self.staging / rel_dir).rglob("*")):
            if not path.is_file():
                continue
            rel_path = path.relative_to(self.staging).as_posix()
            self._claim(rel_path)
            previous = self.target / rel_path
            if _is_same_file(previous, path):  # kept whole from the previous build (keep_previous)
                self._staged.add(rel_path)
                continue
            if rel_path in self.previous and _same_file_contents(previous, path):
                path.unlink()
                continue
            self._staged.add(rel_path)
            linked = path.with_name(path.name + ".previous")
            if not self.previous and _same_file_contents(previous, path) and _link(previous, linked):
                os.replace(linked, path)
                continue
            self._changed.add(rel_path)
        for folder in sorted(self._kept_folders):
            for rel_path in sorted(self.previous):
                if rel_path.startswith(folder + "/"):
                    self._claim(rel_path)

    def keep_previous(self, rel_dir: str) -> bool:
        """Keep the previous build's ``rel_dir`` whole (hard-linked into the staging folder
        unless the build is in place); False if it has none. Safe from any thread."""
        previous = self.target / rel_dir
        if not previous.is_dir():
            return False
        if self.previous:
            self._kept_folders.add(rel_dir)
            return True
        return link_tree(previous, self.staging / rel_dir)

    def _claim(self, rel_path: str) -> str:
        """Record ``rel_path`` as written, refusing a path out of the folder, twice, or as file and folder."""
        parts = _parts(rel_path)
        if not parts or rel_path.startswith("/") or ".." in parts or rel_path == MARKER:
            raise OutputConflict(f"refusing to write outside the output folder: {rel_path!r}")
        if rel_path in self._written:
            raise OutputConflict(f"two sources write the same output file: {rel_path}")
        folders = ["/".join(parts[:i]) for i in range(1, len(parts))]
        clash = next((folder for folder in folders if folder in self._written), None)
        if clash is not None or rel_path in self._folders:
            file, folder = (clash, rel_path) if clash is not None else (rel_path, rel_path + "/…")
            raise OutputConflict(f"one output is both a file and a folder: {file} and {folder}")
        self._written.add(rel_path)
        self._folders.update(folders)
        return rel_path

    def published(self) -> frozenset[str]:
        """The files that an in-place commit moved in: every other written file is the previous
        build's, untouched (see ``manifest.save``)."""
        return frozenset(self._staged)

    def _stage(self, rel_path: str) -> Path:
        """The staging path of a claimed file, its folder made (one mkdir per folder, not per file)."""
        parts = PurePosixPath(rel_path).parts
        destination = self.staging.joinpath(*parts)
        folder = "/".join(parts[:-1])
        if folder and folder not in self._staged_folders:
            destination.parent.mkdir(parents=True, exist_ok=True)
            self._staged_folders.add(folder)
        self._staged.add(rel_path)
        return destination

    def commit(self) -> None:
        """Publish the staged files (see the class docstring), keeping the old ones until then.

        Ctrl-C or SIGTERM in the middle would leave half a site (or none, between
        the two renames of a swap), so they wait until it is done (and then take
        effect as usual).
        """
        if self.previous:
            with _signals_deferred():
                publish_in_place(self.staging, self.target, self._staged, self.previous - self._written)
            mark_as_output(self.target)  # output written before the marker existed gets it now
            self.discard()
            return
        os.chmod(self.staging, 0o755)  # the staging folder is private until published
        previous = None
        with _signals_deferred():
            if self.target.exists():
                previous = self.target.parent / f".{self.target.name}.previous-{secrets.token_hex(6)}"
                os.rename(self.target, previous)
            os.rename(self.staging, self.target)
        if previous is not None:
            shutil.rmtree(previous)

    def discard(self) -> None:
        shutil.rmtree(self.staging, ignore_errors=True)

    def __enter__(self) -> StagedOutput:
        return self

    def __exit__(self, kind: type[BaseException] | None, value: BaseException | None, tb: TracebackType | None) -> None:
        # Only an explicit commit() publishes; leaving the block any other way discards.
        if self.staging.exists():
            self.discard()


@contextlib.contextmanager
def _signals_deferred() -> Iterator[None]:
    """Hold SIGINT and SIGTERM for the length of the block, then deliver what arrived."""
    arrived: list[int] = []
    try:
        saved = {sig: signal.signal(sig, lambda signum, frame: arrived.append(signum)) for sig in _DEFERRED}
    except ValueError:  # not the main thread: signals are not ours to handle
        yield
        return
    try:
        yield
    finally:
        for sig, handler in saved.items():
            signal.signal(sig, handler)
        if arrived:
            signal.raise_signal(arrived[0])


_DEFERRED = (signal.SIGINT, signal.SIGTERM)


# An unchanged file is hard-linked from the previous build instead of written
# again: it keeps its mtime (rsync, caches and `make` see it did not change),
# and the swap still replaces the whole folder at once.


class Placed(enum.Enum):
    """What ``place`` did with a file's bytes."""

    KEPT = "kept"  # in place, the previous build's file holds them already
    LINKED = "linked"  # hard-linked from the previous build, which held them
    WRITTEN = "written"  # new or different bytes


@dataclass(frozen=True)
class Spot:
    """Where one reserved file goes and how (``StagedOutput.reserve``): plain paths and flags,
    so that a worker process can write it."""

    previous: Path  # the previous build's file of the same name
    destination: Path  # in the staging folder
    keep_if_same: bool  # a build in place whose previous output has the file: left there if the same
    link_if_same: bool  # a swapped build: hard-linked from the previous output if the same
    make_folder: bool  # its folder may not exist in the staging folder yet


def place(data: bytes, spot: Spot) -> Placed:
    """Put ``data`` where ``spot`` says, unless the previous build's file is the same already:
    an unchanged file keeps its inode and mtime."""
    if spot.keep_if_same and _holds(spot.previous, data):
        return Placed.KEPT
    if spot.make_folder:
        spot.destination.parent.mkdir(parents=True, exist_ok=True)
    if spot.link_if_same and _holds(spot.previous, data) and _link(spot.previous, spot.destination):
        return Placed.LINKED
    spot.destination.write_bytes(data)
    return Placed.WRITTEN


def _holds(path: Path, data: bytes) -> bool:
    try:
        return path.stat().st_size == len(data) and path.read_bytes() == data
    except OSError:
        return False


def _same_file_contents(path: Path, source: Path) -> bool:
    try:
        if path.stat().st_size != source.stat().st_size:
            return False
        return path.read_bytes() == source.read_bytes()
    except OSError:
        return False


def _is_same_file(a: Path, b: Path) -> bool:
    try:
        return os.path.samefile(a, b)
    except OSError:
        return False


def _link(previous: Path, destination: Path) -> bool:
    """Hard-link ``previous`` into the staging folder; False where links are not possible."""
    try:
        os.link(previous, destination)
    except OSError:
        return False
    return True


def _parts(rel_path: str) -> tuple[str, ...]:
    """``PurePosixPath(rel_path).parts``, by a split where that is the same (the build claims
    each of its thousands of files, and pathlib's parsing was a tenth of a one-post edit)."""
    parts = rel_path.split("/")
    if "" in parts or "." in parts:  # "/a", "a//b", "./a", "a/": as pathlib reads them
        return PurePosixPath(rel_path).parts
    return tuple(parts)


def publish_in_place(staging: Path, output: Path, staged: Iterable[str], stale: Iterable[str]) -> None:
    """Move finished files from ``staging`` into ``output``, one rename each (a server never
    sends half a file), after removing the ``stale`` files no build makes any more."""
    for rel_path in sorted(stale):
        remove_file(output, rel_path)
    for rel_path in sorted(staged):
        parts = PurePosixPath(rel_path).parts
        destination = output.joinpath(*parts)
        destination.parent.mkdir(parents=True, exist_ok=True)
        os.replace(staging.joinpath(*parts), destination)


def remove_file(folder: Path, rel_path: str) -> None:
    """Remove a file of ``folder``, and the folders above it that it leaves empty."""
    path = folder.joinpath(*PurePosixPath(rel_path).parts)
    path.unlink(missing_ok=True)
    for parent in path.parents:
        if parent == folder or not parent.is_relative_to(folder):
            break
        try:
            parent.rmdir()
        except OSError:
            break  # not empty


def link_tree(source: Path, destination: Path) -> bool:
    """``source``'s files hard-linked under ``destination`` (which must not exist yet);
    False, and nothing left behind, if ``source`` is missing or a link fails."""
    if not source.is_dir():
        return False
    try:
        shutil.copytree(source, destination, copy_function=os.link)
    except (OSError, shutil.Error):
        shutil.rmtree(destination, ignore_errors=True)
        return False
    return True
