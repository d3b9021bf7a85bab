"""How many real posts build: Quarto and MyST as they are, other generators' after ``site-gen import`` (issue 12).

    .venv/bin/python bench/readers_real.py /tmp/realposts          # every generator below it
    .venv/bin/python bench/readers_real.py POSTS --show-leftovers  # and where each leftover is

The folder holds one sub-folder per generator. ``quarto/`` and ``myst/`` hold
posts (``.qmd``, ``.md``) in any sub-folders; ``hugo/``, ``pelican/``,
``jekyll/``, ``fastpages/`` and ``d2l/`` hold blogs, one folder each laid out
as that generator lays a blog out (``content/posts/…`` for Hugo,
``content/…`` for Pelican, ``_posts/`` for Jekyll), which ``import_blog``
converts as ``site-gen import`` would.

Each post is then built alone, in a fresh temporary site (for an imported
post, with the site.toml the import wrote), by ``build_site``: the same
reader, Markdown rules and templates a user gets. Two things are added to a
copy of the post, and only these:

- ``date:`` when it has none (a Jupyter Book or mystmd page is a document, not a
  post, and has no date; site_gen requires one for a post);
- ``execute: false`` when the post says nothing about execution, so that its cells
  are shown, not run: this measures the *readers*, and real posts import torch,
  fastai or R packages this machine need not have.

Drafts are built too. Images and other files beside the post are not copied
(an imported bundle keeps what the import put in it): a missing image is the
post's, not ours (the build does not fail for one).

A post is reported as failed (with its first error), built with leftovers, or
clean. Leftovers are markup that should not reach a reader: the visible text of
the page (outside ``pre``, ``code``, ``math`` and ``svg``) holding TeX
(``$…$`` around TeX, ``\\frac``, ``\\begin{``), Liquid or Hugo/Quarto
shortcodes (``{%``, ``{{``, ``{{<``), d2l roles (``:eqref:``, ``:numref:``),
``:::``, three backticks, ``{code-cell}`` or ``{r}``.
"""

from __future__ import annotations

import argparse
import html
import re
import shutil
import sys
import tempfile
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from site_gen.build import build_site
from site_gen.errors import BuildFailed, ContentError
from site_gen.importers import import_blog

LEFTOVERS = {
    "$…$ (TeX)": r"\$\$?[^$\n]{0,200}?[\\^_{}][^$\n]{0,200}?\$",  # dollars around TeX; "$5 and $10" is text
    "\\frac": r"\\frac\b",
    "\\begin{": r"\\begin\{",
    "{{<": r"\{\{<",
    "{{": r"\{\{(?!<)",
    "{%": r"\{%",
    ":eqref:": r":(?:eqref|numref|eqlabel|label):`",
    ":::": r":::",
    "```": r"```",
    "{code-cell}": r"\{code-cell\}",
    "{r}": r"\{r\}",
}
IMPORTED = ("hugo", "pelican", "jekyll", "fastpages", "d2l")  # blogs, converted by site-gen import first
READ = ("quarto", "myst")  # posts, read as they are
SITE_TOML = 'title = "Real posts"\nbase_url = "http://localhost/"\n'
_COMMENT = re.compile(r"<!--.*?-->", re.S)
_HIDDEN = re.compile(r"<(pre|code|math|svg|script|style)\b.*?</\1>", re.S)


@dataclass
class Outcome:
    path: Path
    kind: str  # the generator: "quarto", "myst", "hugo", …
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


def measure_imported(blog: Path, generator: str) -> list[Outcome]:
    """Import one blog as ``site-gen import GENERATOR`` would, then build each post it made alone."""
    with tempfile.TemporaryDirectory(prefix="readers-import-") as tmp:
        site = Path(tmp) / "site"
        try:
            result = import_blog(generator, blog, site)
        except ContentError as error:
            return [Outcome(blog, generator, error=f"import failed: {error}")]
        toml = (site / "site.toml").read_text(encoding="utf-8") if (site / "site.toml").is_file() else SITE_TOML
        outcomes = []
        for post in result.posts:
            origin = post.source.path
            made = [p for p in (site / "content").rglob("*") if p.is_file() and _made_from(p, post.meta)]
            if not made:
                outcomes.append(Outcome(origin, generator, error="the import wrote no post for it"))
                continue
            outcomes.append(measure(made[0], generator, toml=toml, origin=origin))
        return outcomes


