"""User macros: site-wide, per post, and ``\\newcommand``/``\\def`` in the TeX.

Macros such as ``{"R": r"\\mathbb{R}", "norm": r"\\left\\lVert #1 \\right\\rVert"}``
are expanded before conversion. A macro takes as many arguments as the
highest ``#n`` in its body. Expansion works on tokens, so ``\\R`` never matches
inside ``\\Rightarrow``. Definitions written in the TeX itself are pulled out
by ``extract_definitions`` and become ordinary macros.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import lru_cache

from site_gen.math.tex import (
    TexError,
    check_braces,
    join_tokens,
    read_argument,
    read_optional,
    skip_spaces,
    tokenize,
)

# Deep enough for any real macro nesting, shallow enough to stop \a -> \a fast.
MAX_MACRO_DEPTH = 32
# Total expansions per formula; stops exponential blow-up (\a -> \b\b -> ...).
MAX_EXPANSIONS = 10_000

_NEWCOMMANDS = {"\\newcommand", "\\renewcommand", "\\providecommand"}
# Definitions that change nothing MathML can show; dropped with a warning.
_IGNORED = {"\\definecolor": 3}
_DEFINING = {*_NEWCOMMANDS, "\\def", "\\DeclareMathOperator", *_IGNORED}  # a formula without any defines nothing


@dataclass(frozen=True)
class Macro:
    """A user macro: ``\\name`` with ``nargs`` arguments expands to ``body``."""

    name: str
    nargs: int
    body: tuple[str, ...]


@dataclass
class Definitions:
    """What ``extract_definitions`` found: the TeX left, macros, and warnings."""

    tex: str
    macros: dict[str, str] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)
    tokens: list[str] | None = None  # the tokens of ``tex``, braces checked, when nothing was taken out of it


def _is_param(tok: str) -> bool:
    return len(tok) == 2 and tok[0] == "#" and tok[1].isdigit()


def parse_macros(macros: Mapping[str, str]) -> dict[str, Macro]:
    """Check macro definitions and count their arguments."""
    parsed: dict[str, Macro] = {}
    for name, body in macros.items():
        bare = name.removeprefix("\\")
        if not re.fullmatch(r"[A-Za-z]+|[^A-Za-z\s]", bare):
            raise TexError(f"bad macro name {name!r}: use letters only, e.g. 'R'")
        tokens = tokenize(body)
        try:
            check_braces(tokens)
        except TexError as err:
            raise TexError(f"macro \\{bare}: {err.message}") from None
        nargs = max((int(t[1]) for t in tokens if _is_param(t)), default=0)
        parsed[bare] = Macro(bare, nargs, tuple(tokens))
    return parsed


class _Expander:
    """Expands macros over a token list, counting work to stop runaway input."""

    def __init__(self, macros: dict[str, Macro]) -> None:
        self.macros = macros
        self.expansions = 0

    def expand(self, tokens: list[str], depth: int = 0) -> list[str]:
        if depth > MAX_MACRO_DEPTH:
            raise TexError(f"macro expansion nested deeper than {MAX_MACRO_DEPTH} levels (does a macro use itself?)")
        out: list[str] = []
        i = 0
        while i < len(tokens):
            macro = self.macros.get(tokens[i][1:]) if tokens[i][0] == "\\" else None
            if macro is None:
                out.append(tokens[i])
                i += 1
                continue
            self.expansions += 1
            if self.expansions > MAX_EXPANSIONS:
                raise TexError(f"macro expansion did not finish: \\{macro.name}")
            args, i = self._arguments(macro, tokens, i + 1)
            out.extend(self.expand(_substitute(macro.body, args), depth + 1))
        return out

    def _arguments(self, macro: Macro, tokens: list[str], i: int) -> tuple[list[list[str]], int]:
        args: list[list[str]] = []
        for n in range(macro.nargs):
            found = read_argument(tokens, i)
            if found is None:
                raise TexError(f"macro \\{macro.name} takes {macro.nargs} argument(s), got {n}")
            arg, i = found
            args.append(arg)
        return args, i


def _substitute(body: tuple[str, ...], args: list[list[str]]) -> list[str]:
    out: list[str] = []
    for tok in body:
        if _is_param(tok):
            out.extend(args[int(tok[1]) - 1])
        else:
            out.append(tok)
    return out


def expand_macros(tex: str, macros: Mapping[str, str]) -> str:
    """Return ``tex`` with every user macro expanded (recursively)."""
    tokens = tokenize(tex)
    check_braces(tokens)
    if not macros:
        return tex
    expanded = _Expander(_parsed(tuple(macros.items()))).expand(tokens)
    return join_tokens(expanded)


@lru_cache(maxsize=64)
def _parsed(macros: tuple[tuple[str, str], ...]) -> dict[str, Macro]:
    """``parse_macros``, once per set of macros: a post's macros are the same for
    each of its formulas, and tokenizing every body for each one was a twentieth
    of the conversion. The expander only reads the result."""
    return parse_macros(dict(macros))


# --------------------------------------------------------------------------
# Definitions written in the TeX


def extract_definitions(tex: str) -> Definitions:
    """Pull ``\\newcommand``, ``\\renewcommand``, ``\\def`` and
    ``\\DeclareMathOperator`` out of ``tex``.

    Returns the rest of the TeX and the macros defined, in the form
    ``expand_macros`` takes. ``\\newcommand{\\f}[2]{#1^#2}`` and
    ``\\def\\f#1#2{#1^#2}`` both give ``{"f": "#1^#2"}``.
    """
    tokens = tokenize(tex)
    check_braces(tokens)
    if _DEFINING.isdisjoint(tokens):
        return Definitions(tex, tokens=tokens)
    found = Definitions(tex)
    rest: list[str] = []
    i = 0
    while i < len(tokens):
        tok = tokens[i]
        if tok in _NEWCOMMANDS:
            i = _newcommand(tokens, i + 1, found)
        elif tok == "\\def":
            i = _def(tokens, i + 1, found)
        elif tok == "\\DeclareMathOperator":
            i = _declare_operator(tokens, i + 1, found)
        elif tok in _IGNORED:
            i = _skip_arguments(tokens, i + 1, _IGNORED[tok], tok)
            found.warnings.append(f"{tok} is ignored: MathML takes colours by CSS name or #rrggbb")
        else:
            rest.append(tok)
            i += 1
    found.tex = join_tokens(rest)
    return found


def may_define(tex: str) -> bool:
    """False when ``tex`` certainly defines no macro: none of the defining commands' names is in
    its text (``\\def`` covers ``\\definecolor``), so ``extract_definitions`` would find none."""
    return "\\def" in tex or "command" in tex or "\\DeclareMathOperator" in tex


def _macro_name(tokens: list[str], i: int, command: str) -> tuple[str, int]:
    """``\\name`` or ``{\\name}`` at ``i``."""
    arg = read_argument(tokens, i)
    if arg is None or len(arg[0]) != 1 or not arg[0][0].startswith("\\"):
        raise TexError(f"{command} must be followed by the name of a command, e.g. {command}{{\\R}}")
    return arg[0][0][1:], arg[1]


def _newcommand(tokens: list[str], i: int, found: Definitions) -> int:
    name, i = _macro_name(tokens, i, "\\newcommand")
    nargs = read_optional(tokens, i)
    if nargs is not None:
        if read_optional(tokens, nargs[1]) is not None:
            raise TexError(f"\\newcommand{{\\{name}}}: optional arguments ([default]) are not supported")
        i = nargs[1]
    body = read_argument(tokens, i)
    if body is None:
        raise TexError(f"\\newcommand{{\\{name}}} has no definition in braces")
    found.macros[name] = join_tokens(body[0])
    return body[1]


def _def(tokens: list[str], i: int, found: Definitions) -> int:
    i = skip_spaces(tokens, i)
    if i >= len(tokens) or not tokens[i].startswith("\\") or len(tokens[i]) < 2:
        raise TexError("\\def must be followed by the name of a command, e.g. \\def\\R{\\mathbb{R}}")
    name = tokens[i][1:]
    i += 1
    while i < len(tokens) and (_is_param(tokens[i]) or tokens[i].isspace()):
        i += 1  # the parameter text "#1#2" only counts arguments
    if i >= len(tokens) or tokens[i] != "{":
        raise TexError(f"\\def\\{name}: only '#1#2...' may come before the definition in braces")
    body = read_argument(tokens, i)
    assert body is not None
    found.macros[name] = join_tokens(body[0])
    return body[1]


def _declare_operator(tokens: list[str], i: int, found: Definitions) -> int:
    star = skip_spaces(tokens, i) < len(tokens) and tokens[skip_spaces(tokens, i)] == "*"
    if star:
        i = skip_spaces(tokens, i) + 1
    name, i = _macro_name(tokens, i, "\\DeclareMathOperator")
    text = read_argument(tokens, i)
    if text is None:
        raise TexError(f"\\DeclareMathOperator{{\\{name}}} has no operator text in braces")
    op = "\\operatorname*" if star else "\\operatorname"
    found.macros[name] = f"{op}{{{join_tokens(text[0])}}}"
    return text[1]


def _skip_arguments(tokens: list[str], i: int, count: int, command: str) -> int:
    for n in range(count):
        arg = read_argument(tokens, i)
        if arg is None:
            raise TexError(f"{command} takes {count} arguments, got {n}")
        i = arg[1]
    return i
