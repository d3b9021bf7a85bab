"""Incremental rebuilds for the preview server: remake only what an edit changed.

After an edit we run the ordinary layout stage (``write.write_site``) against
an ``IncrementalOutput`` (see ``site_gen.fingerprints``): each page's
fingerprint is recomputed without running its template, and the page is
rendered and written only when that changed. Feeds see their entries (full
HTML), the sitemap its list of pages, copied files their source's size and
mtime; ``site.toml`` and Python code change everything.

``Preview.plan(changed_files)`` answers "what would be rebuilt?" without
writing anything; ``Preview.rebuild(changed_files)`` does it, writing a file
only when its bytes differ, so unchanged files keep their mtime. Only edited
posts are re-read; anything structural (a post added, removed, renamed,
drafted) runs discovery again. A post is also re-read when a file it reads
at the content stage changed: its ``.bib`` files (its own or the site's) and
its ``.csl`` style, wherever in the site they are (``watched_files`` names
those the watcher's folders do not cover).

A rebuild writes into a staging folder beside the output and moves its files
into place only once the whole layout succeeded: a rebuild that fails halfway
(a template error, two files with one name) leaves every served file exactly
as the last good build made it.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any

import jinja2
import jinja2.bccache
import jinja2.meta

from . import reach
from .cells.execute import execute_posts
from .cells.model import PostCells
from .cells.settings import ExecuteSettings
from .config import CONFIG_NAME, Config, load_config
from .content import Post, read_post
from .discovery import discover
from .errors import BuildFailed, ContentError, ContentWarning
from .fingerprints import IncrementalOutput, Memo, Plan
from .output import OutputConflict, mark_as_output, publish_in_place
from .render import RenderedSite, render_all
from .render_cache import RenderCache
from .write import indexed_pages, write_site


@dataclass
class Rebuild:
    plan: Plan
    written: frozenset[str]  # files whose bytes actually changed (new ones included)
    warnings: list[ContentWarning] = field(default_factory=list)


class Preview:
    """The site as the preview server keeps it between rebuilds: the last good
    build's fingerprints, discovered posts and rendered posts."""

    def __init__(self, root: Path, output: Path, *, drafts: bool = False) -> None:
        self.root = root.resolve()
        self.output = output
        self.drafts = drafts
        self.fingerprints: dict[str, str] = {}
        self.cache = RenderCache()
        self.config: Config | None = None  # of the last good build
        self._posts: list[Post] | None = None
        self.indexed: list[str] = []  # the last good build's pages that the search index holds
        self._memo: Memo = {}
        self._template_refs: dict[str, list[str]] = {}
        self._compiled = CompiledTemplates()
        self._cells: dict[str, PostCells] = {}  # executed cells of the last good build, by URL
        self._pending_cells: dict[str, PostCells] = {}
        self._record: reach.SiteRecord | None = None  # what the last good build's pages were made of (site_gen.reach)

    def plan(self, changed: Iterable[Path] = ()) -> Plan:
        """The output files a rebuild for ``changed`` source files would remake; writes nothing."""
        config, _, rendered, full = self._prepare(set(changed))
        out = IncrementalOutput(
            config, self.fingerprints, full=full, folder=None, memo=self._memo, template_refs=self._template_refs
        )
        reach.settle(config, rendered, out, self._record)
        _layout(config, rendered, out, self._compiled)
        return out.plan()

    def rebuild(self, changed: Iterable[Path] = ()) -> Rebuild:
        """Rebuild what ``changed`` affects. Raises BuildFailed and leaves the output as it was."""
        config, posts, rendered, full = self._prepare(set(changed))
        self.output.mkdir(parents=True, exist_ok=True)
        mark_as_output(self.output)
        staging = Path(tempfile.mkdtemp(prefix=f".{self.output.name}.staging-", dir=self.output.parent))
        try:
            out = SiteOutput(
                config,
                self.fingerprints,
                full=full,
                folder=staging,
                live=self.output,
                memo=self._memo,
                template_refs=self._template_refs,
            )
            record = reach.settle(config, rendered, out, self._record)
            _layout(config, rendered, out, self._compiled)
            plan = out.plan()
            publish_in_place(staging, self.output, out.written, plan.delete)
        finally:
            shutil.rmtree(staging, ignore_errors=True)
        self.fingerprints = out.fingerprints
        self._record = record
        self.config = config
        self._posts = posts
        self.indexed = indexed_pages(rendered)  # what the search index holds (see site_gen.search)
        self._cells = self._pending_cells
        live = {id(view) for view in rendered.posts + rendered.pages} | {
            id(text) for text in rendered.feed_html.values()
        }
        self._memo = {key: value for key, value in self._memo.items() if key[0] in live}
        return Rebuild(plan, frozenset(out.written | plan.delete), rendered.warnings)

    def watched_files(self) -> set[Path]:
        """The bibliographies and styles the posts of the last good build read."""
        return set(_read_files(self.root, self._posts or []))

    def _prepare(self, changed: set[Path]) -> tuple[Config, list[Post], RenderedSite, bool]:
        changed = {Path(os.path.abspath(path)) for path in changed}
        code_changed = any(path.suffix == ".py" for path in changed)
        full = self._posts is None or code_changed or self.root / CONFIG_NAME in changed
        if code_changed:
            self.cache.clear()
        if code_changed or any(path.is_relative_to(self.root / "diagrams") for path in changed):
            self.cache.forget_keys()  # keys hash the diagram files a post names
        try:
            config = load_config(self.root)
        except ContentError as exc:
            raise BuildFailed([exc]) from None
        errors: list[ContentError] = []
        reread = None if full else self._reread(config, changed, errors)
        if reread is None:
            errors = []
            posts, errors = discover(config, drafts=self.drafts)
            to_execute = posts
        else:
            posts, to_execute = reread
        # Executed cells: only the edited posts' (their cell cache makes unchanged cells free).
        executed = execute_posts(to_execute, site_root=config.root, settings=ExecuteSettings())
        errors.extend(executed.errors)
        urls = {post.url_path for post in posts}
        stale = {post.url_path for post in to_execute}
        cells = {url: c for url, c in self._cells.items() if url in urls and url not in stale} | executed.cells
        rendered = render_all(config, posts, errors, cache=self.cache, cells=cells)
        rendered.warnings.extend(executed.warnings)
        if errors:
            raise BuildFailed(errors)
        self._pending_cells = cells
        return config, posts, rendered, full

    def _reread(
        self, config: Config, changed: set[Path], errors: list[ContentError]
    ) -> tuple[list[Post], list[Post]] | None:
        """The fast path: re-read only edited posts; returns (all posts, the edited ones).
        None when discovery must run again (a post added, removed, renamed, drafted…)."""
        assert self._posts is not None
        by_source = {post.source: post for post in self._posts}
        owners = {asset: post for post in self._posts for asset in post.assets}
        readers = _read_files(self.root, self._posts)
        content = config.content_dir
        replaced: dict[Path, Post] = {}
        for path in changed:
            if path in readers:  # a .bib or .csl: the posts that read it are read again (the text is in the Post)
                for source in readers[path]:
                    if source.suffix != ".md":
                        return None
                    try:
                        replaced[source] = read_post(source, config)
                    except ContentError as exc:
                        errors.append(exc)
                if not path.is_relative_to(content) or path not in owners:
                    continue
            if not path.is_relative_to(content):
                continue
            if path in by_source and path.suffix == ".md" and path.is_file():
                try:
                    post = read_post(path, config)
                except ContentError as exc:
                    errors.append(exc)
                    continue
                old = by_source[path]
                if post.url_path != old.url_path or (post.draft and not self.drafts):
                    return None
                replaced[path] = post
            elif path in owners and path.is_file():
                # The copy's fingerprint notices the edit; the post is re-read in case its cells read the file.
                replaced.setdefault(owners[path].source, owners[path])
            elif path.exists() or path in by_source or any(known.is_relative_to(path) for known in by_source):
                return None
            # else: a file that came and went (an editor's temporary file): nothing to do
        return [replaced.get(post.source, post) for post in self._posts], list(replaced.values())


