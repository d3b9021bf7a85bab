"""Fingerprints: has this output file's input changed since the last build?

For every output file we keep a hash of everything it is made from: its
template and the templates that template includes or extends, the values the
template sees, the site settings. Computing one runs no template, so deciding
what to remake is cheap; both the preview server (``site_gen.incremental``)
and ``site-gen build`` (with the fingerprints of the last build, from the
manifest) render only the pages whose fingerprint changed.

What a page "sees" of a post depends on the role the post plays in it, so that
a prose edit does not ripple out further than it shows:

- ``post`` / ``page``: the page of the post itself — everything;
- ``prev_post`` / ``next_post``: a neighbour's link — its URL and title only;
- anything else (home pages, tag pages, the archive): a listing card — title,
  dates, tags, summary, reading time; not the rest of the body.
"""

from __future__ import annotations

import contextlib
import dataclasses
import hashlib
import os
import shutil
import tempfile
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path, PurePosixPath
from typing import Any

import jinja2
import jinja2.meta

from .config import Config
from .layout import PostView, card_digest, make_environment
from .output import Inputs, OutputConflict
from .render_cache import CachedBody

# Roles in a template's context that show only a link to a post, or the whole post.
LINK_ROLES = frozenset({"prev_post", "next_post"})
FULL_ROLES = frozenset({"post", "page"})
PLAIN = frozenset({int, float, bool, type(None), datetime})
LONG_TEXT = 512  # characters; longer strings are fingerprinted once and remembered
# What was worked out of an object, by its id and a kind ("card", "text", "record"…). Each
# value holds the object itself, so that its id cannot be recycled while it is remembered;
# the preview keeps one across rebuilds (its views and bodies are the same objects).
Memo = dict[tuple[int, str], tuple[object, Any]]


@dataclass(frozen=True)
class Plan:
    """What a rebuild will do, as site-relative output paths."""

    render: frozenset[str]  # to (re)make; written only if the bytes differ
    delete: frozenset[str]  # produced last time, not any more
    full: bool  # settings or code changed: everything is remade


