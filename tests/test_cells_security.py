"""Cell outputs as a hostile author or an unlucky one would write them (issue 10).

What a cell prints, and what a notebook stores, is published on the site: no
output may run script in a reader's browser, publish a file from outside the
site, flood the page, or end a build in a traceback; and Ctrl-C during a long
cell stops the build at once. Checks run on the sanitiser alone, then on real
builds with a real kernel, and in Chromium when it is installed.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
import xml.etree.ElementTree as ElementTree
from pathlib import Path
from typing import Any

import html5lib
import nbformat
import pytest

from site_gen.build import build_site
from site_gen.cells import freeze as freezing
from site_gen.cells.cache import CACHE_DIR, CellCache, digest
from site_gen.cells.limit import limit_outputs
from site_gen.cells.model import CellResult
from site_gen.cells.options import CellOptions
from site_gen.cells.outputs import render_cell, render_outputs
from site_gen.cells.sanitize import sanitize_html, sanitize_svg_file
from site_gen.config import load_config
from site_gen.errors import BuildFailed, ContentError

from .conftest import write
from .serve_support import CHROMIUM, CHROMIUM_ARGS

SITE = 'title = "Cells"\nbase_url = "https://example.org/nb/"\n'
REPO = Path(__file__).resolve().parents[1]

# Each runs JavaScript (``alert(1)``) if it survives: the three first.
ATTACKS = [
    '<noscript><p title="</noscript><img src=x onerror=alert(1)>">',
    "<svg><script>alert(1)</script></svg>",
    '<a href="jav&#x09;ascript:alert(1)">click</a>',
    '<a href="java&#x0A;script:alert(1)">click</a>',
    '<a href="&#106;avascript:alert(1)">click</a>',
    '<a href="  JaVaScRiPt:alert(1)">click</a>',
    '<a href="javascript&colon;alert(1)">click</a>',
    '<a href="vbscript:msgbox(1)">click</a>',
    '<a href="data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==">click</a>',
    '<img src="data:image/svg+xml,<svg onload=alert(1)>">',
    "<img src=x onerror=alert(1)>",
    "<details open ontoggle=alert(1)>",
    '<iframe src="javascript:alert(1)"></iframe>',
    '<iframe srcdoc="<script>alert(1)</script>"></iframe>',
    '<object data="javascript:alert(1)"></object>',
    '<embed src="data:text/html,<script>alert(1)</script>">',
    "<form><button formaction=javascript:alert(1)>go</button></form>",
    '<meta http-equiv="refresh" content="0;url=javascript:alert(1)">',
    '<base href="javascript:alert(1)//">',
    "<style>@import 'javascript:alert(1)';</style>",
    '<div style="background:url(javascript:alert(1)); position: fixed">x</div>',
    '<p style="border: 1px solid url(javascript:alert(1)); font-family: url(https://e/x)">x</p>',
    '<p style="color: \\75 rl(javascript:alert(1)); width: -webkit-image-set(url(javascript:alert(1)) 1x)">x</p>',
    "<template><script>alert(1)</script></template>",
    "<xmp><img src=x onerror=alert(1)></xmp>",
    "<textarea><img src=x onerror=alert(1)></textarea>",
    "<noscript><style></noscript><img src=x onerror=alert(1)></style>",
    "<!-- --!><img src=x onerror=alert(1)> -->",
    "<math><mtext><table><mglyph><style><img src=x onerror=alert(1)>",
    '<svg></p><style><a id="</style><img src=1 onerror=alert(1)>">',
    "<svg><style><img src=x onerror=alert(1)></style></svg>",
    "<svg onload=alert(1)><circle r=5 /></svg>",
    '<svg><animate onbegin=alert(1) attributeName=x dur="1s" />',
    '<svg><set attributeName="onmouseover" to="alert(1)" /></svg>',
    '<svg><a xlink:href="javascript:alert(1)"><text x="20" y="20">XSS</text></a></svg>',
    '<svg><a href="javascript:alert(1)"><text x="20" y="20">XSS</text></a></svg>',
    "<svg><foreignObject><img src=x onerror=alert(1)></foreignObject></svg>",
    '<svg><use href="data:image/svg+xml,<svg id=x xmlns=http://www.w3.org/2000/svg>'
    '<image href=1 onerror=alert(1) /></svg>#x" /></svg>',
    '<svg><image href="x" onerror="alert(1)" /></svg>',
    '<svg><circle fill="url(javascript:alert(1))" r="5" /></svg>',
    '<math href="javascript:alert(1)"><mi>x</mi></math>',
    '<math><annotation-xml encoding="text/html"><img src=x onerror=alert(1)></annotation-xml></math>',
    "<math><mi><img src=x onerror=alert(1)></mi></math>",
    # The sanitiser's own seam: a drawing set aside while the rest goes through nh3.
    "<noscript><p title=\"</noscript><img alt='\"><svg><text>' onerror=alert(1) '</text></svg>'>",
    '<table><svg><text>" onerror=alert(1) "</text></svg><tr><td>1</td></tr></table>',
    '<svg><text>"><img src=x onerror=alert(1)></text></svg>',
    "<svg><title><img src=x onerror=alert(1)></title></svg>",
]

# An SVG image output becomes a file next to the page; opened by its URL, it is a page of the site.
SVG_ATTACK = (
    '<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink" onload="alert(1)">'
    "<script>alert(1)</script><a xlink:href=\"javascript:alert(1)\"><text y='20'>click</text></a>"
    '<foreignObject><div xmlns="http://www.w3.org/1999/xhtml"><img src="x" onerror="alert(1)"/></div></foreignObject>'
    '<animate attributeName="href" to="javascript:alert(1)"/><set attributeName="onload" to="alert(1)"/>'
    '<image href="x" onerror="alert(1)"/><circle r="5" fill="red"/></svg>'
)
_URL_ATTRIBUTES = {"href", "src", "action", "formaction", "xlink:href", "background", "poster", "data", "srcset"}
_ACTIVE = {"script", "iframe", "object", "embed", "form", "button", "base", "meta", "style", "foreignobject"}
_ACTIVE |= {"animate", "set", "image", "use", "template", "textarea", "xmp", "noscript", "link", "a"}


def _inert_problems(html: str) -> list[str]:
    """What in ``html``, parsed as a browser parses a page, could run script."""
    page = f"<!DOCTYPE html><title>t</title><body><div>{html}</div></body>"
    tree = html5lib.parse(page, treebuilder="etree", namespaceHTMLElements=False)
    problems = []
    for element in tree.iter():
        if not isinstance(element.tag, str):
            continue
        name = element.tag.rsplit("}", 1)[-1].lower()
        if name in _ACTIVE and not (name == "a" and "}" not in element.tag):
            problems.append(f"<{name}> element")
        for key, value in element.attrib.items():
            attribute = key.rsplit("}", 1)[-1].lower()
            if attribute.startswith("on"):
                problems.append(f"{attribute} handler")
            squeezed = "".join(c for c in value.lower() if c > " ")
            if (attribute in _URL_ATTRIBUTES or "url(" in squeezed) and (
                squeezed.startswith(("javascript:", "data:", "vbscript:")) or "url(javascript" in squeezed
            ):
                problems.append(f"{attribute}={value!r}")
            if attribute == "style" and ("url(" in squeezed or "position" in squeezed):
                problems.append(f"style={value!r}")
    return problems


@pytest.mark.parametrize("attack", ATTACKS)
def test_sanitiser_leaves_only_inert_markup(attack: str) -> None:
    clean = sanitize_html(attack)
    assert _inert_problems(clean) == [], clean


def test_pandas_rich_and_progress_html_keep_their_look() -> None:
    # What DataFrame._repr_html_ emits (pandas 2), a rich Text, and a fastprogress bar.
    pandas = (
        "<div>\n<style scoped>\n    .dataframe tbody tr th {\n        vertical-align: top;\n    }\n</style>\n"
        '<table border="1" class="dataframe">\n  <thead>\n    <tr style="text-align: right;">\n'
        "      <th></th>\n      <th>loss</th>\n    </tr>\n  </thead>\n  <tbody>\n    <tr>\n"
        "      <th>0</th>\n      <td>0.25</td>\n    </tr>\n  </tbody>\n</table>\n</div>"
    )
    clean = sanitize_html(pandas)
    assert '<table border="1" class="dataframe">' in clean
    assert 'style="text-align:right"' in clean and "<th>loss</th>" in clean and "<td>0.25</td>" in clean
    assert "<style" not in clean and "vertical-align" not in clean, "the stylesheet goes, with its text"
    rich = (
        '<pre style="white-space:pre;overflow-x:auto;line-height:normal;position:fixed">'
        '<span style="color: #008000; font-weight: bold">ok</span></pre>'
    )
    clean = sanitize_html(rich)
    assert "white-space:pre" in clean and "color:#008000" in clean and "font-weight:bold" in clean
    assert "position" not in clean, "nothing may move a box out of the output"
    progress = '<progress value="5" max="10" style="width:300px"></progress> 50.00% [5/10 00:01<00:01]'
    kept = '<progress value="5" max="10" style="width:300px"></progress> 50.00% [5/10 00:01&lt;00:01]'
    assert sanitize_html(progress) == kept


def test_inline_svg_and_mathml_stay_as_inert_drawings() -> None:
    svg = (
        '<p>Loss:</p><svg viewBox="0 0 10 10" width="100" onload="alert(1)" style="position:fixed">'
        '<title>a "line"</title><g class="curve"><path d="M0 10 L10 0" stroke="red" fill="none" /></g>'
        '<text x="1" y="9">&lt;b&gt; &amp; "q"</text><script>alert(1)</script></svg><p>after</p>'
    )
    clean = sanitize_html(svg)
    assert clean == (
        '<p>Loss:</p><svg viewBox="0 0 10 10" width="100"><title>a "line"</title><g class="curve">'
        '<path d="M0 10 L10 0" fill="none" stroke="red"></path></g><text x="1" y="9">&lt;b&gt; &amp; "q"</text>'
        "</svg><p>after</p>"
    )
    math = sanitize_html('<math display="block"><mfrac><mi>a</mi><mn>2</mn></mfrac></math>')
    assert math == '<math display="block"><mfrac><mi>a</mi><mn>2</mn></mfrac></math>'


def test_unsafe_cell_html_is_an_explicit_site_setting(tmp_path: Path) -> None:
    write(tmp_path, "site.toml", "unsafe_cell_html = true\ncell_output_limit = 5000\n")
    config = load_config(tmp_path)
    assert config.unsafe_cell_html is True and config.cell_output_limit == 5000
    result = CellResult("ran", ({"output_type": "display_data", "data": {"text/html": "<b onclick=go()>x"}},))
    raw = CellResult(result.status, result.outputs, unsafe_html=True)
    options = CellOptions()
    assert "onclick" not in render_cell("", result, options, url=str, latex=lambda tex: None)
    assert '<b onclick="go()">x</b>' in render_cell("", raw, options, url=str, latex=lambda tex: None)
    widget = {"output_type": "display_data", "data": {"text/html": "<script>play()</script>", "text/plain": "<Plot>"}}
    shown = render_cell("", CellResult("ran", (widget,), unsafe_html=True), options, url=str, latex=lambda tex: None)
    assert "<script>play()</script>" in shown, "where scripts run, the interactive form is the better one"
    for toml, message in [
        ('unsafe_cell_html = "yes"', "setting 'unsafe_cell_html' must be true/false, not a string"),
        ("cell_output_limit = 0", "setting 'cell_output_limit' must be at least 1"),
        ("cell_output_limit = true", "setting 'cell_output_limit' must be an integer, not true/false"),
    ]:
        write(tmp_path, "site.toml", toml + "\n")
        with pytest.raises(ContentError) as error:
            load_config(tmp_path)
        assert error.value.message == message and error.value.line == 1


def test_markdown_outputs_go_through_the_sanitiser_too() -> None:
    html = render_outputs(
        [
            {
                "output_type": "display_data",
                "data": {"text/markdown": "[x](data:text/html,hi) ![i](data:image/png;base64,AA)"},
            }
        ],
        url=str,
        latex=lambda tex: None,
    )
    assert _inert_problems(html) == [] and 'src="data:' not in html


def test_many_small_outputs_are_cut_too_but_figures_stay() -> None:
    prints = [{"output_type": "stream", "name": "stdout", "text": "step\n"}] * 100_000
    figure = {"output_type": "display_data", "data": {"image/png": "f.png", "text/plain": "<Figure>"}}
    kept, cut = limit_outputs([*prints, figure], 100_000)
    assert len(kept) < 2000 and cut > 400_000
    assert kept[-2]["data"]["image/png"] == "f.png", "a figure costs the page nothing: it stays"
    assert kept[-1]["output_type"] == "stream" and f"{cut:,} more characters" in kept[-1]["text"]
    assert limit_outputs(prints[:10], 100_000) == (prints[:10], 0)


# --------------------------------------------------------------------------
# Real builds


@pytest.fixture(autouse=True)
def no_cuda(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(freezing, "cuda_available", lambda: False)


def _site(root: Path, posts: dict[str, str], toml: str = "") -> Path:
    write(root, "site.toml", SITE + toml)
    for rel, text in posts.items():
        write(root, rel, text)
    return root


def _post(body: str) -> str:
    return f"---\ntitle: Outputs\ndate: 2026-11-24\n---\n{body}"


def _attack_cell() -> str:
    attacks = json.dumps(ATTACKS)
    return f"```{{python}}\nfrom IPython.display import HTML, display\nfor a in {attacks}:\n    display(HTML(a))\n```\n"


def _attack_notebook(path: Path) -> None:
    nb = nbformat.v4.new_notebook()
    nb.metadata["date"] = "2026-11-24"
    outputs = [nbformat.v4.new_output("display_data", data={"text/html": a, "text/plain": "x"}) for a in ATTACKS]
    outputs.append(nbformat.v4.new_output("display_data", data={"image/svg+xml": SVG_ATTACK, "text/plain": "x"}))
    nb.cells = [nbformat.v4.new_markdown_cell("# Stored"), nbformat.v4.new_code_cell("show()", outputs=outputs)]
    path.parent.mkdir(parents=True, exist_ok=True)
    nbformat.write(nb, str(path))


@pytest.fixture(scope="module")
def attacked_site(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Any]:
    """One build, one kernel: the attacks through ``display(HTML(…))`` and as a notebook's stored outputs,
    and a cell that prints five million characters."""
    root = tmp_path_factory.mktemp("attacked") / "site"
    flood = '```{python}\nprint("x" * 5_000_000)\nprint("never" + " shown")\n```\n'
    _site(root, {"content/posts/live.md": _post("Attacks.\n\n" + _attack_cell() + "\n" + flood)})
    _attack_notebook(root / "content/posts/stored.ipynb")
    saved = freezing.cuda_available
    freezing.cuda_available = lambda: False  # type: ignore[assignment]
    try:
        result = build_site(root)
    finally:
        freezing.cuda_available = saved  # type: ignore[assignment]
    return root, result


@pytest.mark.parametrize("slug", ["live", "stored"])
def test_attacks_through_a_kernel_and_a_notebook_publish_inert_html(attacked_site, slug: str) -> None:
    root, _ = attacked_site
    html = (root / "public/posts" / slug / "index.html").read_text(encoding="utf-8")
    tree = html5lib.parse(html, treebuilder="etree", namespaceHTMLElements=False)
    outputs = [el for el in tree.iter() if el.get("class") == "cell-html"]
    # An output whose HTML has a script and that has a plain form too shows the plain form.
    assert len(outputs) == sum(1 for attack in ATTACKS if "<script" not in attack)
    for element in outputs:
        fragment = html5lib.serializer.serialize(element, tree="etree")
        assert _inert_problems(fragment) == [], fragment


def test_a_flood_of_output_is_cut_with_a_marker_and_a_warning(attacked_site) -> None:
    root, result = attacked_site
    html = (root / "public/posts/live/index.html").read_text(encoding="utf-8")
    assert len(html) < 1_200_000, "five million characters are not published"
    assert "x" * 900_000 in html and "never shown" not in html
    assert "more characters of output not shown: over this site's cell_output_limit of 1,000,000" in html
    [warning] = [w for w in result.warnings if "cell_output_limit" in w.message]
    assert str(warning).startswith("content/posts/live.md:") and warning.line is not None
    assert "cell 2 printed 4,00" in warning.message


def test_an_svg_image_file_is_published_inert(attacked_site) -> None:
    root, _ = attacked_site
    svg = (root / "public/posts/stored/cell-1-1.svg").read_text(encoding="utf-8")
    # A file may use <image> and <use>, but only with inline raster data or #references.
    assert [p for p in _inert_problems(svg) if p not in ("<image> element", "<use> element")] == [], svg
    assert "href" not in svg and '<circle fill="red" r="5"></circle>' in svg


def test_a_matplotlib_svg_keeps_every_element_it_draws_with() -> None:
    matplotlib = pytest.importorskip("matplotlib")
    matplotlib.use("Agg")
    import io

    import matplotlib.pyplot as plt
    import numpy as np

    figure, (line, image) = plt.subplots(1, 2)
    line.plot([3, 1, 2], label="loss")
    line.set_title("$x^2$")
    line.legend()
    image.imshow(np.eye(3))
    buffer = io.BytesIO()
    figure.savefig(buffer, format="svg")
    plt.close(figure)
    original = buffer.getvalue()
    clean = sanitize_svg_file(original)

    def drawn(svg: bytes) -> list[str]:
        """Every SVG element but the metadata (creator, date), which draws nothing."""
        tree = ElementTree.fromstring(svg)
        for metadata in tree.findall("{http://www.w3.org/2000/svg}metadata"):
            tree.remove(metadata)
        return [el.tag for el in tree.iter()]

    assert drawn(original) == drawn(clean)
    assert b"data:image/png;base64," in clean and b'xlink:href="#' in clean and b'clip-path="url(#' in clean


@pytest.mark.skipif(not CHROMIUM.exists(), reason="needs Debian's chromium at /usr/bin/chromium")
def test_no_attack_runs_script_in_chromium(attacked_site) -> None:
    sync_api = pytest.importorskip("playwright.sync_api", reason="needs playwright")
    root, _ = attacked_site
    probe = "window.pwned = []; window.alert = (x) => window.pwned.push(String(x));"
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            for slug in ("live", "stored"):
                page = browser.new_page()
                page.add_init_script(probe)
                page.goto((root / "public/posts" / slug / "index.html").as_uri())
                page.wait_for_timeout(1500)  # animations begin, images fail, details toggle
                for link in page.query_selector_all(".cell-html a, .cell-html [href]"):
                    link.click(timeout=1000, force=True, no_wait_after=True)
                page.wait_for_timeout(300)
                assert page.evaluate("window.pwned") == [], slug
                dangerous = page.evaluate(
                    """() => [...document.querySelectorAll('.cell-html *')].flatMap(el =>
                        [...el.attributes].filter(a => /^on/i.test(a.name) ||
                          /^\\s*(javascript|data|vbscript):/i.test(a.value)).map(a => el.tagName + ' ' + a.name))"""
                )
                assert dangerous == [], slug
                page.close()
            page = browser.new_page()
            page.add_init_script(probe)
            page.goto((root / "public/posts/stored/cell-1-1.svg").as_uri())
            page.wait_for_timeout(1000)
            assert page.evaluate("window.pwned") == [], "the SVG file opened by its URL"
        finally:
            browser.close()


# --------------------------------------------------------------------------
# The cell cache


@pytest.mark.parametrize(
    "text",
    [
        "[]",
        "null",
        '{"outputs": 5}',
        '{"format": 1, "outputs": 5, "files": []}',
        '{"format": 1, "outputs": [5], "files": []}',
        '{"format": 1, "outputs": [{"output_type": "stream", "text": 5}], "files": []}',
        '{"format": 1, "outputs": [{"output_type": "display_data", "data": 5}], "files": []}',
        '{"format": 1, "outputs": [], "files": 7}',
        '{"format": 1, "outputs": [], "files": [["a"]]}',
        '{"format": 1, "outputs"',
        "[" * 100_000,
    ],
)
def test_a_damaged_cache_entry_is_a_miss(tmp_path: Path, text: str) -> None:
    cache = CellCache(tmp_path / "cells")
    key = digest("key")
    write(tmp_path, f"cells/{key[:2]}/{key}.json", text)
    assert cache.load(key) is None


def test_a_cache_entry_naming_a_file_outside_the_cache_is_a_miss(tmp_path: Path) -> None:
    secret = tmp_path / "secret.png"
    secret.write_bytes(b"the site owner's private key")
    cache = CellCache(tmp_path / "site/.cache/cells")
    key = digest("key")
    for name in ["../../../secret.png", str(secret), f"{'0' * 64}.png/../../../../secret.png"]:
        entry = {
            "format": 1,
            "outputs": [{"output_type": "display_data", "data": {"image/png": name}}],
            "files": [name],
        }
        write(tmp_path, f"site/.cache/cells/{key[:2]}/{key}.json", json.dumps(entry))
        assert cache.load(key) is None, name


def test_a_tampered_cache_entry_reruns_the_cell_and_publishes_nothing_from_outside(tmp_path: Path) -> None:
    root = _site(tmp_path / "site", {"content/posts/c.md": _post('```{python}\nprint("fresh")\n```\n')})
    (tmp_path / "secret.txt").write_text("owner-secret-4b1d", encoding="utf-8")
    assert build_site(root).kernels_started == 1
    [entry] = (root / CACHE_DIR).glob("*/*.json")
    name = "../../../../secret.txt"
    output = {"output_type": "display_data", "data": {"image/png": name, "text/plain": "stolen"}, "metadata": {}}
    for damaged in ("[]", "null", '{"outputs": 5}', json.dumps({"format": 1, "outputs": [output], "files": [name]})):
        entry.write_text(damaged, encoding="utf-8")
        result = build_site(root, record=False)
        assert result.kernels_started == 1, damaged
        published = b"".join(p.read_bytes() for p in (root / "public").rglob("*") if p.is_file())
        assert b"owner-secret-4b1d" not in published and b"stolen" not in published
        assert b"fresh" in (root / "public/posts/c/index.html").read_bytes()


# --------------------------------------------------------------------------
# Malformed notebooks


def _cells(*cells: object) -> str:
    return json.dumps({"nbformat": 4, "nbformat_minor": 5, "metadata": {"date": "2026-11-24"}, "cells": list(cells)})


def _code(**fields: object) -> dict[str, object]:
    return {"cell_type": "code", "source": "x", "metadata": {}, "outputs": [], "execution_count": None, **fields}


NOTEBOOKS = {
    "not JSON": ('{"cells": [', "not a Jupyter notebook: invalid JSON"),
    "truncated": ("", "not a Jupyter notebook: invalid JSON"),
    "a list": ("[1, 2]", "the file holds an array, not an object"),
    "a string": ('"notebook"', "the file holds a string, not an object"),
    "no cells": ('{"nbformat": 4, "nbformat_minor": 5, "metadata": {}}', "no 'cells' list"),
    "cells not a list": (
        '{"nbformat": 4, "nbformat_minor": 5, "metadata": {}, "cells": {}}',
        "'cells' must be a list of cells",
    ),
    "metadata not an object": (
        '{"nbformat": 4, "nbformat_minor": 5, "metadata": [], "cells": []}',
        "'metadata' must be an object",
    ),
    "cell not an object": (_cells("print(1)"), "cell 1: a cell must be an object"),
    "cell without cell_type": (_cells({"source": "x"}), "cell 1: 'cell_type' must be one of"),
    "cell without source": (_cells({"cell_type": "markdown"}), "cell 1: no 'source'"),
    "source of the wrong type": (_cells(_code(source=5)), "cell 1: 'source' must be a string or a list of strings"),
    "source list of numbers": (_cells(_code(source=[1, 2])), "cell 1: 'source' must be a string or a list"),
    "outputs not a list": (_cells(_code(outputs=5)), "cell 1: 'outputs' must be a list"),
    "output not an object": (_cells(_code(outputs=[5])), "cell 1: output 1: an output must be a JSON object"),
    "unknown output type": (_cells(_code(outputs=[{"output_type": "pyout"}])), "unknown output_type 'pyout'"),
    "data not an object": (
        _cells(_code(outputs=[{"output_type": "display_data", "data": 5, "metadata": {}}])),
        "'data' must be an object of MIME types",
    ),
    "image not base64": (
        _cells(_code(outputs=[{"output_type": "display_data", "data": {"image/png": "@@@"}, "metadata": {}}])),
        "image/png is not base64 data",
    ),
    "stream text a number": (
        _cells(_code(outputs=[{"output_type": "stream", "name": "stdout", "text": 5}])),
        "stream output: 'name' must be a string and 'text' a string or a list of strings",
    ),
    "traceback not a list": (
        _cells(_code(outputs=[{"output_type": "error", "ename": "E", "evalue": "", "traceback": "x"}])),
        "'traceback' must be a list of strings",
    ),
    "nbformat 3 without worksheets": ('{"nbformat": 3, "nbformat_minor": 0, "metadata": {}}', "nbformat 3 needs"),
    "nbformat 5": ('{"nbformat": 5, "cells": []}', "unsupported notebook format nbformat=5"),
    "no nbformat": ('{"cells": []}', "unsupported notebook format nbformat=None"),
    "deeply nested": ('{"cells": ' + "[" * 100_000, "not a Jupyter notebook"),
}


@pytest.mark.parametrize("kind", NOTEBOOKS)
def test_a_malformed_notebook_is_an_error_naming_the_file(tmp_path: Path, kind: str) -> None:
    text, message = NOTEBOOKS[kind]
    root = _site(tmp_path / "site", {"content/posts/fine.md": _post("Fine.\n")})
    (root / "content/posts/broken.ipynb").write_text(text, encoding="utf-8")
    with pytest.raises(BuildFailed) as failed:
        build_site(root)
    [error] = failed.value.errors
    assert error.path == Path("content/posts/broken.ipynb")
    assert message in error.message and "Jupyter" in error.hint
    assert str(error).startswith("content/posts/broken.ipynb")


def test_a_notebook_that_is_not_utf8_is_an_error(tmp_path: Path) -> None:
    root = _site(tmp_path / "site", {"content/posts/fine.md": _post("Fine.\n")})
    notebook = _cells({"cell_type": "markdown", "source": "café"}).replace("\\u00e9", "é")
    (root / "content/posts/latin.ipynb").write_bytes(notebook.encode("latin-1"))
    with pytest.raises(BuildFailed) as failed:
        build_site(root)
    [error] = failed.value.errors
    assert error.path == Path("content/posts/latin.ipynb") and "not UTF-8" in error.message


def test_an_nbformat_3_notebook_is_upgraded_when_whole_and_an_error_when_not(tmp_path: Path) -> None:
    v3 = {
        "nbformat": 3,
        "nbformat_minor": 0,
        "metadata": {"name": "old"},
        "worksheets": [
            {"cells": [{"cell_type": "code", "input": "1 + 1", "language": "python", "outputs": [], "metadata": {}}]}
        ],
    }
    root = _site(tmp_path / "site", {"content/posts/old.ipynb": json.dumps({**v3, "metadata": {"date": "2026-01-01"}})})
    build_site(root)
    tree = html5lib.parse((root / "public/posts/old/index.html").read_bytes(), namespaceHTMLElements=False)
    assert "1 + 1" in "".join(tree.find(".//body").itertext())
    write(root, "content/posts/old.ipynb", json.dumps({**v3, "worksheets": [{"cells": 5}]}))
    with pytest.raises(BuildFailed) as failed:
        build_site(root)
    [error] = failed.value.errors
    assert error.path == Path("content/posts/old.ipynb") and "nbformat 3 needs" in error.message


# --------------------------------------------------------------------------
# Ctrl-C


def _kernels_in(folder: Path) -> list[int]:
    """ipykernel processes whose working folder is under ``folder`` (other tests' kernels are elsewhere)."""
    found = []
    for proc in Path("/proc").iterdir():
        if not proc.name.isdigit():
            continue
        try:
            cmdline = (proc / "cmdline").read_bytes()
            cwd = Path(os.readlink(proc / "cwd"))
        except OSError:
            continue
        if b"ipykernel" in cmdline and cwd.is_relative_to(folder):
            found.append(int(proc.name))
    return found


SLOW_CELLS = {
    "sleeping": "import time\ntime.sleep(60)",
    # Ignores the interrupt: its kernel is killed instead.
    "stubborn": "import time\nwhile True:\n    try:\n        time.sleep(60)\n"
    "    except KeyboardInterrupt:\n        pass",
}


@pytest.mark.skipif(not Path("/proc").is_dir(), reason="reads /proc to find kernel processes")
@pytest.mark.parametrize("kind", SLOW_CELLS)
def test_ctrl_c_stops_a_running_cell_at_once(tmp_path: Path, kind: str) -> None:
    """The cell would run for a minute. Idle, the build stops in 0.1–1.1 s (the 2 s target);
    the bound here is loose so a loaded 2-core CI machine cannot make it flaky."""
    root = _site(tmp_path / "site", {"content/posts/slow.md": _post(f"```{{python}}\n{SLOW_CELLS[kind]}\n```\n")})
    build = subprocess.Popen(
        [sys.executable, "-m", "site_gen", "build", "--root", str(root)],
        cwd=REPO,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )
    assert build.stderr is not None
    try:
        for line in build.stderr:
            if line.startswith("running ") and "cell 1" in line:
                break
        deadline = time.monotonic() + 60
        while not _kernels_in(root) and time.monotonic() < deadline:
            time.sleep(0.1)
        time.sleep(1.0)  # the cell is sleeping now
        sent = time.monotonic()
        build.send_signal(signal.SIGINT)
        status = build.wait(timeout=10)
        took = time.monotonic() - sent
    finally:
        if build.poll() is None:
            build.kill()
    assert status == 130
    assert took < 10.0, f"took {took:.1f} s"
    time.sleep(0.2)
    assert _kernels_in(root) == [], "no kernel outlives the build"
    assert not list(root.glob(".public.building-*")) and not list(root.glob("*building*"))


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('{"cells": {', "not readable frozen outputs"),
        ("[]", "expected an object with a 'cells' object"),
        ('{"cells": {"gpu": {"outputs": 5}}}', "cell 'gpu': expected an object with an 'outputs' list"),
        ('{"cells": {"gpu": {"outputs": [], "device": 1}}}', "'code_sha256', 'device' and 'date' must be strings"),
        (
            json.dumps(
                {
                    "cells": {
                        "gpu": {
                            "code_sha256": "0",
                            "device": "A100",
                            "date": "2026-01-01",
                            "outputs": [{"output_type": "display_data", "data": {"image/png": "@@"}}],
                        }
                    }
                }
            ),
            "cell 'gpu', output 1: image/png is not base64 data",
        ),
    ],
)
def test_a_damaged_freeze_file_is_an_error_naming_it(tmp_path: Path, text: str, message: str) -> None:
    cell = "```{python}\n#| label: gpu\n#| requires: cuda\nimport torch\n```\n"
    root = _site(tmp_path / "site", {"content/posts/gpu.md": _post(cell), "content/posts/_gpu.freeze.json": text})
    with pytest.raises(BuildFailed) as failed:
        build_site(root)
    [error] = failed.value.errors
    assert error.path == Path("content/posts/_gpu.freeze.json")
    assert message in error.message and "--freeze" in error.hint
