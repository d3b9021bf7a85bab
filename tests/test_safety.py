"""Nothing lost, nothing published by mistake: the output folder, symlinks, bad files (issue 10).

Each test is an input a hostile or unlucky user gave, and what must hold:
an error naming the file with exit status 1, every file outside the output
folder untouched, never a Python traceback.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from lxml import etree

from site_gen.build import build_site
from site_gen.cli import main
from site_gen.errors import BuildFailed
from site_gen.output import MARKER

from .conftest import write


def snapshot(folder: Path) -> dict[str, bytes]:
    """Every file under ``folder`` (symlinks not followed), by relative path."""
    return {
        p.relative_to(folder).as_posix(): p.read_bytes()
        for p in folder.rglob("*")
        if p.is_file() and not p.is_symlink() and "public" not in p.relative_to(folder).parts
    }


def run_cli(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str]:
    code = main(list(args))
    captured = capsys.readouterr()
    return code, captured.out + captured.err


# --- the output folder -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("output", "says"),
    [
        (".", "it is the site root"),
        ("..", "contains the site"),
        ("content", "replace the sources"),
        ("content/posts", "replace the sources"),
        ("templates", "replace the sources"),
        ("static", "replace the sources"),
        ("site.toml", "is a file"),
    ],
)
def test_output_that_would_destroy_the_site_is_refused_before_anything_is_touched(make_site, capsys, output, says):
    root = make_site()
    write(root, "templates/keep.html", "mine")
    write(root, "static/keep.css", "mine")
    write(root.parent, "notes.txt", "unrelated")
    before = snapshot(root.parent)
    code, text = run_cli(capsys, "build", "--root", str(root), "-o", str(root / output))
    assert code == 1
    assert says in text and "Traceback" not in text
    assert snapshot(root.parent) == before, "nothing outside the output folder may change"


def test_a_folder_that_site_gen_did_not_write_needs_force(make_site, capsys, tmp_path):
    root = make_site()
    theirs = tmp_path / "photos"
    write(theirs, "holiday.jpg", "not a site")
    code, text = run_cli(capsys, "build", "--root", str(root), "-o", str(theirs))
    assert code == 1 and "not written by site_gen" in text and "--force" in text
    assert (theirs / "holiday.jpg").read_text() == "not a site"
    code, _ = run_cli(capsys, "build", "--root", str(root), "-o", str(theirs), "--force")
    assert code == 0 and (theirs / "index.html").exists() and (theirs / MARKER).exists()
    # once it is ours, later builds replace it without asking
    code, _ = run_cli(capsys, "build", "--root", str(root), "-o", str(theirs))
    assert code == 0


def test_an_empty_folder_and_our_own_output_are_fine(make_site, capsys, tmp_path):
    root = make_site()
    (tmp_path / "empty").mkdir()
    assert run_cli(capsys, "build", "--root", str(root), "-o", str(tmp_path / "empty"))[0] == 0
    assert run_cli(capsys, "build", "--root", str(root))[0] == 0
    (root / "public" / "extra.txt").write_text("added by hand to our output")
    assert run_cli(capsys, "build", "--root", str(root), "--no-cache")[0] == 0


def test_output_built_before_the_marker_existed_is_still_ours(make_site):
    """A public/ from an older site_gen has no marker, but the manifest vouches for it."""
    root = make_site()
    build_site(root)
    (root / "public" / MARKER).unlink()
    write(root, "content/posts/new.md", "---\ntitle: New\ndate: 2026-05-01\n---\nNew.\n")
    build_site(root)  # must not refuse
    assert (root / "public" / MARKER).exists()


def test_a_symlinked_output_is_judged_by_where_it_leads(make_site, capsys, tmp_path):
    root = make_site()
    home = tmp_path / "home"
    write(home, "thesis.tex", "years of work")
    (root / "public").symlink_to(home)
    code, text = run_cli(capsys, "build", "--root", str(root))
    assert code == 1 and "not written by site_gen" in text
    assert (home / "thesis.tex").read_text() == "years of work"
    (root / "public").unlink()
    (root / "public").symlink_to(root)
    code, text = run_cli(capsys, "build", "--root", str(root))
    assert code == 1 and "site root" in text


# --- symlinks out of the site ----------------------------------------------------------------------


def test_a_bundle_file_linking_out_of_the_site_is_refused(make_site, tmp_path):
    root = make_site()
    secret = tmp_path / "secret.txt"
    secret.write_text("root:x:0:0")
    (root / "content/posts/bundle/notes.txt").symlink_to(secret)
    with pytest.raises(BuildFailed) as failed:
        build_site(root)
    [error] = failed.value.errors
    assert error.path == Path("content/posts/bundle/notes.txt")
    assert "symlink leads out of the site" in error.message
    assert not (root / "public").exists()


def test_links_inside_the_site_are_followed(make_site):
    root = make_site()
    (root / "content/posts/bundle/same.svg").symlink_to(root / "content/posts/bundle/plot.svg")
    build_site(root)
    assert (root / "public/posts/bundle/same.svg").read_bytes() == (root / "content/posts/bundle/plot.svg").read_bytes()


def test_static_files_and_posts_linking_out_are_refused(make_site, tmp_path):
    root = make_site()
    outside = write(tmp_path, "elsewhere/post.md", "---\ntitle: T\ndate: 2026-01-01\n---\nhi\n")
    (root / "static").mkdir(exist_ok=True)
    (root / "static/key").symlink_to(outside)
    (root / "content/posts/linked.md").symlink_to(outside)
    (root / "content/posts/dangling.md").symlink_to(tmp_path / "nowhere.md")
    with pytest.raises(BuildFailed) as failed:
        build_site(root)
    messages = {str(e.path): e.message for e in failed.value.errors}
    assert "symlink leads out" in messages["content/posts/linked.md"]
    assert "broken symlink" in messages["content/posts/dangling.md"]
    (root / "content/posts/linked.md").unlink()
    (root / "content/posts/dangling.md").unlink()
    with pytest.raises(BuildFailed) as failed:
        build_site(root)
    assert [str(e.path) for e in failed.value.errors] == ["static/key"]


# --- characters XML cannot hold ------------------------------------------------------------------


def test_control_characters_are_removed_with_a_warning_and_the_feed_stays_valid(make_site):
    root = make_site()
    write(root, "content/posts/pasted.md", '---\ntitle: "Bell \\a here"\ndate: 2026-04-01\n---\nA page\x0cbreak.\n')
    result = build_site(root)
    for feed in ("feed.xml", "tags/math/feed.xml"):
        etree.fromstring((root / "public" / feed).read_bytes())  # raises on invalid XML
    text = "\n".join(str(w) for w in result.warnings)
    assert "content/posts/pasted.md:5: warning: removed 1 character(s) XML cannot hold (U+000C)" in text
    assert "content/posts/pasted.md:2: warning: removed characters XML cannot hold from 'title'" in text
    assert "Bell  here" in (root / "public/posts/pasted/index.html").read_text()


# --- what is not read is said, and nothing swallows posts --------------------------------------------


def test_posts_index_md_would_swallow_every_post_and_is_an_error(make_site):
    root = make_site()
    write(root, "content/posts/index.md", "---\ntitle: All\ndate: 2026-01-01\n---\n")
    with pytest.raises(BuildFailed) as failed:
        build_site(root)
    [error] = failed.value.errors
    assert error.path == Path("content/posts/index.md") and "one page bundle" in error.message


def test_files_that_are_not_read_are_reported(make_site, capsys):
    root = make_site()
    write(root, "content/posts/sphinx.rst", "Title\n=====\n")
    write(root, "content/posts/old.html", "<p>exported</p>")
    write(root, "content/posts/bundle/draft-notes.md", "notes")
    write(root, "content/posts/bundle/embed.html", "<p>an asset, copied</p>")
    code, text = run_cli(capsys, "check", "--root", str(root))
    assert code == 0
    assert "content/posts/sphinx.rst: warning: not read" in text
    assert "content/posts/old.html: warning: not read" in text
    assert "content/posts/bundle/draft-notes.md: warning: not a post" in text
    assert "embed.html" not in text
    assert run_cli(capsys, "check", "--root", str(root), "--strict")[0] == 1


# --- bad files: an error with the file, never a traceback -------------------------------------------

POST = "---\ntitle: Café\ndate: 2026-01-01\n---\nNaïve text.\n"


@pytest.mark.parametrize(
    ("rel", "data", "says"),
    [
        (
            "content/posts/latin1.md",
            POST.encode("latin-1"),
            "content/posts/latin1.md:2:11: error: the file is not UTF-8",
        ),
        ("content/posts/utf16.md", POST.encode("utf-16"), "content/posts/utf16.md:1: error: the file is UTF-16"),
        ("site.toml", 'title = "Café"\n'.encode("latin-1"), "site.toml:1:13: error: the file is not UTF-8"),
        (
            "content/posts/early.md",
            b"---\ntitle: T\ndate: 0001-01-01T00:00:00+14:00\n---\n",
            "content/posts/early.md:3: error: date 0001-01-01 00:00:00+14:00 is outside the range",
        ),
        (
            "content/posts/late.md",
            b"---\ntitle: T\ndate: 9999-12-31T23:59:59-14:00\n---\n",
            "content/posts/late.md:3: error: date",
        ),
        ("content/feed.xml/index.md", b"---\ntitle: T\ndate: 2026-01-01\n---\n", "collides with /feed.xml"),
        ("content/404.html.md", b"---\ntitle: T\ndate: 2026-01-01\n---\n", "collides with /404.html"),
        ("templates/post.html", b"{{ 1 / 0 }}", "templates/post.html:1: error: template error"),
        ("templates/base.html", b"{% for %}", "base.html:1: error: template syntax error"),
    ],
)
def test_bad_files_give_an_error_naming_them(make_site, capsys, rel, data, says):
    root = make_site()
    path = root / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    code, text = run_cli(capsys, "build", "--root", str(root))
    assert code == 1, text
    assert says in text
    assert "hint:" in text and "Traceback" not in text and "internal error" not in text
    assert not (root / "public").exists()


def test_a_byte_order_mark_is_fine(make_site):
    root = make_site()
    (root / "content/posts/bom.md").write_bytes(b"\xef\xbb\xbf" + POST.encode())
    build_site(root)
    assert "Naïve text." in (root / "public/posts/bom/index.html").read_text()


def test_a_post_past_the_size_limit_is_refused_at_once(make_site):
    root = make_site()
    big = root / "content/posts/huge.md"
    big.write_bytes(POST.encode() + b"x" * (9 * 2**20))
    with pytest.raises(BuildFailed) as failed:
        build_site(root)  # refused by its size, before it is read (a 50 MB post used to take 87 s)
    assert "posts are limited to 8 MiB" in failed.value.errors[0].message


def test_an_unclosed_table_in_a_summary_stays_in_its_listing(make_site):
    root = make_site()
    write(root, "content/posts/table.md", "---\ntitle: T\ndate: 2027-01-01\nsummary: <table><tr><td>cell\n---\nBody\n")
    build_site(root)
    home = (root / "public/index.html").read_text()
    listing = home.split("<table>", 1)[1]
    assert "</table>" in listing.split("First steps", 1)[0], "the table closes before the next post's entry"


# --- bugs and signals ------------------------------------------------------------------------------


def test_a_bug_is_a_short_internal_error_naming_the_post(make_site, capsys, monkeypatch):
    root = make_site()

    def broken(*args: object, **kwargs: object) -> None:
        raise KeyError("mathml")

    monkeypatch.setattr("site_gen.render.render_post", broken)
    code, text = run_cli(capsys, "build", "--root", str(root), "-j", "1")
    assert code == 70
    assert "internal error while processing content/" in text and "KeyError" in text
    assert "--debug" in text and "Traceback" not in text
    with pytest.raises(KeyError):
        main(["--debug", "build", "--root", str(root), "-j", "1"])


@pytest.mark.parametrize("moment", [".public.building-*", ".pagefind-pages-*"], ids=["staging", "indexing"])
def test_sigterm_during_a_build_leaves_no_staging_folder(make_site, tmp_path, moment):
    """SIGTERM once the output is staged, or once the search index of a shard is being made
    (Pagefind, on a thread, writing into the staging folder): nothing is left behind."""
    root = make_site()
    for number in range(400):
        write(
            root, f"content/posts/p{number:03}.md", f"---\ntitle: P{number}\ndate: 2026-01-01\n---\n" + "Text. " * 200
        )
    process = subprocess.Popen(
        [sys.executable, "-m", "site_gen.cli", "build", "--root", str(root), "-j", "1"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    deadline = time.monotonic() + 120
    while not list(root.glob(moment)):
        assert process.poll() is None, f"the build ended before {moment} appeared"
        assert time.monotonic() < deadline
        time.sleep(0.005)
    process.send_signal(signal.SIGTERM)
    assert process.wait(timeout=30) == 143
    assert not list(root.glob(".public.*")) and not list(root.glob(".pagefind-*")), os.listdir(root)
    assert not (root / "public").exists()
    assert b"Traceback" not in process.stderr.read() if process.stderr else True


# --- raw HTML in Markdown ----------------------------------------------------------------------------


def test_raw_html_passes_through_unless_the_site_turns_it_off(make_site):
    post = (
        "---\ntitle: Raw\ndate: 2026-06-01\n---\n"
        "A <b>bold</b> move.\n\n<script>alert(1)</script>\n\n<!--more-->\nRest.\n"
    )
    root = make_site({"content/posts/raw.md": post})
    build_site(root)
    page = (root / "public/posts/raw/index.html").read_text()
    assert "<b>bold</b>" in page and "<script>alert(1)</script>" in page
    toml = (root / "site.toml").read_text().replace("[macros]", "raw_html = false\n\n[macros]")
    (root / "site.toml").write_text(toml)
    build_site(root)
    page = (root / "public/posts/raw/index.html").read_text()
    assert "<script" not in page and "<b>" not in page
    assert page.count("<!-- raw HTML omitted -->") == 3
    assert "Rest." not in (root / "public/index.html").read_text(), "<!--more--> still ends the summary"


def test_control_characters_in_a_notebook_are_removed_too(make_site):
    notebook = {
        "cells": [{"cell_type": "markdown", "metadata": {}, "source": ["# Pasted\n", "Page\x0cbreak \x07 here.\n"]}],
        "metadata": {"title": "Pasted", "date": "2026-04-02"},
        "nbformat": 4,
        "nbformat_minor": 5,
    }
    root = make_site()
    (root / "content/posts/pasted.ipynb").write_text(json.dumps(notebook), encoding="utf-8")
    result = build_site(root)
    etree.fromstring((root / "public/feed.xml").read_bytes())
    assert any("XML cannot hold" in w.message for w in result.warnings)
    assert "Pagebreak  here." in (root / "public/posts/pasted/index.html").read_text()


def test_serve_write_refuses_a_public_folder_that_is_not_ours(make_site, capsys):
    root = make_site()
    write(root, "public/thesis.tex", "not a site")
    code, text = run_cli(capsys, "serve", "--root", str(root), "--write", "--port", "0")
    assert code == 1 and "not written by site_gen" in text
    assert (root / "public/thesis.tex").read_text() == "not a site"


def test_a_diagram_file_used_from_a_post_is_read_safely(make_site, tmp_path):
    root = make_site()
    write(root, "content/posts/uses.md", "---\ntitle: D\ndate: 2026-01-01\n---\n![A](/diagrams/d.json)\n")
    (root / "diagrams").mkdir(exist_ok=True)
    (root / "diagrams/d.json").write_bytes('{"caption": "Caf\u00e9", "nodes": [{"id": "a"}]}'.encode("latin-1"))
    with pytest.raises(BuildFailed) as failed:
        build_site(root)
    assert "not UTF-8" in failed.value.errors[0].message
    (root / "diagrams/d.json").unlink()
    outside = write(tmp_path, "d.json", '{"nodes": [{"id": "secret"}]}')
    (root / "diagrams/d.json").symlink_to(outside)
    with pytest.raises(BuildFailed) as failed:
        build_site(root)
    assert "symlink leads out of the site" in failed.value.errors[0].message


def test_a_signal_during_the_final_swap_waits_until_the_new_site_is_in_place(tmp_path):
    """Between the two renames of commit() there is no site at all: Ctrl-C must not land there."""
    from site_gen.output import StagedOutput, _signals_deferred

    with StagedOutput(tmp_path / "public") as out:
        out.write("index.html", b"old")
        out.commit()
    staged = StagedOutput(tmp_path / "public")
    staged.write("index.html", b"new")
    with pytest.raises(KeyboardInterrupt), _signals_deferred():
        os.kill(os.getpid(), signal.SIGINT)
        staged.commit()  # the signal arrived first, yet the swap completes
    assert (tmp_path / "public/index.html").read_bytes() == b"new"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["public"]
