"""Executed cells, end to end: real sites, a real ipykernel, the HTML checked.

Each build that runs cells starts a kernel (about a second), so tests share
builds where one build can show several things.
"""

from __future__ import annotations

import base64
import json
import time
from pathlib import Path

import html5lib
import nbformat
import pytest
from lxml import html as lxml_html

from site_gen.build import build_site
from site_gen.cells import freeze as freezing
from site_gen.cells.cache import CACHE_DIR
from site_gen.cells.execute import ExecuteSettings
from site_gen.cli import main
from site_gen.errors import BuildFailed

from .conftest import write

SITE = 'title = "Cells"\nbase_url = "https://example.org/nb/"\n'
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


def make(root: Path, posts: dict[str, str]) -> Path:
    write(root, "site.toml", SITE)
    for rel, text in posts.items():
        write(root, rel, text)
    return root


def post(body: str, extra: str = "") -> str:
    return f"---\ntitle: Cells\ndate: 2026-11-24\n{extra}---\n{body}"


def page(root: Path, slug: str) -> lxml_html.HtmlElement:
    data = (root / "public/posts" / slug / "index.html").read_bytes()
    html5lib.HTMLParser(strict=True, namespaceHTMLElements=False).parse(data)  # well-formed, or raises
    return lxml_html.fromstring(data)


def texts(tree: lxml_html.HtmlElement, css_class: str) -> list[str]:
    return [el.text_content() for el in tree.find_class(css_class)]


@pytest.fixture(autouse=True)
def no_cuda(monkeypatch: pytest.MonkeyPatch) -> None:
    """The one thing mocked: whether a CUDA device is present (tests that need one say so)."""
    monkeypatch.setattr(freezing, "cuda_available", lambda: False)


ORDERED = post(
    """
Prose before.

```{python}
#| label: first
x = 20
print("x is", x)
```

```python
display_only = True
```

```{python}
import sys
x = x + 22
print("to stderr", file=sys.stderr)
x
```

```{python}
#| echo: false
#| fig-cap: A line
import matplotlib.pyplot as plt
fig, ax = plt.subplots()
ax.plot([0, 1, 2], [0, 1, 4])
plt.show()
```

```{python}
#| eval: false
raise SystemExit("never runs")
```

```{python}
#| error: true
{}["missing"]
```

```{python}
from IPython.display import HTML
HTML("<table><tr><td>unclosed <div>cell")
```

After the cells.
"""
)


def test_cells_run_in_order_share_state_and_draw_files(tmp_path):
    root = make(tmp_path / "site", {"content/posts/ordered.md": ORDERED})
    result = build_site(root)
    assert result.kernels_started == 1 and result.cells_run == 5 and result.cells_cached == 0
    tree = page(root, "ordered")
    assert texts(tree, "cell-stdout") == ["x is 20\n"]
    assert texts(tree, "cell-stderr") == ["to stderr\n"]
    assert "42" in texts(tree, "cell-result"), "the second cell saw the first one's x"
    # ```python only displays; eval: false shows the code and runs nothing.
    codes = [el.text_content() for el in tree.find_class("code")]
    assert any("display_only" in code for code in codes)
    assert any("never runs" in code for code in codes)
    assert not any("#|" in code for code in codes), "option lines are not shown"
    assert not any("matplotlib" in code for code in codes), "echo: false hides the code"
    # The figure is a file next to the page, with its caption, not base64 in the HTML.
    images = tree.find_class("cell-image")
    assert len(images) == 1
    src = images[0].get("src")
    assert src == "/nb/posts/ordered/cell-3-1.png"
    assert (root / "public/posts/ordered/cell-3-1.png").read_bytes().startswith(PNG_MAGIC)
    assert "base64" not in (root / "public/posts/ordered/index.html").read_text()
    assert tree.xpath("//figure[@class='cell-output']/figcaption")[0].text_content() == "A line"
    # Its alt text is the caption (not matplotlib's repr), its size is on the tag, it loads at once,
    # and it is marked as a plot on a white plate (dark mode turns that plate dark).
    assert images[0].get("alt") == "A line"
    png = (root / "public/posts/ordered/cell-3-1.png").read_bytes()
    size = (int.from_bytes(png[16:20], "big"), int.from_bytes(png[20:24], "big"))
    assert (int(images[0].get("width")), int(images[0].get("height"))) == size
    assert images[0].get("loading") is None and "cell-plot" in images[0].get("class")
    # error: true shows the exception on the page; ANSI colours become classes.
    error = tree.find_class("cell-error")[0]
    assert "KeyError" in error.text_content() and "\x1b" not in error.text_content()
    assert error.xpath(".//span[contains(@class, 'ansi-')]")
    # The unclosed tags of an HTML output end with the output: the prose after it is outside.
    html_output = tree.find_class("cell-html")[0]
    assert "After the cells." not in html_output.text_content()
    assert tree.xpath("//div[@class='post-body']/p[contains(., 'After the cells.')]")
    # The feed has the figure with an absolute URL.
    feed = (root / "public/feed.xml").read_text()
    assert "https://example.org/nb/posts/ordered/cell-3-1.png" in feed
    # Labels become ids.
    assert tree.get_element_by_id("first") is not None


