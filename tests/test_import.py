"""``site-gen import``: blogs of other generators converted once, then built.

Small fixture blogs of our own (tests/fixtures/import/<generator>/) check each
construct an importer must handle; real posts nobody here wrote
(../shared/corpus/posts) measure how many build after import. Every check ends
in a real build and looks at the HTML: no raw TeX, Liquid, shortcodes or d2l
roles may be left in the text a reader sees.
"""

from __future__ import annotations

import contextlib
import hashlib
import html
import json
import os
import re
import shutil
from html.parser import HTMLParser
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from site_gen.build import build_site
from site_gen.cli import main
from site_gen.errors import BuildFailed, ContentError
from site_gen.importers import MANIFEST, REPORT_NAME, import_blog

from .conftest import SHARED, SHARED_MISSING

FIXTURES = Path(__file__).parent / "fixtures" / "import"
CORPUS = SHARED / "corpus" / "posts"
LEFTOVERS = ("$$", "\\frac", "{%", "{{<", "{{%", ":eqref:", ":numref:", ":label:", "{:")


class _Text(HTMLParser):
    """The text a reader sees: outside code, math, scripts and comments."""

    HIDDEN = frozenset({"code", "pre", "math", "script", "style", "svg", "title"})

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.depth = 0
        self.parts: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in self.HIDDEN:
            self.depth += 1

    def handle_endtag(self, tag: str) -> None:
        if tag in self.HIDDEN and self.depth:
            self.depth -= 1

    def handle_data(self, data: str) -> None:
        if not self.depth:
            self.parts.append(data)


def visible_text(html: str) -> str:
    parser = _Text()
    parser.feed(html)
    return "".join(parser.parts)


def article(site: Path, slug: str) -> str:
    """The text of one built post, without the site's navigation around it."""
    page = (site / "public" / "posts" / slug / "index.html").read_text(encoding="utf-8")
    return visible_text(page.split("<main", 1)[-1].split("</main>", 1)[0])


def leftovers(text: str) -> list[str]:
    return [mark for mark in LEFTOVERS if mark in text]


