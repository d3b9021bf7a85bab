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
    assert (index / "pagefind-ui.js").is_file() and list(index.glob("fragment/*"))
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
    from playwright.sync_api import sync_playwright

    public = build_site(built(make_site)).output
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            context = browser.new_context()
            serve(context, public)
            page = context.new_page()
            page.goto(f"{ORIGIN}/search/?q={query}")
            page.wait_for_selector(".pagefind-ui__result-link", timeout=20_000)
            titles = page.locator(".pagefind-ui__result-link").all_inner_texts()
        finally:
            browser.close()
    assert finds in titles, titles


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
        server.wait_for(lambda: (index / "pagefind-entry.json").is_file(), timeout=60, what="the first index")
        fragments = lambda: {p.name for p in (index / "fragment").glob("*")}  # noqa: E731
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
