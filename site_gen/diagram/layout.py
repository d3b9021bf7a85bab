"""Layout: where every node, cell, label and arrow goes, in plain geometry.

Three steps, all pure functions of the Diagram:

1. **Measure** each node from its text (``text.measure``): a box is as wide as
   its widest line plus padding, so text never overflows it.
2. **Place** the nodes without ``at``: in a row, a column, a grid, around a
   cycle, as a stack of layers, or as a layered graph (longest-path layers,
   then a few barycentre sweeps to untangle edges, as in Sugiyama's method).
3. **Route** arrows: straight from border to border, never from a corner
   (a curve leaves and lands at a side's middle); bent just enough to miss
   what is in the way when a straight line would cross it: boxes, text,
   memory cells and the labels already placed; or, with ``route: "right"``
   etc., around the outside in three straight legs (a residual connection,
   a feedback loop). Each label then goes beside its arrow where it covers
   no node, no other label and no arrow.

The result is a ``Scene`` that ``svg.py`` only has to draw. ``narrow_twin``
gives the same diagram laid out for a phone (a row as a column…), which the
page may show instead.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field, replace
from typing import Literal

from .rough import Point, clip
from .schema import Arrow, Diagram, Node, Route
from .text import measure, parse_label, script_size, wrap

# Font sizes in user units, which are CSS px when a diagram is shown at 1:1. The
# page never shows one smaller than MIN_SCALE_TEXT px (``min_width``), so the
# smallest size here decides how far a diagram may shrink on a narrow screen.
TITLE_SIZE = 16.0
TEXT_SIZE = 14.0
LABEL_SIZE = 13.0  # arrow labels
SMALL_SIZE = 12.0  # cell names and indices, tensor row/column labels, strides
LINE_HEIGHT = 1.3
# Ink of a line of DejaVu Sans around its baseline, in ems: capitals and accents
# reach 0.78 above, descenders 0.22 below. Scripts sit lower or higher (svg.py).
ASCENT, DESCENT = 0.78, 0.22
SUB_SHIFT, SUP_SHIFT = 0.3, -0.42
PAD_X, PAD_Y = 14.0, 10.0
MAX_TEXT_WIDTH = 200.0
CELL_H = 30.0
MARGIN = 16.0
SIDE_CLEARANCE = 28.0  # how far an around-the-outside arrow stays from the boxes


@dataclass(frozen=True)
class Rect:
    x: float
    y: float
    w: float
    h: float

    @property
    def cx(self) -> float:
        return self.x + self.w / 2

    @property
    def cy(self) -> float:
        return self.y + self.h / 2

    @property
    def right(self) -> float:
        return self.x + self.w

    @property
    def bottom(self) -> float:
        return self.y + self.h

    def moved(self, dx: float, dy: float) -> Rect:
        return Rect(self.x + dx, self.y + dy, self.w, self.h)

    def inflated(self, d: float) -> Rect:
        return Rect(self.x - d, self.y - d, self.w + 2 * d, self.h + 2 * d)

    def overlaps(self, other: Rect) -> bool:
        return self.x < other.right and other.x < self.right and self.y < other.bottom and other.y < self.bottom

    def contains(self, p: Point) -> bool:
        return self.x <= p[0] <= self.right and self.y <= p[1] <= self.bottom


@dataclass(frozen=True)
class TextLine:
    """One line of a label; ``y`` is the baseline."""

    x: float
    y: float
    text: str
    size: float
    bold: bool = False
    anchor: Literal["start", "middle", "end"] = "middle"
    muted: bool = False


def line_extent(text: str, size: float) -> tuple[float, float]:
    """How far a line's ink reaches above and below its baseline, scripts included."""
    above, below = ASCENT * size, DESCENT * size
    for run in parse_label(text):
        if run.shift == "sup":
            above = max(above, -SUP_SHIFT * size + ASCENT * script_size(size))
        elif run.shift == "sub":
            below = max(below, SUB_SHIFT * size + DESCENT * script_size(size))
    return above, below


def ink_box(line: TextLine) -> Rect:
    """The box a line of text covers, from the same metrics layout measures with."""
    width = measure(line.text, line.size, bold=line.bold)
    above, below = line_extent(line.text, line.size)
    x = line.x - {"start": 0.0, "middle": width / 2, "end": width}[line.anchor]
    return Rect(x, line.y - above, width, above + below)


@dataclass(frozen=True)
class Shape:
    """A placed node: its outline, inner cells and text, in absolute coordinates."""

    node: Node
    rect: Rect
    outline: Literal["rect", "ellipse", "note", "frame", "none"]
    texts: tuple[TextLine, ...] = ()
    cells: tuple[tuple[str | None, Rect, bool], ...] = ()  # (cell id, rect, highlighted)

    def moved(self, dx: float, dy: float) -> Shape:
        return Shape(
            self.node,
            self.rect.moved(dx, dy),
            self.outline,
            tuple(TextLine(t.x + dx, t.y + dy, t.text, t.size, t.bold, t.anchor, t.muted) for t in self.texts),
            tuple((i, r.moved(dx, dy), h) for i, r, h in self.cells),
        )


@dataclass(frozen=True)
class ArrowShape:
    arrow: Arrow
    kind: Literal["line", "curve", "elbow"]
    points: tuple[Point, ...]  # line: 2 points; curve: start, control, end; elbow: 4 corners
    label: tuple[TextLine, ...] = ()
    label_box: Rect | None = None
    from_cell: bool = False

    def samples(self, n: int = 16) -> list[Point]:
        """Points along the arrow, for hit tests and bounds."""
        if self.kind == "curve":
            return [quad(self.points, i / n) for i in range(n + 1)]
        return list(self.points)

    @property
    def end_direction(self) -> Point:
        """Unit vector of travel at the tip (for the arrowhead)."""
        a, b = (self.points[-2], self.points[-1])
        return _unit(b[0] - a[0], b[1] - a[1])

    @property
    def start_direction(self) -> Point:
        a, b = (self.points[1], self.points[0])
        return _unit(b[0] - a[0], b[1] - a[1])


