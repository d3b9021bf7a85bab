"""The watcher's debouncing, without a server: bursts become one batch, temporaries are dropped."""

from __future__ import annotations

import os
import threading
import time
from pathlib import Path

from site_gen.serve.watch import ChangeQueue, Watcher, ignored


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
