"""Diagrams end to end: JSON -> SVG, errors located in the post, goldens, the build."""

from __future__ import annotations

import json
import math
import os
import re
from pathlib import Path
from xml.etree import ElementTree

import html5lib
import pytest

from site_gen.build import build_site
from site_gen.cli import main
from site_gen.diagram import _compiled, compile_svg, locate, parse_diagram, render_figure
from site_gen.errors import BuildFailed, ContentError
from site_gen.markdown import MarkdownRenderer

REPO = Path(__file__).resolve().parents[1]
GOLDEN = Path(__file__).parent / "golden" / "diagrams"
SVG_NS = "{http://www.w3.org/2000/svg}"

# One small diagram per element kind and feature; the SVGs are committed.
CASES: dict[str, dict] = {
    "box": {"nodes": [{"id": "a", "title": "Model", "subtitle": "two layers"}]},
    "note": {"nodes": [{"id": "n", "kind": "note", "title": "a sticky note that wraps if it has to"}]},
    "ellipse": {"nodes": [{"id": "e", "kind": "ellipse", "title": "Loss", "fill": "solid", "color": "orange"}]},
    "fills": {
        "nodes": [
            {"id": "h", "title": "hachure", "fill": "hachure", "color": "blue"},
            {"id": "x", "title": "cross-hatch", "fill": "cross-hatch", "color": "green"},
            {"id": "s", "title": "solid", "fill": "solid", "color": "purple"},
        ]
    },
    "math": {"nodes": [{"id": "m", "title": r"$\theta_{t+1} = \theta_t - \eta \nabla L$", "subtitle": "$x^2$"}]},
    "arrows": {
        "layout": "row",
        "nodes": [{"id": "a"}, {"id": "b"}, {"id": "c"}],
        "arrows": [
            {"from": "a", "to": "b", "label": "straight"},
            {"from": "b", "to": "c", "curve": 0.4, "dashed": True, "heads": "both"},
            {"from": "a", "to": "c", "label": "routed"},
            {"from": "c", "to": "a", "route": "below", "label": "feedback"},
        ],
    },
    "cycle": {"layout": "cycle", "nodes": [{"id": n, "title": n.title()} for n in ("data", "model", "loss", "grads")]},
    "memory": {
        "layout": "row",
        "nodes": [
            {
                "id": "frame",
                "kind": "memory",
                "title": "main()",
                "cells": [{"name": "p", "id": "p", "value": "", "pointer": "arr"}, {"name": "n", "value": 3}],
            },
            {"id": "arr", "kind": "memory", "orientation": "row", "cells": [{"value": 1, "index": 0}, 2, 3]},
        ],
    },
    "tensor": {
        "nodes": [
            {
                "id": "t",
                "kind": "tensor",
                "title": "x",
                "values": [[0, 1, 2], [3, 4, 5]],
                "row_labels": ["0", "1"],
                "col_labels": ["0", "1", "2"],
                "highlight": [[1, 1]],
                "strides": [3, 1],
            }
        ]
    },
    "graph": {
        "layout": "graph",
        "nodes": [{"id": "a"}, {"id": "b"}, {"id": "add", "title": "+"}, {"id": "out", "kind": "ellipse"}],
        "arrows": [{"from": "a", "to": "add"}, {"from": "b", "to": "add"}, {"from": "add", "to": "out"}],
    },
    "stack": {
        "layout": "stack",
        "nodes": [{"id": "embed"}, {"id": "attn", "title": "Attention"}, {"id": "ffn", "title": "FFN"}],
        "arrows": [{"from": "embed", "to": "ffn", "route": "right", "label": "residual"}],
    },
    "free": {
        "layout": "free",
        "roughness": 2,
        "bowing": 4,
        "nodes": [{"id": "a", "at": [0, 0]}, {"id": "b", "at": [220, 90]}],
        "arrows": [{"from": "a", "to": "b"}],
    },
}


