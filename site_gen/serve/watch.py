"""Watching the site's sources with watchdog, and turning bursts of events into rebuilds.

An editor's save is rarely one event: atomic saves write a temporary file and
rename it over the original, vim adds swap files and a ``4913`` probe, and
"save all" touches many files at once. ``ChangeQueue`` collects the paths and
hands them out only once the folder has been quiet for ``debounce`` seconds;
a save that lands while a rebuild runs is queued for exactly one more.

The quiet time is shorter once the last event *completed* a file: it was
closed after writing, renamed into place, or deleted. Every editor's save
ends with one of those (an in-place save closes the file, an atomic one
renames onto it), so waiting the full debounce after it would only delay the
rebuild; a half-written file, whose last event is a bare "modified", still
gets the full wait.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterable
from pathlib import Path

from watchdog.events import FileSystemEvent, FileSystemEventHandler
from watchdog.observers import Observer

from ..config import CONFIG_NAME

WATCHED_DIRS = ("content", "diagrams", "templates", "static")
SIGNAL_SLICE_S = 0.25
DEBOUNCE_S = 0.01  # quiet time that ends a burst of saves (editors save within a few ms)
SETTLE_S = 0.002  # the quiet time after a file was completed (closed, renamed, deleted): see above
COMPLETING = frozenset({"closed", "moved", "deleted"})  # watchdog's event types that end a save
MAX_DELAY_S = 0.5  # a never-ending burst still rebuilds this often
IGNORED_SUFFIXES = (".swp", ".swx", ".swo", ".tmp", "~", ".crdownload", ".part")
IGNORED_NAMES = {"4913", ".DS_Store"}


def ignored(path: Path) -> bool:
    """Editors' temporary and lock files, and hidden files (the site ignores those too)."""
    name = path.name
    return name in IGNORED_NAMES or name.startswith((".", "#")) or name.endswith(IGNORED_SUFFIXES)


class ChangeQueue:
    """Changed paths, waiting for a quiet moment."""

    def __init__(self, debounce: float = DEBOUNCE_S, max_delay: float = MAX_DELAY_S, settle: float = SETTLE_S) -> None:
        self.debounce = debounce
        self.max_delay = max_delay
        self.settle = min(settle, debounce)
        self._pending: set[Path] = set()
        self._first = self._last = 0.0
        self._quiet = debounce  # how long the folder must now stay quiet
        self._cond = threading.Condition()
        self._closed = False

    def add(self, path: Path, *, completed: bool = False) -> None:
        """A changed path; ``completed`` when the event ended a save (see the module docstring)."""
        with self._cond:
            now = time.monotonic()
            if not self._pending:
                self._first = now
            self._pending.add(path)
            self._last = now
            self._quiet = self.settle if completed else self.debounce
            self._cond.notify_all()

    def take(self) -> set[Path] | None:
        """Block until changes arrived and settled; None once closed."""
        with self._cond:
            # In slices, not one endless wait: a Ctrl-C that the kernel hands to another thread
            # (the watcher, the search indexer) only reaches Python when the main thread wakes.
            while not self._cond.wait_for(lambda: self._closed or bool(self._pending), timeout=SIGNAL_SLICE_S):
                pass
            while not self._closed:
                now = time.monotonic()
                wait = min(self._last + self._quiet, self._first + self.max_delay) - now
                if wait <= 0:
                    break
                self._cond.wait(wait)
            if self._closed:
                return None
            changed, self._pending = self._pending, set()
            return changed

    def close(self) -> None:
        with self._cond:
            self._closed = True
            self._cond.notify_all()


class _Handler(FileSystemEventHandler):
    def __init__(self, root: Path, queue: ChangeQueue) -> None:
        self.root = root
        self.queue = queue
        self.files: frozenset[Path] = frozenset()  # followed one by one (see ``Watcher.watch_files``)

    def on_any_event(self, event: FileSystemEvent) -> None:
        if event.event_type in ("opened", "closed_no_write") or (event.is_directory and event.event_type == "modified"):
            return
        # A rename is both an old path gone and a new one there (atomic saves rename onto the file).
        completed = event.event_type in COMPLETING
        for raw in (event.src_path, getattr(event, "dest_path", "")):
            if not raw:
                continue
            path = Path(raw if isinstance(raw, str) else raw.decode())
            if ignored(path) or not self._relevant(path):
                continue
            self.queue.add(path, completed=completed)

    def _relevant(self, path: Path) -> bool:
        if path in self.files:
            return True
        if path.parent == self.root:
            return path.name == CONFIG_NAME or path.name in WATCHED_DIRS
        try:
            first = path.relative_to(self.root).parts[0]
        except ValueError:
            return False
        return first in WATCHED_DIRS


class Watcher:
    """A watchdog observer on the site's sources, feeding a ChangeQueue."""

    def __init__(self, root: Path, queue: ChangeQueue) -> None:
        self.root = root
        self.observer = Observer()
        self.handler = _Handler(root, queue)
        self._watched: set[str] = set()
        self._folders: set[Path] = set()  # of single files followed outside WATCHED_DIRS

    def start(self) -> None:
        self.observer.schedule(self.handler, str(self.root), recursive=False)  # site.toml, new folders
        self.watch_new_folders()
        self.observer.start()

    def watch_new_folders(self) -> None:
        """Watch content/, templates/… that exist now (one may be created after the start)."""
        for name in WATCHED_DIRS:
            folder = self.root / name
            if name not in self._watched and folder.is_dir():
                self.observer.schedule(self.handler, str(folder), recursive=True)
                self._watched.add(name)

    def watch_files(self, paths: Iterable[Path]) -> None:
        """Also follow these files: the bibliographies and styles posts read, which may lie
        outside the watched folders (``bibliography = "refs/site.bib"`` in site.toml).

        Their folders are watched without their subfolders; other files there stay ignored.
        """
        files = frozenset(Path(path) for path in paths)
        self.handler.files = files  # one assignment: the observer's thread sees the old set or the new
        for folder in sorted({path.parent for path in files}):
            if folder == self.root or folder in self._folders or self._covered(folder) or not folder.is_dir():
                continue
            self.observer.schedule(self.handler, str(folder), recursive=False)
            self._folders.add(folder)

    def _covered(self, folder: Path) -> bool:
        try:
            first = folder.relative_to(self.root).parts[0]
        except (ValueError, IndexError):
            return False
        return first in self._watched

    def stop(self) -> None:
        self.observer.stop()
        self.observer.join()
