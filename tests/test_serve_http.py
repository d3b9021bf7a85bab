"""The preview server over plain HTTP: what it serves, what it refuses, and how it stops."""

from __future__ import annotations

import http.client
import json
import os
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from site_gen.serve.http import PreviewHandler, PreviewServer, host_allowed
from site_gen.serve.reload import Events

from .serve_support import Served, edit


@pytest.fixture
def served(make_site: Callable[..., Path]) -> Iterator[Served]:
    root = make_site()
    (root / "content/posts/bundle/data.json").write_text('{"a": 1}', encoding="utf-8")
    (root / "content/posts/bundle/font.woff2").write_bytes(b"wOF2fake")
    (root / "secret.txt").write_text("TOP SECRET outside the output", encoding="utf-8")
    server = Served(root)
    yield server
    assert server.stop() == 0, server.output


def raw(server: Served, path: str, method: str = "GET") -> tuple[int, dict[str, str], bytes]:
    """A request sent exactly as written: no client-side normalising of '..'."""
    host, port = server.origin.removeprefix("http://").split(":")
    connection = http.client.HTTPConnection(host, int(port), timeout=5)
    connection.request(method, path)
    response = connection.getresponse()
    body = response.read()
    connection.close()
    return response.status, {k.lower(): v for k, v in response.getheaders()}, body


def test_serves_pages_under_the_base_path_with_live_reload_script(served: Served) -> None:
    assert served.url.endswith("/notebook/")  # base_url of the fixture site is a subpath
    status, headers, body = raw(served, "/notebook/posts/first/")
    assert status == 200
    assert headers["content-type"] == "text/html; charset=utf-8"
    assert headers["cache-control"] == "no-store"
    assert int(headers["content-length"]) == len(body)
    assert b"First steps" in body and b'id="site-gen-livereload"' in body
    assert raw(served, "/")[0] == 301  # the root sends you to the base path
    assert raw(served, "/notebook/posts/first")[1]["location"] == "/notebook/posts/first/"


def test_the_script_is_only_added_when_serving(served: Served, tmp_path: Path) -> None:
    output = served.folder
    on_disk = (output / "posts/first/index.html").read_bytes()
    assert b"site-gen-livereload" not in on_disk and b"<script" not in on_disk
    assert not (tmp_path / "site/public").exists()  # serve leaves public/ alone


CONTENT_TYPES = [
    ("/notebook/static/css/site.css", "text/css; charset=utf-8"),
    ("/notebook/feed.xml", "application/xml"),
    ("/notebook/sitemap.xml", "application/xml"),
    ("/notebook/robots.txt", "text/plain; charset=utf-8"),
    ("/notebook/posts/bundle/plot.svg", "image/svg+xml"),
    ("/notebook/posts/bundle/data.json", "application/json"),
    ("/notebook/posts/bundle/font.woff2", "font/woff2"),
]


def test_content_types(served: Served) -> None:
    for path, kind in CONTENT_TYPES:
        status, headers, body = raw(served, path)
        assert (status, headers["content-type"]) == (200, kind), path
        assert b"site-gen-livereload" not in body  # only HTML gets the script


def test_head_has_the_headers_and_no_body(served: Served) -> None:
    _, get_headers, get_body = raw(served, "/notebook/static/css/site.css")
    status, headers, body = raw(served, "/notebook/static/css/site.css", "HEAD")
    assert status == 200 and body == b""
    assert headers["content-length"] == str(len(get_body)) == get_headers["content-length"]
    assert raw(served, "/notebook/missing/", "HEAD")[0:3:2] == (404, b"")


def test_missing_pages_get_the_sites_404_page(served: Served) -> None:
    status, headers, body = raw(served, "/notebook/no/such/page/")
    assert status == 404 and headers["cache-control"] == "no-store"
    assert b"Page not found" in body and b"site-gen-livereload" in body


def test_folders_without_index_are_not_listed(served: Served) -> None:
    for folder in ("/notebook/static/", "/notebook/static/css/", "/notebook/posts/"):
        status, _, body = raw(served, folder)
        assert status == 404, folder
        assert b"Page not found" in body and b"Directory listing" not in body and b'href="code.css"' not in body