def tree_hashes(folder: Path) -> dict[str, str]:
    return {
        p.relative_to(folder).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


def imported(generator: str, tmp_path: Path, **options: object) -> tuple[Path, str]:
    """Import a fixture blog into a fresh site, build it, and return (site, report)."""
    src = FIXTURES / generator
    before = tree_hashes(src)
    site = tmp_path / "site"
    result = import_blog(generator, src, site, **options)  # type: ignore[arg-type]
    assert tree_hashes(src) == before, "the import changed SRC"
    build_site(site, jobs=1, use_cache=False)
    return site, result.report_text


# --------------------------------------------------------------------------
# Jekyll


def test_jekyll_kramdown_math_liquid_and_assets(tmp_path):
    site, _ = imported("jekyll", tmp_path)
    post = (site / "content/posts/gradient-descent/index.md").read_text(encoding="utf-8")
    assert "date: '2021-03-04'" in post  # from the file name
    assert "- optimization\n- calculus\n- notes" in post  # space-separated tags, then categories
    assert "$L(\\theta)$" in post and "$$\n\\theta_{t+1}" in post  # inline $$ -> $, display kept
    assert "\\( \\eta \\)" in post and "\\[ 0 < \\eta" in post  # kramdown's \\( and \\[
    assert "2\\(\\times\\)" in post  # a digit beside: $ would not be math there
    assert "```python {linenos=true}" in post and "costs $$ nothing" in post  # code untouched
    assert "{{ not_a_variable }}" in post  # {% raw %} kept as written
    assert "**Takeaway.** A smaller step is never wrong" in post  # a plain include, inlined
    assert "[backpropagation](/posts/backprop-by-hand/)" in post  # post_url
    assert "![Loss per step](loss-curve.png)" in post and "(step-size.png)" in post
    assert '![Level sets of a quadratic](contours.svg "Level sets of a quadratic")' in post
    uncommented = re.sub(r"<!--.*?-->", "", post.replace("{% not_a_tag %}", ""), flags=re.S)
    assert "{:" not in uncommented and "{%" not in uncommented  # what was not converted is an HTML comment
    for name in ("loss-curve.png", "contours.svg", "step-size.png"):
        assert (site / "content/posts/gradient-descent" / name).is_file()
    text = article(site, "gradient-descent")
    assert leftovers(text.replace("{% not_a_tag %}", "")) == []
    assert "Where does the 2/λ come from?" in text
    html = (site / "public/posts/gradient-descent/index.html").read_text(encoding="utf-8")
    assert html.count("<math") >= 8 and "<details><summary>" in html


def test_jekyll_report_names_each_construct_with_its_line(tmp_path):
    site, report = imported("jekyll", tmp_path)
    src = FIXTURES / "jekyll"
    post = f"{src}/_posts/2021-03-04-gradient-descent.md"
    assert f"{post}:11: warning: kramdown '{{:toc}}' removed" in report
    assert f"{post}:22: warning: kramdown attribute list removed: '{{: .key-result}}'" in report
    assert f"{post}:44: warning: include not found under _includes/: 'newsletter.html'" in report
    assert f"{post}:42: warning: include 'citation.html' has Liquid logic" in report
    assert f"{post}:55: warning: Liquid control tag not converted: '{{% if %}}'" in report
    assert (site / REPORT_NAME).read_text(encoding="utf-8") == report
    assert report.startswith(f"site-gen import jekyll {src}\n4 post(s) imported, 4 asset(s) copied")


def test_jekyll_permalinks_redirects_macros_and_config(tmp_path):
    site, _ = imported("jekyll", tmp_path)
    backprop = (site / "content/posts/backprop-by-hand/index.md").read_text(encoding="utf-8")
    assert "slug: backprop-by-hand" in backprop  # the permalink's last segment
    assert "date: '2021-04-01T09:30:00+02:00'" in backprop
    assert "| norm | $\\Vert{}w\\Vert{}$ |" in backprop  # "|" in a table cell's math would split the cell
    table = (site / "public/posts/backprop-by-hand/index.html").read_text(encoding="utf-8").split("<table")[1]
    table = table.split("</table>")[0]
    assert table.count("<math") == 2
    assert "```python\n# kramdown would not touch this: $$x$$ {: .nope} {% raw %}" in backprop
    assert "\\begin{equation}\n\\|\\nabla_w L\\| \\le \\|x\\|\n\\end{equation}" in backprop  # kramdown's escapes
    assert '<div class="lemma">\n\nInside raw HTML' in backprop  # opened up for our parser
    assert "a &= b \\\\\nc &= d" in backprop and "$\\sigma(z) = 1/(1+e^{-z})$ too." in backprop
    redirect = (site / "redirects/2021/gradient-descent/index.html").read_text(encoding="utf-8")
    assert '<meta http-equiv="refresh" content="0; url=/ml/posts/gradient-descent/">' in redirect
    assert '<link rel="canonical" href="https://notes.example.org/ml/posts/gradient-descent/">' in redirect
    assert (site / "redirects/backprop-by-hand/index.html").is_file()
    assert (site / "redirects/2021/04/01/backprop.html").is_file()  # redirect_from
    assert "gradient-descent/).\n<!--more-->\n" in backprop  # excerpt_separator
    assert "*[SGD]" not in backprop
    assert "[step-size plot](step-size.png)" in backprop and "[first post](/posts/gradient-descent/)" in backprop
    assert (site / "redirects/notes/probability/index.html").is_file()
    config = (site / "site.toml").read_text(encoding="utf-8")
    assert 'base_url = "https://notes.example.org/ml/"' in config
    assert 'R = "\\\\mathbb{R}"' in config and 'norm = "\\\\left\\\\lVert #1 \\\\right\\\\rVert"' in config
    page = (site / "content/posts/probability.md").read_text(encoding="utf-8")
    assert "title: Probability refresher" in page and "# Probability refresher" not in page
    assert not (site / "content/posts/README.md").exists()  # no front matter: not a Jekyll page
    assert "draft: true" in (site / "content/posts/adam.md").read_text(encoding="utf-8")  # _drafts/


def test_jekyll_on_commonmark_keeps_dollar_dollar_as_display(tmp_path):
    """Without kramdown, MathJax read every ``$$…$$`` as display math, and ``{: x}`` was only text."""
    src = tmp_path / "blog"
    (src / "_posts").mkdir(parents=True)
    (src / "_config.yml").write_text("markdown: CommonMarkGhPages\n", encoding="utf-8")
    (src / "_posts/2020-02-02-cm.md").write_text(
        "---\ntitle: CM\n---\nThe sum $$\\sum_i x_i$$ and \\\\( y \\\\), literally {: .x}.\n", encoding="utf-8"
    )
    import_blog("jekyll", src, tmp_path / "site")
    post = (tmp_path / "site/content/posts/cm.md").read_text(encoding="utf-8")
    assert "The sum $$\\sum_i x_i$$ and \\( y \\), literally {: .x}." in post


# --------------------------------------------------------------------------
# Idempotence and safety


def test_a_second_import_writes_the_same_bytes_and_never_touches_src(tmp_path):
    src = FIXTURES / "jekyll"
    before = tree_hashes(src)
    site = tmp_path / "site"
    import_blog("jekyll", src, site)
    first = tree_hashes(site)
    result = import_blog("jekyll", src, site)
    assert tree_hashes(site) == first
    assert result.written == 0 and result.unchanged == len(first) - 1  # all but the manifest
    assert tree_hashes(src) == before


def test_import_refuses_content_it_did_not_write(tmp_path):
    site = tmp_path / "site"
    (site / "content/posts").mkdir(parents=True)
    (site / "content/posts/mine.md").write_text("---\ntitle: Mine\ndate: 2020-01-01\n---\n", encoding="utf-8")
    with pytest.raises(ContentError, match="not written by site-gen import"):
        import_blog("jekyll", FIXTURES / "jekyll", site)
    assert not (site / MANIFEST).exists()
    import_blog("jekyll", FIXTURES / "jekyll", site, force=True)
    assert (site / "content/posts/mine.md").is_file()  # --force writes ours, leaves the rest


def test_an_edited_post_is_not_overwritten_without_force(tmp_path):
    site = tmp_path / "site"
    import_blog("jekyll", FIXTURES / "jekyll", site)
    post = site / "content/posts/backprop-by-hand/index.md"
    post.write_text(post.read_text(encoding="utf-8") + "\nMy own note.\n", encoding="utf-8")
    with pytest.raises(ContentError, match="edited since the last import"):
        import_blog("jekyll", FIXTURES / "jekyll", site)
    config = site / "site.toml"
    config.write_text(config.read_text(encoding="utf-8") + 'author = "Me"\n', encoding="utf-8")
    import_blog("jekyll", FIXTURES / "jekyll", site, force=True)
    assert 'author = "Me"' in config.read_text(encoding="utf-8")  # an edited site.toml is left alone


def test_into_inside_src_is_refused(tmp_path):
    src = tmp_path / "blog"
    shutil.copytree(FIXTURES / "jekyll", src)
    with pytest.raises(ContentError, match="inside SRC"):
        import_blog("jekyll", src, src / "new")
    with pytest.raises(ContentError, match="no such folder"):
        import_blog("jekyll", tmp_path / "missing", tmp_path / "site")


def test_links_out_of_src_or_dir_are_not_followed(tmp_path):
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "secret.md").write_text("---\ntitle: Secret\n---\nnot yours\n", encoding="utf-8")
    src = tmp_path / "blog"
    shutil.copytree(FIXTURES / "jekyll", src)
    (src / "_posts/2021-05-05-secret.md").symlink_to(outside / "secret.md")
    (src / "_posts/2021-06-06-latin.md").write_bytes(b"---\ntitle: Caf\xe9\n---\nna\xefve\n")
    site = tmp_path / "site"
    result = import_blog("jekyll", src, site)
    assert "_posts/2021-05-05-secret.md:1: warning: a link to a file outside SRC: not imported" in result.report_text
    assert "_posts/2021-06-06-latin.md:2: warning: not UTF-8" in result.report_text
    assert not list(site.rglob("secret*"))
    target = tmp_path / "elsewhere"
    target.mkdir()
    shutil.rmtree(site / "content/posts")
    (site / "content/posts").symlink_to(target)
    with pytest.raises(ContentError, match="leads outside DIR"):
        import_blog("jekyll", src, site, force=True)
    assert not any(target.iterdir())


