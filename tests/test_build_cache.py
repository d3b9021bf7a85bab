"""Caches keyed by content: each kind of edit redoes exactly what depends on it.

Correctness only; speed lives in bench/run.py.
"""

from __future__ import annotations

import os
import shutil
import time
from pathlib import Path

import pytest

from site_gen import content, discovery
from site_gen.build import build_site
from site_gen.cells.settings import ExecuteSettings
from site_gen.errors import BuildFailed

from .conftest import write
from .test_build import tree_digest

FIRST, SECOND, BUNDLE = "posts/first/", "posts/second/", "posts/bundle/"


def mtimes(public: Path) -> dict[str, int]:
    return {p.relative_to(public).as_posix(): p.stat().st_mtime_ns for p in public.rglob("*") if p.is_file()}


def test_second_build_is_a_no_op_and_a_deleted_output_is_rebuilt(make_site):
    root = make_site()
    first = build_site(root)
    assert first.rendered == {FIRST, SECOND, BUNDLE, "about/"}
    again = build_site(root)
    assert again.up_to_date and again.pages == first.pages
    (root / "public/posts/first/index.html").unlink()
    repaired = build_site(root)
    assert not repaired.up_to_date
    assert repaired.rendered == set(), "the render cache still has every post"
    assert repaired.changed == {"posts/first/index.html"}
    assert (root / "public/posts/first/index.html").is_file()


def test_post_edit_renders_that_post_and_rewrites_only_what_shows_it(make_site):
    root = make_site()
    build_site(root)
    before = mtimes(root / "public")
    source = root / "content/posts/first.md"
    source.write_text(source.read_text().replace("See \\eqref", "Now see \\eqref"))
    result = build_site(root)
    assert result.rendered == {FIRST}
    # The post's page and the feeds carrying its full text; its listings show only the summary,
    # so no other page is even laid out again.
    shown_in = {"posts/first/index.html", "feed.xml", "tags/math/feed.xml", "tags/python/feed.xml"}
    assert result.made == shown_in
    # ...and the search index, whose fragment for the post changed (its other files are kept)
    index = {path for path in result.changed if path.startswith("pagefind/")}
    assert result.changed - index == shown_in
    assert any("fragment" in path for path in index) and "pagefind/0/pagefind.js" not in index
    after = mtimes(root / "public")
    kept = set(before) & set(after)  # index files are named by their hash: an edit renames some
    untouched = {path for path in kept if before[path] == after[path]}
    assert untouched == kept - result.changed, "unchanged files keep their mtime"


def test_an_edit_updates_the_output_in_place_to_what_a_fresh_build_writes(make_site, tmp_path):
    """An incremental build moves only new and changed files into public/ and removes the
    ones no longer made (a deleted post, its stale index fragments): same bytes as a fresh build."""
    root = make_site()
    build_site(root)
    public = root / "public"
    folder, kept = public.stat().st_ino, (public / "about/index.html").stat().st_ino
    source = root / "content/posts/first.md"
    source.write_text(source.read_text().replace("See \\eqref", "Now see \\eqref"))
    (root / "content/posts/bundle/index.md").unlink()
    result = build_site(root)
    assert public.stat().st_ino == folder, "updated in place, not swapped"
    assert (public / "about/index.html").stat().st_ino == kept, "an unchanged page is left alone"
    assert not (public / "posts/bundle").exists(), "a deleted post's folder goes with it"
    assert not [p for p in root.iterdir() if ".building-" in p.name or ".previous-" in p.name]
    fresh = build_site(root, output=tmp_path / "fresh", use_cache=False)
    assert tree_digest(public) == tree_digest(fresh.output)
    assert result.files == len(tree_digest(public)) - 1  # every file but the marker


def test_template_edit_re_renders_no_post(make_site):
    root = make_site()
    build_site(root)
    write(
        root, "templates/archive.html", "{% extends 'base.html' %}{% block content %}<p>All posts</p>{% endblock %}\n"
    )
    result = build_site(root)
    assert result.rendered == set()
    assert result.made == result.changed == {"archive/index.html"}


