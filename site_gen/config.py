"""``site.toml``: the few settings a site has, checked strictly.

A typo in a config key silently ignored is a setting that silently does not
apply, so unknown keys and wrong types are errors that name the key.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from .errors import ContentError
from .textfile import decode_utf8

CONFIG_NAME = "site.toml"
REDIRECTS_DIR = "redirects"  # pages at old URLs, published at the site root (see site_gen.importers)
GITHUB = "https://github.com/"
COLAB = "https://colab.research.google.com/github/"
REMOTE_CELLS = ("cuda", "marked", "all")  # which posts run on [execute.remote]


@dataclass(frozen=True)
class RemoteConfig:
    """``[execute.remote]``: a Jupyter Kernel (or Enterprise) Gateway that runs some posts' cells.

    The token is never a setting: ``site.toml`` is committed, so it is read from
    the environment variable ``token_env`` names when the build starts.
    """

    url: str = ""  # the gateway, e.g. "http://127.0.0.1:8888"; "": only `--remote URL` turns it on
    token_env: str = "SITE_GEN_REMOTE_TOKEN"
    kernel: str | None = None  # the gateway's kernel name; default: the post's `jupyter:`
    cells: str = "cuda"  # "cuda": posts with `requires: cuda` cells or `execute: {remote: true}`; "marked"; "all"
    host: str = "remote kernel"  # the label provenance shows (a hostname is not published unless you write it)
    jobs: int = 4  # remote kernels at once, apart from the local ones


@dataclass(frozen=True)
class Config:
    """Site-wide settings; every field has a default except where noted."""

    root: Path
    title: str = "A learning notebook"
    author: str = "Anonymous"
    description: str = ""
    base_url: str = "http://localhost:8000/"
    language: str = "en"
    license: str = ""
    timezone: str = "UTC"
    posts_per_page: int = 10
    feed_size: int = 20
    cell_timeout: int = 120  # seconds an executed cell may run unless it sets `#| timeout:`
    cell_output_limit: int = 1_000_000  # characters of text a cell's outputs may publish; the rest is cut
    unsafe_cell_html: bool = False  # publish cell and notebook HTML outputs unsanitised (scripts run)
    search: bool = True  # a Pagefind index and a /search/ page
    # Where the *built* site's files are on GitHub (e.g. a gh-pages branch), for "Open in Colab" links:
    # "https://github.com/user/notebook/blob/gh-pages/". Empty: no Colab links.
    published_repository: str = ""
    raw_html: bool = True  # HTML written in Markdown passes through; false leaves it out (Hugo's default)
    bibliography: str = ""  # a .bib file (from the site root) for posts that do not name their own
    csl: str = ""  # a .csl style file for citations (default: site_gen.citations.DEFAULT_STYLE)
    footnotes: str = "bottom"  # "margin": footnotes beside their reference on wide screens
    macros: dict[str, str] = field(default_factory=dict)
    remote: RemoteConfig | None = None  # `[execute.remote]` in site.toml

    @property
    def base_path(self) -> str:
        """The URL path the site lives under: "/" or e.g. "/notebook/"."""
        return urlsplit(self.base_url).path

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    @property
    def content_dir(self) -> Path:
        return self.root / "content"

    @property
    def templates_dir(self) -> Path:
        return self.root / "templates"

    @property
    def static_dir(self) -> Path:
        return self.root / "static"

    @property
    def diagrams_dir(self) -> Path:
        return self.root / "diagrams"

    @property
    def cache_dir(self) -> Path:
        return self.root / ".cache"

    def url(self, path: str) -> str:
        """Site-relative path ("posts/x/") to a URL on this site ("/notebook/posts/x/")."""
        return self.base_path + path.lstrip("/")

    def colab_url(self, path: str) -> str:
        """Colab's address for a notebook of the built site, or "" without ``published_repository``."""
        if not self.published_repository:
            return ""
        return COLAB + self.published_repository.removeprefix(GITHUB) + path.lstrip("/")

    def abs_url(self, path: str) -> str:
        """Site-relative path to an absolute URL, for feeds, sitemaps and OpenGraph."""
        return self.base_url + path.lstrip("/")


# The TOML type each key must have; ints are not bools, although Python thinks so.
_EXPECTED: dict[str, type] = {
    "title": str,
    "author": str,
    "description": str,
    "base_url": str,
    "language": str,
    "license": str,
    "timezone": str,
    "posts_per_page": int,
    "feed_size": int,
    "cell_timeout": int,
    "cell_output_limit": int,
    "unsafe_cell_html": bool,
    "raw_html": bool,
    "bibliography": str,
    "csl": str,
    "footnotes": str,
    "search": bool,
    "published_repository": str,
    "macros": dict,
}


def load_config(root: Path) -> Config:
    """Read ``root/site.toml`` (optional: a site without one gets the defaults)."""
    root = root.resolve()
    path = root / CONFIG_NAME
    if not path.exists():
        return Config(root=root)
    try:
        data = tomllib.loads(decode_utf8(path.read_bytes(), path))
    except tomllib.TOMLDecodeError as exc:
        raise ContentError(path, _toml_error_line(exc), f"invalid TOML: {exc}", "fix the syntax of site.toml") from None
    return _config_from_dict(root, path, data)


