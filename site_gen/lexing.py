"""Pygments' regex lexers, each token found by trying only the rules that can start with its first character.

At every position a ``RegexLexer`` tries the rules of its current state in order until one
matches. The Python lexer's states hold up to 56 rules and a token is matched, on average,
by the 25th or 30th: on the bench corpus 1,500 regex calls a code block, most of a
highlighted block's time and a seventh of a cold build's CPU.

Most rules can only match text that starts with certain characters (a keyword with its
letter, a string with a quote, a comment with ``#``). For each rule this module works out,
from the regex's parse tree, a one-character regex every first character of a match must
satisfy, or none when it cannot tell (a pattern that may match the empty string, a back
reference, flags set inside a group). At a position it then tries, in their order, only the
rules whose test the character there passes: a rule skipped could not have matched, so the
first rule that matches is the one Pygments would have chosen, with the same match object,
and the tokens are exactly Pygments' (``tests/test_lexing.py`` compares them on real code).
The rules for a character are worked out once per state, the first time it is met.
At the end of the text every rule is tried, as Pygments does.

A lexer with its own ``get_tokens_unprocessed`` (``ExtendedRegexLexer``, the console lexers)
is left as it is.
"""

from __future__ import annotations

import re
import re._constants as sre  # the parse tree's opcodes
import re._parser as sre_parse
from collections.abc import Callable, Iterator
from typing import Any

from pygments.lexer import Lexer, RegexLexer
from pygments.token import Error, Whitespace, _TokenType

Rule = tuple[Callable[..., Any], Any, Any]  # a processed rule: (its regex's match, action, new state)
_CLASSES = {
    sre.CATEGORY_DIGIT: r"\d",
    sre.CATEGORY_NOT_DIGIT: r"\D",
    sre.CATEGORY_SPACE: r"\s",
    sre.CATEGORY_NOT_SPACE: r"\S",
    sre.CATEGORY_WORD: r"\w",
    sre.CATEGORY_NOT_WORD: r"\W",
}
_ZERO_WIDTH = (sre.AT, sre.ASSERT, sre.ASSERT_NOT)  # anchors and lookarounds: they consume nothing
_REPEATS = (sre.MAX_REPEAT, sre.MIN_REPEAT, sre.POSSESSIVE_REPEAT)


class _Unknown(Exception):
    """The first character of a match cannot be told from this pattern: always try the rule."""


# Working out a state's tests parses each of its regexes (the Python lexer's 437 take ~110 ms,
# ~30 ms for the states a block enters). A process lexes this much text of a language the
# plain way first, so an edit that highlights a block or two never pays for them.
PLAIN_CHARACTERS = 20_000


def accelerated(lexer: Lexer) -> Lexer:
    """``lexer``, made to try at each position only the rules its character can start (same tokens)."""
    if type(lexer).get_tokens_unprocessed is not RegexLexer.get_tokens_unprocessed:
        return lexer
    language = _language(type(lexer))

    def get_tokens_unprocessed(text: str, stack: tuple[str, ...] = ("root",)) -> Iterator[tuple[int, Any, str]]:
        if language.plain_left > 0:
            language.plain_left -= len(text)
            return RegexLexer.get_tokens_unprocessed(lexer, text, stack)  # type: ignore[no-any-return]
        return _tokens(lexer, language.states, text, stack)

    lexer.get_tokens_unprocessed = get_tokens_unprocessed
    return lexer


class _State:
    """One state's rules, and for each character met so far the rules that can start with it."""

    def __init__(self, rules: list[Rule]) -> None:
        self.rules = rules
        self._tests: list[Callable[[str], Any] | None] | None = None  # made when the state is first entered
        self._by_character: dict[str, list[Rule]] = {}

    def rules_for(self, character: str) -> list[Rule]:
        found = self._by_character.get(character)
        if found is None:
            if self._tests is None:  # the Python lexer has 49 states; a block enters a few
                self._tests = [_first_character_test(match) for match, _, _ in self.rules]
            found = self._by_character[character] = [
                rule for rule, test in zip(self.rules, self._tests, strict=True) if test is None or test(character)
            ]
        return found


class _Language:
    """A lexer class's states (its rules processed by Pygments at its first instance), and how
    much text is still to be lexed the plain way in this process."""

    def __init__(self, cls: type[RegexLexer]) -> None:
        self.states = {name: _State(rules) for name, rules in cls._tokens.items()}
        self.plain_left = PLAIN_CHARACTERS


_LANGUAGES: dict[type, _Language] = {}  # by lexer class: a few a site


def _language(cls: type[RegexLexer]) -> _Language:
    found = _LANGUAGES.get(cls)
    if found is None:
        found = _LANGUAGES[cls] = _Language(cls)
    return found