def test_kernel_file_names_become_cells_and_a_figure_without_alt_warns(tmp_path):
    body = """
```{python}
import warnings
def careful():
    warnings.warn("mind the step size")
```

```{python}
careful()
import matplotlib.pyplot as plt
plt.plot([1, 2])
plt.show()
```
"""
    root = make(tmp_path / "site", {"content/posts/w.md": post(body)})
    result = build_site(root)
    stderr = texts(page(root, "w"), "cell-stderr")[0]
    assert "ipykernel_" not in stderr and ".py" not in stderr
    assert stderr.startswith("cell 1, line 3: UserWarning: mind the step size"), stderr
    (warning,) = [w for w in result.warnings if "screen readers" in str(w)]
    assert warning.line == 12 and "cell 2" in warning.message and "fig-alt" in warning.message
    assert page(root, "w").find_class("cell-image")[0].get("alt") == "Figure"


def test_cache_hit_starts_no_kernel_and_misses_on_code_and_input_changes(tmp_path):
    body = """
Some prose.

```{python}
n = 2
```

```{python}
print(open("data.txt").read().strip() * n)
```
"""
    root = make(tmp_path / "site", {"content/posts/cached/index.md": post(body, "inputs: [data.txt]\n")})
    (root / "content/posts/cached/data.txt").write_text("ab")
    cold = build_site(root)
    assert (cold.kernels_started, cold.cells_run) == (1, 2)
    assert texts(page(root, "cached"), "cell-stdout") == ["abab\n"]
    assert list((root / CACHE_DIR).rglob("*.json")), "results are stored under .cache/cells"

    assert build_site(root).up_to_date, "nothing changed: the build manifest says so before any work"
    warm = build_site(root, record=False)  # past the manifest, to the cell cache itself
    assert (warm.kernels_started, warm.cells_run, warm.cells_cached) == (0, 0, 2)
    assert texts(page(root, "cached"), "cell-stdout") == ["abab\n"]

    source = root / "content/posts/cached/index.md"
    source.write_text(source.read_text().replace("Some prose.", "Some edited prose."))
    assert build_site(root).kernels_started == 0, "editing prose runs nothing"

    source.write_text(source.read_text().replace("n = 2", "n = 3"))
    edited = build_site(root)
    assert (edited.kernels_started, edited.cells_run) == (1, 2), "a changed cell re-runs the post from the top"
    assert texts(page(root, "cached"), "cell-stdout") == ["ababab\n"]

    (root / "content/posts/cached/data.txt").write_text("xy")
    assert build_site(root).kernels_started == 1, "a changed input file is a miss"
    assert texts(page(root, "cached"), "cell-stdout") == ["xyxyxy\n"]

    forced = build_site(root, execute=ExecuteSettings(rerun=True))
    assert forced.kernels_started == 1, "--rerun ignores the cache"

    assert main(["cache", "clean", "--root", str(root)]) == 0
    assert not (root / CACHE_DIR).exists()
    assert sorted(path.name for path in (root / ".cache").iterdir()) == [], "and every other cache of the build"


