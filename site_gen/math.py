"""TeX -> MathML at build time.

Posts are read by people learning ML, often on phones and in feed readers, so
math is converted to MathML once, here, instead of shipping a JavaScript
typesetter. latex2mathml does the conversion; this module adds what it lacks:

* **Macros.** Site-wide and per-post macros such as ``{"R": r"\\mathbb{R}",
  "norm": r"\\left\\lVert #1 \\right\\rVert"}`` are expanded first. A macro takes
  as many arguments as the highest ``#n`` in its body. Expansion works on TeX
  tokens, not strings, so ``\\R`` never matches inside ``\\Rightarrow``.
* **Errors.** latex2mathml silently accepts some broken input (``{x``,
  ``\\frac{1}``, unknown commands), so we check those ourselves and raise
  ``TexError``; the Markdown layer adds the file and line.
* **Degradation.** Every ``<math>`` keeps its TeX in ``alttext`` and in a
  ``<semantics>`` annotation, so it can be copied and read by screen readers.
  The TeX kept is the macro-expanded one, which works outside this site too.

Conversions are pure, so they are memoised with ``lru_cache``.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache

from latex2mathml.converter import convert_to_element

# Deep enough for any real macro nesting, shallow enough to stop \a -> \a fast.
MAX_MACRO_DEPTH = 32
# Total expansions per formula; stops exponential blow-up (\a -> \b\b -> ...).
MAX_EXPANSIONS = 10_000

# Commands latex2mathml accepts with too few arguments; we insist on them.
ARITY = {"frac": 2, "dfrac": 2, "tfrac": 2, "cfrac": 2, "binom": 2, "sqrt": 1}

_ENTITY_RE = re.compile(r"&#x([0-9A-Fa-f]+);")
_TOKEN_RE = re.compile(r"\\[A-Za-z]+|\\.|#[1-9]|.", re.DOTALL)


class TexError(Exception):
    """The author's TeX cannot be converted; the message says why."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


@dataclass(frozen=True)
class Macro:
    """A user macro: ``\\name`` with ``nargs`` arguments expands to ``body``."""

    name: str
    nargs: int
    body: tuple[str, ...]


def tokenize(tex: str) -> list[str]:
    """Split TeX into tokens: control words, control symbols, ``#n``, chars.

    A trailing lone backslash stays a one-character token.
    """
    return _TOKEN_RE.findall(tex)


def join_tokens(tokens: list[str]) -> str:
    """Join tokens back into TeX, keeping control words from gluing to letters.

    ``\\alpha`` followed by ``x`` must become ``\\alpha x``, not ``\\alphax``.
    """
    out: list[str] = []
    for tok in tokens:
        if out and _is_control_word(out[-1]) and tok[:1].isalpha():
            out.append(" ")
        out.append(tok)
    return "".join(out)


def _is_control_word(tok: str) -> bool:
    return len(tok) > 1 and tok[0] == "\\" and tok[1].isalpha()


def check_braces(tokens: list[str]) -> None:
    """Raise TexError on an unmatched ``{`` or ``}`` (latex2mathml ignores them)."""
    depth = 0
    for tok in tokens:
        if tok == "{":
            depth += 1
        elif tok == "}":
            depth -= 1
            if depth < 0:
                raise TexError("unbalanced braces: '}' without a matching '{'")
    if depth > 0:
        raise TexError(f"unbalanced braces: {depth} '{{' never closed")


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


def _is_param(tok: str) -> bool:
    return len(tok) == 2 and tok[0] == "#" and tok[1].isdigit()


def _skip_spaces(tokens: list[str], i: int) -> int:
    while i < len(tokens) and tokens[i].isspace():
        i += 1
    return i


def _read_argument(tokens: list[str], i: int) -> tuple[list[str], int] | None:
    """Read one TeX argument at ``i``: a braced group (braces dropped) or a token."""
    i = _skip_spaces(tokens, i)
    if i >= len(tokens) or tokens[i] == "}":
        return None
    if tokens[i] != "{":
        return [tokens[i]], i + 1
    depth = 0
    for j in range(i, len(tokens)):
        depth += {"{": 1, "}": -1}.get(tokens[j], 0)
        if depth == 0:
            return tokens[i + 1 : j], j + 1
    return None  # unreachable after check_braces


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
            found = _read_argument(tokens, i)
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
    expanded = _Expander(parse_macros(macros)).expand(tokens)
    return join_tokens(expanded)


