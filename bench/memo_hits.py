"""How often the per-process memo of MathML and highlighted code serves a real post (issue 16).

    .venv/bin/python bench/memo_hits.py             # hit rates, then 5 timed rounds
    .venv/bin/python bench/memo_hits.py --rounds 0  # hit rates only

Every real post of ``../shared/corpus/posts`` that builds is rendered once, in one process,
by the Markdown renderer a build uses, with the macros their sites define
(``bench/corpus.py``'s ``REAL_MACROS``). The posts are rendered as they are,
not perturbed as ``write_real`` makes its copies: a formula repeated between two
distinct posts is exactly what the memo is for. Posts that do not build (their
error is printed) are left out: a first, unmeasured pass finds them and loads
every module and lexer; the memos are emptied before the measured pass.

Counts come from the memos' own statistics: a *hit* is a formula (or a code
block) whose text, display mode, macros and equation numbers, or whose code,
language and fence options, were already converted earlier in the run.

Timing: each round renders the posts once in a fresh process with the memo
and once in a fresh process without it (the memos replaced by the functions
they wrap), in alternating order; a first pass over distinct posts, as a cold
build does it. Medians and min-max are printed.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from corpus import REAL_MACROS, REAL_POSTS, _split_real

from site_gen import highlight as sg_highlight
from site_gen import math as sg_math
from site_gen.errors import ContentError
from site_gen.markdown import MarkdownRenderer


def render_all(memo: bool) -> dict[str, object]:
    """Render every real post once; what the memos saw and how long it took."""
    if not memo:  # the functions the memos wrap, called every time
        sg_math.convert_cached = sg_math.convert_cached.__wrapped__  # type: ignore[assignment]
        sg_highlight.highlight_cached = sg_highlight.highlight_cached.__wrapped__  # type: ignore[assignment]
    renderer = MarkdownRenderer(macros=REAL_MACROS)
    sources = sorted(p for p in REAL_POSTS.glob("*.md") if p.name != "SOURCES.md")
    bodies = [(source, _split_real(source)[2]) for source in sources]
    built, failed = [], {}
    for source, body in bodies:  # which posts build (and every import and lexer loaded)
        try:
            renderer.render(body, path=Path(source.name))
        except ContentError as error:
            failed[source.name] = f"line {error.line}: {error.message}"
        else:
            built.append((source, body))
    if memo:  # the measured pass starts with empty memos
        sg_math.convert_cached.cache_clear()
        sg_highlight.highlight_cached.cache_clear()
    start = time.perf_counter()
    for source, body in built:
        renderer.render(body, path=Path(source.name))
    seconds = time.perf_counter() - start
    result: dict[str, object] = {"seconds": seconds, "built": [s.name for s, _ in built], "failed": failed}
    if memo:
        math, code = sg_math.convert_cached.cache_info(), sg_highlight.highlight_cached.cache_info()
        result |= {
            "formulas": math.hits + math.misses,
            "formula_hits": math.hits,
            "formula_entries": math.currsize,
            "code_blocks": code.hits + code.misses,
            "code_hits": code.hits,
        }
    return result


def child(memo: bool) -> dict[str, object]:
    """``render_all`` in a fresh process, so neither run warms the other."""
    flag = "--memo" if memo else "--no-memo"
    out = subprocess.run([sys.executable, __file__, "--child", flag], check=True, capture_output=True, text=True).stdout
    result: dict[str, object] = json.loads(out)
    return result


def _rate(hits: object, seen: object) -> str:
    assert isinstance(hits, int) and isinstance(seen, int)
    return f"{hits}/{seen} = {hits / seen:.1%}" if seen else "0/0"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rounds", type=int, default=5, help="timed rounds (each: one process with, one without)")
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--memo", action=argparse.BooleanOptionalAction, default=True, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(render_all(args.memo)))
        return
    if not REAL_POSTS.is_dir():
        raise SystemExit(f"{REAL_POSTS} is missing: the real-posts corpus exists only in the development workspace")
    first = child(memo=True)
    built, failed = first["built"], first["failed"]
    assert isinstance(built, list) and isinstance(failed, dict)
    print(f"{len(built)} posts built, {len(failed)} left out:")
    for name, error in failed.items():
        print(f"  {name}: {error}")
    print(f"formulas:    {_rate(first['formula_hits'], first['formulas'])} memo hits")
    print(f"code blocks: {_rate(first['code_hits'], first['code_blocks'])} memo hits")
    if args.rounds <= 0:
        return
    times: dict[bool, list[float]] = {True: [], False: []}
    for round_ in range(args.rounds):
        for memo in (True, False) if round_ % 2 == 0 else (False, True):
            seconds = child(memo)["seconds"]
            assert isinstance(seconds, float)
            times[memo].append(seconds)
    for memo, label in ((False, "without memo"), (True, "with memo")):
        runs = times[memo]
        print(f"render, {label}: median {statistics.median(runs):.3f} s (min {min(runs):.3f}, max {max(runs):.3f})")
    saved = 1 - statistics.median(times[True]) / statistics.median(times[False])
    print(f"memo saves {saved:.1%} of the render time of these posts")


if __name__ == "__main__":
    main()
