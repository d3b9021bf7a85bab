"""Hand-drawn strokes in the manner of rough.js, written from its published algorithms.

rough.js (Preet Shihn, MIT) draws a "sketchy" shape by replacing every
straight segment with cubic Béziers whose control points wander a little from
the true line, and by drawing each outline twice with different wander, the
way a person retraces a line. This module reimplements those ideas in Python:

* a **line** is a cubic Bézier through two points placed 20-40 % and 40-80 %
  along it, both pushed sideways by a *bowing* term (proportional to the
  line's length) and jittered by a *roughness* term; long lines get less
  jitter, short ones are not allowed more jitter than a tenth of their length;
* a **double line** draws that twice, the second pass with half the jitter;
* an **ellipse** is a ring of jittered points a few degrees apart, closed with
  a little overlap and smoothed into Béziers (Catmull-Rom), drawn twice;
* a **curve** through points is jittered and smoothed the same way;
* **fills**: hachure (parallel lines clipped to the polygon, by scanning a
  rotated copy), cross-hatch (hachure twice, at right angles), solid (a
  slightly wobbly polygon).

Randomness comes only from ``Rng``, a Park-Miller generator seeded by the
caller from an element's id, so the same input always gives the same path
and one element's edits never re-jitter another's.
"""

from __future__ import annotations

import hashlib
import itertools
import math
from collections.abc import Sequence
from dataclasses import dataclass

Point = tuple[float, float]
Box = tuple[float, float, float, float]  # x0, y0, x1, y1: a hole the fill leaves


class Rng:
    """Park-Miller "minimal standard" generator: tiny, portable, reproducible."""

    MODULUS = 2**31 - 1

    def __init__(self, seed: int) -> None:
        self.state = seed % (self.MODULUS - 1) + 1  # 1 … MODULUS-1, never 0

    @classmethod
    def from_key(cls, key: str) -> Rng:
        """A generator seeded by a string, e.g. ``"7:node:loss"``."""
        return cls(int.from_bytes(hashlib.sha256(key.encode()).digest()[:8], "big"))

    def random(self) -> float:
        """Uniform in [0, 1)."""
        self.state = self.state * 48271 % self.MODULUS
        return (self.state - 1) / (self.MODULUS - 1)


@dataclass(frozen=True)
class Options:
    """The knobs rough.js exposes, with its defaults."""

    roughness: float = 1.0  # 0 = ruler-straight; 2-3 = scribbly
    bowing: float = 1.0  # how far a line sags sideways
    max_offset: float = 2.0  # px of jitter at roughness 1 ("maxRandomnessOffset")
    curve_fitting: float = 0.95  # how closely an ellipse keeps its radii
    curve_tightness: float = 0.0  # Catmull-Rom tension
    curve_step_count: int = 9  # minimum points around an ellipse
    hachure_angle: float = -41.0  # degrees
    hachure_gap: float = 8.0  # px between fill lines
    fill_weight: float = 1.0  # fill line width, for the SVG writer


