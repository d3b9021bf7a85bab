"""TeX the build will not typeset, found before the first build.

Old sites define macros in a MathJax configuration the importer may not find
(a script built at deploy time, a CDN config). Rather than guess what ``\\E``
meant, the importer tries each formula the way the build will, with the
macros it found and those the post defines itself, and reports every command
still unknown, so the author adds it with ``--macros`` before the first build.

Some formulas are no math at all: a ``\\begin{algorithm}`` or a
``\\begin{tikzpicture}`` between ``$$`` was typeset by a LaTeX document, never by
MathJax or KaTeX, and no macro could make it a formula. Those are kept as
LaTeX code (a fenced block, or inline code within a sentence) and reported,
so the post builds and the author still sees what they wrote.
"""

from __future__ import annotations

import re
import textwrap
from collections.abc import Mapping
from dataclasses import dataclass

from ..math import TexError, extract_definitions, to_mathml
from .markup import Shield

_MATH = re.compile(
    r"\$\$(?P<d1>.+?)\$\$|\\\[(?P<d2>.+?)\\\]|(?P<d3>\\begin\{(?P<env>[A-Za-z]+\*?)\}.*?\\end\{(?P=env)\})"
    r"|\\\((?P<i1>.+?)\\\)|(?<![\\$])\$(?P<i2>[^$\n]+?)\$",
    re.S,
)
_UNKNOWN = re.compile(r"unknown TeX command (\\[A-Za-z]+)")
_UNSUPPORTED_ENV = re.compile(r"unsupported environment \{([^{}]*)\}")
_COMMENT = re.compile(r"<!--.*?-->", re.S)
# Commands of a LaTeX document, not of a formula: a --macros definition could
# silence them but never make them mean what the author meant. Any other
# unknown command is a macro the report asks for.
_DOCUMENT_COMMANDS = frozenset(
    {
        "\\documentclass",
        "\\usepackage",
        "\\RequirePackage",
        "\\usetikzlibrary",
        "\\input",
        "\\include",
        "\\includegraphics",
        "\\caption",
        "\\section",
        "\\subsection",
        "\\maketitle",
        "\\item",
    }
)


@dataclass(frozen=True)
class NotMath:
    """A formula kept as LaTeX code: what made it no formula, and its TeX from there on."""

    construct: str  # "\\begin{algorithm}", "\\usepackage"
    tex: str  # the formula from the construct on, to find its line in the source
    block: bool  # a fenced block (True) or inline code


def undefined_macros(body: str, macros: Mapping[str, str]) -> list[tuple[str, str]]:
    """(command, the first formula using it) for each command the build will not know."""
    formulas = _formulas(body)
    defined = _defined(formulas, macros)
    missing: dict[str, str] = {}
    for tex, display in formulas:
        try:
            to_mathml(tex, display=display, macros=defined)
        except TexError as error:
            unknown = _UNKNOWN.search(error.message)
            if unknown and unknown.group(1) not in missing:
                missing[unknown.group(1)] = tex.strip()
    return list(missing.items())


def keep_not_math(body: str, macros: Mapping[str, str]) -> tuple[str, list[NotMath]]:
    """``body`` with each formula that is no math (see the module's docstring) as LaTeX code."""
    shield = Shield()
    shielded = _COMMENT.sub(lambda m: shield.hide(m.group()), shield.code(body))
    defined = _defined(_formulas(body), macros)
    kept: list[NotMath] = []
    out: list[str] = []
    pos = 0
    for match in _MATH.finditer(shielded):
        tex, display = _formula(match)
        construct = _not_math(shield.restore(tex), display, defined)
        if construct is None:
            continue
        tex = shield.restore(tex)
        line_start = shielded.rfind("\n", 0, match.start()) + 1
        prefix = shielded[line_start : match.start()]
        line_end = shielded.find("\n", match.end())
        after = shielded[match.end() : line_end if line_end >= 0 else len(shielded)]
        block = display and re.fullmatch(r"[ \t>]*", prefix) is not None and not after.strip()
        out.append(shielded[pos : match.start()])
        out.append(_code_block(tex, prefix) if block else _inline_code(tex))
        pos = match.end()
        kept.append(NotMath(construct, tex[max(tex.find(construct), 0) :], bool(block)))
    out.append(shielded[pos:])
    return shield.restore("".join(out)), kept


def _not_math(tex: str, display: bool, macros: Mapping[str, str]) -> str | None:
    """The environment or document command that makes ``tex`` no formula, or None."""
    try:
        to_mathml(tex, display=display, macros=macros)
    except TexError as error:
        env = _UNSUPPORTED_ENV.search(error.message)
        if env:
            return f"\\begin{{{env.group(1)}}}"
        unknown = _UNKNOWN.search(error.message)
        if unknown and unknown.group(1) in _DOCUMENT_COMMANDS:
            return unknown.group(1)
    return None


def _code_block(tex: str, prefix: str) -> str:
    """A ```` ```latex ```` fence, each line behind ``prefix`` (a list item's indent, a quote's ``>``)."""
    fence = "`" * max(3, _longest_backticks(tex) + 1)
    lines = [f"{fence}latex", *textwrap.dedent(tex.strip("\n")).splitlines(), fence]
    return f"\n{prefix}".join(line.rstrip() for line in lines)


def _inline_code(tex: str) -> str:
    code = " ".join(tex.split())
    ticks = "`" * (_longest_backticks(code) + 1)
    pad = " " if code.startswith("`") or code.endswith("`") else ""
    return f"{ticks}{pad}{code}{pad}{ticks}"


def _longest_backticks(text: str) -> int:
    return max((len(run) for run in re.findall(r"`+", text)), default=0)


def _defined(formulas: list[tuple[str, bool]], macros: Mapping[str, str]) -> dict[str, str]:
    """The site's macros, and those the post defines in any of its formulas."""
    defined = dict(macros)
    for tex, _ in formulas:
        try:
            defined |= extract_definitions(tex).macros
        except TexError:
            continue
    return defined


def _formulas(body: str) -> list[tuple[str, bool]]:
    """(TeX, display) of every formula outside code and HTML comments."""
    shield = Shield()
    text = _COMMENT.sub("", shield.code(body))
    return [(shield.restore(tex), display) for tex, display in map(_formula, _MATH.finditer(text))]


def _formula(match: re.Match[str]) -> tuple[str, bool]:
    display = match.group("d1") or match.group("d2") or match.group("d3")
    tex = display if display is not None else (match.group("i1") or match.group("i2") or "")
    return tex, display is not None