def test_cli_import_prints_a_summary_and_writes_the_report(tmp_path, capsys):
    site = tmp_path / "site"
    assert main(["import", "jekyll", str(FIXTURES / "jekyll"), "--into", str(site)]) == 0
    out, err = capsys.readouterr()
    assert "4 post(s) imported" in out and REPORT_NAME in out
    assert "warning: kramdown '{:toc}' removed" in err
    assert main(["import", "jekyll", str(tmp_path / "nope"), "--into", str(site)]) == 1
    assert "error: no such folder" in capsys.readouterr().err


def test_cli_macros_file(tmp_path):
    macros = tmp_path / "macros.toml"
    macros.write_text('E = "\\\\mathbb{E}"\n', encoding="utf-8")
    site = tmp_path / "site"
    assert main(["import", "jekyll", str(FIXTURES / "jekyll"), "--into", str(site), "--macros", str(macros)]) == 0
    assert 'E = "\\\\mathbb{E}"' in (site / "site.toml").read_text(encoding="utf-8")
    macros.write_text("E = [1]\n", encoding="utf-8")
    assert main(["import", "jekyll", str(FIXTURES / "jekyll"), "--into", str(site), "--macros", str(macros)]) == 1


# --------------------------------------------------------------------------
# fastpages


def test_fastpages_posts_notebooks_and_word_files(tmp_path):
    site, report = imported("fastpages", tmp_path)
    post = (site / "content/posts/why-fastpages/index.md").read_text(encoding="utf-8")
    assert "summary: Notes on writing a blog from notebooks." in post and "- meta\n- jupyter" in post
    assert "::: warning\nOutputs are saved with the notebook.\n:::" in post  # alert.html
    assert "::: note\nMath works: $e^{i\\pi} + 1 = 0$.\n:::" in post  # info.html, kramdown math inside
    assert "::: tip\nkeep one idea per post.\n:::" in post  # "> Tip:" shorthand
    assert "youtube-nocookie.com/embed/dQw4w9WgXcQ" in post and '![](logo.png "The logo")' in post
    notebook = json.loads((site / "content/posts/least-squares.ipynb").read_text(encoding="utf-8"))
    cells = ["".join(cell["source"]) for cell in notebook["cells"]]
    assert cells[0].startswith("---\ntitle: Least squares, three ways\ndate: '2020-06-01'\ntags:\n- linear-algebra")
    assert "summary: Normal equations, QR and gradient descent on one small problem." in cells[0]
    assert cells[1].startswith("#| echo: false\n#| output: false\nimport numpy")  # #hide
    assert "$X^\\top X w = X^\\top y$" in cells[2] and "::: note\nnever invert" in cells[2]
    assert cells[3].startswith("X = rng.normal")  # the #collapse-hide flag is gone, and reported
    assert "![Residuals](/static/posts/least-squares/residuals.png)" in cells[5]
    assert (site / "static/posts/least-squares/residuals.png").is_file()
    assert ": cell 3, line 1: warning: collapsed cell shown open: '#collapse-hide'" in report
    assert "_word/2020-07-01-lab-report.docx:1: warning: Word document not imported" in report
    assert (site / "redirects/meta/jupyter/2020/05/01/why-fastpages.html").is_file()  # Jekyll's default URLs
    for slug in ("why-fastpages", "least-squares"):
        assert leftovers(article(site, slug)) == []
    assert "[ 1.  -2.   0.5]" in (site / "public/posts/least-squares/index.html").read_text(encoding="utf-8")


