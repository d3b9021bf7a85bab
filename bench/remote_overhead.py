"""What running cells on a remote kernel costs, next to running them here.

    python3 bench/remote_overhead.py                  # 25 cells, 4 posts, 3 rounds
    python3 bench/remote_overhead.py --cells 41 --rounds 5

Starts `jupyter kernelgateway` on 127.0.0.1 (a free port, a token), as the
tests do, and runs the same posts through site_gen's execute stage twice:
here, and on the gateway (``execute: {remote: true}``), the cache off.

- Per cell: one post of small cells (``x = sum(range(1000))``). A cell's time
  is from its start to the next cell's start (the progress callback fires as
  each starts), so kernel start-up and shut-down are left out; the median over
  every cell but the last.
- 4 posts at once: the wall time of the whole stage for 4 such posts, local
  kernels (``jobs = 4``) against remote ones (``[execute.remote] jobs = 4``),
  start-up and shut-down included; the median over the rounds.

The gateway runs on this machine, so "remote" here is the protocol's cost (REST,
the websocket, the gateway's proxying, the hidden set-up cells), not a
network's: add the round trip to the real GPU box once per cell.
"""

from __future__ import annotations

import argparse
import itertools
import json
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from site_gen.cells.execute import ExecuteSettings, Progress, execute_posts  # noqa: E402
from site_gen.config import RemoteConfig, load_config  # noqa: E402
from site_gen.discovery import discover  # noqa: E402

TOKEN = "bench-token-loopback-only"


@contextmanager
def gateway(folder: Path) -> Iterator[str]:
    """A Kernel Gateway on a free loopback port; yields its URL, and stops it after."""
    command = shutil.which("jupyter-kernelgateway", path=str(Path(sys.executable).parent))
    command = command or shutil.which("jupyter-kernelgateway")
    if command is None:
        sys.exit("jupyter-kernel-gateway is not installed (pip install jupyter-kernel-gateway)")
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    env = {name: value for name, value in os.environ.items() if name != "MPLBACKEND"}
    process = subprocess.Popen(
        [command, "--KernelGatewayApp.ip=127.0.0.1", f"--KernelGatewayApp.port={port}",
         f"--KernelGatewayApp.auth_token={TOKEN}"],
        cwd=folder, env=env, stdout=subprocess.DEVNULL, stderr=(folder / "gateway.log").open("wb"),
    )  # fmt: skip
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                request = urllib.request.Request(url + "/api", headers={"Authorization": f"token {TOKEN}"})
                urllib.request.urlopen(request, timeout=5).close()
                break
            except (urllib.error.URLError, ConnectionError):
                if process.poll() is not None or time.monotonic() > deadline:
                    sys.exit(f"the gateway did not start: {(folder / 'gateway.log').read_text()[-1000:]}")
                time.sleep(0.2)
        yield url
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()


def make_site(root: Path, posts: int, cells: int, remote: bool) -> None:
    front = "execute: {remote: true}\n" if remote else ""
    (root / "content/posts").mkdir(parents=True)
    (root / "site.toml").write_text('title = "Bench"\nbase_url = "https://example.org/"\n', encoding="utf-8")
    for p in range(posts):
        # Each cell's code differs (a key of its own), so nothing is shared between cells or posts.
        body = "".join(f"```{{python}}\nx = sum(range(1000)) + {p * 1000 + c}\n```\n\n" for c in range(cells))
        text = f"---\ntitle: Post {p}\ndate: 2026-01-01\n{front}---\n{body}"
        (root / f"content/posts/p{p}.md").write_text(text, encoding="utf-8")


def execute(root: Path, remote: RemoteConfig | None, jobs: int) -> tuple[float, dict[Path, list[float]]]:
    """The execute stage on every post, cache off: its wall time, and when each cell started, per post."""
    config = load_config(root)
    posts, errors = discover(config)
    assert not errors, errors
    starts: dict[Path, list[float]] = {}

    def progress(event: Progress) -> None:
        starts.setdefault(event.post, []).append(time.perf_counter())

    settings = ExecuteSettings(rerun=True, jobs=jobs, progress=progress, remote=remote)
    started = time.perf_counter()
    report = execute_posts(posts, site_root=config.root, settings=settings)
    wall = time.perf_counter() - started
    assert not report.errors, report.errors
    assert report.kernels_started == len(posts)
    return wall, starts


