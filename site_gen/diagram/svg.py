"""Scene -> SVG text: rough strokes for outlines and fills, tspans for labels.

Each node and each arrow is one ``<g data-id="…">`` whose randomness is seeded
from that id alone, so editing one element changes only its own group.
Colours: strokes and text are ``currentColor`` (the page's text colour, in
light and dark themes alike); fills carry a mid-tone colour attribute that
reads on white and on black, and the site's CSS may override it by class
(``d-blue`` …). No ids, no ``<style>``, no script: the SVG works the same
inline in a page and in a feed reader.
"""

from __future__ import annotations

import math
from html import escape as _html_escape

from ..textfile import xml_safe
from .layout import SUB_SHIFT, SUP_SHIFT, ArrowShape, Rect, Scene, Shape, TextLine, ink_box
from .rough import Box, Options, Pen, Point, Rng, ellipse_points, num, rect_points
from .schema import Diagram, SchemaError
from .text import FONT_FAMILY, parse_label, run_size

PALETTE = {
    "ink": "#868e96",
    "blue": "#4a90d9",
    "green": "#3f9d5b",
    "orange": "#e8913a",
    "red": "#dd5555",
    "purple": "#9b6fd0",
    "gray": "#adb5bd",
}
STROKE_WIDTH = 1.4
HEAD_LENGTH = 11.0
HEAD_ANGLE = math.radians(26)
FOLD = 12.0  # a note's folded corner
MAX_FILL_LINES = 50_000  # hachure strokes in one diagram: ~3 MB of SVG, half a second to draw


def render(diagram: Diagram, scene: Scene, *, twin: bool = False) -> str:
    """The whole ``<svg>`` element as a string (no XML declaration).

    A ``twin`` is a second drawing of a diagram, laid out for narrow screens:
    hidden unless the page's stylesheet shows it, and hidden from screen
    readers, which have the first drawing already.
    """
    options = Options(roughness=diagram.roughness, bowing=diagram.bowing, hachure_gap=7.0)
    _check_fills(scene, options.hachure_gap)
    b = scene.bounds
    kind = 'class="diagram-svg diagram-narrow" aria-hidden="true" display="none"' if twin else 'class="diagram-svg"'
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" role="img" {kind}'
        f' viewBox="{num(b.x)} {num(b.y)} {num(b.w)} {num(b.h)}" width="{num(b.w)}" height="{num(b.h)}"'
        f' font-family="{escape(FONT_FAMILY, quote=False)}"'
        ' fill="none" stroke-linecap="round" stroke-linejoin="round">',
        f"<title>{escape(diagram.label)}</title>",
        f"<desc>{escape(diagram.alt or diagram.caption or diagram.title or _auto_desc(diagram))}</desc>",
    ]
    for shape in scene.shapes:
        pen = Pen(Rng.from_key(f"{diagram.seed}:node:{shape.node.id}"), options)
        parts.append(_node(shape, pen))
    for arrow in scene.arrows:
        pen = Pen(Rng.from_key(f"{diagram.seed}:arrow:{arrow.arrow.id}"), options)
        parts.append(_arrow(arrow, pen))
    parts.append("</svg>")
    return "\n".join(parts)


MIN_TEXT_PX = 12.0  # no diagram text is shown smaller than this (issue 13)


def min_width(scene: Scene) -> int:
    """The narrowest the diagram may be shown, in CSS px, with its smallest text still MIN_TEXT_PX.

    Sizes are in user units, CSS px at 1:1; a diagram whose smallest text is
    14 may shrink to 12/14 of its width, one with 12 px text (or a sub- or
    superscript, which is 12 px) not at all.
    """
    lines = [t for shape in scene.shapes for t in shape.texts] + [t for arrow in scene.arrows for t in arrow.label]
    sizes = [run_size(run, t.size) for t in lines if t.text for run in parse_label(t.text)]
    return math.ceil(scene.bounds.w * MIN_TEXT_PX / min(sizes, default=MIN_TEXT_PX))


def escape(text: str, quote: bool = True) -> str:
    """HTML-escaped and stripped of XML-invalid characters: every text in the SVG goes through here."""
    return _html_escape(xml_safe(text), quote=quote)