def svg_of(data: dict) -> str:
    return compile_svg(json.dumps(data, indent=2))


@pytest.mark.parametrize("name", sorted(CASES))
def test_golden_svg(name):
    svg = svg_of(CASES[name]) + "\n"
    golden = GOLDEN / f"{name}.svg"
    if os.environ.get("UPDATE_GOLDEN") or not golden.exists():
        golden.parent.mkdir(parents=True, exist_ok=True)
        golden.write_text(svg, encoding="utf-8")
    assert svg == golden.read_text(encoding="utf-8"), f"regenerate with UPDATE_GOLDEN=1 if {name}.svg should change"


@pytest.mark.parametrize("name", sorted(CASES))
def test_svg_is_well_formed_accessible_and_compact(name):
    svg = svg_of(CASES[name])
    root = ElementTree.fromstring(svg)
    assert root.get("role") == "img"
    assert root[0].tag == f"{SVG_NS}title" and root[1].tag == f"{SVG_NS}desc"
    assert "id=" not in svg.replace("data-id=", "")  # no ids, so none can clash on a page
    assert "<script" not in svg and "<style" not in svg
    for number in re.findall(r"-?\d+\.(\d+)", svg):
        assert len(number) <= 2


def test_same_json_gives_same_bytes():
    text = json.dumps(CASES["arrows"])
    first = compile_svg(text)
    _compiled.cache_clear()
    assert compile_svg(text) == first


def test_compiled_svg_is_cached_by_content():
    _compiled.cache_clear()
    text = json.dumps(CASES["box"])
    compile_svg(text)
    compile_svg(text)
    assert _compiled.cache_info().hits == 1


def groups(svg: str) -> dict[str, str]:
    return dict(re.findall(r'<g data-id="([^"]+)"[^>]*>(.*?)</g>', svg))


def test_editing_one_element_changes_only_its_own_paths():
    base = {
        "layout": "row",
        "nodes": [{"id": "a", "title": "one"}, {"id": "b", "title": "two"}, {"id": "c", "title": "six"}],
    }
    edited = json.loads(json.dumps(base))
    edited["nodes"][1]["fill"] = "hachure"
    before, after = groups(svg_of(base)), groups(svg_of(edited))
    assert before.keys() == after.keys()
    assert [k for k in before if before[k] != after[k]] == ["node:b"]


def test_moving_one_element_does_not_rejitter_the_others():
    base = {"layout": "free", "nodes": [{"id": "a", "at": [0, 0]}, {"id": "b", "at": [200, 0], "title": "b"}]}
    edited = json.loads(json.dumps(base))
    edited["nodes"][1]["title"] = "a longer title now"
    before, after = groups(svg_of(base)), groups(svg_of(edited))
    assert before["node:a"] == after["node:a"] and before["node:b"] != after["node:b"]


def test_seed_rejitters_everything():
    one, two = svg_of(CASES["box"]), svg_of({**CASES["box"], "seed": 1})
    assert one != two


# --------------------------------------------------------------------------
# Errors


def error_of(text: str, **kwargs) -> ContentError:
    with pytest.raises(ContentError) as info:
        parse_diagram(text, **kwargs)
    return info.value


def test_json_syntax_error_has_line_and_column_in_the_file():
    err = error_of('{\n  "nodes": [\n    {"id": "a",}\n  ]\n}', path=Path("post.md"), first_line=10)
    assert (err.path, err.line, err.column) == (Path("post.md"), 12, 16)
    assert "not valid JSON" in err.message