def _read_files(root: Path, posts: Iterable[Post]) -> dict[Path, list[Path]]:
    """Each .bib and .csl file the posts read, with the sources of the posts that read it."""
    readers: dict[Path, list[Path]] = {}
    for post in posts:
        names = [bib.path for bib in post.bibliography]
        if post.csl is not None and post.csl.xml:  # a style file, not a name citeproc-py knows
            names.append(Path(post.csl.name))
        for name in names:
            readers.setdefault(Path(os.path.abspath(root / name)), []).append(post.source)
    return readers


class CompiledTemplates(jinja2.BytecodeCache):
    """Compiled templates, kept in memory across rebuilds; Jinja2 checks each against its source."""

    def __init__(self) -> None:
        self._store: dict[str, bytes] = {}

    def load_bytecode(self, bucket: jinja2.bccache.Bucket) -> None:
        if bucket.key in self._store:
            bucket.bytecode_from_string(self._store[bucket.key])

    def dump_bytecode(self, bucket: jinja2.bccache.Bucket) -> None:
        self._store[bucket.key] = bucket.bytecode_to_string()


def _layout(config: Config, rendered: RenderedSite, out: IncrementalOutput, compiled: CompiledTemplates) -> None:
    try:
        write_site(config, rendered, out, compiled=compiled)
    except ContentError as exc:
        raise BuildFailed([exc]) from None
    except OutputConflict as exc:
        raise BuildFailed([ContentError(None, None, str(exc), "give one of them a different slug or name")]) from None


