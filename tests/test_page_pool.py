"""Post pages laid out by worker processes (site_gen.page_pool) are the parent's bytes, whatever
the cache, the output's state or the search index, and their errors read as the parent's."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from site_gen import page_pool, search
from site_gen.build import build_site
from site_gen.errors import BuildFailed
from site_gen.theme import theme_dirs

from .conftest import SITE_TOML, write
from .test_build import tree_digest

COUNT = page_pool.MIN_PAGES + 6  # enough post pages for the workers to be used
PAGES = COUNT + 3  # with the fixture's own three posts


def many(make_site, *, search: bool = False) -> Path:
    posts = {
        f"content/posts/p{i:03d}.md": f"---\ntitle: Post {i}\ndate: 2026-01-{1 + i % 28:02d}\ntags: [t{i % 5}]\n---\n"
        f"Text {i} with $x_{{{i}}}^2$ and $\\alpha$.\n\n```python\nprint({i})\n```\n"
        for i in range(COUNT)
    }
    return make_site(posts, toml=("" if search else "search = false\n") + SITE_TOML)


@pytest.fixture
def pools(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """The number of pages each use of a pool sent to its workers."""
    sent: list[int] = []
    real = page_pool.PagePool.lay_out

    def spy(self, common, jobs, placed):  # type: ignore[no-untyped-def]
        sent.append(len(jobs))
        return real(self, common, jobs, placed)

    monkeypatch.setattr(page_pool.PagePool, "lay_out", spy)
    return sent


def test_pages_made_by_workers_are_the_bytes_one_process_makes(make_site, tmp_path, pools):
    root = many(make_site)
    build_site(root, output=tmp_path / "serial", jobs=1, use_cache=False)
    assert pools == []
    build_site(root, output=tmp_path / "parallel", jobs=2, use_cache=False)  # bodies sent in memory
    build_site(root, output=tmp_path / "cached", jobs=2)  # bodies in the render cache, sent as its entries
    build_site(root, output=tmp_path / "again", jobs=2, record=False)  # every post from the render cache
    assert pools == [PAGES] * 3
    serial = tree_digest(tmp_path / "serial")
    assert serial == tree_digest(tmp_path / "parallel") == tree_digest(tmp_path / "cached")
    assert serial == tree_digest(tmp_path / "again")


def test_a_one_post_edit_lays_out_its_pages_here(make_site, pools):
    root = many(make_site)
    build_site(root, jobs=2)
    write(root, "content/posts/p010.md", "---\ntitle: Post 10\ndate: 2026-01-11\ntags: [t0]\n---\nEdited.\n")
    result = build_site(root, jobs=2)
    assert pools == [PAGES]  # the first build's only: the edit rendered one post
    assert result.rendered == {"posts/p010/"}


def test_in_place_pages_whose_bytes_did_not_change_keep_their_files(make_site, tmp_path, pools):
    """Every post renders again (a macro changed) but few pages show the macro: a worker
    leaves an unchanged page's file as it was, and the site is what a fresh build writes."""
    root = many(make_site)
    write(root, "content/posts/p004.md", "---\ntitle: Post 4\ndate: 2026-01-05\n---\nUses $\\loss$.\n")
    toml = (root / "site.toml").read_text(encoding="utf-8")  # ends in its [macros] table
    write(root, "site.toml", toml + 'loss = "L"\n')
    public = root / "public"
    build_site(root, jobs=2)
    inodes = {path: os.stat(public / path).st_ino for path in ("posts/p001/index.html", "posts/p004/index.html")}
    write(root, "site.toml", toml + 'loss = "\\\\mathcal{L}"\n')
    result = build_site(root, jobs=2)
    assert len(result.rendered) == PAGES + 1 and pools == [PAGES, PAGES]  # every post, and the page
    assert os.stat(public / "posts/p001/index.html").st_ino == inodes["posts/p001/index.html"]
    assert "posts/p004/index.html" in result.changed and "posts/p001/index.html" not in result.changed
    assert "mathcal" in (public / "posts/p004/index.html").read_text(encoding="utf-8")
    build_site(root, output=tmp_path / "fresh", jobs=1, use_cache=False)
    assert tree_digest(public) == tree_digest(tmp_path / "fresh")


def test_a_template_error_in_a_worker_reads_as_the_parents(make_site, pools):
    root = many(make_site)
    broken = '{% extends "base.html" %}\n{% block content %}\n{{ post.nope }}\n{% endblock %}\n'
    write(root, "templates/post.html", broken)
    messages = []
    for jobs in (1, 2):
        with pytest.raises(BuildFailed) as failed:
            build_site(root, jobs=jobs, use_cache=False)
        messages.append([str(error) for error in failed.value.errors])
    assert pools == [PAGES]
    assert messages[0] == messages[1] and len(messages[0]) == 1
    assert "templates/post.html:3: error: template error while rendering /posts/" in messages[0][0]
    assert not (root / "public").exists()


def test_a_sharded_index_over_pages_made_by_workers_is_the_same(make_site, monkeypatch, tmp_path, pools):
    monkeypatch.setattr(search, "SHARD_SIZE", 16)
    root = many(make_site, search=True)
    build_site(root, output=tmp_path / "serial", jobs=1, use_cache=False)
    build_site(root, output=tmp_path / "parallel", jobs=2)
    assert pools == [PAGES]
    assert tree_digest(tmp_path / "serial") == tree_digest(tmp_path / "parallel")
    assert len(list((tmp_path / "parallel" / search.INDEX_DIR).glob("[0-9]*"))) >= 4


def test_a_template_edit_has_the_workers_lay_out_every_post_page_again(make_site, tmp_path, pools):
    """No post renders again, yet every post page must be made: the workers make them."""
    root = many(make_site)
    build_site(root, jobs=2)
    theme = theme_dirs()[0] / "templates" / "post.html"
    edited = theme.read_text(encoding="utf-8").replace("{% block content %}", "{% block content %}<!-- edited -->", 1)
    write(root, "templates/post.html", edited)
    result = build_site(root, jobs=2)
    assert result.rendered == frozenset() and pools == [PAGES, PAGES]
    assert "<!-- edited -->" in (root / "public/posts/p001/index.html").read_text(encoding="utf-8")
    build_site(root, output=tmp_path / "fresh", jobs=1, use_cache=False)
    assert tree_digest(root / "public") == tree_digest(tmp_path / "fresh")


def test_after_kernels_ran_the_render_processes_lay_out_the_pages(make_site, tmp_path, pools, monkeypatch):
    """No process is forked once a kernel ran: the render processes, started before it, make the pages."""
    forked: list[int] = []
    real = page_pool.PagePool.__init__

    def spy(self, config, jobs, compiled, workers=None):  # type: ignore[no-untyped-def]
        forked.append(workers is None)
        real(self, config, jobs, compiled, workers)

    monkeypatch.setattr(page_pool.PagePool, "__init__", spy)
    root = many(make_site)
    write(root, "content/posts/cells.md", "---\ntitle: Cells\ndate: 2026-03-01\n---\n```{python}\nprint(6 * 7)\n```\n")
    parallel = build_site(root, output=tmp_path / "parallel", jobs=2)
    assert parallel.kernels_started == 1 and pools == [PAGES + 1] and forked == [False]
    assert "42" in (tmp_path / "parallel/posts/cells/index.html").read_text(encoding="utf-8")
    build_site(root, output=tmp_path / "serial", jobs=1, use_cache=False)
    assert tree_digest(tmp_path / "serial") == tree_digest(tmp_path / "parallel")
