"""kramdown, Jekyll's Markdown: its math and its attribute lists, in our syntax.

kramdown knows one math delimiter, ``$$``. A ``$$…$$`` that is a paragraph of
its own is display math; anywhere else, inside a sentence, it is *inline* math,
which we write ``$…$`` (``\\(…\\)`` where a neighbouring digit would stop
``$`` from being read as math). Posts also write ``\\(…\\)`` and ``\\[…\\]``:
kramdown turns the escaped backslash into one, so MathJax saw ``\\(``; inside
them kramdown's escapes (``\\\\``, ``\\_``) were undone too, and we undo them
the same way. Attribute lists (``{: .class}``, ``{:toc}``) have no meaning here:
they are removed and reported.
"""

from __future__ import annotations

import re

from .context import PostContext
from .markup import Shield, html_comment, line_at

_ENVIRONMENT = re.compile(r"\\begin\{([A-Za-z]+\*?)\}.*?\\end\{\1\}", re.S)
_DOLLARS = re.compile(r"(?<!\\)\$\$")
_ESCAPED_MATH = re.compile(r"\\\\([(\[])(.+?)\\\\([)\]])", re.S)
_TOC = re.compile(r"^[ \t]*(?:[*+-]|\d+\.)[ \t]+.*\n[ \t]*\{:\s*\.?toc\s*\}[ \t]*$", re.M | re.I)
_TOC_ALONE = re.compile(r"^[ \t]*\{:\s*\.?toc\s*\}[ \t]*$", re.M | re.I)
_BLOCK_IAL = re.compile(r"^[ \t>]*\{:(?!/)[^}\n]*\}[ \t]*\n?", re.M)
_SPAN_IAL = re.compile(r"\{:\s*(?:[.#][^}\n]*|[\w-]+=[^}\n]*)\}")
_EXTENSION = re.compile(r"\{::(\w+)[^}]*?/\}|\{::(\w+)[^}]*\}(.*?)\{:/(?:\2)?\}", re.S)
# Macros defined in a hidden div (MathJax reads them anywhere); inside HTML we would never see them.
_HIDDEN_MATH = re.compile(r"<div[^>]*display:\s*none[^>]*>\s*\n((?:\s*\$\$.*?\$\$\s*?\n)+)\s*</div>", re.S | re.I)
_MARKDOWN_ATTR = re.compile(
    r"""^([ \t]*)<(\w+)([^>\n]*?)\s+markdown\s*=\s*["']?(?:1|block|span)["']?([^>\n]*)>[ \t]*$""", re.M
)


def convert(text: str, ctx: PostContext, shield: Shield) -> str:
    """All of kramdown's own syntax in ``text`` (code already shielded)."""
    text = _HIDDEN_MATH.sub(lambda m: "\n" + m.group(1).strip() + "\n", text)
    text = dollars(text, ctx, shield)
    text = escaped_math(text, ctx, shield)
    text = bare_environments(text, shield)
    text = extensions(text, ctx)
    text = attribute_lists(text, ctx)
    return markdown_blocks(text)


def dollars(text: str, ctx: PostContext, shield: Shield) -> str:
    """Pair up ``$$``: display when alone on its lines, otherwise inline."""
    out: list[str] = []
    pos = 0
    marks = [m.start() for m in _DOLLARS.finditer(text)]
    i = 0
    while i < len(marks):
        start = marks[i]
        if start < pos:
            i += 1
            continue
        # A display block (a "$$" opening its line) may hold blank lines; inline math stays in its paragraph.
        crosses = i + 1 < len(marks) and "\n\n" in re.sub(r"[ \t]+\n", "\n", text[start + 2 : marks[i + 1]])
        if i + 1 == len(marks) or (crosses and not _opens_line(text, start)):
            ctx.warn(line_at(text, start, ctx.first_line), "unpaired '$$' kept as text")
            i += 1
            continue
        end = marks[i + 1]
        inner = text[start + 2 : end]
        out.append(text[pos:start])
        if _alone(text, start, end + 2):
            out.append(shield.hide(f"$${_definitions(inner)}$$"))
        else:
            out.append(shield.hide(inline_math(inner, text, start, end + 2)))
        pos = end + 2
        i += 2
    out.append(text[pos:])
    return "".join(out)


def _opens_line(text: str, start: int) -> bool:
    return not text[text.rfind("\n", 0, start) + 1 : start].strip(" \t>")


