"""Reading one file of ``content/``: front matter, and the ``Post`` model.

This is the *reader* stage of the pipeline (``site_gen.discovery`` finds the
files, one reader per format in ``site_gen.readers``): it turns files into plain data and
knows nothing about Markdown rendering, templates or output. Everything it
checks (required keys, dates, slugs) is checked here, once, so later stages can
trust a ``Post``.
"""

from __future__ import annotations

import difflib
import hashlib
import html
import re
import unicodedata
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time
from functools import cached_property
from pathlib import Path
from typing import Any, NamedTuple

from .citations import BibFile, CslStyle, read_bibliography, read_style
from .config import CONFIG_NAME, Config
from .errors import ContentError, ContentWarning
from .readers import reader_for
from .readers.markdown import line_of as _line_of
from .readers.markdown import split_front_matter  # noqa: F401  (bench/ imports it from here)
from .sidenotes import FOOTNOTE_MODES
from .textfile import XML_INVALID, check_inside_site

POSTS_DIR = "posts"
# A folder holding one of these is a page bundle: that file is the page, the rest travels with it.
BUNDLE_INDEXES = ("index.md", "index.qmd", "index.markdown")
TEXT_SUFFIXES = (".md", ".markdown", ".qmd")  # read as posts, never copied as assets

REQUIRED_KEYS = ("title", "date")
OPTIONAL_KEYS = (
    "updated", "tags", "summary", "draft", "slug", "macros", "jupyter", "inputs", "execute",
    "bibliography", "csl", "footnotes",
)  # fmt: skip
_SLUG_OK = re.compile(r"^[a-z0-9][a-z0-9._-]*$")
# Markup site_gen does not read (yet): a file of these kinds is reported, never skipped silently.
UNREAD_SUFFIXES = (".mdown", ".mkd", ".rmd", ".rst", ".html", ".htm", ".adoc", ".org", ".textile")
# Names the build itself writes at the top of the site: a page there would collide with them.
RESERVED_NAMES = (
    "feed.xml", "sitemap.xml", "robots.txt", "404.html", "static", "tags", "archive", "page", "search", "pagefind",
)  # fmt: skip


class Tag(NamedTuple):
    """A tag as written (``name``) and as addressed (``slug``). A named tuple rather than a
    dataclass: a large site's layout hashes and compares tens of thousands of tags, and a
    tuple does both in C (a frozen dataclass's ``__hash__`` is Python: ~20 ms at 5000 posts)."""

    slug: str
    name: str

    @property
    def url_path(self) -> str:
        return f"tags/{self.slug}/"

    @property
    def feed_path(self) -> str:
        return f"tags/{self.slug}/feed.xml"


