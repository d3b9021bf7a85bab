"""Pages from templates: the Jinja2 environment and the objects templates see.

Templates are looked up in the site's ``templates/`` first and then in the
theme that ships with site_gen, so a site overrides one file at a time.
Template errors become ContentErrors naming the template file and line.
"""

from __future__ import annotations

import hashlib
import math
import pickle
from collections.abc import Callable, Hashable, Mapping
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any, Protocol

import jinja2
from markupsafe import Markup

from .config import Config
from .content import Post, Tag
from .errors import ContentError
from .feed import rfc3339
from .markdown import RenderedDoc, TocEntry
from .theme import theme_dirs

WORDS_PER_MINUTE = 220
_CARD_FIELDS = frozenset({"summary_html", "description", "toc", "word_count"})  # see PostView.__getattr__


class StoredBody(Protocol):
    """A post body kept on disk (the render cache) rather than in memory."""

    def load(self) -> str: ...


@dataclass(frozen=True)
class PostView:
    """A rendered post as templates see it: the Post plus its HTML.

    On a large site the bodies would dominate memory, and only the post's own
    page needs one, so ``body`` may be a ``StoredBody`` fetched when used.
    """

    post: Post
    body: Markup | StoredBody
    summary_html: Markup
    description: str
    toc: tuple[TocEntry, ...]
    word_count: int
    digest: str = ""  # a content key for the body, when it is not in memory (fingerprints use it)
    notebook: str = ""  # the post as a runnable notebook beside its page (site_gen.notebook_export), if it has cells
    card: str = ""  # card_digest(self), once the render cache has computed and kept it

    @classmethod
    def build(cls, post: Post, doc: RenderedDoc, summary_html: str, description: str) -> PostView:
        return cls(post, Markup(doc.html), Markup(summary_html), description, tuple(doc.toc), doc.word_count)

    @property
    def html(self) -> Markup:
        return self.body if isinstance(self.body, Markup) else Markup(self.body.load())

    def __getattr__(self, name: str) -> Any:
        """Called only for an attribute the instance lacks, in a view held from the render cache
        (``render_cache.Card``): what a listing shows (summary, description, table of contents,
        word count) stays pickled until a page asks for any of it, then all of it is unpickled."""
        fields = self.__dict__.get("_card_fields")
        if fields is not None and name in _CARD_FIELDS:
            summary, description, rows, words = pickle.loads(fields)
            self.__dict__.update(summary_html=Markup(summary), description=description, word_count=words)
            self.__dict__["toc"] = tuple(TocEntry(*row) for row in rows)
            self.__dict__.pop("_card_fields", None)  # another thread may have loaded them too
            return self.__dict__[name]
        raise AttributeError(name)

    # The Post's fields, so templates write post.title rather than post.post.title.
    title = property(lambda self: self.post.title)
    url_path = property(lambda self: self.post.url_path)
    date = property(lambda self: self.post.date)
    updated = property(lambda self: self.post.updated)
    tags = property(lambda self: self.post.tags)

    @property
    def reading_time(self) -> int:
        return max(1, math.ceil(self.word_count / WORDS_PER_MINUTE))


def card_digest(view: PostView) -> str:
    """A hash of what a listing shows of a post (site_gen.fingerprints): computed once per
    render and kept with it, as a large site's listings show every post each build."""
    post = view.post
    seen = (post.url_path, post.title, post.date, post.updated, post.tags, view.summary_html, view.reading_time)
    return hashlib.sha256(repr(seen).encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class TagView:
    tag: Tag
    count: int

    name = property(lambda self: self.tag.name)
    slug = property(lambda self: self.tag.slug)
    url_path = property(lambda self: self.tag.url_path)
    feed_path = property(lambda self: self.tag.feed_path)


@dataclass(frozen=True)
class Pagination:
    page: int
    pages: int
    prev_path: str | None
    next_path: str | None


@dataclass(frozen=True)
class NavItem:
    title: str
    url_path: str


def make_environment(config: Config) -> jinja2.Environment:
    search = [config.templates_dir] + [base / "templates" for base in theme_dirs()]
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader([str(path) for path in search if path.is_dir()]),
        autoescape=jinja2.select_autoescape(["html", "xml"]),
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.filters["date"] = human_date
    env.filters["isodate"] = rfc3339
    env.globals.update(site=config, url=config.url, abs_url=config.abs_url)
    return env


def human_date(moment: datetime) -> str:
    return f"{moment.day} {moment:%B %Y}"


class Renderer:
    """Renders named templates, turning template mistakes into ContentErrors.

    Its templates may wrap a block in ``{% call once(key, …) %}…{% endcall %}``: the block
    is rendered the first time those arguments come, and the same HTML is given back after
    that. A post's card shows on a home page and on each of its tags' pages, which at
    1000 posts is ~4000 cards rendered for 1000 different ones (a quarter of a cold layout).
    The arguments must name all the block shows that the site's settings do not."""

    def __init__(self, config: Config, common: Mapping[str, Any]) -> None:
        self.config = config
        self.env = make_environment(config)
        self.common = dict(common)
        self._once: dict[tuple[Hashable, ...], Markup] = {}
        self.env.globals["once"] = self._rendered_once

    def _rendered_once(self, *key: Hashable, caller: Callable[[], Markup]) -> Markup:
        found = self._once.get(key)
        if found is None:
            found = self._once[key] = caller()
        return found

    def page(self, template: str, page_path: str, page_title: str, **context: Any) -> bytes:
        values = {
            **self.common,
            "page_path": page_path,
            "page_title": page_title,
            "canonical_url": self.config.abs_url(page_path),
            **context,
        }
        try:
            html = self.env.get_template(template).render(values)
        except jinja2.TemplateSyntaxError as exc:
            raise ContentError(
                Path(exc.filename or template),
                exc.lineno,
                f"template syntax error: {exc.message}",
                "fix the template (Jinja2 syntax)",
            ) from None
        except jinja2.TemplateNotFound as exc:
            raise ContentError(
                self.config.templates_dir / str(exc.name),
                None,
                f"template {exc.name} not found",
                "add it to templates/ or restore the theme's copy",
            ) from None
        except jinja2.UndefinedError as exc:
            raise ContentError(
                _template_frame(exc, template),
                _template_line(exc),
                f"template error while rendering /{page_path}: {exc.message}",
                "the template uses a variable this page does not have",
            ) from None
        except ContentError:  # a page's value failed for its own reason (a body gone from the render cache)
            raise
        except Exception as exc:  # e.g. `{{ 1 / 0 }}` or a filter given the wrong type
            path, line = _last_template_location(exc)
            if path is None:  # not the template's doing: a bug of ours
                raise
            raise ContentError(
                Path(path),
                line,
                f"template error while rendering /{page_path}: {type(exc).__name__}: {exc}",
                "fix the expression on that line of the template",
            ) from None
        return html.encode("utf-8")


def _template_frame(exc: BaseException, fallback: str) -> Path:
    path, _ = _last_template_location(exc)
    return Path(path) if path else Path(fallback)


def _template_line(exc: BaseException) -> int | None:
    return _last_template_location(exc)[1]


def _last_template_location(exc: BaseException) -> tuple[str | None, int | None]:
    """Jinja2 rewrites tracebacks so template frames carry the template's file and line."""
    location: tuple[str | None, int | None] = (None, None)
    tb = exc.__traceback__
    while tb is not None:
        filename = tb.tb_frame.f_code.co_filename
        if filename.endswith((".html", ".xml", ".j2")):
            location = (filename, tb.tb_lineno)
        tb = tb.tb_next
    return location


Url = Callable[[str], str]
