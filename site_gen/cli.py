"""``site-gen``: the command line, and the one place errors are printed.

Every user-facing failure arrives here as a ContentError and is printed as
``path:line: error: message`` plus a hint, with exit status 1. A traceback
means a bug in site_gen, never a mistake in the site.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from datetime import datetime
from pathlib import Path

from . import __version__
from .errors import BuildFailed, ContentError


def main(argv: list[str] | None = None) -> int:
    parser = _parser()
    args = parser.parse_args(argv)
    if not hasattr(args, "run"):
        parser.print_help()
        return 2
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
        return 130


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="site-gen", description="Build a learning notebook into a static site.")
    parser.add_argument("--version", action="version", version=f"site_gen {__version__}")
    commands = parser.add_subparsers(title="commands", metavar="COMMAND")

    build = commands.add_parser("build", help="build the site into public/")
    _site_options(build)
    build.add_argument("-o", "--output", type=Path, help="output folder (default: <root>/public)")
    build.set_defaults(run=_build)

    check = commands.add_parser("check", help="build into a throwaway folder and report every problem")
    _site_options(check)
    check.add_argument("--strict", action="store_true", help="treat warnings as errors")
    check.set_defaults(run=_check)

    new = commands.add_parser("new", help="start a post, a page, or a whole new site")
    new.add_argument("kind", choices=["post", "page", "site"])
    new.add_argument("name", help="the title of the post/page, or the folder of the new site")
    new.add_argument("--root", type=Path, default=Path("."), help="site root (default: current folder)")
    new.add_argument("--tags", default="", help="comma-separated tags for a post")
    new.set_defaults(run=_new)
    return parser


def _site_options(command: argparse.ArgumentParser) -> None:
    command.add_argument("--root", type=Path, default=Path("."), help="site root holding site.toml (default: .)")
    command.add_argument("--drafts", action="store_true", help="include posts marked draft: true")


def _build(args: argparse.Namespace) -> int:
    from .build import build_site

    started = time.perf_counter()
    result = build_site(args.root, output=args.output, drafts=args.drafts)
    for warning in result.warnings:
        print(warning, file=sys.stderr)
    elapsed = time.perf_counter() - started
    print(f"Built {result.pages} pages ({result.files} files) into {result.output} in {elapsed:.2f}s")
    return 0


def _check(args: argparse.Namespace) -> int:
    from .build import build_site

    with tempfile.TemporaryDirectory(prefix="site-gen-check-") as scratch:
        result = build_site(args.root, output=Path(scratch) / "public", drafts=args.drafts)
    for warning in result.warnings:
        print(warning, file=sys.stderr)
    if args.strict and result.warnings:
        print(f"check failed: {len(result.warnings)} warning(s) with --strict", file=sys.stderr)
        return 1
    print(f"OK: {result.pages} pages, {len(result.warnings)} warning(s)")
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
