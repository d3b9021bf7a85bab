"""Code blocks: fence options and Pygments highlighting at build time.

Highlighting happens here, once, so pages need no JavaScript and feed readers
get coloured code too. Colours come from CSS classes, not inline styles, so one
page serves light and dark readers (see ``stylesheet()``).

Fence syntax
------------
Options go in braces after the language, as ``key=value`` pairs separated by
spaces or commas; values are bare or quoted with ``"`` or ``'``::

    ```python {filename="train.py" linenos=true hl_lines="2 4-5" linenostart=10}

=============  ============================================================
``filename``   shown above the code as a caption
``linenos``    ``true``/``false``: number the lines (numbers are not copied)
``linenostart`` first line number, an integer >= 1 (default 1)
``hl_lines``   lines to highlight, counted from the first line of the block
               (independent of ``linenostart``): ``"2 4-5"`` or ``"2,4-5"``
=============  ============================================================

An unknown key or a bad value is an error naming the valid keys. Two info
strings belong to other stages and never error here: ``{python}`` (a Quarto
executable cell, run by ``site_gen.cells``) and ``diagram`` (drawn by
``site_gen.diagram``). Pandoc's ``{.python filename="x.py"}`` is display-only
code with the first class as its language. An unknown language
is shown as plain text with a warning; no language is plain text, silently.
Words after the language that are not in braces are ignored (CommonMark says
so), with a warning, since they are usually misplaced options.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from functools import lru_cache
from html import escape
from typing import TYPE_CHECKING

from site_gen.fragments import recall

if TYPE_CHECKING:  # Pygments is imported by the first block highlighted: an edit whose blocks all
    # come from the post's last render (site_gen.fragments) never needs it (7 ms of imports)
    from pygments.formatters import HtmlFormatter
    from pygments.lexer import Lexer

LIGHT_STYLE = "default"
DARK_STYLE = "github-dark"

VALID_KEYS = ("filename", "linenos", "linenostart", "hl_lines")
_KEYS_HINT = (
    "valid options: " + ", ".join(VALID_KEYS) + (', e.g. ```python {filename="train.py" linenos=true hl_lines="2 4-5"}')
)

# Info strings that later stages own; rendered as plain text for now.
RESERVED_PLAIN = {"diagram"}
# Longer code blocks are highlighted afresh each time, not memoised (see ``highlight``).
MEMO_MAX_CHARS = 2000

_PAIR_RE = re.compile(r"""\s*([A-Za-z_][\w-]*)\s*=\s*("(?:[^"\\]|\\.)*"|'[^']*'|[^\s,}"']+)\s*,?""")
_CELL_RE = re.compile(r"\{\s*([A-Za-z][\w+-]*)(?:\s+(.*?))?\s*\}", re.DOTALL)
_RANGE_RE = re.compile(r"(\d+)(?:-(\d+))?")


class FenceError(ValueError):
    """Bad fence options; the Markdown layer adds the file and line."""

    def __init__(self, message: str, hint: str = _KEYS_HINT) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint


@dataclass(frozen=True)
class FenceOptions:
    """What the braces after the language asked for."""

    filename: str | None = None
    linenos: bool = False
    linenostart: int = 1
    hl_lines: tuple[int, ...] = ()


@dataclass(frozen=True)
class Fence:
    """A parsed info string."""

    lang: str  # as written, e.g. "python"; "" when none
    options: FenceOptions = field(default_factory=FenceOptions)
    cell: bool = False  # a Quarto ``{python}`` cell
    ignored: str = ""  # words after the language outside braces


@dataclass(frozen=True)
class Highlighted:
    """Rendered HTML and, if the language was unknown, a warning message."""

    html: str
    warning: str | None = None


def parse_fence_info(info: str) -> Fence:
    """Split an info string into language and options, or raise FenceError."""
    info = info.strip()
    cell = _CELL_RE.fullmatch(info)
    if cell and not (cell.group(2) or "").startswith("="):
        return Fence(cell.group(1), parse_options(cell.group(2) or ""), cell=True)
    if info.startswith("{.") and info.endswith("}"):
        return _pandoc_fence(info[1:-1])
    if info.startswith("{"):
        lang, rest = "", info
    else:
        parts = info.split(maxsplit=1)
        lang, rest = (*parts, "")[:2] if parts else ("", "")
    brace = rest.find("{")
    if brace < 0:
        return Fence(lang, ignored=rest.strip())
    closing = rest.rfind("}")
    if closing < brace or rest[closing + 1 :].strip():
        raise FenceError(
            f"malformed code-fence options {rest.strip()!r}: options must be one {{...}} group at the end of the line"
        )
    options = parse_options(rest[brace + 1 : closing])
    return Fence(lang, options, ignored=rest[:brace].strip())


