"""``site-gen serve``: watch ▶ rebuild what changed ▶ tell the browser.

Three threads and a condition variable, in the spirit of MkDocs's livereload:
the HTTP server (``http.py``) serves the preview folder, the watcher
(``watch.py``) queues changed paths, and the main thread takes them, runs an
incremental rebuild (``site_gen.incremental``) and publishes the result to
every open page (``reload.py``). A rebuild is staged and moved into place only
when it succeeded; a failed one leaves the last good pages exactly as they
were and sends its errors to the page's overlay instead.
"""

from __future__ import annotations

import shutil
import signal
import sys
import tempfile
import threading
import time
import webbrowser
from pathlib import Path
from types import FrameType

from .. import manifest, search
from ..build import checked_output
from ..config import load_config
from ..errors import BuildFailed, ContentError
from ..incremental import Preview
from .http import PreviewServer
from .reload import Events, describe_error
from .watch import ChangeQueue, Watcher


def serve(
    root: Path,
    host: str = "127.0.0.1",
    port: int = 8000,
    drafts: bool = False,
    open_browser: bool = False,
    write: bool = False,
) -> int:
    """Serve a live preview of the site at ``root`` until Ctrl-C (or SIGTERM).

    Rebuilds run in this (the main) thread, the one Ctrl-C interrupts: a rebuild
    stops where it is (its kernels interrupted, its staging folder removed), and
    no other thread can still be writing when the preview folder is deleted.
    """
    if not 0 <= port <= 65535:  # checked here, since the socket's own error reads like a bug
        raise ContentError(None, None, f"port must be 0–65535, not {port}", "e.g. --port 8000 (0: any free port)")
    root = root.resolve()
    if write:  # the preview writes into public/ as a build would: the same folder rules apply
        config = load_config(root)
        checked_output(config, root / "public", previous=manifest.load(config))
    folder = root / "public" if write else Path(tempfile.mkdtemp(prefix="site-gen-serve-"))
    events = Events()
    try:
        server = PreviewServer((host, port), folder, events, _base_path(root))
    except OSError as exc:
        if not write:
            shutil.rmtree(folder, ignore_errors=True)
        raise ContentError(
            None, None, f"cannot listen on {host}:{port}: {exc.strerror}", "choose another --port (0: any free one)"
        ) from None
    preview = Preview(root, folder, drafts=drafts)
    queue = ChangeQueue()
    watcher = Watcher(root, queue)
    http = threading.Thread(target=server.serve_forever, name="site-gen-http", daemon=True)
    previous_handler = signal.signal(signal.SIGTERM, _interrupt)
    indexer: search.BackgroundIndex | None = None
    try:
        rebuild(preview, events, server, set())
        indexer = _search_index(preview, folder)
        watcher.start()
        watcher.watch_files(preview.watched_files())  # .bib/.csl files outside content/
        http.start()
        url = f"http://{_display_host(host)}:{server.server_address[1]}{server.base_path}"
        where = str(folder) if write else f"{folder} (not public/)"
        print(f"Serving {url} from {where}; watching for changes. Ctrl-C to stop.", flush=True)
        if open_browser:
            webbrowser.open(url)
        while (changed := queue.take()) is not None:
            watcher.watch_new_folders()
            if rebuild(preview, events, server, changed):
                watcher.watch_files(preview.watched_files())  # a post may name another .bib now
                if indexer is not None:
                    indexer.request(preview.indexed)
    except KeyboardInterrupt:
        print("\nStopping…", flush=True)
    finally:
        if indexer is not None:
            indexer.close()
        _stop(server, http, events, watcher, folder if not write else None)
        signal.signal(signal.SIGTERM, previous_handler)
    return 0


def _stop(server: PreviewServer, http: threading.Thread, events: Events, watcher: Watcher, folder: Path | None) -> None:
    """Close everything, then delete the temporary folder; a second Ctrl-C (or SIGTERM) cannot cut this short."""
    previous = signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_IGN)  # serve() puts its caller's handler back afterwards
    try:
        events.close()  # ends every event stream
        if watcher.observer.is_alive():
            watcher.stop()
        if http.is_alive():
            server.shutdown()
        server.server_close()
        if folder is not None:
            shutil.rmtree(folder, ignore_errors=True)
    finally:
        signal.signal(signal.SIGINT, previous)


def rebuild(preview: Preview, events: Events, server: PreviewServer, changed: set[Path]) -> bool:
    """One rebuild, reported to the terminal and to the browser; True if it succeeded."""
    started = time.perf_counter()
    try:
        result = preview.rebuild(changed)
    except BuildFailed as failed:
        _report_errors(events, failed.errors)
        return False
    except ContentError as error:
        _report_errors(events, [error])
        return False
    except Exception as exc:  # a bug in site_gen: say so in one line, keep serving the last good pages
        bug = ContentError(None, None, f"internal error: {exc!r}", "this is a bug in site_gen, not in your site")
        _report_errors(events, [bug])
        return False
    if preview.config is not None:
        server.base_path = preview.config.base_path
    for warning in result.warnings:
        if not changed or (warning.path is not None and preview.root / warning.path in changed):
            print(warning, file=sys.stderr, flush=True)
    elapsed = (time.perf_counter() - started) * 1000
    written = sorted(result.written)
    events.publish(ok=True, changed=tuple(server.base_path + path for path in written))
    names = ", ".join(written[:3]) + (f" and {len(written) - 3} more" if len(written) > 3 else "")
    print(f"Rebuilt in {elapsed:.0f} ms: {len(written)} file(s) changed{': ' + names if written else ''}", flush=True)
    return True


def _report_errors(events: Events, errors: list[ContentError]) -> None:
    for error in errors:
        print(error, file=sys.stderr, flush=True)
    print(f"build failed: {len(errors)} error(s); still serving the last good pages", file=sys.stderr, flush=True)
    events.publish(ok=False, errors=tuple(describe_error(error) for error in errors))


def _search_index(preview: Preview, folder: Path) -> search.BackgroundIndex | None:
    """The preview's search index, started now, if the site has search (a broken site.toml: not yet)."""
    try:
        config = preview.config or load_config(preview.root)
    except ContentError:
        return None
    if not config.search:
        return None
    indexer = search.BackgroundIndex(folder, language=config.language)
    indexer.request(preview.indexed)
    return indexer


def _interrupt(signum: int, frame: FrameType | None) -> None:
    raise KeyboardInterrupt


def _base_path(root: Path) -> str:
    try:
        return load_config(root).base_path
    except ContentError:
        return "/"  # the first build reports the error


def _display_host(host: str) -> str:
    return f"[{host}]" if ":" in host else host
