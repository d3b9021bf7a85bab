"""Which files an import writes: posts (a bundle folder when they bring files), redirects, site.toml.

Kept apart from converting and from writing, so the whole output of an import
is one dictionary of paths to bytes that a test can look at without a disk.
"""

from __future__ import annotations

import json

from .context import SiteInfo
from .frontmatter import dump
from .posts import Converted
from .redirects import page, page_path
from .report import Report

POSTS = "content/posts"


def plan_files(posts: list[Converted], site: SiteInfo, report: Report, *, owns_config: bool) -> dict[str, bytes]:
    files: dict[str, bytes] = {}
    for post in posts:
        files |= _post_files(post, report)
        _redirect(post, site, report, files)
    if site.feed and site.feed != "/feed.xml":
        report.warn(
            "",
            1,
            f"the old feed was {site.feed}, ours is /feed.xml: redirect it on the web server with a 301 "
            "(feed readers follow HTTP redirects, not redirect pages)",
        )
    if owns_config:
        files["site.toml"] = site_toml(site).encode("utf-8")
    elif site.macros:
        report.warn("", 1, "site.toml exists and was kept: add the old site's macros under [macros] by hand")
    return files


def _post_files(post: Converted, report: Report) -> dict[str, bytes]:
    slug = post.source.slug
    text = dump(post.meta, post.body) if post.suffix == ".md" else post.body
    data = text.encode("utf-8")
    if not post.assets and not post.generated:
        return {f"{POSTS}/{slug}{post.suffix}": data}
    if post.suffix == ".md":
        folder, index = f"{POSTS}/{slug}", "index.md"
        files = {f"{folder}/{index}": data}
    else:  # a notebook post cannot be a bundle's index: its files go under static/
        folder = f"static/posts/{slug}"
        files = {f"{POSTS}/{slug}{post.suffix}": data}
    for name, path in sorted(post.assets.items()):
        files[f"{folder}/{name}"] = path.read_bytes()
        report.assets += 1
    for name, content in sorted(post.generated.items()):
        files[f"{folder}/{name}"] = content
    return files


def _redirect(post: Converted, site: SiteInfo, report: Report, files: dict[str, bytes]) -> None:
    """A redirect page at the post's old URL and at each of its aliases, unless one is the new URL."""
    if post.meta.get("draft"):
        return  # never published: no one has its old address
    new = f"posts/{post.source.slug}/"
    canonical = (site.base_url or site.base_path) + new
    for old in dict.fromkeys([post.source.old_url, *post.source.aliases]):
        where = page_path(old)
        if not where or old.strip("/") == new.strip("/") or f"redirects/{where}" in files:
            continue
        files[f"redirects/{where}"] = page(site.base_path + new, canonical, str(post.meta.get("title", ""))).encode()
        report.redirects += 1


def site_toml(site: SiteInfo) -> str:
    """A site.toml for the imported blog: its title, its address, the macros it defined."""
    lines = ["# Written by site-gen import; edit freely: a later import leaves an edited file alone."]
    if site.title:
        lines.append(f"title = {json.dumps(site.title, ensure_ascii=False)}")
    if site.base_url:
        lines.append(f"base_url = {json.dumps(site.base_url)}")
    if site.macros:
        lines += ["", "[macros]"]
        lines += [
            f"{_key(name)} = {json.dumps(value, ensure_ascii=False)}" for name, value in sorted(site.macros.items())
        ]
    return "\n".join(lines) + "\n"


def _key(name: str) -> str:
    return name if name.replace("_", "").isalnum() and name.isascii() else json.dumps(name)
