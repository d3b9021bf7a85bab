"""Pages left at the old addresses, so links and bookmarks keep working.

An imported post lives at ``/posts/<slug>/``; its old address was whatever the
old generator made of its permalink. For each that differs, a small HTML page
with a meta refresh (which works without JavaScript) and a canonical link (so
search engines move the page's rank to the new address) is written under
``redirects/``, in the tree of the old URLs, to be published at the site root.
"""

from __future__ import annotations

import html


def page_path(old_url: str) -> str:
    """Where the redirect page for ``old_url`` goes, below the site root."""
    path = old_url.split("#")[0].split("?")[0].strip("/")
    if not path:
        return ""
    if path.endswith((".html", ".htm")):
        return path
    return path + "/index.html"


def page(new_url: str, canonical: str, title: str) -> str:
    """The redirect itself: meta refresh, canonical link, and a plain link for anyone it does not move."""
    href, absolute, name = html.escape(new_url), html.escape(canonical), html.escape(title)
    return (
        "<!DOCTYPE html>\n"
        '<html lang="en">\n'
        "<head>\n"
        '<meta charset="utf-8">\n'
        f"<title>{name}</title>\n"
        f'<link rel="canonical" href="{absolute}">\n'
        f'<meta http-equiv="refresh" content="0; url={href}">\n'
        '<meta name="robots" content="noindex">\n'
        "</head>\n"
        f'<body><p>This page has moved to <a href="{href}">{name}</a>.</p></body>\n'
        "</html>\n"
    )
