"""``site-gen``: the command line, and the one place errors are printed.

Every user-facing failure arrives here as a ContentError and is printed as
``path:line: error: message`` plus a hint, with exit status 1. A traceback
means a bug in site_gen, never a mistake in the site.
"""

from __future__ import annotations

import argparse
import atexit
import contextlib
import os
import shutil
import signal
import sys
import tempfile
import threading
import time
import traceback
from datetime import datetime
from pathlib import Path
from types import FrameType
from typing import TYPE_CHECKING, NoReturn, TextIO

from . import __version__
from .errors import BuildFailed, ContentError, processing_of

if TYPE_CHECKING:
    from .cells.settings import Progress


def run() -> NoReturn:
    """The ``site-gen`` command: ``main``, then out without the interpreter's teardown.

    Freeing every module and object one by one takes 30 ms after a one-post edit of a
    1000-post site, a seventh of the command, for memory the process gives back anyway.
    What is registered to run at exit still runs first (the process pools' joins,
    temporary folders), and the output streams are flushed. While any other thread is
    alive, the exit is the usual one, which waits for it."""
    code = main()
    if threading.active_count() > 1:
        sys.exit(code)
    atexit._run_exitfuncs()
    for stream in (sys.stdout, sys.stderr):
        with contextlib.suppress(OSError, ValueError):  # a closed or broken pipe: nothing to save
            stream.flush()
    os._exit(code)


def main(argv: list[str] | None = None) -> int:
    parser = _parser()
    args = parser.parse_args(argv)
    if not hasattr(args, "run"):
        parser.print_help()
        return 2
    previous_handler = _stop_on_sigterm()
    try:
        return int(args.run(args))
    except BuildFailed as failed:
        for error in failed.errors:
            print(error, file=sys.stderr)
        print(f"build failed: {len(failed.errors)} error(s); nothing was written", file=sys.stderr)
        return 1
    except ContentError as error:
        print(error, file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 143 if _terminated else 130
    except Exception as bug:  # a bug in site_gen, not a mistake in the site
        if args.debug:
            raise
        print(internal_error(bug), file=sys.stderr)
        return 70  # EX_SOFTWARE
    finally:
        _restore_sigterm(previous_handler)


def internal_error(bug: BaseException) -> str:
    """Three lines instead of a traceback: what broke, where in site_gen, how to report it."""
    frames = traceback.extract_tb(bug.__traceback__)
    ours = [frame for frame in frames if f"{os.sep}site_gen{os.sep}" in frame.filename] or frames
    where = f" (in {Path(ours[-1].filename).name}:{ours[-1].lineno}, {ours[-1].name})" if ours else ""
    processing = processing_of(bug)
    about = f" while processing {processing}" if processing else ""
    text = str(bug).splitlines()[0][:200] if str(bug) else ""
    return (
        f"internal error{about}: {type(bug).__name__}{': ' + text if text else ''}{where}\n"
        f"  this is a bug in site_gen {__version__}, not in your site: run again with --debug\n"
        "  and report it to site_gen's issue tracker with that traceback"
    )


_terminated = False


def _restore_sigterm(handler: signal._HANDLER) -> None:
    with contextlib.suppress(ValueError):  # not the main thread
        signal.signal(signal.SIGTERM, handler)


def _stop_on_sigterm() -> signal._HANDLER:
    """SIGTERM unwinds like Ctrl-C, so staging folders and kernels are cleaned up on the way out."""

    def stop(signum: int, frame: FrameType | None) -> None:
        global _terminated
        _terminated = True
        raise KeyboardInterrupt

    try:
        return signal.signal(signal.SIGTERM, stop)
    except ValueError:  # not the main thread (called from a test's thread): leave signals alone
        return signal.getsignal(signal.SIGTERM)


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="site-gen", description="Build a learning notebook into a static site.")
    parser.add_argument("--version", action="version", version=f"site_gen {__version__}")
    parser.add_argument("--debug", action="store_true", help="show a Python traceback for an internal error")
    commands = parser.add_subparsers(title="commands", metavar="COMMAND")

    build = commands.add_parser("build", help="build the site into public/")
    _site_options(build)
    build.add_argument("-o", "--output", type=Path, help="output folder (default: <root>/public)")
    build.add_argument(
        "--force", action="store_true", help="replace the output folder even if it is not empty and not site_gen's"
    )
    build.add_argument("-j", "--jobs", type=int, help="processes rendering posts (default: one per CPU)")
    build.add_argument(
        "--no-cache", action="store_true", help="render every post, ignoring .cache/render and the build manifest"
    )
    build.add_argument("--rerun", action="store_true", help="run every executable cell again, ignoring the cache")
    build.add_argument(
        "--freeze", action="store_true", help="re-run frozen cells where their hardware is present; update _freeze.json"
    )
    build.add_argument(
        "--timeout",
        type=float,
        help="seconds a cell may run unless it sets `#| timeout:` (default: cell_timeout in site.toml)",
    )
    build.add_argument(
        "--remote",
        metavar="URL",
        help="run GPU posts' cells (or those [execute.remote] names) on this Jupyter gateway, for this build; "
        "its token from $SITE_GEN_REMOTE_TOKEN",
    )
    build.set_defaults(run=_build)

    cache = commands.add_parser("cache", help="the cache of executed cells")
    cache.add_argument("action", choices=["clean"], help="clean: delete <root>/.cache/cells")
    cache.add_argument("--root", type=Path, default=Path("."), help="site root (default: current folder)")
    cache.set_defaults(run=_cache)

    check = commands.add_parser("check", help="build into a throwaway folder and report every problem")
    _site_options(check)
    check.add_argument("--strict", action="store_true", help="treat warnings as errors")
    check.set_defaults(run=_check)

    serve = commands.add_parser("serve", help="preview the site, rebuilding and reloading as you edit")
    _site_options(serve)
    serve.add_argument(
        "--host", default="127.0.0.1", help="address to listen on (default: 127.0.0.1, this machine only)"
    )
    serve.add_argument("--port", type=int, default=8000, help="port (default: 8000; 0 picks a free one)")
    serve.add_argument("--open", action="store_true", help="open the preview in a web browser")
    serve.add_argument(
        "--write", action="store_true", help="write the preview into public/ (default: a temporary folder)"
    )
    serve.set_defaults(run=_serve)

    new = commands.add_parser("new", help="start a post, a page, or a whole new site")
    new.add_argument("kind", choices=["post", "page", "site"])
    new.add_argument("name", help="the title of the post/page, or the folder of the new site")
    new.add_argument("--root", type=Path, default=Path("."), help="site root (default: current folder)")
    new.add_argument("--tags", default="", help="comma-separated tags for a post")
    new.set_defaults(run=_new)

    diagram = commands.add_parser("diagram", help="draw one diagram JSON file as an SVG")
    diagram.add_argument("source", type=Path, help="the diagram's JSON file")
    diagram.add_argument("-o", "--output", type=Path, help="the SVG to write (default: print it)")
    diagram.set_defaults(run=_diagram)

    imports = commands.add_parser("import", help="convert a Jekyll, fastpages, Hugo, Pelican or d2l blog, once")
    imports.add_argument("generator", choices=["jekyll", "fastpages", "hugo", "pelican", "d2l"])
    imports.add_argument("source", type=Path, help="the old blog's root folder (only read, never changed)")
    imports.add_argument("--into", type=Path, default=Path("."), help="the new site's folder (default: .)")
    imports.add_argument("--force", action="store_true", help="write over files an earlier import did not write")
    imports.add_argument(
        "--macros", type=Path, help='a TOML file of TeX macros the old site defined (R = "\\mathbb{R}")'
    )
    imports.set_defaults(run=_import)
    return parser


