"""Labels: a little math markup, and text measured from real font metrics.

Diagrams are laid out at build time, long before a browser picks a font, so
layout needs to know how wide a label will be. The SVG names DejaVu Sans
first (Verdana, which has near-identical metrics, second); the advance widths
below were read once from DejaVu Sans 2.37 (``hmtx`` table, 2048 units per
em) with fontTools. A character missing from the table is measured as a full
em, the widest common glyph, so an unknown character can only make a box
roomier, never let text spill out of it.

Math: inside ``$…$`` a label may use ``x_i``, ``x^2``, ``x_{t+1}``, ``e^{-x}``
and TeX names of Greek letters and a few symbols (``\\alpha``, ``\\nabla``,
``\\to``). It becomes SVG ``<tspan>`` runs, not MathML, so it sizes like text.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from typing import Literal

FONT_FAMILY = "'DejaVu Sans', Verdana, sans-serif"
UNITS_PER_EM = 2048
SCRIPT_SCALE = 0.72  # sub/superscript size relative to the text around it, as in TeX ...
# ... but never under the smallest text a diagram shows (12 px, issue 13): at 0.72 a
# script of 14 px text is 10 px, too small to read on a phone. Still smaller than its
# line and shifted, so it reads as a script.
SCRIPT_FLOOR = 12.0

_CHARS = "".join(chr(c) for c in range(32, 127)) + "αβγδεζηθικλμνξοπρστυφχψωΓΔΘΛΞΠΣΦΨΩ·×÷−→←↑↓≤≥≠≈∞∂∇∑∏√∈…–—‘’“”°±"


def _table(widths: str) -> dict[str, int]:
    values = [int(w) for w in widths.split()]
    assert len(values) == len(_CHARS)
    return dict(zip(_CHARS, values, strict=True))


_REGULAR = _table(
    "651 821 942 1716 1303 1946 1597 563 799 799 1024 1716 651 739 651 690 1303 1303 1303 1303 "
    "1303 1303 1303 1303 1303 1303 690 690 1716 1716 1716 1087 2048 1401 1405 1430 1577 1294 1178 1587 "
    "1540 604 604 1343 1141 1767 1532 1612 1235 1612 1423 1300 1251 1499 1401 2025 1403 1251 1403 799 "
    "690 799 1716 1024 1024 1255 1300 1126 1300 1260 721 1300 1298 569 569 1186 569 1995 1298 1253 "
    "1300 1300 842 1067 803 1298 1212 1675 1212 1212 1075 1303 690 1303 1716 1350 1307 1212 1253 1107 "
    "1114 1298 1253 693 1207 1212 1303 1144 1142 1253 1233 1300 1298 1233 1185 1351 1183 1351 1715 1141 "
    "1401 1612 1401 1294 1540 1294 1612 1612 1565 651 1716 1716 1716 1716 1716 1716 1716 1716 1716 1716 "
    "1716 1706 1059 1370 1380 1550 1305 1784 2048 1024 2048 651 651 1061 1061 1024 1716 "
)
_BOLD = _table(
    "713 934 1067 1716 1425 2052 1786 627 936 936 1071 1716 778 850 778 748 1425 1425 1425 1425 "
    "1425 1425 1425 1425 1425 1425 819 819 1716 1716 1716 1188 2048 1585 1561 1503 1700 1399 1399 1681 "
    "1714 762 762 1587 1305 2038 1714 1741 1501 1741 1577 1475 1397 1663 1585 2259 1579 1483 1485 936 "
    "748 936 1716 1024 1024 1382 1466 1214 1466 1389 891 1466 1458 702 702 1362 702 2134 1458 1407 "
    "1466 1466 1010 1219 979 1458 1335 1892 1321 1335 1192 1458 748 1458 1716 1407 1466 1395 1407 1140 "
    "1210 1458 1407 798 1455 1296 1507 1395 1210 1407 1620 1466 1595 1307 1383 1602 1321 1626 1780 1305 "
    "1585 1741 1585 1294 1714 1399 1741 1740 1741 778 1716 1716 1716 1716 1716 1716 1716 1716 1716 1716 "
    "1716 1706 1114 1427 1470 1612 1366 1836 2048 1024 2048 778 778 1346 1346 1024 1716 "
)

_GREEK_NAMES = (
    "alpha beta gamma delta epsilon zeta eta theta iota kappa lambda mu nu xi omicron pi rho sigma "
    "tau upsilon phi chi psi omega Gamma Delta Theta Lambda Xi Pi Sigma Phi Psi Omega"
)
GREEK = {
    name: char
    for name, char in zip(
        _GREEK_NAMES.split(),
        "αβγδεζηθικλμνξοπρστυφχψωΓΔΘΛΞΠΣΦΨΩ",
        strict=True,
    )
}
SYMBOLS = {
    **GREEK,
    "varepsilon": "ε",
    "cdot": "·",
    "times": "×",
    "div": "÷",
    "to": "→",
    "rightarrow": "→",
    "leftarrow": "←",
    "gets": "←",
    "uparrow": "↑",
    "downarrow": "↓",
    "le": "≤",
    "leq": "≤",
    "ge": "≥",
    "geq": "≥",
    "ne": "≠",
    "neq": "≠",
    "approx": "≈",
    "infty": "∞",
    "partial": "∂",
    "nabla": "∇",
    "sum": "∑",
    "prod": "∏",
    "sqrt": "√",
    "in": "∈",
    "pm": "±",
    "ldots": "…",
    "dots": "…",
}

# Binary operators and relations get a space each side, as TeX spaces them.
OPERATORS = set("=+−<>←→≤≥≠≈×·∈÷±")
# \hat{y} -> y followed by a combining circumflex (drawn over the y, no width).
ACCENTS = {"hat": "\u0302", "bar": "\u0304", "tilde": "\u0303", "dot": "\u0307", "vec": "\u20d7"}

Shift = Literal["", "sub", "sup"]


@dataclass(frozen=True)
class Run:
    """A piece of a label drawn in one style: plain, math italic, sub or sup."""

    text: str
    shift: Shift = ""
    italic: bool = False


_COMMAND_RE = re.compile(r"\\([A-Za-z]+)\s?")


def parse_label(label: str) -> list[Run]:
    """Split a label into runs; ``$…$`` parts are math, the rest plain text.

    An unclosed ``$`` is kept as a literal dollar sign, so prices stay prices.
    """
    runs: list[Run] = []
    pos = 0
    while pos < len(label):
        start = label.find("$", pos)
        end = label.find("$", start + 1) if start >= 0 else -1
        if start < 0 or end < 0:
            runs.append(Run(label[pos:]))
            break
        if start > pos:
            runs.append(Run(label[pos:start]))
        runs.extend(_math_runs(label[start + 1 : end]))
        pos = end + 1
    return _merge([r for r in runs if r.text])


MAX_NESTING = 16  # scripts and accents inside each other; deeper ones show as typed


def _math_runs(tex: str, *, script: bool = False, depth: int = 0) -> list[Run]:
    if depth > MAX_NESTING:  # x_{x_{x_{… 500 deep would otherwise recurse 500 times
        return [Run(tex)]
    runs: list[Run] = []
    i = 0
    while i < len(tex):
        char = tex[i]
        if char in "_^":
            shift: Shift = "sub" if char == "_" else "sup"
            body, i = _script_body(tex, i + 1)
            runs.extend(Run(r.text, shift, r.italic) for r in _math_runs(body, script=True, depth=depth + 1))
            continue
        if char == "\\":
            match = _COMMAND_RE.match(tex, i)
            if match and match.group(1) in ACCENTS:
                body, i = _script_body(tex, match.end())
                runs.extend(_math_runs(body, script=script, depth=depth + 1))
                # A combining mark, styled like the letter it sits over.
                last = runs[-1] if runs else Run("")
                runs.append(Run(ACCENTS[match.group(1)], last.shift, last.italic))
                continue
            if match:
                symbol = SYMBOLS.get(match.group(1), match.group(1))
                runs.append(Run(_spaced(symbol) if symbol in OPERATORS and runs and not script else symbol))
                i = match.end()
                continue
            runs.append(Run(tex[i + 1 : i + 2]))
            i += 2
            continue
        if char in "{}" or char.isspace():  # TeX ignores spaces in math; operators get their own
            i += 1
            continue
        char = "−" if char == "-" else char
        if char in OPERATORS and runs and not script:
            if tex.startswith("=", i + 1) and char != "=":  # +=, -=, <=
                char, i = char + "=", i + 1
            runs.append(Run(_spaced(char)))
        else:
            runs.append(Run(char, italic=char.isascii() and char.isalpha()))
        i += 1
    return runs


def _spaced(operator: str) -> str:
    """An operator with no-break spaces around it: SVG collapses ordinary ones at tspan edges."""
    return f"\u00a0{operator}\u00a0"


def _script_body(tex: str, i: int) -> tuple[str, int]:
    """The argument of ``_``/``^``: a ``{group}``, a ``\\command`` or one character."""
    if i >= len(tex):
        return "", i
    if tex[i] == "{":
        depth, j = 0, i
        while j < len(tex):
            depth += {"{": 1, "}": -1}.get(tex[j], 0)
            if depth == 0:
                return tex[i + 1 : j], j + 1
            j += 1
        return tex[i + 1 :], len(tex)
    if tex[i] == "\\":
        match = _COMMAND_RE.match(tex, i)
        if match:
            return match.group(0), match.end()
    return tex[i], i + 1


def _merge(runs: list[Run]) -> list[Run]:
    """Join neighbouring runs of the same style, so the SVG has fewer tspans."""
    merged: list[Run] = []
    for run in runs:
        if merged and (merged[-1].shift, merged[-1].italic) == (run.shift, run.italic):
            merged[-1] = Run(merged[-1].text + run.text, run.shift, run.italic)
        else:
            merged.append(run)
    return merged


def char_width(char: str, size: float, *, bold: bool = False) -> float:
    """Advance width of one character at ``size`` px."""
    if unicodedata.combining(char):
        return 0.0
    table = _BOLD if bold else _REGULAR
    char = " " if char == "\u00a0" else char
    return table.get(char, UNITS_PER_EM) * size / UNITS_PER_EM


def script_size(size: float) -> float:
    """The font size of a sub- or superscript on a line set at ``size`` px."""
    return max(size * SCRIPT_SCALE, min(size, SCRIPT_FLOOR))


def run_size(run: Run, size: float) -> float:
    return script_size(size) if run.shift else size


def measure_runs(runs: list[Run], size: float, *, bold: bool = False) -> float:
    """Width in px of a parsed label set at ``size`` px."""
    return sum(char_width(c, run_size(run, size), bold=bold) for run in runs for c in run.text)


@lru_cache(maxsize=8192)
def measure(label: str, size: float, *, bold: bool = False) -> float:
    """Width in px of ``label``; remembered, as wrapping measures each finished line again."""
    return measure_runs(parse_label(label), size, bold=bold)


def wrap(label: str, size: float, max_width: float, *, bold: bool = False) -> list[str]:
    """Greedy word wrap to ``max_width``; explicit ``\\n`` always breaks.

    Math (``$…$``) is never split. A single word wider than ``max_width``
    stays whole on its own line: the caller grows the box to fit it.
    """
    return list(_wrap(label, size, max_width, bold))


@lru_cache(maxsize=2048)
def _wrap(label: str, size: float, max_width: float, bold: bool) -> tuple[str, ...]:
    """``wrap``, remembered: layout wraps each arrow label twice (gap sizing, then placing)."""
    lines: list[str] = []
    for paragraph in label.split("\n"):
        words = _words(paragraph)
        line = ""
        for word in words:
            candidate = f"{line} {word}" if line else word
            if line and measure(candidate, size, bold=bold) > max_width:
                lines.append(line)
                line = word
            else:
                line = candidate
        lines.append(line)
    return tuple(lines)


def _words(text: str) -> list[str]:
    """Space-separated words, keeping ``$a b$`` math spans in one piece."""
    words: list[str] = []
    current = ""
    in_math = False
    for char in text:
        if char == "$":
            in_math = not in_math
        if char == " " and not in_math:
            if current:
                words.append(current)
            current = ""
        else:
            current += char
    if current:
        words.append(current)
    return words
