"""Layout properties: no overlaps, arrows end on borders, text fits its box."""

from __future__ import annotations

import itertools
import json
import math
from pathlib import Path
from xml.etree import ElementTree

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from site_gen.diagram import compile_svg
from site_gen.diagram.layout import (
    LABEL_SIZE,
    SMALL_SIZE,
    TEXT_SIZE,
    TITLE_SIZE,
    ArrowShape,
    Rect,
    Scene,
    _segment_hits,
    border_point,
    ink_box,
    layout,
    narrow_twin,
)
from site_gen.diagram.schema import validate
from site_gen.diagram.text import measure, parse_label, wrap

EXAMPLES = sorted(p for p in (Path(__file__).parents[1] / "diagrams").glob("*.json") if p.name != "schema.json")
TOLERANCE = 0.5


def scene_of(data: dict) -> Scene:
    return layout(validate(data))


def on_border(point: tuple[float, float], rect: Rect, round_: bool) -> bool:
    x, y = point
    if round_:
        return abs(math.hypot((x - rect.cx) / (rect.w / 2), (y - rect.cy) / (rect.h / 2)) - 1) < 0.01
    inside = rect.x - TOLERANCE <= x <= rect.right + TOLERANCE and rect.y - TOLERANCE <= y <= rect.bottom + TOLERANCE
    near_edge = min(abs(x - rect.x), abs(x - rect.right), abs(y - rect.y), abs(y - rect.bottom)) < TOLERANCE
    return inside and near_edge


def on_corner(point: tuple[float, float], rect: Rect, round_: bool) -> bool:
    """Within a quarter of a side (or 16 px, if less, less a hair) of a box's corner."""
    if round_:
        return False
    keep_x, keep_y = min(rect.w / 4, 16) - TOLERANCE, min(rect.h / 4, 16) - TOLERANCE
    near_x = min(abs(point[0] - rect.x), abs(point[0] - rect.right)) < keep_x
    near_y = min(abs(point[1] - rect.y), abs(point[1] - rect.bottom)) < keep_y
    return near_x and near_y


def target_rects(scene: Scene) -> dict[str, tuple[Rect, bool]]:
    out = {}
    for shape in scene.shapes:
        out[shape.node.id] = (shape.rect, shape.outline == "ellipse")
        for cell_id, rect, _ in shape.cells:
            if cell_id:
                out[cell_id] = (rect, False)
    return out


def check_scene(scene: Scene) -> None:
    """The properties every automatic layout promises."""
    auto = [s for s in scene.shapes if s.node.at is None]
    for a, b in itertools.combinations(auto, 2):
        assert not a.rect.overlaps(b.rect), f"{a.node.id} overlaps {b.node.id}"
    rects = target_rects(scene)
    for arrow in scene.arrows:
        end_rect, end_round = rects[arrow.arrow.target]
        assert on_border(arrow.points[-1], end_rect, end_round), arrow.arrow.id
        start_rect, start_round = rects[arrow.arrow.source]
        if arrow.from_cell:  # a pointer starts from a dot inside its cell
            assert start_rect.contains(arrow.points[0])
        else:
            assert on_border(arrow.points[0], start_rect, start_round), arrow.arrow.id
            assert not on_corner(arrow.points[0], start_rect, start_round), f"{arrow.arrow.id} starts on a corner"
        assert not on_corner(arrow.points[-1], end_rect, end_round), f"{arrow.arrow.id} ends on a corner"
    for shape in scene.shapes:  # text never spills out of its box
        if shape.outline in ("rect", "note"):
            for line in shape.texts:
                half = measure(line.text, line.size, bold=line.bold) / 2
                assert shape.rect.x <= line.x - half and line.x + half <= shape.rect.right
                assert shape.rect.y <= line.y - line.size * 0.8 and line.y <= shape.rect.bottom
    b = scene.bounds
    for shape in scene.shapes:
        assert (
            b.x <= shape.rect.x
            and shape.rect.right <= b.right
            and b.y <= shape.rect.y
            and shape.rect.bottom <= b.bottom
        )


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.stem)
def test_example_diagrams_keep_the_layout_promises(path):
    check_scene(scene_of(json.loads(path.read_text(encoding="utf-8"))))


