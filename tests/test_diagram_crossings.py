"""No arrow crosses text, checked on the compiled SVG of every bundled and demo diagram.

The check reads only the SVG: each arrow's path data is sampled into a
polyline (cubic Béziers flattened), each ``<text>`` becomes a box from its
``x``/``y``, anchor and font size, with widths from ``text.py``'s metrics (the
same ones layout trusts), grown by 2 px. An arrow passing through a text box,
its own label included, is a crossing. Hachure strokes are held to the same rule: a fill
never runs under text.
"""

from __future__ import annotations

import itertools
import re
from dataclasses import dataclass
from pathlib import Path
from xml.etree import ElementTree

import pytest

from site_gen.diagram import compile_svg, parse_diagram, render_figure
from site_gen.diagram.layout import layout
from site_gen.diagram.rough import clip
from site_gen.diagram.text import char_width

from .test_diagram_layout import check_scene

REPO = Path(__file__).resolve().parents[1]
SVG = "{http://www.w3.org/2000/svg}"
# DejaVu Sans: caps and accents reach ~0.78 em above the baseline, descenders ~0.22 em below.
ASCENT, DESCENT = 0.78, 0.22
CLEARANCE = 2.0  # px a stroke must keep from text: touching it is crossing it

Point = tuple[float, float]


@dataclass(frozen=True)
class Box:
    x0: float
    y0: float
    x1: float
    y1: float
    text: str

    def contains(self, p: Point) -> bool:
        return self.x0 <= p[0] <= self.x1 and self.y0 <= p[1] <= self.y1


def demo_diagrams() -> list[tuple[str, str]]:
    """(name, JSON text) for every diagrams/*.json and every ```diagram (or ```{.diagram}) fence of the demo."""
    found = [
        (f"diagrams/{p.name}", p.read_text(encoding="utf-8"))
        for p in sorted((REPO / "diagrams").glob("*.json"))
        if p.name != "schema.json"
    ]
    fence = re.compile(
        r"^```(?:diagram(?![\w-])|\{\.diagram(?![\w-])[^}]*\})[^\n]*\n(.*?)^```", re.DOTALL | re.MULTILINE
    )
    for post in sorted((REPO / "content").rglob("*.md")):
        for k, match in enumerate(fence.finditer(post.read_text(encoding="utf-8")), 1):
            found.append((f"{post.relative_to(REPO / 'content').as_posix()}#{k}", match.group(1)))
    return found


# --------------------------------------------------------------------------
# Reading the SVG back


_NUMBER = re.compile(r"-?\d*\.?\d+(?:e-?\d+)?")
_COMMAND = re.compile(r"([MLCZ])([^MLCZ]*)")


def polylines(d: str, steps: int = 12) -> list[list[Point]]:
    """Path data of M, L, C and Z commands (all the writer uses) as polylines."""
    out: list[list[Point]] = []
    here: Point = (0.0, 0.0)
    for command, args in _COMMAND.findall(d):
        values = [float(v) for v in _NUMBER.findall(args)]
        if command == "M":
            here = (values[0], values[1])
            out.append([here])
        elif command == "L":
            for k in range(0, len(values), 2):
                here = (values[k], values[k + 1])
                out[-1].append(here)
        elif command == "C":
            for k in range(0, len(values), 6):
                c1, c2, end = (values[k], values[k + 1]), (values[k + 2], values[k + 3]), (values[k + 4], values[k + 5])
                out[-1].extend(_cubic(here, c1, c2, end, i / steps) for i in range(1, steps + 1))
                here = end
        elif command == "Z" and out:
            out[-1].append(out[-1][0])
    return out


def _cubic(p0: Point, p1: Point, p2: Point, p3: Point, t: float) -> Point:
    u = 1 - t
    a, b, c, e = u * u * u, 3 * u * u * t, 3 * u * t * t, t * t * t
    return (a * p0[0] + b * p1[0] + c * p2[0] + e * p3[0], a * p0[1] + b * p1[1] + c * p2[1] + e * p3[1])


