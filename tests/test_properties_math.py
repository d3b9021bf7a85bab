"""Property tests for TeX -> MathML: any input either fails with our error or
gives MathML that parses as XML, with no script link and no character XML
cannot hold. Bounded to a few hundred examples (about 20 s on a loaded CI box).
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from site_gen.errors import ContentError
from site_gen.markdown import MarkdownRenderer
from site_gen.math import TexError, convert


def _words(text: str) -> list[str]:
    return text.split()


# Pieces real formulas are made of, and the odd ones that break converters.
PIECES = [
    *"xyzabAB0129+-=*/|.,;:!?()[]<>'^_{}{}{}&~%#$@ \n\t",
    *_words(r"\alpha \beta \Sigma \sum \int \prod \lim \max \log \exp \sin \partial \nabla \infty \cdot \times"),
    *_words(r"\frac \sqrt \hat \bar \vec \tilde \overline \underbrace \overbrace \mathbb \mathcal \mathbf \boldsymbol"),
    *_words(r"\text \mathrm \operatorname \operatorname* \left( \right) \left. \right|"),
    *_words(r"\big( \Big| \middle| \lvert \rvert"),
    *_words(r"\begin{aligned} \end{aligned} \begin{cases} \end{cases} \begin{bmatrix} \end{bmatrix} \\ \\[4pt]"),
    *_words(r"\color{red} \color{#0f0} \textcolor{blue} \colorbox{yellow} \boxed \cancel \bbox[red] \enclose{circle}"),
    *_words(r"\mathclap \xrightarrow \overset \underset \substack \tag \label{eq:a} \newcommand \def \require{x}"),
    *_words(r"\href{javascript:alert(1)} \href{https://a.b} \url{x} \limits \nolimits \! \, \; \quad \mid \|"),
    "\x00",
    "\x01",
    "\x1b",
    "\ufffe",
    "\uffff",
    "\ud800",
    "&amp;",
    "<script>",
    "]]>",
]
tex = st.lists(st.sampled_from(PIECES), min_size=1, max_size=24).map("".join)
SETTINGS = settings(max_examples=1500, deadline=None, suppress_health_check=[HealthCheck.too_slow])
_INVALID = {chr(c) for c in range(0x20) if chr(c) not in "\t\n\r"} | {"\ufffe", "\uffff"}


def _check_mathml(mathml: str) -> None:
    if not mathml:  # a formula of definitions only
        return
    root = ET.fromstring(mathml)
    for el in root.iter():
        href = (el.get("href") or "").strip().lower()
        assert not href.startswith(("javascript:", "data:", "vbscript:")), mathml
    assert not _INVALID.intersection(mathml)


@SETTINGS
@given(tex, st.booleans())
def test_tex_converts_to_xml_or_fails_with_tex_error(source: str, display: bool) -> None:
    try:
        result = convert(source, display=display, macros={"R": r"\mathbb{R}", "f": "#1^2"})
    except TexError as err:
        assert err.message and len(err.message) < 400  # a sentence, never a dump of the input
        return
    _check_mathml(result.mathml)


@SETTINGS
@given(tex)
def test_markdown_math_fails_only_with_content_error(source: str) -> None:
    renderer = MarkdownRenderer()
    try:
        doc = renderer.render(f"A ${source}$ and\n\n$$\n{source}\n$$\n", path=Path("p.md"))
    except ContentError:
        return
    for mathml in re.findall(r"<math\b.*?</math>", doc.html, flags=re.DOTALL):
        _check_mathml(mathml)
    assert not re.search(r"href=[\"']\s*(javascript|data|vbscript):", doc.html, flags=re.IGNORECASE)


_DEFINING_PIECES = st.sampled_from(
    ["x", "{", "}", " ", "\\de", "f", "\\def", "\\newcommand", "command", "\\definecolor", "\\DeclareMathOperator",
     "\\R", "#1", "[1]", "red", "\\frac", "\\provide", "\\renewcommand"]
)  # fmt: skip


@given(st.lists(_DEFINING_PIECES, max_size=10).map("".join))
def test_a_formula_may_define_only_what_its_text_names(tex: str) -> None:
    """``may_define`` lets a formula skip ``extract_definitions``: only when it would find nothing."""
    from site_gen.math.macros import extract_definitions, may_define

    try:
        found = extract_definitions(tex)
    except TexError:
        return  # convert raises the same error for the formula
    if not may_define(tex):
        assert (found.tex, found.macros, found.warnings) == (tex, {}, [])