@dataclass(frozen=True)
class Post:
    """One source file, parsed and checked, not yet rendered.

    Standalone pages (``content/about.md``) are Posts with ``is_page`` set: the
    same reader, the same renderer, a different template and no listings.
    """

    source: Path  # absolute path of the Markdown file
    rel_source: Path  # relative to the site root, for messages
    is_page: bool
    slug: str
    url_path: str  # site-relative URL of the page, e.g. "posts/hello/"
    title: str
    date: datetime
    updated: datetime | None
    tags: tuple[Tag, ...]
    summary: str | None
    draft: bool
    body: str
    body_line: int  # 1-based line of the file where ``body`` starts
    macros: dict[str, str] = field(default_factory=dict)
    assets: tuple[Path, ...] = ()  # bundle files copied beside the page
    warnings: tuple[ContentWarning, ...] = ()  # found while reading, reported with the build's
    # Executed cells (see site_gen.cells): the kernel, files the cells read, whether to run them,
    # and for a notebook, the outputs stored in it (shown when it is not executed).
    jupyter: str = "python3"
    inputs: tuple[str, ...] = ()
    execute: bool = True
    remote: bool | None = None  # `execute: {remote: true}`: run on [execute.remote]'s gateway (None: site.toml decides)
    stored_outputs: tuple[tuple[str, tuple[dict[str, Any], ...]], ...] | None = None  # (code, outputs)
    # Citations (site_gen.citations): the .bib files' text and the CSL style, so an edit to them re-renders.
    bibliography: tuple[BibFile, ...] = ()
    csl: CslStyle | None = None
    footnotes: str = "bottom"  # "margin": each footnote beside its reference (site_gen.sidenotes)

    @property
    def output_path(self) -> str:
        return self.url_path + "index.html"

    @cached_property
    def digest(self) -> str:
        """A hash of every field: what the render key and the page fingerprints say of the post.

        Kept in the instance's ``__dict__``, so the post cache stores it with the post and an
        unchanged post is not hashed again by the next build."""
        return hashlib.sha256(repr(self).encode("utf-8")).hexdigest()

    @cached_property
    def diagram_refs(self) -> frozenset[str]:
        """The files of ``diagrams/`` the body mentions (``diagrams/loop.json``, escapes undone):
        the render key covers those, and only those. Kept like ``digest``, so that a post from
        the post cache is keyed without its body."""
        return frozenset(_DIAGRAM_MENTION.findall(html.unescape(_MARKDOWN_ESCAPE.sub("", self.body))))

    @cached_property
    def may_have_cells(self) -> bool:
        """False only when the body certainly holds no executable cell, so the post can render
        before any kernel ran. Kept like ``digest``."""
        from .cells.model import body_may_have_cells  # the cell machinery, only for a post just read

        return body_may_have_cells(self.body)

    def __getattr__(self, name: str) -> Any:
        """Called only for an attribute the instance lacks, in a post from the post cache: its
        body, which stays in its source file until something asks for it (a render, a
        notebook export), since most builds never do (see ``site_gen.post_cache``); and its
        paths, kept as text until used (unpickling 10,000 Paths was 27 of the 37 ms the
        cache of a 5000-post site took to load, for posts most builds only look up)."""
        text = PATH_TEXT.get(name)
        if text is not None and text in self.__dict__:
            path = Path(self.__dict__[text])
            object.__setattr__(self, name, path)
            return path
        if name != "body" or BODY_DIGEST not in self.__dict__:
            raise AttributeError(name)
        body = _read_back_body(self)
        object.__setattr__(self, "body", body)
        return body

    @property
    def last_modified(self) -> datetime:
        return self.updated or self.date


# What a post's body may mention of diagrams/ (the pattern markdown.diagram_refs draws), once
# Markdown's backslash escapes are dropped and entities decoded as they are in a link.
_DIAGRAM_MENTION = re.compile(r"diagrams/((?:[\w-]+/)*[\w.-]+\.json)")
_MARKDOWN_ESCAPE = re.compile(r"\\(?=[!-/:-@\[-`{-~])")
# A post kept without its body holds, in its __dict__, a hash of that body and the path its
# reader was given where that is not its rel_source: enough to read the body back, the same.
BODY_DIGEST, READER_REL = "_body_digest", "_reader_rel"
# ... and its paths as text, made Paths on first use (Post.__getattr__).
PATH_TEXT = {"source": "_source_text", "rel_source": "_rel_source_text"}


def body_digest(body: str) -> str:
    return hashlib.sha256(body.encode("utf-8")).hexdigest()


def _read_back_body(post: Post) -> str:
    """The body of a post kept without it, read again from its source file by its reader."""
    reader = reader_for(post.source)
    assert reader is not None  # it was read by one
    try:
        body = reader(post.source, post.__dict__.get(READER_REL, post.rel_source)).body
    except (ContentError, OSError):
        body = None
    if body is None or body_digest(body) != post.__dict__[BODY_DIGEST]:
        raise ContentError(post.rel_source, None, "the file changed while the site was being built", "build again")
    return body


def slugify(text: str) -> str:
    """A URL-safe, stable slug: lowercase letters and digits joined by '-'."""
    normalized = unicodedata.normalize("NFKD", text)
    ascii_text = normalized.encode("ascii", "ignore").decode("ascii").lower()
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_text).strip("-")
    return slug or "untitled"


