"""Every post with cells downloads as a notebook that runs top to bottom (issue 14)."""

from __future__ import annotations

import json

import nbformat
import pytest
from nbclient import NotebookClient

from site_gen.build import build_site
from site_gen.errors import ContentError

from .conftest import write

POST = """
---
title: Loss by hand
date: 2026-06-01
tags: [optimisation]
---
We fit a line to three points.

```{python}
#| label: data
xs = [0, 1, 2]
ys = [1, 3, 5]
print(sum(ys))
```

The slope, by least squares:

```{python}
n = len(xs)
slope = (n * sum(x * y for x, y in zip(xs, ys)) - sum(xs) * sum(ys)) / (n * sum(x * x for x in xs) - sum(xs) ** 2)
slope
```

```{python}
import matplotlib.pyplot as plt
plt.plot(xs, ys)
plt.show()
```

Done.
"""


@pytest.fixture
def site(make_site):
    root = make_site()
    write(root, "content/posts/loss.md", POST)
    return root


def test_a_post_with_cells_downloads_as_a_notebook_that_runs(site):
    build_site(site)
    page = (site / "public/posts/loss/index.html").read_text(encoding="utf-8")
    assert 'href="/notebook/posts/loss/loss.ipynb" download' in page
    assert "Open in Colab" not in page, "no Colab link without published_repository"
    data = (site / "public/posts/loss/loss.ipynb").read_bytes()
    notebook = nbformat.reads(data.decode("utf-8"), as_version=4)
    nbformat.validate(notebook)
    kinds = [cell.cell_type for cell in notebook.cells]
    assert kinds == ["raw", "markdown", "code", "markdown", "code", "code", "markdown"]
    assert notebook.cells[0].source.startswith("---\ntitle: Loss by hand")
    assert notebook.cells[2].outputs[0]["text"] == "9\n"
    assert notebook.cells[4].outputs[0]["data"]["text/plain"] == "2.0"
    image = notebook.cells[5].outputs[0]["data"]["image/png"]
    assert len(image) > 1000 and not image.endswith(".png"), "figures are inline again, not file names"
    NotebookClient(notebook, timeout=60, kernel_name="python3").execute()  # runs top to bottom, as a reader would
    assert notebook.cells[4].outputs[0]["data"]["text/plain"] == "2.0"


def test_the_notebook_is_deterministic_and_posts_without_cells_have_none(site, tmp_path):
    build_site(site)
    again = build_site(site, output=tmp_path / "again", use_cache=False)
    assert (site / "public/posts/loss/loss.ipynb").read_bytes() == (again.output / "posts/loss/loss.ipynb").read_bytes()
    assert not list((site / "public/posts/first").glob("*.ipynb"))
    assert "Download as a notebook" not in (site / "public/posts/first/index.html").read_text(encoding="utf-8")


def test_colab_links_follow_published_repository(make_site):
    from .conftest import SITE_TOML

    toml = SITE_TOML.replace(
        "[macros]", 'published_repository = "https://github.com/ada/notebook/blob/gh-pages/"\n\n[macros]'
    )
    root = make_site(toml=toml)
    write(root, "content/posts/loss.md", POST)
    build_site(root)
    page = (root / "public/posts/loss/index.html").read_text(encoding="utf-8")
    assert 'href="https://colab.research.google.com/github/ada/notebook/blob/gh-pages/posts/loss/loss.ipynb"' in page


def test_a_published_repository_that_is_not_a_github_folder_is_an_error(make_site):
    from .conftest import SITE_TOML

    root = make_site(toml=SITE_TOML.replace("[macros]", 'published_repository = "https://example.com/x"\n\n[macros]'))
    with pytest.raises(ContentError) as failed:
        build_site(root)
    assert failed.value.line == 10 and "published_repository" in failed.value.message


def test_a_notebook_post_round_trips(site):
    """The downloaded notebook is itself a post: the notebook reader reads its raw-cell front matter."""
    build_site(site)
    exported = json.loads((site / "public/posts/loss/loss.ipynb").read_text(encoding="utf-8"))
    write(site, "content/posts/again.ipynb", json.dumps(exported))
    build_site(site)
    page = (site / "public/posts/again/index.html").read_text(encoding="utf-8")
    assert "Loss by hand" in page and "least squares" in page