@dataclass
class Scene:
    shapes: list[Shape]
    arrows: list[ArrowShape]
    bounds: Rect = field(default_factory=lambda: Rect(0, 0, 0, 0))


def quad(points: Sequence[Point], t: float) -> Point:
    (x0, y0), (x1, y1), (x2, y2) = points
    u = 1 - t
    return (u * u * x0 + 2 * u * t * x1 + t * t * x2, u * u * y0 + 2 * u * t * y1 + t * t * y2)


def _unit(dx: float, dy: float) -> Point:
    length = math.hypot(dx, dy) or 1.0
    return dx / length, dy / length


# --------------------------------------------------------------------------
# 1. Measure and draw one node at the origin


def shape_of(node: Node) -> Shape:
    """The node drawn with its top-left corner at (0, 0)."""
    if node.kind == "memory":
        return _memory(node)
    if node.kind == "tensor":
        return _tensor(node)
    return _box(node)


def _text_block(lines: list[tuple[str, float, bool, bool]]) -> tuple[float, float]:
    width = max((measure(t, s, bold=b) for t, s, b, _ in lines), default=0.0)
    height = sum(sum(_line_room(t, s)) for t, s, _, _ in lines)
    return width, height


def _line_room(text: str, size: float) -> tuple[float, float]:
    """Space a line takes above and below its baseline: a line box, grown where scripts stick out.

    Without the growth a title's subscript (θ_t) and the subtitle's
    superscript under it (w^T) would touch.
    """
    above, below = line_extent(text, size)
    half_lead = size * (LINE_HEIGHT - 1) / 2
    return max(size * 0.8 + half_lead, above + 1), max(size * (LINE_HEIGHT - 0.8) - half_lead, below + 1)


def _label_lines(
    node: Node, max_width: float, title_size: float, title_bold: bool
) -> list[tuple[str, float, bool, bool]]:
    lines = [(t, title_size, title_bold, False) for t in wrap(node.title, title_size, max_width, bold=title_bold) if t]
    lines += [(t, TEXT_SIZE, False, True) for t in wrap(node.subtitle, TEXT_SIZE, max_width) if t]
    return lines


def _centred_texts(lines: list[tuple[str, float, bool, bool]], cx: float, cy: float) -> tuple[TextLine, ...]:
    _, height = _text_block(lines)
    y = cy - height / 2
    out = []
    for text, size, bold, muted in lines:
        above, below = _line_room(text, size)
        out.append(TextLine(cx, y + above, text, size, bold, "middle", muted))
        y += above + below
    return tuple(out)


def _box(node: Node) -> Shape:
    note = node.kind == "note"
    title_size, bold = (TEXT_SIZE, False) if note else (TITLE_SIZE, True)
    max_text = (node.width - 2 * PAD_X) if node.width else MAX_TEXT_WIDTH
    if not node.title and not node.subtitle:
        node = replace(node, title=node.id)  # {"id": "Data"} is a box labelled Data
    lines = _label_lines(node, max(max_text, 40.0), title_size, bold)
    text_w, text_h = _text_block(lines)
    if node.kind == "ellipse":
        # The text's box must fit inside the ellipse: scale by sqrt(2).
        w = max(node.width, (text_w + PAD_X) * math.sqrt(2), 60.0)
        h = max(node.height, (text_h + PAD_Y) * math.sqrt(2), 40.0)
        outline: Literal["rect", "ellipse", "note"] = "ellipse"
    else:
        w = max(node.width, text_w + 2 * PAD_X + (8 if note else 0), 60.0)
        h = max(node.height, text_h + 2 * PAD_Y, 40.0)
        outline = "note" if note else "rect"
    return Shape(node, Rect(0, 0, w, h), outline, _centred_texts(lines, w / 2, h / 2))


def _memory(node: Node) -> Shape:
    """A frame of cells: names on the left, values in boxes, indices on the right."""
    pad = 10.0
    title_h = TEXT_SIZE * LINE_HEIGHT + 4 if node.title else 0.0
    value_w = max(56.0, *(measure(c.value, TEXT_SIZE) + 2 * PAD_X for c in node.cells))
    texts: list[TextLine] = []
    if node.title:
        texts.append(TextLine(pad, pad + TEXT_SIZE * 0.85, node.title, TEXT_SIZE, True, "start"))
    cells = []
    if node.orientation == "column":
        name_w = max((measure(c.name, SMALL_SIZE) for c in node.cells if c.name), default=0.0)
        index_w = max((measure(c.index, SMALL_SIZE) for c in node.cells if c.index), default=0.0)
        x0 = pad + (name_w + 8 if name_w else 0)
        y = pad + title_h
        for cell in node.cells:
            rect = Rect(x0, y, value_w, CELL_H)
            cells.append((cell.id, rect, False))
            texts.append(TextLine(rect.cx, y + CELL_H / 2 + TEXT_SIZE * 0.35, cell.value, TEXT_SIZE))
            base = y + CELL_H / 2 + SMALL_SIZE * 0.35
            if cell.name:
                texts.append(TextLine(x0 - 8, base, cell.name, SMALL_SIZE, anchor="end", muted=True))
            if cell.index:
                texts.append(TextLine(rect.right + 6, base, cell.index, SMALL_SIZE, anchor="start", muted=True))
            y += CELL_H
        w = x0 + value_w + (index_w + 6 if index_w else 0) + pad
        h = y + pad
    else:
        names = any(c.name for c in node.cells)
        widths = [
            max(value_w if len(node.cells) < 2 else 0, measure(c.value, TEXT_SIZE) + 2 * PAD_X, 40.0)
            for c in node.cells
        ]
        for i, cell in enumerate(node.cells):
            widths[i] = max(widths[i], measure(cell.name or "", SMALL_SIZE) + 6, measure(cell.index or "", SMALL_SIZE))
        x = pad
        y0 = pad + title_h + (SMALL_SIZE * LINE_HEIGHT if names else 0)
        for cell, cw in zip(node.cells, widths, strict=True):
            rect = Rect(x, y0, cw, CELL_H)
            cells.append((cell.id, rect, False))
            texts.append(TextLine(rect.cx, y0 + CELL_H / 2 + TEXT_SIZE * 0.35, cell.value, TEXT_SIZE))
            if cell.name:
                texts.append(TextLine(rect.cx, y0 - 4, cell.name, SMALL_SIZE, muted=True))
            if cell.index:
                texts.append(TextLine(rect.cx, y0 + CELL_H + SMALL_SIZE + 2, cell.index, SMALL_SIZE, muted=True))
            x += cw
        has_index = any(c.index for c in node.cells)
        title_w = measure(node.title, TEXT_SIZE, bold=True) + 2 * pad if node.title else 0
        w = max(x + pad, title_w)
        h = y0 + CELL_H + (SMALL_SIZE * LINE_HEIGHT + 2 if has_index else 0) + pad
    w, h = max(w, node.width), max(h, node.height)
    return Shape(node, Rect(0, 0, w, h), "frame", tuple(texts), tuple(cells))


