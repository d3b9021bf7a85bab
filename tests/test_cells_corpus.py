"""Real notebooks from ../shared/corpus/notebooks as posts (numpy/matplotlib ones).

Found by hand (see the closing note of issue 4): with stored outputs every
notebook of the corpus builds; executed, ``extra_gradient_descent_comparison``
and ``math_linear_algebra`` build, ``math_differential_calculus`` fails in 3
cells written for an older matplotlib, and the others need packages site_gen
does not install (torch, micrograd, graphviz, scikit-learn).
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from site_gen.build import build_site

from .conftest import SHARED, write

NOTEBOOKS = SHARED / "corpus" / "notebooks"
NUMPY_ONLY = [
    "handson-ml3__extra_gradient_descent_comparison.ipynb",
    "handson-ml3__math_differential_calculus.ipynb",
    "handson-ml3__math_linear_algebra.ipynb",
]

pytestmark = pytest.mark.skipif(
    not NOTEBOOKS.is_dir(), reason="../shared/corpus/notebooks is only in the development workspace"
)


def as_post(root: Path, name: str, **metadata: object) -> None:
    """The notebook as committed, plus the one thing a post needs that it lacks: a date."""
    notebook = json.loads((NOTEBOOKS / name).read_text(encoding="utf-8"))
    notebook["metadata"].update({"date": "2026-11-24", **metadata})
    path = root / "content/posts" / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(notebook), encoding="utf-8")


def test_numpy_notebooks_build_with_their_stored_outputs(tmp_path):
    root = tmp_path / "site"
    write(root, "site.toml", 'title = "Corpus"\n')
    for name in NUMPY_ONLY:
        as_post(root, name)
    result = build_site(root)
    assert result.kernels_started == 0
    for name in NUMPY_ONLY:
        html = (root / "public/posts" / Path(name).stem / "index.html").read_text()
        assert 'class="cell-output"' in html and 'class="cell-image' in html, name
        assert "base64," not in html, "stored images become files"


def test_a_numpy_notebook_executes(tmp_path):
    root = tmp_path / "site"
    write(root, "site.toml", 'title = "Corpus"\n')
    as_post(root, "handson-ml3__math_linear_algebra.ipynb", execute=True)
    result = build_site(root)
    assert result.kernels_started == 1 and result.cells_run > 100
    assert list((root / "public/posts/handson-ml3__math_linear_algebra").glob("*.png"))