def test_exception_fails_the_build_with_file_line_and_frames(tmp_path):
    body = """
```{python}
def divide(a, b):
    return a / b
```

Text.

```{python}
#| label: boom
x = 1
divide(x, 0)
```

```{python}
print("not reached")
```
"""
    root = make(tmp_path / "site", {"content/posts/broken.md": post(body)})
    with pytest.raises(BuildFailed) as failed:
        build_site(root)
    [error] = failed.value.errors
    text = str(error)
    # Front matter is 4 lines; the failing call `divide(x, 0)` is line 16 of the file.
    assert text.startswith("content/posts/broken.md:16: error: cell 2 failed: ZeroDivisionError: division by zero")
    assert "cell 1, line 8, in divide" in text, "frames name the cell and its line in the post"
    assert "nbclient" not in text and "\x1b" not in text
    assert "#| error: true" in text
    assert not (root / "public").exists(), "a failed build writes nothing"


def test_timeout_interrupts_the_cell_and_the_build_ends(tmp_path):
    body = """
```{python}
#| timeout: 2
while True:
    pass
```
"""
    root = make(tmp_path / "site", {"content/posts/slow.md": post(body)})
    started = time.monotonic()
    with pytest.raises(BuildFailed) as failed:
        build_site(root)
    assert time.monotonic() - started < 15
    text = str(failed.value.errors[0])
    assert "content/posts/slow.md:6: error: cell 1 failed: timed out after 2 s" in text
    assert "interrupted and shut down" in text and "#| timeout: 4" in text


def test_kernel_death_is_reported(tmp_path):
    body = """
```{python}
import os
os._exit(1)
```
"""
    root = make(tmp_path / "site", {"content/posts/dies.md": post(body)})
    with pytest.raises(BuildFailed) as failed:
        build_site(root)
    assert "cell 1 failed: the kernel died while running this cell" in str(failed.value.errors[0])


def test_unknown_cell_option_names_option_and_line(tmp_path):
    body = """
```{python}
#| echo: false
#| ecko: true
1
```
"""
    root = make(tmp_path / "site", {"content/posts/typo.md": post(body)})
    with pytest.raises(BuildFailed) as failed:
        build_site(root)
    [error] = failed.value.errors
    assert (error.line, error.message) == (8, "unknown cell option 'ecko'")
    assert "did you mean 'echo'" in error.hint


GPU_BODY = """
```{python}
#| label: gpu-time
#| requires: cuda
print("measured: 1.0 ms")
```
"""


def test_cuda_cell_without_device_or_frozen_output_says_it_did_not_run(tmp_path):
    root = make(tmp_path / "site", {"content/posts/gpu/index.md": post(GPU_BODY)})
    result = build_site(root)
    assert result.kernels_started == 0
    tree = page(root, "gpu")
    [status] = texts(tree, "cell-not-run")
    assert "Not run: no CUDA device in this build" in status
    assert not tree.find_class("cell-output"), "no output is invented"


def test_cuda_cell_shows_frozen_output_with_provenance(tmp_path, monkeypatch):
    root = make(tmp_path / "site", {"content/posts/gpu/index.md": post(GPU_BODY)})
    # With a device (mocked), the cell runs and its output is frozen beside the post.
    monkeypatch.setattr(freezing, "cuda_available", lambda: True)
    ran = build_site(root)
    assert ran.kernels_started == 1
    frozen = json.loads((root / "content/posts/gpu/_freeze.json").read_text())
    entry = frozen["cells"]["gpu-time"]
    assert entry["outputs"][0]["text"] == "measured: 1.0 ms\n"
    assert entry["date"] and entry["device"] and entry["versions"]["python"]
    assert not (root / "public/posts/gpu/_freeze.json").exists(), "_freeze.json is not published"

    # Without a device, the frozen output is shown, marked as not re-run, with where it came from.
    entry["device"], entry["date"] = "NVIDIA H100 80GB HBM3", "2026-11-24"
    (root / "content/posts/gpu/_freeze.json").write_text(json.dumps(frozen))
    monkeypatch.setattr(freezing, "cuda_available", lambda: False)
    shown = build_site(root)
    assert shown.kernels_started == 0
    tree = page(root, "gpu")
    [status] = texts(tree, "cell-frozen")
    assert "not re-run in this build" in status and "NVIDIA H100 80GB HBM3, 2026-11-24" in status
    assert texts(tree, "cell-stdout") == ["measured: 1.0 ms\n"]

    # Frozen output of different code is not passed off as this code's.
    source = root / "content/posts/gpu/index.md"
    source.write_text(source.read_text().replace("1.0 ms", "2.0 ms"))
    stale = build_site(root)
    assert texts(page(root, "gpu"), "cell-stdout") == []
    assert any("different code" in str(w) for w in stale.warnings)