def _check_fills(scene: Scene, gap: float) -> None:
    """Refuse a diagram whose hatching would be enormous (500 cross-hatched 2000-px ellipses: 22 MB).

    Lines across a shape are at most (width + height) / gap, so the count is
    known before anything is drawn.
    """
    lines = 0.0
    for i, shape in enumerate(scene.shapes):
        node = shape.node
        per_pass = (shape.rect.w + shape.rect.h) / gap if node.fill in ("hachure", "cross-hatch") else 0.0
        if node.kind == "tensor":
            per_pass = sum((r.w + r.h) / gap for _, r, lit in shape.cells if lit)
        lines += per_pass * (2 if node.fill == "cross-hatch" else 1)
        if lines > MAX_FILL_LINES:
            raise SchemaError(
                ("nodes", i, "fill"),
                f"nodes[{i}].fill: the diagram's hatching would take over {MAX_FILL_LINES} lines",
                'use "fill": "solid" or "none" for large nodes, or make them smaller',
            )


def _auto_desc(diagram: Diagram) -> str:
    names = [n.title or n.id for n in diagram.nodes]
    return "Diagram of " + ", ".join(names[:12]) + (" …" if len(names) > 12 else "")


# --------------------------------------------------------------------------
# Nodes


def _node(shape: Shape, pen: Pen) -> str:
    node = shape.node
    r = shape.rect
    colour = PALETTE.get(node.color, PALETTE["ink"])
    holes = [_hole(t) for t in shape.texts]  # hatching stops short of the text, so it never runs under it
    out = [f'<g data-id="node:{escape(node.id)}" class="d-node d-{node.kind} d-{node.color}">']
    if shape.outline == "ellipse":
        polygon = ellipse_points(r.cx, r.cy, r.w - 4, r.h - 4)
        out.append(_fill(node.fill, polygon, pen, colour, holes))
        out.append(_stroke(pen.ellipse(r.cx, r.cy, r.w, r.h)))
    elif shape.outline in ("rect", "note"):
        polygon = _note_points(r) if shape.outline == "note" else rect_points(r.x, r.y, r.w, r.h)
        out.append(_fill(node.fill, _inset(polygon, r, 2), pen, colour, holes))
        outline = pen.polygon(polygon)
        if shape.outline == "note":
            outline += pen.polygon(
                [(r.right - FOLD, r.y), (r.right - FOLD, r.y + FOLD), (r.right, r.y + FOLD)], closed=False
            )
        out.append(_stroke(outline))
    elif shape.outline == "frame":
        if node.fill != "none":
            out.append(_fill(node.fill, rect_points(r.x + 2, r.y + 2, r.w - 4, r.h - 4), pen, colour, holes))
        out.append(_stroke(pen.rectangle(r.x, r.y, r.w, r.h), dashed=True, width=1.0))
        out.append(_stroke(_cell_block(shape, pen)))
    if node.kind == "tensor":
        highlight = colour if node.color != "ink" else PALETTE["blue"]
        for _, rect, lit in shape.cells:
            if lit:
                out.append(
                    _fill(
                        node.fill if node.fill != "none" else "hachure",
                        rect_points(rect.x + 2, rect.y + 2, rect.w - 4, rect.h - 4),
                        pen,
                        highlight,
                        holes,
                    )
                )
        out.append(_stroke(_cell_block(shape, pen)))
    out.extend(_text(t) for t in shape.texts)
    out.append("</g>")
    return "".join(part for part in out if part)


def _note_points(r: Rect) -> list[Point]:
    return [(r.x, r.y), (r.right - FOLD, r.y), (r.right, r.y + FOLD), (r.right, r.bottom), (r.x, r.bottom)]


def _inset(polygon: list[Point], r: Rect, d: float) -> list[Point]:
    """Shrink a polygon toward the rect's centre so fill lines stay inside the strokes."""
    sx, sy = (r.w - 2 * d) / r.w, (r.h - 2 * d) / r.h
    return [(r.cx + (x - r.cx) * sx, r.cy + (y - r.cy) * sy) for x, y in polygon]


def _cell_block(shape: Shape, pen: Pen) -> str:
    """Cells as one outer rectangle plus dividing lines, not n separate boxes.

    Drawing each cell alone would stroke every shared edge four times.
    """
    if not shape.cells:
        return ""
    rects = [rect for _, rect, _ in shape.cells]
    x0, y0 = min(r.x for r in rects), min(r.y for r in rects)
    x1, y1 = max(r.right for r in rects), max(r.bottom for r in rects)
    d = pen.rectangle(x0, y0, x1 - x0, y1 - y0)
    for x in sorted({round(r.x, 2) for r in rects if r.x > x0 + 0.5}):
        d += pen.line((x, y0), (x, y1))
    for y in sorted({round(r.y, 2) for r in rects if r.y > y0 + 0.5}):
        d += pen.line((x0, y), (x1, y))
    return d


