"""Site search (issue 14): a Pagefind index written with the site, searched in a real Chromium."""

from __future__ import annotations

from pathlib import Path

import pytest

from site_gen import search
from site_gen.build import build_site

from .conftest import SITE_TOML, write
from .serve_support import CHROMIUM, CHROMIUM_ARGS
from .site_browser import ORIGIN, serve

TOML = SITE_TOML.replace("https://user.github.io/notebook/", ORIGIN + "/")

SOFTMAX = """
---
title: Attention from scratch
date: 2026-05-01
tags: [transformers]
---
The weights are $\\operatorname{softmax}(QK^\\top / \\sqrt{d})$, and the values are mixed by them.

A rare word: zymurgy.
"""


def built(make_site) -> Path:
    root = make_site(toml=TOML)
    write(root, "content/posts/attention.md", SOFTMAX)
    return root


def test_the_index_is_written_with_the_site_and_is_deterministic(make_site, tmp_path):
    root = built(make_site)
    first = build_site(root)
    index = root / "public" / search.INDEX_DIR
    assert (index / "0/pagefind.js").is_file() and list(index.glob("0/fragment/*"))
    assert not list(index.rglob("pagefind-ui.*")), "Pagefind's own UI is not published: the page has its own"
    assert (root / "public/search/index.html").is_file()
    assert 'href="/search/"' in (root / "public/index.html").read_text(encoding="utf-8")
    again = build_site(root, output=tmp_path / "again", use_cache=False)
    files = sorted(p.relative_to(index).as_posix() for p in index.rglob("*") if p.is_file())
    for rel in files:
        assert (index / rel).read_bytes() == (again.output / search.INDEX_DIR / rel).read_bytes(), rel
    assert first.files == again.files
    assert build_site(root).up_to_date, "the index is part of the recorded output"


def test_search_can_be_switched_off(make_site):
    root = make_site(toml=TOML.replace("[macros]", "search = false\n\n[macros]"))
    build_site(root)
    assert not (root / "public" / search.INDEX_DIR).exists()
    assert not (root / "public/search").exists()
    assert "/search/" not in (root / "public/index.html").read_text(encoding="utf-8")


@pytest.mark.skipif(not CHROMIUM.exists(), reason="needs Debian's chromium at /usr/bin/chromium")
@pytest.mark.parametrize(
    ("query", "finds"),
    [("zymurgy", "Attention from scratch"), ("First steps", "First steps"), ("softmax", "Attention from scratch")],
)
def test_the_search_page_finds_a_word_a_title_and_a_formula_by_its_tex(make_site, query, finds):
    [titles] = searched(build_site(built(make_site)).output, [query])
    assert finds in titles, titles


def searched(public: Path, queries: list[str]) -> list[list[str]]:
    """The titles the search page lists for each query, in Chromium, once its status has settled."""
    from playwright.sync_api import sync_playwright

    found = []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            context = browser.new_context()
            serve(context, public)
            page = context.new_page()
            for query in queries:
                page.goto(f"{ORIGIN}/search/?q={query}")
                page.wait_for_function("/ for /.test(document.getElementById('search-status').textContent)")
                found.append(page.locator("#search-results a").all_inner_texts())
        finally:
            browser.close()
    return found


@pytest.mark.skipif(not CHROMIUM.exists(), reason="needs Debian's chromium at /usr/bin/chromium")
def test_without_javascript_the_search_page_points_to_tags_and_archive(make_site):
    from playwright.sync_api import sync_playwright

    public = build_site(built(make_site)).output
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            context = browser.new_context(java_script_enabled=False)
            serve(context, public)
            page = context.new_page()
            page.goto(f"{ORIGIN}/search/")
            links = page.locator("main a").evaluate_all("links => links.map(a => a.getAttribute('href'))")
        finally:
            browser.close()
    assert "/tags/" in links and "/archive/" in links


def test_the_preview_indexes_in_the_background_and_follows_edits(make_site):
    from .serve_support import Served, edit

    root = built(make_site)
    server = Served(root)
    try:
        index = server.folder / search.INDEX_DIR
        server.wait_for(lambda: (index / "0/pagefind-entry.json").is_file(), timeout=60, what="the first index")
        fragments = lambda: {p.name for p in (index / "0/fragment").glob("*")}  # noqa: E731
        before = fragments()
        edit(root / "content/posts/attention.md", "zymurgy", "zymurgy and oenology")
        server.wait_for(lambda: fragments() != before, timeout=60, what="the index to follow the edit")
    finally:
        assert server.stop() == 0
    assert not server.folder.exists(), "the preview's folder is removed, index and all"


def test_a_change_that_touches_no_page_keeps_the_index(make_site):
    root = built(make_site)
    build_site(root)
    index = root / "public" / search.INDEX_DIR
    before = {p: p.stat().st_mtime_ns for p in index.rglob("*") if p.is_file()}
    write(root, "static/css/extra.css", "body { margin: 0 }")
    result = build_site(root)
    assert result.changed == {"static/css/extra.css"}
    assert {p: p.stat().st_mtime_ns for p in index.rglob("*") if p.is_file()} == before


def many_posts(make_site, monkeypatch, count: int = 9) -> Path:
    """A site whose index is dealt into several shards (two pages a shard, as if the site were large)."""
    monkeypatch.setattr(search, "SHARD_SIZE", 2)
    root = built(make_site)
    for number in range(count):
        write(root, f"content/posts/note-{number}.md", NOTE.format(number=number, day=number + 1, word=RARE[number]))
    return root