# --------------------------------------------------------------------------
# Hugo


def test_hugo_shortcodes_front_matter_and_bundles(tmp_path):
    macros = tmp_path / "macros.toml"
    macros.write_text('Ent = "\\\\mathrm{H}"\n', encoding="utf-8")
    first = import_blog("hugo", FIXTURES / "hugo", tmp_path / "site").report_text
    bundle_src = FIXTURES / "hugo" / "content/posts/softmax/index.md"
    assert f"{bundle_src}:20: warning: TeX macro \\Ent is used but defined nowhere in SRC" in first
    with pytest.raises(BuildFailed, match="1 error"):
        build_site(tmp_path / "site", jobs=1, use_cache=False)  # the build names it too
    site, report = imported("hugo", tmp_path, macros=macros)  # the same folder: an import replaces its own files
    assert "Ent" not in report
    post = (site / "content/posts/attention/index.md").read_text(encoding="utf-8")
    assert "date: '2022-02-14T08:00:00+01:00'\nupdated: '2022-03-01'" in post  # TOML front matter
    assert "- transformers\n- attention\n- deep-learning" in post
    assert "$$\n\\mathrm{Attention}(Q, K, V)" in post  # {{< math >}}
    assert '```python {linenos=true hl_lines="2"}\ndef attention' in post  # {{< highlight >}}
    assert '![Eight heads](heads.svg "Eight heads")' in post  # {{< figure >}}, from static/
    assert "::: warning\nMasking happens **before** the softmax.\n:::" in post  # {{% callout %}}
    assert "[softmax post](/posts/softmax-temperature/) for CS-101." in post  # ref and param
    assert "// shown as written: {{< highlight go >}}" in post  # code is left alone
    bundle = (site / "content/posts/softmax-temperature/index.md").read_text(encoding="utf-8")
    assert "![Temperature](temperature.png)" in bundle and "::: tip\nLower $T$" in bundle
    assert (site / "content/posts/softmax-temperature/temperature.png").is_file()
    assert (site / "redirects/2022/02/attention/index.html").is_file()  # [permalinks] posts = /:year/:month/:slug/
    assert (site / "redirects/notes/softmax/index.html").is_file()  # aliases
    assert not list((site / "content").rglob("_index*"))
    src = FIXTURES / "hugo" / "content/posts/attention.md"
    assert f"{src}:34: warning: shortcode not converted: 'mermaid' (its content kept)" in report
    assert f"{src}:42: warning: shortcode not converted: 'unknown-widget' (kept as a comment)" in report
    assert report.count("unknown-widget") == 1
    for slug in ("attention", "softmax-temperature"):
        assert leftovers(article(site, slug)) == []


