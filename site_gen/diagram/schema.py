"""The diagram DSL: JSON in, checked plain data out.

A diagram is a list of ``nodes`` (boxes, notes, ellipses, memory frames,
tensors), a ``layout`` that places the ones without explicit ``at``
coordinates, and ``arrows`` between any two ids (a node's, or a memory
cell's). ``diagrams/schema.json`` describes the same language for editors;
this module is what the build trusts, and every complaint names the JSON path
(``nodes[3].at``) and what was expected there.
"""

from __future__ import annotations

import itertools
import json
import math
import re
from dataclasses import dataclass, replace
from typing import Any, Literal, cast

Path_ = tuple[str | int, ...]

LAYOUTS = ("row", "column", "grid", "cycle", "graph", "stack", "free")
DIRECTIONS = ("down", "right", "up", "left")
KINDS = ("box", "note", "ellipse", "memory", "tensor")
FILLS = ("none", "hachure", "cross-hatch", "solid")
COLORS = ("ink", "blue", "green", "orange", "red", "purple", "gray")
ROUTES = ("auto", "straight", "left", "right", "above", "below")
HEADS = ("end", "start", "both", "none")
ID_RE = re.compile(r"[A-Za-z_][A-Za-z0-9_-]*")

# Limits. A diagram is a figure in a post, not a data set: these are far above any
# figure a reader could take in, and low enough that the largest allowed diagram
# still lays out in well under a second. Past them the build stops at once with a
# clear error, instead of running for minutes (a 10k-node graph) or crashing.
MAX_NODES = 500
MAX_ARROWS = 1000  # counting pointers and "connect" arrows
MAX_CELLS = 4096  # memory cells and tensor values, over the whole diagram
MAX_TENSOR_SIDE = 64  # rows or columns of one tensor
MAX_TEXT = 1000  # characters in one label, id or value
MAX_COORD = 10_000.0  # |x| and |y| of an "at"
MAX_STRIDE = 2**40

# Keys that mean something for one kind of node only; elsewhere they would be silently lost.
_KIND_KEYS = {
    "cells": ("memory",),
    "orientation": ("memory",),
    "values": ("tensor",),
    "shape": ("tensor",),
    "row_labels": ("tensor",),
    "col_labels": ("tensor",),
    "highlight": ("tensor",),
    "strides": ("tensor",),
}

Layout = Literal["row", "column", "grid", "cycle", "graph", "stack", "free"]
Direction = Literal["down", "right", "up", "left"]
Kind = Literal["box", "note", "ellipse", "memory", "tensor"]
Fill = Literal["none", "hachure", "cross-hatch", "solid"]
Route = Literal["auto", "straight", "left", "right", "above", "below"]
Heads = Literal["end", "start", "both", "none"]


class SchemaError(Exception):
    """A diagram that parses as JSON but is not a valid diagram."""

    def __init__(self, path: Path_, message: str, hint: str = "") -> None:
        super().__init__(message)
        self.path = path
        self.message = message
        self.hint = hint

    @property
    def where(self) -> str:
        return path_text(self.path)


def path_text(path: Path_) -> str:
    """``("nodes", 3, "at")`` -> ``nodes[3].at``."""
    out = ""
    for part in path:
        if isinstance(part, int):
            out += f"[{part}]"
        elif not _PLAIN_KEY.fullmatch(part):
            out += f"[{json.dumps(part[:40])}]"  # an odd key (a control character, a space) shown escaped
        else:
            out += f".{part}" if out else part
    return out or "(top level)"


_PLAIN_KEY = re.compile(r"[$A-Za-z_][A-Za-z0-9_-]{0,39}")


@dataclass(frozen=True)
class Cell:
    """One memory cell: a value, an optional index/name beside it, an id to point at or from."""

    value: str
    id: str | None = None
    index: str | None = None
    name: str | None = None
    pointer: str | None = None  # shorthand for an arrow from this cell