@pytest.mark.parametrize(
    ("data", "where", "expected"),
    [
        ({}, "(top level)", "missing required key 'nodes'"),
        ({"nodes": []}, "nodes", "at least 1"),
        ({"nodes": [{"title": "x"}]}, "nodes[0]", "missing required key 'id'"),
        ({"nodes": [{"id": "a"}, {"id": "b", "at": [1]}]}, "nodes[1].at", "[x, y]"),
        ({"nodes": [{"id": "a", "kind": "circle"}]}, "nodes[0].kind", "one of 'box'"),
        ({"nodes": [{"id": "a", "colour": "red"}]}, "nodes[0].colour", "unknown key"),
        ({"nodes": [{"id": "a"}, {"id": "a"}]}, "nodes[1].id", "already used at nodes[0].id"),
        ({"nodes": [{"id": "1a"}]}, "nodes[0].id", "not a valid id"),
        ({"nodes": [{"id": "a"}], "roughness": 9}, "roughness", "from 0 to 5"),
        ({"nodes": [{"id": "t", "kind": "tensor"}]}, "nodes[0]", "'values'"),
        ({"nodes": [{"id": "t", "kind": "tensor", "values": [[1, 2], [3]]}]}, "nodes[0].values[1]", "2 values"),
        ({"nodes": [{"id": "t", "kind": "tensor", "shape": [2, 2], "highlight": [[5, 0]]}]}, "highlight[0]", "outside"),
        ({"nodes": [{"id": "m", "kind": "memory"}]}, "nodes[0]", "'cells'"),
        ({"layout": "free", "nodes": [{"id": "a"}]}, "nodes[0].at", "required with layout 'free'"),
        ({"nodes": [{"id": "a"}], "arrows": [{"from": "a"}]}, "arrows[0]", "missing required key 'to'"),
        ({"nodes": [{"id": "a"}], "arrows": [{"from": "a", "to": "a", "route": "up"}]}, "arrows[0].route", "one of"),
    ],
)
def test_schema_errors_name_the_json_path(data, where, expected):
    err = error_of(json.dumps(data))
    assert where in err.message and expected in err.message, err.message


def test_schema_error_points_at_the_line_of_the_key():
    text = '{\n  "nodes": [\n    {"id": "a"},\n    {"id": "b",\n     "at": [1]}\n  ]\n}'
    err = error_of(text, path=Path("d.json"), first_line=1)
    assert (err.line, err.column) == (5, 6)
    assert "nodes[1].at" in err.message


def test_unknown_arrow_target_is_named():
    err = error_of(json.dumps({"nodes": [{"id": "loss"}], "arrows": [{"from": "loss", "to": "gradz"}]}))
    assert "arrows[0].to" in err.message and "'gradz'" in err.message
    assert "loss" in err.hint
    err = error_of(json.dumps({"nodes": [{"id": "m", "kind": "memory", "cells": [{"id": "p", "pointer": "nope"}]}]}))
    assert "nodes[0].cells[0].pointer" in err.message and "'nope'" in err.message


def test_locate_finds_keys_items_and_falls_back_to_the_parent():
    text = '{"a": [1, {"b": 2}],\n "c": {}}'
    assert locate(text, ("a", 1, "b")) == (1, 12)
    assert locate(text, ("c", "missing")) == (2, 2)
    assert locate(text, ()) == (1, 1)


# --------------------------------------------------------------------------
# Markdown: fences and file references


POST = """\
Intro paragraph.

```diagram
{"caption": "A & B", "nodes": [{"id": "a", "title": "A"}, {"id": "b", "title": "B"}],
 "arrows": [{"from": "a", "to": "b"}]}
```
"""


def render(source: str, site_root: Path | None = None, first_line: int = 5):
    return MarkdownRenderer().render(
        source, path=Path("content/posts/p.md"), first_line=first_line, site_root=site_root
    )


def test_fence_becomes_a_figure_with_inline_svg():
    html = render(POST).html
    assert '<figure class="diagram">' in html and "<svg" in html
    assert "<figcaption>A &amp; B</figcaption>" in html
    assert "<pre" not in html


def test_fence_json_error_points_into_the_post():
    source = '```diagram\n{"nodes": [\n  {"id": "a"\n]}\n```\n'
    with pytest.raises(ContentError) as info:
        render(source, first_line=5)
    # Fence on file line 5, JSON from line 6; the missing comma shows on JSON line 3.
    assert info.value.path == Path("content/posts/p.md")
    assert info.value.line == 8 and info.value.column == 1