# --------------------------------------------------------------------------
# Pelican


def test_pelican_headers_static_links_and_liquid_tags(tmp_path):
    site, report = imported("pelican", tmp_path)
    post = (site / "content/posts/k-means-from-scratch/index.md").read_text(encoding="utf-8")
    assert "title: k-means from scratch\ndate: '2019-11-02T10:20:00'\nupdated: '2019-11-05'" in post
    assert "- clustering\n- numpy\n- Machine Learning" in post  # Tags: by comma; Category: whole
    assert "![Clusters](clusters.png)" in post  # {static}
    assert "Assign each point to its nearest centre" in post and "```text\n(3, 2)\n```" in post  # cells[1:3]
    assert "Repeat until nothing moves." not in post  # outside the slice
    assert "![Output of the cell above](kmeans-output-1.png)" in post
    assert (site / "content/posts/k-means-from-scratch/kmeans-output-1.png").read_bytes().startswith(b"\x89PNG")
    assert '```python {filename="The whole loop"}\ndef kmeans' in post  # include_code
    assert '<video controls src="/videos/kmeans.mp4" poster="clusters.png"></video>' in post
    assert '![Three clusters](clusters.png "Three clusters")' in post  # {% img %}
    assert "[the PCA notebook](/posts/pca/)" in post  # {filename}
    notebook = json.loads((site / "content/posts/pca.ipynb").read_text(encoding="utf-8"))
    front = "".join(notebook["cells"][0]["source"])
    assert front.startswith("---\ntitle: PCA in one cell\ndate: '2019-12-01'\ntags:\n- linear algebra\nslug: pca")
    assert (site / "redirects/2019/k-means-from-scratch.html").is_file()  # ARTICLE_URL
    assert "content/gmm.rst:1: warning: reStructuredText post not imported" in report
    assert "content/kmeans.md:22: warning: liquid_tags tag not converted: '{% graphviz %}'" in report
    assert "content/kmeans.md:26: warning: '[TOC]' removed" in report and "[TOC]" not in post
    assert "content/kmeans.md:28: warning: abbreviation removed: 'PCA'" in report and "*[PCA]" not in post
    for slug in ("k-means-from-scratch", "pca"):
        assert leftovers(article(site, slug)) == []


# --------------------------------------------------------------------------
# d2l


def test_d2l_roles_labels_and_one_framework(tmp_path):
    site, report = imported("d2l", tmp_path)
    post = (site / "content/posts/softmax.md").read_text(encoding="utf-8")
    assert post.startswith("---\ntitle: Softmax Regression\n") and "execute: false" in post
    assert "$$\\hat{y}_i = \\frac{\\exp(o_i)}{\\sum_j \\exp(o_j)}.$$ (eq_softmax)" in post
    assert "By \\eqref{eq_softmax}" in post and "[Bridle.1990]" in post
    assert "[Multilayer Perceptrons](/posts/mlp/)" in post and "[Fig. 1](/posts/mlp/#fig_mlp)" in post
    assert "[The Loss](#the-loss)" in post  # a section label: the heading's id
    assert "import torch" in post and "mxnet" not in post.replace("MXNet", "") and "tensorflow" not in post
    assert "PyTorch users call" in post and "MXNet users" not in post  # :begin_tab:
    assert "```{python}\ndef cross_entropy" in post and "%%tab" not in post and "d2lbook" not in post
    mlp = (site / "content/posts/mlp/index.md").read_text(encoding="utf-8")
    assert '<div id="fig_mlp"></div>\n\n![An MLP with one hidden layer.](mlp.svg)' in mlp
    assert "[Fig. 1](#fig_mlp) has five hidden units" in mlp
    chapter = (site / "content/posts/chapter_basics.md").read_text(encoding="utf-8")
    assert "- [softmax](/posts/softmax/)\n- [mlp](/posts/mlp/)" in chapter
    src = FIXTURES / "d2l" / "chapter_basics"
    assert f"{src}/softmax.md:16: warning: reference to a label no imported file defines" in report
    assert f"{src}/mlp.md:8: warning: image width dropped" in report
    assert (site / "redirects/chapter_basics/softmax.html").is_file()
    for slug in ("softmax", "mlp", "chapter_basics"):
        assert leftovers(article(site, slug)) == []
    assert 'id="eq_softmax"' in (site / "public/posts/softmax/index.html").read_text(encoding="utf-8")


# --------------------------------------------------------------------------
# Goldens: every file an import writes, so a change in any converter shows as a diff

