"""pandoc-crossref's equation labels and references, in our spelling.

Pandoc blogs (Pelican's pandoc reader, Hugo or Jekyll through Pandoc) label a
display equation with ``$$ … $$ {#eq:name}`` and cite it as ``@eq:name``,
``[@eq:name]`` or ``{@eq:name}``. Ours are ``$$ … $$ (eq:name)`` and
``\\eqref{eq:name}``: numbered the same way, and checked (a reference to a
label no equation has is an error with its line, as in Pandoc).
"""

from __future__ import annotations

import re

_LABEL = re.compile(r"\$\$[ \t]*\{#(eq:[\w.:-]*\w)\}")
_REFERENCE = re.compile(r"\{@(eq:[\w.:-]*\w)\}|\[-?@(eq:[\w.:-]*\w)\]|(?<![\w@])@(eq:[\w.:-]*\w)")


def equations(text: str) -> str:
    """Labels and references of equations; code is shielded before, so code keeps its text."""
    text = _LABEL.sub(lambda m: f"$$ ({m.group(1)})", text)
    return _REFERENCE.sub(lambda m: "\\eqref{" + next(g for g in m.groups() if g) + "}", text)