TRAVERSALS = [
    "/notebook/../site.toml",
    "/notebook/../../secret.txt",
    "/notebook/%2e%2e/site.toml",
    "/notebook/%2E%2E/%2e%2e/site.toml",
    "/notebook/posts/..%2f..%2fsite.toml",
    "/notebook/%252e%252e/site.toml",
    "/notebook/..\\site.toml",
    "/../site.toml",
    "/notebook//etc/passwd",
    "/notebook/%00",
]


def test_path_traversal_never_escapes_the_output_folder(served: Served) -> None:
    for path in TRAVERSALS:
        status, _, body = raw(served, path)
        assert status in (400, 403, 404), (path, status)
        assert b"base_url" not in body and b"TOP SECRET" not in body and b"root:" not in body


def test_symlinks_out_of_the_output_folder_are_refused(served: Served, tmp_path: Path) -> None:
    output = served.folder
    (output / "leak.txt").symlink_to(tmp_path / "site/secret.txt")
    (output / "leakdir").symlink_to(tmp_path / "site")
    (output / "404.html").unlink()
    (output / "404.html").symlink_to(tmp_path / "site/secret.txt")  # the page every miss would show
    for path in ("/notebook/leak.txt", "/notebook/leakdir/site.toml", "/notebook/leakdir/", "/notebook/missing/"):
        status, _, body = raw(served, path)
        assert status in (403, 404), path
        assert b"TOP SECRET" not in body and b"base_url" not in body


def test_other_methods_are_refused(served: Served) -> None:
    assert raw(served, "/notebook/", "POST")[0] == 501
    assert raw(served, "/notebook/", "DELETE")[0] == 501


def test_two_hundred_rapid_saves_end_in_one_consistent_page(served: Served, tmp_path: Path) -> None:
    post = tmp_path / "site/content/posts/first.md"
    text = post.read_text(encoding="utf-8")
    builds_before = served.status()["builds"]
    for number in range(200):
        tmp = post.with_name(".first.md.tmp")
        tmp.write_text(text.replace("Gradient of", f"Version {number} of"), encoding="utf-8")
        os.replace(tmp, post)
    page = served.wait_for(
        lambda: (html := served.get("posts/first/")) and "Version 199 of" in html and html, what="the last save"
    )
    assert "Version 198 of" not in page
    served.wait_for(lambda: served.status()["builds"] > builds_before, what="the build to be announced")
    builds = served.status()["builds"] - builds_before
    # Debounced: far fewer rebuilds than saves (generous, for a loaded 2-core CI machine).
    assert 1 <= builds <= 50, f"{builds} rebuilds for 200 saves"
    assert served.status()["errors"] == []


def test_a_save_during_a_rebuild_is_not_lost(served: Served, tmp_path: Path) -> None:
    """Two saves far enough apart to land in separate rebuilds: the page ends with the second."""
    post = tmp_path / "site/content/posts/second.md"
    edit(post, "x = 1", "x = 41")
    served.wait_for(lambda: "41" in served.get("posts/second/"), what="first edit")
    edit(post, "x = 41", "x = 42")
    served.wait_for(lambda: "42" in served.get("posts/second/"), what="second edit")


def test_ctrl_c_stops_cleanly(make_site: Callable[..., Path]) -> None:
    server = Served(make_site())
    folder = server.folder
    assert folder.is_dir()
    events = urllib.request.urlopen(server.origin + "/__site_gen/events", timeout=5)  # an open page's stream
    assert server.stop() == 0
    events.close()
    assert "Stopping" in server.output and "Traceback" not in server.output
    assert not folder.exists()  # the temporary preview folder is removed
    with pytest.raises(urllib.error.URLError):
        urllib.request.urlopen(server.url, timeout=2)