def _notebook(path: Path, *, metadata: dict[str, object], execute_code: str = "print('fresh')") -> None:
    png = base64.b64encode(PNG_MAGIC + b"not really a png").decode()
    nb = nbformat.v4.new_notebook()
    nb.metadata.update(metadata)
    nb.cells = [
        nbformat.v4.new_markdown_cell("# Notebook post\n\nSome $x^2$ math."),
        nbformat.v4.new_code_cell(
            execute_code,
            outputs=[
                nbformat.v4.new_output("stream", name="stdout", text="stored\n"),
                nbformat.v4.new_output("display_data", data={"image/png": png, "text/plain": "<Figure>"}),
            ],
        ),
    ]
    path.parent.mkdir(parents=True, exist_ok=True)
    nbformat.write(nb, str(path))


def test_notebook_post_shows_stored_outputs(tmp_path):
    root = make(tmp_path / "site", {})
    _notebook(root / "content/posts/nb-post.ipynb", metadata={"date": "2026-11-01", "tags": ["jupyter"]})
    result = build_site(root)
    assert result.kernels_started == 0, "stored outputs are shown as saved"
    tree = page(root, "nb-post")
    assert tree.findtext(".//h1") == "Notebook post", "the first heading is the title"
    assert texts(tree, "cell-stdout") == ["stored\n"]
    assert (root / "public/posts/nb-post/cell-1-1.png").read_bytes().startswith(PNG_MAGIC)
    assert tree.xpath("//*[local-name()='math']")


def test_notebook_post_executes_when_asked_and_needs_a_date(tmp_path):
    root = make(tmp_path / "site", {})
    _notebook(root / "content/posts/run.ipynb", metadata={"date": "2026-11-01", "execute": True})
    assert build_site(root).kernels_started == 1
    assert texts(page(root, "run"), "cell-stdout") == ["fresh\n"]

    _notebook(root / "content/posts/undated.ipynb", metadata={})
    with pytest.raises(BuildFailed) as failed:
        build_site(root)
    [error] = failed.value.errors
    assert error.message == "notebook has no date" and "notebook metadata" in error.hint


def test_demo_posts_build_executed_and_rebuild_without_kernels(demo_site):
    cold = build_site(demo_site)
    assert cold.kernels_started == 3
    gd = page(demo_site, "gradient-descent-line-by-line")
    assert any("after 30 steps" in t for t in texts(gd, "cell-stdout"))
    assert gd.xpath("//div[@class='cell-markdown']//table"), "the loss table"
    assert (demo_site / "public/posts/gradient-descent-line-by-line/fig-paths-1.png").read_bytes()[:8] == PNG_MAGIC
    autograd = page(demo_site, "autograd-in-90-lines")
    assert any("finite diff" in t for t in texts(autograd, "cell-stdout"))
    h100 = page(demo_site, "h100-microsecond")
    cpu = texts(h100, "cell-stdout")
    assert any(t.startswith("CPU matmul") and "GFLOP/s" in t for t in cpu)
    assert any("GB/s" in t for t in cpu)
    assert not any("GPU" in t for t in cpu), "no GPU number without a GPU"
    assert len(texts(h100, "cell-not-run")) == 2
    assert build_site(demo_site).up_to_date
    warm = build_site(demo_site, record=False)
    assert warm.kernels_started == 0 and warm.cells_run == 0 and warm.cells_cached == cold.cells_run