def test_title_edit_reaches_listings_and_neighbours(make_site):
    root = make_site()
    build_site(root)
    source = root / "content/posts/second.md"
    source.write_text(source.read_text().replace('title: Second "quoted"', 'title: Second "renamed"'))
    result = build_site(root)
    assert result.rendered == {SECOND}
    assert {"posts/first/index.html", "posts/bundle/index.html", "index.html", "archive/index.html"} <= result.made
    assert "about/index.html" not in result.made


def test_macro_change_in_site_toml_re_renders_every_post(make_site):
    root = make_site()
    build_site(root)
    toml = root / "site.toml"
    toml.write_text(toml.read_text().replace('R = "\\\\mathbb{R}"', 'R = "\\\\mathbf{R}"'))
    result = build_site(root)
    assert result.rendered == {FIRST, SECOND, BUNDLE, "about/"}
    assert "posts/second/index.html" in result.changed  # its summary uses \R
    assert "posts/bundle/index.html" not in result.changed  # re-rendered, same bytes: not rewritten


def test_diagram_file_edit_re_renders_only_the_post_that_draws_it(make_site):
    diagram = (
        '{"nodes": [{"id": "a", "title": "Data"}, {"id": "b", "title": "Model"}], "arrows": [{"from": "a", "to": "b"}]}'
    )
    root = make_site(
        {"content/posts/drawn.md": "---\ntitle: Drawn\ndate: 2026-05-01\n---\n![Flow](/diagrams/flow.json)\n"}
    )
    write(root, "diagrams/flow.json", diagram)
    build_site(root)
    write(root, "diagrams/flow.json", diagram.replace("Model", "Network"))
    result = build_site(root)
    assert result.rendered == {"posts/drawn/"}
    assert "Network" in (root / "public/posts/drawn/index.html").read_text()


def test_render_entries_share_one_folder_and_leave_no_scratch_files(make_site):
    root = make_site()
    build_site(root, jobs=2)
    cache = root / ".cache/render"
    entries = sorted(path.name for path in (cache / "entries").iterdir())
    assert len(entries) == 4 and all(name.endswith(".pickle") for name in entries), entries
    assert sorted(path.name for path in cache.iterdir()) == ["cards.pickle", "entries"], "no folder per hash prefix"
    shutil.rmtree(cache)  # removed between builds: the next one renders again and makes the folder
    toml = root / "site.toml"
    toml.write_text(toml.read_text() + "\n")
    assert build_site(root).rendered == {FIRST, SECOND, BUNDLE, "about/"}
    assert len(list((cache / "entries").iterdir())) == 4


def test_corrupt_cache_entry_is_rendered_again(make_site):
    root = make_site()
    build_site(root)
    for entry in (root / ".cache/render").rglob("*.pickle"):
        entry.write_bytes(b"not a pickle")
    toml = root / "site.toml"
    toml.write_text(toml.read_text() + "\n")  # a no-op edit, to get past the manifest
    result = build_site(root)
    assert result.rendered == {FIRST, SECOND, BUNDLE, "about/"}


def test_parallel_and_serial_builds_are_byte_identical(make_site, tmp_path):
    posts = {
        f"content/posts/p{i:03d}.md": f"---\ntitle: Post {i}\ndate: 2026-01-{1 + i % 28:02d}\ntags: [t{i % 5}]\n---\n"
        f"Text {i} with $x_{{{i}}}^2$.\n\n```python\nprint({i})\n```\n"
        for i in range(48)
    }
    root = make_site(posts)
    serial = build_site(root, output=tmp_path / "serial", jobs=1, use_cache=False)
    parallel = build_site(root, output=tmp_path / "parallel", jobs=2, use_cache=False)
    assert len(serial.rendered) == len(parallel.rendered) == 52
    assert tree_digest(tmp_path / "serial") == tree_digest(tmp_path / "parallel")


