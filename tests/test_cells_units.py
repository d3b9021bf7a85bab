"""The cell modules alone, without a kernel: options, outputs, the cache key, notebooks."""

from __future__ import annotations

import io
import subprocess
import sys
from pathlib import Path

import html5lib
import nbformat
import pytest

from site_gen.cells.cache import cell_keys, externalize, imported_modules, internalize
from site_gen.cells.images import image_size, min_width, on_white
from site_gen.cells.model import extract_cells
from site_gen.cells.options import CellOptions, parse_cell_options, split_options
from site_gen.cells.outputs import ansi_to_html, render_outputs
from site_gen.cells.sanitize import sanitize_html
from site_gen.errors import ContentError
from site_gen.markdown import block_tokens
from site_gen.readers.notebook import read as read_notebook

PATH = Path("content/posts/x.md")


def test_options_are_yaml_after_hash_pipe():
    lines, code = split_options("#| echo: false\n#| fig-cap: 'A: plot'\n#| timeout: 5\nx = 1\n#| not an option\n")
    assert code == "x = 1\n#| not an option\n"
    options = parse_cell_options(lines, path=PATH, line=3)
    assert options == CellOptions(echo=False, fig_cap="A: plot", timeout=5.0)


@pytest.mark.parametrize(
    ("lines", "line", "message"),
    [
        (["echo: false", "colour: red"], 11, "unknown cell option 'colour'"),
        (["echo: maybe"], 10, "cell option 'echo' must be true or false, not 'maybe'"),
        (["timeout: -1"], 10, "cell option 'timeout' must be a number of seconds > 0, not -1"),
        (["requires: tpu"], 10, "cell option 'requires' must be one of cuda, not 'tpu'"),
    ],
)
def test_bad_options_are_errors_with_their_line(lines, line, message):
    with pytest.raises(ContentError) as error:
        parse_cell_options(lines, path=PATH, line=10)
    assert (error.value.line, error.value.message) == (line, message)


def test_requires_cells_are_frozen_by_default():
    assert CellOptions(requires="cuda").frozen and not CellOptions().frozen
    assert not CellOptions(requires="cuda", freeze=False).frozen


def test_extract_cells_finds_only_executable_fences_with_lines():
    body = "Text\n\n```python\nshown()\n```\n\n```{python}\n#| label: a\nrun()\n```\n\n````{python}\nb()\n````\n"
    cells = extract_cells(block_tokens(body), path=PATH, first_line=5)
    assert [(c.index, c.line, c.code, c.name) for c in cells] == [(0, 11, "run()\n", "a"), (1, 16, "b()\n", "cell-2")]
    assert cells[0].code_line == 13


def test_cache_key_covers_the_cell_and_every_cell_before_it():
    def cells(*codes: str):
        return extract_cells(
            block_tokens("".join(f"```{{python}}\n{c}\n```\n\n" for c in codes)), path=PATH, first_line=1
        )

    kernel = {"name": "python3"}
    base = cell_keys(cells("a = 1", "b = 2", "c = 3"), kernel=kernel, inputs={})
    assert base == cell_keys(cells("a = 1", "b = 2", "c = 3"), kernel=kernel, inputs={}), "no time in the key"
    edited = cell_keys(cells("a = 1", "b = 20", "c = 3"), kernel=kernel, inputs={})
    assert edited[0] == base[0] and edited[1] != base[1] and edited[2] != base[2]
    echo_off = cell_keys(cells("#| echo: false\na = 1", "b = 2", "c = 3"), kernel=kernel, inputs={})
    assert echo_off == base, "display options do not re-run anything"
    assert cell_keys(cells("a = 1"), kernel=kernel, inputs={"d.txt": "1"}) != base[:1]
    assert cell_keys(cells("a = 1"), kernel={"name": "other"}, inputs={}) != base[:1]


def test_imported_modules():
    code = "import numpy as np, os.path\nfrom matplotlib import pyplot\n  import json\nx = 'import nothing'"
    assert imported_modules([code]) == {"numpy", "os", "matplotlib", "json"}


def test_images_move_to_files_and_back():
    svg = '<svg xmlns="http://www.w3.org/2000/svg"/>'
    outputs = [
        {"output_type": "display_data", "data": {"image/png": "iVBORw0K", "text/plain": ["<Fig", "ure>"]}},
        {"output_type": "execute_result", "execution_count": 3, "data": {"image/svg+xml": svg}, "metadata": {}},
    ]
    cleaned, files = externalize(outputs)
    names = [o["data"].get("image/png") or o["data"].get("image/svg+xml") for o in cleaned]
    assert all(name in files for name in names) and names[1].endswith(".svg")
    assert cleaned[0]["data"]["text/plain"] == "<Figure>"
    assert "execution_count" not in cleaned[1]
    assert internalize(cleaned, files)[0]["data"]["image/png"] == "iVBORw0K"


