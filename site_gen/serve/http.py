"""The preview's HTTP server: the output folder, read-only, and nothing outside it.

A threaded ``http.server`` (one thread per connection, since every open page
keeps one connection for live-reload events). Only ``GET`` and ``HEAD``. A URL
maps to a file under the output folder after decoding; a ``.`` or ``..``
segment, a hidden name, or anything that resolves (symlinks followed) outside
the folder is refused. Folders serve their ``index.html``, never a listing;
anything missing gets the site's ``404.html`` with status 404. Every response
says ``Cache-Control: no-store``: a preview must never show a stale page.

It answers only requests addressed to itself: the ``Host`` header must name a
loopback address, ``localhost`` or the address it listens on, with its port.
So a web page whose domain is re-pointed at 127.0.0.1 (DNS rebinding) cannot
read the drafts. A request must arrive whole within ``request_timeout``
seconds, so half-sent requests cannot hold its threads; a bad URL is a 400,
and a bug while answering is one line on stderr, never a traceback.
"""

from __future__ import annotations

import contextlib
import io
import ipaddress
import json
import mimetypes
import re
import socket
import sys
import threading
import time
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, unquote_to_bytes, urlsplit

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
# A build event carries the new HTML of the page that listens (saving it a fetch) up to this size.
PUSHED_PAGE_MAX = 1 << 20
REQUEST_TIMEOUT_S = 20.0  # for the whole request line and headers; a page's event stream is not limited
MAX_URL = 4096  # characters; browsers send far less, and file names cannot be longer anyway
MAX_CONNECTIONS = 256  # open at once (each open page holds one); more are closed unanswered
BAD_ESCAPE = re.compile(r"%(?![0-9A-Fa-f]{2})")


class BadRequest(Exception):
    """A request the preview refuses to look at, and the status that says so."""

    def __init__(self, status: HTTPStatus, reason: str) -> None:
        super().__init__(reason)
        self.status = status
        self.reason = reason


def content_type(path: Path) -> str:
    suffix = path.suffix.lower()
    return CONTENT_TYPES.get(suffix) or mimetypes.guess_type(path.name)[0] or "application/octet-stream"


class PreviewServer(ThreadingHTTPServer):
    daemon_threads = True  # event streams end when Events closes; never block shutdown on a slow client

    def __init__(
        self,
        address: tuple[str, int],
        folder: Path,
        events: Events,
        base_path: str = "/",
        *,
        request_timeout: float = REQUEST_TIMEOUT_S,
        max_connections: int = MAX_CONNECTIONS,
    ) -> None:
        if ":" in address[0]:
            self.address_family = socket.AF_INET6  # --host ::1
        super().__init__(address, PreviewHandler)
        self.folder = folder.resolve()
        self.events = events
        self.base_path = base_path  # "/" or "/notebook/": the site's own URL prefix
        self.request_timeout = request_timeout
        self.host_names = {"localhost", address[0].lower().strip("[]")}  # and any loopback or local address
        self.max_connections = max_connections
        self._open = 0
        self._open_lock = threading.Lock()

    def process_request(self, request: Any, client_address: Any) -> None:
        """One thread per connection, up to ``max_connections``: a flood of them cannot exhaust the machine."""
        with self._open_lock:
            full = self._open >= self.max_connections
            self._open += 0 if full else 1
        if full:
            self.shutdown_request(request)
            return
        try:
            super().process_request(request, client_address)
        except BaseException:  # no thread started: it will not count itself out
            with self._open_lock:
                self._open -= 1
            raise

    def process_request_thread(self, request: Any, client_address: Any) -> None:
        try:
            super().process_request_thread(request, client_address)
        finally:
            with self._open_lock:
                self._open -= 1

    def handle_error(self, request: object, client_address: object) -> None:
        """A client that went away is normal; anything else is a bug, told in one line."""
        error = sys.exception()
        if isinstance(error, ConnectionError | TimeoutError):
            return
        print(f"site-gen serve: internal error on a connection: {error!r}", file=sys.stderr, flush=True)


def host_allowed(host: str | None, names: set[str], local: tuple[str, int]) -> bool:
    """Is ``host`` (a Host header) this server: a loopback address, one of ``names``,
    or the address the client connected to, and the port it connected to?"""
    if not host:
        return False
    try:
        url = urlsplit("//" + host)
        name, port = url.hostname, url.port
    except ValueError:
        return False
    if name is None or url.netloc != host or "@" in host or (port or 80) != local[1]:
        return False
    if name in names:
        return True
    try:
        address = ipaddress.ip_address(name)
    except ValueError:
        return False  # a domain name other than localhost: what a rebinding attack sends
    return address.is_loopback or address == ipaddress.ip_address(local[0].split("%")[0])


