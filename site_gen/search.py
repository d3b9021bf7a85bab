"""Site search, built with the site: a Pagefind index of every post and page.

Why Pagefind rather than a Lunr index: Pagefind indexes the *written HTML*,
so what it finds is exactly what a reader sees (prose, headings, code,
captions, and the TeX source each formula carries in its MathML
annotation, so "softmax" finds ``\\operatorname{softmax}``); it splits
the index into fragments fetched on demand, so a 1000-post site does not
send a megabyte of JSON to every visitor; and it runs as one native binary,
shipped inside its PyPI wheel (``pagefind[bin]``). Nothing is downloaded at
build or read time. Its cost follows the words indexed, not the markup
around them: ~2.8 ms of CPU for a 2,000-word post on a 2-core machine (the
same pages reduced to their text: 2.9 s for 1000; a tenth of the text: 0.5 s),
paid only for the shards whose pages changed; ``bench/search_cost.py``
measures it against the whole build.

So that one edit does not re-index a thousand posts, the index is dealt into
*shards* of about ``SHARD_SIZE`` pages, each page to a shard by a hash of its
path (``pagefind/0/``, ``pagefind/1/``…). A build re-indexes only the shards
whose pages changed (two at a time: Pagefind itself uses about one core) and
keeps the rest of the previous output (in place, or hard-linked into a new folder). In the browser the search page
loads the first shard and merges the others into it (Pagefind's ``mergeIndex``,
made for searching several sites at once), so one query searches them all.

Only elements marked ``data-pagefind-body`` are indexed (the templates mark
posts and pages, not listings). The search page's script is ours
(``static/js/search.js``, over Pagefind's ``pagefind.js``): it also drops the
results Pagefind makes up from a word's longest indexed prefix, which each
shard lacking the word would otherwise add. Pagefind's own UI files are not
published.
"""

from __future__ import annotations

import hashlib
import importlib
import json
import os
import shutil
import subprocess
import sys
import tempfile
import threading
from collections.abc import Callable, Iterable, Mapping, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path

from .errors import ContentError
from .output import link_tree

INDEX_DIR = "pagefind"  # the index folder inside the site, as the search page expects
PLAN = "shards.json"  # inside INDEX_DIR: which pages each shard holds
SHARD_SIZE = 128  # pages per shard: re-indexing one costs about half a second
MAX_SHARDS = 16  # each shard is one more small fetch per search in the browser
# Pagefind writes its own UIs into every bundle (about 730 KB); the search page has its own
# small script (static/js/search.js) over pagefind.js, so they are not published.
_UI_FILES = ("pagefind-ui", "pagefind-modular-ui", "pagefind-component-ui", "pagefind-highlight")
TIMEOUT_S = 300
_WITHOUT = "set `search = false` in site.toml to build without search"


def executable() -> Path | None:
    """The Pagefind binary of the installed ``pagefind[bin]`` wheel (None if it is missing).

    Pagefind's own lookup (``pagefind.service``) imports asyncio, ~30 ms of every build, so the
    binary wheels are asked directly, in the order it asks them; it is left the other cases
    (``PAGEFIND_BINARY_PATH``, a ``pagefind`` on the PATH)."""
    if os.getenv("PAGEFIND_BINARY_PATH") is None:
        for wheel in ("pagefind_bin_extended", "pagefind_bin"):
            try:
                module = importlib.import_module(wheel)
            except ImportError:
                continue
            return Path(module.get_executable())
    try:
        from pagefind.service import get_executable
    except ImportError:
        return None
    found: Path | None = get_executable()
    return found


def shard_count(pages: int) -> int:
    """A power of two, so that a growing site re-deals its pages only when it doubles."""
    count = 1
    while count * SHARD_SIZE < pages and count < MAX_SHARDS:
        count *= 2
    return count


def bundles(shards: Mapping[str, Sequence[str]]) -> list[str]:
    """The shards the search page loads, those holding a page: the first, and the others merged into it."""
    return [folder for folder, pages in shards.items() if pages]


def deal(pages: Iterable[str]) -> dict[str, list[str]]:
    """Each indexed page (a site-relative path) to its shard's folder, by a hash of its path."""
    ordered = sorted(pages)
    folders = [f"{INDEX_DIR}/{shard}/" for shard in range(shard_count(len(ordered)))]
    shards: dict[str, list[str]] = {folder: [] for folder in folders}
    for page in ordered:
        number = int.from_bytes(hashlib.sha256(page.encode("utf-8")).digest()[:4], "big") % len(folders)
        shards[folders[number]].append(page)
    return shards


