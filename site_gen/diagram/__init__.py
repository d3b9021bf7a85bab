"""Diagrams: JSON -> checked model -> layout -> rough strokes -> inline SVG.

    schema.validate ──▶ layout.layout ──▶ svg.render (rough.Pen per element)

The public API is three functions. ``compile_svg`` turns JSON text into an
``<svg>`` string; ``render_figure`` wraps it in ``<figure class="diagram">``
with a caption, for Markdown; ``render_file`` reads a ``diagrams/*.json``
file. All raise ``ContentError`` for the author's mistakes, located in the
post (or file) the JSON came from: a syntax error by line and column, a
schema error by the line of the offending key and its JSON path.

Compiled SVG is cached by the JSON text (and the caption/alt overrides), so a
diagram used on several pages, or unchanged between rebuilds in one process,
is drawn once.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, replace
from functools import lru_cache
from html import escape
from pathlib import Path

from ..errors import ContentError
from ..textfile import decode_utf8, xml_safe
from .layout import layout, narrow_twin, text_crossings
from .schema import Diagram, Path_, SchemaError, json_integer, json_object, validate
from .svg import min_width, render

__all__ = ["compile_svg", "parse_diagram", "render_figure", "render_file"]

SCHEMA_HINT = "see diagrams/schema.json, or the 'Diagrams' reference post, for what each key accepts"


MAX_CHARS = 256_000  # of JSON text: far more than 500 labelled nodes need
MAX_DEPTH = 32  # of nested lists and objects; a valid diagram uses at most 6

# The page column on the narrowest screen a diagram must suit: 360 px less the
# page's side padding (2 × 1.25rem in static/css/site.css).
NARROWEST_COLUMN = 320
MAX_TWIN_NODES = 40  # a narrow twin is for a figure a phone can show; a bigger one just scrolls


def parse_diagram(text: str, *, path: Path | None = None, first_line: int = 1) -> Diagram:
    """Parse and check diagram JSON; ``first_line`` is the file line of the JSON's first line."""
    data = load_json(text, path=path, first_line=first_line)
    try:
        return validate(data)
    except SchemaError as err:
        raise located(err, text, path, first_line) from None


def located(err: SchemaError, text: str, path: Path | None = None, first_line: int = 1) -> ContentError:
    """The ContentError for ``err``, at the line and column of its JSON path in ``text``."""
    line, column = locate(text, err.path)
    return ContentError(path, first_line + line - 1, f"diagram: {err.message}", err.hint or SCHEMA_HINT, column=column)


def load_json(text: str, *, path: Path | None = None, first_line: int = 1) -> object:
    """``json.loads``, but never a traceback: size and depth are checked before parsing.

    Python's parser recurses once per level, so ``[[[[…`` 100k deep raises
    RecursionError, and an integer of 5000 digits raises ValueError; both
    become located errors here. Huge integers and keys written twice are
    marked (``schema.json_integer``, ``schema.json_object``) for the schema
    to refuse by JSON path.
    """
    if len(text) > MAX_CHARS:
        raise ContentError(
            path,
            first_line,
            f"diagram is {len(text)} characters of JSON; the limit is {MAX_CHARS}",
            "a diagram is a figure, not a data set: show fewer nodes, or split it into several diagrams",
        )
    _check_depth(text, path, first_line)
    try:
        return json.loads(text, parse_int=json_integer, object_pairs_hook=json_object)
    except json.JSONDecodeError as err:
        raise ContentError(
            path,
            first_line + err.lineno - 1,
            f"diagram is not valid JSON: {err.msg}",
            "check for a missing comma or quote, or a trailing comma, just before this point",
            column=err.colno,
        ) from None


_BRACKETS = re.compile(r'"(?:[^"\\]|\\.)*"|[\[\]{}]', re.DOTALL)


