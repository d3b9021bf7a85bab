"""``site-gen new``: the files an author would otherwise copy from an old post."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from pathlib import Path

import yaml

from .config import CONFIG_NAME
from .content import slugify
from .errors import ContentError


def new_post(root: Path, title: str, *, tags: list[str], now: datetime) -> Path:
    """``content/posts/<slug>.md`` with front matter filled in; never overwrites."""
    meta = {"title": title, "date": now.replace(microsecond=0).isoformat(), "tags": tags, "draft": True}
    return _create(root / "content" / "posts" / f"{slugify(title)}.md", meta, "Write here. Math: $E = mc^2$.\n")


def new_page(root: Path, title: str, *, now: datetime) -> Path:
    meta = {"title": title, "date": now.date().isoformat()}
    return _create(root / "content" / f"{slugify(title)}.md", meta, "")


def new_site(folder: Path) -> Path:
    """A minimal site: ``site.toml`` and one post. Templates and CSS come from the bundled theme."""
    if (folder / CONFIG_NAME).exists():
        raise ContentError(folder / CONFIG_NAME, None, "a site already exists here", "pick an empty folder")
    folder.mkdir(parents=True, exist_ok=True)
    (folder / CONFIG_NAME).write_text(
        'title = "My learning notebook"\n'
        'author = "Your Name"\n'
        'description = "Notes on what I am learning."\n'
        'base_url = "http://localhost:8000/"\n',
        encoding="utf-8",
    )
    for name in ("templates", "static", "diagrams"):
        (folder / name).mkdir(exist_ok=True)
    new_post(folder, "Hello, world", tags=["meta"], now=datetime.now().astimezone())
    return folder


def _create(path: Path, meta: Mapping[str, object], body: str) -> Path:
    if path.exists():
        raise ContentError(path, None, "file already exists", "choose another title, or edit the existing file")
    path.parent.mkdir(parents=True, exist_ok=True)
    front = yaml.safe_dump(meta, sort_keys=False, allow_unicode=True)
    path.write_text(f"---\n{front}---\n\n{body}", encoding="utf-8")
    return path