GOLDEN = Path(__file__).parent / "golden" / "import"


@pytest.mark.parametrize("generator", ["jekyll", "fastpages", "hugo", "pelican", "d2l"])
def test_golden_import(generator, tmp_path):
    src = tmp_path / "src"
    shutil.copytree(FIXTURES / generator, src)
    for path in src.rglob("*"):
        os.utime(path, (1_600_000_000, 1_600_000_000))  # d2l's posts are dated by their files: a fixed time
    site = tmp_path / "site"
    import_blog(generator, src, site)
    parts = []
    for path in sorted(p for p in site.rglob("*") if p.is_file() and p.name != MANIFEST):
        data = path.read_bytes()
        text = data.decode("utf-8") if path.suffix in (".md", ".ipynb", ".html", ".toml", ".txt") else None
        shown = f"<{len(data)} bytes>\n" if text is None else text.replace(str(src), "SRC")
        parts.append(f"=== {path.relative_to(site).as_posix()}\n{shown}")
    output = "".join(parts)
    golden = GOLDEN / f"{generator}.txt"
    if os.environ.get("UPDATE_GOLDEN") or not golden.exists():
        golden.parent.mkdir(parents=True, exist_ok=True)
        golden.write_text(output, encoding="utf-8")
    assert output == golden.read_text(encoding="utf-8"), f"UPDATE_GOLDEN=1 if {generator}.txt should change"


# --------------------------------------------------------------------------
# Real posts nobody here wrote: how many build after import


# Each corpus file laid out as it sat in its blog (see ../shared/corpus/posts/SOURCES.md): one blog per source.
CORPUS_BLOGS: dict[str, tuple[str, dict[str, str] | str]] = {
    "cs228": (
        "jekyll",
        {
            "cs228__learning-latent.md": "learning/latent/index.md",
            "cs228__inference-variational.md": "inference/variational/index.md",
        },
    ),
    "cs231n": ("jekyll", ""),
    "iclr2023": ("jekyll", "_posts"),
    "iclr2024": ("jekyll", "_posts"),
    "iclr2025": ("jekyll", "_posts"),
    "scaling-book": ("jekyll", ""),
    "fastpages": ("fastpages", "_posts"),
    "d2l": (
        "d2l",
        {
            "d2l__linear-regression.md": "chapter_linear-regression/linear-regression.md",
            "d2l__information-theory.md": "chapter_appendix-mathematics-for-deep-learning/information-theory.md",
        },
    ),
}
# cs228's posts use \E and \tp, which the snapshot's site never defines (its MathJax shows them as errors):
# the import reports nothing wrong with them, the build names them, and the author adds them like this.
CS228_MACROS = 'E = "\\\\mathbb{E}"\ntp = "\\\\tilde{p}"\n'


def _corpus_blog(name: str, tmp_path: Path) -> Path:
    src = tmp_path / name / "src"
    where = CORPUS_BLOGS[name][1]
    for post in sorted(CORPUS.glob(f"{name}__*.md")):
        rel = where[post.name] if isinstance(where, dict) else f"{where}/{post.name.split('__', 1)[1]}".lstrip("/")
        (src / rel).parent.mkdir(parents=True, exist_ok=True)
        (src / rel).write_bytes(post.read_bytes())
    if name == "fastpages":
        notebook = SHARED / "corpus/notebooks/extra/fastpages__2020-02-21-introducing-fastpages.ipynb"
        (src / "_notebooks").mkdir()
        (src / "_notebooks" / notebook.name.split("__", 1)[1]).write_bytes(notebook.read_bytes())
    return src


def _build_what_builds(site: Path) -> list[str]:
    """Build; drop each post the build rejects and build again, so the rest can be looked at."""
    rejected: list[str] = []
    for _ in range(30):
        try:
            build_site(site, jobs=1, use_cache=False)
            return rejected
        except BuildFailed as failed:
            for error in failed.errors:
                rejected.append(str(error).splitlines()[0])
                path = site / error.path if error.path and not Path(error.path).is_absolute() else error.path
                if path is not None and Path(path).is_file():
                    Path(path).unlink()
    raise AssertionError("the build kept failing")