@pytest.mark.parametrize("layout_name", ["row", "column", "grid", "cycle", "graph", "stack"])
def test_each_layout_separates_boxes(layout_name):
    nodes = [{"id": f"n{i}", "title": "x" * (i * 3 + 1), "subtitle": "sub"} for i in range(7)]
    arrows = [{"from": "n0", "to": f"n{i}"} for i in range(1, 7)] + [{"from": "n3", "to": "n6", "label": "skip"}]
    check_scene(scene_of({"layout": layout_name, "nodes": nodes, "arrows": arrows}))


def test_row_and_column_order():
    nodes = [{"id": "a"}, {"id": "b"}, {"id": "c"}]
    row = scene_of({"layout": "row", "nodes": nodes}).shapes
    assert row[0].rect.right < row[1].rect.x < row[1].rect.right < row[2].rect.x
    col = scene_of({"layout": "column", "nodes": nodes}).shapes
    assert col[0].rect.bottom < col[1].rect.y < col[1].rect.bottom < col[2].rect.y


def test_grid_wraps_after_columns():
    shapes = scene_of({"layout": "grid", "columns": 2, "nodes": [{"id": f"n{i}"} for i in range(4)]}).shapes
    assert shapes[0].rect.y == shapes[1].rect.y < shapes[2].rect.y == shapes[3].rect.y
    assert shapes[0].rect.x == shapes[2].rect.x


def test_graph_layers_follow_the_arrows():
    data = {
        "layout": "graph",
        "nodes": [{"id": "loss"}, {"id": "x"}, {"id": "w"}, {"id": "mul"}],
        "arrows": [{"from": "x", "to": "mul"}, {"from": "w", "to": "mul"}, {"from": "mul", "to": "loss"}],
    }
    by_id = {s.node.id: s.rect for s in scene_of(data).shapes}
    assert by_id["x"].bottom < by_id["mul"].y and by_id["w"].bottom < by_id["mul"].y
    assert by_id["mul"].bottom < by_id["loss"].y
    sideways = {s.node.id: s.rect for s in scene_of({**data, "direction": "right"}).shapes}
    assert sideways["mul"].right < sideways["loss"].x


def test_graph_with_a_cycle_still_lays_out():
    data = {
        "layout": "graph",
        "nodes": [{"id": "a"}, {"id": "b"}, {"id": "c"}],
        "arrows": [{"from": "a", "to": "b"}, {"from": "b", "to": "c"}, {"from": "c", "to": "a"}],
    }
    check_scene(scene_of(data))


def test_cycle_connects_round_and_back():
    scene = scene_of({"layout": "cycle", "nodes": [{"id": n} for n in "abcde"]})
    assert [a.arrow.id for a in scene.arrows] == ["a->b", "b->c", "c->d", "d->e", "e->a"]
    assert all(a.kind == "curve" for a in scene.arrows)


def test_stack_is_one_width_bottom_up_with_a_residual_around_the_side():
    data = {
        "layout": "stack",
        "nodes": [{"id": "embed"}, {"id": "attention", "title": "Multi-head attention"}, {"id": "ffn"}],
        "arrows": [{"from": "embed", "to": "ffn", "route": "right", "label": "residual"}],
    }
    scene = scene_of(data)
    widths = {s.rect.w for s in scene.shapes}
    assert len(widths) == 1
    embed, attention, ffn = (s.rect for s in scene.shapes)
    assert ffn.bottom < attention.y and attention.bottom < embed.y  # first layer at the bottom
    residual = scene.arrows[-1]
    assert residual.kind == "elbow"
    assert all(x > max(s.rect.right for s in scene.shapes) for x, _ in residual.points[1:3])
    check_scene(scene)


def test_arrow_bends_round_a_box_in_the_way():
    data = {"layout": "row", "nodes": [{"id": "a"}, {"id": "b"}, {"id": "c"}], "arrows": [{"from": "a", "to": "c"}]}
    scene = scene_of(data)
    arrow = scene.arrows[0]
    assert arrow.kind == "curve"
    middle = scene.shapes[1].rect
    assert not any(middle.contains(p) for p in arrow.samples(40))
    straight = scene_of({**data, "arrows": [{"from": "a", "to": "c", "route": "straight"}]}).arrows[0]
    assert straight.kind == "line"


def test_explicit_positions_are_kept():
    data = {"layout": "free", "nodes": [{"id": "a", "at": [10, 20]}, {"id": "b", "at": [300, 0]}]}
    a, b = (s.rect for s in scene_of(data).shapes)
    assert (a.x, a.y, b.x, b.y) == (10, 20, 300, 0)