def test_fence_schema_error_points_at_the_key_in_the_post():
    source = 'Text.\n\n```diagram\n{"nodes": [{"id": "a"}],\n "arrows": [{"from": "a", "to": "zz"}]}\n```\n'
    with pytest.raises(ContentError) as info:
        render(source, first_line=3)
    assert info.value.line == 3 + 4 and "'zz'" in info.value.message


def test_file_reference_draws_the_file_with_caption_and_alt(tmp_path):
    (tmp_path / "diagrams").mkdir()
    (tmp_path / "diagrams" / "loop.json").write_text(json.dumps(CASES["cycle"]), encoding="utf-8")
    html = render('![The loop, described](/diagrams/loop.json "Training, again")\n', site_root=tmp_path).html
    assert "<figcaption>Training, again</figcaption>" in html
    assert "<desc>The loop, described</desc>" in html
    assert "<img" not in html and "<p>" not in html


def test_file_reference_to_a_missing_file_is_an_error(tmp_path):
    with pytest.raises(ContentError) as info:
        render("Text.\n\n![x](/diagrams/nope.json)\n", site_root=tmp_path, first_line=4)
    assert info.value.line == 6 and "diagrams/nope.json" in info.value.message


def test_error_in_a_diagram_file_names_the_file(tmp_path):
    (tmp_path / "diagrams").mkdir()
    (tmp_path / "diagrams" / "bad.json").write_text('{"nodes": [{"id": "a", "kind": "blob"}]}', encoding="utf-8")
    with pytest.raises(ContentError) as info:
        render("![x](/diagrams/bad.json)\n", site_root=tmp_path)
    assert info.value.path == Path("diagrams/bad.json") and info.value.line == 1
    assert "nodes[0].kind" in info.value.message


def test_figure_never_shrinks_its_text_under_12px_and_a_wide_one_scrolls_by_keyboard():
    small = render_figure(json.dumps({"nodes": [{"id": "a", "title": "Hi"}]}))
    width = re.search(r"--diagram-min-width: (\d+)px", small)
    assert width and 'class="diagram-scroll"' in small and "tabindex" not in small
    svg_width = float(re.search(r'<svg [^>]*width="([\d.]+)"', small).group(1))  # type: ignore[union-attr]
    # The box's title is 16 units: it may shrink to 12/16 of its width, no further.
    assert int(width.group(1)) == math.ceil(svg_width * 12 / 16)
    wide = render_figure((REPO / "diagrams/pipeline.json").read_text(encoding="utf-8"), caption="A pipeline")
    assert 'tabindex="0" role="region" aria-label="A four-phase training pipeline (scrolls sideways)"' in wide
    html5lib.HTMLParser(strict=True).parseFragment(wide)


def test_a_wide_row_brings_a_hidden_column_twin_for_narrow_screens():
    row = {"layout": "row", "nodes": [{"id": n, "title": f"The {n} node", "subtitle": "wide"} for n in "abcd"]}
    html = render_figure(json.dumps(row))
    first, twin = re.findall(r"<svg [^>]*>", html)
    assert 'class="diagram-svg"' in first and "aria-hidden" not in first
    assert 'class="diagram-svg diagram-narrow" aria-hidden="true" display="none"' in twin
    style = dict(part.split(": ") for part in re.search(r'style="([^"]*)"', html).group(1).split("; "))  # type: ignore[union-attr]
    assert int(style["--diagram-twin-min-width"].removesuffix("px")) < int(style["--diagram-min-width"][:-2])
    assert 'class="diagram-scroll diagram-twins"' in html and "tabindex" not in html  # the twin fits a phone
    assert compile_svg(json.dumps(row)).count("<svg") == 1  # the twin is the page's, not the file's
    small = render_figure(json.dumps({"layout": "row", "nodes": [{"id": "a"}, {"id": "b"}]}))
    assert small.count("<svg") == 1  # fits the narrowest column already