class _ReadDeadline(io.RawIOBase):
    """A socket's reads with one deadline for all of them: a request that trickles in a
    byte at a time times out as surely as one that stops halfway."""

    def __init__(self, connection: socket.socket, seconds: float) -> None:
        self._connection = connection
        self._deadline = time.monotonic() + seconds

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: memoryview) -> int:  # type: ignore[override]
        left = self._deadline - time.monotonic()
        if left <= 0:
            raise TimeoutError("the request did not arrive in time")
        self._connection.settimeout(left)
        return self._connection.recv_into(buffer)


class PreviewHandler(BaseHTTPRequestHandler):
    server: PreviewServer
    server_version = "site_gen-preview"
    # http.server's own refusals (a malformed request line, a method other than GET/HEAD): short text.
    error_message_format = "%(code)d %(message)s\n"
    error_content_type = "text/plain; charset=utf-8"
    _answered = False

    def setup(self) -> None:
        super().setup()
        self.rfile.close()
        self.rfile = io.BufferedReader(_ReadDeadline(self.connection, self.server.request_timeout))

    def do_GET(self) -> None:
        self._answer(body=True)

    def do_HEAD(self) -> None:
        self._answer(body=False)

    def log_message(self, format: str, *args: object) -> None:
        pass  # the terminal shows builds, not every request

    def send_response_only(self, code: int, message: str | None = None) -> None:
        self._answered = True
        super().send_response_only(code, message)

    def _answer(self, *, body: bool) -> None:
        """Answer one request; whatever goes wrong, the client gets a status and the terminal no traceback."""
        self.close_connection = True
        self.connection.settimeout(self.server.request_timeout)  # for writing the answer
        try:
            self._check()
            self._respond(body=body)
        except BadRequest as bad:
            self._plain(bad.status, bad.reason, body=body)
        except (ConnectionError, TimeoutError):
            pass  # the page went away
        except Exception as exc:  # a bug in site_gen: say so in one line, keep serving
            print(f"site-gen serve: internal error answering {self.path[:200]!r}: {exc!r}", file=sys.stderr, flush=True)
            if not self._answered:
                self._plain(HTTPStatus.INTERNAL_SERVER_ERROR, "internal error (see the terminal)", body=body)

    def _check(self) -> None:
        """Refuse what no browser on this machine sends: another host's name, a mangled URL."""
        hosts = self.headers.get_all("Host") or []
        local = self.connection.getsockname()
        if len(hosts) != 1 or not host_allowed(hosts[0], self.server.host_names, (local[0], local[1])):
            raise BadRequest(HTTPStatus.MISDIRECTED_REQUEST, "this preview answers only on its own address")
        if len(self.path) > MAX_URL:
            raise BadRequest(HTTPStatus.REQUEST_URI_TOO_LONG, "URL too long")
        if not self.path.startswith("/") or not self.path.isascii() or not self.path.isprintable():
            raise BadRequest(HTTPStatus.BAD_REQUEST, "the URL must be a path of printable ASCII")
        if BAD_ESCAPE.search(self.path):
            raise BadRequest(HTTPStatus.BAD_REQUEST, "invalid percent-encoding in the URL")

    def _respond(self, *, body: bool) -> None:
        url = urlsplit(self.path)
        if url.path == EVENTS_PATH and body:
            query = parse_qs(url.query)
            return self._events(query.get("since", [""])[0], self._shown_page(query.get("page", [""])[0]))
        if url.path == STATUS_PATH:
            events = self.server.events
            report = {"generation": events.generation, "builds": events.builds, "errors": list(events.errors)}
            return self._send(HTTPStatus.OK, "application/json", json.dumps(report).encode(), body=body)
        status, target = self._locate(url.path, _decode(url.path))
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
        try:
            data = path.read_bytes()
        except OSError:  # removed or replaced by a rebuild since it was found
            return self._not_found(HTTPStatus.NOT_FOUND, body=body)
        kind = content_type(path)
        if kind.startswith("text/html"):
            data = inject(data, snippet(self.server.events))
        return self._send(HTTPStatus.OK, kind, data, body=body)

    def _locate(self, raw_path: str, decoded: str) -> tuple[HTTPStatus, str]:
        """The file a URL path names, or why not: (OK, file), (MOVED, new URL), or an error."""
        base = self.server.base_path
        if decoded in ("/", base.rstrip("/")) and base != "/":
            return HTTPStatus.MOVED_PERMANENTLY, base
        if not decoded.startswith(base) or "\\" in decoded:
            return HTTPStatus.NOT_FOUND, ""
        parts = [part for part in decoded[len(base) :].split("/") if part]
        if any(part.startswith(".") for part in parts):  # "..", ".", and hidden files (editors' temporaries)
            return HTTPStatus.NOT_FOUND, ""
        try:
            return self._find(raw_path, decoded, parts)
        except OSError:  # a name too long, a symlink loop, a folder we may not read
            return HTTPStatus.NOT_FOUND, ""

    def _find(self, raw_path: str, decoded: str, parts: list[str]) -> tuple[HTTPStatus, str]:
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
        data = FALLBACK_404
        if status is HTTPStatus.NOT_FOUND:
            found, page = self._locate("/404.html", self.server.base_path + "404.html")  # checked like any file
            if found is HTTPStatus.OK:
                with contextlib.suppress(OSError):  # replaced by a rebuild just now: the plain page will do
                    data = Path(page).read_bytes()
        data = inject(data, snippet(self.server.events, not_found=True))
        self._send(status, "text/html; charset=utf-8", data, body=body)

    def _plain(self, status: HTTPStatus, reason: str, *, body: bool) -> None:
        self._send(status, "text/plain; charset=utf-8", f"{status.value} {reason}\n".encode(), body=body)

    def _send(self, status: HTTPStatus, kind: str, data: bytes, *, body: bool) -> None:
        self.send_response(status)
        self.send_header("Content-Type", kind)
        self.send_header("Content-Length", str(len(data)))
        self.send_header("Cache-Control", "no-store")
        self.send_header("X-Content-Type-Options", "nosniff")
        self.end_headers()
        if body:
            self.wfile.write(data)

    def _shown_page(self, raw_path: str) -> tuple[str, Path] | None:
        """The page an event stream's browser shows: its URL path as builds name their changed
        files, and its file, found as a request for it would be (None: not a page of the site)."""
        try:
            decoded = _decode(raw_path)
        except BadRequest:
            return None
        if not decoded.startswith("/"):  # its length is within MAX_URL: _check saw the whole request's
            return None
        status, target = self._locate(raw_path, decoded)
        if status is not HTTPStatus.OK or not target.endswith(".html"):
            return None
        return decoded + ("index.html" if decoded.endswith("/") else ""), Path(target)

    def _events(self, since: str, page: tuple[str, Path] | None) -> None:
        """A Server-Sent Events stream: one ``build`` event per finished build, until shutdown.
        An event for a build that changed ``page`` carries its new HTML, so that the browser
        can show it without fetching it (``reload.SCRIPT``)."""
        events = self.server.events
        self.send_response(HTTPStatus.OK)
        self.send_header("Content-Type", "text/event-stream")
        self.send_header("Cache-Control", "no-store")
        self.end_headers()
        generation, missed = events.since(self.headers.get("Last-Event-ID") or since)
        try:
            self._event(generation, _with_page(missed, page))
            while True:
                generation, message = events.wait(generation, KEEPALIVE_S)
                self._event(generation, _with_page(message, page))
        except (EOFError, ConnectionError, TimeoutError):
            return  # server stopping, or the page went away

    def _event(self, generation: int, message: dict[str, object] | None) -> None:
        if message is None:
            self.wfile.write(b": keep-alive\n\n")
        else:
            event_id = f"{self.server.events.instance}.{generation}"
            self.wfile.write(f"id: {event_id}\nevent: build\ndata: {json.dumps(message)}\n\n".encode())
        self.wfile.flush()


def _with_page(message: dict[str, Any] | None, page: tuple[str, Path] | None) -> dict[str, Any] | None:
    """``message``, with the HTML of ``page`` when the build it tells of changed that page."""
    if message is None or page is None or not message.get("ok") or page[0] not in message.get("changed", ()):
        return message
    try:
        data = page[1].read_bytes()
    except OSError:  # gone since: the browser will find out by asking for it
        return message
    if len(data) > PUSHED_PAGE_MAX:
        return message
    return {**message, "page": data.decode("utf-8", errors="replace")}


def _decode(path: str) -> str:
    """A URL path, percent-decoded as UTF-8; a NUL or an invalid sequence is a bad request."""
    try:
        decoded = unquote_to_bytes(path).decode("utf-8")
    except UnicodeDecodeError:
        raise BadRequest(HTTPStatus.BAD_REQUEST, "the URL is not valid UTF-8 once decoded") from None
    if not decoded.isprintable():
        raise BadRequest(HTTPStatus.BAD_REQUEST, "the URL holds control characters (a NUL?)")
    return decoded