def test_long_titles_wrap_and_the_box_grows_for_long_words():
    scene = scene_of({"nodes": [{"id": "a", "title": "a title long enough that it must wrap onto more lines"}]})
    assert len(scene.shapes[0].texts) > 1
    word = "Supercalifragilisticexpialidocious" * 2
    scene = scene_of({"nodes": [{"id": "a", "title": word, "width": 80}]})
    check_scene(scene)
    assert scene.shapes[0].rect.w > measure(word, 15, bold=True)


def test_memory_pointer_starts_in_its_cell_and_ends_on_the_target():
    data = {
        "layout": "row",
        "nodes": [
            {"id": "frame", "kind": "memory", "cells": [{"id": "p", "value": "", "pointer": "heap"}, 3]},
            {"id": "heap", "title": "object"},
        ],
    }
    scene = scene_of(data)
    (arrow,) = scene.arrows
    assert arrow.from_cell
    check_scene(scene)


def test_border_point_on_rect_and_ellipse():
    r = Rect(0, 0, 100, 50)
    assert border_point(r, False, (200, 25)) == (100, 25)
    assert border_point(r, False, (50, -100)) == (50, 0)
    # Toward a far corner the ray would leave through the corner; the arrow attaches clear of it.
    assert border_point(r, False, (1000, 500)) == (100, 50 - 12.5)
    assert border_point(r, False, (1000, 500), middle=True) == (100, 25)
    x, y = border_point(r, True, (50 + 30, 25 + 40))
    assert abs(((x - 50) / 50) ** 2 + ((y - 25) / 25) ** 2 - 1) < 1e-9


def test_math_labels_parse_into_runs():
    runs = parse_label(r"grad $\nabla_\theta L$ and $x_{t+1}^2$, \$5")
    shifts = [(r.text, r.shift) for r in runs]
    assert ("∇", "") in shifts or any("∇" in t for t, _ in shifts)
    assert ("θ", "sub") in shifts and ("2", "sup") in shifts
    assert runs[-1].text.endswith("$5")  # an unpaired dollar stays a dollar
    assert wrap("$a b c$ d", 13, 1) == ["$a b c$", "d"]  # math is never split


# --------------------------------------------------------------------------
# Property tests over random valid diagrams

IDS = [f"n{i}" for i in range(8)]
LABEL = st.text(alphabet="ab xyz$_^{}\\αθ<&\"'-+=12", max_size=24)


@st.composite
def diagrams(draw: st.DrawFn) -> dict:
    count = draw(st.integers(1, 7))
    nodes = []
    for i in range(count):
        kind = draw(st.sampled_from(["box", "note", "ellipse", "memory", "tensor"]))
        node: dict = {"id": IDS[i], "kind": kind, "title": draw(LABEL)}
        if kind in ("box", "note", "ellipse"):
            node["subtitle"] = draw(LABEL)
            node["fill"] = draw(st.sampled_from(["none", "hachure", "cross-hatch", "solid"]))
        if kind == "memory":
            node["cells"] = draw(st.lists(st.one_of(LABEL, st.integers(-99, 999)), min_size=1, max_size=5))
            node["orientation"] = draw(st.sampled_from(["row", "column"]))
        if kind == "tensor":
            rows, cols = draw(st.integers(1, 4)), draw(st.integers(1, 4))
            node["values"] = [[draw(st.integers(0, 99)) for _ in range(cols)] for _ in range(rows)]
            node["highlight"] = [[draw(st.integers(0, rows - 1)), draw(st.integers(0, cols - 1))]]
            node["strides"] = [cols, 1]
        nodes.append(node)
    arrows = []
    for _ in range(draw(st.integers(0, 6))):
        arrow = {"from": draw(st.sampled_from(IDS[:count])), "to": draw(st.sampled_from(IDS[:count]))}
        if arrow["from"] == arrow["to"]:
            continue
        arrow["label"] = draw(LABEL)
        arrow["route"] = draw(st.sampled_from(["auto", "straight", "left", "right", "above", "below"]))
        if draw(st.booleans()):
            arrow["curve"] = draw(st.floats(-1, 1))
        arrows.append(arrow)
    return {
        "layout": draw(st.sampled_from(["row", "column", "grid", "cycle", "graph", "stack"])),
        "direction": draw(st.sampled_from(["down", "right", "up", "left"])),
        "roughness": draw(st.floats(0, 3)),
        "nodes": nodes,
        "arrows": arrows,
    }


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(diagrams())
def test_random_diagrams_lay_out_and_draw_valid_svg(data):
    scene = scene_of(data)
    check_scene(scene)
    svg = compile_svg(json.dumps(data))
    root = ElementTree.fromstring(svg)
    assert root.tag == "{http://www.w3.org/2000/svg}svg"
    assert len(root.findall("{http://www.w3.org/2000/svg}g")) == len(data["nodes"]) + len(scene.arrows)