def per_cell(starts: dict[Path, list[float]]) -> list[float]:
    return [b - a for times in starts.values() for a, b in itertools.pairwise(times)]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--cells", type=int, default=25, help="cells in the per-cell post (median over cells-1)")
    parser.add_argument("--posts", type=int, default=4, help="posts run at once")
    parser.add_argument("--post-cells", type=int, default=5, help="cells in each of those posts")
    parser.add_argument("--rounds", type=int, default=3, help="rounds of each measurement")
    args = parser.parse_args()
    os.environ["SITE_GEN_REMOTE_TOKEN"] = TOKEN

    with tempfile.TemporaryDirectory(prefix="site-gen-remote-bench-") as scratch, gateway(Path(scratch)) as url:
        remote = RemoteConfig(url=url, host="bench-gateway", jobs=args.posts)
        sites = {}
        for name, is_remote, posts, cells in (
            ("cell-local", False, 1, args.cells),
            ("cell-remote", True, 1, args.cells),
            ("par-local", False, args.posts, args.post_cells),
            ("par-remote", True, args.posts, args.post_cells),
        ):
            sites[name] = Path(scratch) / name
            make_site(sites[name], posts, cells, is_remote)

        cell_times: dict[str, list[float]] = {"local": [], "remote": []}
        walls: dict[str, list[float]] = {"local": [], "remote": []}
        singles: dict[str, list[float]] = {"local": [], "remote": []}
        execute(sites["cell-remote"], remote, 1)  # warm-up: imports, the gateway's first kernel
        execute(sites["cell-local"], None, 1)
        for _ in range(args.rounds):  # interleaved, so a busy moment of the machine hits both
            for where, is_remote in (("local", False), ("remote", True)):
                wall, starts = execute(sites[f"cell-{where}"], remote if is_remote else None, 1)
                cell_times[where] += per_cell(starts)
                singles[where].append(wall)
                wall, _ = execute(sites[f"par-{where}"], remote if is_remote else None, args.posts)
                walls[where].append(wall)

    ms = 1000.0
    local_cell, remote_cell = statistics.median(cell_times["local"]), statistics.median(cell_times["remote"])
    local_wall, remote_wall = statistics.median(walls["local"]), statistics.median(walls["remote"])
    local_one, remote_one = statistics.median(singles["local"]), statistics.median(singles["remote"])
    n = len(cell_times["local"])
    print(f"site_gen remote overhead: a Kernel Gateway on 127.0.0.1, {os.cpu_count()} CPUs, {args.rounds} rounds")
    print()
    print(f"| {'measurement':<52} | {'local':>10} | {'remote':>10} | {'remote − local':>14} |")
    print(f"|{'-' * 54}|{'-' * 12}|{'-' * 12}|{'-' * 16}|")
    rows = [
        (f"per cell, median of {n} cells (ms)", local_cell * ms, remote_cell * ms),
        (f"per cell, 90th percentile of {n} cells (ms)", _p90(cell_times["local"]) * ms,
         _p90(cell_times["remote"]) * ms),
        (f"one post of {args.cells} cells, wall incl. kernel start (s)", local_one, remote_one),
        (f"{args.posts} posts × {args.post_cells} cells at once, jobs {args.posts}, wall (s)", local_wall, remote_wall),
    ]  # fmt: skip
    for label, here, there in rows:
        print(f"| {label:<52} | {here:>10.2f} | {there:>10.2f} | {there - here:>+14.2f} |")
    print()
    print(json.dumps({"per_cell_ms": [round(local_cell * ms, 3), round(remote_cell * ms, 3)],
                      "parallel_s": [round(local_wall, 3), round(remote_wall, 3)]}))  # fmt: skip


def _p90(values: list[float]) -> float:
    return statistics.quantiles(values, n=10)[-1]


if __name__ == "__main__":
    main()
