"""Pages settled by site_gen.reach (kept without being described) are exactly the pages a
build describing every page finds unchanged: two copies of one site take the same edits,
one built as usual, the other with nothing settled, and they must make the same pages
and end with the same bytes."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from site_gen import incremental, reach
from site_gen.build import build_site
from site_gen.theme import theme_dirs

from .conftest import SITE_TOML, write
from .test_build import tree_digest

TAGS = ["math", "python", "gpu"]


def _post(i: int, *, title: str | None = None, extra: str = "", front: str = "") -> str:
    tags = ", ".join(TAGS[j] for j in range(3) if (i >> j) & 1) or "misc"
    return (
        f"---\ntitle: {title or f'Post {i}'}\ndate: 2026-03-{1 + i:02d}\ntags: [{tags}]\n{front}---\n"
        f"Opening paragraph {i}, with $x_{i}$.\n\nMore text.{extra}\n"
    )


def _site(root: Path) -> Path:
    write(root, "site.toml", "search = false\n" + SITE_TOML)
    for i in range(9):
        write(root, f"content/posts/p{i}.md", _post(i))
    write(root, "content/about.md", "---\ntitle: About\ndate: 2026-01-01\n---\nAbout.\n")
    return root


def _template(root: Path) -> None:
    theme = next(base / "templates" / "post.html" for base in theme_dirs() if (base / "templates/post.html").is_file())
    write(root, "templates/post.html", theme.read_text(encoding="utf-8") + "\n<!-- edited -->\n")


EDITS: dict[str, Callable[[Path], object]] = {
    "prose at the end": lambda r: write(r, "content/posts/p4.md", _post(4, extra="\n\nA new closing line.")),
    "summary": lambda r: write(r, "content/posts/p4.md", _post(4, front="summary: Another summary.\n")),
    "title": lambda r: write(r, "content/posts/p5.md", _post(5, title="Renamed")),
    "updated date": lambda r: write(r, "content/posts/p2.md", _post(2, front="updated: 2026-05-01\n")),
    "newest post": lambda r: write(r, "content/posts/p8.md", _post(8, extra=" Edited.")),
    "oldest post's title": lambda r: write(r, "content/posts/p0.md", _post(0, title="First of all")),
    "date that reorders": lambda r: write(r, "content/posts/p1.md", _post(1).replace("03-02", "04-20")),
    "tags": lambda r: write(r, "content/posts/p3.md", _post(3).replace("tags: [math, python]", "tags: [gpu]")),
    "standalone page": lambda r: write(r, "content/about.md", "---\ntitle: About me\ndate: 2026-01-01\n---\nMe.\n"),
    "template": _template,
    "new post": lambda r: write(r, "content/posts/p9.md", _post(9)),
    "removed post": lambda r: (r / "content/posts/p6.md").unlink(),
    "settings": lambda r: write(
        r, "site.toml", "search = false\n" + SITE_TOML.replace("feed_size = 3", "feed_size = 4")
    ),
    "touched only": lambda r: (r / "content/posts/p7.md").touch(),
}


@pytest.fixture
def settled_sizes(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """How many pages each build settled."""
    sizes: list[int] = []
    real = reach.settled

    def spy(*args, **kwargs):  # type: ignore[no-untyped-def]
        found = real(*args, **kwargs)
        sizes.append(len(found))
        return found

    monkeypatch.setattr(reach, "settled", spy)
    return sizes


def _describing_all(patch: pytest.MonkeyPatch) -> None:
    patch.setattr(reach, "settled", lambda *args, **kwargs: frozenset())


def _build_describing_all(root: Path, monkeypatch: pytest.MonkeyPatch):  # type: ignore[no-untyped-def]
    with monkeypatch.context() as patch:
        _describing_all(patch)
        return build_site(root, jobs=1)


def test_settled_pages_are_those_a_full_description_finds_unchanged(tmp_path, monkeypatch, settled_sizes):
    ours, reference = _site(tmp_path / "ours"), _site(tmp_path / "reference")
    build_site(ours, jobs=1)
    _build_describing_all(reference, monkeypatch)
    by_edit: dict[str, int] = {}
    for name, edit in EDITS.items():
        edit(ours), edit(reference)
        settled_sizes.clear()
        made = build_site(ours, jobs=1)
        by_edit[name] = sum(settled_sizes)
        expected = _build_describing_all(reference, monkeypatch)
        assert made.made == expected.made, name
        assert made.changed == expected.changed, name
        assert tree_digest(ours / "public") == tree_digest(reference / "public"), name
    # Not vacuous: the edits that leave the shape alone settled most pages, the others none.
    assert by_edit["prose at the end"] > 20
    assert by_edit["title"] > 15
    assert by_edit["date that reorders"] == by_edit["tags"] == by_edit["template"] == by_edit["settings"] == 0


def test_a_prose_edit_describes_only_the_pages_that_show_the_post_in_full(make_site, monkeypatch):
    from site_gen import fingerprints

    root = _site(make_site().parent / "described")
    build_site(root, jobs=1)
    described: list[str] = []
    real = fingerprints.IncrementalOutput._value_text

    def spy(self, role, value):  # type: ignore[no-untyped-def]
        described.append(role)
        return real(self, role, value)

    monkeypatch.setattr(fingerprints.IncrementalOutput, "_value_text", spy)
    EDITS["prose at the end"](root)
    result = build_site(root, jobs=1)
    assert result.made == {"posts/p4/index.html"}
    # The post's page (post, its neighbours, the navigation…) and the feeds of its tags and site.
    assert "posts" not in described  # no listing was described
    assert described.count("post") == 1


def _files(root: Path) -> dict[Path, tuple[int, int]]:
    return {path: (path.stat().st_mtime_ns, path.stat().st_size) for path in root.rglob("*") if path.is_file()}


def test_the_preview_settles_the_same_pages_as_a_full_description(tmp_path, monkeypatch, settled_sizes):
    ours, reference = _site(tmp_path / "ours"), _site(tmp_path / "reference")
    previews = incremental.Preview(ours, ours / "public"), incremental.Preview(reference, reference / "public")
    previews[0].rebuild()
    with monkeypatch.context() as patch:
        _describing_all(patch)
        previews[1].rebuild()
    for name, edit in EDITS.items():
        before = _files(ours)
        edit(ours), edit(reference)
        after = _files(ours)
        changed = [path for path in before.keys() | after.keys() if before.get(path) != after.get(path)]
        settled_sizes.clear()
        made = previews[0].rebuild(changed)
        with monkeypatch.context() as patch:
            _describing_all(patch)
            expected = previews[1].rebuild([reference / path.relative_to(ours) for path in changed])
        assert made.plan.render == expected.plan.render, name
        assert made.written == expected.written, name
        assert tree_digest(ours / "public") == tree_digest(reference / "public"), name
        if name == "prose at the end":
            assert sum(settled_sizes) > 20