@dataclass(frozen=True)
class Node:
    id: str
    kind: Kind = "box"
    title: str = ""
    subtitle: str = ""
    at: tuple[float, float] | None = None
    width: float = 0.0
    height: float = 0.0
    fill: Fill = "none"
    color: str = "ink"
    # memory
    cells: tuple[Cell, ...] = ()
    orientation: Literal["row", "column"] = "column"
    # tensor
    values: tuple[tuple[str, ...], ...] = ()
    row_labels: tuple[str, ...] = ()
    col_labels: tuple[str, ...] = ()
    highlight: frozenset[tuple[int, int]] = frozenset()
    strides: tuple[int, ...] = ()


@dataclass(frozen=True)
class Arrow:
    id: str
    source: str
    target: str
    label: str = ""
    curve: float | None = None  # None: straight, or bent by routing if a box is in the way
    route: Route = "auto"
    dashed: bool = False
    heads: Heads = "end"
    path: Path_ = ()  # where it was written, for later error messages


@dataclass(frozen=True)
class Diagram:
    nodes: tuple[Node, ...]
    arrows: tuple[Arrow, ...] = ()
    title: str = ""
    caption: str = ""
    alt: str = ""
    layout: Layout = "row"
    direction: Direction = "down"
    columns: int = 0
    gap: float = 48.0
    roughness: float = 1.0
    bowing: float = 1.0
    seed: int = 0

    @property
    def label(self) -> str:
        """The accessible name: title, else caption, else a generic word."""
        return self.title or self.caption or "Diagram"


# --------------------------------------------------------------------------
# What the JSON loader hands over


class JsonObject(dict[str, Any]):
    """A JSON object that remembers keys written twice (``dict`` would keep the last silently)."""

    duplicates: tuple[str, ...] = ()


def json_object(pairs: list[tuple[str, Any]]) -> JsonObject:
    """``object_pairs_hook`` for ``json.loads``."""
    out = JsonObject(pairs)
    if len(out) < len(pairs):
        seen: set[str] = set()
        twice = []
        for key, _ in pairs:
            if key in seen:
                twice.append(key)
            seen.add(key)
        out.duplicates = tuple(twice)
    return out


class HugeNumber(float):
    """An integer literal of hundreds of digits, read as infinity (``int()`` refuses over 4300)."""


def json_integer(digits: str) -> int | float:
    """``parse_int`` for ``json.loads``."""
    return int(digits) if len(digits) <= 300 else HugeNumber("inf")


# --------------------------------------------------------------------------
# Validation


_TYPE_NAMES = {str: "a string", bool: "true or false", int: "an integer", float: "a number", list: "a list"}


