"""Live reload in a real headless Chromium: edits show up (swapped into the open page, or
reloaded), errors overlay, CSS swaps in place."""

from __future__ import annotations

import shutil
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from site_gen.layout import theme_dirs

from .serve_support import CHROMIUM, CHROMIUM_ARGS, Served, edit

pytestmark = pytest.mark.skipif(
    not CHROMIUM.exists(), reason="needs Debian's chromium at /usr/bin/chromium (apt-get install chromium)"
)
sync_api = pytest.importorskip("playwright.sync_api", reason="needs playwright (pip install -e '.[test]')")
expect = sync_api.expect

LONG_POST = "---\ntitle: A long read\ndate: 2026-05-01\n---\n" + "\n\n".join(
    f"Paragraph {n}: " + "words " * 60 for n in range(80)
)


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    with sync_api.sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture
def site(make_site: Callable[..., Path]) -> Iterator[tuple[Path, Served]]:
    root = make_site({"content/posts/long.md": LONG_POST})
    (root / "static/css").mkdir(parents=True)
    shutil.copy(theme_dirs()[0] / "static/css/site.css", root / "static/css/site.css")
    server = Served(root)
    yield root, server
    assert server.stop() == 0, server.output


@pytest.fixture
def page(browser: Any) -> Iterator[Any]:
    context = browser.new_context()
    page = context.new_page()
    page.set_default_timeout(30_000)  # generous: CI is a loaded 2-core machine
    yield page
    context.close()


def connected(page: Any) -> None:
    """Wait until the page's event stream is open, so the next save is one it hears about."""
    page.locator("#site-gen-livereload[data-state=open]").wait_for(state="attached")


def test_edit_break_and_fix_a_post(site: tuple[Path, Served], page: Any) -> None:
    root, server = site
    post = root / "content/posts/first.md"
    page.goto(server.url + "posts/first/")
    connected(page)
    expect(page.locator(".post-body")).to_contain_text("Gradient of")

    edit(post, "Gradient of", "The slope of")
    expect(page.locator(".post-body")).to_contain_text("The slope of")  # no action from the test: it was swapped in

    lines = post.read_text(encoding="utf-8").splitlines()
    broken_line = lines.index("## Loss") + 1  # the line we are about to replace, 1-based
    edit(post, "## Loss", "Broken $\\frac{1}{$ here")
    overlay = page.locator("#site-gen-overlay")
    expect(overlay).to_be_visible()
    expect(overlay.locator(".site-gen-location")).to_have_text(f"content/posts/first.md:{broken_line}")
    expect(overlay.locator(".site-gen-message")).not_to_be_empty()
    expect(page.locator(".post-body")).to_contain_text("The slope of")  # still the last good page
    assert f"content/posts/first.md:{broken_line}: error:" in server.output  # the terminal says the same

    edit(post, "Broken $\\frac{1}{$ here", "## Loss, again")
    expect(overlay).to_have_count(0)
    expect(page.locator("h2")).to_contain_text("Loss, again")


def test_an_edit_to_the_open_page_is_swapped_in_without_a_reload(site: tuple[Path, Served], page: Any) -> None:
    root, server = site
    page.goto(server.url + "posts/long/")
    connected(page)
    page.evaluate("() => { window.notReloaded = true; window.scrollTo(0, 1500) }")
    page.evaluate(
        "() => document.addEventListener('site-gen:swapped', () => { window.swaps = (window.swaps || 0) + 1 })"
    )
    edit(root / "content/posts/long.md", "title: A long read", "title: A longer read")
    expect(page).to_have_title("A longer read — Fixture Notebook")  # the head's title and meta tags follow
    expect(page.locator("h1")).to_have_text("A longer read")
    assert page.evaluate("() => [window.notReloaded, window.swaps]") == [True, 1]
    assert abs(page.evaluate("() => window.scrollY") - 1500) < 50
    assert page.locator("#site-gen-livereload").count() == 1  # the running script moved into the new body
    og_title = page.locator('meta[property="og:title"]')
    expect(og_title).to_have_attribute("content", "A longer read")

    edit(root / "content/posts/long.md", "Paragraph 3:", "Third paragraph:")  # and the next edit too
    expect(page.locator(".post-body")).to_contain_text("Third paragraph:")
    assert page.evaluate("() => [window.notReloaded, window.swaps]") == [True, 2]