def check_arity(tokens: list[str]) -> None:
    """Raise TexError where e.g. ``\\frac`` lacks an argument."""
    for i, tok in enumerate(tokens):
        need = ARITY.get(tok[1:]) if tok[:1] == "\\" else None
        if need is None:
            continue
        j = i + 1
        if tok == "\\sqrt":  # optional [n] root index
            k = _skip_spaces(tokens, j)
            if k < len(tokens) and tokens[k] == "[":
                j = tokens.index("]", k) + 1 if "]" in tokens[k:] else len(tokens)
        for n in range(need):
            found = _read_argument(tokens, j)
            if found is None:
                raise TexError(f"{tok} needs {need} argument(s), got {n}")
            j = found[1]


def to_mathml(tex: str, *, display: bool, macros: Mapping[str, str]) -> str:
    """Convert one formula to a ``<math>`` element string, or raise TexError."""
    frozen = tuple(sorted(macros.items()))
    return convert_cached(tex.strip(), display, frozen)


@lru_cache(maxsize=4096)
def convert_cached(tex: str, display: bool, macros: tuple[tuple[str, str], ...]) -> str:
    """The memoised body of ``to_mathml`` (hashable arguments only)."""
    expanded = expand_macros(tex, dict(macros)).strip()
    if not expanded:
        raise TexError("empty formula")
    check_arity(tokenize(expanded))
    try:
        math = convert_to_element(expanded, display="block" if display else "inline")
    except Exception as err:  # latex2mathml signals bad input many ways
        raise TexError(_describe(err)) from None
    _decode_entities(math)
    _reject_unknown_commands(math)
    _annotate(math, expanded)
    return ET.tostring(math, encoding="unicode", short_empty_elements=False)


# latex2mathml's exceptions mostly carry no message; say what they mean.
_MEANINGS = {
    "ExtraLeftOrMissingRightError": r"\left without a matching \right",
    "MissingEndError": r"\begin{...} without a matching \end{...}",
    "MissingSuperScriptOrSubscriptError": "'^' or '_' with nothing after it",
    "DoubleSuperscriptsError": "double superscript: write x^{ab}, not x^a^b",
    "DoubleSubscriptsError": "double subscript: write x_{ab}, not x_a_b",
    "NumeratorNotFoundError": "fraction without a numerator",
    "DenominatorNotFoundError": "fraction without a denominator",
    "NoAvailableTokensError": "a command is missing its argument",
    "LimitsMustFollowMathOperatorError": r"\limits must follow an operator",
}


def _describe(err: Exception) -> str:
    """Turn latex2mathml's exception (often message-less) into a sentence."""
    name = type(err).__name__
    words = re.sub(r"(?<=[a-z])(?=[A-Z])", " ", name.removesuffix("Error")).lower()
    text = f"cannot convert TeX: {_MEANINGS.get(name, words)}"
    detail = str(err).strip()
    return f"{text} ({detail})" if detail else text


def _decode_entities(math: ET.Element) -> None:
    """Turn latex2mathml's ``&#x211D;`` strings into characters.

    latex2mathml stores entities as literal text and unescapes its whole output
    afterwards, which would also unescape a ``<`` typed in ``\\text{}``. Decoding
    only the numeric references, then letting ElementTree escape, is safe.
    """
    for el in math.iter():
        if el.text:
            el.text = _ENTITY_RE.sub(lambda m: chr(int(m.group(1), 16)), el.text)


def _reject_unknown_commands(math: ET.Element) -> None:
    """latex2mathml prints unknown ``\\cmd`` as text; treat it as a typo."""
    for el in math.iter():
        text = (el.text or "").strip()
        if re.fullmatch(r"\\[A-Za-z]+", text):
            raise TexError(f"unknown TeX command {text}")


def _annotate(math: ET.Element, tex: str) -> None:
    """Wrap the content in <semantics> with the TeX, and set alttext."""
    children = list(math)
    for child in children:
        math.remove(child)
    semantics = ET.SubElement(math, "semantics")
    if len(children) == 1:  # <semantics> wants exactly one presentation child
        semantics.append(children[0])
    else:
        ET.SubElement(semantics, "mrow").extend(children)
    annotation = ET.SubElement(semantics, "annotation")
    annotation.set("encoding", "application/x-tex")
    annotation.text = tex
    math.set("alttext", tex)
