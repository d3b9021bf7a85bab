"""The built demo site in a headless Chromium, for the accessibility and screenshot tests.

Pages are served from the output folder through Playwright's request routing
(no server, no port): ``http://site.test/posts/x/`` reads ``public/posts/x/index.html``.
"""

from __future__ import annotations

import mimetypes
import shutil
from pathlib import Path
from typing import Any

from site_gen.build import build_site

from .serve_support import REPO

ORIGIN = "http://site.test"


def build_demo(folder: Path) -> Path:
    """Copy the bundled demo site into ``folder``, build it (cells run) and return its output."""
    folder.mkdir(parents=True, exist_ok=True)
    shutil.copy(REPO / "site.toml", folder / "site.toml")
    for part in ("content", "templates", "static", "diagrams"):
        if (REPO / part).is_dir():
            shutil.copytree(REPO / part, folder / part)
    return build_site(folder, jobs=1).output


def pages(public: Path) -> list[str]:
    """Every HTML page of a built site, as URL paths (``/``, ``/posts/x/``, ``/404.html``)."""
    found = []
    for path in sorted(public.rglob("*.html")):
        rel = path.relative_to(public).as_posix()
        found.append("/" + rel.removesuffix("index.html"))
    return found


def serve(context: Any, public: Path) -> None:
    """Answer every request of ``context`` to ORIGIN from ``public``; anything else is refused."""

    def answer(route: Any) -> None:
        url: str = route.request.url
        if not url.startswith(ORIGIN + "/"):
            route.abort()
            return
        rel = url[len(ORIGIN) + 1 :].split("#")[0].split("?")[0]
        path = public / rel
        if path.is_dir():
            path = path / "index.html"
        if not path.is_file() or public.resolve() not in path.resolve().parents:
            route.fulfill(status=404, body="not found")
            return
        kind = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
        route.fulfill(status=200, body=path.read_bytes(), content_type=kind)

    context.route("**/*", answer)