def _config_from_dict(root: Path, path: Path, data: dict[str, Any]) -> Config:
    known = ({f.name for f in fields(Config)} - {"root", "remote"}) | {"execute"}
    values: dict[str, Any] = {}
    for key, value in data.items():
        if key == "execute":
            values["remote"] = _remote_config(path, value)
            continue
        if key not in known:
            raise ContentError(
                path,
                _line_of_key(path, key),
                f"unknown setting '{key}'",
                f"valid settings: {', '.join(sorted(known))}",
            )
        expected = _EXPECTED[key]
        if not isinstance(value, expected) or (expected is int and isinstance(value, bool)):
            raise ContentError(
                path,
                _line_of_key(path, key),
                f"setting '{key}' must be {_type_name(expected)}, not {_type_name(type(value))}",
            )
        values[key] = value
    config = Config(root=root, **values)
    _validate(config, path)
    return config


def _remote_config(path: Path, table: Any) -> RemoteConfig | None:
    """``[execute]`` holds one table, ``remote``, checked as strictly as the top level."""

    def fail(key: str, message: str, hint: str = "") -> None:
        raise ContentError(path, _line_of_key(path, key), message, hint)

    if not isinstance(table, dict):
        fail("execute", f"setting 'execute' must be a table, not {_type_name(type(table))}", "write [execute.remote]")
    for key in table:
        if key != "remote":
            fail(key, f"unknown setting 'execute.{key}'", "valid settings: execute.remote")
    remote = table.get("remote")
    if remote is None:
        return None
    if not isinstance(remote, dict):
        fail(
            "execute.remote", "setting 'execute.remote' must be a table", 'write [execute.remote] and url = "http://…"'
        )
    kinds = {f.name: f.type for f in fields(RemoteConfig)}
    for key, value in remote.items():
        if key not in kinds:
            fail(key, f"unknown setting 'execute.remote.{key}'", f"valid settings: {', '.join(kinds)}")
        expected = int if key == "jobs" else str
        if not isinstance(value, expected) or isinstance(value, bool):
            fail(key, f"setting 'execute.remote.{key}' must be {_type_name(expected)}, not {_type_name(type(value))}")
    config = RemoteConfig(**remote)
    problem = remote_problem(config)
    if problem is not None:
        fail(problem[0], problem[1], problem[2])
    return config


def remote_problem(remote: RemoteConfig) -> tuple[str, str, str] | None:
    """(key, message, hint) for a setting of ``remote`` that cannot work; also checks ``--remote URL``."""
    parts = urlsplit(remote.url)
    if remote.url and (parts.scheme not in ("http", "https") or not parts.netloc):
        return "url", f"remote url '{remote.url}' is not an http(s) URL", 'write it like "http://127.0.0.1:8888"'
    if parts.query or parts.fragment:
        return "url", "remote url must not have a query or fragment", "the token goes in $" + remote.token_env
    if remote.cells not in REMOTE_CELLS:
        return "cells", f"remote cells must be one of {', '.join(REMOTE_CELLS)}, not {remote.cells!r}", ""
    if remote.jobs < 1:
        return "jobs", "setting 'execute.remote.jobs' must be at least 1", ""
    if not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", remote.token_env):
        return "token_env", f"token_env '{remote.token_env}' is not an environment variable name", ""
    return None


def _validate(config: Config, path: Path) -> None:
    def fail(key: str, message: str, hint: str = "") -> None:
        raise ContentError(path, _line_of_key(path, key), message, hint)

    parts = urlsplit(config.base_url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        fail(
            "base_url",
            f"base_url '{config.base_url}' is not an absolute http(s) URL",
            'write it like "https://user.github.io/notebook/"',
        )
    if not config.base_url.endswith("/"):
        fail("base_url", "base_url must end with '/'", f'write "{config.base_url}/"')
    if parts.query or parts.fragment:
        fail("base_url", "base_url must not have a query or fragment")
    repository = config.published_repository
    if repository and not re.fullmatch(r"https://github\.com/[^/]+/[^/]+/blob/[^/]+/(?:[^?#]*/)?", repository):
        fail(
            "published_repository",
            f"published_repository '{repository}' is not a GitHub folder URL ending in '/'",
            'write it like "https://github.com/user/notebook/blob/gh-pages/"',
        )
    for key in ("posts_per_page", "feed_size", "cell_timeout", "cell_output_limit"):
        if getattr(config, key) < 1:
            fail(key, f"setting '{key}' must be at least 1")
    try:
        ZoneInfo(config.timezone)
    except (ZoneInfoNotFoundError, ValueError):
        fail("timezone", f"unknown timezone '{config.timezone}'", 'use an IANA name like "Europe/Paris" or "UTC"')
    if config.footnotes not in ("bottom", "margin"):
        fail("footnotes", f'footnotes must be "bottom" or "margin", not {config.footnotes!r}')
    for name, body in config.macros.items():
        if not isinstance(body, str) or not name.isalpha():
            fail(
                "macros",
                f"macro '{name}' must map a letters-only name to a TeX string",
                'e.g. R = "\\\\mathbb{R}" under [macros]',
            )


def _type_name(kind: type) -> str:
    return {
        str: "a string",
        int: "an integer",
        dict: "a table",
        bool: "true/false",
        float: "a number",
        list: "an array",
    }.get(kind, kind.__name__)


def _line_of_key(path: Path, key: str) -> int | None:
    """Best-effort line of ``key = …`` in site.toml; tomllib does not keep positions."""
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except OSError:
        return None
    for number, line in enumerate(lines, start=1):
        stripped = line.strip()
        if stripped.split("=", 1)[0].strip() == key or stripped == f"[{key}]":
            return number
    return None


def _toml_error_line(exc: tomllib.TOMLDecodeError) -> int | None:
    """tomllib gains ``lineno`` in Python 3.14; before that the line is only in the message."""
    lineno = getattr(exc, "lineno", None)
    if isinstance(lineno, int):
        return lineno
    found = re.search(r"\(at line (\d+), column \d+\)", str(exc))
    return int(found.group(1)) if found else None