def read_post(path: Path, config: Config) -> Post:
    """Parse one Markdown file with YAML front matter into a ``Post``."""
    rel = _relative(path, config.root)
    reader = reader_for(path)
    if reader is None:
        raise ContentError(rel, None, f"site_gen has no reader for {path.suffix} files", "rename it to .md")
    source = reader(path, rel)
    meta, body, body_line, text, stored_outputs = (
        source.meta,
        source.body,
        source.body_line,
        source.text,
        source.stored_outputs,
    )
    read_warnings = source.warnings
    warnings = [*read_warnings, *_clean_meta(meta, rel, text), *_check_keys(meta, rel, text)]

    is_bundle = path.name in BUNDLE_INDEXES
    if is_bundle and path.parent == config.content_dir:
        raise ContentError(
            rel,
            1,
            "content/index.md is not supported: the home page is generated",
            "put the text in content/about.md, or override templates/home.html",
        )
    if is_bundle and path.parent == config.content_dir / POSTS_DIR:
        raise ContentError(
            rel,
            1,
            "content/posts/index.md would make the whole posts/ folder one page bundle, hiding every other post",
            "move it to content/posts/<slug>/index.md, or to content/<slug>.md for a standalone page",
        )
    in_posts = path.relative_to(config.content_dir).parts[0] == POSTS_DIR
    default_slug = path.parent.name if is_bundle else path.stem
    slug = _slug(meta, default_slug, rel, text)
    section = path.parent.parent if is_bundle else path.parent
    section_path = section.relative_to(config.content_dir).as_posix()
    url_path = f"{slug}/" if section_path == "." else f"{section_path}/{slug}/"
    _check_not_reserved(url_path, rel, text)

    tz = config.tz
    return Post(
        source=path,
        rel_source=rel if source.path is None else source.path,  # a notebook's path names cells in errors
        is_page=not in_posts,
        slug=slug,
        url_path=url_path,
        title=_string(meta, "title", rel, text),
        date=_datetime(meta["date"], "date", rel, text, tz),
        updated=_datetime(meta["updated"], "updated", rel, text, tz) if meta.get("updated") else None,
        tags=_tags(meta.get("tags"), rel, text),
        summary=_string(meta, "summary", rel, text) if meta.get("summary") is not None else None,
        draft=_bool(meta, "draft", rel, text),
        body=body,
        body_line=body_line,
        macros=_macros(meta.get("macros"), rel, text),
        assets=_bundle_assets(path, config.root) if is_bundle else (),
        warnings=tuple(warnings),
        jupyter=_string(meta, "jupyter", rel, text) if meta.get("jupyter") is not None else "python3",
        inputs=_inputs(meta.get("inputs"), rel, text),
        execute=_execute(meta, rel, text)[0],
        remote=_execute(meta, rel, text)[1],
        stored_outputs=stored_outputs,
        bibliography=_bibliography(meta, path, config, rel, text),
        csl=_csl(meta, path, config, rel, text),
        footnotes=_footnotes(meta, config, rel, text),
    )


def _check_keys(meta: dict[str, Any], rel: Path, text: str) -> list[ContentWarning]:
    """Required keys must be there; unknown ones are ignored with a warning.

    Posts moved from Jekyll or Hugo carry keys of their own (``layout``,
    ``permalink``…) and should still build, but a near-miss of a key we know
    (``titel``, ``tag``) is a typo that would silently drop a setting: an error.
    """
    for key in REQUIRED_KEYS:
        if meta.get(key) in (None, ""):
            raise ContentError(rel, 1, f"front matter has no '{key}'", f"add a line `{key}: …` to the front matter")
    allowed = sorted(set(REQUIRED_KEYS) | set(OPTIONAL_KEYS))
    warnings = []
    for key in meta:
        if key in allowed:
            continue
        near = difflib.get_close_matches(str(key), allowed, n=1, cutoff=0.8)
        if near:
            raise ContentError(
                rel, _line_of(text, key), f"unknown front matter key '{key}'", f"did you mean '{near[0]}'?"
            )
        warnings.append(
            ContentWarning(rel, _line_of(text, key), f"front matter key '{key}' is not used by site_gen; ignored")
        )
    return warnings


