"""d2l-book (Dive into Deep Learning): roles, labels and one framework's code.

A d2l chapter file has no front matter: the title is its ``# heading``, and
cross-references are roles: ``:label:`` after a heading, figure or display
equation, ``:numref:`` and ``:eqref:`` citing them (across files too),
``:cite:`` for the bibliography. Code cells are ```` ```{.python .input} ````,
one per framework (``%%tab pytorch``, ``#@tab mxnet``); one framework is kept
(PyTorch, d2l's default), and cells are shown, not run: they need the ``d2l``
package and data downloads (``execute: false``; set it to ``true`` to run them).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from ..content import slugify
from . import assets
from .context import PostContext, SiteInfo
from .frontmatter import Header
from .markup import Shield, line_at, read_source
from .posts import Converted, Source, new_slug, our_meta
from .report import Report

NAME = "d2l"
FRAMEWORK = "pytorch"
_CELL = re.compile(r"^```\{\.python\s+\.(input|output)[^}\n]*\}[ \t]*\n(.*?)^```[ \t]*$", re.M | re.S)
_TAB_MARK = re.compile(r"^\s*(?:%%tab|#@tab)\s+(.+?)\s*$")
_TABS = re.compile(r"^:begin_tab:`?([\w, ]+)`?[ \t]*\n(.*?)^:end_tab:[ \t]*\n?", re.M | re.S)
_LABEL = re.compile(r"^:(label|eqlabel):`([^`]+)`[ \t]*$", re.M)
_ROLE = re.compile(r":(numref|eqref|cite|ref|width|label|eqlabel):`([^`]*)`")
_TOC = re.compile(r"^```toc[^\n]*\n(.*?)^```[ \t]*$", re.M | re.S)
_SKIPPED = frozenset({"_build", "build", "static", "img", "data", ".git"})


@dataclass(frozen=True)
class Label:
    """Where a ``:label:`` points: a section (heading id), a figure, a table, an equation."""

    kind: str  # "sec", "fig", "tab", "eq"
    post: str  # the file stem of the post that defines it
    anchor: str  # the element id in that post ("" for the post's own title)
    text: str  # how a :numref: to it reads


def site_info(src: Path, report: Report) -> SiteInfo:
    return SiteInfo(title=_book_title(src))


def _book_title(src: Path) -> str:
    config = src / "config.ini"
    if config.is_file():
        match = re.search(r"^title\s*=\s*(.+)$", config.read_text(encoding="utf-8", errors="replace"), re.M)
        if match:
            return match.group(1).strip()
    return ""


def sources(src: Path, site: SiteInfo, report: Report) -> list[Source]:
    found = []
    for path in sorted(src.rglob("*.md")):
        rel = path.relative_to(src)
        if any(part in _SKIPPED or part.startswith((".", "_")) for part in rel.parts[:-1]):
            continue
        if not rel.parts[:-1] and path.stem.lower() in ("readme", "index", "license", "contributing"):
            continue
        text = read_source(path, src, report)
        if text is None:
            continue
        name = rel.parent.name if path.stem == "index" and rel.parent.parts else path.stem
        found.append(Source(path=path, header=Header({}, text, 1), slug=new_slug(name), old_url=_old_url(rel)))
    site.settings["labels"] = _all_labels(found)
    return found


def _old_url(rel: Path) -> str:
    return "/" + rel.with_suffix(".html").as_posix()


def _all_labels(found: list[Source]) -> dict[str, Label]:
    """Every label of every file, so a :numref: can point into another post."""
    labels: dict[str, Label] = {}
    for source in found:
        counts = {"fig": 0, "tab": 0, "eq": 0}
        lines = source.header.body.split("\n")
        for index, line in enumerate(lines):
            match = _LABEL.match(line)
            if not match or index == 0:
                continue
            before = lines[index - 1].strip()
            name = match.group(2).strip()
            if match.group(1) == "eqlabel":
                counts["eq"] += 1
                labels[name] = Label("eq", source.slug, name, f"({counts['eq']})")
            elif before.startswith("#"):
                title = before.lstrip("#").strip()
                first = before.startswith("# ")
                labels[name] = Label("sec", source.slug, "" if first else slugify(title), title)
            elif before.startswith("!["):
                counts["fig"] += 1
                labels[name] = Label("fig", source.slug, name, f"Fig. {counts['fig']}")
            elif before.startswith("|") or before.startswith(":"):
                counts["tab"] += 1
                labels[name] = Label("tab", source.slug, name, f"Table {counts['tab']}")
    return labels


def convert(source: Source, ctx: PostContext) -> Converted:
    labels: dict[str, Label] = ctx.site.settings.get("labels", {})
    text = cells(source.header.body, ctx)
    text = _TABS.sub(lambda m: m.group(2) if _wanted(m.group(1)) else "\n" * m.group().count("\n"), text)
    shield = Shield()
    text = _TOC.sub(lambda m: _toc(m.group(1), ctx), text)
    text = shield.fences(text)
    text = roles(text, ctx, labels, source.slug)  # before inline code is shielded: a role's value is in backticks
    text = shield.inline_code(text)
    text = assets.rewrite(text, ctx)
    text = label_lines(shield.restore(text), labels)
    meta, body = our_meta(source, ctx, text)
    meta["execute"] = False
    return Converted(source, meta, body, assets=ctx.assets, generated=ctx.generated)


def cells(text: str, ctx: PostContext) -> str:
    """d2l's code cells: keep one framework's, as ```` ```{python} ```` (outputs as plain blocks)."""

    def one(match: re.Match[str]) -> str:
        kept = _cell(match.group(1), match.group(2))
        # Pad with the lines a dropped marker took, so later findings name the right source line.
        return kept + "\n" * max(0, match.group().count("\n") - kept.count("\n"))

    return _CELL.sub(one, text)


def _cell(kind: str, code: str) -> str:
    """One cell as we show it, or "" when it belongs to another framework or to d2lbook's machinery."""
    lines = code.split("\n")
    first = next((i for i, line in enumerate(lines) if line.strip()), None)
    if first is not None and (tab := _TAB_MARK.match(lines[first])):
        if not _wanted(tab.group(1)):
            return ""
        del lines[first]
    body = "\n".join(lines).strip("\n")
    if not body or "d2lbook.tab" in body or body.startswith("tab.interact_select"):
        return ""
    return f"```\n{body}\n```" if kind == "output" else f"```{{python}}\n{body}\n```"


def _wanted(tabs: str) -> bool:
    names = {name.strip().lower() for name in tabs.replace(",", " ").split()}
    return "all" in names or FRAMEWORK in names


def roles(text: str, ctx: PostContext, labels: dict[str, Label], slug: str) -> str:
    """``:numref:``, ``:eqref:``, ``:cite:``, ``:width:`` in prose (code shielded)."""
    cited: list[int] = []

    def one(match: re.Match[str]) -> str:
        role, value = match.group(1), match.group(2).strip()
        line = line_at(text, match.start(), ctx.first_line)
        if role in ("label", "eqlabel"):
            return match.group()  # handled line by line afterwards
        if role == "cite":
            cited.append(line)
            return "[" + ", ".join(key.strip() for key in value.split(",")) + "]"
        if role == "width":
            ctx.warn(line, f"image width dropped: ':width:`{value}`'")
            return ""
        return _reference(role, value, labels, slug, ctx, line)

    text = _ROLE.sub(one, text)
    if cited:
        ctx.warn(cited[0], f"citations kept as their keys: {len(cited)} :cite: (the bibliography is not imported)")
    return text


def _reference(role: str, name: str, labels: dict[str, Label], slug: str, ctx: PostContext, line: int) -> str:
    label = labels.get(name)
    if label is None:
        ctx.warn(line, f"reference to a label no imported file defines: ':{role}:`{name}`' (kept as text)")
        return f"`{name}`"
    if label.kind == "eq" and label.post == slug:
        return f"\\eqref{{{name}}}"
    here = "" if label.post == slug else f"/posts/{label.post}/"
    target = here + (f"#{label.anchor}" if label.anchor else "")
    return f"[{label.text}]({target or '#'})"


def label_lines(text: str, labels: dict[str, Label]) -> str:
    """``:eqlabel:`` numbers the equation above it; ``:label:`` gives a figure or table an anchor."""
    lines = text.split("\n")
    for index, line in enumerate(lines):
        match = _LABEL.match(line)
        if not match or index == 0:
            continue
        name = match.group(2).strip()
        before = lines[index - 1].rstrip()
        if match.group(1) == "eqlabel" and before.endswith("$$"):
            lines[index - 1], lines[index] = f"{before} ({name})", ""
        elif labels.get(name, Label("", "", "", "")).kind in ("fig", "tab"):
            lines[index - 1], lines[index] = f'<div id="{name}"></div>\n\n{before}', ""
        else:
            lines[index] = ""
    return "\n".join(lines)


def _toc(listing: str, ctx: PostContext) -> str:
    """A chapter's ```` ```toc ```` block: links to the imported posts it lists."""
    items = []
    for entry in listing.split("\n"):
        name = entry.strip()
        if not name or name.startswith(":"):
            continue
        url = ctx.new_urls.get(Path(name).stem)
        items.append(f"- [{name}]({url})" if url else f"- {name}")
    return "\n".join(items)