class _Reader:
    """Reads one JSON object's keys, checking types, with the object's JSON path."""

    def __init__(self, value: Any, path: Path_, allowed: tuple[str, ...]) -> None:
        if not isinstance(value, dict):
            raise SchemaError(path, f"{path_text(path)}: expected an object, got {_kind(value)}")
        unknown = sorted(set(value) - set(allowed))
        if unknown:
            raise SchemaError(
                (*path, unknown[0]),
                f"{path_text((*path, unknown[0]))}: unknown key {unknown[0]!r}",
                "allowed here: " + ", ".join(allowed),
            )
        self.obj: dict[str, Any] = value
        self.path = path

    def at(self, key: str) -> Path_:
        return (*self.path, key)

    def fail(self, key: str, expected: str) -> SchemaError:
        return SchemaError(self.at(key), f"{path_text(self.at(key))}: expected {expected}, got {_kind(self.obj[key])}")

    def text(self, key: str, default: str = "", *, required: bool = False) -> str:
        if key not in self.obj:
            if required:
                raise SchemaError(self.at(key), f"{path_text(self.path)}: missing required key {key!r}")
            return default
        value = self.obj[key]
        if isinstance(value, bool) or not isinstance(value, str | int | float):
            raise self.fail(key, "a string")
        return _checked_text(value, self.at(key))

    def id(self, key: str, *, required: bool = False) -> str | None:
        if key not in self.obj and not required:
            return None
        value = self.text(key, required=required)
        if not ID_RE.fullmatch(value):
            raise SchemaError(
                self.at(key),
                f"{path_text(self.at(key))}: {value!r} is not a valid id",
                "ids start with a letter or _ and use letters, digits, _ and -",
            )
        return value

    def number(self, key: str, default: float, low: float, high: float) -> float:
        if key not in self.obj:
            return default
        value = self.obj[key]
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise self.fail(key, "a number")
        if not low <= value <= high:
            raise SchemaError(
                self.at(key), f"{path_text(self.at(key))}: expected a number from {low:g} to {high:g}, got {value}"
            )
        return float(value)

    def integer(self, key: str, default: int, low: int, high: int) -> int:
        if key not in self.obj:
            return default
        value = self.obj[key]
        if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
            raise self.fail(key, f"an integer from {low} to {high}")
        return value

    def flag(self, key: str, default: bool) -> bool:
        if key not in self.obj:
            return default
        if not isinstance(self.obj[key], bool):
            raise self.fail(key, "true or false")
        return bool(self.obj[key])

    def choice(self, key: str, choices: tuple[str, ...], default: str) -> str:
        if key not in self.obj:
            return default
        value = self.obj[key]
        if value not in choices:
            raise SchemaError(
                self.at(key),
                f"{path_text(self.at(key))}: expected one of {', '.join(map(repr, choices))}, got {value!r}",
            )
        return str(value)

    def items(
        self, key: str, *, required: bool = False, min_items: int = 0, limit: int = MAX_CELLS, what: str = "items"
    ) -> list[Any]:
        if key not in self.obj:
            if required:
                raise SchemaError(self.at(key), f"{path_text(self.path)}: missing required key {key!r}")
            return []
        value = self.obj[key]
        if not isinstance(value, list):
            raise self.fail(key, "a list")
        if len(value) < min_items:
            raise SchemaError(self.at(key), f"{path_text(self.at(key))}: expected at least {min_items} item(s)")
        _check_count(len(value), limit, self.at(key), what, "a diagram shows an example, not the whole data")
        return value

    def strings(self, key: str) -> tuple[str, ...]:
        items = self.items(key)
        for i, item in enumerate(items):
            if isinstance(item, bool) or not isinstance(item, str | int | float):
                raise SchemaError(
                    (*self.at(key), i), f"{path_text((*self.at(key), i))}: expected a string, got {_kind(item)}"
                )
        return tuple(_checked_text(item, (*self.at(key), i)) for i, item in enumerate(items))


def _checked_text(value: str | int | float, path: Path_) -> str:
    """A label as text: numbers written as JSON shows them, and no longer than MAX_TEXT."""
    text = value if isinstance(value, str) else _number_text(value)
    if len(text) > MAX_TEXT:
        raise SchemaError(
            path,
            f"{path_text(path)}: {len(text)} characters is too long (the limit is {MAX_TEXT})",
            "a diagram label should fit on a few lines; put long text in the post around it",
        )
    return text


def _kind(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, int | float):
        return f"the number {value}"
    if isinstance(value, str):
        return f"the string {value!r}"
    if isinstance(value, list):
        return "a list"
    return "an object"


def _number_text(value: int | float) -> str:
    return str(int(value)) if isinstance(value, float) and value.is_integer() else str(value)


_TOP_KEYS = (
    "$schema",
    "title",
    "caption",
    "alt",
    "layout",
    "direction",
    "columns",
    "gap",
    "connect",
    "roughness",
    "bowing",
    "seed",
    "nodes",
    "arrows",
)
_NODE_KEYS = (
    "id",
    "kind",
    "title",
    "subtitle",
    "at",
    "width",
    "height",
    "fill",
    "color",
    "cells",
    "orientation",
    "values",
    "shape",
    "row_labels",
    "col_labels",
    "highlight",
    "strides",
)
_CELL_KEYS = ("value", "id", "index", "name", "pointer")
_ARROW_KEYS = ("id", "from", "to", "label", "curve", "route", "dashed", "heads")