@pytest.mark.skipif(not CORPUS.is_dir(), reason=SHARED_MISSING)
def test_real_posts_build_after_import_with_nothing_raw_left(tmp_path):
    macros = tmp_path / "cs228-macros.toml"
    macros.write_text(CS228_MACROS, encoding="utf-8")
    figures: dict[str, list[int]] = {}
    problems: list[str] = []
    for name, (generator, _) in CORPUS_BLOGS.items():
        src = _corpus_blog(name, tmp_path)
        before = tree_hashes(src)
        site = tmp_path / name / "site"
        result = import_blog(generator, src, site, macros=macros if name == "cs228" else None)
        assert tree_hashes(src) == before
        rejected = _build_what_builds(site)
        problems += [f"{name}: {line}" for line in rejected]
        built = [p for p in result.posts if (site / "public/posts" / p.source.slug / "index.html").is_file()]
        with_leftovers = 0
        for post in built:
            found = leftovers(article(site, post.source.slug))
            if found:
                with_leftovers += 1
                problems.append(f"{name}/{post.source.slug}: left in the text: {found}")
        counts = figures.setdefault(generator, [0, 0, 0, 0])
        counts[0] += len(result.posts)
        counts[1] += len(built)
        counts[2] += with_leftovers
        counts[3] += result.report.posts_with_findings()
    print("\nimport of ../shared/corpus/posts: generator: imported / built / with raw leftovers / with findings")
    for generator, (posts, built_n, raw, reported) in figures.items():
        print(f"  {generator}: {posts} / {built_n} / {raw} / {reported}")
    for problem in problems:
        print("  ", problem)
    total = sum(c[0] for c in figures.values())
    built_total = sum(c[1] for c in figures.values())
    assert total == 22  # 21 Markdown posts and a fastpages notebook
    assert built_total >= 0.95 * total, problems
    assert sum(c[2] for c in figures.values()) == 0, problems


# --------------------------------------------------------------------------
# Any text: a finding or a ContentError, never a traceback

_PIECES = st.sampled_from(
    ["$$", "$", "\\\\(", "\\\\)", "\\begin{equation}", "\\end{equation}", "{%", "%}", "{{", "}}", "{{<", ">}}",
     "{{%", "%}}", "{:", "}", "{% raw %}", "{% endraw %}", "{% include figure.html path=", '"', "```", "\n", "\n\n",
     "<div>", "</div>", '<p markdown="1">', "</p>", ":label:`x`", ":eqref:`x`", ":numref:`", "%%tab pytorch", "![a](",
     ")", "[^1]", "<d-footnote>", "</d-footnote>", "x", " ", "|", "&amp;", "{% notebook a.ipynb cells[1:2] %}"]
)  # fmt: skip


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(body=st.lists(st.one_of(_PIECES, st.text(max_size=5)), max_size=40).map("".join))
def test_any_post_text_imports_without_a_crash(tmp_path_factory, body):
    src = tmp_path_factory.mktemp("src")
    (src / "_posts").mkdir()
    (src / "_posts/2020-01-01-x.md").write_text(f"---\ntitle: X\n---\n{body}", encoding="utf-8")
    (src / "content").mkdir()
    (src / "content/x.md").write_text(f"Title: X\nDate: 2020-01-01\n\n{body}", encoding="utf-8")
    (src / "chapter").mkdir()
    (src / "chapter/x.md").write_text(f"# X\n{body}", encoding="utf-8")
    for generator in ("jekyll", "hugo", "pelican", "d2l"):
        with contextlib.suppress(ContentError):  # a ContentError is a clean refusal; anything else is a bug
            import_blog(generator, src, tmp_path_factory.mktemp(generator))


def test_hugo_fence_attributes_and_a_fence_inside_a_fence(tmp_path):
    """Attributes Hugo ignores are dropped, Hugo's own are spelled ours; a fence indented inside
    another is code, so the shortcodes after the outer one are still converted."""
    src = Path(__file__).parent / "fixtures" / "hugo_fences"
    site = tmp_path / "site"
    report = import_blog("hugo", src, site).report_text
    assert f"{src / 'content/posts/mindmap.md'}:8: warning: code fence attributes dropped: height" in report
    post = (site / "content/posts/mindmap.md").read_text(encoding="utf-8")
    assert "```markmap\n" in post
    assert '```python {linenos=true hl_lines="2 3-4" linenostart=10}\n' in post
    build_site(site, jobs=1, use_cache=False)
    page = (site / "public/posts/mindmap/index.html").read_text(encoding="utf-8")
    assert 'class="callout callout-note"' in page and "<math" in page
    assert "youtube" in page
    text = article(site, "mindmap")
    assert leftovers(text) == [] and "{{" not in text


