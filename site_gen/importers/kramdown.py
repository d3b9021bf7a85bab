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

import html
import re
import textwrap
from collections.abc import Callable

from .context import PostContext
from .markup import Shield, html_comment, line_at

_ENVIRONMENT = re.compile(r"\\begin\{([A-Za-z]+\*?)\}.*?\\end\{\1\}", re.S)
_RAW_MATH = re.compile(
    r"\\begin\{([A-Za-z]+\*?)\}.*?\\end\{\1\}|\$\$.+?\$\$|\\\[.+?\\\]|\\\(.+?\\\)"
    r"|(?<![\\$])\$(?!\$)(?:[^$\\\n]|\\.)+?(?<!\\)\$",
    re.S,
)
_SINGLE_DOLLAR = re.compile(r"(?<![\\$])\$(?!\$)((?:[^$\\]|\\.)+?)(?<!\\)\$(?!\$)", re.S)
_TEX_LIKE = re.compile(r"[\\^_=]|^\s*[A-Za-z]\s*$")  # "$5 and $10" is money: no TeX in between
_DISPLAY_ANYWHERE = re.compile(r"(?<!\\)\$\$.+?(?<!\\)\$\$", re.S)
_DOLLARS = re.compile(r"(?<!\\)\$\$")
_ESCAPED_MATH = re.compile(r"\\\\([(\[])(.+?)\\\\([)\]])", re.S)
_TOC = re.compile(r"^[ \t]*(?:[*+-]|\d+\.)[ \t]+.*\n[ \t]*\{:\s*\.?toc\s*\}[ \t]*$", re.M | re.I)
_TOC_ALONE = re.compile(r"^[ \t]*\{:\s*\.?toc\s*\}[ \t]*$", re.M | re.I)
_BLOCK_IAL = re.compile(r"^[ \t>]*\{:(?!/)[^}\n]*\}[ \t]*\n?", re.M)
_SPAN_IAL = re.compile(r"\{:\s*(?:[.#][^}\n]*|[\w-]+=[^}\n]*)\}")
_ABBREVIATION = re.compile(r"^\*\[([^\]\n]+)\]:.*\n?", re.M)
_EXTENSION = re.compile(r"\{::(\w+)[^}]*?/\}|\{::(\w+)[^}]*\}(.*?)\{:/(?:\2)?\}", re.S)
# Macros defined in a hidden div (MathJax reads them anywhere); inside HTML we would never see them.
_HIDDEN_MATH = re.compile(r"<div[^>]*display:\s*none[^>]*>\s*\n((?:\s*\$\$.*?\$\$\s*?\n)+)\s*</div>", re.S | re.I)


def convert(text: str, ctx: PostContext, shield: Shield, *, kramdown: bool = True) -> str:
    """kramdown's math, extensions and attribute lists in ``text`` (code already shielded).

    A Jekyll site on a CommonMark converter (``markdown: CommonMarkGhPages``) has
    none of kramdown's syntax: there ``$$`` is MathJax's display math wherever it
    stands, and only the escapes and MathJax's reading of HTML blocks apply.
    """
    text = _HIDDEN_MATH.sub(lambda m: "\n" + m.group(1).strip() + "\n", text)
    text = raw_html_math(text, shield)
    text = dollars(text, ctx, shield) if kramdown else _DISPLAY_ANYWHERE.sub(lambda m: shield.hide(m.group()), text)
    text = escaped_math(text, ctx, shield)
    text = bare_environments(text, shield)
    text = single_dollars(text, shield)
    if not kramdown:
        return text
    text = extensions(text, ctx)
    return attribute_lists(text, ctx)  # markdown_blocks comes last, once math is back in the text


def raw_html_math(text: str, shield: Shield) -> str:
    """Math inside raw HTML blocks, as MathJax read it: kramdown left those blocks alone.

    So no kramdown escapes are undone there and ``$$`` is display math wherever it
    stands; only HTML entities (``&amp;`` for an alignment ``&``) are decoded, and
    ``$ x $`` loses its inner spaces. Blocks with ``markdown="1"`` are kramdown's and
    are left to the passes after this one.
    """

    def change(block: str, opened: re.Match[str]) -> str:
        return block if _MARKDOWN_ON.search(opened.group(3)) else _hide_raw_math(block, shield)

    return _each_html_block(text, change)


def _hide_raw_math(block: str, shield: Shield) -> str:
    return _RAW_MATH.sub(lambda m: shield.hide(_raw_math(m, block)), block)


