"""Property tests for the diagram compiler: any JSON in, our error or well-formed SVG out.

Hypothesis writes diagram documents from the keys the DSL knows, filled with
values of every JSON type: arbitrary Unicode (control characters, lone
surrogates, U+FFFF, label math), NaN, infinities, huge and negative numbers,
lists where objects belong and the reverse. It also writes raw text that is
only nearly JSON. Whatever comes in, ``compile_svg`` may refuse it only with
a ContentError; what it accepts must be an SVG that both xml.etree and lxml
parse, inside a figure that parses too.
"""

from __future__ import annotations

import json
import math
import xml.etree.ElementTree as ET
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from lxml import etree

from site_gen.diagram import compile_svg, render_figure
from site_gen.diagram.schema import (
    COLORS,
    DIRECTIONS,
    FILLS,
    HEADS,
    LAYOUTS,
    ROUTES,
)
from site_gen.errors import ContentError

IDS = ["a", "b", "c", "m", "t", "p", "q", "x-1", "_y"]
WEIRD = [
    "\x00",
    "\x07",
    "\x0b",
    "\x0c",
    "\x1f",
    "\ud800",
    "\udfff",
    "\ufffe",
    "\uffff",
    "\u0302",
    "\u00a0",
    "\U0001f600",
]
MARKUP = ["$", "$x_i^2$", "\\alpha", "_{", "^", "{", "}", "\\hat{", "\\", "\n", "<", "&", '"', "]]>", "--"]

texts = st.lists(
    st.one_of(st.text(max_size=12), st.sampled_from(WEIRD), st.sampled_from(MARKUP)),
    max_size=6,
).map("".join)
nasty = st.one_of(
    st.integers(min_value=-(10**400), max_value=10**400),
    st.floats(allow_nan=True, allow_infinity=True),
    st.sampled_from([-0.0, 1e308, -1e308, 5e-324, 10_000.5, -10_001, 2001.0, 2**31 + 1, 2**41]),
)
scalars = st.one_of(texts, st.integers(-3, 70), nasty, st.booleans(), st.none(), st.sampled_from(IDS))
anything = st.recursive(
    scalars,
    lambda inner: st.one_of(st.lists(inner, max_size=4), st.dictionaries(texts, inner, max_size=3)),
    max_leaves=8,
)


def number(low: float, high: float) -> st.SearchStrategy[float]:
    """A number a key accepts, its ends included."""
    return st.one_of(st.integers(math.ceil(low), math.floor(high)), st.floats(low, high), st.sampled_from([low, high]))


# --------------------------------------------------------------------------
# Valid documents (labels full of odd characters, which are valid)…

NODE_IDS, CELL_IDS = IDS[:6], ["c0", "c1", "c2", "c3"]
label = st.one_of(texts, st.integers(-(10**20), 10**20), st.floats(allow_nan=False, allow_infinity=False))
common = {
    "title": label,
    "subtitle": label,
    "at": st.lists(number(-10_000, 10_000), min_size=2, max_size=2),
    "width": number(0, 2000),
    "height": number(0, 2000),
    "fill": st.sampled_from(FILLS),
    "color": st.sampled_from(COLORS),
}
cell = st.one_of(
    label,
    st.fixed_dictionaries(
        {},
        optional={
            "value": label,
            "id": st.sampled_from(CELL_IDS),
            "pointer": st.sampled_from(NODE_IDS + CELL_IDS),
            "index": label,
            "name": label,
        },
    ),
)
plain = st.fixed_dictionaries({}, optional={**common, "kind": st.sampled_from(("box", "note", "ellipse"))})
memory = st.fixed_dictionaries(
    {"kind": st.just("memory"), "cells": st.lists(cell, min_size=1, max_size=4)},
    optional={**common, "orientation": st.sampled_from(("row", "column"))},
)
tensor = st.integers(1, 3).flatmap(
    lambda n: st.fixed_dictionaries(
        {
            "kind": st.just("tensor"),
            "values": st.lists(st.lists(label, min_size=n, max_size=n), min_size=1, max_size=3),
        },
        optional={
            **common,
            "row_labels": st.lists(label, max_size=1),
            "col_labels": st.lists(label, max_size=n),
            "highlight": st.lists(st.tuples(st.just(0), st.integers(0, n - 1)).map(list), max_size=2),
            "strides": st.lists(number(-(2**40), 2**40).map(int), max_size=3),
        },
    )
)


def arrow(ends: list[str]) -> st.SearchStrategy[dict[str, Any]]:
    return st.fixed_dictionaries({"from": st.sampled_from(ends), "to": st.sampled_from(ends)}, optional=ARROW)


