"""TeX as a list of tokens: the shared vocabulary of the math pipeline.

Every TeX-level step (macros, environments, tags) works on tokens, never on
raw strings, so ``\\R`` is never found inside ``\\Rightarrow`` and a ``&``
inside ``\\&`` is never taken for a column separator.
"""

from __future__ import annotations

import re

_TOKEN_RE = re.compile(r"\\[A-Za-z]+\*?|\\.|#[1-9]|.", re.DOTALL)
# Starred control words that are one command in amsmath.
_STARRED = {"\\operatorname*", "\\tag*"}


class TexError(Exception):
    """The author's TeX cannot be converted; the message says why."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def tokenize(tex: str) -> list[str]:
    """Split TeX into tokens: control words, control symbols, ``#n``, chars.

    ``\\operatorname*`` and ``\\tag*`` are single tokens; any other ``\\word*``
    is split into ``\\word`` and ``*``. A trailing lone backslash stays a
    one-character token.
    """
    out: list[str] = []
    for tok in _TOKEN_RE.findall(tex):
        if tok.endswith("*") and len(tok) > 2 and tok[1].isalpha() and tok not in _STARRED:
            out.extend((tok[:-1], "*"))
        else:
            out.append(tok)
    return out


def is_control_word(tok: str) -> bool:
    return len(tok) > 1 and tok[0] == "\\" and tok[1].isalpha()


def join_tokens(tokens: list[str]) -> str:
    """Join tokens back into TeX, keeping control words from gluing to letters.

    ``\\alpha`` followed by ``x`` must become ``\\alpha x``, not ``\\alphax``.
    """
    out: list[str] = []
    for tok in tokens:
        if out and is_control_word(out[-1]) and (tok[:1].isalpha() or (tok == "*" and out[-1][-1] != "*")):
            out.append(" ")
        out.append(tok)
    return "".join(out)


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


def skip_spaces(tokens: list[str], i: int) -> int:
    while i < len(tokens) and tokens[i].isspace():
        i += 1
    return i


def group_end(tokens: list[str], i: int) -> int:
    """Index just past the ``}`` closing the ``{`` at ``i`` (braces are balanced)."""
    depth = 0
    for j in range(i, len(tokens)):
        depth += {"{": 1, "}": -1}.get(tokens[j], 0)
        if depth == 0:
            return j + 1
    raise TexError("unbalanced braces: '{' never closed")


def read_argument(tokens: list[str], i: int) -> tuple[list[str], int] | None:
    """Read one TeX argument at ``i``: a braced group (braces dropped) or a token."""
    i = skip_spaces(tokens, i)
    if i >= len(tokens) or tokens[i] in ("}", "&") or tokens[i] == "\\\\":
        return None
    if tokens[i] != "{":
        return [tokens[i]], i + 1
    end = group_end(tokens, i)
    return tokens[i + 1 : end - 1], end


def read_optional(tokens: list[str], i: int) -> tuple[list[str], int] | None:
    """Read an optional ``[...]`` argument at ``i``, if there is one."""
    i = skip_spaces(tokens, i)
    if i >= len(tokens) or tokens[i] != "[":
        return None
    depth = 0
    for j in range(i, len(tokens)):
        if tokens[j] == "{":
            depth += 1
        elif tokens[j] == "}":
            depth -= 1
        elif tokens[j] == "]" and depth == 0:
            return tokens[i + 1 : j], j + 1
    raise TexError("'[' without a matching ']'")