def test_arrow_shape_directions_are_unit_vectors():
    scene = scene_of({"nodes": [{"id": "a"}, {"id": "b"}], "arrows": [{"from": "a", "to": "b", "curve": 0.4}]})
    arrow: ArrowShape = scene.arrows[0]
    assert abs(math.hypot(*arrow.end_direction) - 1) < 1e-9


@pytest.mark.parametrize("example", EXAMPLES, ids=lambda p: p.stem)
def test_arrow_labels_do_not_cover_each_other_or_nodes(example: Path) -> None:
    data = json.loads(example.read_text(encoding="utf-8"))
    scene = scene_of(data)
    boxes = [arrow.label_box for arrow in scene.arrows if arrow.label_box is not None]
    for first, second in itertools.combinations(boxes, 2):
        assert not first.overlaps(second), f"{example.name}: labels {first} and {second} overlap"
    for box in boxes:
        for shape in scene.shapes:
            assert not box.overlaps(shape.rect), f"{example.name}: a label covers node {shape.node.id}"


def test_a_curve_between_neighbours_leaves_and_lands_at_side_middles():
    """The reference post's dashed B→C curve used to start on B's corner."""
    data = {
        "layout": "row",
        "nodes": [{"id": "a"}, {"id": "b"}, {"id": "c"}],
        "arrows": [{"from": "b", "to": "c", "curve": 0.4}, {"from": "a", "to": "c", "label": "misses B"}],
    }
    scene = scene_of(data)
    b, c = scene.shapes[1].rect, scene.shapes[2].rect
    curve = scene.arrows[0]
    assert curve.points[0] == (b.cx, b.bottom) and curve.points[-1] == (c.cx, c.bottom)
    check_scene(scene)


def test_a_cycle_closes_on_a_side_middle():
    scene = scene_of({"layout": "cycle", "nodes": [{"id": n, "title": n * 3} for n in "abcde"]})
    rects = {s.node.id: s.rect for s in scene.shapes}
    for arrow in scene.arrows:
        for point, rect in (
            (arrow.points[0], rects[arrow.arrow.source]),
            (arrow.points[-1], rects[arrow.arrow.target]),
        ):
            middles = [(rect.cx, rect.y), (rect.cx, rect.bottom), (rect.x, rect.cy), (rect.right, rect.cy)]
            assert min(math.dist(point, m) for m in middles) < 1e-6, arrow.arrow.id


def test_arrows_bend_round_labels_placed_before_them():
    """autograd-graph: b→mul used to run through the label of b→add."""
    data = json.loads((EXAMPLES[0].parent / "autograd-graph.json").read_text(encoding="utf-8"))
    scene = scene_of(data)
    by_id = {a.arrow.id: a for a in scene.arrows}
    label = by_id["b->add"].label_box
    assert label is not None
    path = by_id["b->mul"].samples(48)
    assert not any(_segment_hits(p, q, label) for p, q in itertools.pairwise(path))


@pytest.mark.parametrize("example", EXAMPLES, ids=lambda p: p.stem)
def test_labels_keep_clear_of_every_arrow(example: Path) -> None:
    scene = scene_of(json.loads(example.read_text(encoding="utf-8")))
    for arrow in scene.arrows:
        path = arrow.samples(48)
        for other in scene.arrows:
            if other.label_box is not None:
                hit = any(_segment_hits(p, q, other.label_box) for p, q in itertools.pairwise(path))
                assert not hit, f"{arrow.arrow.id} crosses the label of {other.arrow.id}"


def test_script_lines_get_room_so_a_subscript_never_meets_the_superscript_below():
    """ "One step of gradient descent": θ_t in the title touched w^T in the subtitle."""
    scene = scene_of({"nodes": [{"id": "s", "title": r"$\theta_{t+1} = \theta_t$", "subtitle": "$w^T x$"}]})
    title, subtitle = (ink_box(line) for line in scene.shapes[0].texts)
    assert title.bottom < subtitle.y


def test_text_sizes_are_readable_at_one_to_one():
    assert TEXT_SIZE >= 14 and min(TITLE_SIZE, TEXT_SIZE, LABEL_SIZE, SMALL_SIZE) >= 12


