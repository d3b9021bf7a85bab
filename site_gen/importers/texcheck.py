"""TeX macros a converted post uses and nothing defines, named in the report.

Old sites define macros in a MathJax configuration the importer may not find
(a script built at deploy time, a CDN config). Rather than guess what ``\\E``
meant, the importer tries each formula the way the build will, with the
macros it found and those the post defines itself, and reports every command
still unknown, so the author adds it with ``--macros`` before the first build.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

from ..math import TexError, extract_definitions, to_mathml

_MATH = re.compile(
    r"\$\$(?P<d1>.+?)\$\$|\\\[(?P<d2>.+?)\\\]|(?P<d3>\\begin\{(?P<env>[A-Za-z]+\*?)\}.*?\\end\{(?P=env)\})"
    r"|\\\((?P<i1>.+?)\\\)|(?<![\\$])\$(?P<i2>[^$\n]+?)\$",
    re.S,
)
_UNKNOWN = re.compile(r"unknown TeX command (\\[A-Za-z]+)")
_FENCE = re.compile(r"^(`{3,}|~{3,}).*?^\1[ \t]*$", re.M | re.S)


def undefined_macros(body: str, macros: Mapping[str, str]) -> list[tuple[str, str]]:
    """(command, the first formula using it) for each command the build will not know."""
    formulas = _formulas(_FENCE.sub("", body))
    defined = dict(macros)
    for tex, _ in formulas:
        try:
            defined |= extract_definitions(tex).macros
        except TexError:
            continue
    missing: dict[str, str] = {}
    for tex, display in formulas:
        try:
            to_mathml(tex, display=display, macros=defined)
        except TexError as error:
            unknown = _UNKNOWN.search(error.message)
            if unknown and unknown.group(1) not in missing:
                missing[unknown.group(1)] = tex.strip()
    return list(missing.items())


def _formulas(text: str) -> list[tuple[str, bool]]:
    found = []
    for match in _MATH.finditer(text):
        display = match.group("d1") or match.group("d2") or match.group("d3")
        tex = display if display is not None else (match.group("i1") or match.group("i2") or "")
        found.append((tex, display is not None))
    return found
