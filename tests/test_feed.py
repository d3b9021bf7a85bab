"""The Atom feeds: parsed by a real feed reader and validated against RFC 4287's schema."""

from __future__ import annotations

from functools import cache
from pathlib import Path

import feedparser
from lxml import etree
from lxml import html as lxml_html
from rnc2rng import parser as rnc_parser
from rnc2rng import serializer as rnc_serializer

from site_gen.build import build_site

ATOM = {"a": "http://www.w3.org/2005/Atom"}
SCHEMA = Path(__file__).parent / "schemas" / "atom.rnc"


@cache
def atom_schema() -> etree.RelaxNG:
    """RFC 4287's RELAX NG (compact syntax) converted to the XML syntax lxml reads."""
    rng = rnc_serializer.XMLSerializer().toxml(rnc_parser.parse(SCHEMA.read_text(encoding="utf-8")))
    # rnc2rng declares the empty "local" namespace prefix, which XML forbids; nothing refers to it by prefix.
    return etree.RelaxNG(etree.fromstring(rng.replace('xmlns:local=""', "").encode("utf-8")))


def validate(path: Path) -> etree._ElementTree:
    document = etree.parse(str(path))
    schema = atom_schema()
    assert schema.validate(document), f"{path.name}: {schema.error_log}"
    return document


def test_schema_rejects_an_invalid_feed(tmp_path):
    bad = tmp_path / "bad.xml"
    bad.write_text('<feed xmlns="http://www.w3.org/2005/Atom"><title>no id, no updated</title></feed>')
    assert not atom_schema().validate(etree.parse(str(bad)))


def test_main_feed_is_valid_atom(make_site):
    root = make_site()
    build_site(root)
    document = validate(root / "public/feed.xml")
    parsed = feedparser.parse((root / "public/feed.xml").read_bytes())
    assert not parsed.bozo, parsed.get("bozo_exception")
    assert parsed.version == "atom10"
    assert parsed.feed.title == "Fixture Notebook"
    assert parsed.feed.id == "https://user.github.io/notebook/feed.xml"
    # Newest first, capped at feed_size (3); the draft is not there.
    assert [e.title for e in parsed.entries] == ["A bundle", 'Second "quoted" & <escaped>', "First steps"]
    assert parsed.feed.updated == "2026-03-15T00:00:00Z"
    ids = document.xpath("//a:entry/a:id/text()", namespaces=ATOM)
    assert ids == [
        "https://user.github.io/notebook/posts/bundle/",
        "https://user.github.io/notebook/posts/second/",
        "https://user.github.io/notebook/posts/first/",
    ]


def test_entries_carry_mathml_and_absolute_urls(make_site):
    root = make_site()
    build_site(root)
    parsed = feedparser.parse((root / "public/feed.xml").read_bytes())
    by_title = {entry.title: entry for entry in parsed.entries}
    first = by_title["First steps"]
    body = lxml_html.fromstring(first.content[0].value)
    assert body.xpath("//*[local-name()='math']"), "math arrives as MathML"
    assert "$" not in first.content[0].value
    links = [a.get("href") for a in body.iter("a")]
    assert "https://user.github.io/notebook/posts/second/" in links
    bundle = lxml_html.fromstring(by_title["A bundle"].content[0].value)
    assert [img.get("src") for img in bundle.iter("img")] == ["https://user.github.io/notebook/posts/bundle/plot.svg"]
    second = by_title['Second "quoted" & <escaped>']
    assert second.summary.startswith("A summary with math")
    assert second.updated == "2026-03-01T00:00:00Z" and second.published == "2026-02-10T08:30:00Z"
    assert sorted(tag.term for tag in first.tags) == ["Python", "math"]


def test_every_tag_has_a_valid_feed(make_site):
    root = make_site()
    build_site(root)
    feeds = sorted((root / "public/tags").glob("*/feed.xml"))
    assert [f.parent.name for f in feeds] == ["images", "math", "python"]
    for feed in feeds:
        validate(feed)
    math = feedparser.parse((root / "public/tags/math/feed.xml").read_bytes())
    assert {e.title for e in math.entries} == {"First steps", 'Second "quoted" & <escaped>'}
    assert math.feed.links[0].href == "https://user.github.io/notebook/tags/math/feed.xml"


def test_empty_site_feed_is_still_valid(make_site, tmp_path):
    root = make_site()
    for post in (root / "content/posts").rglob("*.md"):
        post.unlink()
    build_site(root)
    validate(root / "public/feed.xml")


def test_demo_feed_is_valid(demo_site):
    build_site(demo_site)
    validate(demo_site / "public/feed.xml")
    assert not feedparser.parse((demo_site / "public/feed.xml").read_bytes()).bozo
