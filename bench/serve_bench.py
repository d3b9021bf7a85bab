"""Serve benchmark: from saving a post to the browser showing it, on a 1000-post site.

    python3 bench/serve_bench.py                # 1000 posts, 20 edits
    python3 bench/serve_bench.py --posts 200 --edits 10

Generates the build benchmark's corpus (math, code, tables; bench/corpus.py),
starts ``site-gen serve`` on it, opens one post in headless Chromium (Debian's
/usr/bin/chromium through Playwright) and, 20 times: appends a sentence with a
fresh marker to the post's Markdown and waits for the reloaded page to contain
it. The time is measured in the page (the clock of this machine, shared by
both processes) minus the moment the file was saved: the moment the new text is
in the document, which is ``DOMContentLoaded`` of the reloaded page, or
site_gen's ``site-gen:swapped`` event when the preview swapped the new page into
the open one (``site_gen/serve/reload.py``). How many edits were swapped and how
many reloaded is printed too. Also printed: the server's own rebuild times, and with
``--hugo`` the same measurement for ``hugo server`` (bench/.venv, from
``bench/run.py``) on the same corpus rendered by Hugo.
"""

from __future__ import annotations

import argparse
import re
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(Path(__file__).parent))
from corpus import edit_one, make_post, write_hugo, write_site_gen  # noqa: E402

from tests.serve_support import CHROMIUM, CHROMIUM_ARGS, Served  # noqa: E402

# Runs in every page before its own scripts: note when the document was parsed, or swapped in.
SHOWN_AT = """
const now = () => performance.timeOrigin + performance.now();
addEventListener('DOMContentLoaded', () => { window.shownAt = now(); window.shownBy = 'reload' });
document.addEventListener('site-gen:swapped', () => { window.shownAt = now(); window.shownBy = 'swap' });
"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--posts", type=int, default=1000)
    parser.add_argument("--edits", type=int, default=20)
    parser.add_argument("--hugo", action="store_true", help="also `hugo server` on the same corpus (bench/.venv)")
    parser.add_argument(
        "--no-search",
        action="store_true",
        help="`search = false`: no Pagefind index re-built in the background after each save (it competes for CPU)",
    )
    args = parser.parse_args()
    posts = [make_post(i) for i in range(args.posts)]
    slug = posts[args.posts // 2].slug

    with tempfile.TemporaryDirectory(prefix="site-gen-serve-bench-") as scratch:
        root = Path(scratch) / "site"
        write_site_gen(root, posts)
        if args.no_search:
            with (root / "site.toml").open("a", encoding="utf-8") as toml:
                toml.write("search = false\n")
        started = time.perf_counter()
        server = Served(root, timeout=600)
        name = "site_gen (no search)" if args.no_search else "site_gen"
        print(f"{name}, {args.posts} posts: first build and start in {time.perf_counter() - started:.1f}s")
        try:
            wait_live = "#site-gen-livereload[data-state=open]"
            result = measure(server.url + f"posts/{slug}/", root / f"content/posts/{slug}.md", args.edits, wait_live)
        finally:
            server.stop()
        report("site-gen serve", *result)
        rebuilds = [float(ms) for ms in re.findall(r"Rebuilt in (\d+) ms", server.output)[1:]]
        print(f"  server rebuilds: median {statistics.median(rebuilds):.0f} ms over {len(rebuilds)}")

        if args.hugo:
            hugo_root = Path(scratch) / "hugo"
            write_hugo(hugo_root, posts)
            port = free_port()
            hugo = next((REPO / "bench/.venv").glob("lib/python*/site-packages/hugo/binaries/hugo"))
            command = [
                str(hugo),
                "server",
                "--bind",
                "127.0.0.1",
                "--port",
                str(port),
                "--baseURL",
                f"http://127.0.0.1:{port}/",
            ]
            process = subprocess.Popen(command, cwd=hugo_root, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            try:
                url = f"http://127.0.0.1:{port}/posts/{slug}/"
                wait_until_up(url)
                result = measure(url, hugo_root / f"content/posts/{slug}.md", args.edits, 'script[src*="livereload"]')
            finally:
                process.terminate()
                process.wait()
            report(f"hugo server ({hugo_version(hugo)})", *result)


def measure(url: str, markdown: Path, edits: int, live_selector: str) -> tuple[list[float], list[float]]:
    """Per edit: save → the page showing it (ms); and for edits shown by a reload, save → its navigation start."""
    from playwright.sync_api import sync_playwright

    latencies: list[float] = []
    navigations: list[float] = []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        page = browser.new_page()
        page.add_init_script(SHOWN_AT)
        page.goto(url)
        for number in range(edits):
            page.locator(live_selector).first.wait_for(state="attached")
            page.wait_for_timeout(500)  # let the page's live-reload connection settle (Hugo: a deferred script)
            marker = f"bench-marker-{number}"
            saved_at = time.time() * 1000
            edit_one(markdown, marker)
            page.wait_for_function(f"document.body.innerText.includes('{marker}')", timeout=30_000)
            latencies.append(page.evaluate("window.shownAt") - saved_at)
            if page.evaluate("window.shownBy") == "reload":
                navigations.append(page.evaluate("performance.timeOrigin") - saved_at)
        browser.close()
    return latencies, navigations


def report(name: str, latencies: list[float], navigations: list[float]) -> None:
    print(f"{name}: save → page showing the new text, over {len(latencies)} edits:")
    print(f"  median {statistics.median(latencies):.0f} ms, min {min(latencies):.0f} ms, max {max(latencies):.0f} ms")
    swapped = len(latencies) - len(navigations)
    print(f"  {swapped} swapped into the open page, {len(navigations)} reloaded")
    if navigations:
        print(f"  reloads: save → reload starts: median {statistics.median(navigations):.0f} ms (the rest: page load)")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def wait_until_up(url: str, timeout: float = 600) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=5):
                return
        except OSError:
            time.sleep(0.2)
    raise SystemExit(f"{url} did not come up")


def hugo_version(hugo: Path) -> str:
    return subprocess.run([str(hugo), "version"], capture_output=True, text=True).stdout.split()[1].split("-")[0]


if __name__ == "__main__":
    main()