def test_pelican_pandoc_header_references_and_equation_labels(tmp_path):
    """A Pandoc-flavoured Pelican post (issue 12, kdheepak/blog): its ``references:`` header becomes the
    post's .bib, pandoc-crossref's ``{#eq:x}`` / ``{@eq:x}`` / ``[@eq:x]`` / ``@eq:x`` our labels and
    references, ``date``'s Unix spelling a date; a header with no blank line after it still ends there."""
    src = Path(__file__).parent / "fixtures" / "pelican_pandoc"
    site = tmp_path / "site"
    report = import_blog("pelican", src, site).report_text
    assert "date not understood" not in report and "no title" not in report
    assert "references" not in report  # imported, so not among the keys left behind
    bib = (site / "content/posts/towers-of-drops/references.bib").read_text(encoding="utf-8")
    assert "@misc{someone2012," in bib and "author = {Writer, Some}" in bib and "year = {2012}" in bib
    post = (site / "content/posts/towers-of-drops/index.md").read_text(encoding="utf-8")
    assert "bibliography: references.bib" in post and "date: '2015-09-20T10:01:48'" in post
    assert "$$ (eq:one)" in post and 'print("{@eq:one} stays code")' in post
    build_site(site, jobs=1, use_cache=False)
    text = article(site, "towers-of-drops")
    assert "{#eq" not in text and "{@eq" not in text and "@eq:" not in text and "[@" not in text
    assert "Writer" in text and "2012" in text  # the citation, formatted, and the reference list
    page = (site / "public/posts/towers-of-drops/index.html").read_text(encoding="utf-8")
    assert page.count('href="#eq-one"') == 3 and 'class="eq-number"' in page
    assert leftovers(text) == []
    first = (site / "content/posts/header-then-text.md").read_text(encoding="utf-8")
    assert "title: Header lines, then the text at once" in first and "2014-11-04T13:12:00-07:00" in first
    assert "The first line after the header is text" in article(site, "header-then-text")


def test_hugo_theme_callouts_and_a_lone_katex_switch(tmp_path):
    """Themes' own callouts (``{{< note >}}``, ``{{< warning >}}``, ``{{< box info >}}``) become ours,
    Blowfish's lone ``{{< katex >}}`` (load KaTeX on this page) goes without a finding, and a paired
    katex shortcode inside a sentence stays inline math (issue 12)."""
    src = Path(__file__).parent / "fixtures" / "hugo_theme_shortcodes"
    site = tmp_path / "site"
    report = import_blog("hugo", src, site).report_text
    assert "shortcode not converted" not in report
    build_site(site, jobs=1, use_cache=False)
    page = (site / "public/posts/softmax/index.html").read_text(encoding="utf-8")
    assert 'class="callout callout-note"' in page and 'class="callout callout-warning"' in page
    assert page.count("callout callout-note") == 2  # the note and the info box
    assert "<p>Some sources write <math" in page  # inline: the sentence goes on around it
    text = article(site, "softmax")
    assert leftovers(text) == [] and "{{" not in text and "katex" not in text


def test_tex_that_is_not_math_is_kept_as_latex_code(tmp_path):
    """``\\begin{algorithm}`` or ``\\begin{tikzpicture}`` between ``$$`` (issue 12, PinkBro05/blog-portfolio)
    and ``\\usepackage`` inline are no formulas any typesetter takes: they stay visible as LaTeX code, each
    named in the report with its line, and the post builds; an undefined macro still asks for --macros."""
    src = Path(__file__).parent / "fixtures" / "hugo_not_math"
    macros = tmp_path / "macros.toml"
    macros.write_text('E = "\\\\mathbb{E}"\n', encoding="utf-8")
    site = tmp_path / "site"
    report = import_blog("hugo", src, site).report_text
    post = src / "content/posts/pseudocode.md"
    kept = "is not math site_gen can typeset; kept as"
    assert f"{post}:9: warning: could not convert: \\begin{{algorithm}} {kept} a LaTeX code block" in report
    assert f"{post}:29: warning: could not convert: \\begin{{tikzpicture}} {kept} a LaTeX code block" in report
    assert f"{post}:34: warning: could not convert: \\usepackage {kept} inline code" in report
    assert f"{post}:34: warning: TeX macro \\E is used but defined nowhere in SRC" in report
    assert "\\usepackage is used" not in report
    import_blog("hugo", src, site, macros=macros)
    build_site(site, jobs=1, use_cache=False)
    page = (site / "public/posts/pseudocode/index.html").read_text(encoding="utf-8")
    main_part = page.split("<main", 1)[-1].split("</main>", 1)[0]
    assert main_part.count('<code class="language-latex">') == 2
    code = html.unescape(re.sub(r"<[^>]+>", "", main_part))
    assert "\\begin{algorithmic}" in code and "\\draw[->] (0,0)" in code  # highlighted, every character kept
    assert "<code>\\usepackage{tikz}</code>" in main_part
    assert main_part.count("<math") >= 3  # the prose's formulas and the loss are still math
    assert "$$" not in page
    text = article(site, "pseudocode")
    assert leftovers(text) == [] and "\\begin" not in text