def test_render_figure_escapes_caption():
    html = render_figure(json.dumps({"caption": "<b>", "nodes": [{"id": "a", "title": "x < y & z"}]}))
    assert "<figcaption>&lt;b&gt;</figcaption>" in html and "x &lt; y &amp; z" in html


# --------------------------------------------------------------------------
# The build and the CLI


def test_site_with_diagrams_builds_valid_html5(make_site):
    post = "\n".join(
        [
            "---",
            "title: Diagrams",
            "date: 2026-05-01",
            "---",
            "```diagram",
            json.dumps(CASES["memory"], indent=2),
            "```",
            "",
            '![The graph](/diagrams/graph.json "Autograd, drawn")',
            "",
            "![The graph again](/diagrams/graph.json)",
            "",
        ]
    )
    root = make_site({"content/posts/diagrams.md": post})
    (root / "diagrams").mkdir()
    (root / "diagrams" / "graph.json").write_text(json.dumps(CASES["graph"]), encoding="utf-8")
    result = build_site(root)
    page = (result.output / "posts" / "diagrams" / "index.html").read_bytes()
    html5lib.HTMLParser(strict=True, namespaceHTMLElements=False).parse(page)
    text = page.decode()
    assert text.count('<figure class="diagram">') == 3
    assert "Autograd, drawn" in text
    ids = re.findall(r'\sid="([^"]+)"', text)
    assert len(ids) == len(set(ids))
    feed = (result.output / "feed.xml").read_text(encoding="utf-8")
    assert "diagram" in feed and "&lt;svg" in feed


def test_a_bad_diagram_fails_the_build_with_its_location(make_site):
    root = make_site(
        {
            "content/posts/bad.md": """
                ---
                title: Bad
                date: 2026-05-01
                ---
                ```diagram
                {"nodes": [{"id": "a"}], "arrows": [{"from": "a", "to": "b"}]}
                ```
                """
        }
    )
    with pytest.raises(BuildFailed) as info:
        build_site(root)
    (err,) = info.value.errors
    assert str(err).startswith(f"content{os.sep}posts{os.sep}bad.md:6:") or "bad.md:6:" in str(err)
    assert "'b'" in err.message


def test_demo_diagram_files_match_the_published_schema():
    jsonschema = pytest.importorskip("jsonschema")
    schema = json.loads((REPO / "diagrams" / "schema.json").read_text(encoding="utf-8"))
    jsonschema.Draft202012Validator.check_schema(schema)
    examples = [p for p in (REPO / "diagrams").glob("*.json") if p.name != "schema.json"]
    assert examples
    for path in [*examples]:
        jsonschema.validate(json.loads(path.read_text(encoding="utf-8")), schema)
    for name, case in CASES.items():
        jsonschema.validate(case, schema), name


def test_published_schema_states_the_same_limits():
    jsonschema = pytest.importorskip("jsonschema")
    schema = json.loads((REPO / "diagrams" / "schema.json").read_text(encoding="utf-8"))
    over = [
        {"nodes": [{"id": f"n{i}"} for i in range(501)]},
        {"nodes": [{"id": "a"}], "arrows": [{"from": "a", "to": "a"}] * 1001},
        {"nodes": [{"id": "a", "title": "x" * 1001}]},
        {"nodes": [{"id": "a", "at": [10_001, 0]}]},
        {"nodes": [{"id": "t", "kind": "tensor", "values": [list(range(65))]}]},
    ]
    for data in over:
        with pytest.raises(jsonschema.ValidationError):
            jsonschema.validate(data, schema)
        error_of(json.dumps(data))
    at_limit = {"nodes": [{"id": "a", "title": "x" * 1000, "at": [10_000, -10_000]}], "layout": "free"}
    jsonschema.validate(at_limit, schema)
    parse_diagram(json.dumps(at_limit))