class Pen:
    """Draws rough path data with one generator and one set of options."""

    def __init__(self, rng: Rng, options: Options | None = None) -> None:
        self.rng = rng
        self.o = options or Options()

    # -- randomness --------------------------------------------------------

    def _jitter(self, amount: float, gain: float = 1.0) -> float:
        """Uniform in [-amount, amount], scaled by roughness."""
        return self.o.roughness * gain * (self.rng.random() * 2 * amount - amount)

    def _between(self, low: float, high: float) -> float:
        """Uniform in [low, high), scaled by roughness."""
        return self.o.roughness * (low + self.rng.random() * (high - low))

    # -- lines ---------------------------------------------------------------

    def line(self, a: Point, b: Point) -> str:
        """A hand-drawn line: two overlapping bowed strokes."""
        return self._stroke(a, b, overlay=False) + self._stroke(a, b, overlay=True)

    def single_line(self, a: Point, b: Point, *, steady: bool = False) -> str:
        return self._stroke(a, b, overlay=False, steady=steady)

    def _stroke(self, a: Point, b: Point, *, overlay: bool, steady: bool = False) -> str:
        (x1, y1), (x2, y2) = a, b
        length = math.hypot(x2 - x1, y2 - y1)
        # Long lines wobble less, so a long edge does not look drunk.
        if length < 200:
            gain = 1.0
        elif length > 500:
            gain = 0.4
        else:
            gain = -0.0016668 * length + 1.233334
        offset = self.o.max_offset
        if offset * offset * 100 > length * length:
            offset = length / 10  # a short line may not wander more than its tenth
        if steady:  # a fill line: a short one that wandered a tenth would curl, so a twentieth
            offset = min(offset, length / 20)
        spread = offset / 2 if overlay else offset
        diverge = 0.2 + self.rng.random() * 0.2
        bow_x = self.o.bowing * self.o.max_offset * (y2 - y1) / 200
        bow_y = self.o.bowing * self.o.max_offset * (x1 - x2) / 200
        bow_x = self._jitter(bow_x, gain)
        bow_y = self._jitter(bow_y, gain)
        start = (x1 + self._jitter(spread, gain), y1 + self._jitter(spread, gain))
        c1 = (
            bow_x + x1 + (x2 - x1) * diverge + self._jitter(spread, gain),
            bow_y + y1 + (y2 - y1) * diverge + self._jitter(spread, gain),
        )
        c2 = (
            bow_x + x1 + 2 * (x2 - x1) * diverge + self._jitter(spread, gain),
            bow_y + y1 + 2 * (y2 - y1) * diverge + self._jitter(spread, gain),
        )
        end = (x2 + self._jitter(spread, gain), y2 + self._jitter(spread, gain))
        return f"M{pt(start)}C{pt(c1)} {pt(c2)} {pt(end)}"

    def polygon(self, points: Sequence[Point], *, closed: bool = True) -> str:
        """Every side a hand-drawn line; ``closed`` joins the last to the first."""
        pairs = list(itertools.pairwise(points))
        if closed and len(points) > 2:
            pairs.append((points[-1], points[0]))
        return "".join(self.line(a, b) for a, b in pairs)

    def rectangle(self, x: float, y: float, w: float, h: float) -> str:
        return self.polygon(rect_points(x, y, w, h))

    # -- curves and ellipses ----------------------------------------------------

    def curve(self, points: Sequence[Point]) -> str:
        """A hand-drawn smooth curve through ``points``, drawn twice."""
        r = self.o.roughness
        return self._curve_pass(points, 1 + r * 0.2) + self._curve_pass(points, 1.5 * (1 + r * 0.22))

    def _curve_pass(self, points: Sequence[Point], offset: float) -> str:
        jittered = [(x + self._jitter(offset), y + self._jitter(offset)) for x, y in points]
        # Repeat the ends so the spline passes through the first and last point.
        return smooth([jittered[0], *jittered, jittered[-1]], self.o.curve_tightness)

    def ellipse(self, cx: float, cy: float, w: float, h: float) -> str:
        """A hand-drawn ellipse: two rings that never quite meet themselves."""
        o = self.o
        rx, ry = abs(w / 2), abs(h / 2)
        perimeter_ish = math.sqrt(2 * math.pi * math.sqrt((rx * rx + ry * ry) / 2))
        steps = math.ceil(max(o.curve_step_count, o.curve_step_count / math.sqrt(200) * perimeter_ish))
        increment = 2 * math.pi / steps
        looseness = 1 - o.curve_fitting
        rx += self._jitter(rx * looseness)
        ry += self._jitter(ry * looseness)
        overlap = increment * self._between(0.1, self._between(0.4, 1.0))
        first = self._ring(cx, cy, rx, ry, increment, 1.0, overlap)
        second = self._ring(cx, cy, rx, ry, increment, 1.5, 0.0)
        return smooth(first, o.curve_tightness) + smooth(second, o.curve_tightness)

    def _ring(
        self, cx: float, cy: float, rx: float, ry: float, increment: float, offset: float, overlap: float
    ) -> list[Point]:
        start = self._jitter(0.5) - math.pi / 2

        def at(angle: float, scale: float = 1.0) -> Point:
            return (
                cx + scale * rx * math.cos(angle) + self._jitter(offset),
                cy + scale * ry * math.sin(angle) + self._jitter(offset),
            )

        points = [at(start - increment, 0.9)]  # lead-in: the pen lands inside the ring
        angle = start
        while angle < start + 2 * math.pi - 0.01:
            points.append(at(angle))
            angle += increment
        points.append(at(start + 2 * math.pi + overlap * 0.5))
        points.append(at(start + overlap, 0.98))
        points.append(at(start + overlap * 0.5, 0.9))
        return points

    # -- fills ---------------------------------------------------------------------

    def hachure(self, polygon: Sequence[Point], angle: float | None = None, holes: Sequence[Box] = ()) -> str:
        """Parallel rough lines clipped to the polygon, one stroke each, stopping short of ``holes``."""
        lines = hachure_lines(polygon, self.o.hachure_angle if angle is None else angle, self.o.hachure_gap)
        return "".join(self.single_line(a, b, steady=True) for a, b in knock_out(lines, holes))

    def cross_hatch(self, polygon: Sequence[Point], holes: Sequence[Box] = ()) -> str:
        return self.hachure(polygon, holes=holes) + self.hachure(polygon, self.o.hachure_angle + 90, holes)

    def solid(self, polygon: Sequence[Point]) -> str:
        """A closed, slightly wobbly outline for ``fill`` (not stroked)."""
        wobble = self.o.max_offset / 2
        pts = [(x + self._jitter(wobble), y + self._jitter(wobble)) for x, y in polygon]
        return "M" + "L".join(pt(p) for p in pts) + "Z"


def rect_points(x: float, y: float, w: float, h: float) -> list[Point]:
    return [(x, y), (x + w, y), (x + w, y + h), (x, y + h)]


