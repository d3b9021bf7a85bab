"""Reading content/: front matter, dates, slugs, bundles — and the errors for bad input."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from site_gen import content
from site_gen.config import load_config
from site_gen.content import read_post, slugify
from site_gen.discovery import discover
from site_gen.errors import ContentError

from .conftest import write


def read(root, rel, text):
    path = write(root, rel, text)
    return read_post(path, load_config(root))


def test_post_fields(tmp_path):
    post = read(
        tmp_path,
        "content/posts/hello.md",
        """
        ---
        title: Hello
        date: 2026-11-01 10:30
        tags: [Machine Learning, math, math]
        ---
        Body
        """,
    )
    assert post.url_path == "posts/hello/" and not post.is_page
    assert post.date == datetime(2026, 11, 1, 10, 30, tzinfo=ZoneInfo("UTC"))
    assert [t.slug for t in post.tags] == ["machine-learning", "math"]
    assert post.body == "Body\n" and post.body_line == 6


def test_page_and_slug_override(tmp_path):
    about = read(tmp_path, "content/about.md", "---\ntitle: About\ndate: 2026-01-01\n---\n")
    assert about.is_page and about.url_path == "about/"
    custom = read(tmp_path, "content/posts/x.md", "---\ntitle: X\ndate: 2026-01-01\nslug: why-x\n---\n")
    assert custom.url_path == "posts/why-x/"


def test_site_timezone_applies_to_naive_dates(tmp_path):
    write(tmp_path, "site.toml", 'timezone = "Europe/Paris"\n')
    post = read(tmp_path, "content/posts/a.md", "---\ntitle: A\ndate: 2026-07-01\n---\n")
    assert post.date.utcoffset().total_seconds() == 7200


@pytest.mark.parametrize(
    ("text", "line", "message"),
    [
        ("no front matter\n", 1, "missing front matter"),
        ("---\ntitle: A\n", 1, "front matter is not closed"),
        ("---\ndate: 2026-01-01\n---\n", 1, "front matter has no 'title'"),
        ("---\ntitle: A\n---\n", 1, "front matter has no 'date'"),
        ("---\ntitle: A\ndate: 2026-13-45\n---\n", 3, "cannot parse date"),
        ("---\ntitle: A\ndate: yesterday\n---\n", 3, "cannot parse date 'yesterday'"),
        ("---\ntitle: A\ndate: 2026-01-01\ntags: [a\n---\n", 5, "invalid YAML"),
        ("---\ntitle: [unclosed\ndate: 2026-01-01\n---\n", 3, "invalid YAML"),
        ("---\ntitle: A\ndate: 2026-01-01\ntitel: B\n---\n", 4, "unknown front matter key 'titel'"),
        ("---\ntitle: A\ndate: 2026-01-01\ndraft: maybe\n---\n", 4, "'draft' must be true or false"),
        ("---\ntitle: A\ndate: 2026-01-01\nslug: Not OK\n---\n", 4, "invalid slug"),
        ("---\n- a list\n---\n", 2, "must be a mapping"),
    ],
)
def test_bad_front_matter_names_file_and_line(tmp_path, text, line, message):
    with pytest.raises(ContentError) as caught:
        read(tmp_path, "content/posts/bad.md", text)
    error = caught.value
    assert error.path.as_posix() == "content/posts/bad.md"
    assert error.line == line
    assert message in error.message
    assert error.hint or "YAML" not in message


def test_discover_skips_drafts_and_bundle_children_and_reports_duplicates(tmp_path):
    write(tmp_path, "content/posts/a.md", "---\ntitle: A\ndate: 2026-01-01\n---\n")
    write(tmp_path, "content/posts/b.md", "---\ntitle: B\ndate: 2026-01-01\nslug: a\n---\n")
    write(tmp_path, "content/posts/d.md", "---\ntitle: D\ndate: 2026-01-01\ndraft: true\n---\n")
    write(tmp_path, "content/posts/bundle/index.md", "---\ntitle: Bundle\ndate: 2026-01-01\n---\n")
    write(tmp_path, "content/posts/bundle/notes.md", "not a post")
    write(tmp_path, "content/posts/bundle/data/x.csv", "1,2\n")
    write(tmp_path, "content/_partials/skip.md", "ignored")
    posts, errors = discover(load_config(tmp_path))
    assert [p.url_path for p in posts] == ["posts/a/", "posts/a/", "posts/bundle/"]
    assert len(errors) == 1 and "also used by" in errors[0].message
    bundle = posts[-1]
    assert [a.name for a in bundle.assets] == ["x.csv"]
    with_drafts, _ = discover(load_config(tmp_path), drafts=True)
    assert "posts/d/" in [p.url_path for p in with_drafts]


def test_slugify():
    assert slugify("Héllo, Wörld!  Again") == "hello-world-again"
    assert slugify("???") == "untitled"


def test_foreign_front_matter_keys_are_ignored_with_a_warning(tmp_path):
    post = read(tmp_path, "content/posts/jekyll.md", "---\ntitle: A\ndate: 2026-01-01\nlayout: post\n---\n")
    assert [(w.line, w.message) for w in post.warnings] == [
        (4, "front matter key 'layout' is not used by site_gen; ignored")
    ]


def test_near_miss_of_a_known_key_is_an_error_with_a_suggestion(tmp_path):
    with pytest.raises(ContentError) as caught:
        read(tmp_path, "content/posts/typo.md", "---\ntitle: A\ndate: 2026-01-01\ntag: [x]\n---\n")
    assert caught.value.hint == "did you mean 'tags'?"


def test_discovery_walks_content_in_rglob_order_and_finds_the_same_bundles(tmp_path):
    """``discovery._walk`` replaces ``sorted(rglob("*"))`` and the hidden-path test; ``near_bundle``
    must never be False where ``_Bundles`` would find an owner."""
    from site_gen.content import _is_hidden
    from site_gen.discovery import _Bundles, _walk

    root = tmp_path / "content"
    for rel in [
        "a-b/x.md", "a/x.md", "a/b/index.md", "a/b/c/deep.md", "a/b/c/notes.rst", "a.md", "A.md",
        "_drafts/d.md", ".git/HEAD", "posts/two/index.md", "posts/two/index.qmd", "posts/two/fig.png",
        "posts/one.md", "posts/one.rst", "posts/sub/_hidden/y.md",
    ]:  # fmt: skip
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_text("x")
    (root / "linked").symlink_to(root / "a", target_is_directory=True)
    expected = [p for p in sorted(root.rglob("*")) if not _is_hidden(p.relative_to(root))]
    walked = _walk(root)
    assert [Path(entry.path) for entry, _ in walked] == expected
    bundles = _Bundles(root)
    for entry, near_bundle in walked:
        path = Path(entry.path)
        if not near_bundle:
            assert bundles.inside(path) is False and (path.name in content.BUNDLE_INDEXES or not bundles.owner(path))