def test_cli_renders_one_file(tmp_path, capsys):
    source = tmp_path / "d.json"
    source.write_text(json.dumps(CASES["box"]), encoding="utf-8")
    out = tmp_path / "d.svg"
    assert main(["diagram", str(source), "-o", str(out)]) == 0
    root = ElementTree.fromstring(out.read_text(encoding="utf-8"))
    assert root.tag == f"{SVG_NS}svg"
    assert main(["diagram", str(source)]) == 0
    assert "<svg" in capsys.readouterr().out


def test_cli_reports_diagram_errors_like_a_compiler(tmp_path, capsys):
    source = tmp_path / "d.json"
    source.write_text('{"nodes": [\n  {"id": "a"},\n]}', encoding="utf-8")
    assert main(["diagram", str(source)]) == 1
    assert f"{source}:3:1: error: diagram is not valid JSON" in capsys.readouterr().err


@pytest.mark.skipif(not Path("/usr/bin/chromium").exists(), reason="PNG review needs /usr/bin/chromium")
def test_goldens_render_in_chromium(tmp_path):
    """Every golden, drawn by a real browser, leaves ink on the page (PNG kept for review)."""
    import subprocess

    image = pytest.importorskip("PIL.Image")
    for golden in sorted(GOLDEN.glob("*.svg")):
        png = tmp_path / f"{golden.stem}.png"
        subprocess.run(
            [
                "/usr/bin/chromium",
                "--headless",
                "--no-sandbox",
                "--disable-gpu",
                "--window-size=640,480",
                f"--screenshot={png}",
                golden.as_uri(),
            ],
            check=True,
            timeout=60,
            capture_output=True,
        )
        extrema = image.open(png).convert("L").getextrema()
        assert extrema[0] < 128 < extrema[1], f"{golden.name} drew nothing visible"


# --------------------------------------------------------------------------
# Hostile and unlucky input: a located error, never a traceback


def free_at(x: str) -> str:
    return '{"layout": "free", "nodes": [{"id": "a", "at": [' + x + ", 0]}]}"


@pytest.mark.parametrize(
    ("text", "where", "expected"),
    [
        (free_at("NaN"), "nodes[0].at[0]", "NaN is not a number"),
        (free_at("Infinity"), "nodes[0].at[0]", "Infinity is not a number"),
        (free_at("-Infinity"), "nodes[0].at[0]", "-Infinity is not a number"),
        (free_at("1e308"), "nodes[0].at[0]", "outside the drawing"),
        (free_at("1" + "0" * 400), "nodes[0].at[0]", "too large"),
        ('{"nodes": [{"id": "a", "title": 1' + "0" * 5000 + "}]}", "nodes[0].title", "too large"),
        ('{"nodes": [{"id": "t", "kind": "tensor", "values": [[]]}]}', "nodes[0].values[0]", "at least one value"),
        ('{"nodes": [{"id": "t", "kind": "tensor", "values": [1, [1, 2]]}]}', "nodes[0].values[0]", "expected a row"),
        ('{"nodes": [{"id": "t", "kind": "tensor", "values": [[1], [1, 2]]}]}', "nodes[0].values[1]", "1 value like"),
        ('{"nodes": [{"id": "t", "kind": "tensor", "values": [1, null]}]}', "nodes[0].values[1]", "got null"),
        (
            '{"nodes": [{"id": "t", "kind": "tensor", "values": [[{"a": 1}]]}]}',
            "nodes[0].values[0][0]",
            "a number or a string",
        ),
        ('{"nodes": [{"id": "t", "kind": "tensor", "values": [[NaN]]}]}', "nodes[0].values[0][0]", "NaN"),
        ('{"nodes": [{"id": "a", "cells": [{"id": "c", "pointer": "a"}]}]}', "nodes[0].cells", "only a memory node"),
        ('{"nodes": [{"id": "a", "values": [[1]]}]}', "nodes[0].values", "only a tensor node"),
        ('{"nodes": [{"id": "a"}], "nodes": [{"id": "b"}]}', "nodes", "written twice"),
        ('{"nodes": [{"id": "a", "\\u0000": 1}]}', 'nodes[0]["\\u0000"]', "unknown key"),
        ('{"nodes": [{"id": "a", "title": "' + "x" * 1001 + '"}]}', "nodes[0].title", "too long"),
        (
            '{"nodes": [{"id": "t", "kind": "tensor", "shape": [2], "row_labels": ["a", "b"]}]}',
            "nodes[0].row_labels",
            "2 labels for 1 rows",
        ),
    ],
)
def test_hostile_values_are_located_errors(text, where, expected):
    err = error_of(text, path=Path("d.json"))
    assert err.message.startswith(f"diagram: {where}:") and expected in err.message, err.message
    assert err.hint and err.line == 1