def test_posts_rendered_during_discovery_give_the_same_bytes(make_site, tmp_path, monkeypatch):
    """A cold build sends each post to the render processes as discovery reads it
    (``render.RenderAhead``): every post is then taken from there, drafts are not rendered,
    the site is byte for byte the serial one, and an error there is reported at its line."""
    from site_gen import render

    posts = {
        f"content/posts/p{i:03d}.md": f"---\ntitle: Post {i}\ndate: 2026-01-{1 + i % 28:02d}\n---\n$z_{{{i}}}$\n"
        for i in range(40)
    }
    posts["content/posts/draft.md"] = "---\ntitle: Draft\ndate: 2026-01-01\ndraft: true\n---\nNot yet.\n"
    root = make_site(posts)
    taken: list[int] = []
    started = render.RenderAhead.started

    def counted(self, sources, keys):
        found = started(self, sources, keys)
        taken.append(len(found))
        return found

    monkeypatch.setattr(render.RenderAhead, "started", counted)
    serial = build_site(root, output=tmp_path / "serial", jobs=1, use_cache=False)
    ahead = build_site(root, output=tmp_path / "ahead", jobs=2)
    assert taken == [len(ahead.rendered)] and len(ahead.rendered) == len(serial.rendered) == 44
    assert tree_digest(tmp_path / "serial") == tree_digest(tmp_path / "ahead")
    write(root, "content/posts/p005.md", "---\ntitle: Bad\ndate: 2026-01-01\n---\n\n$\\frac{1}{$\n")
    shutil.rmtree(root / ".cache")
    with pytest.raises(BuildFailed) as failed:
        build_site(root, jobs=2)
    assert [(str(e.path), e.line) for e in failed.value.errors] == [("content/posts/p005.md", 6)]
    assert taken[-1] == 44


def test_posts_rendered_while_kernels_run_give_the_same_bytes(make_site, tmp_path):
    """Posts without cells render in the background while a kernel runs; with one job or two,
    cached or not, the site is the same, and an error in either group is reported."""
    posts = {
        f"content/posts/p{i:03d}.md": f"---\ntitle: Post {i}\ndate: 2026-02-{1 + i % 28:02d}\n---\n$y_{{{i}}}$\n"
        for i in range(40)
    }
    posts["content/posts/cells.md"] = "---\ntitle: Cells\ndate: 2026-03-01\n---\n```{python}\nprint(6 * 7)\n```\n"
    root = make_site(posts)
    serial = build_site(root, output=tmp_path / "serial", jobs=1, use_cache=False)
    parallel = build_site(root, output=tmp_path / "parallel", jobs=2, execute=ExecuteSettings(rerun=True))
    assert serial.kernels_started == parallel.kernels_started == 1
    assert "42" in (tmp_path / "parallel/posts/cells/index.html").read_text(encoding="utf-8")
    assert tree_digest(tmp_path / "serial") == tree_digest(tmp_path / "parallel")
    write(root, "content/posts/p003.md", "---\ntitle: Bad\ndate: 2026-01-01\n---\n\n$\\frac{1}{$\n")
    write(root, "content/posts/cells.md", "---\ntitle: Cells\ndate: 2026-03-01\n---\n```{python}\n1 / 0\n```\n")
    with pytest.raises(BuildFailed) as failed:
        build_site(root, jobs=2)
    assert sorted(str(e.path) for e in failed.value.errors) == ["content/posts/cells.md", "content/posts/p003.md"]


def test_errors_found_in_worker_processes_are_reported(make_site):
    posts = {f"content/posts/p{i:03d}.md": f"---\ntitle: P{i}\ndate: 2026-01-01\n---\nText {i}.\n" for i in range(40)}
    posts["content/posts/p007.md"] = "---\ntitle: Bad\ndate: 2026-01-01\n---\n\n$\\frac{1}{$\n"
    root = make_site(posts)
    with pytest.raises(BuildFailed) as failed:
        build_site(root, jobs=2, use_cache=False)
    assert [(str(e.path), e.line) for e in failed.value.errors] == [("content/posts/p007.md", 6)]


def test_pages_laid_out_from_the_disk_cache_match_a_build_without_it(make_site, tmp_path):
    """Bodies kept on disk and read back when a page needs them give the same bytes."""
    root = make_site()
    build_site(root, output=tmp_path / "plain", use_cache=False)
    build_site(root, output=tmp_path / "cached")  # renders, storing every post
    build_site(root, output=tmp_path / "from-cache", record=False)  # reads every post back
    assert tree_digest(tmp_path / "plain") == tree_digest(tmp_path / "cached") == tree_digest(tmp_path / "from-cache")