def test_unclosed_html_cannot_swallow_the_page():
    fragment = '<div><table><tr><td>x<script>alert(1)</script><img src="javascript:x" onerror="y">'
    clean = sanitize_html(fragment)
    assert "script" not in clean and "onerror" not in clean and "javascript" not in clean
    page = f"<!DOCTYPE html><title>t</title><body><main>{clean}</main><p id=after>after</p></body>"
    tree = html5lib.parse(page, namespaceHTMLElements=False)
    assert tree.find(".//body/p").text == "after", "the paragraph after the output is outside it"


def test_ansi_colours_become_classes_and_text_is_escaped():
    html = ansi_to_html("\x1b[0;31mValueError\x1b[0m: <bad> \x1b[1;32mok\x1b[39m\x1b[0m \x1b[2K")
    assert html == '<span class="ansi-red">ValueError</span>: &lt;bad&gt; <span class="ansi-bold ansi-green">ok</span> '


def test_output_preferences():
    def render(data: dict[str, str]) -> str:
        return render_outputs(
            [{"output_type": "execute_result", "data": data}],
            url=lambda name: "/p/" + name,
            latex=lambda tex: f"<math>{tex}</math>" if tex != "bad" else None,
        )

    figure = render({"image/png": "a.png", "text/plain": "<Figure size 900x360 with 2 Axes>"})
    assert '<img class="cell-image" src="/p/a.png" alt="Figure"' in figure and "Axes" not in figure
    assert "<math>x^2</math>" in render({"text/latex": "$$x^2$$", "text/plain": "x**2"})
    assert "x**2" in render({"text/latex": "bad", "text/plain": "x**2"})
    assert "<strong>b</strong>" in render({"text/markdown": "**b**"})
    animation = render({"text/html": "<script>play()</script>", "text/plain": "<Animation>"})
    assert "script" not in animation and "&lt;Animation&gt;" in animation
    stream = render_outputs(
        [{"output_type": "stream", "name": "stdout", "text": "10%\r50%\r100%\ndone\n"}], url=str, latex=str
    )
    assert "100%\ndone" in stream and "50%" not in stream


def test_notebook_front_matter_from_raw_cell_and_fences_that_cannot_break(tmp_path):
    nb = nbformat.v4.new_notebook()
    nb.cells = [
        nbformat.v4.new_raw_cell("---\ntitle: Raw title\ndate: 2026-11-02\nexecute: true\n---"),
        nbformat.v4.new_markdown_cell("# Not the title\n\nText."),
        nbformat.v4.new_code_cell('s = """\n```\n"""'),
    ]
    path = tmp_path / "n.ipynb"
    nbformat.write(nb, str(path))
    source = read_notebook(path, Path("n.ipynb"))
    assert source.meta["title"] == "Raw title" and source.meta["execute"] is True
    assert "# Not the title" in source.body
    assert "````{python}\n" in source.body
    [cell] = extract_cells(block_tokens(source.body), path=path, first_line=1)
    assert cell.code == 's = """\n```\n"""\n'


def _pillow_image(fmt: str, colour: tuple[int, ...] | int, mode: str = "RGBA") -> bytes:
    image_module = pytest.importorskip("PIL.Image")
    buffer = io.BytesIO()
    image_module.new(mode, (30, 20), colour).save(buffer, format=fmt)
    return buffer.getvalue()


def test_image_sizes_and_white_plates_come_from_the_file_header():
    assert image_size(_pillow_image("PNG", (255, 255, 255, 255)), "png") == (30, 20)
    assert image_size(_pillow_image("GIF", 0, "L"), "gif") == (30, 20)
    assert image_size(_pillow_image("JPEG", (9, 9, 9), "RGB"), "jpg") == (30, 20)
    assert image_size(b'<svg xmlns="http://www.w3.org/2000/svg" width="432pt" height="288pt">', "svg") == (576, 384)
    assert image_size(b'<svg viewBox="0 0 120 80.4">', "svg") == (120, 80)
    assert image_size(b"not an image", "png") is None
    assert on_white(_pillow_image("PNG", (255, 255, 255, 255)), "png")  # matplotlib's default face
    assert on_white(_pillow_image("PNG", (0, 0, 0, 0)), "png")  # savefig(transparent=True)
    assert on_white(_pillow_image("PNG", 250, "L"), "png")
    assert not on_white(_pillow_image("PNG", (20, 30, 200, 255)), "png")  # a photograph, a heat map
    assert not on_white(_pillow_image("JPEG", (255, 255, 255), "RGB"), "jpg")