def _tensor(node: Node) -> Shape:
    """A grid of values with row/column labels, highlights and a strides note."""
    rows, n_cols = node.values, len(node.values[0])
    cell_w = max(34.0, *(measure(v, TEXT_SIZE) + 16 for row in rows for v in row))
    row_label_w = max((measure(label, SMALL_SIZE) for label in node.row_labels), default=0.0)
    col_label_w = max((measure(label, SMALL_SIZE) for label in node.col_labels), default=0.0)
    cell_w = max(cell_w, col_label_w + 6)
    texts: list[TextLine] = []
    y = 0.0
    if node.title:
        texts.append(TextLine(0, TEXT_SIZE * 0.85, node.title, TEXT_SIZE, True, "start"))
        y += TEXT_SIZE * LINE_HEIGHT + 4
    x0 = row_label_w + 8 if row_label_w else 0.0
    if node.col_labels:
        y += SMALL_SIZE * LINE_HEIGHT
        for j, label in enumerate(node.col_labels[:n_cols]):
            texts.append(TextLine(x0 + (j + 0.5) * cell_w, y - 4, label, SMALL_SIZE, muted=True))
    cells = []
    for i, row in enumerate(rows):
        cy = y + i * CELL_H
        if i < len(node.row_labels):
            texts.append(
                TextLine(
                    x0 - 8,
                    cy + CELL_H / 2 + SMALL_SIZE * 0.35,
                    node.row_labels[i],
                    SMALL_SIZE,
                    anchor="end",
                    muted=True,
                )
            )
        for j, value in enumerate(row):
            rect = Rect(x0 + j * cell_w, cy, cell_w, CELL_H)
            cells.append((None, rect, (i, j) in node.highlight))
            if value:
                texts.append(TextLine(rect.cx, cy + CELL_H / 2 + TEXT_SIZE * 0.35, value, TEXT_SIZE))
    y += len(rows) * CELL_H
    w = x0 + n_cols * cell_w
    if node.strides:
        note = "strides (" + ", ".join(map(str, node.strides)) + (",)" if len(node.strides) == 1 else ")")
        y += SMALL_SIZE * LINE_HEIGHT + 4
        texts.append(TextLine(x0, y - 2, note, SMALL_SIZE, anchor="start", muted=True))
        w = max(w, x0 + measure(note, SMALL_SIZE))
    if node.title:
        w = max(w, measure(node.title, TEXT_SIZE, bold=True))
    return Shape(node, Rect(0, 0, max(w, node.width), max(y, node.height)), "none", tuple(texts), tuple(cells))


# --------------------------------------------------------------------------
# 2. Place nodes


def layout(diagram: Diagram) -> Scene:
    """Measure, place and route everything in the diagram."""
    local = [shape_of(node) for node in diagram.nodes]
    auto = [i for i, node in enumerate(diagram.nodes) if node.at is None]
    sizes = {i: (local[i].rect.w, local[i].rect.h) for i in auto}
    spots = _place(diagram, auto, sizes)
    shapes = []
    for i, (node, shape) in enumerate(zip(diagram.nodes, local, strict=True)):
        if i in sizes and sizes[i][0] > shape.rect.w:  # stretched to its layer stack's width
            shape = shape_of(replace(node, width=sizes[i][0]))
        x, y = node.at if node.at is not None else spots[i]
        shapes.append(shape.moved(x, y))
    scene = Scene(shapes, [])
    scene.arrows = _route_all(diagram, shapes)
    scene.bounds = _bounds(scene)
    return scene


_TRANSPOSED_ROUTE: dict[str, Route] = {
    "above": "left",
    "left": "above",
    "below": "right",
    "right": "below",
    "auto": "auto",
    "straight": "straight",
}