def test_a_busy_port_is_an_error_not_a_traceback(served: Served) -> None:
    port = served.origin.rsplit(":", 1)[1]
    result = subprocess.run(
        [sys.executable, "-m", "site_gen", "serve", "--root", str(served.folder), "--port", port],
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert result.returncode == 1
    assert "cannot listen on 127.0.0.1:" in result.stderr and "Traceback" not in result.stderr


def test_write_puts_the_preview_in_public(make_site: Callable[..., Path]) -> None:
    root = make_site()
    server = Served(root, "--write")
    try:
        assert server.folder == root / "public"
        assert "First steps" in server.get("posts/first/")
        assert b"site-gen-livereload" not in (root / "public/posts/first/index.html").read_bytes()
    finally:
        assert server.stop() == 0
    assert (root / "public/posts/first/index.html").is_file()  # kept after stopping


def send(origin: str, request: bytes, timeout: float = 10) -> bytes:
    """Bytes sent exactly as given (http.client refuses to send most of these); the whole answer."""
    host, port = origin.removeprefix("http://").rsplit(":", 1)
    with socket.create_connection((host.strip("[]"), int(port)), timeout=timeout) as connection:
        connection.sendall(request)
        answer = b""
        while chunk := connection.recv(65536):
            answer += chunk
    return answer


def status_of(answer: bytes) -> int:
    """The status; for a request http.server took as HTTP/0.9, the code that starts the bare body."""
    if answer.startswith(b"HTTP/"):
        return int(answer.split(b" ", 2)[1])
    return int(answer[:3]) if answer[:3].isdigit() else 0


def get_with_host(server: Served, host: str, path: str = "/notebook/") -> bytes:
    return send(server.origin, f"GET {path} HTTP/1.1\r\nHost: {host}\r\n\r\n".encode())


def test_only_requests_for_this_host_are_answered(served: Served) -> None:
    """DNS rebinding: a page on evil.example, re-pointed at 127.0.0.1, sends its own name as Host."""
    port = served.origin.rsplit(":", 1)[1]
    for host in (f"127.0.0.1:{port}", f"localhost:{port}", f"LOCALHOST:{port}", f"127.0.0.2:{port}", f"[::1]:{port}"):
        answer = get_with_host(served, host)
        assert status_of(answer) == 200 and b"site-gen-livereload" in answer, host
    refused = [
        f"evil.example:{port}",
        f"localhost.evil.example:{port}",
        f"127.0.0.1.nip.io:{port}",
        f"attacker@127.0.0.1:{port}",
        f"127.0.0.1:{port}/x",
        "127.0.0.1",  # no port: port 80
        "127.0.0.1:1",
        f"0.0.0.0:{port}",
        f"2130706433:{port}",
        "",
    ]
    for host in refused:
        for path in ("/notebook/", "/notebook/posts/first/", "/__site_gen/status", "/__site_gen/events"):
            answer = get_with_host(served, host, path)
            assert status_of(answer) == 421, (host, path, answer[:100])
            assert b"First steps" not in answer and b"generation" not in answer and b"event:" not in answer
    no_host = send(served.origin, b"GET /notebook/ HTTP/1.0\r\n\r\n")
    two_hosts = send(served.origin, f"GET /notebook/ HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nHost: evil\r\n\r\n".encode())
    assert status_of(no_host) == status_of(two_hosts) == 421
    assert "Traceback" not in served.output


def bad_requests(port: str) -> list[tuple[bytes, set[int]]]:
    host = f"Host: 127.0.0.1:{port}\r\n\r\n".encode()
    return [
        (b"GET /notebook/" + b"a" * 10_000 + b" HTTP/1.1\r\n" + host, {414}),
        (b"GET /notebook/" + b"a/" * 5_000 + b" HTTP/1.1\r\n" + host, {414}),
        (b"GET /notebook/" + b"a" * 300 + b" HTTP/1.1\r\n" + host, {404}),  # a name too long for the disk
        (b"GET /notebook/" + b"a" * 70_000 + b" HTTP/1.1\r\n" + host, {414}),  # http.server's own limit
        (b"GET /notebook/%zz HTTP/1.1\r\n" + host, {400}),
        (b"GET /notebook/%e2%82 HTTP/1.1\r\n" + host, {400}),
        (b"GET /notebook/%ff%fe HTTP/1.1\r\n" + host, {400}),
        (b"GET /notebook/% HTTP/1.1\r\n" + host, {400}),
        (b"GET /notebook/%00 HTTP/1.1\r\n" + host, {400}),
        (b"GET /notebook/%0a HTTP/1.1\r\n" + host, {400}),
        (b"GET /notebook/\x00x HTTP/1.1\r\n" + host, {400}),
        (b"GET /notebook/\xff\xfe HTTP/1.1\r\n" + host, {400}),
        (b"GET notebook/ HTTP/1.1\r\n" + host, {400}),
        (b"GET * HTTP/1.1\r\n" + host, {400}),
        (b"GET http://127.0.0.1/notebook/ HTTP/1.1\r\n" + host, {400}),
        (b"GET /notebook/ HTTP/9.9\r\n" + host, {505}),
        (b"GET /notebook/ FOO/1.1\r\n" + host, {400}),
        (b"GET\r\n" + host, {400}),  # HTTP/0.9: the answer has no status line
        (b"\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03" + b"\x00" * 40 + b"\r\n\r\n", {400}),  # TLS
        (b"GET /notebook/ HTTP/1.1\r\nX: " + b"y" * 70_000 + b"\r\n" + host, {431, 400}),
        (b"GET /notebook/ HTTP/1.1\r\n" + b"X: y\r\n" * 200 + host, {431}),
        (b"BREW /notebook/ HTTP/1.1\r\n" + host, {501}),
        (b"\r\n\r\n", {0}),  # an empty request line: http.server just hangs up
    ]


def test_bad_requests_get_4xx_and_no_traceback(served: Served) -> None:
    port = served.origin.rsplit(":", 1)[1]
    for request, statuses in bad_requests(port):
        answer = send(served.origin, request)
        assert status_of(answer) in statuses, (request[:60], answer[:120])
        assert b"Traceback" not in answer and (status_of(answer) == 404 or len(answer) < 1000), request[:60]
    assert b"First steps" in get_with_host(served, f"127.0.0.1:{port}", "/notebook/posts/first/")  # still serving
    assert "Traceback" not in served.output and "Exception" not in served.output, served.output


def test_a_client_that_hangs_up_early_leaves_no_traceback(served: Served) -> None:
    port = served.origin.rsplit(":", 1)[1]
    host, _ = served.origin.removeprefix("http://").rsplit(":", 1)
    for _ in range(20):
        with socket.create_connection((host, int(port)), timeout=5) as connection:
            connection.sendall(f"GET /notebook/posts/first/ HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n\r\n".encode())
            connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, b"\x01\x00\x00\x00\x00\x00\x00\x00")
    assert b"First steps" in get_with_host(served, f"127.0.0.1:{port}", "/notebook/posts/first/")
    time.sleep(0.5)
    assert "Traceback" not in served.output, served.output