def validate(data: Any) -> Diagram:
    """Check parsed JSON and build the Diagram, or raise SchemaError."""
    _check_numbers(data)
    top = _Reader(data, (), _TOP_KEYS)
    layout = cast(Layout, top.choice("layout", LAYOUTS, "row"))
    items = top.items("nodes", required=True, min_items=1, limit=MAX_NODES, what="nodes")
    nodes = tuple(_node(item, ("nodes", i)) for i, item in enumerate(items))
    cells = sum(len(n.cells) + sum(map(len, n.values)) for n in nodes)
    _check_count(cells, MAX_CELLS, ("nodes",), "memory cells and tensor values", "show a smaller example")
    ids = _check_ids(nodes)
    items = top.items("arrows", limit=MAX_ARROWS, what="arrows")
    arrows = [_arrow(item, ("arrows", i)) for i, item in enumerate(items)] + _pointer_arrows(nodes)
    if top.flag("connect", layout in ("cycle", "stack")):
        arrows[:0] = _connect(nodes, layout)  # first, so the author's own arrows draw on top
    _check_count(len(arrows), MAX_ARROWS, ("arrows",), "arrows (with pointers and connections)", "draw fewer arrows")
    for arrow in arrows:
        for end, ref in (("from", arrow.source), ("to", arrow.target)):
            if ref not in ids:
                where = arrow.path if arrow.path[-1] == "pointer" else (*arrow.path, end)
                raise SchemaError(
                    where,
                    f"{path_text(where)}: arrow {'from' if end == 'from' else 'to'} unknown id {ref!r}",
                    _known(ids),
                )
    diagram = Diagram(
        nodes=nodes,
        arrows=_unique_arrow_ids(arrows),
        title=top.text("title"),
        caption=top.text("caption"),
        alt=top.text("alt"),
        layout=layout,
        direction=cast(Direction, top.choice("direction", DIRECTIONS, "up" if layout == "stack" else "down")),
        columns=top.integer("columns", 0, 0, 100),
        gap=top.number("gap", 48.0, 0, 400),
        roughness=top.number("roughness", 1.0, 0, 5),
        bowing=top.number("bowing", 1.0, 0, 10),
        seed=top.integer("seed", 0, 0, 2**31),
    )
    if layout == "free":
        for i, node in enumerate(nodes):
            if node.at is None:
                raise SchemaError(
                    ("nodes", i, "at"),
                    f"nodes[{i}].at: required with layout 'free'",
                    'give every node "at": [x, y] (its top-left corner), or pick a layout',
                )
    return diagram


def _known(ids: set[str], shown: int = 20) -> str:
    """The hint for an unknown id: the ids there are, the first 20 only (a diagram may have 500)."""
    names = sorted(ids)
    more = f", … ({len(names)} in all)" if len(names) > shown else ""
    return "known ids: " + ", ".join(names[:shown]) + more


def _check_numbers(data: Any) -> None:
    """Refuse NaN, Infinity and numbers too large to draw, wherever they are.

    Python's JSON reader accepts ``NaN`` and ``Infinity`` (and the loader turns
    an integer of hundreds of digits into infinity); none of them can be a
    coordinate, a size or a label, and each would crash the layout or print
    as Python's ``nan``.
    """
    stack: list[tuple[Any, Path_]] = [(data, ())]
    while stack:
        value, path = stack.pop()
        if isinstance(value, JsonObject) and value.duplicates:
            where = (*path, value.duplicates[0])
            raise SchemaError(
                where,
                f"{path_text(where)}: key {value.duplicates[0]!r} is written twice in one object",
                "JSON keeps only the last one; merge them, or delete the one you did not mean",
            )
        if isinstance(value, HugeNumber) or (
            isinstance(value, int) and not isinstance(value, bool) and abs(value) > 10**300
        ):
            raise SchemaError(path, f"{path_text(path)}: a number of over 300 digits is too large to draw")
        if isinstance(value, dict):
            stack.extend((v, (*path, k)) for k, v in reversed(value.items()))
        elif isinstance(value, list):
            stack.extend((v, (*path, i)) for i, v in reversed(list(enumerate(value))))
        elif isinstance(value, float) and not math.isfinite(value):
            shown = "NaN" if math.isnan(value) else ("-Infinity" if value < 0 else "Infinity")
            raise SchemaError(
                path,
                f"{path_text(path)}: {shown} is not a number a diagram can use",
                'numbers must be finite; to show it as text, write it as a string: "NaN"',
            )