@pytest.mark.parametrize("text", ["[" * 100_000, '{"a": ' * 40_000, '{"nodes": [' * 10_000 + "]}" * 10_000])
def test_json_nested_100k_deep_is_refused_before_parsing(text):
    with pytest.raises(ContentError) as info:
        compile_svg(text, path=Path("p.md"), first_line=3)
    assert "nested more than" in info.value.message and info.value.line == 3 and info.value.hint


def test_brackets_inside_strings_do_not_count_as_depth():
    text = json.dumps({"nodes": [{"id": "a", "title": "[" * 500 + '\\"{' * 100}]})
    assert "<svg" in compile_svg(text)


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        ({"nodes": [{"id": f"n{i}"} for i in range(501)]}, "501 nodes are too many"),
        (
            {"nodes": [{"id": "a"}], "arrows": [{"from": "a", "to": "a"}] * 1001},
            "1001 arrows are too many",
        ),
        (
            {"nodes": [{"id": f"m{k}", "kind": "memory", "cells": list(range(500))} for k in range(9)]},
            "4500 memory cells and tensor values are too many",
        ),
        ({"nodes": [{"id": "t", "kind": "tensor", "values": [list(range(65))]}]}, "more than a tensor can show"),
    ],
)
def test_limits_are_errors_with_a_hint(data, expected):
    err = error_of(json.dumps(data))
    assert expected in err.message and err.hint, err.message


def test_a_huge_json_text_is_refused_at_once():
    text = json.dumps({"nodes": [{"id": "a", "title": "x" * 900} for _ in range(300)]})
    err = error_of(text)
    assert "characters of JSON" in err.message and err.line == 1


def test_a_1000_node_chain_is_refused_and_a_500_node_chain_is_drawn_quickly():
    import time

    def chain(n: int) -> str:
        arrows = [{"from": f"n{i}", "to": f"n{i + 1}"} for i in range(n - 1)]
        return json.dumps({"layout": "graph", "nodes": [{"id": f"n{i}"} for i in range(n)], "arrows": arrows})

    assert "500" in error_of(chain(1000)).message
    start = time.perf_counter()
    ElementTree.fromstring(compile_svg(chain(500)))
    assert time.perf_counter() - start < 10  # ~0.5 s here; generous for a loaded CI machine


def test_xml_invalid_characters_never_reach_the_svg():
    bad = "a\x00b\x01\x0b\x0c\x1f\ufffe\uffff\ud800c\tz"
    data = {
        "title": bad,
        "caption": bad,
        "nodes": [
            {"id": "a", "title": bad, "subtitle": bad},
            {"id": "m", "kind": "memory", "cells": [{"value": bad, "name": bad, "index": bad}]},
            {"id": "t", "kind": "tensor", "values": [[bad]], "row_labels": [bad], "col_labels": [bad]},
        ],
        "arrows": [{"from": "a", "to": "m", "label": bad}],
    }
    text = json.dumps(data)  # ensure_ascii: the lone surrogate travels as \ud800
    html = render_figure(text, caption=bad + "!", alt=bad)
    svg = html[html.index("<svg") : html.index("</svg>") + 6]
    ElementTree.fromstring(svg)
    assert "abc\tz" in svg and "\x00" not in html and "\ud800" not in html
    assert "<figcaption>abc\tz!</figcaption>" in html