TEXT_HOLE = 4.0  # px of clear space the hatching leaves round a line of text (a fill line wanders ~1 px)


def _hole(line: TextLine) -> Box:
    box = ink_box(line).inflated(TEXT_HOLE)
    return box.x, box.y, box.right, box.bottom


def _fill(kind: str, polygon: list[Point], pen: Pen, colour: str, holes: list[Box]) -> str:
    if kind == "none":
        return ""
    if kind == "solid":  # a pale wash: text on it keeps its contrast, so it needs no holes
        return f'<path class="d-solid" d="{pen.solid(polygon)}" fill="{colour}" fill-opacity="0.3"/>'
    d = pen.cross_hatch(polygon, holes) if kind == "cross-hatch" else pen.hachure(polygon, holes=holes)
    return f'<path class="d-fill" d="{d}" stroke="{colour}" stroke-width="1" stroke-opacity="0.8"/>'


def _stroke(d: str, *, dashed: bool = False, width: float = STROKE_WIDTH) -> str:
    if not d:
        return ""
    dash = ' stroke-dasharray="6 5"' if dashed else ""
    return f'<path class="d-stroke" d="{d}" stroke="currentColor" stroke-width="{num(width)}"{dash}/>'


# --------------------------------------------------------------------------
# Arrows


def _arrow(shape: ArrowShape, pen: Pen) -> str:
    arrow = shape.arrow
    if shape.kind == "curve":
        steps = 12
        from .layout import quad

        shaft = pen.curve([quad(shape.points, i / steps) for i in range(steps + 1)])
    else:
        shaft = pen.polygon(list(shape.points), closed=False)
    out = [f'<g data-id="arrow:{escape(arrow.id)}" class="d-arrow">', _stroke(shaft, dashed=arrow.dashed)]
    heads = ""
    if arrow.heads in ("end", "both"):
        heads += _head(shape.points[-1], shape.end_direction, pen)
    if arrow.heads in ("start", "both"):
        heads += _head(shape.points[0], shape.start_direction, pen)
    out.append(_stroke(heads))
    if shape.from_cell:
        x, y = shape.points[0]
        out.append(f'<circle cx="{num(x)}" cy="{num(y)}" r="3" fill="currentColor"/>')
    out.extend(_text(t) for t in shape.label)
    out.append("</g>")
    return "".join(part for part in out if part)


def _head(tip: Point, direction: Point, pen: Pen) -> str:
    """Two short strokes swept back from the tip."""
    dx, dy = direction
    d = ""
    for sign in (1, -1):
        c, s = math.cos(sign * HEAD_ANGLE), math.sin(sign * HEAD_ANGLE)
        bx, by = -(dx * c - dy * s), -(dx * s + dy * c)
        d += pen.line((tip[0] + bx * HEAD_LENGTH, tip[1] + by * HEAD_LENGTH), tip)
    return d


# --------------------------------------------------------------------------
# Text


def _text(line: TextLine) -> str:
    """One label line; math runs become tspans shifted with ``dy``.

    ``dy`` rather than ``baseline-shift``, which Firefox ignores.
    """
    if not line.text:
        return ""
    attrs = f'x="{num(line.x)}" y="{num(line.y)}" font-size="{num(line.size)}"'
    if line.anchor != "start":
        attrs += f' text-anchor="{line.anchor}"'
    if line.bold:
        attrs += ' font-weight="bold"'
    attrs += ' fill="currentColor" stroke="none"'
    if line.muted:
        attrs += ' fill-opacity="0.72"'
    body = []
    offset = 0.0  # current baseline shift, px
    for run in parse_label(line.text):
        target = {"": 0.0, "sub": SUB_SHIFT, "sup": SUP_SHIFT}[run.shift] * line.size
        span = []
        if target != offset:
            span.append(f'dy="{num(target - offset)}"')
            offset = target
        if run.shift:
            span.append(f'font-size="{num(run_size(run, line.size))}"')
        if run.italic:
            span.append('font-style="italic"')
        text = escape(run.text, quote=False)
        body.append(f"<tspan {' '.join(span)}>{text}</tspan>" if span else text)
    return f"<text {attrs}>{''.join(body)}</text>"