def test_a_page_with_a_script_of_its_own_is_reloaded(site: tuple[Path, Served], page: Any) -> None:
    """A swapped-in script would not run again, so a page with one reloads, and its script runs anew."""
    root, server = site
    post_template = (theme_dirs()[0] / "templates/post.html").read_text(encoding="utf-8")
    article = '<article class="post" data-pagefind-body>'
    assert article in post_template
    script = "<script>window.runs = (window.runs || 0) + 1</script>\n" + article
    (root / "templates").mkdir(exist_ok=True)
    (root / "templates/post.html").write_text(post_template.replace(article, script), encoding="utf-8")
    served = server.folder / "posts/long/index.html"
    server.wait_for(lambda: b"window.runs" in served.read_bytes(), what="the rebuild for the new template")
    page.goto(server.url + "posts/long/")
    connected(page)
    page.evaluate("() => { window.notReloaded = true }")
    assert page.evaluate("() => window.runs") == 1
    edit(root / "content/posts/long.md", "Paragraph 3:", "Third paragraph:")
    expect(page.locator(".post-body")).to_contain_text("Third paragraph:")
    assert page.evaluate("() => [window.notReloaded, window.runs]") == [None, 1]


def test_a_page_opened_while_broken_shows_the_overlay(site: tuple[Path, Served], page: Any) -> None:
    root, server = site
    edit(root / "content/posts/second.md", "title:", "title: [unclosed")
    server.wait_for(lambda: server.status()["errors"], what="the failed build")
    page.goto(server.url + "posts/first/")
    expect(page.locator("#site-gen-overlay .site-gen-location")).to_contain_text("content/posts/second.md:")
    edit(root / "content/posts/second.md", "title: [unclosed", "title:")
    expect(page.locator("#site-gen-overlay")).to_have_count(0)


def test_css_edit_swaps_the_stylesheet_without_a_reload(site: tuple[Path, Served], page: Any) -> None:
    root, server = site
    page.goto(server.url + "posts/first/")
    connected(page)
    page.evaluate("() => { window.notReloaded = true }")
    css = root / "static/css/site.css"
    css.write_text(css.read_text(encoding="utf-8") + "\nh1 { color: rgb(1, 2, 3) !important; }\n", encoding="utf-8")
    expect(page.locator("h1").first).to_have_css("color", "rgb(1, 2, 3)")
    assert page.evaluate("() => window.notReloaded") is True


def test_reload_keeps_the_scroll_position(site: tuple[Path, Served], page: Any) -> None:
    root, server = site
    page.goto(server.url + "posts/long/")
    connected(page)
    page.evaluate("() => window.scrollTo(0, 1500)")
    edit(root / "content/posts/long.md", "Paragraph 79:", "Last paragraph:")
    expect(page.locator(".post-body")).to_contain_text("Last paragraph:")
    page.wait_for_function("() => window.scrollY > 1000")
    assert abs(page.evaluate("() => window.scrollY") - 1500) < 50


def test_an_edit_elsewhere_does_not_reload_this_page(site: tuple[Path, Served], page: Any) -> None:
    root, server = site
    page.goto(server.url + "posts/long/")
    connected(page)
    page.evaluate("() => { window.notReloaded = true }")
    builds = server.status()["builds"]
    edit(root / "content/posts/second.md", "x = 1", "x = 2")
    server.wait_for(lambda: server.status()["builds"] > builds, what="the rebuild")
    page.wait_for_timeout(300)
    assert page.evaluate("() => window.notReloaded") is True


def test_a_rebound_domain_cannot_read_the_preview(site: tuple[Path, Served], browser: Any) -> None:
    """DNS rebinding, simulated: Chromium resolves rebind.test to 127.0.0.1, as an attacker's DNS would."""
    _, server = site
    port = server.origin.rsplit(":", 1)[1]
    args = [*CHROMIUM_ARGS, "--host-resolver-rules=MAP rebind.test 127.0.0.1"]
    rebinding = browser.browser_type.launch(executable_path=str(CHROMIUM), args=args)
    try:
        page = rebinding.new_page()
        page.set_default_timeout(30_000)
        response = page.goto(f"http://rebind.test:{port}/notebook/posts/first/")
        assert response is not None and response.status == 421
        assert "First steps" not in page.content()
        status = page.evaluate("() => fetch('/__site_gen/status').then((r) => r.status)")
        assert status == 421
        response = page.goto(f"http://localhost:{port}/notebook/posts/first/")  # the real names still work
        assert response is not None and response.status == 200 and "First steps" in page.content()
    finally:
        rebinding.close()