ARROW = {
    "label": label,
    "curve": number(-2, 2),
    "route": st.sampled_from(ROUTES),
    "dashed": st.booleans(),
    "heads": st.sampled_from(HEADS),
}
top = st.fixed_dictionaries(
    {},
    optional={
        "title": label,
        "caption": label,
        "alt": label,
        "layout": st.sampled_from(LAYOUTS),
        "direction": st.sampled_from(DIRECTIONS),
        "columns": number(0, 100).map(int),
        "gap": number(0, 400),
        "connect": st.booleans(),
        "roughness": number(0, 5),
        "bowing": number(0, 10),
        "seed": number(0, 2**31).map(int),
    },
)


@st.composite
def valid_diagrams(draw: st.DrawFn, size: int = 6) -> dict[str, Any]:
    """Up to ``size`` nodes with unique ids, arrows between them; every node placed if the layout is free."""
    doc = draw(top)
    pool = NODE_IDS + [f"n{i}" for i in range(size - len(NODE_IDS))]
    names = draw(st.lists(st.sampled_from(pool), min_size=1, max_size=size, unique=True))
    doc["nodes"] = [{"id": name, **draw(st.one_of(plain, plain, memory, tensor))} for name in names]
    if doc.get("layout") == "free":
        for item in doc["nodes"]:
            item.setdefault("at", [0, 0])
    doc["arrows"] = draw(st.lists(arrow(names * 3 + CELL_IDS), max_size=size))  # cells: mostly unknown ids
    return doc


# --------------------------------------------------------------------------
# …then a few mutations: a value replaced by anything, a key dropped, an unknown key added.


def containers(value: Any) -> list[Any]:
    found = [value] if isinstance(value, dict | list) and value else []
    for child in value.values() if isinstance(value, dict) else value if isinstance(value, list) else ():
        found += containers(child)
    return found


@st.composite
def diagrams(draw: st.DrawFn, size: int = 6) -> Any:
    doc = draw(valid_diagrams(size))
    for _ in range(draw(st.integers(0, 3))):
        targets = containers(doc)
        if not targets:
            break
        target = draw(st.sampled_from(targets))
        where = draw(st.sampled_from(list(target) if isinstance(target, dict) else range(len(target))))
        action = draw(st.sampled_from(["replace", "replace", "nasty", "drop", "add"]))
        if action == "drop":
            del target[where]
        elif action == "add" and isinstance(target, dict):
            target[draw(texts)] = draw(anything)
        else:
            target[where] = draw(nasty if action == "nasty" else anything)
    return doc


def dumps(data: Any) -> str:
    """JSON text as an author might write it: NaN and Infinity allowed, lone surrogates as escapes."""
    try:
        return json.dumps(data, allow_nan=True)
    except ValueError:  # an integer past Python's 4300-digit str() limit: write it out by hand
        return json.dumps(repr(data)[:100])


def assert_compiles_or_refuses(text: str, caption: str | None = None) -> None:
    try:
        svg = compile_svg(text, caption=caption)
        figure = render_figure(text, caption=caption, alt=caption)
    except ContentError as err:
        str(err).encode("utf-8")  # printable: no lone surrogate from the input leaks into the message
        assert err.message.startswith("diagram") and err.hint
        return
    ET.fromstring(svg)
    etree.fromstring(svg.encode("utf-8"))
    ET.fromstring(figure)


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(diagrams(), st.one_of(st.none(), texts))
def test_any_diagram_document_compiles_or_is_refused_with_our_error(data, caption):
    assert_compiles_or_refuses(dumps(data), caption)


# Pieces of almost-JSON: brackets and strings that do not pair up, escapes, and numbers JSON forbids.
FRAGMENTS = ['{"nodes": [', '{"id": "a"}', "]", "}", "[", "{", ",", ":", '"', '\\"', "\\u", "\\ud800", "NaN", "-"]
FRAGMENTS += ["1e999", "0" * 30, '"at": [', '"kind": "tensor", "values": [[', "\n", " ", '"layout": "graph"', "//"]


@settings(max_examples=100, deadline=None)
@given(st.lists(st.one_of(st.sampled_from(FRAGMENTS), texts), max_size=20).map("".join))
def test_any_text_compiles_or_is_refused_with_our_error(text):
    assert_compiles_or_refuses(text)


@settings(max_examples=30, deadline=None)
@given(st.integers(1, 200), st.sampled_from(["[", "{", '{"nodes": [', '{"a": ']))
def test_any_nesting_depth_is_refused_or_compiled_never_a_recursion_error(depth, opening):
    assert_compiles_or_refuses(opening * depth)