class SiteOutput(IncrementalOutput):
    """The preview's output: files go to a staging folder, and only those whose bytes
    differ from the served ones (``live``). A site file reached through a symlink out
    of the site is never copied, so a bundle's ``notes.txt -> /etc/passwd`` is not served."""

    def __init__(self, *args: Any, live: Path, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.live = live

    def write(self, rel_path: str, data: bytes) -> None:
        served = self._served(rel_path)
        if served is not None and served.stat().st_size == len(data) and served.read_bytes() == data:
            self._record_only(lambda: super(SiteOutput, self).write(rel_path, data))
        else:
            super().write(rel_path, data)

    def copy(self, rel_path: str, source: Path) -> None:
        _check_inside(source, self.config.root.resolve())
        served = self._served(rel_path)
        if served is not None and _same_bytes(source, served):
            self._record_only(lambda: super(SiteOutput, self).copy(rel_path, source))
        else:
            super().copy(rel_path, source)

    def _served(self, rel_path: str) -> Path | None:
        """The served file ``rel_path`` names, if there is one (a bad path is left to the parent to refuse)."""
        path = PurePosixPath(rel_path)
        if path.is_absolute() or ".." in path.parts:
            return None
        served = self.live.joinpath(*path.parts)
        return served if served.is_file() else None

    def _record_only(self, step: Callable[[], None]) -> None:
        """Run ``step`` as a dry run: its fingerprint is kept, nothing is staged."""
        folder, self.folder = self.folder, None
        try:
            step()
        finally:
            self.folder = folder


def _check_inside(source: Path, root: Path) -> None:
    seen = Path(os.path.abspath(source))  # the path as the site names it, links unresolved
    real = source.resolve()
    if seen.is_relative_to(root) and not real.is_relative_to(root):
        raise ContentError(
            seen.relative_to(root),
            None,
            f"refusing to publish a file from outside the site: {seen.name} is a symlink to {real}",
            "copy the file into the site instead of linking to it",
        )


def _same_bytes(a: Path, b: Path) -> bool:
    return a.stat().st_size == b.stat().st_size and a.read_bytes() == b.read_bytes()
