"""The per-process memos of MathML and highlighted code (issue 16) change nothing a page shows.

Each post is rendered with the memos on, then again with them replaced by the
functions they wrap, and the HTML, the feed HTML and the warnings must be the
same. The posts repeat formulas and code blocks, within a post and between
posts whose macros differ, and number their equations differently.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from site_gen import highlight as sg_highlight
from site_gen import math as sg_math
from site_gen.errors import ContentError
from site_gen.markdown import MarkdownRenderer, RenderedDoc

SITE_MACROS = {"R": r"\mathbb{R}", "v": r"\mathbf{v}"}

FIRST = r"""Let $x \in \R$ and $\v$ be a vector; again $x \in \R$ and $\v$.

$$
\begin{aligned}
a &= b \label{eq:one} \\
c &= d \label{eq:two}
\end{aligned}
$$

```python {linenos=true}
import numpy as np
```

```python
import numpy as np
```

```python
import numpy as np
```

```klingon
qaStaH nuq?
```

```klingon
qaStaH nuq?
```

Now $\renewcommand{\v}{\vec{v}}$ makes $\v$ an arrow; see \eqref{eq:two}.
"""

# The same formulas, but the aligned one comes second, so its rows are (2) and (3).
SECOND = r"""$$ y = 1 $$ (eq:first)

$$
\begin{aligned}
a &= b \label{eq:one} \\
c &= d \label{eq:two}
\end{aligned}
$$

Here $\v$ and $x \in \R$ again.

```python
import numpy as np
```
"""


def _render_posts(posts: list[tuple[str, dict[str, str]]]) -> list[RenderedDoc]:
    renderer = MarkdownRenderer(macros=SITE_MACROS)
    return [renderer.render(text, path=Path(f"post{i}.md"), macros=macros) for i, (text, macros) in enumerate(posts)]


def _without_memo(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sg_math, "convert_cached", sg_math.convert_cached.__wrapped__)
    monkeypatch.setattr(sg_highlight, "highlight_cached", sg_highlight.highlight_cached.__wrapped__)


def _clear() -> None:
    sg_math.convert_cached.cache_clear()
    sg_highlight.highlight_cached.cache_clear()


def _shown(docs: list[RenderedDoc]) -> list[tuple[str, str, str, list[tuple[object, ...]]]]:
    return [(d.html, d.feed_html, d.summary_html, [(w.path, w.line, w.message) for w in d.warnings]) for d in docs]


def test_memo_gives_the_html_of_no_memo(monkeypatch: pytest.MonkeyPatch) -> None:
    # Macros change between posts: the post's own \v wins over the site's.
    posts = [(FIRST, {}), (SECOND, {"v": r"\boldsymbol{v}"}), (FIRST, {}), (SECOND, {})]
    _clear()
    with_memo = _shown(_render_posts(posts))
    math_info, code_info = sg_math.convert_cached.cache_info(), sg_highlight.highlight_cached.cache_info()
    assert math_info.hits > 0 and code_info.hits > 0  # the posts did exercise the memos
    with monkeypatch.context() as patch:
        _without_memo(patch)
        without = _shown(_render_posts(posts))
    assert with_memo == without
    # The same formula under different macros is not served from the memo.
    assert "𝐯" in with_memo[0][0] and "𝒗" in with_memo[1][0]
    # Rows numbered by position: (1), (2) in the first post, (2), (3) in the second.
    assert "<mtext>(1)</mtext>" in with_memo[0][0] and "<mtext>(3)</mtext>" in with_memo[1][0]
    assert "<mtext>(3)</mtext>" not in with_memo[0][0]


def test_a_memo_hit_still_warns_at_its_own_line() -> None:
    _clear()
    doc = _render_posts([(FIRST, {})])[0]
    unknown = [w.line for w in doc.warnings if "unknown language 'klingon'" in w.message]
    assert unknown == [22, 26]  # each fence line


BAD = "Fine $x$ here.\n\nAnd $\\frac{1}$ is bad.\n"


@pytest.mark.parametrize("memo", [True, False])
def test_bad_formula_repeated_reports_each_line(memo: bool, monkeypatch: pytest.MonkeyPatch) -> None:
    _clear()
    if not memo:
        _without_memo(monkeypatch)
    renderer = MarkdownRenderer(macros=SITE_MACROS)
    lines = []
    for first_line in (1, 7, 1):  # the same bad TeX at line 3, at line 9, at line 3 again
        with pytest.raises(ContentError) as info:
            renderer.render(BAD, path=Path(f"bad{first_line}.md"), first_line=first_line)
        lines.append((info.value.path.name, info.value.line))
        assert "frac" in info.value.message
    assert lines == [("bad1.md", 3), ("bad7.md", 9), ("bad1.md", 3)]
    # Both lines of one post: fixing the first occurrence reports the second.
    post = "Intro.\n\n$\\frac{1}$ first.\n\nText.\n\n$\\frac{1}$ second.\n"
    with pytest.raises(ContentError) as info:
        renderer.render(post, path=Path("twice.md"))
    assert info.value.line == 3
    with pytest.raises(ContentError) as info:
        renderer.render(post.replace("$\\frac{1}$ first", "$1$ first"), path=Path("twice.md"))
    assert info.value.line == 7


def test_long_code_blocks_are_not_memoised() -> None:
    _clear()
    fence = sg_highlight.parse_fence_info("python")
    code = "x = 1\n" * (sg_highlight.MEMO_MAX_CHARS // 6 + 1)
    assert sg_highlight.highlight(code, fence) == sg_highlight.highlight(code, fence)
    assert sg_highlight.highlight_cached.cache_info().currsize == 0
    sg_highlight.highlight("x = 1\n", fence)
    assert sg_highlight.highlight_cached.cache_info().currsize == 1