def _first_character_test(match: Callable[..., Any]) -> Callable[[str], Any] | None:
    """A test every first character of the rule's matches passes, or None: try the rule anywhere."""
    pattern = getattr(match, "__self__", None)
    if not isinstance(pattern, re.Pattern) or not isinstance(pattern.pattern, str):
        return None
    try:
        parts, may_be_empty = _first(list(sre_parse.parse(pattern.pattern, pattern.flags)))
    except (_Unknown, re.error, RecursionError):
        return None
    if may_be_empty or not parts:
        return None
    return re.compile("|".join(sorted(set(parts))), pattern.flags & ~re.VERBOSE).match


def _first(items: list[tuple[Any, Any]]) -> tuple[list[str], bool]:
    """One-character regexes for what a sequence of parse items can start with, and whether
    the whole sequence can match the empty string."""
    parts: list[str] = []
    for op, av in items:
        if op in _ZERO_WIDTH:
            continue  # a lookaround only narrows what follows it; an anchor is tested in place
        found, may_be_empty = _first_of_item(op, av)
        parts.extend(found)
        if not may_be_empty:
            return parts, False
    return parts, True


def _first_of_item(op: Any, av: Any) -> tuple[list[str], bool]:
    if op is sre.LITERAL:
        return [_char(av)], False
    if op is sre.NOT_LITERAL:
        return [f"[^{_char(av)}]"], False
    if op is sre.IN:
        return [_char_class(av)], False
    if op is sre.BRANCH:
        parts, may_be_empty = [], False
        for alternative in av[1]:
            found, empty = _first(list(alternative))
            parts.extend(found)
            may_be_empty = may_be_empty or empty
        return parts, may_be_empty
    if op is sre.SUBPATTERN:
        _group, add_flags, del_flags, pattern = av
        if add_flags or del_flags:  # (?i:...): a test made with the pattern's own flags would be wrong
            raise _Unknown
        return _first(list(pattern))
    if op is sre.ATOMIC_GROUP:
        return _first(list(av))
    if op in _REPEATS:
        low, _high, pattern = av
        found, empty = _first(list(pattern))
        return found, empty or low == 0
    raise _Unknown  # ANY (its meaning depends on DOTALL), back references, conditional groups


def _char(code: int) -> str:
    return f"\\U{code:08x}"


def _char_class(items: list[tuple[Any, Any]]) -> str:
    parts = []
    negate = False
    for op, av in items:
        if op is sre.NEGATE:
            negate = True
        elif op is sre.LITERAL:
            parts.append(_char(av))
        elif op is sre.RANGE:
            parts.append(f"{_char(av[0])}-{_char(av[1])}")
        elif op is sre.CATEGORY and av in _CLASSES:
            parts.append(_CLASSES[av])
        else:
            raise _Unknown
    return "[" + ("^" if negate else "") + "".join(parts) + "]"


def _tokens(
    lexer: RegexLexer, states: dict[str, _State], text: str, stack: tuple[str, ...]
) -> Iterator[tuple[int, Any, str]]:
    """``RegexLexer.get_tokens_unprocessed``, trying at each position only the rules that can match there."""
    pos = 0
    stack_now = list(stack)
    state = states[stack_now[-1]]
    end = len(text)
    while True:
        rules = state.rules_for(text[pos]) if pos < end else state.rules
        for match, action, new_state in rules:
            found = match(text, pos)
            if found:
                if action is not None:
                    if type(action) is _TokenType:
                        yield pos, action, found.group()
                    else:
                        yield from action(lexer, found)
                pos = found.end()
                if new_state is not None:
                    _change_state(stack_now, new_state)
                    state = states[stack_now[-1]]
                break
        else:
            if pos >= end:
                return
            if text[pos] == "\n":  # no rule matched at a line end: back to the root state
                stack_now = ["root"]
                state = states["root"]
                yield pos, Whitespace, "\n"
            else:
                yield pos, Error, text[pos]
            pos += 1


def _change_state(stack: list[str], new_state: tuple[str, ...] | int | str) -> None:
    """Apply a rule's state transition to the stack, as Pygments does."""
    if isinstance(new_state, tuple):
        for name in new_state:
            if name == "#pop":
                if len(stack) > 1:
                    stack.pop()
            elif name == "#push":
                stack.append(stack[-1])
            else:
                stack.append(name)
    elif isinstance(new_state, int):  # pop that many, keeping the root
        if abs(new_state) >= len(stack):
            del stack[1:]
        else:
            del stack[new_state:]
    elif new_state == "#push":
        stack.append(stack[-1])
    else:
        raise AssertionError(f"wrong state definition: {new_state!r}")