def narrow_twin(diagram: Diagram) -> Diagram | None:
    """The diagram laid out for a narrow screen, or None if it has no such twin.

    Mostly the diagram mirrored across its diagonal: a ``row`` becomes a
    ``column`` and a ``graph`` flowing right flows down; a full ``grid`` of
    R rows and C columns (C > R) becomes one of C rows and R columns, each
    node moving from (r, c) to (c, r), so a node's neighbours stay its
    neighbours. Mirrored, an arrow routed ``above`` goes round the ``left``,
    and a ``curve`` bows to the mirrored side. A grid without arrows is only
    a set of boxes, and becomes one column in reading order; a ``cycle``
    unrolls into a column whose last arrow goes back up its side. Nodes
    placed by hand (``at``) keep their places, so a diagram with any has no
    twin.
    """
    nodes = diagram.nodes
    if len(nodes) < 2 or any(node.at is not None for node in nodes):
        return None
    arrows = tuple(
        replace(arrow, route=_TRANSPOSED_ROUTE[arrow.route], curve=None if arrow.curve is None else -arrow.curve)
        for arrow in diagram.arrows
    )
    if diagram.layout == "row":
        return replace(diagram, layout="column", arrows=arrows)
    if diagram.layout == "cycle":  # unrolled: a column, and the arrow that closes the loop goes round its side
        closing = (nodes[-1].id, nodes[0].id)

        def unrolled(arrow: Arrow) -> Arrow:
            if arrow.path == ("connect",) and (arrow.source, arrow.target) == closing:
                return replace(arrow, route="right")
            return arrow

        return replace(diagram, layout="column", arrows=tuple(unrolled(a) for a in diagram.arrows))
    if diagram.layout == "graph" and diagram.direction in ("right", "left"):
        return replace(diagram, direction="down" if diagram.direction == "right" else "up", arrows=arrows)
    if diagram.layout == "grid" and not arrows:  # nothing joins them: one column, in reading order
        return replace(diagram, layout="column")
    if diagram.layout == "grid":
        columns = diagram.columns or math.ceil(math.sqrt(len(nodes)))
        rows = len(nodes) // columns
        if len(nodes) % columns or rows >= columns:  # a ragged grid would leave holes; a tall one is narrow
            return None
        mirrored = tuple(nodes[r * columns + c] for c in range(columns) for r in range(rows))
        return replace(diagram, nodes=mirrored, columns=rows, arrows=arrows)
    return None


def _place(diagram: Diagram, auto: list[int], sizes: dict[int, tuple[float, float]]) -> dict[int, Point]:
    """Top-left corners of the auto-placed nodes."""
    if not auto:
        return {}
    gap = diagram.gap
    kind = diagram.layout
    columns = len(auto) if kind == "row" else diagram.columns or math.ceil(math.sqrt(len(auto)))
    # Side by side, leave room between neighbours for the widest label on a straight arrow between them.
    labels = _labels_across(diagram, auto, columns)
    widest = max((measure(t, LABEL_SIZE) for label in labels for t in wrap(label, LABEL_SIZE, 160)), default=0)
    wide_gap = max(gap, widest + 24)
    if kind == "cycle" and len(auto) >= 3:
        return _cycle(auto, sizes, gap)
    if kind == "graph":
        return _layered(diagram, auto, sizes, gap)
    if kind == "stack":
        order = auto[::-1] if diagram.direction == "up" else auto
        return _grid(order, sizes, 1, gap, gap * 0.75, stretch=True)
    if kind == "column":
        return _grid(auto, sizes, 1, gap, gap)
    if kind == "grid":
        return _grid(auto, sizes, columns, wide_gap, gap)
    return _grid(auto, sizes, len(auto), wide_gap, gap)  # row, and cycles too small to be round


