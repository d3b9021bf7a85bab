"""What site search costs: the Pagefind step against the whole cold build, and the index's size.

    .venv/bin/python bench/search_cost.py --sizes 300 1000 --rounds 3

For each size it writes the synthetic corpus of ``bench/corpus.py``, then
alternates cold builds with ``search = true`` and ``search = false`` (same
corpus, same run), and times the indexer alone on the finished output. It
prints medians: cold build with and without search, the indexer's own time,
its share of the cold build (the issue's budget: under 10%), and the index's
size on disk (what a visitor downloads is only the fragments a query needs).
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from corpus import make_post, write_site_gen

from site_gen import search


def cold_build(root: Path) -> float:
    shutil.rmtree(root / "public", ignore_errors=True)
    shutil.rmtree(root / ".cache", ignore_errors=True)
    # As a user's Python runs it, with __pycache__ (see bench/run.py's timed()).
    env = {name: value for name, value in os.environ.items() if name != "PYTHONDONTWRITEBYTECODE"}
    started = time.perf_counter()
    command = [sys.executable, "-m", "site_gen", "build", "--root", str(root)]
    subprocess.run(command, check=True, capture_output=True, env=env)
    return time.perf_counter() - started


def set_search(root: Path, on: bool) -> None:
    toml = root / "site.toml"
    lines = [line for line in toml.read_text().splitlines() if not line.startswith("search =")]
    toml.write_text(f"search = {'true' if on else 'false'}\n" + "\n".join(lines) + "\n")


def index_alone(public: Path) -> float:
    """The sharded index of the finished site made again, every shard afresh, as a cold build makes it
    (there it overlaps the layout stage; here it runs alone)."""
    with tempfile.TemporaryDirectory() as scratch:
        started = time.perf_counter()
        shards = search.deal(search.indexed_pages(public))
        search.index_shards(public, Path(scratch), shards, language="en", keep=lambda folder, pages: False)
        return time.perf_counter() - started


def size_of(folder: Path) -> int:
    return sum(p.stat().st_size for p in folder.rglob("*") if p.is_file())


def bench(n: int, rounds: int, work: Path) -> dict[str, float]:
    root = work / f"site-{n}"
    write_site_gen(root, [make_post(i) for i in range(n)])
    with_search, without, indexer = [], [], []
    for _ in range(rounds):
        set_search(root, True)
        with_search.append(cold_build(root))
        indexer.append(index_alone(root / "public"))
        index_bytes = size_of(root / "public" / search.INDEX_DIR)
        set_search(root, False)
        without.append(cold_build(root))
    cold = statistics.median(with_search)
    return {
        "posts": n,
        "cold_with_search_s": cold,
        "cold_without_search_s": statistics.median(without),
        "indexer_s": statistics.median(indexer),
        "share_of_cold_build": statistics.median(indexer) / cold,
        "index_mib": index_bytes / 2**20,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", type=int, nargs="+", default=[300, 1000])
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="site-gen-search-bench-") as scratch:
        print("| posts | cold, search on | cold, search off | indexer alone | share of cold | index size |")
        print("|---|---|---|---|---|---|")
        for n in args.sizes:
            r = bench(n, args.rounds, Path(scratch))
            print(
                f"| {r['posts']:.0f} | {r['cold_with_search_s']:.2f} s | {r['cold_without_search_s']:.2f} s | "
                f"{r['indexer_s']:.2f} s | {100 * r['share_of_cold_build']:.1f}% | {r['index_mib']:.1f} MiB |",
                flush=True,
            )


if __name__ == "__main__":
    main()
