"""End-to-end: real sites built into temporary folders, the HTML parsed and checked."""

from __future__ import annotations

import hashlib
from pathlib import Path

import html5lib
import pytest
from lxml import html as lxml_html

from site_gen.build import build_site
from site_gen.errors import BuildFailed
from site_gen.render import plain_text

from .conftest import write


def parse(path: Path) -> lxml_html.HtmlElement:
    return lxml_html.fromstring(path.read_bytes())


def tree_digest(folder: Path) -> dict[str, str]:
    return {
        p.relative_to(folder).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


def test_fixture_site_pages_and_urls(make_site, tmp_path):
    root = make_site()
    result = build_site(root)
    public = root / "public"
    assert result.output == public.resolve()
    for page in [
        "index.html",
        "page/2/index.html",
        "posts/first/index.html",
        "posts/second/index.html",
        "posts/bundle/index.html",
        "about/index.html",
        "tags/index.html",
        "tags/math/index.html",
        "tags/python/index.html",
        "archive/index.html",
        "404.html",
        "feed.xml",
        "tags/math/feed.xml",
        "sitemap.xml",
        "robots.txt",
        "static/css/code.css",
        "posts/bundle/plot.svg",
    ]:
        assert (public / page).is_file(), page
    assert not (public / "posts/secret").exists(), "drafts are left out by default"

    post = parse(public / "posts/first/index.html")
    assert post.findtext(".//title").startswith("First steps")
    # Every site link carries the base path of base_url.
    hrefs = [a.get("href") for a in post.iter("a")]
    assert "/notebook/posts/second/" in hrefs
    assert "/notebook/tags/math/" in hrefs
    stylesheets = [link.get("href") for link in post.iter("link") if link.get("rel") == "stylesheet"]
    assert "/notebook/static/css/site.css" in stylesheets and "/notebook/static/css/code.css" in stylesheets
    canonical = [link.get("href") for link in post.iter("link") if link.get("rel") == "canonical"]
    assert canonical == ["https://user.github.io/notebook/posts/first/"]
    feeds = [link.get("href") for link in post.iter("link") if link.get("type") == "application/atom+xml"]
    assert "https://user.github.io/notebook/feed.xml" in feeds
    og = {m.get("property"): m.get("content") for m in post.iter("meta") if m.get("property")}
    assert og["og:type"] == "article" and og["og:url"] == "https://user.github.io/notebook/posts/first/"


def test_math_and_code_reach_the_page(make_site):
    root = make_site()
    build_site(root)
    first = parse(root / "public/posts/first/index.html")
    maths = first.xpath("//*[local-name()='math']")
    assert len(maths) >= 3
    assert any(m.get("display") == "block" for m in maths)
    assert "\\sum" not in plain_text_of_body(first), "TeX must be converted, not shown raw"
    second = parse(root / "public/posts/second/index.html")
    assert second.xpath("//figcaption[contains(@class,'code-filename')]")[0].text_content().strip() == "step.py"
    assert second.xpath("//*[contains(@class,'highlight')]//span")


def plain_text_of_body(doc: lxml_html.HtmlElement) -> str:
    main = doc.find(".//main")
    for node in main.xpath(".//*[local-name()='math']"):
        node.drop_tree()
    return main.text_content()


def test_bundle_image_is_a_figure_beside_the_page(make_site):
    root = make_site()
    build_site(root)
    page = parse(root / "public/posts/bundle/index.html")
    figure = page.xpath("//main//figure[img]")[0]
    assert figure.find("img").get("src") == "/notebook/posts/bundle/plot.svg"
    assert figure.findtext("figcaption").strip() == "The loss going down"


def test_home_is_paginated_newest_first(make_site):
    root = make_site()
    build_site(root)
    home = parse(root / "public/index.html")
    titles = [a.text_content().strip() for a in home.xpath("//main//article//h2//a")]
    assert titles == ["A bundle", 'Second "quoted" & <escaped>']
    second_page = parse(root / "public/page/2/index.html")
    assert [a.text_content().strip() for a in second_page.xpath("//main//article//h2//a")] == ["First steps"]


def test_drafts_flag_includes_drafts(make_site):
    root = make_site()
    build_site(root, drafts=True)
    assert (root / "public/posts/secret/index.html").is_file()


def test_archive_and_tags(make_site):
    root = make_site()
    build_site(root)
    tag = parse(root / "public/tags/math/index.html")
    assert {a.text_content().strip() for a in tag.xpath("//main//article//h2//a")} == {
        "First steps",
        'Second "quoted" & <escaped>',
    }
    tags = parse(root / "public/tags/index.html")
    assert "/notebook/tags/python/" in [a.get("href") for a in tags.iter("a")]
    archive = parse(root / "public/archive/index.html")
    assert "2026" in archive.find(".//main").text_content()


def test_sitemap_and_robots(make_site):
    from lxml import etree

    root = make_site()
    build_site(root)
    sitemap = etree.parse(str(root / "public/sitemap.xml"))
    locs = sitemap.xpath("//s:loc/text()", namespaces={"s": "http://www.sitemaps.org/schemas/sitemap/0.9"})
    assert "https://user.github.io/notebook/posts/first/" in locs
    assert locs == sorted(locs)
    assert "Sitemap: https://user.github.io/notebook/sitemap.xml" in (root / "public/robots.txt").read_text()


def test_every_page_is_valid_html5(make_site):
    root = make_site()
    build_site(root, drafts=True)
    pages = sorted((root / "public").rglob("*.html"))
    assert len(pages) >= 10
    for page in pages:
        parser = html5lib.HTMLParser(strict=True, namespaceHTMLElements=False)
        try:
            parser.parse(page.read_bytes())
        except html5lib.html5parser.ParseError as exc:  # pragma: no cover - the message is the point
            pytest.fail(f"{page.relative_to(root)}: {exc}")
        ids = parse(page).xpath("//@id")
        assert len(ids) == len(set(ids)), f"duplicate ids in {page}"


def test_same_inputs_give_identical_bytes(make_site, tmp_path):
    root = make_site()
    build_site(root, output=tmp_path / "one")
    build_site(root, output=tmp_path / "two")
    assert tree_digest(tmp_path / "one") == tree_digest(tmp_path / "two")


def test_failed_build_leaves_previous_output_untouched(make_site):
    root = make_site()
    build_site(root)
    before = tree_digest(root / "public")
    write(root, "content/posts/broken.md", "---\ntitle: Broken\ndate: 2026-05-01\n---\n$\\frac{1}{$\n")
    with pytest.raises(BuildFailed) as failed:
        build_site(root)
    assert any("broken.md" in str(error) for error in failed.value.errors)
    assert tree_digest(root / "public") == before
    leftovers = [p.name for p in root.iterdir() if p.name.startswith(".public")]
    assert leftovers == [], "the staging folder is removed after a failure"


def test_all_errors_reported_in_one_build(make_site):
    root = make_site(
        {
            "content/posts/a.md": "---\ntitle: A\n---\nno date\n",
            "content/posts/b.md": "---\ntitle: B\ndate: someday\n---\n",
        }
    )
    with pytest.raises(BuildFailed) as failed:
        build_site(root)
    messages = "\n".join(str(e) for e in failed.value.errors)
    assert "a.md:1: error: front matter has no 'date'" in messages
    assert "b.md:3: error: cannot parse date 'someday'" in messages


def test_site_without_own_templates_uses_bundled_theme(make_site):
    root = make_site()
    assert not (root / "templates").exists()
    build_site(root)
    assert (root / "public/static/css/site.css").is_file()


def test_site_template_overrides_theme(make_site):
    root = make_site()
    write(root, "templates/404.html", "<!DOCTYPE html><html lang=en><title>gone</title><p>Custom 404</p></html>\n")
    build_site(root)
    assert "Custom 404" in (root / "public/404.html").read_text()


def test_template_error_names_the_template(make_site):
    root = make_site()
    write(root, "templates/archive.html", "{% extends 'base.html' %}\n{% block content %}{{ nope.x }}{% endblock %}\n")
    with pytest.raises(BuildFailed) as failed:
        build_site(root)
    error = failed.value.errors[0]
    assert str(error.path).endswith("archive.html") and error.line == 2
    assert "nope" in error.message


def test_plain_text_uses_tex_for_math():
    fragment = '<p>Loss <math alttext="L(\\theta)"><mi>L</mi></math> goes <em>down</em>.</p>'
    assert plain_text(fragment) == "Loss L(\\theta) goes down."


def test_demo_site_builds(demo_site):
    result = build_site(demo_site)
    assert result.pages >= 8
    public = demo_site / "public"
    hello = parse(public / "posts/hello-world/index.html")
    assert hello.xpath("//*[local-name()='math']")
    assert hello.xpath("//nav[contains(@class,'toc')]")
    assert not list(public.glob("posts/*draft*"))
    for page in sorted(public.rglob("*.html")):
        html5lib.HTMLParser(strict=True, namespaceHTMLElements=False).parse(page.read_bytes())


def test_redirect_pages_are_published_at_the_site_root(make_site):
    """``site-gen import`` leaves a page at each old URL in redirects/; the build publishes them."""
    from site_gen.errors import BuildFailed

    root = make_site()
    write(root, "redirects/2020/01/14/old-post.html", '<meta http-equiv="refresh" content="0; url=/posts/first/">')
    build_site(root)
    assert "url=/posts/first/" in (root / "public/2020/01/14/old-post.html").read_text()
    write(root, "redirects/posts/first/index.html", "collides with the post")
    with pytest.raises(BuildFailed) as failed:
        build_site(root)
    assert "posts/first/index.html" in failed.value.errors[0].message


def test_markdown_images_beside_the_post_get_their_size(make_site):
    """width/height from the file's header, so the page does not jump while the image loads."""
    root = make_site()
    png = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x01\x90\x00\x00\x00\xc8\x08\x06\x00\x00\x00"
    (root / "content/posts/bundle/wide.png").write_bytes(png)
    source = root / "content/posts/bundle/index.md"
    source.write_text(source.read_text() + "\nInline ![wide](wide.png) and ![remote](https://example.com/x.png).\n")
    build_site(root)
    html = (root / "public/posts/bundle/index.html").read_text(encoding="utf-8")
    assert '<img src="/notebook/posts/bundle/wide.png" alt="wide" width="400" height="200" />' in html
    assert '<img src="https://example.com/x.png" alt="remote" />' in html
