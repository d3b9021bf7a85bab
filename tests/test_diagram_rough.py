"""The rough.js-style stroke generator: seeded, bounded, well-formed path data."""

from __future__ import annotations

import itertools
import math
import re

from hypothesis import given
from hypothesis import strategies as st

from site_gen.diagram.rough import (
    Options,
    Pen,
    Rng,
    hachure_lines,
    knock_out,
    num,
    rect_points,
    smooth,
)

NUMBER = re.compile(r"-?\d+(?:\.\d+)?")
PATH = re.compile(r"^(?:[MCLZ][-\d. ]*)+$")


def coords(d: str) -> list[tuple[float, float]]:
    values = [float(v) for v in NUMBER.findall(d)]
    return list(zip(values[::2], values[1::2], strict=True))


def test_rng_is_reproducible_and_uniform():
    a, b = Rng.from_key("node:x"), Rng.from_key("node:x")
    draws = [a.random() for _ in range(2000)]
    assert draws == [b.random() for _ in range(2000)]
    assert all(0 <= v < 1 for v in draws)
    assert 0.45 < sum(draws) / len(draws) < 0.55
    assert [Rng.from_key("node:y").random() for _ in range(5)] != draws[:5]


def test_num_rounds_to_two_decimals_without_noise():
    assert [num(v) for v in (1.0, 1.234, -0.001, 2.5, -3.456, 100.0)] == ["1", "1.23", "0", "2.5", "-3.46", "100"]


def test_line_is_two_bowed_strokes_near_the_true_line():
    pen = Pen(Rng(7))
    d = pen.line((0, 0), (100, 0))
    assert d.count("M") == 2 and d.count("C") == 2
    for x, y in coords(d):
        assert -5 <= x <= 105 and abs(y) <= 5  # jitter is a few px, never a scribble


def test_roughness_zero_draws_ruler_straight():
    d = Pen(Rng(3), Options(roughness=0)).line((0, 10), (100, 10))
    assert all(y == 10 for _, y in coords(d))


def test_more_roughness_wanders_further():
    def spread(roughness: float) -> float:
        d = Pen(Rng(11), Options(roughness=roughness)).line((0, 0), (150, 0))
        return max(abs(y) for _, y in coords(d))

    assert spread(3) > spread(0.5)


def test_bowing_pushes_the_middle_sideways():
    # rough.js scales the bow by the length, so a long line sags visibly.
    sags = []
    for seed in range(30):
        d = Pen(Rng(seed), Options(roughness=1, bowing=8)).single_line((0, 0), (0, 400))
        sags.append(abs(coords(d)[1][0]))
    assert max(sags) > 5


def test_short_lines_do_not_wander_more_than_a_tenth_of_their_length():
    d = Pen(Rng(5), Options(roughness=1)).line((0, 0), (6, 0))
    assert all(abs(y) <= 0.6 + 0.6 * 0.03 for _, y in coords(d))


def test_ellipse_stays_near_its_outline_and_is_two_rings():
    d = Pen(Rng(2)).ellipse(50, 50, 80, 40)
    assert d.count("M") == 2
    for x, y in coords(d):
        r = math.hypot((x - 50) / 40, (y - 50) / 20)
        assert 0.7 < r < 1.3


def test_curve_passes_near_its_points():
    pts = [(0.0, 0.0), (50.0, 30.0), (100.0, 0.0)]
    d = Pen(Rng(4)).curve(pts)
    assert d.count("M") == 2
    ends = coords(d)
    assert math.dist(ends[0], pts[0]) < 5 and math.dist(ends[-1], pts[-1]) < 5


def test_smooth_is_catmull_rom_through_the_inner_points():
    d = smooth([(0, 0), (0, 0), (10, 10), (20, 0), (20, 0)])
    assert d.startswith("M0 0C") and d.endswith(" 20 0")
    assert d.count("C") == 2 and "10 10" in d


def test_hachure_lines_stay_inside_and_are_evenly_spaced():
    square = rect_points(0, 0, 100, 100)
    lines = hachure_lines(square, 0, 10)  # horizontal lines
    assert len(lines) == 10
    ys = sorted(a[1] for a, _ in lines)
    assert all(abs((b - a) - 10) < 1e-6 for a, b in itertools.pairwise(ys))
    for a, b in lines:
        for x, y in (a, b):
            assert -1e-6 <= x <= 100 + 1e-6 and -1e-6 <= y <= 100 + 1e-6


def test_hachure_handles_concave_polygons():
    # A "U": the scan line through the arms gives two segments, not one.
    u = [(0, 0), (10, 0), (10, 20), (20, 20), (20, 0), (30, 0), (30, 30), (0, 30)]
    arms = [seg for seg in hachure_lines(u, 0, 4) if seg[0][1] < 20]
    assert arms and len(arms) % 2 == 0


def test_fills_produce_path_data():
    pen = Pen(Rng(9))
    square = rect_points(0, 0, 60, 40)
    hachure, cross, solid = pen.hachure(square), pen.cross_hatch(square), pen.solid(square)
    assert hachure.count("M") > 3
    assert cross.count("M") > hachure.count("M")
    assert solid.startswith("M") and solid.endswith("Z")


@given(
    st.lists(st.tuples(st.floats(-500, 500), st.floats(-500, 500)), min_size=2, max_size=6),
    st.floats(0, 5),
    st.floats(0, 10),
    st.integers(0, 2**40),
)
def test_any_polygon_gives_well_formed_bounded_paths(points, roughness, bowing, seed):
    pen = Pen(Rng(seed), Options(roughness=roughness, bowing=bowing))
    d = pen.polygon(points) + pen.hachure(points) + pen.curve(points)
    assert PATH.match(d.replace("\n", "")), d[:200]
    span = max(max(abs(x), abs(y)) for x, y in points) + 1
    for x, y in coords(d):
        assert math.isfinite(x) and math.isfinite(y)
        assert abs(x) < span * 1.5 + 60 and abs(y) < span * 1.5 + 60


def test_knock_out_cuts_lines_where_they_cross_a_hole():
    lines = [((0.0, 5.0), (100.0, 5.0)), ((0.0, 50.0), (100.0, 50.0))]
    kept = knock_out(lines, [(40.0, 0.0, 60.0, 10.0)])
    assert kept == [((0.0, 5.0), (40.0, 5.0)), ((60.0, 5.0), (100.0, 5.0)), ((0.0, 50.0), (100.0, 50.0))]
    assert knock_out([((0.0, 5.0), (4.0, 5.0))], [(2.0, 0.0, 3.0, 10.0)]) == []  # stubs under 3 px go


def test_hachure_strokes_leave_a_hole_clear():
    pen = Pen(Rng(3), Options(hachure_gap=6))
    hole = (30.0, 30.0, 70.0, 50.0)
    d = pen.hachure(rect_points(0, 0, 100, 80), holes=[hole])
    points = coords(d)
    inner = (hole[0] + 3, hole[1] + 3, hole[2] - 3, hole[3] - 3)  # a fill line wanders a px or two
    assert not [p for p in points if inner[0] < p[0] < inner[2] and inner[1] < p[1] < inner[3]]


def test_short_fill_lines_stay_straight():
    """A 20 px hachure stroke at a box's corner wandered 2 px each end, and curled."""
    pen = Pen(Rng(11), Options())
    for _ in range(50):
        d = pen.single_line((0.0, 0.0), (20.0, 0.0), steady=True)
        # A twentieth of its length (1 px) at each end, plus the bowing's 0.2 px at the middle.
        assert max(abs(y) for _, y in coords(d)) <= 1.2 + 1e-9