def text_box(element: ElementTree.Element) -> Box:
    """The ink box of one ``<text>``: its runs measured with the layout's own metrics."""
    size = float(element.get("font-size", "16"))
    bold = element.get("font-weight") == "bold"
    width, top, bottom, shift = 0.0, -ASCENT * size, DESCENT * size, 0.0
    runs = [(element.text or "", size)]
    for span in element:
        shift += float(span.get("dy", "0"))
        span_size = float(span.get("font-size", str(size)))
        runs.append((span.text or "", span_size))
        top, bottom = min(top, shift - ASCENT * span_size), max(bottom, shift + DESCENT * span_size)
        runs.append((span.tail or "", size))
    width = sum(char_width(c, s, bold=bold) for text, s in runs for c in text)
    x, y = float(element.get("x", "0")), float(element.get("y", "0"))
    anchor = element.get("text-anchor", "start")
    x0 = x - {"start": 0.0, "middle": width / 2, "end": width}[anchor]
    label = "".join(text for text, _ in runs)
    return Box(x0 - CLEARANCE, y + top - CLEARANCE, x0 + width + CLEARANCE, y + bottom + CLEARANCE, label)


def _segment_hits(p: Point, q: Point, box: Box) -> bool:
    return clip(p, q, (box.x0, box.y0, box.x1, box.y1)) is not None


def crossings(svg: str) -> list[str]:
    """Every (stroke, text) pair where an arrow or a hachure stroke runs through text."""
    root = ElementTree.fromstring(svg)
    boxes = [text_box(t) for t in root.iter(f"{SVG}text")]
    found = []
    for group in root.iter(f"{SVG}g"):
        what = group.get("data-id", "")
        kinds = ("d-stroke",) if "d-arrow" in group.get("class", "") else ("d-fill",)
        for path in group.iter(f"{SVG}path"):
            if path.get("class") not in kinds:
                continue
            for line in polylines(path.get("d", "")):
                for box in boxes:
                    if any(_segment_hits(p, q, box) for p, q in itertools.pairwise(line)):
                        found.append(f"{what} ({path.get('class')}) crosses {box.text!r}")
    return sorted(set(found))


# --------------------------------------------------------------------------
# The tests


DIAGRAMS = demo_diagrams()


def test_the_demo_has_diagrams_to_check() -> None:
    names = [name for name, _ in DIAGRAMS]
    assert len(names) >= 18, names
    assert "diagrams/autograd-graph.json" in names


@pytest.mark.parametrize(("name", "text"), DIAGRAMS, ids=[name for name, _ in DIAGRAMS])
def test_no_stroke_crosses_text(name: str, text: str) -> None:
    """In the drawing and in its narrow twin, if it has one."""
    svgs = re.findall(r"<svg .*?</svg>", render_figure(text), re.DOTALL)
    assert svgs[0] == compile_svg(text)
    for svg in svgs:
        found = crossings(svg)
        assert not found, f"{name}: {len(found)} crossings\n" + "\n".join(found)


@pytest.mark.parametrize(("name", "text"), DIAGRAMS, ids=[name for name, _ in DIAGRAMS])
def test_demo_diagrams_keep_the_layout_promises(name: str, text: str) -> None:
    """No overlaps, arrows on borders and clear of corners, text inside its box."""
    check_scene(layout(parse_diagram(text)))


def test_the_checker_sees_a_crossing() -> None:
    """A label placed on purpose across an arrow's path is found."""
    svg = (
        '<svg xmlns="http://www.w3.org/2000/svg"><g data-id="arrow:x" class="d-arrow">'
        '<path class="d-stroke" d="M0 0C10 0 20 0 30 0"/></g>'
        '<text x="15" y="4" font-size="12" text-anchor="middle">label</text></svg>'
    )
    assert crossings(svg) == ["arrow:x (d-stroke) crosses 'label'"]