def _labels_across(diagram: Diagram, auto: list[int], columns: int) -> list[str]:
    """Labels of the straight arrows that will run sideways: between two nodes of one row of the grid.

    An arrow between rows runs up or down, and its label sits beside it, in
    the row gap; it needs no room between the columns.
    """
    owner = _owners(diagram)
    row = {i: k // columns for k, i in enumerate(auto)}
    return [
        arrow.label
        for arrow in diagram.arrows
        if arrow.label
        and arrow.route in ("auto", "straight")
        and row.get(owner[arrow.source], -1) == row.get(owner[arrow.target], -2)
    ]


def _grid(
    order: list[int],
    sizes: dict[int, tuple[float, float]],
    columns: int,
    gap: float,
    row_gap: float,
    *,
    stretch: bool = False,
) -> dict[int, Point]:
    """Row-major grid; each node centred in its cell (a row is a 1-row grid)."""
    rows = [order[i : i + columns] for i in range(0, len(order), columns)]
    col_w = [max(sizes[i][0] for i in order[c::columns]) for c in range(min(columns, len(order)))]
    row_h = [max(sizes[i][1] for i in row) for row in rows]
    spots: dict[int, Point] = {}
    y = 0.0
    for r, row in enumerate(rows):
        x = 0.0
        for c, i in enumerate(row):
            w, h = sizes[i]
            if stretch:
                sizes[i] = (col_w[c], h)  # a layer stack is one width
                w = col_w[c]
            spots[i] = (x + (col_w[c] - w) / 2, y + (row_h[r] - h) / 2)
            x += col_w[c] + gap
        y += row_h[r] + row_gap
    return spots


def _cycle(order: list[int], sizes: dict[int, tuple[float, float]], gap: float) -> dict[int, Point]:
    """Nodes clockwise round a circle, starting at the top.

    Neighbours' centres are at least one box diagonal (plus a gap) apart, so no
    two boxes can overlap: overlapping needs |dx| < w and |dy| < h at once.
    """
    n = len(order)
    diagonal = max(math.hypot(w, h) for w, h in sizes.values())
    radius = (diagonal + gap / 2) / (2 * math.sin(math.pi / n))
    spots: dict[int, Point] = {}
    for k, i in enumerate(order):
        angle = -math.pi / 2 + 2 * math.pi * k / n
        w, h = sizes[i]
        spots[i] = (radius * math.cos(angle) - w / 2, radius * math.sin(angle) - h / 2)
    return spots


def _layered(diagram: Diagram, order: list[int], sizes: dict[int, tuple[float, float]], gap: float) -> dict[int, Point]:
    """Sugiyama-style: layers by longest path, then barycentre ordering."""
    owner = _owners(diagram)
    auto = set(order)
    edges: dict[tuple[int, int], None] = {}  # an ordered set: arrow order decides ties
    for arrow in diagram.arrows:
        a, b = owner[arrow.source], owner[arrow.target]
        if a != b and a in auto and b in auto:
            edges.setdefault((a, b))
    kept = _drop_back_edges(order, list(edges))
    layers = _layers(order, kept)
    successors = _adjacency(order, kept)
    predecessors = _adjacency(order, [(b, a) for a, b in kept])
    for sweep in range(4):  # alternate down and up sweeps
        downward = sweep % 2 == 0
        seq = range(1, len(layers)) if downward else range(len(layers) - 2, -1, -1)
        for k in seq:
            ref = layers[k - 1] if downward else layers[k + 1]
            pos = {i: p for p, i in enumerate(ref)}
            links = predecessors if downward else successors
            here = {i: p for p, i in enumerate(layers[k])}

            def barycentre(
                i: int, pos: dict[int, int] = pos, links: dict[int, list[int]] = links, here: dict[int, int] = here
            ) -> float:
                near = [pos[j] for j in links[i] if j in pos]
                return sum(near) / len(near) if near else float(here[i])

            layers[k] = sorted(layers[k], key=barycentre)
    horizontal = diagram.direction in ("right", "left")
    if diagram.direction in ("up", "left"):
        layers.reverse()
    spots: dict[int, Point] = {}
    along = 0.0  # position along the flow
    for nodes in layers:
        # Within a layer, nodes sit side by side across the flow, centred on 0.
        extents = [sizes[i][1] if horizontal else sizes[i][0] for i in nodes]
        across = -(sum(extents) + gap * (len(nodes) - 1)) / 2
        depth = max(sizes[i][0] if horizontal else sizes[i][1] for i in nodes)
        for i, extent in zip(nodes, extents, strict=True):
            w, h = sizes[i]
            if horizontal:
                spots[i] = (along + (depth - w) / 2, across)
            else:
                spots[i] = (across, along + (depth - h) / 2)
            across += extent + gap
        along += depth + gap * 1.25
    return spots


def _adjacency(order: list[int], edges: list[tuple[int, int]]) -> dict[int, list[int]]:
    """Each node's neighbours along ``edges``, in edge order."""
    out: dict[int, list[int]] = {i: [] for i in order}
    for a, b in edges:
        out[a].append(b)
    return out


def _layers(order: list[int], edges: list[tuple[int, int]]) -> list[list[int]]:
    """Longest-path layering of an acyclic graph: each node one below its deepest parent.

    Kahn's topological order, so a 1000-node chain costs 1000 steps, not a
    recursion 1000 deep or 1000 relaxation passes.
    """
    successors = _adjacency(order, edges)
    waiting = dict.fromkeys(order, 0)
    for _, b in edges:
        waiting[b] += 1
    layer = dict.fromkeys(order, 0)
    ready = [i for i in order if not waiting[i]]
    while ready:
        a = ready.pop()
        for b in successors[a]:
            layer[b] = max(layer[b], layer[a] + 1)
            waiting[b] -= 1
            if not waiting[b]:
                ready.append(b)
    layers: list[list[int]] = [[] for _ in range(max(layer.values()) + 1)]
    for i in order:
        layers[layer[i]].append(i)
    return layers


def _drop_back_edges(order: list[int], edges: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """Remove edges that close a cycle (found by depth-first search in node order).

    The search keeps its own stack of (node, next edge to try) instead of
    recursing, so a long chain cannot overflow Python's recursion limit.
    """
    successors = _adjacency(order, edges)
    state: dict[int, int] = {}  # 1: on the DFS stack, 2: done
    back: set[tuple[int, int]] = set()
    for root in order:
        if root in state:
            continue
        state[root] = 1
        stack = [(root, 0)]
        while stack:
            u, k = stack[-1]
            if k == len(successors[u]):
                state[u] = 2
                stack.pop()
                continue
            stack[-1] = (u, k + 1)
            b = successors[u][k]
            if state.get(b) == 1:
                back.add((u, b))
            elif b not in state:
                state[b] = 1
                stack.append((b, 0))
    return [e for e in edges if e not in back]


def _owners(diagram: Diagram) -> dict[str, int]:
    """Node index for every id, a cell's id mapping to its node."""
    owner: dict[str, int] = {}
    for i, node in enumerate(diagram.nodes):
        owner[node.id] = i
        for cell in node.cells:
            if cell.id:
                owner[cell.id] = i
    return owner


# --------------------------------------------------------------------------
# 3. Route arrows


def _route_all(diagram: Diagram, shapes: list[Shape]) -> list[ArrowShape]:
    owner = _owners(diagram)
    targets: dict[str, tuple[Rect, bool]] = {}  # id -> (rect, is ellipse)
    for shape in shapes:
        targets[shape.node.id] = (shape.rect, shape.outline == "ellipse")
        for cell_id, rect, _ in shape.cells:
            if cell_id:
                targets[cell_id] = (rect, False)
    centre = _centre(shapes)
    empty_cells = {c.id for n in diagram.nodes for c in n.cells if c.id and not c.value}
    sides: dict[str, int] = {}
    out: list[ArrowShape] = []
    # What a bent arrow must miss: the nodes (by index, so its own two can be skipped), then all
    # text, even in its own two (a pointer starts inside its frame, among the other cells), then
    # every label placed so far. Where a label may not go: nodes, labels, and the arrows' paths.
    boxes = Buckets([s.rect.inflated(4) for s in shapes])
    cell_box: dict[str, int] = {}  # a memory cell's index in boxes: an arrow may leave or enter its own
    for shape in shapes:
        for line in shape.texts:
            if line.text:
                boxes.add(ink_box(line).inflated(2))
        if shape.outline == "frame":
            for cell_id, rect, _ in shape.cells:
                if cell_id:
                    cell_box[cell_id] = len(boxes.rects)
                boxes.add(rect)
    taken = Buckets([s.rect for s in shapes])
    paths = Segments()
    for arrow in diagram.arrows:
        a_rect, a_round = targets[arrow.source]
        b_rect, b_round = targets[arrow.target]
        from_cell = arrow.source in empty_cells  # a pointer: drawn from a dot inside its cell
        ends = {owner[arrow.source], owner[arrow.target]}
        if arrow.route in ("left", "right", "above", "below"):
            sides[arrow.route] = sides.get(arrow.route, 0) + 1
            # Around the outside of the nodes and of the labels placed so far.
            points = _around(arrow.route, a_rect, b_rect, taken.rects, sides[arrow.route])
            drawn = ArrowShape(arrow, "elbow", points, from_cell=from_cell)
        else:
            bend = arrow.curve
            if bend is None and diagram.layout == "cycle" and arrow.path == ("connect",):
                bend = _outward(a_rect, b_rect, centre, 0.25)
            if bend is None and arrow.route == "auto":
                own_cells = {cell_box[end] for end in (arrow.source, arrow.target) if end in cell_box}
                bend = _clear_bend(a_rect, a_round, b_rect, b_round, boxes, ends | own_cells, from_cell)
            drawn = _connect(arrow, a_rect, a_round, b_rect, b_round, bend or 0.0, from_cell)
        paths.add_path(drawn.samples(24))
        drawn = _with_label(drawn, taken, paths)
        if drawn.label_box:
            taken.add(drawn.label_box)
            boxes.add(drawn.label_box.inflated(LABEL_CLEARANCE))
        out.append(drawn)
    return out


def text_crossings(scene: Scene) -> int:
    """How many (arrow, line of text) pairs cross: what a good layout keeps at 0."""
    lines = [line for shape in scene.shapes for line in shape.texts if line.text]
    lines += [line for arrow in scene.arrows for line in arrow.label]
    texts = Buckets([ink_box(line) for line in lines])
    count = 0
    for arrow in scene.arrows:
        path = arrow.samples(24)
        near = set().union(*(texts.near_segment(p, q) for p, q in itertools.pairwise(path)))
        count += sum(any(_segment_hits(p, q, texts.rects[k]) for p, q in itertools.pairwise(path)) for k in near)
    return count


def _centre(shapes: list[Shape]) -> Point:
    xs = [s.rect.cx for s in shapes]
    ys = [s.rect.cy for s in shapes]
    return sum(xs) / len(xs), sum(ys) / len(ys)


def _outward(a: Rect, b: Rect, centre: Point, amount: float) -> float:
    """The bend sign that bows the a→b arrow away from ``centre``."""
    control = _control((a.cx, a.cy), (b.cx, b.cy), amount)
    mid = ((a.cx + b.cx) / 2, (a.cy + b.cy) / 2)
    away = math.dist(control, centre) > math.dist(mid, centre)
    return amount if away else -amount


def _control(p: Point, q: Point, bend: float) -> Point:
    """Quadratic control point: the midpoint pushed sideways by ``bend`` × length."""
    dx, dy = q[0] - p[0], q[1] - p[1]
    return ((p[0] + q[0]) / 2 - dy * bend, (p[1] + q[1]) / 2 + dx * bend)


CORNER_CLEARANCE = 0.25  # of a side's length: how far from a box's corner an arrow may attach
MAX_CORNER_CLEARANCE = 16.0


def border_point(rect: Rect, round_: bool, toward: Point, *, middle: bool = False) -> Point:
    """Where an arrow heading for ``toward`` meets the outline: on the side facing it, clear of the corners.

    The ray from the centre picks the point; on a box it then slides along
    its side to stay a quarter of the side (at most 16 px) from either end,
    so an arrow never starts or lands on a corner, where it would read as
    belonging to the other side, or to neither. ``middle`` puts it at the
    middle of that side: a curve, which arrives at an angle, reads best there.
    """
    cx, cy = rect.cx, rect.cy
    dx, dy = toward[0] - cx, toward[1] - cy
    if dx == 0 and dy == 0:
        return cx, rect.y
    if round_:
        a, b = rect.w / 2, rect.h / 2
        t = 1 / math.sqrt((dx / a) ** 2 + (dy / b) ** 2)
        return cx + dx * t, cy + dy * t
    tx = rect.w / 2 / abs(dx) if dx else math.inf
    ty = rect.h / 2 / abs(dy) if dy else math.inf
    if tx <= ty:  # leaves through the left or right side
        keep = rect.h / 2 if middle else min(rect.h * CORNER_CLEARANCE, MAX_CORNER_CLEARANCE)
        y = min(max(cy + dy * tx, rect.y + keep), rect.bottom - keep)
        return (rect.right if dx > 0 else rect.x), y
    keep = rect.w / 2 if middle else min(rect.w * CORNER_CLEARANCE, MAX_CORNER_CLEARANCE)
    x = min(max(cx + dx * ty, rect.x + keep), rect.right - keep)
    return x, (rect.bottom if dy > 0 else rect.y)


def _connect(arrow: Arrow, a: Rect, a_round: bool, b: Rect, b_round: bool, bend: float, from_cell: bool) -> ArrowShape:
    pa, pb = (a.cx, a.cy), (b.cx, b.cy)
    if bend == 0:
        start = pa if from_cell else border_point(a, a_round, pb)
        return ArrowShape(arrow, "line", (start, border_point(b, b_round, pa)), from_cell=from_cell)
    control = _control(pa, pb, bend)
    start, end = border_point(a, a_round, control, middle=True), border_point(b, b_round, control, middle=True)
    if from_cell:
        start = pa  # a pointer starts at a dot in the middle of its cell
    return ArrowShape(arrow, "curve", (start, control, end), from_cell=from_cell)


class Buckets:
    """Rects filed under the squares of a coarse grid that they touch.

    Routing asks "which boxes are near this segment?" for every trial bend of
    every arrow, and label placement "which boxes are near this spot?": with
    1000 arrows and 500 nodes, testing every box each time took seconds. A
    box can only meet a segment or a rect in a square both touch, so looking
    in those squares finds every box the full scan would, and few others.
    """

    SIZE = 160.0

    def __init__(self, rects: Sequence[Rect] = ()) -> None:
        self.rects: list[Rect] = []
        self.squares: dict[tuple[int, int], list[int]] = {}
        for rect in rects:
            self.add(rect)

    def add(self, rect: Rect) -> None:
        for key in self._keys(rect.x, rect.y, rect.right, rect.bottom):
            self.squares.setdefault(key, []).append(len(self.rects))
        self.rects.append(rect)

    def _keys(self, x0: float, y0: float, x1: float, y1: float) -> list[tuple[int, int]]:
        s = self.SIZE
        columns = range(math.floor(x0 / s), math.floor(x1 / s) + 1)
        return [(gx, gy) for gx in columns for gy in range(math.floor(y0 / s), math.floor(y1 / s) + 1)]

    def near_rect(self, rect: Rect) -> set[int]:
        """Indices of the rects that might overlap ``rect``."""
        keys = self._keys(rect.x, rect.y, rect.right, rect.bottom)
        return {k for key in keys for k in self.squares.get(key, ())}

    def near_segment(self, p: Point, q: Point) -> set[int]:
        """Indices of the rects that might touch segment pq.

        Column by column of the grid: the segment's y-range within each
        column's strip gives the squares it crosses there. A pixel of slack
        each way covers rounding at the strip edges.
        """
        found: set[int] = set()
        for key in self.segment_keys(p, q):
            found.update(self.squares.get(key, ()))
        return found

    def segment_keys(self, p: Point, q: Point) -> Iterator[tuple[int, int]]:
        """The squares segment pq passes through, from p's end: a caller may stop at the first that matters."""
        s = self.SIZE
        (x0, y0), (x1, y1) = sorted((p, q))
        gx0, gx1 = math.floor((x0 - 1) / s), math.floor((x1 + 1) / s)
        if gx0 == gx1:  # most segments (a curve's samples) stay in one column of squares
            low, high = (y0, y1) if y0 < y1 else (y1, y0)
            for gy in range(math.floor((low - 1) / s), math.floor((high + 1) / s) + 1):
                yield gx0, gy
            return
        slope = (y1 - y0) / (x1 - x0) if x1 > x0 else 0.0
        columns = range(math.floor((x0 - 1) / s), math.floor((x1 + 1) / s) + 1)
        for gx in columns if (x0, y0) == p else reversed(columns):
            lo, hi = min(max(x0, gx * s), x1), max(min(x1, (gx + 1) * s), x0)
            ya, yb = (y0 + slope * (lo - x0), y0 + slope * (hi - x0)) if x1 > x0 else (y0, y1)
            for gy in range(math.floor((min(ya, yb) - 1) / s), math.floor((max(ya, yb) + 1) / s) + 1):
                yield gx, gy

    def overlapped(self, rect: Rect) -> bool:
        return any(rect.overlaps(self.rects[k]) for k in self.near_rect(rect))


class Segments(Buckets):
    """The arrows drawn so far, as segments filed under the squares they pass through."""

    SIZE = 400.0  # an arrow is long and thin: coarser squares file it in fewer of them

    def __init__(self) -> None:
        super().__init__()
        self.segments: list[tuple[Point, Point]] = []

    def add_path(self, points: Sequence[Point]) -> None:
        for p, q in itertools.pairwise(points):
            for key in self.segment_keys(p, q):
                self.squares.setdefault(key, []).append(len(self.segments))
            self.segments.append((p, q))

    def crossed(self, rect: Rect) -> bool:
        """Does any segment pass through ``rect``?"""
        return any(_segment_hits(*self.segments[k], rect) for k in self.near_rect(rect))


LABEL_CLEARANCE = 3.0  # px kept between a label and any stroke: a rough line wanders ~2 px
LABEL_GAP = 8.0  # px from an arrow to the near edge of its own label's box
BENDS = (0.0, 0.2, -0.2, 0.35, -0.35, 0.5, -0.5, 0.7, -0.7, 0.9, -0.9)
POINTER_BENDS = (1.2, -1.2, 1.6, -1.6)  # a pointer starts among its frame's cells, and may need to swing wide


def _clear_bend(
    a: Rect, a_round: bool, b: Rect, b_round: bool, boxes: Buckets, skip: set[int], from_cell: bool = False
) -> float:
    """The smallest bend whose path misses every box but those in ``skip`` (0 if none does).

    ``boxes`` holds the nodes, their text, memory cells and the labels already
    placed, so an arrow bends round another arrow's label as it does round a
    box, and a pointer leaves its frame without crossing the cells below it.
    """
    for bend in (BENDS + POINTER_BENDS) if from_cell else BENDS:
        trial = _connect(Arrow("", "", ""), a, a_round, b, b_round, bend, from_cell)
        if not _hits(trial.samples(24), boxes, skip):
            return bend
    return 0.0


def _hits(points: list[Point], boxes: Buckets, skip: set[int]) -> bool:
    """Does the polyline pass through any box but those in ``skip``?

    Square by square along each segment, so a long arrow blocked near its
    start is given up on there, not after filing its whole length.
    """
    for p, q in itertools.pairwise(points):
        for key in boxes.segment_keys(p, q):
            for k in boxes.squares.get(key, ()):
                if k not in skip and _segment_hits(p, q, boxes.rects[k]):
                    return True
    return False


def _segment_hits(p: Point, q: Point, box: Rect) -> bool:
    """Does segment pq pass through (or touch) the box?"""
    return clip(p, q, (box.x, box.y, box.right, box.bottom)) is not None


def _around(side: str, a: Rect, b: Rect, rects: list[Rect], nth: int) -> tuple[Point, ...]:
    """Three legs around the outside: out of a's side, along, into b's same side."""
    offset = SIDE_CLEARANCE + 14 * (nth - 1)
    if side in ("left", "right"):
        low, high = min(a.y, b.y), max(a.bottom, b.bottom)
        span = [r for r in rects if r.y < high and low < r.bottom] or [a, b]
        if side == "right":
            x = max(r.right for r in span) + offset
            return ((a.right, a.cy), (x, a.cy), (x, b.cy), (b.right, b.cy))
        x = min(r.x for r in span) - offset
        return ((a.x, a.cy), (x, a.cy), (x, b.cy), (b.x, b.cy))
    low, high = min(a.x, b.x), max(a.right, b.right)
    span = [r for r in rects if r.x < high and low < r.right] or [a, b]
    if side == "below":
        y = max(r.bottom for r in span) + offset
        return ((a.cx, a.bottom), (a.cx, y), (b.cx, y), (b.cx, b.bottom))
    y = min(r.y for r in span) - offset
    return ((a.cx, a.y), (a.cx, y), (b.cx, y), (b.cx, b.y))


def _with_label(shape: ArrowShape, taken: Buckets, paths: Segments) -> ArrowShape:
    """Place the label beside the arrow's middle, on the outside of any bend.

    If that spot covers a node, a label already placed or an arrow (this one
    included), the other side is tried, then spots before and after the
    middle, then the same a little further out; when all are taken, the
    first choice stands.
    """
    if not shape.arrow.label:
        return shape
    lines = wrap(shape.arrow.label, LABEL_SIZE, 100 if _upright(shape) else 160)
    size = LABEL_SIZE
    w = max(measure(t, size) for t in lines)
    rooms = [_line_room(t, size) for t in lines]  # a line with scripts is taller than one without
    h = sum(above + below for above, below in rooms)
    candidates = [
        box
        for extra in (0.0, 8.0, 18.0)
        for t in (0.5, 0.35, 0.65, 0.25, 0.75)
        for box in _label_spots(shape, t, w, h, extra)
    ]

    def free(box: Rect) -> bool:
        room = box.inflated(LABEL_CLEARANCE)
        return not taken.overlapped(room) and not paths.crossed(room)

    box = next((c for c in candidates if free(c)), candidates[0])
    texts = []
    y = box.y
    for t, (above, below) in zip(lines, rooms, strict=True):
        texts.append(TextLine(box.cx, y + above, t, size))
        y += above + below
    return ArrowShape(shape.arrow, shape.kind, shape.points, tuple(texts), box, shape.from_cell)


def _upright(shape: ArrowShape) -> bool:
    """Does the arrow run mostly up or down where its label goes? Then the label beside it wraps narrower."""
    points = shape.points
    if shape.kind == "elbow":
        legs = list(itertools.pairwise(points))
        (x0, y0), (x1, y1) = legs[len(legs) // 2]
    else:
        (x0, y0), (x1, y1) = points[0], points[-1]
    return abs(y1 - y0) > 2 * abs(x1 - x0)


def _label_spots(shape: ArrowShape, t: float, w: float, h: float, extra: float = 0.0) -> list[Rect]:
    """A label box on the preferred side of the arrow at ``t`` along it, then on the other side."""
    if shape.kind == "curve":
        mid = quad(shape.points, t)
        before, after = quad(shape.points, t - 0.05), quad(shape.points, t + 0.05)
        away = _unit(
            mid[0] - (shape.points[0][0] + shape.points[2][0]) / 2,
            mid[1] - (shape.points[0][1] + shape.points[2][1]) / 2,
        )
    else:
        legs = list(itertools.pairwise(shape.points))
        before, after = legs[len(legs) // 2]
        mid = (before[0] + (after[0] - before[0]) * t, before[1] + (after[1] - before[1]) * t)
        # Around-the-outside arrows keep their label outside too.
        away = {"left": (-1.0, 0.0), "right": (1.0, 0.0), "above": (0.0, -1.0), "below": (0.0, 1.0)}.get(
            shape.arrow.route if shape.kind == "elbow" else "", (0.0, 0.0)
        )
    tx, ty = _unit(after[0] - before[0], after[1] - before[1])
    nx, ny = ty, -tx  # the left-hand normal of the direction of travel
    if away != (0.0, 0.0) and nx * away[0] + ny * away[1] < 0:
        nx, ny = -nx, -ny
    elif away == (0.0, 0.0) and (ny > 0.01 or (abs(ny) <= 0.01 and nx < 0)):
        nx, ny = -nx, -ny  # straight arrows: label above, or to the right
    reach = abs(nx) * w / 2 + abs(ny) * h / 2 + LABEL_GAP + extra
    spots = [(mid[0] + nx * reach, mid[1] + ny * reach), (mid[0] - nx * reach, mid[1] - ny * reach)]
    return [Rect(cx - w / 2, cy - h / 2, w, h) for cx, cy in spots]


def _bounds(scene: Scene) -> Rect:
    xs: list[float] = []
    ys: list[float] = []
    for shape in scene.shapes:
        xs += [shape.rect.x, shape.rect.right]
        ys += [shape.rect.y, shape.rect.bottom]
        for text in shape.texts:  # names beside a frame may stick out of it
            xs.append(text.x)
            ys.append(text.y)
    for arrow in scene.arrows:
        for x, y in arrow.samples():
            xs.append(x)
            ys.append(y)
        if arrow.label_box:
            xs += [arrow.label_box.x, arrow.label_box.right]
            ys += [arrow.label_box.y, arrow.label_box.bottom]
    x0, y0 = min(xs) - MARGIN, min(ys) - MARGIN
    return Rect(x0, y0, max(xs) + MARGIN - x0, max(ys) + MARGIN - y0)
