"""A matplotlib figure gets a dark render from the kernel (site_gen.cells.figures), end to end.

Real kernels, a real build into a temporary site: the two renders are files beside
the page, switched by a ``<picture>``; the light one is byte for byte what the
kernel draws without site_gen's set-up; same inputs, same bytes; a figure that
cannot be copied keeps its light render and fails nothing.
"""

from __future__ import annotations

import base64
import shutil
from pathlib import Path

import nbformat
import pytest
from lxml import html as lxml_html
from nbclient import NotebookClient

from site_gen.build import build_site
from site_gen.cells.cache import CACHE_DIR
from site_gen.cells.figures import DARK_BG, DARK_PNG, _dark
from site_gen.cells.images import png_dpi_and_text_size

from .conftest import write

pytest.importorskip("matplotlib")

PLOT = """import matplotlib.pyplot as plt
fig, ax = plt.subplots(figsize=(4, 2))
ax.plot([0, 1, 2], [0, 1, 4], "k-")
ax.set_title("small", fontsize=8)
plt.show()"""

UNPICKLABLE = """from matplotlib.ticker import FuncFormatter
fig, ax = plt.subplots(figsize=(3, 2))
ax.plot([0, 1], [0, 1])
ax.xaxis.set_major_formatter(FuncFormatter(lambda x, _: f"{x:.1f}"))
plt.show()"""

POST = f"""---
title: Figures
date: 2026-05-01
---
```{{python}}
#| fig-alt: A rising black line
{PLOT}
```

```{{python}}
#| fig-alt: A line with a lambda formatter
{UNPICKLABLE}
```
"""


def build(root: Path) -> Path:
    write(root, "site.toml", 'title = "T"\nbase_url = "https://example.org/"\n')
    write(root, "content/posts/figures.md", POST)
    build_site(root)
    return root / "public/posts/figures"


def test_a_figure_has_a_dark_render_beside_it_and_the_page_switches_by_colour_scheme(tmp_path: Path) -> None:
    public = build(tmp_path / "site")
    tree = lxml_html.fromstring((public / "index.html").read_text(encoding="utf-8"))
    pictures = tree.find_class("cell-picture")
    assert len(pictures) == 1, "one picture: the lambda formatter's figure cannot be copied, so it has no dark render"
    (source,) = pictures[0].findall("source")
    (img,) = pictures[0].xpath(".//img")
    assert source.get("media") == "(prefers-color-scheme: dark)"
    assert source.get("srcset").endswith("/posts/figures/cell-1-1-dark.png")
    assert img.get("src").endswith("/posts/figures/cell-1-1.png")
    assert (source.get("width"), source.get("height")) == (img.get("width"), img.get("height"))
    assert len(tree.find_class("cell-image")) == 2 and (public / "cell-2-1.png").is_file()
    assert not (public / "cell-2-1-dark.png").exists()

    light, dark = (public / "cell-1-1.png").read_bytes(), (public / "cell-1-1-dark.png").read_bytes()
    assert light[16:24] == dark[16:24], "both renders have the same pixel size"
    assert png_dpi_and_text_size(dark)[1] == 8.0, "the dark render records the smallest font size (the title's)"
    # 8 pt text at 100 dpi is 11.1 image px: kept at 12 px, the plot is never drawn under its own width.
    assert img.get("style") == f"--min-width: {img.get('width')}px"
    # Both renders are cell outputs: cached as files like any image.
    assert len([p for p in (tmp_path / "site" / CACHE_DIR / "files").iterdir() if p.suffix == ".png"]) == 3

    # The light render is what the kernel draws without site_gen's set-up.
    notebook = nbformat.v4.new_notebook()
    notebook.cells = [nbformat.v4.new_code_cell(PLOT)]
    NotebookClient(notebook, kernel_name="python3", timeout=60).execute()
    plain = next(o for o in notebook.cells[0].outputs if "image/png" in o.get("data", {}))
    assert base64.b64decode(plain["data"]["image/png"]) == light
    assert DARK_PNG not in plain["data"]

    # Same inputs, same bytes: a second build from nothing writes the same renders.
    again = tmp_path / "again"
    shutil.copytree(tmp_path / "site" / "content", again / "content")
    build(again)
    assert (again / "public/posts/figures/cell-1-1-dark.png").read_bytes() == dark
    assert (again / "public/posts/figures/cell-1-1.png").read_bytes() == light


def test_greys_turn_over_and_chosen_colours_stay() -> None:
    assert _dark((1, 1, 1, 1))[:3] == pytest.approx(DARK_BG), "white becomes the dark page"
    assert _dark((0, 0, 0, 0.5))[3] == 0.5, "alpha is kept"
    assert _dark((0, 0, 0, 1))[0] > 0.85, "black ink becomes light"
    orange = (1.0, 0.498, 0.055, 1.0)  # tab:orange
    assert _dark(orange) == orange
