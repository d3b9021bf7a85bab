"""``site-gen import``: blogs of other generators converted once, then built.

Small fixture blogs of our own (tests/fixtures/import/<generator>/) check each
construct an importer must handle; real posts nobody here wrote
(../shared/corpus/posts) measure how many build after import. Every check ends
in a real build and looks at the HTML: no raw TeX, Liquid, shortcodes or d2l
roles may be left in the text a reader sees.
"""

from __future__ import annotations

import hashlib
import re
import shutil
from html.parser import HTMLParser
from pathlib import Path

import pytest

from site_gen.build import build_site
from site_gen.cli import main
from site_gen.errors import BuildFailed, ContentError
from site_gen.importers import GENERATORS, MANIFEST, REPORT_NAME, import_blog

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
    site, report = imported("jekyll", tmp_path)
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
    assert html.count("<math") >= 8 and '<details><summary>' in html


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
    assert report.startswith(f"site-gen import jekyll {src}\n3 post(s) imported, 3 asset(s) copied")


def test_jekyll_permalinks_redirects_macros_and_config(tmp_path):
    site, _ = imported("jekyll", tmp_path)
    backprop = (site / "content/posts/backprop-by-hand.md").read_text(encoding="utf-8")
    assert "slug: backprop-by-hand" in backprop  # the permalink's last segment
    assert "date: '2021-04-01T09:30:00+02:00'" in backprop
    assert "| norm | $\\Vert{}w\\Vert{}$ |" in backprop  # "|" in a table cell's math would split the cell
    table = (site / "public/posts/backprop-by-hand/index.html").read_text(encoding="utf-8").split("<table")[1]
    assert table.count("<math") == 2
    assert "```python\n# kramdown would not touch this: $$x$$ {: .nope} {% raw %}" in backprop
    redirect = (site / "redirects/2021/gradient-descent/index.html").read_text(encoding="utf-8")
    assert '<meta http-equiv="refresh" content="0; url=/ml/posts/gradient-descent/">' in redirect
    assert '<link rel="canonical" href="https://notes.example.org/ml/posts/gradient-descent/">' in redirect
    assert (site / "redirects/backprop-by-hand/index.html").is_file()
    assert (site / "redirects/notes/probability/index.html").is_file()
    config = (site / "site.toml").read_text(encoding="utf-8")
    assert 'base_url = "https://notes.example.org/ml/"' in config
    assert 'R = "\\\\mathbb{R}"' in config and 'norm = "\\\\left\\\\lVert #1 \\\\right\\\\rVert"' in config
    page = (site / "content/posts/probability.md").read_text(encoding="utf-8")
    assert "title: Probability refresher" in page and "# Probability refresher" not in page
    assert not (site / "content/posts/README.md").exists()  # no front matter: not a Jekyll page


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
    post = site / "content/posts/backprop-by-hand.md"
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


def test_cli_import_prints_a_summary_and_writes_the_report(tmp_path, capsys):
    site = tmp_path / "site"
    assert main(["import", "jekyll", str(FIXTURES / "jekyll"), "--into", str(site)]) == 0
    out, err = capsys.readouterr()
    assert "3 post(s) imported" in out and REPORT_NAME in out
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