def _clean_meta(meta: dict[str, Any], rel: Path, text: str) -> list[ContentWarning]:
    """YAML escapes (``"\\a"``) can put characters XML cannot hold into values: drop them, with a warning."""
    warnings = []
    for key, value in meta.items():
        cleaned = _without_invalid(value)
        if cleaned != value:
            meta[key] = cleaned
            warnings.append(
                ContentWarning(rel, _line_of(text, key), f"removed characters XML cannot hold from '{key}'")
            )
    return warnings


def _without_invalid(value: Any) -> Any:
    if isinstance(value, str):
        return XML_INVALID.sub("", value)
    if isinstance(value, list):
        return [_without_invalid(item) for item in value]
    if isinstance(value, dict):
        return {_without_invalid(k): _without_invalid(v) for k, v in value.items()}
    return value


def _string(meta: dict[str, Any], key: str, rel: Path, text: str) -> str:
    value = meta[key]
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        value = str(value)
    if not isinstance(value, str) or not value.strip():
        raise ContentError(rel, _line_of(text, key), f"'{key}' must be text")
    return value.strip()


def _bool(meta: dict[str, Any], key: str, rel: Path, text: str) -> bool:
    value = meta.get(key, False)
    if not isinstance(value, bool):
        raise ContentError(rel, _line_of(text, key), f"'{key}' must be true or false, not {value!r}")
    return value


def _execute(meta: dict[str, Any], rel: Path, text: str) -> tuple[bool, bool | None]:
    """``execute: false`` (show code only), or ``execute: {remote: true}`` (run on the site's gateway)."""
    value = meta.get("execute", True)
    if isinstance(value, dict):
        unknown = sorted(str(key) for key in value if key not in ("remote", "eval"))
        enabled, remote = value.get("eval", True), value.get("remote")
        if not unknown and isinstance(enabled, bool) and (remote is None or isinstance(remote, bool)):
            return enabled, remote
        raise ContentError(
            rel,
            _line_of(text, "execute"),
            "'execute' must be true/false or a mapping of `remote: true|false` (and `eval: true|false`)",
            "write `execute: {remote: true}` to run this post's cells on [execute.remote]",
        )
    return _bool(meta, "execute", rel, text) if "execute" in meta else True, None


def _datetime(value: Any, key: str, rel: Path, text: str, tz: Any) -> datetime:
    """Dates as YAML gives them (date, datetime or ISO string), made timezone-aware."""
    if isinstance(value, str):
        try:
            value = datetime.fromisoformat(value.strip())
        except ValueError:
            raise ContentError(
                rel,
                _line_of(text, key),
                f"cannot parse {key} {value!r}",
                "write dates as YYYY-MM-DD or YYYY-MM-DDTHH:MM[:SS][+HH:MM]",
            ) from None
    if isinstance(value, datetime):
        moment = value if value.tzinfo else value.replace(tzinfo=tz)
    elif isinstance(value, date):
        moment = datetime.combine(value, time(0, 0), tzinfo=tz)
    else:
        raise ContentError(rel, _line_of(text, key), f"cannot parse {key} {value!r}", "write dates as YYYY-MM-DD")
    try:  # feeds and sorting need it in UTC; 0001-01-01T00:00+14:00 has no UTC date
        moment.astimezone(UTC)
    except (OverflowError, ValueError):
        raise ContentError(
            rel,
            _line_of(text, key),
            f"{key} {value} is outside the range of dates that can be written in UTC",
            "use a date between the years 1 and 9999 that stays in range once converted to UTC",
        ) from None
    return moment


def _slug(meta: dict[str, Any], default: str, rel: Path, text: str) -> str:
    if meta.get("slug") is None:
        return slugify(default) if not _SLUG_OK.match(default) else default
    slug = meta["slug"]
    if not isinstance(slug, str) or not _SLUG_OK.match(slug):
        raise ContentError(
            rel,
            _line_of(text, "slug"),
            f"invalid slug {slug!r}",
            "use lowercase letters, digits, '-', '_' or '.', starting with a letter or digit",
        )
    return slug


