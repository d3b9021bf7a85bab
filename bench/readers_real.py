"""How many real Quarto and MyST posts build as they are (issue 12), offline.

    .venv/bin/python bench/readers_real.py /tmp/realposts          # every .qmd / .md below it
    .venv/bin/python bench/readers_real.py POSTS --show-leftovers  # and where each leftover is

Each post is built alone, in a fresh temporary site, by ``build_site``: the same
reader, Markdown rules and templates a user gets. Two things are added to a
copy of the post, and only these:

- ``date:`` when it has none (a Jupyter Book or mystmd page is a document, not a
  post, and has no date; site_gen requires one for a post);
- ``execute: false`` when the post says nothing about execution, so that its cells
  are shown, not run: this measures the *readers*, and real posts import torch,
  fastai or R packages this machine need not have.

Images and other files beside the post are not copied: a missing image is the
post's, not ours (the build does not fail for one).

A post is reported as failed (with its first error), built with leftovers, or
clean. Leftovers are markup that should not reach a reader: the visible text of
the page (outside ``pre``, ``code``, ``math`` and ``svg``) holding ``$$``,
``\\frac``, ``{{<``, ``{%``, ``:::``, three backticks, ``{code-cell}`` or ``{r}``.
"""

from __future__ import annotations

import argparse
import html
import re
import sys
import tempfile
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from site_gen.build import build_site
from site_gen.errors import BuildFailed, ContentError

LEFTOVERS = ("$$", "\\frac", "{{<", "{%", ":::", "```", "{code-cell}", "{r}")
SITE_TOML = 'title = "Real posts"\nbase_url = "http://localhost/"\n'
_HIDDEN = re.compile(r"<(pre|code|math|svg|script|style)\b.*?</\1>", re.S)


@dataclass
class Outcome:
    path: Path
    kind: str  # "quarto" or "myst"
    error: str = ""  # the first error, if the build failed
    leftovers: Counter[str] = field(default_factory=Counter)
    context: list[str] = field(default_factory=list)  # a few words around each leftover
    added: tuple[str, ...] = ()  # front matter keys the bench added

    @property
    def status(self) -> str:
        return "failed" if self.error else "leftovers" if self.leftovers else "clean"


def find_posts(folder: Path) -> list[tuple[Path, str]]:
    """Every ``.qmd`` (Quarto) and ``.md`` (MyST, or Markdown a MyST site holds) below ``folder``."""
    posts = []
    for path in sorted(folder.rglob("*")):
        if path.suffix == ".qmd":
            posts.append((path, "quarto"))
        elif path.suffix == ".md" and path.name.upper() != "README.MD":
            posts.append((path, "myst"))
    return posts


def prepare(text: str) -> tuple[str, tuple[str, ...]]:
    """The post with ``date:`` and ``execute: false`` added where it lacks them."""
    added: list[str] = []
    if not text.startswith("---"):
        text = "---\n---\n" + text
    head, _, rest = text[3:].partition("\n---")
    keys = {line.split(":", 1)[0].strip() for line in head.splitlines() if line and not line[0].isspace()}
    extra = ""
    if "date" not in keys:
        extra += "date: 2024-01-01\n"
        added.append("date")
    if "execute" not in keys:
        extra += "execute: false\n"
        added.append("execute")
    return "---\n" + extra + head.lstrip("\n") + "\n---" + rest, tuple(added)


def visible_text(page: str) -> str:
    """What a reader sees of the post: no code, math or tags; entities decoded."""
    start, end = page.find("<main"), page.find("</main>")
    body = page[start:end] if start >= 0 else page
    body = _HIDDEN.sub(" ", body)
    return html.unescape(re.sub(r"<[^>]+>", " ", body))


def measure(path: Path, kind: str) -> Outcome:
    text, added = prepare(path.read_text(encoding="utf-8", errors="replace"))
    outcome = Outcome(path, kind, added=added)
    with tempfile.TemporaryDirectory(prefix="readers-real-") as tmp:
        root = Path(tmp)
        (root / "site.toml").write_text(SITE_TOML, encoding="utf-8")
        posts = root / "content" / "posts"
        posts.mkdir(parents=True)
        name = "post" + path.suffix
        (posts / name).write_text(text, encoding="utf-8")
        try:
            build_site(root, use_cache=False, record=False, jobs=1)
        except BuildFailed as failed:
            outcome.error = str(failed.errors[0]) if failed.errors else str(failed)
            return outcome
        except ContentError as error:
            outcome.error = str(error)
            return outcome
        pages = list((root / "public" / "posts").rglob("index.html"))
        if not pages:
            outcome.error = "no page was written"
            return outcome
        shown = visible_text(pages[0].read_text(encoding="utf-8"))
        for leftover in LEFTOVERS:
            for found in re.finditer(re.escape(leftover), shown):
                outcome.leftovers[leftover] += 1
                around = shown[max(0, found.start() - 40) : found.end() + 40]
                outcome.context.append(" ".join(around.split()))
    return outcome


def report(outcomes: list[Outcome], show: bool) -> str:
    lines = []
    for kind in ("quarto", "myst"):
        mine = [o for o in outcomes if o.kind == kind]
        if not mine:
            continue
        built = [o for o in mine if not o.error]
        clean = [o for o in built if not o.leftovers]
        dated = sum("date" in o.added for o in mine)
        lines.append(
            f"{kind}: {len(built)}/{len(mine)} built, {len(clean)}/{len(mine)} clean "
            f"(built with no leftovers); {dated} given a date"
        )
        for outcome in mine:
            if outcome.status == "clean":
                continue
            detail = outcome.error or ", ".join(f"{k} x{n}" for k, n in outcome.leftovers.most_common())
            lines.append(f"  {outcome.status:9} {outcome.path.name}: {detail}")
            if show:
                lines.extend(f"      … {context} …" for context in outcome.context[:6])
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("folder", type=Path, help="posts: .qmd files and MyST .md files, in any sub-folders")
    parser.add_argument("--show-leftovers", action="store_true", help="print the text around each leftover")
    args = parser.parse_args(argv)
    if not args.folder.is_dir():
        parser.error(f"{args.folder} is not a folder")
    outcomes = [measure(path, kind) for path, kind in find_posts(args.folder)]
    print(report(outcomes, args.show_leftovers))
    return 0


if __name__ == "__main__":
    sys.exit(main())