def _check_depth(text: str, path: Path | None, first_line: int) -> None:
    """Count bracket depth outside strings; past MAX_DEPTH is an error at that bracket."""
    depth = 0
    for match in _BRACKETS.finditer(text):
        char = match.group()
        if char in "[{":
            depth += 1
            if depth > MAX_DEPTH:
                offset = match.start()
                raise ContentError(
                    path,
                    first_line + text.count("\n", 0, offset),
                    f"diagram JSON is nested more than {MAX_DEPTH} levels deep",
                    "a diagram needs about 6 levels (nodes, a node, its cells…); look for unclosed brackets",
                    column=offset - (text.rfind("\n", 0, offset) + 1) + 1,
                )
        elif char in "]}":
            depth -= 1


def compile_svg(
    text: str,
    *,
    path: Path | None = None,
    first_line: int = 1,
    caption: str | None = None,
    alt: str | None = None,
) -> str:
    """Diagram JSON -> ``<svg>`` text, cached by content."""
    return _compile(text, path, first_line, caption, alt).svg


def render_figure(
    text: str,
    *,
    path: Path | None = None,
    first_line: int = 1,
    caption: str | None = None,
    alt: str | None = None,
) -> str:
    """``<figure class="diagram">`` with the SVG and, if there is one, a caption.

    The SVG sits in a ``diagram-scroll`` box that tells the stylesheet how
    narrow it may get (``--diagram-min-width``) before its smallest text
    would fall under ``MIN_TEXT_PX``; past that the box scrolls sideways. A
    diagram too wide for a phone may bring a second SVG, its narrow twin
    (``layout.narrow_twin``), which the stylesheet shows instead below that
    width. A figure that can still be wider than the narrowest column is a
    labelled region in the tab order, so a keyboard can scroll it.
    """
    compiled = _compile(text, path, first_line, caption, alt)
    twin = _compile_twin(text, caption, alt)
    figcaption = f"<figcaption>{escape(xml_safe(compiled.caption))}</figcaption>" if compiled.caption else ""
    style = f"--diagram-min-width: {compiled.min_width}px"
    svgs = compiled.svg
    narrowest = compiled.min_width
    if twin is not None:
        style += f"; --diagram-width: {compiled.width}px; --diagram-twin-width: {twin.width}px"
        style += f"; --diagram-twin-min-width: {twin.min_width}px"
        svgs += "\n" + twin.svg
        narrowest = twin.min_width
    scroll = f'class="diagram-scroll{" diagram-twins" if twin else ""}" style="{style}"'
    if narrowest > NARROWEST_COLUMN:
        name = escape(xml_safe(compiled.label), quote=True)
        scroll += f' tabindex="0" role="region" aria-label="{name} (scrolls sideways)"'
    return f'<figure class="diagram">\n<div {scroll}>\n{svgs}\n</div>\n{figcaption}</figure>\n'


@dataclass(frozen=True)
class Drawing:
    svg: str
    width: float  # at 1:1, in CSS px
    min_width: int  # CSS px below which the smallest text would be under MIN_TEXT_PX


@dataclass(frozen=True)
class Compiled(Drawing):
    diagram: Diagram
    caption: str = ""  # shown under the figure; may be empty
    label: str = ""  # the accessible name


def _compile(text: str, path: Path | None, first_line: int, caption: str | None, alt: str | None) -> Compiled:
    try:
        return _compiled(text, caption, alt)
    except ContentError as err:  # located in the JSON text; move it to where the text sits
        raise replace(err, path=path, line=None if err.line is None else err.line + first_line - 1) from None


@lru_cache(maxsize=256)
def _compiled(text: str, caption: str | None, alt: str | None) -> Compiled:
    """The SVG and what the figure needs to know about it; the cache is keyed by the text itself."""
    diagram = _overridden(parse_diagram(text), caption, alt)
    try:
        scene = layout(diagram)
        drawn = render(diagram, scene)
    except SchemaError as err:  # a limit only the drawing can check (how much hatching)
        raise located(err, text) from None
    return Compiled(drawn, round(scene.bounds.w, 2), min_width(scene), diagram, diagram.caption, diagram.label)


