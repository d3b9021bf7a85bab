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
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else part)
    return out or "(top level)"


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
        return value if isinstance(value, str) else _number_text(value)

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

    def items(self, key: str, *, required: bool = False, min_items: int = 0) -> list[Any]:
        if key not in self.obj:
            if required:
                raise SchemaError(self.at(key), f"{path_text(self.path)}: missing required key {key!r}")
            return []
        value = self.obj[key]
        if not isinstance(value, list):
            raise self.fail(key, "a list")
        if len(value) < min_items:
            raise SchemaError(self.at(key), f"{path_text(self.at(key))}: expected at least {min_items} item(s)")
        return value

    def strings(self, key: str) -> tuple[str, ...]:
        items = self.items(key)
        for i, item in enumerate(items):
            if isinstance(item, bool) or not isinstance(item, str | int | float):
                raise SchemaError(
                    (*self.at(key), i), f"{path_text((*self.at(key), i))}: expected a string, got {_kind(item)}"
                )
        return tuple(item if isinstance(item, str) else _number_text(item) for item in items)


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
    top = _Reader(data, (), _TOP_KEYS)
    layout = cast(Layout, top.choice("layout", LAYOUTS, "row"))
    nodes = tuple(_node(item, ("nodes", i)) for i, item in enumerate(top.items("nodes", required=True, min_items=1)))
    ids = _check_ids(nodes)
    arrows = [_arrow(item, ("arrows", i)) for i, item in enumerate(top.items("arrows"))]
    # A cell's "pointer" is shorthand for an arrow from it.
    for n, node in enumerate(nodes):
        for c, cell in enumerate(node.cells):
            if cell.pointer:
                where: Path_ = ("nodes", n, "cells", c, "pointer")
                arrows.append(Arrow(f"{cell.id}->{cell.pointer}", cell.id or "", cell.pointer, path=where))
    if top.flag("connect", layout in ("cycle", "stack")):
        arrows[:0] = _connect(nodes, layout)  # first, so the author's own arrows draw on top
    for arrow in arrows:
        for end, ref in (("from", arrow.source), ("to", arrow.target)):
            if ref not in ids:
                where = arrow.path if arrow.path[-1] == "pointer" else (*arrow.path, end)
                raise SchemaError(
                    where,
                    f"{path_text(where)}: arrow {'from' if end == 'from' else 'to'} unknown id {ref!r}",
                    "known ids: " + ", ".join(sorted(ids)),
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


def _node(value: Any, path: Path_) -> Node:
    r = _Reader(value, path, _NODE_KEYS)
    kind = cast(Kind, r.choice("kind", KINDS, "box"))
    node_id = r.id("id", required=True) or ""
    at = None
    if "at" in r.obj:
        raw = r.obj["at"]
        if (
            not isinstance(raw, list)
            or len(raw) != 2
            or any(isinstance(v, bool) or not isinstance(v, int | float) for v in raw)
        ):
            raise r.fail("at", "[x, y]: a list of two numbers")
        at = (float(raw[0]), float(raw[1]))
    cells = tuple(
        _cell(item, (*path, "cells", i)) for i, item in enumerate(r.items("cells", required=kind == "memory"))
    )
    if kind == "memory" and not cells:
        raise SchemaError((*path, "cells"), f"{path_text((*path, 'cells'))}: a memory node needs at least one cell")
    values, highlight = _tensor(r) if kind == "tensor" else ((), frozenset[tuple[int, int]]())
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
        strides=tuple(int(s) for s in _integers(r, "strides")),
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


def _integers(r: _Reader, key: str) -> list[int]:
    items = r.items(key)
    for i, item in enumerate(items):
        if isinstance(item, bool) or not isinstance(item, int):
            raise SchemaError((*r.at(key), i), f"{path_text((*r.at(key), i))}: expected an integer, got {_kind(item)}")
    return items


def _tensor(r: _Reader) -> tuple[tuple[tuple[str, ...], ...], frozenset[tuple[int, int]]]:
    """A tensor's cell values (from ``values``, or blank from ``shape``) and highlights."""
    if "values" in r.obj:
        rows = r.items("values", min_items=1)
        values = []
        for i, row in enumerate(rows):
            if not isinstance(row, list):
                row = [row]  # a 1-D tensor is one row
            if len(row) != len(rows[0] if isinstance(rows[0], list) else [rows[0]]):
                raise SchemaError(
                    (*r.at("values"), i),
                    f"{path_text((*r.at('values'), i))}: expected {len(rows[0])} values like the first row, "
                    f"got {len(row)}",
                )
            values.append(tuple(_number_text(v) if isinstance(v, int | float) else str(v) for v in row))
        grid = tuple(values)
    elif "shape" in r.obj:
        shape = _integers(r, "shape")
        if not 1 <= len(shape) <= 2 or any(not 1 <= s <= 64 for s in shape):
            raise r.fail("shape", "[rows, columns] or [length], each from 1 to 64")
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