def previous_plan(index: Path) -> dict[str, list[str]]:
    """The shards of the index at ``index`` (a site's ``pagefind/``), as its plan recorded them."""
    try:
        plan = json.loads((index / PLAN).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return plan if isinstance(plan, dict) else {}


def index_shards(
    site: Path,
    into: Path,
    shards: Mapping[str, Sequence[str]],
    *,
    language: str,
    keep: Callable[[str, Sequence[str]], bool],
) -> list[str]:
    """Index the pages of ``site`` shard by shard into ``into`` (a site folder: shards go to
    ``into/pagefind/<n>/``), two shards at a time, except those whose previous index ``keep``
    put in place; then record the plan. Returns the folders indexed afresh."""
    indexer = ShardIndexer(lambda page: site / page, into, shards, language=language, keep=keep)
    for pages in shards.values():
        for page in pages:
            indexer.written(page)
    return indexer.finish()


class ShardIndexer:
    """Indexes each shard as soon as the last of its pages is written, two at a time on threads
    of their own, so Pagefind runs on the core the layout stage leaves idle.

    ``page`` says where a written page is (the staging folder, or the previous output for
    a page a build in place kept); ``written`` is told of each page in place (made, kept, or
    linked from the previous build);
    a shard complete and unchanged is kept if ``keep`` can put its previous index in place.
    ``finish`` waits for every shard, raises the first indexing error, and records the plan.
    """

    def __init__(
        self,
        page: Callable[[str], Path],
        into: Path,
        shards: Mapping[str, Sequence[str]],
        *,
        language: str,
        keep: Callable[[str, Sequence[str]], bool],
    ) -> None:
        self.page, self.into, self.shards, self.language, self.keep = page, into, shards, language, keep
        self._missing = {folder: set(pages) for folder, pages in shards.items() if pages}
        self._shard_of = {page: folder for folder, pages in shards.items() for page in pages}
        self._pool = ThreadPoolExecutor(max_workers=2, thread_name_prefix="site-gen-search")
        self._running: dict[str, Future[None]] = {}

    @property
    def started(self) -> bool:
        """Whether a shard is being (or was) indexed: the indexer's threads exist from then on."""
        return bool(self._running)

    def written(self, page: str) -> None:
        folder = self._shard_of.get(page)
        missing = self._missing.get(folder or "")
        if folder is None or missing is None or page not in missing:
            return
        missing.discard(page)
        if not missing:
            self._start(folder)

    def finish(self) -> list[str]:
        unannounced = sorted(page for missing in self._missing.values() for page in missing)
        if unannounced:  # every indexed page is written or linked before finish(): a bug of ours
            self.abandon()
            raise RuntimeError(f"search index: pages never written: {', '.join(unannounced[:5])}")
        try:
            for future in self._running.values():
                future.result()
        finally:
            self._pool.shutdown(wait=False, cancel_futures=True)
        (self.into / INDEX_DIR).mkdir(parents=True, exist_ok=True)
        plan = json.dumps(self.shards, indent=0, sort_keys=True) + "\n"
        (self.into / INDEX_DIR / PLAN).write_text(plan, encoding="utf-8")
        return sorted(self._running)

    def abandon(self) -> None:
        """The build failed or was interrupted: start nothing more, and wait for a Pagefind
        already running, which writes into the staging folder the build is about to remove."""
        self._pool.shutdown(wait=True, cancel_futures=True)

    def _start(self, folder: str) -> None:
        if self.keep(folder, self.shards[folder]):
            return
        pages = self.shards[folder]
        self._running[folder] = self._pool.submit(
            _index_pages, self.page, pages, self.into / folder, scratch_in=self.into.parent, language=self.language
        )


def indexed_pages(site: Path) -> list[str]:
    """The pages of a written site that Pagefind indexes: those with a ``data-pagefind-body``."""
    pages = []
    for path in site.rglob("*.html"):
        rel = path.relative_to(site).as_posix()
        if not rel.startswith(INDEX_DIR + "/") and b"data-pagefind-body" in path.read_bytes():
            pages.append(rel)
    return sorted(pages)


def _index_pages(
    located: Callable[[str], Path], pages: Sequence[str], destination: Path, *, scratch_in: Path, language: str
) -> None:
    """Pagefind over just ``pages``: they are hard-linked into a scratch site of their own."""
    scratch = Path(tempfile.mkdtemp(prefix=".pagefind-pages-", dir=scratch_in))
    try:
        for page in pages:
            target = scratch / page
            target.parent.mkdir(parents=True, exist_ok=True)
            try:
                os.link(located(page), target)
            except OSError:
                shutil.copyfile(located(page), target)
        index_into(scratch, destination, language=language)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    for path in destination.iterdir():
        if path.name.startswith(_UI_FILES):
            path.unlink()


def index_into(site: Path, destination: Path, *, language: str) -> None:
    """Index the HTML under ``site`` into ``destination`` (a folder that must not exist yet)."""
    binary = executable()
    if binary is None:
        raise ContentError(
            None,
            None,
            "site search needs Pagefind, which is not installed",
            "pip install 'pagefind[bin]' (a dependency of site_gen), or set `search = false` in site.toml",
        )
    command = [
        str(binary),
        "--site",
        str(site),
        "--output-path",
        str(destination),
        "--force-language",
        language.split("-")[0].lower() or "en",
        "--silent",
    ]
    try:
        done = subprocess.run(command, capture_output=True, text=True, timeout=TIMEOUT_S, check=False)
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise ContentError(None, None, f"the search indexer did not run: {exc}", _WITHOUT) from None
    if done.returncode != 0:
        detail = (done.stderr or done.stdout).strip().splitlines()[-1:] or ["no message"]
        raise ContentError(None, None, f"the search indexer failed: {detail[0]}", _WITHOUT)


Signatures = dict[str, tuple[int, int, int]]  # page -> (inode, size, mtime): a replaced file has a new inode


def refresh(
    site: Path, *, language: str, seen: Signatures | None = None, pages: Sequence[str] | None = None
) -> Signatures:
    """Rebuild ``site/pagefind`` in place for the preview: beside it, then swapped in whole.

    ``pages`` are those to index, as the rebuild knows them (``write.indexed_pages``);
    without them every HTML file of ``site`` is read to find them. A shard whose pages
    all have the signatures ``seen`` by the last refresh (the preview replaces a changed
    page, so its inode changes) is linked, not re-indexed. Returns the signatures taken
    before this index read the pages.
    """
    index = site / INDEX_DIR
    before = previous_plan(index) if seen else {}
    shards = deal(indexed_pages(site) if pages is None else pages)
    now = {page: _signature(site / page) for pages in shards.values() for page in pages}
    seen = seen or {}

    def keep(folder: str, pages: Sequence[str]) -> bool:
        if before.get(folder) != list(pages) or any(seen.get(page) != now[page] for page in pages):
            return False
        return link_tree(site / folder, scratch / folder)

    scratch = Path(tempfile.mkdtemp(prefix=".pagefind-", dir=site.parent))
    try:
        index_shards(site, scratch, shards, language=language, keep=keep)
        retired = scratch / "old"
        if index.exists():
            index.rename(retired)
        (scratch / INDEX_DIR).rename(index)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    return now


def _signature(path: Path) -> tuple[int, int, int]:
    stat = path.stat()
    return stat.st_ino, stat.st_size, stat.st_mtime_ns


class BackgroundIndex:
    """The preview's search index, rebuilt after each good rebuild but off its critical path.

    Indexing a large site takes longer than the rebuild it follows, and the page
    reload must not wait for it: requests made while it runs coalesce into one
    more run. ``close`` waits for a run in progress, so the preview's folder is
    never deleted under the indexer.

    Nor must it slow the next rebuild, or the browser showing it: re-indexing a shard
    keeps a core busy for half a second, longer than the gap between two saves. On
    Linux the indexer's thread runs under ``SCHED_IDLE`` (a thread's own policy there,
    inherited by the Pagefind processes it starts): it gets only a CPU nothing else
    wants. At 1000 posts, save → page shown went from 54 to 46 ms with search on
    (``bench/serve_bench.py``; 45 ms without search); ``nice 10`` gave 49.
    """

    def __init__(self, site: Path, *, language: str) -> None:
        self.site = site
        self.language = language
        self._wanted = threading.Event()
        self._closing = False
        self._seen: Signatures = {}  # the pages as the last good index read them
        self._pages: list[str] = []  # the latest rebuild's pages to index
        self._thread = threading.Thread(target=self._run, name="site-gen-search", daemon=True)
        self._thread.start()

    def request(self, pages: Sequence[str]) -> None:
        """Index ``pages`` (the last good rebuild's, see ``write.indexed_pages``) when the indexer is free."""
        self._pages = list(pages)
        self._wanted.set()

    def close(self) -> None:
        self._closing = True
        self._wanted.set()
        self._thread.join(timeout=TIMEOUT_S)

    def _run(self) -> None:
        if sys.platform.startswith("linux"):  # elsewhere the policy is the whole process's, not this thread's
            os.sched_setscheduler(0, os.SCHED_IDLE, os.sched_param(0))
        while True:
            self._wanted.wait()
            self._wanted.clear()
            if self._closing:
                return
            try:
                self._seen = refresh(self.site, language=self.language, seen=self._seen, pages=self._pages)
            except ContentError as error:  # the pages are fine; only search is stale
                print(f"{error}\n  (search shows the previous index)", file=sys.stderr, flush=True)
