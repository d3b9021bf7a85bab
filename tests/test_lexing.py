"""The accelerated lexers give exactly Pygments' tokens: on tricky snippets, generated text and real code."""

from __future__ import annotations

import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pygments.lexers import get_lexer_by_name

from site_gen import lexing
from site_gen.lexing import _first_character_test, accelerated

from .conftest import SHARED, SHARED_MISSING

POSTS = SHARED / "corpus" / "posts"
NOTEBOOKS = SHARED / "corpus" / "notebooks"
LANGUAGES = ["python", "bash", "julia", "r", "cpp", "javascript", "json", "yaml", "toml", "sql", "rust", "latex"]

SNIPPETS = [
    'def f(x: int = 1) -> "str":\n    """Doc."""\n    return f"{x!r:>{w}}" + r\'\\d\' + b"\\x00"\n',
    "@decorator\nclass A(B, metaclass=M):\n    async def g(self): await h(*a, **k)  # comment\n",
    "x = 0x1F + 0o17 + 0b101 + 1_000.5e-3j\nmatch p:\n    case [a, *rest] if a: pass\n",
    "λ = lambda ünïcode: ünïcode ** 2\n\t\x0c\n\\\n'unterminated\n",
    "echo \"$HOME/${x:-y}\" | grep -E '^a+$' && for i in $(seq 3); do ((n++)); done <<EOF\nbody\nEOF\n",
    "",
    "\n\n  \n",
]


@pytest.fixture(autouse=True)
def _accelerated_at_once(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every text through the accelerated path (a process lexes its first 20,000 characters the plain way)."""
    monkeypatch.setattr(lexing, "PLAIN_CHARACTERS", 0)
    monkeypatch.setattr(lexing, "_LANGUAGES", {})


def test_a_process_lexes_its_first_characters_the_plain_way(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(lexing, "PLAIN_CHARACTERS", 30)
    lexer = accelerated(get_lexer_by_name("python", stripnl=False, ensurenl=False))
    states = lexing._language(type(lexer)).states
    list(lexer.get_tokens("x = 1\n" * 5))  # 30 characters: plain, no test worked out
    assert all(state._tests is None for state in states.values())
    list(lexer.get_tokens("y = 2\n"))
    assert states["root"]._tests is not None
    assert sum(state._tests is not None for state in states.values()) < len(states) / 2  # only those entered


def _same(lang: str, code: str) -> None:
    plain = get_lexer_by_name(lang, stripnl=False, ensurenl=False)
    fast = accelerated(get_lexer_by_name(lang, stripnl=False, ensurenl=False))
    assert list(fast.get_tokens(code)) == list(plain.get_tokens(code)), (lang, code)


@pytest.mark.parametrize("lang", LANGUAGES)
@pytest.mark.parametrize("code", SNIPPETS)
def test_tokens_are_pygments_own(lang: str, code: str) -> None:
    _same(lang, code)


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=st.sampled_from(list("aZ_0 9.\t\n#'\"\\()[]{}:=+-*/%<>!@$&|;,`~^?λé")), max_size=60))
def test_tokens_agree_on_generated_text(code: str) -> None:
    for lang in ("python", "bash", "cpp"):
        _same(lang, code)


@pytest.mark.parametrize(
    ("pattern", "flags", "starts", "never"),
    [
        (r"def\b", 0, "d", "e"),
        (r"(?i)select", 0, "sS", "x"),
        (r"[^\n\\]+", 0, "a#", "\n\\"),
        (r"(?<=\.)\w+|\d", 0, "a7_", ".-"),
        (r"(\s*)(#.*)$", re.MULTILINE, "# \t", "a"),
    ],
)
def test_first_character_tests_admit_every_start(pattern: str, flags: int, starts: str, never: str) -> None:
    test = _first_character_test(re.compile(pattern, flags).match)
    assert test is not None
    assert all(test(c) for c in starts) and not any(test(c) for c in never)


@pytest.mark.parametrize("pattern", ["", r"\s*", r"(?=x)", r"(a)?\1", r".", r"(?i:x)y"])
def test_rules_whose_start_cannot_be_told_are_always_tried(pattern: str) -> None:
    assert _first_character_test(re.compile(pattern).match) is None


@pytest.mark.skipif(not POSTS.is_dir(), reason=SHARED_MISSING)
def test_tokens_agree_on_the_code_of_real_posts() -> None:
    fence = re.compile(r"^ {0,3}(`{3,}|~{3,})\{?([\w+-]+)\}?[^\n]*\n(.*?)^ {0,3}\1", re.S | re.M)
    seen = 0
    for path in sorted(POSTS.rglob("*.md")):
        for found in fence.finditer(path.read_text(encoding="utf-8", errors="replace")):
            lang = found.group(2).lower()
            try:
                get_lexer_by_name(lang)
            except Exception:
                continue
            _same(lang, found.group(3))
            seen += 1
    assert seen > 100
