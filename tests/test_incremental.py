"""Incremental rebuilds: the plan names exactly what an edit affects, and nothing else is touched."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

import pytest

from site_gen.build import build_site
from site_gen.errors import BuildFailed
from site_gen.incremental import Preview
from site_gen.layout import theme_dirs
from site_gen.output import MARKER
from site_gen.search import INDEX_DIR

POSTS = 200
TAGS = 5


def generate_site(root: Path, posts: int = POSTS) -> Path:
    """``posts`` posts, newest is p{posts-1}; post i is tagged t{i % TAGS}; 10 per page, 20 per feed."""
    (root / "content/posts").mkdir(parents=True)
    (root / "site.toml").write_text('title = "Generated"\nposts_per_page = 10\nfeed_size = 20\n', encoding="utf-8")
    for i in range(posts):
        (root / f"content/posts/p{i:03d}.md").write_text(
            f"---\ntitle: Post {i}\ndate: 2026-01-01T{i // 60:02d}:{i % 60:02d}:00\ntags: [t{i % TAGS}]\n---\n"
            f"Opening of post {i}, with $x^{{{i % 7}}}$.\n\n<!--more-->\n\nLater prose {i}.\n\n"
            f"```python\nx = {i}\n```\n",
            encoding="utf-8",
        )
    return root


@pytest.fixture
def site(tmp_path: Path) -> tuple[Path, Preview]:
    root = generate_site(tmp_path / "site")
    preview = Preview(root, tmp_path / "out")
    preview.rebuild()
    return root, preview


def mtimes(folder: Path) -> dict[str, int]:
    """Every page and file of the site, without site_gen's marker (which no plan lists) and the
    search index (the preview builds it in the background, see site_gen.search.BackgroundIndex)."""
    return {
        p.relative_to(folder).as_posix(): p.stat().st_mtime_ns
        for p in folder.rglob("*")
        if p.is_file() and p.name != MARKER and p.relative_to(folder).parts[0] != INDEX_DIR
    }


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new), encoding="utf-8")


def rebuild_and_diff(preview: Preview, changed: list[Path]) -> set[str]:
    before = mtimes(preview.output)
    result = preview.rebuild(changed)
    after = mtimes(preview.output)
    touched = {path for path in after if before.get(path) != after[path]} | (before.keys() - after.keys())
    assert touched == set(result.written)
    return touched


def test_first_build_matches_a_full_build(site: tuple[Path, Preview], tmp_path: Path) -> None:
    root, preview = site
    build_site(root, output=tmp_path / "public")
    full = {p: (tmp_path / "public" / p).read_bytes() for p in mtimes(tmp_path / "public")}
    assert {p: (preview.output / p).read_bytes() for p in mtimes(preview.output)} == full


def test_prose_edit_of_the_newest_post(site: tuple[Path, Preview]) -> None:
    root, preview = site
    post = root / "content/posts/p199.md"
    edit(post, "Opening of post 199", "A new opening for post 199")
    plan = preview.plan([post])
    assert plan.render == {
        "posts/p199/index.html",
        "index.html",  # home page 1 shows its summary
        "tags/t4/index.html",
        "tags/t4/feed.xml",
        "feed.xml",
        "archive/index.html",  # a listing it appears in (its bytes stay the same: titles only)
    }
    assert not plan.delete and not plan.full
    assert rebuild_and_diff(preview, [post]) == plan.render - {"archive/index.html"}


def test_prose_edit_of_an_older_post_below_the_summary(site: tuple[Path, Preview]) -> None:
    root, preview = site
    post = root / "content/posts/p100.md"
    edit(post, "Later prose 100", "Rewritten later prose 100")
    # Below <!--more-->: only the page itself and the feeds carrying full text.
    assert preview.plan([post]).render == {"posts/p100/index.html", "tags/t0/feed.xml"}
    assert rebuild_and_diff(preview, [post]) == {"posts/p100/index.html", "tags/t0/feed.xml"}
    # The neighbours' links did not change, so they were not rewritten.
    edit(post, "Opening of post 100", "New opening of post 100")
    assert preview.plan([post]).render == {
        "posts/p100/index.html",
        "page/10/index.html",  # 100th newest: the 10th home page
        "tags/t0/index.html",
        "tags/t0/feed.xml",  # 20th newest of t0: still in its feed
        "archive/index.html",
    }


def test_title_edit_reaches_the_neighbours(site: tuple[Path, Preview]) -> None:
    root, preview = site
    post = root / "content/posts/p100.md"
    edit(post, "title: Post 100", "title: Renamed 100")
    plan = preview.plan([post])
    assert {"posts/p099/index.html", "posts/p101/index.html", "archive/index.html", "sitemap.xml"} - plan.render == {
        "sitemap.xml"
    }
    assert "posts/p098/index.html" not in plan.render and "posts/p102/index.html" not in plan.render
    touched = rebuild_and_diff(preview, [post])
    assert {"posts/p099/index.html", "posts/p100/index.html", "posts/p101/index.html"} <= touched
    assert "Renamed 100" in (preview.output / "posts/p101/index.html").read_text(encoding="utf-8")


def test_template_edit_rerenders_the_pages_using_it(site: tuple[Path, Preview]) -> None:
    root, preview = site
    theme = theme_dirs()[0] / "templates"
    (root / "templates").mkdir()
    tag_template = (theme / "tag.html").read_text(encoding="utf-8").replace("All tags", "Every tag")
    (root / "templates/tag.html").write_text(tag_template, encoding="utf-8")
    plan = preview.plan([root / "templates/tag.html"])
    assert plan.render == {f"tags/t{i}/index.html" for i in range(TAGS)}
    assert rebuild_and_diff(preview, [root / "templates/tag.html"]) == plan.render

    # An included template: every page that imports a macro from it.
    post_list = (theme / "_post_list.html").read_text(encoding="utf-8").replace("Read more", "Continue")
    (root / "templates/_post_list.html").write_text(post_list, encoding="utf-8")
    plan = preview.plan([root / "templates/_post_list.html"])
    pages = {f"page/{n}/index.html" for n in range(2, POSTS // 10 + 1)} | {"index.html"}
    posts = {f"posts/p{i:03d}/index.html" for i in range(POSTS)}  # post.html imports post_meta from it
    assert plan.render == pages | posts | {f"tags/t{i}/index.html" for i in range(TAGS)}


def test_site_toml_rerenders_everything(site: tuple[Path, Preview]) -> None:
    root, preview = site
    edit(root / "site.toml", 'title = "Generated"', 'title = "Renamed"')
    plan = preview.plan([root / "site.toml"])
    assert plan.full
    assert plan.render == set(mtimes(preview.output))


def test_code_change_rerenders_everything(site: tuple[Path, Preview]) -> None:
    _, preview = site
    assert preview.plan([Path(__file__)]).render == set(mtimes(preview.output))


def test_static_file_edit_copies_only_that_file(site: tuple[Path, Preview]) -> None:
    root, preview = site
    (root / "static/css").mkdir(parents=True)
    css = root / "static/css/extra.css"
    css.write_text("body { color: red; }\n", encoding="utf-8")
    assert rebuild_and_diff(preview, [css]) == {"static/css/extra.css"}
    css.write_text("body { color: blue; }\n", encoding="utf-8")
    os.utime(css, ns=(1, 1))  # a different mtime, whatever the clock's resolution
    assert preview.plan([css]).render == {"static/css/extra.css"}


def test_new_and_deleted_posts(site: tuple[Path, Preview]) -> None:
    root, preview = site
    new = root / "content/posts/zzz.md"
    new.write_text("---\ntitle: Newest\ndate: 2027-01-01\ntags: [t9]\n---\nHello.\n", encoding="utf-8")
    plan = preview.plan([new])
    assert {"posts/zzz/index.html", "posts/p199/index.html", "tags/t9/index.html", "tags/index.html"} <= plan.render
    preview.rebuild([new])
    assert (preview.output / "posts/zzz/index.html").is_file()
    new.unlink()
    plan = preview.plan([new])
    # 201 posts needed a 21st home page; 200 do not.
    assert plan.delete == {"posts/zzz/index.html", "tags/t9/index.html", "tags/t9/feed.xml", "page/21/index.html"}
    preview.rebuild([new])
    assert not (preview.output / "posts/zzz").exists() and not (preview.output / "tags/t9").exists()


def test_a_failed_rebuild_keeps_the_last_good_output(site: tuple[Path, Preview]) -> None:
    root, preview = site
    post = root / "content/posts/p150.md"
    before = mtimes(preview.output)
    edit(post, "$x^{3}$", "$\\frac{1}{$")
    with pytest.raises(BuildFailed) as failed:
        preview.rebuild([post])
    assert failed.value.errors[0].path == Path("content/posts/p150.md")
    assert failed.value.errors[0].line == 6
    assert mtimes(preview.output) == before
    edit(post, "$\\frac{1}{$", "$x^{3}$")
    assert preview.rebuild([post]).written == frozenset()  # back to the last good build: nothing to write


def test_editor_temporary_files_are_ignored(site: tuple[Path, Preview], make_site: Callable[..., Path]) -> None:
    root, preview = site
    gone = root / "content/posts/.p001.md.swp"  # created and deleted before the rebuild ran
    assert preview.plan([gone]).render == set()


def test_diagram_edit_rerenders_the_posts_naming_it(site: tuple[Path, Preview]) -> None:
    root, preview = site
    (root / "diagrams").mkdir()
    diagram = root / "diagrams/loss-curve.json"
    diagram.write_text('{"nodes": [{"id": "a", "title": "Loss"}]}', encoding="utf-8")
    post = root / "content/posts/p042.md"
    edit(post, "Later prose 42.", "Later prose 42.\n\n![Loss](/diagrams/loss-curve.json)\n")
    preview.rebuild([post, diagram])
    renders = len(preview.cache)
    diagram.write_text('{"nodes": [{"id": "a", "title": "Lower loss"}]}', encoding="utf-8")
    preview.rebuild([diagram])
    assert len(preview.cache) == renders + 1  # p042 rendered again; no other post was


BIB = """@article{turing1950,
  author = {Turing, Alan},
  title = {Computing Machinery and Intelligence},
  journal = {Mind},
  year = {1950},
}
"""


def cited_site(root: Path) -> Path:
    """Two posts citing the site-wide bibliography (``refs/site.bib``, outside content/), one its own (a bundle's)."""
    generate_site(root, posts=3)
    (root / "site.toml").write_text('title = "Cited"\nbibliography = "refs/site.bib"\n', encoding="utf-8")
    (root / "refs").mkdir()
    (root / "refs/site.bib").write_text(BIB, encoding="utf-8")
    for name in ("c1", "c2"):
        (root / f"content/posts/{name}.md").write_text(
            f"---\ntitle: {name}\ndate: 2026-02-01\n---\nAs argued [@turing1950].\n", encoding="utf-8"
        )
    (root / "content/posts/own").mkdir()
    (root / "content/posts/own/refs.bib").write_text(BIB, encoding="utf-8")
    (root / "content/posts/own/index.md").write_text(
        "---\ntitle: own\ndate: 2026-02-02\nbibliography: refs.bib\n---\nSee [@turing1950].\n", encoding="utf-8"
    )
    return root


def test_editing_a_bibliography_rerenders_the_posts_citing_it(tmp_path: Path) -> None:
    root = cited_site(tmp_path / "site")
    preview = Preview(root, tmp_path / "out")
    preview.rebuild()
    page = preview.output / "posts/own/index.html"
    assert "Computing Machinery and Intelligence" in page.read_text(encoding="utf-8")

    own = root / "content/posts/own/refs.bib"
    edit(own, "Computing Machinery and Intelligence", "On Computable Numbers")
    assert "posts/own/index.html" in preview.plan([own]).render
    touched = rebuild_and_diff(preview, [own])
    assert "posts/own/index.html" in touched and "posts/c1/index.html" not in touched
    assert "On Computable Numbers" in page.read_text(encoding="utf-8")

    site_bib = root / "refs/site.bib"
    edit(site_bib, "{1950}", "{1936}")
    touched = rebuild_and_diff(preview, [site_bib])
    assert {"posts/c1/index.html", "posts/c2/index.html"} <= touched and "posts/own/index.html" not in touched
    assert "Turing, 1936" in (preview.output / "posts/c1/index.html").read_text(encoding="utf-8")
    assert preview.watched_files() == {own, site_bib}, "what the watcher must follow beyond its folders"


def test_a_no_change_build_notices_an_edited_bibliography(tmp_path: Path) -> None:
    root = cited_site(tmp_path / "site")
    assert not build_site(root).up_to_date
    assert build_site(root).up_to_date
    edit(root / "refs/site.bib", "{1950}", "{1936}")  # outside content/: the manifest must know it
    again = build_site(root)
    assert not again.up_to_date and "Turing, 1936" in (root / "public/posts/c1/index.html").read_text(encoding="utf-8")
    edit(root / "content/posts/own/refs.bib", "Computing Machinery", "Thinking Machinery")
    assert not build_site(root).up_to_date
    assert "Thinking Machinery" in (root / "public/posts/own/index.html").read_text(encoding="utf-8")
