"""Watch ▶ rebuild, without a server: bursts become one batch, temporaries are dropped, and a
rebuild publishes all of its files or none of them."""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from site_gen.errors import BuildFailed
from site_gen.incremental import Preview
from site_gen.serve.watch import ChangeQueue, Watcher, ignored

from .serve_support import edit


def test_editor_temporaries_are_ignored() -> None:
    for name in (".post.md.swp", "post.md.swx", "4913", "post.md~", ".#post.md", "#post.md#", ".post.md.tmp"):
        assert ignored(Path("content/posts") / name), name
    assert not ignored(Path("content/posts/post.md"))


def test_a_burst_is_one_batch_and_a_late_save_is_one_more() -> None:
    queue = ChangeQueue(debounce=0.05)
    for n in range(100):
        queue.add(Path(f"content/posts/p{n % 3}.md"))
    assert queue.take() == {Path(f"content/posts/p{n}.md") for n in range(3)}
    threading.Timer(0.02, queue.add, [Path("content/posts/late.md")]).start()  # "during the rebuild"
    assert queue.take() == {Path("content/posts/late.md")}
    queue.close()
    assert queue.take() is None


def test_a_completed_save_waits_less_than_a_bare_modification() -> None:
    """A file closed after writing (or renamed into place) ends the wait after ``settle``;
    one only "modified" so far, as a save half-written, gets the whole ``debounce``."""
    queue = ChangeQueue(debounce=0.5, settle=0.01)
    started = time.monotonic()
    queue.add(Path("content/posts/a.md"))
    queue.add(Path("content/posts/a.md"), completed=True)
    assert queue.take() == {Path("content/posts/a.md")}
    assert time.monotonic() - started < 0.4
    started = time.monotonic()
    queue.add(Path("content/posts/a.md"), completed=True)
    queue.add(Path("content/posts/a.md"))  # written again after the close: not done yet
    assert queue.take() == {Path("content/posts/a.md")}
    assert time.monotonic() - started >= 0.5


def test_a_never_ending_burst_still_rebuilds() -> None:
    queue = ChangeQueue(debounce=0.05, max_delay=0.2)
    stop = threading.Event()

    def keep_saving() -> None:
        while not stop.is_set():
            queue.add(Path("content/posts/busy.md"))
            time.sleep(0.01)

    threading.Thread(target=keep_saving, daemon=True).start()
    started = time.monotonic()
    assert queue.take() == {Path("content/posts/busy.md")}
    assert time.monotonic() - started < 1.0
    stop.set()


def test_watcher_sees_atomic_saves_and_ignores_other_folders(tmp_path: Path) -> None:
    (tmp_path / "content/posts").mkdir(parents=True)
    (tmp_path / "public").mkdir()
    (tmp_path / "site.toml").write_text("", encoding="utf-8")
    queue = ChangeQueue(debounce=0.3)
    watcher = Watcher(tmp_path, queue)
    watcher.start()
    try:
        post = tmp_path / "content/posts/a.md"
        swap = tmp_path / "content/posts/.a.md.swp"
        swap.write_text("vim", encoding="utf-8")
        tmp = tmp_path / "content/posts/.a.md.tmp"
        tmp.write_text("new", encoding="utf-8")
        os.replace(tmp, post)
        (tmp_path / "public/index.html").write_text("ignored", encoding="utf-8")
        (tmp_path / "site.toml").write_text('title = "x"', encoding="utf-8")
        assert queue.take() == {post, tmp_path / "site.toml"}
    finally:
        queue.close()
        watcher.stop()


def snapshot(folder: Path) -> dict[str, bytes]:
    return {path.relative_to(folder).as_posix(): path.read_bytes() for path in folder.rglob("*") if path.is_file()}


