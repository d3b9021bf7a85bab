"""Real ML posts written by others (../shared/corpus/posts) through the whole build.

These posts come from Jekyll, Hugo, d2l and MyST sites, with their own front
matter and math macros defined in their sites' configs. The build must never
crash on them: every problem is a ContentError naming file and line. The
report of what does not render is printed (run with -s) for the closing notes.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

from site_gen.build import build_site
from site_gen.errors import BuildFailed

from .conftest import SHARED, SHARED_MISSING

POSTS = SHARED / "corpus" / "posts"
pytestmark = pytest.mark.skipif(not POSTS.is_dir(), reason=SHARED_MISSING)


def corpus_posts() -> list[Path]:
    return sorted(p for p in POSTS.glob("*.md") if p.name != "SOURCES.md")


def test_corpus_posts_as_they_are_never_crash(tmp_path):
    """Copied verbatim: missing titles and dates (and bad TeX) are reported, not crashed on."""
    root = tmp_path / "site"
    (root / "content/posts").mkdir(parents=True)
    for post in corpus_posts():
        (root / "content/posts" / post.name).write_text(post.read_text(encoding="utf-8"), encoding="utf-8")
    with pytest.raises(BuildFailed) as failed:
        build_site(root)
    errors = failed.value.errors
    print(f"\ncorpus verbatim: {len(errors)} of {len(corpus_posts())} posts rejected")
    for error in errors:
        print(" ", str(error).splitlines()[0])
        assert error.path is not None and error.line is not None
    assert sum("front matter" in error.message for error in errors) >= 10


def with_title_and_date(post: Path) -> str:
    """The post with the two keys site_gen requires filled in from its file name or first heading."""
    text = post.read_text(encoding="utf-8")
    meta: dict[str, object] = {}
    body = text
    if text.startswith("---\n"):
        end = text.index("\n---", 4)
        meta = yaml.safe_load(text[4:end]) or {}
        body = text[end + 4 :].partition("\n")[2]
    heading = next((line.lstrip("# ").strip() for line in body.splitlines() if line.startswith("# ")), post.stem)
    dated = re.search(r"\d{4}-\d{2}-\d{2}", post.name)
    # The corpus keeps the posts, not their sites' .bib files: a bibliography that is not there
    # is an error (as in Pandoc), so it is left out, and the citations show as written.
    meta.pop("bibliography", None)
    meta = {
        **meta,
        "title": str(meta.get("title") or heading),
        "date": str(meta.get("date") or (dated.group(0) if dated else "2020-01-01"))[:10],
    }
    return "---\n" + yaml.safe_dump(meta, sort_keys=True) + "---\n" + body


def test_corpus_posts_render(tmp_path):
    """With title and date supplied, report which posts still fail and why; most must render."""
    failures: dict[str, str] = {}
    rendered = 0
    for post in corpus_posts():
        root = tmp_path / post.stem
        (root / "content/posts").mkdir(parents=True)
        (root / "content/posts" / post.name).write_text(with_title_and_date(post), encoding="utf-8")
        try:
            build_site(root)
        except BuildFailed as failed:
            failures[post.name] = str(failed.errors[0]).splitlines()[0]
        else:
            rendered += 1
    print(f"\ncorpus with title/date: {rendered} of {len(corpus_posts())} posts render")
    for name, reason in sorted(failures.items()):
        print(f"  {name}: {reason}")
    # Failures today are TeX macros the original sites define in their own
    # MathJax configs (\E, \tp, \xx, \Jf, \blue) and constructs the math issue covers.
    assert rendered >= len(corpus_posts()) // 2