def test_port_out_of_range_is_a_clear_error(tmp_path: Path) -> None:
    for port in ("99999", "-1", "65536", "http"):
        result = subprocess.run(
            [sys.executable, "-m", "site_gen", "serve", "--root", str(tmp_path), "--port", port],
            capture_output=True,
            text=True,
            timeout=30,
        )
        assert "Traceback" not in result.stderr and "internal error" not in result.stderr, (port, result.stderr)
        if port == "http":  # not a number: argparse says so
            assert result.returncode == 2 and "invalid int value: 'http'" in result.stderr
        else:
            assert result.returncode == 1 and f"port must be 0–65535, not {port}" in result.stderr, result.stderr


@pytest.fixture
def in_process(tmp_path: Path) -> Iterator[PreviewServer]:
    """A PreviewServer in this process with a short request timeout."""
    folder = tmp_path / "out"
    folder.mkdir()
    (folder / "index.html").write_text("<html><body>home</body></html>", encoding="utf-8")
    server = PreviewServer(("127.0.0.1", 0), folder, Events(), request_timeout=1.0)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.events.close()
    server.shutdown()
    server.server_close()


def origin_of(server: PreviewServer) -> str:
    return f"http://127.0.0.1:{server.server_address[1]}"


def handler_threads() -> int:
    return sum("process_request_thread" in thread.name for thread in threading.enumerate())


def wait_until(predicate: Callable[[], bool], timeout: float = 30) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.05)
    return predicate()


def hung_up(connection: socket.socket) -> bool:
    """Did the server close this connection? (A reset, when our bytes crossed its close.)"""
    try:
        return connection.recv(100) == b""
    except ConnectionResetError:
        return True