def _check_count(count: int, limit: int, path: Path_, what: str, hint: str) -> None:
    if count > limit:
        raise SchemaError(
            path, f"{path_text(path)}: {count} {what} are too many for one diagram (the limit is {limit})", hint
        )


def _kind_keys(r: _Reader, kind: str) -> None:
    """A key of another kind of node (``cells`` on a box) would be silently ignored: refuse it."""
    for key, kinds in _KIND_KEYS.items():
        if key in r.obj and kind not in kinds:
            raise SchemaError(
                r.at(key),
                f"{path_text(r.at(key))}: only a {' or '.join(kinds)} node has {key!r}, this is a {kind!r}",
                f'add "kind": "{kinds[0]}", or remove {key!r}',
            )


def _at(r: _Reader) -> tuple[float, float] | None:
    """``at: [x, y]``, within ±MAX_COORD."""
    if "at" not in r.obj:
        return None
    raw = r.obj["at"]
    if (
        not isinstance(raw, list)
        or len(raw) != 2
        or any(isinstance(v, bool) or not isinstance(v, int | float) for v in raw)
    ):
        raise r.fail("at", "[x, y]: a list of two numbers")
    for i, v in enumerate(raw):
        if abs(v) > MAX_COORD:
            where = (*r.at("at"), i)
            raise SchemaError(
                where,
                f"{path_text(where)}: {v:g} is outside the drawing (from {-MAX_COORD:g} to {MAX_COORD:g})",
                "coordinates are pixels from the diagram's origin; a figure is a few hundred wide",
            )
    return float(raw[0]), float(raw[1])


def _pointer_arrows(nodes: tuple[Node, ...]) -> list[Arrow]:
    """A cell's ``pointer`` is shorthand for an arrow from that cell, so the cell needs an id."""
    arrows = []
    for n, node in enumerate(nodes):
        for c, cell in enumerate(node.cells):
            if cell.pointer:
                where: Path_ = ("nodes", n, "cells", c, "pointer")
                if not cell.id:
                    raise SchemaError(
                        where,
                        f"{path_text(where)}: a cell with a pointer needs an id to draw the arrow from",
                        'give the cell an "id", e.g. {"id": "p", "value": "", "pointer": "' + cell.pointer + '"}',
                    )
                arrows.append(Arrow(f"{cell.id}->{cell.pointer}", cell.id, cell.pointer, path=where))
    return arrows


def _node(value: Any, path: Path_) -> Node:
    r = _Reader(value, path, _NODE_KEYS)
    kind = cast(Kind, r.choice("kind", KINDS, "box"))
    node_id = r.id("id", required=True) or ""
    _kind_keys(r, kind)
    at = _at(r)
    cells = tuple(
        _cell(item, (*path, "cells", i)) for i, item in enumerate(r.items("cells", required=kind == "memory"))
    )
    if kind == "memory" and not cells:
        raise SchemaError((*path, "cells"), f"{path_text((*path, 'cells'))}: a memory node needs at least one cell")
    values, highlight = _tensor(r) if kind == "tensor" else ((), frozenset[tuple[int, int]]())
    for key, count in (("row_labels", len(values)), ("col_labels", len(values[0]) if values else 0)):
        if kind == "tensor" and len(r.items(key)) > count:
            raise SchemaError(
                r.at(key),
                f"{path_text(r.at(key))}: {len(r.items(key))} labels for {count} {key[:3]}s",
                "give at most one label per row (row_labels) or column (col_labels)",
            )
    return Node(
        id=node_id,
        kind=kind,
        title=r.text("title"),
        subtitle=r.text("subtitle"),
        at=at,
        width=r.number("width", 0.0, 0, 2000),
        height=r.number("height", 0.0, 0, 2000),
        fill=cast(Fill, r.choice("fill", FILLS, "solid" if kind == "note" else "none")),
        color=r.choice("color", COLORS, "orange" if kind == "note" else "ink"),
        cells=cells,
        orientation=cast(Literal["row", "column"], r.choice("orientation", ("row", "column"), "column")),
        values=values,
        row_labels=r.strings("row_labels"),
        col_labels=r.strings("col_labels"),
        highlight=highlight,
        strides=tuple(int(s) for s in _integers(r, "strides", -MAX_STRIDE, MAX_STRIDE)),
    )