def _raw_math(match: re.Match[str], block: str) -> str:
    tex = html.unescape(match.group())
    if tex.startswith("$") and not tex.startswith("$$"):
        inner = tex[1:-1]
        return inline_math(inner, block, match.start(), match.end()) if _TEX_LIKE.search(inner) else tex
    return tex


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


def single_dollars(text: str, shield: Shield) -> str:
    """``$ x $``: MathJax read it as math on the old site; our ``$`` wants no space inside, no digit beside."""

    def one(match: re.Match[str]) -> str:
        tex = match.group(1)
        if not _TEX_LIKE.search(tex) or "\n\n" in tex:
            return match.group()
        before = text[match.start() - 1] if match.start() else " "
        after = text[match.end()] if match.end() < len(text) else " "
        if tex == tex.strip() and not before.isdigit() and not after.isdigit():
            return match.group()
        return shield.hide(inline_math(tex, text, match.start(), match.end()))

    return _SINGLE_DOLLAR.sub(one, text)


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

    return abbreviations(_SPAN_IAL.sub(ial, _BLOCK_IAL.sub(ial, text)), ctx)


def abbreviations(text: str, ctx: PostContext) -> str:
    """``*[HTML]: Hyper Text Markup Language`` (kramdown, Python-Markdown): no such thing here."""

    def one(match: re.Match[str]) -> str:
        ctx.warn(line_at(text, match.start(), ctx.first_line), f"abbreviation removed: '{match.group(1)}'")
        return ""

    return _ABBREVIATION.sub(one, text)


def markdown_blocks(text: str) -> str:
    """HTML blocks holding Markdown or math, opened up so our parser reads inside them.

    kramdown reads Markdown inside ``<div markdown="1">``, and MathJax typeset
    ``$…$`` anywhere in the page, raw HTML included. CommonMark reads an HTML
    block as it is, so such a block gets its tags on lines of their own with
    blank lines between, and its content dedented (or it would be code); a
    ``<p>`` becomes a ``<div>``, which may hold paragraphs.
    """

    def change(block: str, opened: re.Match[str]) -> str:
        if not (_MARKDOWN_ON.search(opened.group(3)) or _MATH_INSIDE.search(block)):
            return block
        return "\n".join(_opened_up(block, opened))

    return _each_html_block(text, change)


def _each_html_block(text: str, change: Callable[[str, re.Match[str]], str]) -> str:
    """``text`` with each HTML block (a ``_BLOCK_OPEN`` line to its closing tag) passed through ``change``."""
    lines = text.split("\n")
    out: list[str] = []
    index = 0
    while index < len(lines):
        opened = _BLOCK_OPEN.match(lines[index])
        end = _block_end(lines, index, opened.group(2)) if opened else None
        if opened is None or end is None:
            out.append(lines[index])
            index += 1
            continue
        out.append(change("\n".join(lines[index : end + 1]), opened))
        index = end + 1
    return "\n".join(out)


_BLOCK_OPEN = re.compile(r"^([ \t]*)<(div|p|figcaption|aside|section|center|blockquote)\b([^>]*)>", re.I)
_MARKDOWN_ON = re.compile(r"""\s+markdown\s*=\s*["']?(?:1|block|span)["']?""", re.I)
_MATH_INSIDE = re.compile(r"\$|\\\(|\\\[|\\begin\{")


def _block_end(lines: list[str], start: int, tag: str) -> int | None:
    """The line closing the element opened on ``lines[start]`` (same-name nesting counted)."""
    depth = 0
    opening, closing = re.compile(rf"<{tag}\b", re.I), re.compile(rf"</{tag}\s*>", re.I)
    for index in range(start, min(len(lines), start + 400)):
        depth += len(opening.findall(lines[index])) - len(closing.findall(lines[index]))
        if depth <= 0:
            return index
    return None


def _opened_up(block: str, opened: re.Match[str]) -> list[str]:
    indent, tag, attrs = opened.group(1), opened.group(2).lower(), _MARKDOWN_ON.sub("", opened.group(3))
    inner = block[opened.end() :]
    cut = inner.lower().rfind(f"</{tag}")
    content, after = inner[:cut], inner[cut:].split(">", 1)[1] if cut >= 0 else ""
    name = "div" if tag in ("p", "span") else tag
    body = markdown_blocks(textwrap.dedent(content).strip("\n"))  # blocks nest: a <p> inside a <div>
    return [f"{indent}<{name}{attrs}>", "", body, "", f"{indent}</{name}>{after}"]