def test_half_sent_requests_time_out(in_process: PreviewServer) -> None:
    """50 stalled requests and one that trickles in a byte at a time: none holds a thread for long."""
    port = in_process.server_address[1]
    stalled = []
    for number in range(50):
        connection = socket.create_connection(("127.0.0.1", port), timeout=30)
        connection.sendall(b"GET /index.html HTTP/1.1\r\nHost: 127" if number % 2 else b"")
        stalled.append(connection)
    drip = socket.create_connection(("127.0.0.1", port), timeout=30)
    stop = threading.Event()

    def trickle() -> None:
        with_headers = b"GET / HTTP/1.1\r\n" + b"X: y\r\n" * 1000
        for byte in with_headers:
            if stop.is_set():
                return
            try:
                drip.sendall(bytes([byte]))
            except OSError:
                return  # the server hung up: what we want
            time.sleep(0.05)

    threading.Thread(target=trickle, daemon=True).start()
    try:
        # While they wait, others are served.
        assert b"home" in send(origin_of(in_process), f"GET / HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n\r\n".encode())
        for connection in stalled:
            assert hung_up(connection)  # within the 1 s request timeout (the client's 30 s would raise)
        assert hung_up(drip)
        assert wait_until(lambda: handler_threads() == 0), f"{handler_threads()} handler threads left"
    finally:
        stop.set()
        for connection in [*stalled, drip]:
            connection.close()


def test_a_flood_of_connections_is_capped(tmp_path: Path) -> None:
    folder = tmp_path / "out"
    folder.mkdir()
    (folder / "index.html").write_text("<p>home</p>", encoding="utf-8")
    server = PreviewServer(("127.0.0.1", 0), folder, Events(), request_timeout=3.0, max_connections=5)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    port = server.server_address[1]
    request = f"GET / HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n\r\n".encode()
    try:
        held = [socket.create_connection(("127.0.0.1", port), timeout=30) for _ in range(5)]
        assert wait_until(lambda: handler_threads() == 5)
        extra = socket.create_connection(("127.0.0.1", port), timeout=30)
        assert extra.recv(100) == b"" and handler_threads() == 5  # closed at once, no thread for it
        extra.close()
        for connection in held:
            connection.close()  # the server sees the end of its request and hangs up
        assert wait_until(lambda: handler_threads() == 0)
        assert b"home" in send(f"http://127.0.0.1:{port}", request)  # room again
    finally:
        server.shutdown()
        server.server_close()


def test_the_event_stream_outlives_the_request_timeout(in_process: PreviewServer) -> None:
    port = in_process.server_address[1]
    with socket.create_connection(("127.0.0.1", port), timeout=30) as connection:
        connection.sendall(f"GET /__site_gen/events HTTP/1.1\r\nHost: localhost:{port}\r\n\r\n".encode())
        received = b""
        while b"event: build" not in received:  # what a page that connects late has missed
            received += connection.recv(4096)
        time.sleep(2.5)  # well past the 1 s request timeout
        in_process.events.publish(ok=True, changed=("/posts/x/index.html",))
        while b"/posts/x/index.html" not in received:
            chunk = connection.recv(4096)
            assert chunk, "the event stream was closed"
            received += chunk


def test_a_build_event_carries_the_page_that_listens_when_it_changed(in_process: PreviewServer) -> None:
    """The open page is sent its new HTML with the event (no fetch); other pages' events,
    and pages outside the folder, carry none."""
    port = in_process.server_address[1]
    post = in_process.folder / "posts/x/index.html"
    post.parent.mkdir(parents=True)
    post.write_text("<html><body>new</body></html>", encoding="utf-8")

    def event_for(page: str, changed: str) -> dict[str, Any]:
        """What a page at ``page`` hears of the next build, which changed ``changed``."""
        token = f"{in_process.events.instance}.{in_process.events.generation}"
        request = f"GET /__site_gen/events?since={token}&page={page} HTTP/1.1\r\nHost: localhost:{port}\r\n\r\n"
        with socket.create_connection(("127.0.0.1", port), timeout=30) as connection:
            connection.sendall(request.encode())
            received = b""
            while b"keep-alive" not in received:  # connected, nothing missed
                received += connection.recv(4096)
            in_process.events.publish(ok=True, changed=(changed,))
            while b"event: build" not in received or not received.endswith(b"\n\n"):
                chunk = connection.recv(65536)
                assert chunk, "the event stream was closed"
                received += chunk
        (data,) = [line[6:] for line in received.split(b"\n") if line.startswith(b"data: ")]
        event: dict[str, Any] = json.loads(data)
        assert event["changed"] == [changed]
        return event

    shown = event_for("/posts/x/", "/posts/x/index.html")
    assert shown["page"] == "<html><body>new</body></html>"  # as on disk: no live-reload script in it
    assert "page" not in event_for("/posts/x/", "/posts/y/index.html")
    assert "page" in event_for("/posts/x/index.html", "/posts/x/index.html")
    for outside in ("/../out/posts/x/", "/%2e%2e/etc/passwd", "relative", "/posts/x/%00", "/posts/"):
        assert "page" not in event_for(outside, "/posts/x/index.html"), outside