def _made_from(path: Path, meta: dict[str, object]) -> bool:
    """Whether ``path`` is the post the import wrote with front matter ``meta`` (matched by title and slug)."""
    if path.suffix not in (".md", ".ipynb"):
        return False
    text = path.read_text(encoding="utf-8", errors="replace")
    title = str(meta.get("title", ""))
    slug = str(meta.get("slug", ""))
    return (not title or title in text) and (not slug or slug in text or slug in path.as_posix())


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
    body = _HIDDEN.sub(" ", _COMMENT.sub(" ", body))  # a comment first: "<!-- {{< x >}} -->" holds a ">"
    return html.unescape(re.sub(r"<[^>]+>", " ", body))


def measure(path: Path, kind: str, *, toml: str = SITE_TOML, origin: Path | None = None) -> Outcome:
    """Build ``path`` alone in a fresh site; ``origin`` is the file it was imported from, if it was."""
    raw = path.read_text(encoding="utf-8", errors="replace")
    text, added = prepare(raw) if path.suffix != ".ipynb" else (raw, ())
    outcome = Outcome(origin or path, kind, added=added)
    with tempfile.TemporaryDirectory(prefix="readers-real-") as tmp:
        root = Path(tmp)
        (root / "site.toml").write_text(toml, encoding="utf-8")
        posts = root / "content" / "posts"
        if origin is not None and path.name == "index.md":  # an imported bundle: its files come along
            shutil.copytree(path.parent, posts / path.parent.name)
            (posts / path.parent.name / "index.md").write_text(text, encoding="utf-8")
        else:
            posts.mkdir(parents=True)
            (posts / ("post" + path.suffix)).write_text(text, encoding="utf-8")
        try:
            build_site(root, use_cache=False, record=False, jobs=1, drafts=True)
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
        for leftover, pattern in LEFTOVERS.items():
            for found in re.finditer(pattern, shown):
                outcome.leftovers[leftover] += 1
                around = shown[max(0, found.start() - 40) : found.end() + 40]
                outcome.context.append(" ".join(around.split()))
    return outcome


def report(outcomes: list[Outcome], show: bool) -> str:
    lines = []
    for kind in (*READ, *IMPORTED):
        mine = [o for o in outcomes if o.kind == kind]
        if not mine:
            continue
        built = [o for o in mine if not o.error]
        clean = [o for o in built if not o.leftovers]
        dated = sum("date" in o.added for o in mine)
        how = "as they are" if kind in READ else "after site-gen import"
        lines.append(
            f"{kind}: {len(built)}/{len(mine)} built {how}, {len(clean)}/{len(mine)} clean "
            f"(built with no leftovers); {dated} given a date"
        )
        for outcome in mine:
            if outcome.status == "clean":
                continue
            detail = outcome.error or ", ".join(f"{k} x{n}" for k, n in outcome.leftovers.most_common())
            lines.append(f"  {outcome.status:9} {outcome.path.parent.name}/{outcome.path.name}: {detail}")
            if show:
                lines.extend(f"      … {context} …" for context in outcome.context[:6])
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("folder", type=Path, help="one sub-folder per generator: quarto/, myst/, hugo/, pelican/…")
    parser.add_argument("--show-leftovers", action="store_true", help="print the text around each leftover")
    args = parser.parse_args(argv)
    if not args.folder.is_dir():
        parser.error(f"{args.folder} is not a folder")
    outcomes = []
    for kind in READ:
        if (args.folder / kind).is_dir():
            outcomes += [measure(path, kind) for path, _ in find_posts(args.folder / kind)]
    for generator in IMPORTED:
        blogs = args.folder / generator
        for blog in sorted(p for p in blogs.iterdir() if p.is_dir()) if blogs.is_dir() else []:
            outcomes += measure_imported(blog, generator)
    print(report(outcomes, args.show_leftovers))
    return 0


if __name__ == "__main__":
    sys.exit(main())