def _collect_garbage_rarely() -> None:
    """A build makes objects by the hundred thousand and almost never a reference cycle, but
    CPython's default runs a collection every 700 allocations: loading the post cache of a
    5000-post site took 0.48 s with it and 0.14 s without. One build is one short process, so
    collect a hundred times less often (cycles are still collected; memory measured the same)."""
    import gc

    gc.set_threshold(100_000, 50, 1000)


def _site_options(command: argparse.ArgumentParser) -> None:
    command.add_argument("--root", type=Path, default=Path("."), help="site root holding site.toml (default: .)")
    command.add_argument("--drafts", action="store_true", help="include posts marked draft: true")


def _build(args: argparse.Namespace) -> int:
    from .build import build_site
    from .cells.settings import ExecuteSettings

    started = time.perf_counter()
    _collect_garbage_rarely()
    progress = _CellProgress(sys.stderr)
    settings = ExecuteSettings(
        rerun=args.rerun, freeze=args.freeze, timeout=args.timeout, progress=progress, remote_url=_remote_url(args)
    )
    try:
        result = build_site(
            args.root,
            output=args.output,
            drafts=args.drafts,
            execute=settings,
            jobs=args.jobs,
            use_cache=not args.no_cache,
            force=args.force,
            # The manifest knows site.toml, not this flag: "up to date" would skip the gateway.
            record=args.remote is None,
        )
    finally:
        progress.done()
    for warning in result.warnings:
        print(warning, file=sys.stderr)
    elapsed = time.perf_counter() - started
    if result.cells_run or result.cells_cached:
        print(
            f"Cells: {result.cells_run} run in {result.kernels_started} kernel(s), {result.cells_cached} from the cache"
        )
    if result.up_to_date:
        print(f"Up to date: {result.pages} pages in {result.output}; nothing changed since the last build")
        return 0
    print(
        f"Built {result.pages} pages ({result.files} files, {len(result.changed)} changed, "
        f"{len(result.rendered)} posts rendered) into {result.output} in {elapsed:.2f}s"
    )
    return 0


