"""``site-gen import``: bring a blog from another generator, once.

One module per generator (``jekyll``, ``fastpages``, ``hugo``, ``pelican``,
``d2l``) knows where that generator keeps posts and how its markup reads; each
finds ``Source`` posts and converts them into our Markdown. What is shared sits
beside them: front matter (``frontmatter``, ``posts``), code shielding
(``markup``), links and files (``assets``), redirects and the report. Importers
are one-way converters: they write files under DIR and never touch the build
pipeline, nor a byte of SRC.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType

from ..errors import ContentError
from .context import PostContext, SiteInfo
from .macros import read_macros_file
from .plan import plan_files
from .posts import Converted, Source
from .report import Report
from .texcheck import keep_not_math, undefined_macros
from .writer import MANIFEST, ours_as_written, write

GENERATORS = ("jekyll", "fastpages", "hugo", "pelican", "d2l")
REPORT_NAME = "import-report.txt"


@dataclass
class ImportResult:
    """What an import did: the report (also written to DIR), the posts, how many files changed."""

    report: Report
    report_text: str
    posts: list[Converted]
    written: int
    unchanged: int


def import_blog(
    generator: str, src: Path, into: Path, *, force: bool = False, macros: Path | None = None
) -> ImportResult:
    """Convert the blog at ``src`` into a site_gen site at ``into``; SRC is only read."""
    module = _module(generator)
    root, target = _check_folders(src, into)
    report = Report(src)
    site: SiteInfo = module.site_info(root, report)
    if macros is not None:
        site.macros |= read_macros_file(macros)
    found: list[Source] = module.sources(root, site, report)
    _unique_slugs(found, root, report)
    new_urls = _new_urls(found, root)
    posts = [_convert(module, source, root, site, report, new_urls) for source in found]
    files = plan_files(posts, site, report, owns_config=_may_write_config(target))
    text = report.text(generator)
    files[REPORT_NAME] = text.encode("utf-8")
    written, unchanged = write(target, files, force=force)
    return ImportResult(report, text, posts, written, unchanged)


def _convert(
    module: ModuleType, source: Source, root: Path, site: SiteInfo, report: Report, new_urls: dict[str, str]
) -> Converted:
    """One post through its generator's converter, then its TeX checked: what is no math becomes
    LaTeX code, and macros nothing defines are named."""
    ctx = PostContext(
        src=root,
        path=source.path,
        report=report,
        site=site,
        roots=_roots(module, root, source),
        new_urls=new_urls,
        first_line=source.header.body_line,
        meta=dict(source.header.meta),
    )
    post: Converted = module.convert(source, ctx)
    _keep_not_math(post, site, ctx)
    _report_undefined_macros(post, site, ctx)
    report.posts.append(source.path.relative_to(root).as_posix())
    return post


def _keep_not_math(post: Converted, site: SiteInfo, ctx: PostContext) -> None:
    """A ``\\begin{algorithm}`` between ``$$`` fails the build: it stays visible as code, reported."""
    if post.suffix != ".md":
        return
    post.body, kept = keep_not_math(post.body, site.macros)
    for found in kept:
        line = _line_of(post.source.header.body, found.tex, ctx.first_line)
        shown = "a LaTeX code block" if found.block else "inline code"
        ctx.warn(line, f"could not convert: {found.construct} is not math site_gen can typeset; kept as {shown}")


def _report_undefined_macros(post: Converted, site: SiteInfo, ctx: PostContext) -> None:
    if post.suffix != ".md":
        return
    for command, formula in undefined_macros(post.body, site.macros):
        line = _line_of(post.source.header.body, formula, ctx.first_line)
        ctx.warn(line, f"TeX macro {command} is used but defined nowhere in SRC: add it with --macros FILE")


def _line_of(text: str, formula: str, first_line: int) -> int:
    """Where a formula was in the source (its first 40 characters, as converting may change the rest)."""
    where = text.find(formula[:40].strip())
    return first_line + text.count("\n", 0, where) if where >= 0 else first_line


def _module(generator: str) -> ModuleType:
    if generator not in GENERATORS:
        raise ContentError(None, None, f"unknown generator '{generator}'", f"choose one of {', '.join(GENERATORS)}")
    return importlib.import_module(f"{__name__}.{generator}")


def _check_folders(src: Path, into: Path) -> tuple[Path, Path]:
    """SRC must exist, and DIR must be outside it (writing there would modify SRC) and it outside DIR."""
    root, target = src.resolve(), into.resolve()
    if not root.is_dir():
        raise ContentError(src, None, "no such folder", "name the old blog's root folder (the one with _config.yml…)")
    if target == root or target.is_relative_to(root):
        raise ContentError(
            into, None, "DIR is inside SRC: the import would modify the old blog", "pick --into outside it"
        )
    if root.is_relative_to(target):
        raise ContentError(src, None, "SRC is inside DIR", "pick an --into folder that does not contain the old blog")
    if target.exists() and not target.is_dir():
        raise ContentError(into, None, "not a folder", "pick a folder for --into")
    return root, target


def _may_write_config(target: Path) -> bool:
    config = target / "site.toml"
    return not config.exists() or ours_as_written(target, "site.toml")


def _roots(module: ModuleType, root: Path, source: Source) -> tuple[Path, ...]:
    roots = getattr(module, "roots", None)
    return tuple(roots(root, source)) if roots is not None else (root,)


def _unique_slugs(found: list[Source], root: Path, report: Report) -> None:
    """Two posts with one slug would collide at one URL: the later one gets a number."""
    taken = {"index"}  # content/posts/index.md would make posts/ one bundle
    for source in found:
        slug, n = source.slug, 1
        while slug in taken:
            n += 1
            slug = f"{source.slug}-{n}"
        if slug != source.slug:
            report.warn(source.path.relative_to(root), 1, f"slug '{source.slug}' is taken: this post is '{slug}'")
            source.slug = slug
        taken.add(slug)


def _new_urls(found: list[Source], root: Path) -> dict[str, str]:
    """Every way a post may name another (old URL, file, file stem) -> its new URL."""
    urls: dict[str, str] = {}
    for source in found:
        new = f"/posts/{source.slug}/"
        rel = source.path.relative_to(root)
        keys = [rel.as_posix(), rel.with_suffix("").as_posix(), source.path.stem, "/" + rel.as_posix()]
        if source.old_url:
            old = source.old_url
            keys += [old, old.rstrip("/") + "/", old.removesuffix(".html"), old.lstrip("/")]
        for key in keys:
            urls.setdefault(key, new)
    return urls


__all__ = ["GENERATORS", "MANIFEST", "REPORT_NAME", "ImportResult", "import_blog"]