def _alone(text: str, start: int, end: int) -> bool:
    """Nothing but indentation (or a quote marker) before, nothing but spaces after, on its lines."""
    before = text[text.rfind("\n", 0, start) + 1 : start]
    line_end = text.find("\n", end)
    after = text[end : len(text) if line_end < 0 else line_end]
    return not before.strip(" \t>") and not after.strip()


def _definitions(tex: str) -> str:
    """MathJax reads ``\\def \\red#1{…}`` with a space after ``\\def``; ours wants the name right after it."""
    return re.sub(r"\\(def|newcommand|renewcommand)\s+(\\[A-Za-z]+)", r"\\\1\2", tex)


def inline_math(tex: str, text: str, start: int, end: int) -> str:
    """``$tex$`` where our ``$`` rules allow it (no space inside, no digit beside), else ``\\(tex\\)``."""
    tex = tex.strip()
    line_start = text.rfind("\n", 0, start) + 1
    if text[line_start:start].lstrip().startswith("|"):  # in a table row, "|" would split the cell
        tex = tex.replace("\\|", "\\Vert{}").replace("|", "\\vert{}")
    before = text[start - 1] if start > 0 else " "
    after = text[end] if end < len(text) else " "
    if not tex or "$" in tex or before.isdigit() or after.isdigit() or "\n\n" in tex:
        return f"\\({tex}\\)"
    return f"${tex}$"


def escaped_math(text: str, ctx: PostContext, shield: Shield) -> str:
    """``\\\\(…\\\\)`` and ``\\\\[…\\\\]`` to ``\\(…\\)`` and ``\\[…\\]``, kramdown's escapes undone inside."""

    def one(match: re.Match[str]) -> str:
        opening, tex, closing = match.groups()
        if (opening == "(") != (closing == ")") or "\n\n" in tex:
            return match.group()
        tex = _unescape(tex)
        return shield.hide(f"\\{opening}{tex}\\{closing}")

    return _ESCAPED_MATH.sub(one, text)


def bare_environments(text: str, shield: Shield) -> str:
    """``\\begin{equation}…`` written in prose: MathJax saw it after kramdown's escapes, so undo them here too."""

    def one(match: re.Match[str]) -> str:
        return shield.hide(_unescape(match.group()))

    return _ENVIRONMENT.sub(one, text)


def _unescape(tex: str) -> str:
    # "\{" is a kramdown escape too, but set braces are what the author meant: those stay.
    return re.sub(r"\\([\\_*`|])", r"\1", tex)


def extensions(text: str, ctx: PostContext) -> str:
    """``{::comment}…{:/}`` becomes an HTML comment, ``{::nomarkdown}…{:/}`` its content, the rest goes."""

    def one(match: re.Match[str]) -> str:
        name = match.group(1) or match.group(2)
        body = match.group(3) or ""
        if name == "comment":
            return html_comment(body.strip())
        if name == "nomarkdown":
            return body
        ctx.warn(line_at(text, match.start(), ctx.first_line), f"kramdown extension removed: '{{::{name}}}'")
        return ""

    return _EXTENSION.sub(one, text)


def attribute_lists(text: str, ctx: PostContext) -> str:
    def toc(match: re.Match[str]) -> str:
        ctx.warn(
            line_at(text, match.end(), ctx.first_line) if "\n" in match.group() else line_at(text, match.start()),
            "kramdown '{:toc}' removed: every page here shows its own table of contents",
        )
        return ""

    text = _TOC.sub(toc, text)
    text = _TOC_ALONE.sub(toc, text)

    def ial(match: re.Match[str]) -> str:
        written = match.group().strip().lstrip(">").strip()
        ctx.warn(line_at(text, match.start(), ctx.first_line), f"kramdown attribute list removed: '{written}'")
        return ""

    return _SPAN_IAL.sub(ial, _BLOCK_IAL.sub(ial, text))


def markdown_blocks(text: str) -> str:
    """``<div markdown="1">``: kramdown reads Markdown inside; CommonMark does after a blank line."""
    lines = text.split("\n")
    out: list[str] = []
    closing: list[str] = []
    for line in lines:
        match = _MARKDOWN_ATTR.match(line)
        if match:
            indent, tag, before, after = match.groups()
            out.append(f"{indent}<{tag}{before}{after}>")
            out.append("")
            closing.append(f"</{tag}>")
            continue
        if closing and line.strip() == closing[-1]:
            if out and out[-1].strip():
                out.append("")
            closing.pop()
        out.append(line)
    return "\n".join(out)
