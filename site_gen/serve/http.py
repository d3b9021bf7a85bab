"""The preview's HTTP server: the output folder, read-only, and nothing outside it.

A threaded ``http.server`` (one thread per connection, since every open page
keeps one connection for live-reload events). Only ``GET`` and ``HEAD``. A URL
maps to a file under the output folder after decoding; a ``.`` or ``..``
segment, a hidden name, or anything that resolves (symlinks followed) outside
the folder is refused. Folders serve their ``index.html``, never a listing;
anything missing gets the site's ``404.html`` with status 404. Every response
says ``Cache-Control: no-store``: a preview must never show a stale page.
"""

from __future__ import annotations

import json
import mimetypes
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, unquote, urlsplit

from .reload import EVENTS_PATH, STATUS_PATH, Events, inject, snippet

# Types that mimetypes gets wrong or leaves out on some systems.
CONTENT_TYPES = {
    ".html": "text/html; charset=utf-8",
    ".css": "text/css; charset=utf-8",
    ".js": "text/javascript; charset=utf-8",
    ".mjs": "text/javascript; charset=utf-8",
    ".json": "application/json",
    ".ipynb": "application/json",
    ".xml": "application/xml",
    ".svg": "image/svg+xml",
    ".txt": "text/plain; charset=utf-8",
    ".md": "text/plain; charset=utf-8",
    ".woff": "font/woff",
    ".woff2": "font/woff2",
    ".ttf": "font/ttf",
    ".otf": "font/otf",
    ".webp": "image/webp",
    ".avif": "image/avif",
    ".wasm": "application/wasm",
}
FALLBACK_404 = b"<!DOCTYPE html>\n<html><head><title>Not found</title></head><body><h1>Not found</h1></body></html>\n"
KEEPALIVE_S = 15.0


def content_type(path: Path) -> str:
    suffix = path.suffix.lower()
    return CONTENT_TYPES.get(suffix) or mimetypes.guess_type(path.name)[0] or "application/octet-stream"


class PreviewServer(ThreadingHTTPServer):
    daemon_threads = True  # event streams end when Events closes; never block shutdown on a slow client

    def __init__(self, address: tuple[str, int], folder: Path, events: Events, base_path: str = "/") -> None:
        super().__init__(address, PreviewHandler)
        self.folder = folder.resolve()
        self.events = events
        self.base_path = base_path  # "/" or "/notebook/": the site's own URL prefix


class PreviewHandler(BaseHTTPRequestHandler):
    server: PreviewServer
    server_version = "site_gen-preview"

    def do_GET(self) -> None:
        self._respond(body=True)

    def do_HEAD(self) -> None:
        self._respond(body=False)

    def log_message(self, format: str, *args: object) -> None:
        pass  # the terminal shows builds, not every request

    def _respond(self, *, body: bool) -> None:
        url = urlsplit(self.path)
        if url.path == EVENTS_PATH and body:
            return self._events(parse_qs(url.query).get("since", [""])[0])
        if url.path == STATUS_PATH:
            events = self.server.events
            report = {"generation": events.generation, "builds": events.builds, "errors": list(events.errors)}
            return self._send(HTTPStatus.OK, "application/json", json.dumps(report).encode(), body=body)
        status, target = self._locate(url.path)
        if status is HTTPStatus.MOVED_PERMANENTLY:
            self.send_response(status)
            self.send_header("Location", target + (f"?{url.query}" if url.query else ""))
            self.send_header("Content-Length", "0")
            self.send_header("Cache-Control", "no-store")
            self.end_headers()
            return None
        if status is not HTTPStatus.OK:
            return self._not_found(status, body=body)
        path = Path(target)
        data = path.read_bytes()
        kind = content_type(path)
        if kind.startswith("text/html"):
            data = inject(data, snippet(self.server.events))
        return self._send(HTTPStatus.OK, kind, data, body=body)

    def _locate(self, raw_path: str) -> tuple[HTTPStatus, str]:
        """The file a URL path names, or why not: (OK, file), (MOVED, new URL), or an error."""
        decoded = unquote(raw_path)
        base = self.server.base_path
        if decoded in ("/", base.rstrip("/")) and base != "/":
            return HTTPStatus.MOVED_PERMANENTLY, base
        if not decoded.startswith(base) or "\0" in decoded or "\\" in decoded:
            return HTTPStatus.NOT_FOUND, ""
        parts = [part for part in decoded[len(base) :].split("/") if part]
        if any(part.startswith(".") for part in parts):  # "..", ".", and hidden files (editors' temporaries)
            return HTTPStatus.NOT_FOUND, ""
        root = self.server.folder
        target = root.joinpath(*parts).resolve()  # follows symlinks: the real file is what gets checked
        if not target.is_relative_to(root):
            return HTTPStatus.FORBIDDEN, ""
        if target.is_dir():
            if not decoded.endswith("/"):
                return HTTPStatus.MOVED_PERMANENTLY, raw_path + "/"
            target = (target / "index.html").resolve()
            if not target.is_relative_to(root):
                return HTTPStatus.FORBIDDEN, ""
        if not target.is_file():
            return HTTPStatus.NOT_FOUND, ""
        return HTTPStatus.OK, str(target)

    def _not_found(self, status: HTTPStatus, *, body: bool) -> None:
        page = self.server.folder / "404.html"
        data = page.read_bytes() if status is HTTPStatus.NOT_FOUND and page.is_file() else FALLBACK_404
        data = inject(data, snippet(self.server.events, not_found=True))
        self._send(status, "text/html; charset=utf-8", data, body=body)

    def _send(self, status: HTTPStatus, kind: str, data: bytes, *, body: bool) -> None:
        self.send_response(status)
        self.send_header("Content-Type", kind)
        self.send_header("Content-Length", str(len(data)))
        self.send_header("Cache-Control", "no-store")
        self.send_header("X-Content-Type-Options", "nosniff")
        self.end_headers()
        if body:
            self.wfile.write(data)

    def _events(self, since: str) -> None:
        """A Server-Sent Events stream: one ``build`` event per finished build, until shutdown."""
        events = self.server.events
        self.send_response(HTTPStatus.OK)
        self.send_header("Content-Type", "text/event-stream")
        self.send_header("Cache-Control", "no-store")
        self.end_headers()
        generation, missed = events.since(self.headers.get("Last-Event-ID") or since)
        try:
            self._event(generation, missed)
            while True:
                generation, message = events.wait(generation, KEEPALIVE_S)
                self._event(generation, message)
        except (EOFError, ConnectionError, TimeoutError):
            return  # server stopping, or the page went away

    def _event(self, generation: int, message: dict[str, object] | None) -> None:
        if message is None:
            self.wfile.write(b": keep-alive\n\n")
        else:
            event_id = f"{self.server.events.instance}.{generation}"
            self.wfile.write(f"id: {event_id}\nevent: build\ndata: {json.dumps(message)}\n\n".encode())
        self.wfile.flush()