def _remote_url(args: argparse.Namespace) -> str | None:
    """``--remote URL``, checked as ``[execute.remote] url`` is."""
    if args.remote is None:
        return None
    from .config import RemoteConfig, remote_problem

    problem = remote_problem(RemoteConfig(url=args.remote)) if args.remote else ("", "no URL", "")
    if problem is not None:
        raise ContentError(None, None, f"--remote: {problem[1]}", problem[2])
    return str(args.remote)


class _CellProgress:
    """Which post and cell is running: one redrawn line on a terminal, plain lines in CI and logs."""

    def __init__(self, stream: TextIO) -> None:
        self.stream = stream
        self.live = stream.isatty() and not os.environ.get("CI")
        self.drawn = False

    def __call__(self, event: Progress) -> None:
        where = f"{event.post}: cell {event.cell}/{event.cells} ({event.posts_left} post(s) left)"
        if not self.live:
            print(f"running {where}", file=self.stream, flush=True)
            return
        width = 20
        filled = round(width * (event.cell - 1) / max(1, event.cells))
        bar = "█" * filled + "░" * (width - filled)
        self.stream.write(f"\r\x1b[2K{bar} {where}")
        self.stream.flush()
        self.drawn = True

    def done(self) -> None:
        if self.drawn:
            self.stream.write("\r\x1b[2K")
            self.stream.flush()


def _cache(args: argparse.Namespace) -> int:
    from .cells.cache import CACHE_DIR, CellCache

    removed = CellCache(args.root / CACHE_DIR).clean()
    # The build's own caches and its manifest go too: the next build starts from nothing.
    kept = ("render", "templates", "posts.pickle", "build-manifest.json")
    for rest in (args.root / ".cache" / name for name in kept):
        if rest.is_dir():
            shutil.rmtree(rest)
        elif rest.exists():
            rest.unlink()
        else:
            continue
        removed = True
    print(f"Removed {args.root / '.cache'}" if removed else f"Nothing to remove: no {args.root / '.cache'}")
    return 0


def _check(args: argparse.Namespace) -> int:
    from .build import build_site

    with tempfile.TemporaryDirectory(prefix="site-gen-check-") as scratch:
        result = build_site(args.root, output=Path(scratch) / "public", drafts=args.drafts, record=False)
    for warning in result.warnings:
        print(warning, file=sys.stderr)
    if args.strict and result.warnings:
        print(f"check failed: {len(result.warnings)} warning(s) with --strict", file=sys.stderr)
        return 1
    print(f"OK: {result.pages} pages, {len(result.warnings)} warning(s)")
    return 0


def _serve(args: argparse.Namespace) -> int:
    from .serve import serve

    return serve(
        args.root, host=args.host, port=args.port, drafts=args.drafts, open_browser=args.open, write=args.write
    )


def _diagram(args: argparse.Namespace) -> int:
    from .diagram import render_file

    svg = render_file(args.source) + "\n"
    if args.output is None:
        sys.stdout.write(svg)
    else:
        args.output.write_text('<?xml version="1.0" encoding="UTF-8"?>\n' + svg, encoding="utf-8")
        print(f"Wrote {args.output}")
    return 0


_SHOWN_FINDINGS = 20  # on the terminal; the report file has them all


def _import(args: argparse.Namespace) -> int:
    from .importers import REPORT_NAME, import_blog

    result = import_blog(args.generator, args.source, args.into, force=args.force, macros=args.macros)
    lines = result.report.lines()
    for line in lines[:_SHOWN_FINDINGS]:
        print(line, file=sys.stderr)
    if len(lines) > _SHOWN_FINDINGS:
        print(f"… and {len(lines) - _SHOWN_FINDINGS} more in the report", file=sys.stderr)
    print(result.report_text.split("\n\n", 1)[0])
    report = args.into / REPORT_NAME
    print(f"Wrote {result.written} file(s) ({result.unchanged} unchanged) into {args.into}; report: {report}")
    print(f"Next: site-gen check --root {args.into}  (names any TeX macro or markup the build cannot read)")
    return 0


def _new(args: argparse.Namespace) -> int:
    from .scaffold import new_page, new_post, new_site

    if args.kind == "site":
        created = new_site(Path(args.name))
    elif args.kind == "post":
        tags = [tag.strip() for tag in args.tags.split(",") if tag.strip()]
        created = new_post(args.root, args.name, tags=tags, now=datetime.now().astimezone())
    else:
        created = new_page(args.root, args.name, now=datetime.now().astimezone())
    print(f"Created {created}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