def test_a_bug_while_answering_is_a_500_and_one_line(
    in_process: PreviewServer, monkeypatch: pytest.MonkeyPatch, capfd: pytest.CaptureFixture[str]
) -> None:
    def broken(self: PreviewHandler, *, body: bool) -> None:
        raise RuntimeError("a bug")

    monkeypatch.setattr(PreviewHandler, "_respond", broken)
    port = in_process.server_address[1]
    answer = send(origin_of(in_process), f"GET / HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n\r\n".encode())
    assert status_of(answer) == 500
    err = capfd.readouterr().err
    assert "internal error" in err and "a bug" in err and "Traceback" not in err
    assert len(err.strip().splitlines()) == 1


SLOW_CELL = """
---
title: Slow
date: 2026-01-20
---
```{python}
import pathlib, time
pathlib.Path(MARKER).write_text("started")
time.sleep(SECONDS)
```
"""


def test_ctrl_c_during_a_rebuild_stops_it(make_site: Callable[..., Path], tmp_path: Path) -> None:
    """A cell that would run for a minute: Ctrl-C interrupts it, and nothing writes into the folder afterwards."""
    marker = tmp_path / "cell-started"
    source = SLOW_CELL.replace("MARKER", repr(str(marker)))
    root = make_site({"content/posts/slow.md": source.replace("SECONDS", "0")})
    server = Served(root)
    folder = server.folder
    marker.unlink()
    edit(root / "content/posts/slow.md", "time.sleep(0)", "time.sleep(60)")
    server.wait_for(marker.exists, timeout=60, what="the slow cell to start")
    started = time.monotonic()
    assert server.stop() == 0, server.output
    assert time.monotonic() - started < 10, "Ctrl-C waited for the cell"
    assert "Traceback" not in server.output and "Stopping" in server.output
    time.sleep(1)  # a rebuild still running would write into the folder now
    assert not folder.exists()
    assert not list(folder.parent.glob(f".{folder.name}.staging-*"))


def test_host_allowed_on_a_network_address() -> None:
    """``--host 0.0.0.0``: the address the browser connected to is allowed, other names are not."""
    names = {"localhost", "0.0.0.0"}
    on_lan = ("192.0.2.2", 8000)
    assert host_allowed("192.0.2.2:8000", names, on_lan)
    assert host_allowed("localhost:8000", names, on_lan)
    assert not host_allowed("192.0.2.3:8000", names, on_lan)
    assert not host_allowed("192.0.2.2:8001", names, on_lan)
    assert not host_allowed("notebook.example:8000", names, on_lan)
    assert host_allowed("mybox.local:8000", {"localhost", "mybox.local"}, on_lan)  # --host mybox.local
    assert host_allowed("[fd00::2]:8000", names, ("fd00::2", 8000))
    assert host_allowed("[fe80::1]:8000", names, ("fe80::1%eth0", 8000))
    assert host_allowed("example.test", {"example.test"}, ("127.0.0.1", 80))  # no port: 80
    assert not host_allowed(None, names, on_lan) and not host_allowed("", names, on_lan)


def test_a_garbage_event_token_makes_the_page_reload(in_process: PreviewServer) -> None:
    port = in_process.server_address[1]
    for token in ("x.%C2%B2", "x." + "9" * 4000, f"{in_process.events.instance}." + "9" * 4000):
        request = f"GET /__site_gen/events?since={token} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n\r\n".encode()
        with socket.create_connection(("127.0.0.1", port), timeout=30) as connection:
            connection.sendall(request)
            received = b""
            while b"\n\n" not in received.partition(b"\r\n\r\n")[2]:
                chunk = connection.recv(4096)
                assert chunk, received
                received += chunk
        assert received.startswith(b"HTTP/1.0 200") and b'"reload": true' in received, received[:300]
