"""latex2mathml's ``convert_to_element``, fed by a faster tokenizer that gives the same tokens.

latex2mathml tokenizes with one large regex, then, for every token, builds a tuple of the
regex's ~25 groups filtered by a lambda: a quarter of its time on our formulas (~85 of
~330 µs a formula on the bench corpus). Nearly every match is a letter, a digit run, a
single character or a plain command, whose token is the match itself; ``tokens`` yields
those directly, from the same regex, and sends every other kind of match (``\\text{…}``,
``\\mathbb{R}``, ``\\verb``, ``x^2``, dimensions, comments) through ``_general``, which
applies latex2mathml's rules. ``tests/test_latex2mathml_input.py`` holds the two
tokenizers equal on the LaTeX corpus and on generated TeX.

``convert_to_element`` then does what latex2mathml's function of that name does, with these
tokens: it calls ``walker._walk`` and ``Converter._convert_group``, which are private, so
``pyproject.toml`` keeps latex2mathml below its next major version, and the tests above
compare whole conversions with latex2mathml's own.

One more thing costs latex2mathml time for nothing: for every command it ``copy.deepcopy``-s
the command's ``(tag, attributes)`` pair from its tables (~30 µs a formula), a pair of a
string and a dict of strings, for which a copy of the dict is the same deep copy. Its
converter module is given ``_TableCopies`` as its ``copy``: that shortcut for such pairs,
``copy.deepcopy`` for anything else.
"""

from __future__ import annotations

import copy
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from typing import Any

from latex2mathml import commands, converter, walker
from latex2mathml.converter import Converter
from latex2mathml.symbols_parser import convert_symbol
from latex2mathml.tokenizer import PATTERN, UNITS

MATHML_NS = "http://www.w3.org/1998/Math/MathML"

# Kinds of match whose token is the matched text itself, whatever it is.
_ITSELF = frozenset(["letter", "number", "dot_decimal", "escaped"])
# Commands latex2mathml's tokenizer treats apart: fonts (\mathbb{R} -> one symbol), \verb,
# environments and \operatorname (spaces removed).
_SPECIAL_COMMANDS = (commands.MATH, commands.VERB, commands.BEGIN, commands.END, commands.OPERATORNAME)


class _TableCopies:
    """What latex2mathml's converter module sees as ``copy``: see the module docstring."""

    @staticmethod
    def deepcopy(value: Any) -> Any:
        if (
            type(value) is tuple
            and len(value) == 2
            and type(value[0]) is str
            and type(value[1]) is dict
            and all(type(item) is str for item in value[1].values())
        ):
            return value[0], dict(value[1])  # strings are immutable: sharing them is copying them
        return copy.deepcopy(value)


converter.copy = _TableCopies  # type: ignore[assignment,attr-defined]


def convert_to_element(tex: str, display: str) -> ET.Element:
    """``latex2mathml.converter.convert_to_element(tex, display=display)``, sooner."""
    writer = Converter(xmlns=MATHML_NS, display=display)
    math = ET.Element("math", {"xmlns": MATHML_NS, "display": display})
    row = ET.SubElement(math, "mrow")
    nodes = walker._walk(tokens(tex), block=display == "block", macros=writer.macros)
    writer._convert_group(iter(nodes), row)
    return math


def tokens(tex: str) -> Iterator[str]:
    """The tokens of ``latex2mathml.tokenizer.tokenize(tex)``, comments skipped as it does."""
    for match in PATTERN.finditer(tex):
        kind = match.lastgroup  # the one group of a simple kind; a compound kind's last part
        if kind in _ITSELF:
            yield match.group()
        elif kind == "char":
            if match.group() != "%":  # a "%" ending a line starts an empty comment
                yield match.group()
        elif kind == "command" and not match.group().startswith(_SPECIAL_COMMANDS):
            yield match.group()
        else:
            yield from _general([part for part in match.groups() if part is not None])


def _general(parts: list[str]) -> Iterator[str]:
    """latex2mathml's rule for any match, given the parts its groups captured."""
    if parts[0].startswith(commands.VERB):
        yield commands.VERB
        yield parts[2]  # what lies between the delimiters
        return
    if parts[0].startswith(commands.MATH) and parts[0] not in commands.MATH_NON_FONT_COMMANDS:
        symbol = convert_symbol("".join(parts))
        if symbol:  # \mathbb{R}: one character
            yield f"&#x{symbol};"
            return
    for part in parts:
        if part.startswith("%"):
            return
        dimension = part.endswith(UNITS) and part[:1].isdigit()  # "3 cm" -> "3cm"
        if dimension or part.startswith((commands.BEGIN, commands.END, commands.OPERATORNAME)):
            yield part.replace(" ", "")
        else:
            yield part