@lru_cache(maxsize=256)
def _compile_twin(text: str, caption: str | None, alt: str | None) -> Drawing | None:
    """The narrow layout (``layout.narrow_twin``), when there is one and it helps.

    It helps when the wide drawing cannot fit the narrowest column and the
    twin is narrower, and never if it routes an arrow through text that the
    wide drawing keeps clear. Called after ``_compiled`` succeeded, so the
    text is valid and within every limit.
    """
    wide = _compiled(text, caption, alt)
    twin = narrow_twin(wide.diagram)
    if twin is None or wide.min_width <= NARROWEST_COLUMN or len(twin.nodes) > MAX_TWIN_NODES:
        return None
    scene = layout(twin)
    if text_crossings(scene) > text_crossings(layout(wide.diagram)):  # a small diagram: laying out again is cheap
        return None
    drawing = Drawing(render(twin, scene, twin=True), round(scene.bounds.w, 2), min_width(scene))
    return drawing if drawing.min_width < wide.min_width else None


def _overridden(diagram: Diagram, caption: str | None, alt: str | None) -> Diagram:
    if caption:
        diagram = replace(diagram, caption=caption)
    if alt:
        diagram = replace(diagram, alt=alt)
    return diagram


def render_file(file: Path, *, shown_as: Path | None = None) -> str:
    """Compile a ``diagrams/<name>.json`` file; errors name ``shown_as`` (or the file)."""
    where = shown_as or file
    try:
        data = file.read_bytes()
    except OSError as err:
        raise ContentError(where, None, f"cannot read diagram: {err.strerror}") from None
    text = decode_utf8(data, where)  # a BOM is dropped; another encoding is an error with its line
    return compile_svg(text, path=where)


# --------------------------------------------------------------------------
# Where in the text is a JSON path?

_WS = re.compile(r"\s*")
_SCALAR = re.compile(r'"(?:[^"\\]|\\.)*"|[^,\]}\s]+')


def locate(text: str, target: Path_) -> tuple[int, int]:
    """1-based (line, column) of the deepest part of ``target`` present in ``text``.

    For an object member this is its key, so ``nodes[3].at`` points at
    ``"at":``; a missing key points at the object that lacks it. Runs only
    after ``json.loads`` accepted the text, so it can be forgiving.
    """
    found: dict[Path_, int] = {}

    def value(i: int, path: Path_) -> int:
        i = _WS.match(text, i).end()  # type: ignore[union-attr]
        found.setdefault(path, i)
        if text.startswith("{", i):
            i += 1
            while True:
                i = _WS.match(text, i).end()  # type: ignore[union-attr]
                if text.startswith("}", i):
                    return i + 1
                key_match = _SCALAR.match(text, i)
                assert key_match is not None
                key = json.loads(key_match.group())
                found[(*path, key)] = i
                i = _WS.match(text, key_match.end()).end() + 1  # type: ignore[union-attr]  # past ':'
                i = value(i, (*path, key))
                i = _WS.match(text, i).end()  # type: ignore[union-attr]
                if text.startswith(",", i):
                    i += 1
        elif text.startswith("[", i):
            i += 1
            index = 0
            while True:
                i = _WS.match(text, i).end()  # type: ignore[union-attr]
                if text.startswith("]", i):
                    return i + 1
                i = value(i, (*path, index))
                index += 1
                i = _WS.match(text, i).end()  # type: ignore[union-attr]
                if text.startswith(",", i):
                    i += 1
        scalar = _SCALAR.match(text, i)
        return scalar.end() if scalar else i + 1

    value(0, ())
    for cut in range(len(target), -1, -1):
        if target[:cut] in found:
            offset = found[target[:cut]]
            line = text.count("\n", 0, offset) + 1
            return line, offset - (text.rfind("\n", 0, offset) + 1) + 1
    return 1, 1