def _tags(value: Any, rel: Path, text: str) -> tuple[Tag, ...]:
    if value is None:
        return ()
    if isinstance(value, str):
        value = [part.strip() for part in value.split(",") if part.strip()]
    if not isinstance(value, list) or not all(isinstance(tag, (str, int)) for tag in value):
        raise ContentError(
            rel, _line_of(text, "tags"), "'tags' must be a list of names", "write `tags: [math, python]`"
        )
    unique = {slugify(str(name)): str(name).strip() for name in value}
    return tuple(sorted(Tag(slug, name) for slug, name in unique.items()))


def _macros(value: Any, rel: Path, text: str) -> dict[str, str]:
    if value is None:
        return {}
    if not isinstance(value, dict) or not all(
        isinstance(k, str) and k.isalpha() and isinstance(v, str) for k, v in value.items()
    ):
        raise ContentError(
            rel,
            _line_of(text, "macros"),
            "'macros' must map letter-only names to TeX strings",
            'write `macros: {R: "\\\\mathbb{R}"}`',
        )
    return dict(value)


def _bibliography(meta: dict[str, Any], path: Path, config: Config, rel: Path, text: str) -> tuple[BibFile, ...]:
    """The post's ``bibliography:`` (beside it), else the site's (from the site root)."""
    if meta.get("bibliography") is not None:
        return read_bibliography(meta["bibliography"], path.parent, config.root, rel, _line_of(text, "bibliography"))
    if config.bibliography:
        return read_bibliography(config.bibliography, config.root, config.root, Path(CONFIG_NAME), 1)
    return ()


def _csl(meta: dict[str, Any], path: Path, config: Config, rel: Path, text: str) -> CslStyle | None:
    if meta.get("csl") is not None:
        return read_style(meta["csl"], path.parent, config.root, rel, _line_of(text, "csl"))
    return read_style(config.csl, config.root, config.root, Path(CONFIG_NAME), 1) if config.csl else None


def _footnotes(meta: dict[str, Any], config: Config, rel: Path, text: str) -> str:
    value = meta.get("footnotes", config.footnotes)
    if value not in FOOTNOTE_MODES:
        raise ContentError(
            rel, _line_of(text, "footnotes"), f"'footnotes' must be one of {', '.join(FOOTNOTE_MODES)}, not {value!r}"
        )
    return str(value)


def _inputs(value: Any, rel: Path, text: str) -> tuple[str, ...]:
    if value is None:
        return ()
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list) or not all(isinstance(name, str) and name.strip() for name in value):
        raise ContentError(
            rel, _line_of(text, "inputs"), "'inputs' must be a list of file names", "write `inputs: [data/names.txt]`"
        )
    return tuple(name.strip() for name in value)


def _bundle_assets(index: Path, root: Path) -> tuple[Path, ...]:
    """Files that travel with a page bundle: everything in its folder but Markdown.

    A symlink that leads out of the site is refused: published, it would put
    whatever it points at (``/etc/passwd``, ``~/.ssh``) on the web.
    """
    folder = index.parent
    assets = []
    for path in sorted(folder.rglob("*")):
        if path.suffix.lower() in TEXT_SUFFIXES or _is_hidden(path.relative_to(folder)):
            continue
        if path.is_symlink() or path.is_file():
            check_inside_site(path, root, _relative(path, root))
        if path.is_file():
            assets.append(path)
    return tuple(assets)


def _check_not_reserved(url_path: str, rel: Path, text: str) -> None:
    first = url_path.split("/", 1)[0]
    if first in RESERVED_NAMES and url_path.count("/") == 1:
        raise ContentError(
            rel,
            _line_of(text, "slug") if "slug:" in text else 1,
            f"the URL /{url_path} collides with /{first}, which the build writes itself",
            f"rename the file or set another `slug:`; reserved at the top level: {', '.join(RESERVED_NAMES)}",
        )


def _is_hidden(rel: Path) -> bool:
    return any(part.startswith((".", "_")) for part in rel.parts)


def _relative(path: Path, root: Path) -> Path:
    try:
        return path.relative_to(root)
    except ValueError:
        return path