class IncrementalOutput:
    """An ``output.Output`` that decides from fingerprints, and writes in place.

    With ``folder=None`` it is a dry run: it records the plan and writes nothing.
    """

    def __init__(
        self,
        config: Config,
        previous: Mapping[str, str],
        *,
        full: bool,
        folder: Path | None,
        memo: Memo,
        template_refs: dict[str, list[str]],
    ) -> None:
        self.config = config
        self.previous = previous
        self.full = full
        self.folder = folder
        self.memo = memo
        self.template_refs = template_refs  # a hash of a template's text -> the templates it names
        self.fingerprints: dict[str, str] = {}
        self.planned: set[str] = set()
        self.written: set[str] = set()
        self.template_files: dict[str, frozenset[str]] = {}  # template -> files it is made of
        # Pages whose inputs are known to be the last build's (site_gen.reach): not described again.
        self.settled: frozenset[str] = frozenset()
        self.seed = hashlib.sha256(repr(config).encode("utf-8")).hexdigest()  # the settings, in every fingerprint
        self._env = make_environment(config)
        self._template_digests: dict[str, str] = {}
        self._values: dict[tuple[str, int], tuple[object, str]] = {}

    def changed(self, rel_path: str, inputs: Inputs, template: str | None = None) -> bool:
        """Record ``rel_path``'s fingerprint; True when it differs from the previous one."""
        if rel_path in self.settled and rel_path not in self.fingerprints:
            # _record's work, inline: this runs for nearly every page of a rebuild after an edit, and a
            # settled page is unchanged (settle() settles nothing in a full rebuild).
            self.fingerprints[rel_path] = self.previous[rel_path]
            return False
        if callable(inputs):
            inputs = inputs()
        # One text, hashed once: a thousand pages make ~10,000 values, and each update() is a call.
        parts = [self.seed, self.template_digest(template) if template is not None else ""]
        for name in sorted(inputs):
            parts.append(name)
            parts.append(self._value_text(name, inputs[name]))
        return self._record(rel_path, hashlib.sha256("\0".join(parts).encode("utf-8")).hexdigest())

    def needs(self, rel_path: str, inputs: Inputs, template: str | None = None) -> bool:
        return self.changed(rel_path, inputs, template) and self.folder is not None

    def write(self, rel_path: str, data: bytes) -> None:
        if rel_path not in self.fingerprints:  # made without needs(): cheap, so fingerprint the bytes
            self._record(rel_path, hashlib.sha256(data).hexdigest())
        if self.folder is not None and rel_path in self.planned:
            destination = self._destination(rel_path)
            if not (destination.is_file() and destination.read_bytes() == data):
                replace_file(destination, lambda tmp: tmp.write_bytes(data))
                self.written.add(rel_path)

    def copy(self, rel_path: str, source: Path) -> None:
        stat = source.stat()
        self._record(rel_path, f"{source}:{stat.st_size}:{stat.st_mtime_ns}")
        if self.folder is not None and rel_path in self.planned:
            destination = self._destination(rel_path)
            if not (destination.is_file() and _same_bytes(source, destination)):
                replace_file(destination, lambda tmp: shutil.copyfile(source, tmp))
                self.written.add(rel_path)

    def plan(self) -> Plan:
        return Plan(frozenset(self.planned), frozenset(self.previous.keys() - self.fingerprints.keys()), self.full)

    def _record(self, rel_path: str, fingerprint: str) -> bool:
        if rel_path in self.fingerprints:
            raise OutputConflict(f"two sources write the same output file: {rel_path}")
        self.fingerprints[rel_path] = fingerprint
        changed = self.full or self.previous.get(rel_path) != fingerprint
        if changed:
            self.planned.add(rel_path)
        return changed

    def _destination(self, rel_path: str) -> Path:
        assert self.folder is not None
        parts = PurePosixPath(rel_path).parts
        if PurePosixPath(rel_path).is_absolute() or ".." in parts:
            raise OutputConflict(f"refusing to write outside the output folder: {rel_path!r}")
        return self.folder.joinpath(*parts)

    def _value_text(self, role: str, value: object) -> str:
        if type(value) is str and len(value) <= LONG_TEXT:
            return repr(value)
        if type(value) is PostView:
            return self.view_digest(value, _kind(role))
        return self._shared(value, role)  # the navigation, one listing's posts: described once

    def _describe(self, value: object, role: str) -> str:
        """A text that stands for a template value: equal texts, equal values as the page
        shows them (see the module docstring). Built as text, with no repr of a nested
        structure at the end, since this runs ~40,000 times a rebuild on a large site."""
        # type() rather than isinstance(), for the same reason.
        if type(value) is str:
            return self._text_digest(value) if len(value) > LONG_TEXT else repr(value)
        if type(value) in PLAIN:
            return repr(value)  # faithful
        if type(value) is PostView:
            return self.view_digest(value, _kind(role))  # a hash or a tagged text, unlike any repr
        if type(value) is CachedBody:  # a body in the render cache: its key stands for it, unread
            return f"<cached {value.key} {value.feed}>"
        if type(value) is list or type(value) is tuple:  # most often a listing's posts: views first
            kind = _kind(role)
            described = [
                self.view_digest(item, kind)
                if type(item) is PostView
                else self._shared(item, role)
                if type(item) is tuple
                else self._describe(item, role)
                for item in value
            ]
            return "[" + ",".join(described) + "]"
        if type(value) is dict:
            items = sorted((repr(k), self._describe(v, role)) for k, v in value.items())
            return "{" + ",".join(f"{k}:{v}" for k, v in items) + "}"
        if dataclasses.is_dataclass(value) and not isinstance(value, type):  # a FeedEntry carries a whole post
            fields = dataclasses.fields(value)
            return (
                type(value).__name__
                + "("
                + ",".join(self._describe(getattr(value, f.name), role) for f in fields)
                + ")"
            )
        return repr(value)  # anything else

    def _shared(self, value: object, role: str) -> str:
        """A value described once per rebuild however many pages, or lists, hold it (the
        navigation is on every page, a tag's feed link on the page of each of its posts)."""
        known = self._values.get((role, id(value)))
        if known is not None and known[0] is value:
            return known[1]
        described = self._describe(value, role)
        self._values[(role, id(value))] = (value, described)
        return described

    def _text_digest(self, text: str) -> str:
        # Long texts (a post's HTML) are the same objects from one rebuild to the next: hash each once.
        cached = self.memo.get((id(text), "text"))
        if cached is not None and cached[0] is text:
            known: str = cached[1]
            return known
        digest = "#" + hashlib.sha256(text.encode("utf-8")).hexdigest()
        self.memo[(id(text), "text")] = (text, digest)
        return digest

    def view_digest(self, view: PostView, kind: str) -> str:
        # Views are reused across rebuilds (the render cache), so remember their digests;
        # the memo holds the view itself, so its id cannot be recycled while cached.
        cached = self.memo.get((id(view), kind))
        if cached is not None and cached[0] is view:
            known: str = cached[1]
            return known
        if kind == "card":
            digest = view.card or card_digest(view)
        elif kind == "link":
            digest = "link " + repr((view.url_path, view.title))
        elif view.digest:  # the render key covers the post and so all that its render made of it
            digest = f"full {view.digest} {view.notebook}"
        else:
            seen = (repr(view.post), view.html, view.summary_html, view.description, view.toc, view.word_count)
            digest = hashlib.sha256(repr(seen).encode("utf-8")).hexdigest()
        self.memo[(id(view), kind)] = (view, digest)
        return digest

    def template_digest(self, name: str) -> str:
        """A hash of a template and of every template it extends, includes or imports."""
        if name not in self._template_digests:
            files: dict[str, str] = {}
            pending = [name]
            while pending:
                current = pending.pop()
                if current in files:
                    continue
                try:
                    source, filename, _ = self._env.loader.get_source(self._env, current)  # type: ignore[union-attr]
                except jinja2.TemplateNotFound:
                    files[current] = "<missing>"
                    continue
                files[current] = f"{filename}\0{source}"
                text = hashlib.sha256(source.encode("utf-8")).hexdigest()
                if text not in self.template_refs:
                    self.template_refs[text] = []
                    with contextlib.suppress(jinja2.TemplateSyntaxError):  # rendering reports it, with file and line
                        refs = jinja2.meta.find_referenced_templates(self._env.parse(source))
                        self.template_refs[text] = [ref for ref in refs if ref]
                pending.extend(self.template_refs[text])
            self.template_files[name] = frozenset(value.split("\0", 1)[0] for value in files.values())
            blob = "\0\0".join(f"{key}\0{value}" for key, value in sorted(files.items()))
            self._template_digests[name] = hashlib.sha256(blob.encode("utf-8")).hexdigest()
        return self._template_digests[name]


def _kind(role: str) -> str:
    """What a page in this role sees of a post (see the module docstring)."""
    return "link" if role in LINK_ROLES else "full" if role in FULL_ROLES else "card"


def _same_bytes(a: Path, b: Path) -> bool:
    return a.stat().st_size == b.stat().st_size and a.read_bytes() == b.read_bytes()


def replace_file(destination: Path, fill: Callable[[Path], object]) -> None:
    """Write via a temporary file and a rename, so the server never sends half a file."""
    destination.parent.mkdir(parents=True, exist_ok=True)
    handle, name = tempfile.mkstemp(prefix=".tmp-", dir=destination.parent)
    os.close(handle)
    tmp = Path(name)
    try:
        fill(tmp)
        os.chmod(tmp, 0o644)
        os.replace(tmp, destination)
    finally:
        tmp.unlink(missing_ok=True)