def _cell(value: Any, path: Path_) -> Cell:
    if not isinstance(value, dict):
        value = {"value": value}  # a bare value is the common case: [1, 2, 3]
    r = _Reader(value, path, _CELL_KEYS)
    return Cell(
        value=r.text("value"),
        id=r.id("id"),
        index=r.text("index") or None,
        name=r.text("name") or None,
        pointer=r.id("pointer"),
    )


def _integers(r: _Reader, key: str, low: int, high: int) -> list[int]:
    items = r.items(key)
    for i, item in enumerate(items):
        if isinstance(item, bool) or not isinstance(item, int) or not low <= item <= high:
            raise SchemaError(
                (*r.at(key), i),
                f"{path_text((*r.at(key), i))}: expected an integer from {low} to {high}, got {_kind(item)}",
            )
    return items


def _tensor(r: _Reader) -> tuple[tuple[tuple[str, ...], ...], frozenset[tuple[int, int]]]:
    """A tensor's cell values (from ``values``, or blank from ``shape``) and highlights."""
    if "values" in r.obj:
        grid = _tensor_values(r)
    elif "shape" in r.obj:
        shape = r.items("shape")
        if (
            not 1 <= len(shape) <= 2
            or any(isinstance(s, bool) or not isinstance(s, int) for s in shape)
            or any(not 1 <= s <= MAX_TENSOR_SIDE for s in shape)
        ):
            raise r.fail("shape", f"[rows, columns] or [length], each from 1 to {MAX_TENSOR_SIDE}")
        n_rows, n_cols = (shape[0], shape[1]) if len(shape) == 2 else (1, shape[0])
        grid = tuple(tuple("" for _ in range(n_cols)) for _ in range(n_rows))
    else:
        raise SchemaError(r.at("values"), f"{path_text(r.path)}: a tensor needs 'values' (a list of rows) or 'shape'")
    highlight = set()
    for i, item in enumerate(r.items("highlight")):
        where = (*r.at("highlight"), i)
        if (
            not isinstance(item, list)
            or len(item) != 2
            or any(isinstance(v, bool) or not isinstance(v, int) for v in item)
        ):
            raise SchemaError(where, f"{path_text(where)}: expected [row, column], got {_kind(item)}")
        if not (0 <= item[0] < len(grid) and 0 <= item[1] < len(grid[0])):
            raise SchemaError(where, f"{path_text(where)}: cell {item} is outside the {len(grid)}×{len(grid[0])} grid")
        highlight.add((item[0], item[1]))
    return grid, frozenset(highlight)


