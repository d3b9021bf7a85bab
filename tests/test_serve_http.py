"""The preview server over plain HTTP: what it serves, what it refuses, and how it stops."""

from __future__ import annotations

import http.client
import os
import subprocess
import sys
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

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
        assert status in (403, 404), (path, status)
        assert b"base_url" not in body and b"TOP SECRET" not in body and b"root:" not in body


def test_symlinks_out_of_the_output_folder_are_refused(served: Served, tmp_path: Path) -> None:
    output = served.folder
    (output / "leak.txt").symlink_to(tmp_path / "site/secret.txt")
    (output / "leakdir").symlink_to(tmp_path / "site")
    for path in ("/notebook/leak.txt", "/notebook/leakdir/site.toml", "/notebook/leakdir/"):
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