def _pandoc_fence(inner: str) -> Fence:
    """Pandoc/Quarto attribute syntax, ``{.python .input filename="x.py"}``: display-only code.

    The first class is the language; other classes and ``#ids`` are ignored
    (with a warning), and ``key=value`` pairs are our usual options.
    """
    words = re.findall(r"""[^\s=]+=(?:"(?:\\.|[^"\\])*"|'[^']*'|\S*)|\S+""", inner)
    classes = [word[1:] for word in words if word.startswith(".")]
    others = [word for word in words if word.startswith("#")]
    pairs = " ".join(word for word in words if not word.startswith((".", "#")))
    ignored = " ".join([f".{name}" for name in classes[1:]] + others)
    return Fence(classes[0], parse_options(pairs), ignored=ignored)


def parse_options(text: str) -> FenceOptions:
    """Parse ``key=value`` pairs (the text inside the braces)."""
    values: dict[str, str] = {}
    pos = 0
    text = text.strip()
    while pos < len(text):
        match = _PAIR_RE.match(text, pos)
        if not match:
            raise FenceError(f"malformed code-fence options near {text[pos:]!r}: expected key=value")
        key, raw = match.group(1), match.group(2)
        if key not in VALID_KEYS:
            raise FenceError(f"unknown code-fence option {key!r}")
        values[key] = _unquote(raw)
        pos = match.end()
    return _build_options(values)


def _unquote(raw: str) -> str:
    if raw[:1] == '"':
        return re.sub(r"\\(.)", r"\1", raw[1:-1])
    if raw[:1] == "'":
        return raw[1:-1]
    return raw


def _build_options(values: dict[str, str]) -> FenceOptions:
    options = FenceOptions()
    if "filename" in values:
        if not values["filename"].strip():
            raise FenceError("filename is empty")
        options = replace(options, filename=values["filename"])
    if "linenos" in values:
        flag = values["linenos"].lower()
        if flag not in ("true", "false"):
            raise FenceError(f"linenos must be true or false, not {flag!r}")
        options = replace(options, linenos=flag == "true")
    if "linenostart" in values:
        start = values["linenostart"]
        if not start.isdigit() or int(start) < 1:
            raise FenceError(f"linenostart must be a whole number >= 1, not {start!r}")
        options = replace(options, linenostart=int(start))
    if "hl_lines" in values:
        options = replace(options, hl_lines=parse_line_ranges(values["hl_lines"]))
    return options


def parse_line_ranges(text: str) -> tuple[int, ...]:
    """``"2 4-5"`` -> ``(2, 4, 5)``."""
    lines: set[int] = set()
    for part in re.split(r"[\s,]+", text.strip()):
        match = _RANGE_RE.fullmatch(part)
        if not match:
            raise FenceError(
                f"hl_lines: {part!r} is not a line number or range",
                hint='write hl_lines="2 4-5" (numbers and ranges, space-separated)',
            )
        first = int(match.group(1))
        last = int(match.group(2) or first)
        if first < 1 or last < first:
            raise FenceError(
                f"hl_lines: bad range {part!r}",
                hint="ranges count from 1 and go up, e.g. 4-5",
            )
        lines.update(range(first, last + 1))
    return tuple(sorted(lines))


@lru_cache(maxsize=256)
def get_lexer(name: str) -> Lexer | None:
    """The Pygments lexer for a language name, or None if Pygments lacks it.

    Keep newlines exactly as written: the block must copy-paste back verbatim. The lexer
    tries at each position only the rules that can start there (``site_gen.lexing``): the
    same tokens, a Python block lexed about five times faster.
    """
    from pygments.lexers import get_lexer_by_name
    from pygments.util import ClassNotFound

    from .lexing import accelerated

    try:
        return accelerated(get_lexer_by_name(name.lower(), stripnl=False, ensurenl=False))
    except ClassNotFound:
        return None