def test_an_arrow_label_with_scripts_gets_its_real_height():
    def label_box(label: str) -> Rect:
        scene = scene_of({"nodes": [{"id": "a"}, {"id": "b"}], "arrows": [{"from": "a", "to": "b", "label": label}]})
        box = scene.arrows[0].label_box
        assert box is not None
        return box

    plain, stacked = label_box("x"), label_box(r"$x^{2}_{i}$")
    assert stacked.h > plain.h
    (line,) = (
        scene_of({"nodes": [{"id": "a"}, {"id": "b"}], "arrows": [{"from": "a", "to": "b", "label": r"$x^{2}_{i}$"}]})
        .arrows[0]
        .label
    )
    ink = ink_box(line)
    assert stacked.y <= ink.y and ink.bottom <= stacked.bottom


def test_a_row_has_a_column_twin_mirrored_across_the_diagonal():
    data = {
        "layout": "row",
        "nodes": [{"id": "a"}, {"id": "b"}, {"id": "c"}],
        "arrows": [
            {"from": "a", "to": "b", "curve": 0.3},
            {"from": "c", "to": "a", "route": "above"},
            {"from": "a", "to": "c", "route": "right"},
        ],
    }
    twin = narrow_twin(validate(data))
    assert twin is not None and twin.layout == "column"
    assert [(a.route, a.curve) for a in twin.arrows] == [("auto", -0.3), ("left", None), ("below", None)]
    check_scene(layout(twin))
    assert narrow_twin(validate({**data, "layout": "stack"})) is None
    placed = {"layout": "row", "nodes": [{"id": "a"}, {"id": "b", "at": [0, 0]}]}
    assert narrow_twin(validate(placed)) is None


def test_a_full_wide_grid_is_transposed_a_ragged_or_tall_one_has_no_twin_and_one_without_arrows_is_a_list():
    nodes = [{"id": f"n{i}"} for i in range(8)]
    arrows = [{"from": "n0", "to": "n1"}]
    twin = narrow_twin(validate({"layout": "grid", "columns": 4, "nodes": nodes, "arrows": arrows}))
    assert twin is not None and twin.columns == 2
    # Row-major 2 × 4 becomes 4 × 2: n0 n4 / n1 n5 / n2 n6 / n3 n7, each under its old neighbour.
    assert [n.id for n in twin.nodes] == ["n0", "n4", "n1", "n5", "n2", "n6", "n3", "n7"]
    assert narrow_twin(validate({"layout": "grid", "columns": 3, "nodes": nodes, "arrows": arrows})) is None
    assert narrow_twin(validate({"layout": "grid", "columns": 2, "nodes": nodes, "arrows": arrows})) is None
    boxes = narrow_twin(validate({"layout": "grid", "columns": 3, "nodes": nodes}))  # no arrows: a list
    assert boxes is not None and boxes.layout == "column" and [n.id for n in boxes.nodes] == [n["id"] for n in nodes]


def test_a_graph_flowing_right_has_a_twin_flowing_down():
    data = {
        "layout": "graph",
        "direction": "right",
        "nodes": [{"id": "a"}, {"id": "b"}],
        "arrows": [{"from": "a", "to": "b"}],
    }
    twin = narrow_twin(validate(data))
    assert twin is not None and twin.direction == "down"
    assert narrow_twin(validate({**data, "direction": "down"})) is None


def test_labels_between_rows_of_a_grid_leave_its_columns_close():
    nodes = [{"id": f"n{i}"} for i in range(4)]
    down = scene_of(
        {
            "layout": "grid",
            "columns": 2,
            "nodes": nodes,
            "arrows": [{"from": "n0", "to": "n2", "label": "a long label"}],
        }
    )
    across = scene_of(
        {
            "layout": "grid",
            "columns": 2,
            "nodes": nodes,
            "arrows": [{"from": "n0", "to": "n1", "label": "a long label"}],
        }
    )
    gap = [s.shapes[1].rect.x - s.shapes[0].rect.right for s in (down, across)]
    assert gap[0] < gap[1]


def test_a_cycle_unrolls_into_a_column_that_closes_round_its_side():
    twin = narrow_twin(validate({"layout": "cycle", "nodes": [{"id": n} for n in "abcd"]}))
    assert twin is not None and twin.layout == "column"
    assert [(a.id, a.route) for a in twin.arrows] == [
        ("a->b", "auto"),
        ("b->c", "auto"),
        ("c->d", "auto"),
        ("d->a", "right"),
    ]
    check_scene(layout(twin))