def test_a_failed_rebuild_leaves_the_last_good_build(make_site: Callable[..., Path], tmp_path: Path) -> None:
    """A good edit and a mistake in one batch: the layout fails after the edited page was made."""
    root = make_site()
    output = tmp_path / "preview"
    preview = Preview(root, output)
    preview.rebuild()
    before = snapshot(output)
    post = root / "content/posts/first.md"
    edit(post, "Gradient of", "A half-applied edit of")
    clash = root / "content/posts/bundle/index.html"  # a bundle file where the bundle's page goes
    clash.write_text("<p>clash</p>", encoding="utf-8")
    with pytest.raises(BuildFailed) as failed:
        preview.rebuild({post, clash})
    assert "posts/bundle/index.html" in str(failed.value.errors[0])
    assert snapshot(output) == before  # not one byte of the failed rebuild is served
    assert not list(tmp_path.glob(".preview.staging-*"))  # and its staging folder is gone
    clash.unlink()
    result = preview.rebuild({post, clash})
    assert "posts/first/index.html" in result.written
    assert b"A half-applied edit of" in (output / "posts/first/index.html").read_bytes()


def test_a_rebuild_writes_only_files_whose_bytes_changed(make_site: Callable[..., Path], tmp_path: Path) -> None:
    root = make_site()
    output = tmp_path / "preview"
    preview = Preview(root, output)
    preview.rebuild()
    page = output / "posts/second/index.html"
    mtime = page.stat().st_mtime_ns
    post = root / "content/posts/first.md"
    edit(post, "Gradient of", "Slope of")
    result = preview.rebuild({post})
    assert "posts/first/index.html" in result.written and "posts/second/index.html" not in result.written
    assert page.stat().st_mtime_ns == mtime


def test_a_bundle_symlink_out_of_the_site_is_never_published(make_site: Callable[..., Path], tmp_path: Path) -> None:
    """Also when a published bundle file is swapped for a link after the first build (the fast
    path re-reads no folder, so only the copy itself can notice)."""
    root = make_site()
    outside = tmp_path / "passwd"
    outside.write_text("root:x:0:0:root:/root:/bin/bash\n", encoding="utf-8")
    notes = root / "content/posts/bundle/notes.txt"
    notes.write_text("my notes", encoding="utf-8")
    output = tmp_path / "preview"
    preview = Preview(root, output)
    preview.rebuild()
    notes.unlink()
    notes.symlink_to(outside)
    with pytest.raises(BuildFailed) as failed:
        preview.rebuild({notes})
    assert "notes.txt" in str(failed.value.errors[0]) and "symlink" in str(failed.value.errors[0])
    assert (output / "posts/bundle/notes.txt").read_bytes() == b"my notes"
    with pytest.raises(BuildFailed):  # and a fresh preview refuses it from the start
        Preview(root, tmp_path / "fresh").rebuild()
    assert not any(b"root:x:0" in data for data in snapshot(tmp_path / "fresh").values())


def test_watcher_follows_bibliographies_outside_its_folders(tmp_path: Path) -> None:
    """A site-wide .bib in refs/ or beside site.toml: the preview names it, the watcher follows it."""
    (tmp_path / "content/posts").mkdir(parents=True)
    (tmp_path / "refs").mkdir()
    (tmp_path / "site.toml").write_text("", encoding="utf-8")
    nested, top = tmp_path / "refs/site.bib", tmp_path / "top.bib"
    for bib in (nested, top):
        bib.write_text("@misc{a, title = {A}}\n", encoding="utf-8")
    queue = ChangeQueue(debounce=0.3)
    watcher = Watcher(tmp_path, queue)
    watcher.start()
    watcher.watch_files({nested, top})
    try:
        (tmp_path / "refs/notes.txt").write_text("not a source", encoding="utf-8")
        (tmp_path / "other.bib").write_text("@misc{b, title = {B}}\n", encoding="utf-8")  # no post reads it
        nested.write_text("@misc{a, title = {A, edited}}\n", encoding="utf-8")
        top.write_text("@misc{a, title = {A, edited}}\n", encoding="utf-8")
        assert queue.take() == {nested, top}
    finally:
        queue.close()
        watcher.stop()