def test_runaway_sizes_are_refused_at_once():
    """A 10k-node graph ran for over 4 minutes and a 3k-node grid for nearly 2; now both stop in milliseconds."""
    import time

    for layout, n in (("graph", 10_000), ("grid", 3_000)):
        nodes = [{"id": f"n{i}"} for i in range(n)]
        arrows = [{"from": f"n{i}", "to": f"n{i + 1}"} for i in range(min(n - 1, 1000))]
        text = json.dumps({"layout": layout, "nodes": nodes, "arrows": arrows})
        start = time.perf_counter()
        assert "too many" in error_of(text).message
        assert time.perf_counter() - start < 2


def test_a_diagram_at_the_limits_compiles_quickly():
    """500 nodes, 1000 labelled arrows in a grid: ~0.5 s here (routing used to test every box for every arrow)."""
    import random
    import time

    rng = random.Random(1)
    nodes = [{"id": f"n{i}", "title": f"node {i}"} for i in range(500)]
    arrows = [{"from": f"n{rng.randrange(500)}", "to": f"n{rng.randrange(500)}", "label": f"a{k}"} for k in range(1000)]
    start = time.perf_counter()
    ElementTree.fromstring(compile_svg(json.dumps({"layout": "grid", "nodes": nodes, "arrows": arrows})))
    assert time.perf_counter() - start < 10  # generous for a loaded 2-core CI machine


def error_of_compile(text: str) -> ContentError:
    with pytest.raises(ContentError) as info:
        compile_svg(text, path=Path("d.json"))
    return info.value


def test_enormous_hatching_is_refused():
    nodes = [
        {"id": f"n{i}", "kind": "ellipse", "width": 2000, "height": 2000, "fill": "cross-hatch"} for i in range(50)
    ]
    err = error_of_compile(json.dumps({"layout": "grid", "nodes": nodes}))
    assert "hatching" in err.message and ".fill" in err.message and err.hint


def test_deeply_nested_label_math_does_not_recurse():
    import sys

    for tex in ("_{" * 499, "\\hat{" * 199, "x^" * 499):
        data = {"nodes": [{"id": "a", "title": f"${tex}$"}]}
        limit = sys.getrecursionlimit()
        sys.setrecursionlimit(200)
        try:
            svg = compile_svg(json.dumps(data))
        finally:
            sys.setrecursionlimit(limit)
        ElementTree.fromstring(svg)


def test_a_1d_tensor_is_one_row_as_the_schema_says():
    one_d = compile_svg(json.dumps({"nodes": [{"id": "t", "kind": "tensor", "values": [1, 2, 3]}]}))
    two_d = compile_svg(json.dumps({"nodes": [{"id": "t", "kind": "tensor", "values": [[1, 2, 3]]}]}))
    assert one_d == two_d


def test_a_diagram_file_that_is_not_utf8_is_a_located_error(tmp_path):
    from site_gen.diagram import render_file

    source = tmp_path / "d.json"
    source.write_bytes('{"nodes": [\n  {"id": "a", "title": "café"}]}'.encode("latin-1"))
    with pytest.raises(ContentError) as info:
        render_file(source)
    assert info.value.line == 2 and "not UTF-8" in info.value.message and info.value.hint
    source.write_bytes(b"\xef\xbb\xbf" + json.dumps(CASES["box"]).encode())
    assert "<svg" in render_file(source)


def test_the_unknown_id_hint_stays_short_in_a_big_diagram():
    nodes = [{"id": f"n{i:03}"} for i in range(400)]
    err = error_of(json.dumps({"nodes": nodes, "arrows": [{"from": "n000", "to": "nope"}]}))
    assert err.hint.startswith("known ids: n000, n001") and err.hint.endswith("(400 in all)") and len(err.hint) < 200