@lru_cache(maxsize=1)
def _code_formatter() -> type[HtmlFormatter]:
    """Pygments' HtmlFormatter with our wrapper, made with Pygments' first import."""
    from pygments.formatters import HtmlFormatter

    class CodeFormatter(HtmlFormatter):  # type: ignore[misc]  # Pygments is untyped
        """``<pre><code class="language-x">`` like CommonMark, inside Pygments' div.

        The class on ``<code>`` keeps the language visible to CSS and scripts.
        """

        def __init__(self, code_class: str, **options: object) -> None:
            super().__init__(**options)
            self.code_class = code_class

        def wrap(self, source: Iterator[tuple[int, str]]) -> Iterator[tuple[int, str]]:
            """Pygments' documented hook for replacing its <pre> wrapper.

            A long line scrolls the block sideways; ``tabindex="0"`` lets a keyboard
            reach it to scroll (which lines overflow depends on the reader's screen).
            """
            attr = f' class="{escape(self.code_class)}"' if self.code_class else ""
            yield 0, f'<pre tabindex="0"><code{attr}>'
            yield from source
            yield 0, "</code></pre>"

    return CodeFormatter


@lru_cache(maxsize=256)
def get_formatter(code_class: str, options: FenceOptions) -> HtmlFormatter:
    """A formatter per distinct option set; formatting does not mutate it."""
    return _code_formatter()(
        code_class,
        cssclass="highlight",
        linenos="inline" if options.linenos else False,
        linenostart=options.linenostart,
        hl_lines=list(options.hl_lines),
    )


def highlight(code: str, fence: Fence) -> Highlighted:
    """Render a fenced block as ``<figure class="code">`` with Pygments HTML.

    Blocks up to ``MEMO_MAX_CHARS`` are memoised per process, keyed by all the
    HTML depends on: the code and the whole fence (language, options, cell or
    not), for posts that repeat a snippet (a blog's usual imports or setup).
    The real posts of ``bench/memo_hits.py`` repeat none, so the memo is kept
    small, and a longer block, rarely repeated, would hold memory for nothing.
    Every block is also recorded for the post's next render (``site_gen.fragments``).
    """
    if len(code) > MEMO_MAX_CHARS:
        return recall(("code", code, fence), lambda: _highlight(code, fence))
    return recall(("code", code, fence), lambda: highlight_cached(code, fence))


def _highlight(code: str, fence: Fence) -> Highlighted:
    from pygments import highlight as pygments_highlight

    lexer, warning = _choose_lexer(fence.lang)
    code_class = f"language-{fence.lang}" if fence.lang else ""
    body = pygments_highlight(code, lexer, get_formatter(code_class, fence.options))
    caption = ""
    if fence.options.filename:
        caption = f'<figcaption class="code-filename">{escape(fence.options.filename)}</figcaption>'
    css = "code cell" if fence.cell else "code"
    return Highlighted(f'<figure class="{css}">{caption}{body}</figure>\n', warning)


# The warning comes back with every hit, so each block in an unknown language
# is still reported at its own line. 512 blocks of at most MEMO_MAX_CHARS hold
# a few MB of HTML at most.
highlight_cached = lru_cache(maxsize=512)(_highlight)


def _choose_lexer(lang: str) -> tuple[Lexer, str | None]:
    from pygments.lexers import TextLexer

    if not lang or lang in RESERVED_PLAIN:
        return TextLexer(stripnl=False, ensurenl=False), None
    lexer = get_lexer(lang)
    if lexer is None:
        return (
            TextLexer(stripnl=False, ensurenl=False),
            f"unknown language {lang!r}, rendered as plain text",
        )
    return lexer, None


def stylesheet() -> str:
    """CSS for highlighted code: light by default, dark when the reader asks.

    Only the token and background rules are used, scoped to ``.highlight``;
    Pygments' line-number rules are global (``pre {…}``) so we write our own.
    Line numbers and highlighted lines take their colours from site.css
    (``--muted``, ``--hll``), chosen for WCAG AA contrast in both themes:
    the styles' own (github-dark's grey ``.hll`` under white text) fall short.
    """
    from pygments.formatters import HtmlFormatter

    light = HtmlFormatter(style=LIGHT_STYLE)
    dark = HtmlFormatter(style=DARK_STYLE)
    scope = ".highlight"
    own = f"{scope} .linenos {{ user-select: none; padding-right: 1em; }}\n{scope} .hll {{ display: block; }}\n"
    dark_rules = _scoped_rules(dark, scope)
    indented = "\n".join("  " + line for line in dark_rules.splitlines())
    return (
        f"/* Pygments {LIGHT_STYLE} (light) */\n{_scoped_rules(light, scope)}\n"
        f"{own}"
        f"/* Pygments {DARK_STYLE} (dark) */\n"
        f"@media (prefers-color-scheme: dark) {{\n{indented}\n}}\n"
    )


def _scoped_rules(formatter: HtmlFormatter, scope: str) -> str:
    lines = formatter.get_background_style_defs(scope)
    lines += formatter.get_token_style_defs(scope)
    return "\n".join(line for line in lines if not line.startswith(f"{scope} .hll "))