def test_a_plot_is_kept_wide_enough_for_12px_text():
    image_module = pytest.importorskip("PIL.Image")
    buffer = io.BytesIO()
    image_module.new("RGB", (900, 300), "white").save(buffer, format="PNG", dpi=(100, 100))
    # 10 pt at 100 dpi is 13.9 image pixels: 12 px of it needs 86.4% of the width.
    assert min_width(buffer.getvalue(), "png") == 778
    svg = b'<svg xmlns="http://www.w3.org/2000/svg" width="432pt" height="288pt"><!-- Matplotlib -->'
    assert min_width(svg, "svg") == 518  # 10 pt is 13.3 px at 576 px: 12 px of it at 518
    assert min_width(_pillow_image("JPEG", (9, 9, 9), "RGB"), "jpg") is None


def test_figure_alt_size_and_plate_come_from_options_and_metadata():
    output = {
        "output_type": "display_data",
        "data": {"image/png": "f.png", "text/plain": "<Figure size 640x480 with 1 Axes>"},
        "metadata": {"image/png": {"width": 320, "height": 240, "on_white": True}},
    }

    def image(**options: str) -> str:
        return render_outputs([output], url=str, latex=str, **options)

    assert 'alt="Loss by step" width="320" height="240"' in image(fig_cap="Loss by step")
    assert 'alt="A falling curve"' in image(fig_cap="Loss by step", fig_alt="A falling curve")
    assert 'class="cell-image cell-plot"' in image() and "loading" not in image()
    output["metadata"]["image/png"]["min_width"] = 300
    wide = '<div class="cell-output" tabindex="0" data-wide style="--plot-width: 320px">'
    assert 'style="--min-width: 300px"' in image() and wide in image()
    # With a dark render (cells.figures), a <picture>: the dark source by media query, its min width.
    output["data"]["image/x-site-gen-dark+png"] = "f-dark.png"
    output["metadata"]["image/x-site-gen-dark+png"] = {"width": 320, "height": 240, "min_width": 280}
    dark = '<source media="(prefers-color-scheme: dark)" srcset="f-dark.png" width="320" height="240">'
    assert f'<picture class="cell-picture">{dark}<img ' in image() and 'style="--min-width: 280px"' in image()


def test_kernel_file_names_in_outputs_become_cell_references():
    from ipykernel.compiler import get_tmp_hash_seed, murmur2_x86

    from site_gen.cells.execute import _KernelFiles
    from site_gen.cells.model import Cell

    cells = [Cell(0, 5, "def f():\n    warn()\n", CellOptions()), Cell(1, 9, "f()\n", CellOptions())]
    name = f"/tmp/ipykernel_4242/{murmur2_x86(cells[0].code, get_tmp_hash_seed())}.py"
    files = _KernelFiles(cells)
    stream = {"output_type": "stream", "name": "stderr", "text": f"{name}:2: UserWarning: careful\n"}
    assert files.rewrite(stream, cells[1])["text"] == "cell 1, line 2: UserWarning: careful\n"
    error = {"output_type": "error", "traceback": [f"\x1b[0;32mFile \x1b[0;32m{name}:2\x1b[0m, in f()"]}
    assert files.rewrite(error, cells[1])["traceback"] == ["\x1b[0;32mFile \x1b[0;32mcell 1, line 2\x1b[0m, in f()"]
    unknown = {"output_type": "stream", "name": "stderr", "text": "/tmp/ipykernel_1/999.py:7: W\n"}
    assert files.rewrite(unknown, cells[1])["text"] == "cell 2, line 7: W\n"  # another kernel's naming: this cell


def test_nbformat_is_imported_without_building_the_iri_grammars():
    """Beside JupyterLab, jsonschema builds rfc3987-syntax's Lark grammars at import (a second) and
    imports arrow, isoduration… for format checks no one asks of it: site_gen's kernels import
    nbformat without them, and leave each package importable after."""
    pytest.importorskip("rfc3987_syntax")
    from site_gen.nbformat_import import FORMAT_PACKAGES

    probe = (
        "import importlib, importlib.util, sys\n"
        "import site_gen.cells.kernel\n"
        f"names = {list(FORMAT_PACKAGES)!r}\n"
        "assert 'jsonschema' in sys.modules, sorted(sys.modules)\n"
        "present = [name for name in names if importlib.util.find_spec(name) is not None]\n"
        "assert 'rfc3987_syntax' in present and not [n for n in present if n in sys.modules], present\n"
        "for name in present:\n"
        "    importlib.import_module(name)\n"
        "print('ok')\n"
    )
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, timeout=120)
    assert done.stdout.strip() == "ok", done.stderr
