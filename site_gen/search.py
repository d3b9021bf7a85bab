"""Site search, built with the site: a Pagefind index of every post and page.

Why Pagefind rather than a Lunr index: Pagefind indexes the *written HTML*,
so what it finds is exactly what a reader sees (prose, headings, code,
captions, and the TeX source each formula carries in its MathML
annotation, so "softmax" finds ``\\operatorname{softmax}``); it splits
the index into fragments fetched on demand, so a 1000-post site does not
send a megabyte of JSON to every visitor; and it runs as one native binary,
shipped inside its PyPI wheel (``pagefind[bin]``). Nothing is downloaded at
build or read time. Its cost is about 4 ms a post (3.5 s at 1000 posts on a
2-core machine, whatever the pages' size: it is the word index, not the HTML),
paid only when a page changed; ``bench/search_cost.py`` measures it.

Only elements marked ``data-pagefind-body`` are indexed (the templates mark
posts and pages, not listings). The search page's small script is ours
(``static/js/search.js``); Pagefind writes its own UI files into the index
folder.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import tempfile
import threading
from pathlib import Path

from .errors import ContentError

INDEX_DIR = "pagefind"  # the index folder inside the site, as the search page expects
TIMEOUT_S = 300
_WITHOUT = "set `search = false` in site.toml to build without search"


def executable() -> Path | None:
    """The Pagefind binary of the installed ``pagefind[bin]`` wheel (None if it is missing)."""
    try:
        from pagefind.service import get_executable
    except ImportError:
        return None
    found: Path | None = get_executable()
    return found


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


def refresh(site: Path, *, language: str) -> None:
    """Rebuild ``site/pagefind`` in place for the preview: indexed beside it, then swapped in whole."""
    scratch = Path(tempfile.mkdtemp(prefix=".pagefind-", dir=site.parent))
    try:
        index_into(site, scratch / INDEX_DIR, language=language)
        old = site / INDEX_DIR
        retired = scratch / "old"
        if old.exists():
            old.rename(retired)
        (scratch / INDEX_DIR).rename(old)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


class BackgroundIndex:
    """The preview's search index, rebuilt after each good rebuild but off its critical path.

    Indexing a large site takes longer than the rebuild it follows, and the page
    reload must not wait for it: requests made while it runs coalesce into one
    more run. ``close`` waits for a run in progress, so the preview's folder is
    never deleted under the indexer.
    """

    def __init__(self, site: Path, *, language: str) -> None:
        self.site = site
        self.language = language
        self._wanted = threading.Event()
        self._closing = False
        self._thread = threading.Thread(target=self._run, name="site-gen-search", daemon=True)
        self._thread.start()

    def request(self) -> None:
        self._wanted.set()

    def close(self) -> None:
        self._closing = True
        self._wanted.set()
        self._thread.join(timeout=TIMEOUT_S)

    def _run(self) -> None:
        while True:
            self._wanted.wait()
            self._wanted.clear()
            if self._closing:
                return
            try:
                refresh(self.site, language=self.language)
            except ContentError as error:  # the pages are fine; only search is stale
                print(f"{error}\n  (search shows the previous index)", file=sys.stderr, flush=True)