def _tensor_values(r: _Reader) -> tuple[tuple[str, ...], ...]:
    """``values``: a list of rows, or a list of values for a 1-D tensor (one row), as the schema says."""
    items = r.items("values", min_items=1)
    if not any(isinstance(item, list) for item in items):
        _tensor_size(r, 1, len(items))
        return (tuple(_value_text(v, (*r.at("values"), j)) for j, v in enumerate(items)),)
    width = len(items[0]) if isinstance(items[0], list) else 0
    _tensor_size(r, len(items), width)
    rows = []
    for i, row in enumerate(items):
        where = (*r.at("values"), i)
        if not isinstance(row, list):
            raise SchemaError(
                where,
                f"{path_text(where)}: expected a row (a list of values) like the others, got {_kind(row)}",
                "write a 1-D tensor as one list of values, a 2-D one as a list of rows",
            )
        if not row:
            raise SchemaError(where, f"{path_text(where)}: a row needs at least one value", 'use "" for an empty cell')
        if len(row) != width:
            raise SchemaError(
                where,
                f"{path_text(where)}: expected {width} value{'s' * (width != 1)} like the first row, got {len(row)}",
            )
        rows.append(tuple(_value_text(v, (*where, j)) for j, v in enumerate(row)))
    return tuple(rows)


def _tensor_size(r: _Reader, n_rows: int, n_cols: int) -> None:
    if n_rows > MAX_TENSOR_SIDE or n_cols > MAX_TENSOR_SIDE:
        raise SchemaError(
            r.at("values"),
            f"{path_text(r.at('values'))}: {n_rows}×{n_cols} values are more than a tensor can show "
            f"(at most {MAX_TENSOR_SIDE} rows and {MAX_TENSOR_SIDE} columns)",
            'show a corner of it, with "…" for the rest',
        )


def _value_text(value: Any, path: Path_) -> str:
    """A tensor value as shown: a number or a string (a boolean reads as true/false in Python's spelling)."""
    if isinstance(value, bool):
        return str(value)
    if not isinstance(value, str | int | float):
        raise SchemaError(
            path, f"{path_text(path)}: expected a number or a string, got {_kind(value)}", 'use "" for an empty cell'
        )
    return _checked_text(value, path)


def _arrow(value: Any, path: Path_) -> Arrow:
    r = _Reader(value, path, _ARROW_KEYS)
    source = r.id("from", required=True) or ""
    target = r.id("to", required=True) or ""
    curve = r.number("curve", 0.0, -2, 2) if "curve" in r.obj else None
    return Arrow(
        id=r.id("id") or f"{source}->{target}",
        source=source,
        target=target,
        label=r.text("label"),
        curve=curve,
        route=cast(Route, r.choice("route", ROUTES, "auto")),
        dashed=r.flag("dashed", False),
        heads=cast(Heads, r.choice("heads", HEADS, "end")),
        path=path,
    )


def _check_ids(nodes: tuple[Node, ...]) -> set[str]:
    seen: dict[str, Path_] = {}
    for n, node in enumerate(nodes):
        places: list[tuple[str, Path_]] = [(node.id, ("nodes", n, "id"))]
        places += [(c.id, ("nodes", n, "cells", i, "id")) for i, c in enumerate(node.cells) if c.id]
        for ident, where in places:
            if ident in seen:
                raise SchemaError(
                    where,
                    f"{path_text(where)}: id {ident!r} is already used at {path_text(seen[ident])}",
                    "every node and cell id must be unique in its diagram",
                )
            seen[ident] = where
    return set(seen)


def _connect(nodes: tuple[Node, ...], layout: str) -> list[Arrow]:
    """``connect``: arrows between consecutive nodes (and back to the first in a cycle)."""
    pairs = list(itertools.pairwise(nodes))
    if layout == "cycle" and len(nodes) > 2:
        pairs.append((nodes[-1], nodes[0]))
    return [Arrow(f"{a.id}->{b.id}", a.id, b.id, path=("connect",)) for a, b in pairs]


def _unique_arrow_ids(arrows: list[Arrow]) -> tuple[Arrow, ...]:
    """Two arrows between the same ids get ``a->b``, ``a->b#2``: distinct seeds."""
    seen: dict[str, int] = {}
    out = []
    for arrow in arrows:
        seen[arrow.id] = seen.get(arrow.id, 0) + 1
        ident = arrow.id if seen[arrow.id] == 1 else f"{arrow.id}#{seen[arrow.id]}"
        out.append(replace(arrow, id=ident))
    return tuple(out)