def ellipse_points(cx: float, cy: float, w: float, h: float, steps: int = 24) -> list[Point]:
    """A polygon approximating an ellipse, for hachure clipping."""
    return [
        (cx + w / 2 * math.cos(2 * math.pi * i / steps), cy + h / 2 * math.sin(2 * math.pi * i / steps))
        for i in range(steps)
    ]


def smooth(points: Sequence[Point], tightness: float = 0.0) -> str:
    """Catmull-Rom spline through ``points[1:-1]`` as cubic Béziers.

    The first and last points only steer the tangents at the ends, as in
    rough.js; callers repeat an end point to make the curve reach it.
    """
    if len(points) < 4:
        return f"M{pt(points[0])}" + "".join(f"L{pt(p)}" for p in points[1:])
    s = (1 - tightness) / 6
    out = [f"M{pt(points[1])}"]
    for i in range(1, len(points) - 2):
        p0, p1, p2, p3 = points[i - 1], points[i], points[i + 1], points[i + 2]
        b1 = (p1[0] + s * (p2[0] - p0[0]), p1[1] + s * (p2[1] - p0[1]))
        b2 = (p2[0] - s * (p3[0] - p1[0]), p2[1] - s * (p3[1] - p1[1]))
        out.append(f"C{pt(b1)} {pt(b2)} {pt(p2)}")
    return "".join(out)


def hachure_lines(polygon: Sequence[Point], angle: float, gap: float) -> list[tuple[Point, Point]]:
    """Segments of lines at ``angle`` degrees, ``gap`` apart, inside ``polygon``.

    Rotate the polygon so the lines become horizontal, scan it row by row
    (even-odd rule, so concave polygons work), and rotate the segments back.
    """
    if len(polygon) < 3 or gap <= 0:
        return []
    rad = math.radians(angle)
    cos, sin = math.cos(rad), math.sin(rad)
    rotated = [(x * cos + y * sin, -x * sin + y * cos) for x, y in polygon]
    ys = [p[1] for p in rotated]
    segments: list[tuple[Point, Point]] = []
    y = min(ys) + gap / 2
    while y < max(ys):
        xs = []
        for (ax, ay), (bx, by) in zip(rotated, [*rotated[1:], rotated[0]], strict=True):
            if (ay <= y < by) or (by <= y < ay):
                xs.append(ax + (y - ay) * (bx - ax) / (by - ay))
        xs.sort()
        for left, right in zip(xs[::2], xs[1::2], strict=False):
            segments.append(
                ((left * cos - y * sin, left * sin + y * cos), (right * cos - y * sin, right * sin + y * cos))
            )
        y += gap
    return segments


def knock_out(lines: Sequence[tuple[Point, Point]], holes: Sequence[Box]) -> list[tuple[Point, Point]]:
    """The parts of ``lines`` outside every hole (x0, y0, x1, y1): fill strokes that leave text clear.

    Each line is cut where it enters and leaves a hole (the Liang-Barsky clip
    gives both), and stubs too short to read as strokes are dropped.
    """
    kept: list[tuple[Point, Point]] = []
    for a, b in lines:
        cuts = sorted(span for hole in holes if (span := _inside(a, b, hole)))
        start = 0.0
        pieces = []
        for t0, t1 in cuts:
            if t0 > start:
                pieces.append((start, t0))
            start = max(start, t1)
        pieces.append((start, 1.0))
        length = math.dist(a, b)
        for t0, t1 in pieces:
            if (t1 - t0) * length >= 3:
                kept.append((_along(a, b, t0), _along(a, b, t1)))
    return kept


def _inside(a: Point, b: Point, hole: Box) -> tuple[float, float] | None:
    """The stretch (t0, t1) of segment ab inside ``hole``, or None (a mere touch is not inside)."""
    stretch = clip(a, b, hole)
    return stretch if stretch is not None and stretch[0] < stretch[1] else None


def clip(a: Point, b: Point, box: Box) -> tuple[float, float] | None:
    """Liang–Barsky: the stretch (t0, t1) of segment ab within ``box`` (x0, y0, x1, y1), or None.

    One clipper for the fills that leave text clear, the router that bends round
    it, and the test that checks no stroke crosses it.
    """
    x0, y0, x1, y1 = box
    t0, t1 = 0.0, 1.0
    dx, dy = b[0] - a[0], b[1] - a[1]
    for p, q in ((-dx, a[0] - x0), (dx, x1 - a[0]), (-dy, a[1] - y0), (dy, y1 - a[1])):
        if p == 0:
            if q < 0:
                return None
            continue
        t = q / p
        if p < 0:
            t0 = max(t0, t)
        else:
            t1 = min(t1, t)
        if t0 > t1:
            return None
    return t0, t1


def _along(a: Point, b: Point, t: float) -> Point:
    return a[0] + (b[0] - a[0]) * t, a[1] + (b[1] - a[1]) * t


def num(value: float) -> str:
    """A coordinate with at most two decimals and no trailing zeros."""
    text = f"{value:.2f}".rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


def pt(p: Point) -> str:
    return f"{num(p[0])} {num(p[1])}"
