"""What a post's last render made of its code blocks and formulas, offered to its next one.

An edited post is rendered again in a fresh process, where the first code block
of each language compiles its Pygments lexer (35 ms for the bench posts' Python
and Bash) and the formulas are converted again: most of the render, for blocks
and formulas that an edit of the prose left as they were. So a render records
what it made, by everything each piece depends on (a block's code and fence; a
formula's TeX, display mode, macros and equation numbers), the render cache
keeps the record beside the render, and the next render of the same post is
offered it (``site_gen.render``). Only the renderer that made a record reads it:
the render cache's files are named after site_gen's source and libraries.

``recall`` is the one door, used by ``highlight`` and ``math``: outside a
``remembering`` block (worker processes, the preview, tests) it just makes.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Hashable, Iterator, Mapping
from contextvars import ContextVar
from typing import TypeVar

T = TypeVar("T")
Made = dict[Hashable, object]

# Per thread, so a render on another thread (a post with cells) never sees this one's record.
_memo: ContextVar[tuple[Mapping[Hashable, object], Made] | None] = ContextVar("site_gen_fragments", default=None)


def recall(key: Hashable, make: Callable[[], T]) -> T:
    """What the last render made for ``key``, else ``make()``; recorded either way.
    An exception from ``make`` (a TeX error) is not recorded: each render raises it afresh."""
    memo = _memo.get()
    if memo is None:
        return make()
    offered, made = memo
    found = offered.get(key)
    if found is None:
        found = make()
    made[key] = found
    return found  # type: ignore[return-value]  # what make() returned for this key


@contextlib.contextmanager
def remembering(offered: Mapping[Hashable, object]) -> Iterator[Made]:
    """Within the block, ``recall`` serves ``offered`` and records into the dict it yields."""
    made: Made = {}
    token = _memo.set((offered, made))
    try:
        yield made
    finally:
        _memo.reset(token)