def test_an_image_replaced_beside_a_post_re_renders_it(make_site):
    """The page carries the image's width and height, so a new image means a new render."""
    root = make_site()
    build_site(root)
    (root / "content/posts/bundle/plot.svg").write_text(
        '<svg xmlns="http://www.w3.org/2000/svg" width="30" height="20"/>', encoding="utf-8"
    )
    result = build_site(root)
    assert "posts/bundle/" in result.rendered
    assert 'width="30" height="20"' in (root / "public/posts/bundle/index.html").read_text(encoding="utf-8")


def settle(root: Path) -> None:
    """Age every source by a minute: the post cache trusts no file changed within two seconds."""
    age(root / "site.toml", *root.joinpath("content").rglob("*"), seconds=60)


def age(*paths: Path, seconds: float = 30) -> None:
    past = time.time() - seconds
    for path in paths:
        os.utime(path, (past, past))


def reads(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The posts read from their files (not taken from the post cache), as the build reads them."""
    seen: list[str] = []
    real = content.read_post

    def counting(path: Path, config: object) -> content.Post:
        seen.append(path.as_posix().split("/content/", 1)[1])
        return real(path, config)  # type: ignore[arg-type]

    monkeypatch.setattr(discovery, "read_post", counting)
    return seen


def test_a_post_whose_files_did_not_change_is_not_read_again(make_site, monkeypatch):
    root = make_site()
    settle(root)
    build_site(root)
    seen = reads(monkeypatch)
    source = root / "content/posts/first.md"
    source.write_text(source.read_text().replace("Gradient of", "The gradient of"))
    age(source)
    result = build_site(root)
    assert seen == ["posts/first.md"] and result.rendered == {FIRST}
    seen.clear()
    (root / "content/posts/bundle/extra.txt").write_text("a new asset")  # a bundle's files are its inputs
    age(root / "content/posts/bundle/extra.txt")
    result = build_site(root)
    assert seen == ["posts/bundle/index.md"]
    assert (root / "public/posts/bundle/extra.txt").read_text() == "a new asset"


def test_site_toml_and_deleted_posts_reach_the_post_cache(make_site, monkeypatch):
    root = make_site()
    settle(root)
    build_site(root)
    seen = reads(monkeypatch)
    toml = root / "site.toml"
    toml.write_text(toml.read_text().replace('title = "', 'title = "New '))
    age(toml)
    build_site(root)
    assert len(seen) == 5, "a new site.toml may change how every post reads (time zone, bibliography)"
    seen.clear()
    (root / "content/posts/second.md").unlink()
    result = build_site(root)
    assert seen == [] and not (root / "public/posts/second").exists() and SECOND not in result.rendered


def test_a_post_written_within_two_seconds_is_read_again(make_site, monkeypatch):
    root = make_site()
    settle(root)
    source = root / "content/posts/first.md"
    source.write_text(source.read_text() + "\nFresh.\n")  # its mtime is now: not trusted
    build_site(root)
    seen = reads(monkeypatch)
    (root / "static").mkdir(exist_ok=True)
    (root / "static/touch.css").write_text("a {}")  # a change somewhere, so the build runs
    build_site(root)
    assert seen == ["posts/first.md"]
    stored = (root / ".cache/posts.pickle").stat().st_mtime_ns
    (root / "static/touch.css").write_text("b {}")
    build_site(root)
    assert seen == ["posts/first.md"] * 2, "still too fresh: read again"
    assert (root / ".cache/posts.pickle").stat().st_mtime_ns == stored, "and the cache, which lacks it, not rewritten"


def test_library_versions_read_from_the_dist_info_names_match_importlib_metadata():
    from importlib import metadata

    from site_gen.identity import RENDER_LIBRARIES, library_versions

    found = library_versions((*RENDER_LIBRARIES, "no-such-library-anywhere"))
    expected = {name: metadata.version(name) for name in RENDER_LIBRARIES}
    assert {name: found[name] for name in RENDER_LIBRARIES} == expected
    assert found["no-such-library-anywhere"] == "absent"


def test_the_post_cache_keeps_posts_without_their_bodies_and_reads_one_back_on_use(make_site):
    from site_gen.config import load_config
    from site_gen.post_cache import PostCache

    root = make_site()
    settle(root)
    build_site(root)
    config = load_config(root)
    source = root / "content/posts/first.md"
    assert b"Gradient of" not in (root / ".cache/posts.pickle").read_bytes(), "no post body is stored"
    post = PostCache.load(config).get(source, root)
    assert post is not None and "body" not in post.__dict__
    assert post.body == content.read_post(source, config).body, "read back from the file on first use"
    assert post == content.read_post(source, config) and post.digest == content.read_post(source, config).digest

    stale = PostCache.load(config).get(source, root)
    assert stale is not None
    mtime = source.stat().st_mtime_ns
    source.write_text(source.read_text().replace("Gradient of", "Slope of"))
    os.utime(source, ns=(mtime, mtime))  # a change its signature cannot see, made after it was checked
    with pytest.raises(content.ContentError, match="changed while the site was being built"):
        _ = stale.body


def test_a_cached_post_is_keyed_by_the_diagrams_it_mentions_escaped_or_not(make_site):
    post = content.Post.__new__(content.Post)
    object.__setattr__(post, "body", "![a](/diagrams/flow.json) ![b](diagrams\\/nested/deep.json) &#100;iagrams/e.json")
    assert post.diagram_refs == {"flow.json", "nested/deep.json", "e.json"}


def test_an_edit_in_place_records_the_output_as_a_walk_of_the_folder_would(make_site):
    from site_gen import manifest
    from site_gen.config import load_config

    root = make_site()
    settle(root)
    build_site(root)
    source = root / "content/posts/first.md"
    source.write_text(source.read_text() + "\nOne more line.\n")
    (root / "content/posts/second.md").unlink()
    result = build_site(root)
    assert "posts/first/index.html" in result.changed and not (root / "public/posts/second").exists()
    recorded = manifest.load(load_config(root))
    assert recorded is not None and recorded.outputs == manifest.output_state(root / "public")
    assert build_site(root).up_to_date


def test_a_render_cache_entry_deleted_by_hand_fails_one_build_clearly_and_the_next_renders_it(make_site):
    root = make_site()
    build_site(root)
    cards = root / ".cache/render/cards.pickle"
    entries = [path for path in (root / ".cache/render").rglob("*.pickle") if path != cards]
    for entry in entries:
        entry.unlink()
    write(root, "templates/post.html", "{{ post.html }}")  # every post page is laid out again: bodies are read
    with pytest.raises(BuildFailed) as failed:
        build_site(root)
    assert "went missing from the cache" in str(failed.value.errors[0])
    assert not cards.exists(), "the index that vouched for the entries is dropped"
    result = build_site(root)
    assert result.rendered == {FIRST, SECOND, BUNDLE, "about/"}


def test_cards_pickle_is_rewritten_only_once_it_lacks_more_than_a_few_cards(make_site, monkeypatch):
    from site_gen import render_cache

    monkeypatch.setattr(render_cache, "STALE_CARDS", 1)
    root = make_site()
    build_site(root)
    cards = root / ".cache/render/cards.pickle"
    written = cards.stat().st_mtime_ns
    for number, name in enumerate(["first", "second"], start=1):
        source = root / f"content/posts/{name}.md"
        source.write_text(source.read_text() + "\nEdited.\n")
        result = build_site(root)
        assert (
            result.rendered == {f"posts/{name}/"}
            and "Edited." in (root / f"public/posts/{name}/index.html").read_text()
        )
        assert (cards.stat().st_mtime_ns == written) is (number == 1), (
            "one card lacking is within the slack, two are not"
        )
    assert not build_site(root).rendered


def test_templates_are_compiled_and_scanned_once_and_an_edit_to_one_still_shows(make_site):
    root = make_site()
    build_site(root)
    (folder,) = (root / ".cache/templates").iterdir()
    compiled = sorted(path.name for path in folder.glob("__jinja2_*.cache"))
    assert compiled and (folder / "refs.json").is_file()
    write(
        root,
        "templates/post.html",
        "{% extends 'base.html' %}{% block content %}<p>Overridden {{ post.title }}</p>{% endblock %}",
    )
    result = build_site(root)
    assert "Overridden First steps" in (root / "public/posts/first/index.html").read_text()
    assert "posts/first/index.html" in result.changed and "index.html" not in result.made, "only post pages use it"
    assert len(list(folder.glob("__jinja2_*.cache"))) == len(compiled) + 1


def test_an_edited_post_is_offered_the_blocks_and_formulas_of_its_last_render(make_site, monkeypatch, tmp_path):
    from site_gen import highlight, math

    post = "---\ntitle: Kept\ndate: 2026-02-01\n---\nProse.\n\n$$e^{i\\pi} + 1 = 0$$\n\n```python\nprint(1)\n```\n"
    root = make_site({"content/posts/kept.md": post})
    build_site(root)
    made: list[str] = []
    real_code, real_math = highlight.highlight_cached, math.convert_cached

    def code(*args: object) -> object:
        made.append("code")
        return real_code(*args)  # type: ignore[arg-type]

    def formula(*args: object) -> object:
        made.append("math")
        return real_math(*args)  # type: ignore[arg-type]

    monkeypatch.setattr(highlight, "highlight_cached", code)
    monkeypatch.setattr(math, "convert_cached", formula)
    source = root / "content/posts/kept.md"
    source.write_text(post.replace("Prose.", "Better prose."))
    assert build_site(root).rendered == {"posts/kept/"}
    assert made == [], "this process's memos aside, the last render's record served both"
    source.write_text(post.replace("print(1)", "print(2)"))
    assert build_site(root).rendered == {"posts/kept/"}
    assert made == ["code"], "a changed block is highlighted afresh, the formula still recalled"
    fresh = build_site(root, output=tmp_path / "fresh", use_cache=False)
    assert tree_digest(fresh.output) == tree_digest(root / "public")


def test_the_post_cache_keeps_paths_as_text_and_still_sees_a_file_added_to_a_bundle(make_site, monkeypatch):
    from site_gen.config import load_config
    from site_gen.post_cache import PostCache

    root = make_site({"content/posts/lone/index.md": "---\ntitle: Lone\ndate: 2026-05-01\n---\nNo files yet.\n"})
    settle(root)
    build_site(root)
    config = load_config(root)
    source = root / "content/posts/first.md"
    post = PostCache.load(config).get(source, root)
    assert post is not None and "source" not in post.__dict__ and "rel_source" not in post.__dict__
    fresh = content.read_post(source, config)
    assert (post.source, post.rel_source) == (fresh.source, fresh.rel_source)
    assert isinstance(post.source, Path) and post == fresh

    # A bundle whose folder held only its index: a file added beside it is seen (and copied).
    seen = reads(monkeypatch)
    added = root / "content/posts/lone/plot.svg"
    added.write_text('<svg xmlns="http://www.w3.org/2000/svg"/>')
    age(added, seconds=60)
    build_site(root)
    assert seen == ["posts/lone/index.md"]
    assert (root / "public/posts/lone/plot.svg").is_file()


def test_the_renderer_fingerprint_follows_every_source_file_of_the_package(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An edit to any module, in a subpackage too, makes a new fingerprint (so every cached
    render is made again); compiled files and other files do not count."""
    from site_gen import identity

    package = tmp_path / "site_gen"
    write(package, "identity.py", "# this module")
    write(package, "math/fixes.py", "def fix(): pass")
    write(package, "__pycache__/identity.cpython-311.py", "compiled")
    write(package, "theme/site.css", "body {}")
    monkeypatch.setattr(identity, "__file__", str(package / "identity.py"))

    def fingerprint() -> str:
        return identity.renderer_fingerprint.__wrapped__()

    first = fingerprint()
    assert fingerprint() == first  # deterministic
    write(package, "__pycache__/identity.cpython-311.py", "compiled again")
    write(package, "theme/site.css", "body { margin: 0 }")
    assert fingerprint() == first
    write(package, "math/fixes.py", "def fix(): return 1")
    assert fingerprint() != first