NOTE = """
---
title: Note {number}
date: 2026-06-{day:02d}
---
Note {number} mentions {word}.
"""
RARE = ["quokka", "axolotl", "pangolin", "narwhal", "okapi", "tapir", "dugong", "kakapo", "saiga"]


def shards_of(public: Path) -> dict[str, list[str]]:
    return search.previous_plan(public / search.INDEX_DIR)


def test_the_index_is_dealt_into_shards_each_page_once(make_site, monkeypatch):
    public = build_site(many_posts(make_site, monkeypatch)).output
    shards = shards_of(public)
    assert list(shards) == [f"pagefind/{n}/" for n in range(8)], "13 pages, two a shard: 8 (a power of two)"
    pages = [page for members in shards.values() for page in members]
    assert sorted(pages) == search.indexed_pages(public) and len(pages) == len(set(pages))
    assert "posts/note-3/index.html" in pages and "search/index.html" not in pages
    loaded = search.bundles(shards)
    assert len(loaded) >= 4
    for folder in shards:
        assert (public / folder / "pagefind-entry.json").is_file() == (folder in loaded), folder
    assert not list(public.glob("pagefind/*/pagefind-ui.js")), "no shard carries Pagefind's UI"
    merge = " ".join("/" + folder for folder in loaded[1:])
    assert f'data-bundle="/{loaded[0]}"' in (public / "search/index.html").read_text(encoding="utf-8")
    assert f'data-merge="{merge}"' in (public / "search/index.html").read_text(encoding="utf-8")


def test_an_edit_re_indexes_only_its_own_shard(make_site, monkeypatch):
    root = many_posts(make_site, monkeypatch)
    build_site(root)
    shards = shards_of(root / "public")
    [home] = [folder for folder, pages in shards.items() if "posts/note-4/index.html" in pages]
    source = root / "content/posts/note-4.md"
    source.write_text(source.read_text().replace("mentions", "now mentions"))
    result = build_site(root)
    index = {path for path in result.changed if path.startswith("pagefind/")}
    assert index and all(path.startswith(home) for path in index), (home, sorted(index))
    assert shards_of(root / "public") == shards


def test_the_preview_re_indexes_only_shards_whose_pages_were_replaced(make_site, monkeypatch):
    public = build_site(many_posts(make_site, monkeypatch)).output
    seen = search.refresh(public, language="en")
    before = {p: p.stat().st_ino for p in (public / "pagefind").rglob("*") if p.is_file()}
    page = public / "posts/note-4/index.html"
    replacement = page.with_name("new.html")
    replacement.write_bytes(page.read_bytes().replace(b"mentions", b"now mentions"))
    replacement.replace(page)  # as the preview does: a new file moved into place
    search.refresh(public, language="en", seen=seen)
    after = {p: p.stat().st_ino for p in (public / "pagefind").rglob("*") if p.is_file()}
    [home] = [folder for folder, pages in shards_of(public).items() if "posts/note-4/index.html" in pages]
    moved = {p.relative_to(public).as_posix() for p in before if after.get(p) != before[p]}
    assert moved and all(rel.startswith(home) or rel.endswith(search.PLAN) for rel in moved), sorted(moved)


def test_the_preview_indexes_the_pages_its_rebuild_made_without_reading_them_all(make_site, monkeypatch, tmp_path):
    """The preview hands its indexer the pages the rebuild knows of; they are the pages a scan
    of the written files finds, and the index it makes is dealt as the build's is."""
    from site_gen.incremental import Preview

    root = many_posts(make_site, monkeypatch)
    preview = Preview(root, tmp_path / "preview")
    preview.rebuild()
    assert sorted(preview.indexed) == search.indexed_pages(tmp_path / "preview")
    search.refresh(tmp_path / "preview", language="en", pages=preview.indexed)  # as BackgroundIndex calls it
    assert shards_of(tmp_path / "preview") == search.deal(preview.indexed)
    assert all(
        (tmp_path / "preview" / folder / "pagefind-entry.json").is_file()
        for folder in search.bundles(search.deal(preview.indexed))
    )


@pytest.mark.skipif(not CHROMIUM.exists(), reason="needs Debian's chromium at /usr/bin/chromium")
def test_one_search_box_finds_pages_of_every_shard(make_site, monkeypatch):
    public = build_site(many_posts(make_site, monkeypatch)).output
    shards = shards_of(public)
    # A word no page holds: Pagefind's longest-prefix answers ("a", "aa…") are not shown;
    # and as one types, a prefix finds the word.
    *titles, absent, typed = searched(public, [*RARE, "aardvark", "axolo"])
    found = {f"posts/note-{number}/index.html": listed for number, listed in enumerate(titles)}
    homes = {page: folder for folder, pages in shards.items() for page in pages}
    assert len({homes[page] for page in found}) >= 4, "the notes are spread over several shards"
    for number, (page, titles) in enumerate(found.items()):
        assert titles == [f"Note {number}"], (page, homes[page], titles)
    assert absent == [] and typed == ["Note 1"], (absent, typed)


def test_a_sharded_index_is_the_same_whatever_the_jobs_and_caches(make_site, monkeypatch, tmp_path):
    from .test_build import tree_digest

    root = many_posts(make_site, monkeypatch)
    build_site(root, output=tmp_path / "serial", jobs=1, use_cache=False)
    build_site(root, output=tmp_path / "parallel", jobs=2)
    build_site(root, output=tmp_path / "again", jobs=2, record=False)  # every post from the render cache
    assert tree_digest(tmp_path / "serial") == tree_digest(tmp_path / "parallel") == tree_digest(tmp_path / "again")
