"""Quarto ``.qmd`` posts, read as they are, so a post moves between Quarto and site_gen unchanged.

Quarto's Markdown is Pandoc's, which our syntax already follows for cells
(```` ```{python} ```` with ``#|`` options), callouts and math. What differs is
front matter (``categories`` for tags, ``description`` for the summary,
``execute:`` as a mapping of cell defaults) and chunks in languages we do
not run (``{r}``, ``{julia}``): those are shown as code, with a warning.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from ..errors import ContentError, ContentWarning
from . import markdown
from .source import Source

# Quarto keys with a meaning here, as ours.
RENAMED = {"categories": "tags", "description": "summary", "date-modified": "updated"}
# Quarto keys that only steer Quarto's own output: dropped without a word.
QUARTO_ONLY = (
    "format", "editor", "toc", "toc-depth", "toc-title", "number-sections", "code-fold", "code-tools",
    "title-block-banner", "page-layout", "jupyter-execute", "engine", "knitr", "filters", "lang", "citation",
    "image", "image-alt", "author", "subtitle", "abstract", "keywords", "freeze", "comments", "listing",
)  # fmt: skip
_CHUNK = re.compile(r"^(\s*)(`{3,})\{(r|julia|ojs|bash|sql|mermaid|dot)\b[^}]*\}\s*$")


def read(path: Path, rel: Path) -> Source:
    source = markdown.read(path, rel)
    meta, warnings = translate_front_matter(source.meta, rel, source.text)
    body, chunk_warnings = _show_foreign_chunks(source.body, rel, source.body_line)
    return Source(meta, body, source.body_line, source.text, (*source.warnings, *warnings, *chunk_warnings))


def translate_front_matter(meta: dict[str, Any], rel: Path, text: str) -> tuple[dict[str, Any], list[ContentWarning]]:
    """Quarto's front matter in our keys; what has no meaning here is dropped."""
    ours: dict[str, Any] = {}
    warnings: list[ContentWarning] = []
    for key, value in meta.items():
        if key in QUARTO_ONLY:
            continue
        if key == "execute":
            ours.update(_execute(value, rel, text))
            continue
        if key == "draft" and value == "unlinked":
            value = True
        target = RENAMED.get(key, key)
        if target in ours and key != target:  # `tags:` and `categories:` both given: keep ours
            continue
        ours[target] = value
    return ours, warnings


def _execute(value: Any, rel: Path, text: str) -> dict[str, Any]:
    """``execute: false`` as ours; Quarto's ``execute: {eval: false}`` means the same."""
    if isinstance(value, bool):
        return {"execute": value}
    if isinstance(value, dict):
        enabled = value.get("enabled", value.get("eval", True))
        if isinstance(enabled, bool):
            return {"execute": enabled}
    raise ContentError(
        rel,
        markdown.line_of(text, "execute"),
        "'execute' must be true/false or a mapping with `eval: true|false`",
        "write `execute: false` to show code without running it",
    )


def _show_foreign_chunks(body: str, rel: Path, first_line: int) -> tuple[str, list[ContentWarning]]:
    """``{r}`` and other chunks site_gen cannot run become display-only code of that language."""
    lines = body.split("\n")
    warnings = []
    for index, line in enumerate(lines):
        found = _CHUNK.match(line)
        if found:
            indent, ticks, lang = found.groups()
            lines[index] = f"{indent}{ticks}{lang}"
            warnings.append(
                ContentWarning(
                    rel, first_line + index, f"{{{lang}}} chunk shown as code, not run: site_gen runs Python"
                )
            )
    return "\n".join(lines), warnings
