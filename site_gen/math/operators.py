"""MathML -> MathML: TeX's atom classes, as a browser's MathML Core needs them.

TeX spaces a formula by the class of each atom: ordinary (``x``, ``/``, ``.``,
``|``), binary (``+``, ``\\cdot``), relation (``=``, ``:``), opening and closing
fences, punctuation (``,``, ``;``) and large operators (``\\sum``). MathML Core
has no classes: it spaces an ``<mo>`` by its character's entry in the operator
dictionary, and an ``<mi>`` not at all. latex2mathml picks the element by
character, so ``σ(−z)`` got binary spacing, a trailing ``.`` an operator's and
``;`` none. These fixes say each atom's class the way Temml (the reference
TeX -> MathML converter, ``bench/math_vs_temml.py``) does: the element, a
``form``, an explicit ``lspace``/``rspace`` or ``stretchy`` where the
dictionary's default is not TeX's. They run after ``fixes.function_application``.
"""

from __future__ import annotations

import itertools
import unicodedata
import xml.etree.ElementTree as ET

ZERO = "0em"
# Characters TeX sets as binary operators: a sign after an operator, a fence or
# punctuation (or first in its group) is unary, as in ``σ(−z)`` or ``= −x``.
BINARY = set("+−±∓×÷⋅∗∘∙∖∩∪⊕⊖⊗⊘⊙⊎⊓⊔∧∨⋆⋄◃▹△▽≀⨿⊞⊟⊠⊡⋉⋊⋋⋌⋏⋎⊺") | {"\u2212", "*"}
OPENING = set("([{⟨⌊⌈⟦‖|\u2016")
CLOSING = set(")]}⟩⌋⌉⟧")
PUNCTUATION = {",", ";"}
LARGE = set("∑∏∐⋃⋂⨁⨂⨀⨄⨆⋁⋀∫∬∭∮∯∰")
# Large operators whose limits go under and over in display style (not integrals).
LIMITS_UNDER = set("∑∏∐⋃⋂⨁⨂⨀⨄⨆⋁⋀")
# Characters latex2mathml makes operators that TeX sets as ordinary symbols.
ORDINARY = {"∂", "∞", "⊤", "⊥", ".", "/", "∅", "ℓ", "∀", "∃", "′", "″", "‴", "ℏ", "ℜ", "ℑ", "℘", "ℵ"}
# Same meaning, the character Temml (and TeX's fonts) use.
CHARACTERS = {"\u00b7": "⋅", "*": "∗", "\u2223": "|"}
# Long arrows latex2mathml leaves as letters: relations with TeX's thick spaces.
SPACED_RELATIONS = {"⟹", "⟸", "⟺", "⟶", "⟵", "⟷"}
THICK = "0.2778em"
# Accents: latex2mathml's character for \hat, \bar, \tilde, \vec ... and TeX's.
ACCENTS = {"^": "ˆ", "\u00af": "‾", "~": "~", "\u02d9": "˙", "\u00a8": "¨", "\u02c7": "ˇ", "\u02d8": "˘", "`": "ˋ"}
ACCENTS.update({"\u00b4": "ˊ", "\u2192": "→", "\u02da": "˚"})
# How far TeX's skew puts an accent right of a slanted letter's centre (Temml's values).
ACCENT_NUDGE = {
    **dict.fromkeys("DHKLUcegorsuvxyz", "0.07em"),
    **dict.fromkeys("BCEGIMNOPQRSTXZlpqtw", "0.14em"),
    **dict.fromkeys("AFJdf", "0.21em"),
}
# \big, \Big, \bigg, \Bigg: latex2mathml's heights, and TeX's (1.2, 1.8, 2.4, 3 em).
BIG_SIZES = {"1.2em": "1.2em", "1.623em": "1.8em", "2.047em": "2.4em", "2.470em": "3em"}
CONTAINERS = {"mrow", "mtd", "mstyle", "math", "semantics", "msqrt", "mpadded", "mphantom", "menclose"}
SCRIPTS = {"msub", "msup", "msubsup", "munder", "mover", "munderover"}


def _text(el: ET.Element) -> str:
    return (el.text or "").strip()


def _parents(math: ET.Element) -> dict[ET.Element, ET.Element]:
    return {child: parent for parent in math.iter() for child in parent}


def _holds(math: ET.Element, *tags: str) -> bool:
    """Whether an element of one of ``tags`` is in the tree: ElementTree's own search, in C,
    so a fix can pass over a formula without what it mends for a fraction of a walk in Python."""
    return any(next(math.iter(tag), None) is not None for tag in tags)


def characters(math: ET.Element) -> None:
    """``\\cdot`` is ⋅ (U+22C5), ``*`` is ∗, ``\\mid`` is a ``|`` relation;
    ``\\left<`` means ⟨. latex2mathml writes ·, *, ∣ and <."""
    for el in math.iter("mo"):
        text = _text(el)
        if text in CHARACTERS:
            el.text = CHARACTERS[text]
            if text == "\u2223":  # \mid: a relation, whatever the dictionary says of |
                el.attrib.update({"lspace": "0.22em", "rspace": "0.22em", "stretchy": "false"})
        elif text in ("<", ">") and el.get("fence") == "true":
            el.text = "⟨" if text == "<" else "⟩"
    for el in math.iter("mi"):
        if _text(el) in ("⟨", "⟩"):  # \langle as a letter: a fence that does not stretch
            el.attrib.update({"fence": "true", "stretchy": "false"})
            el.set("form", "prefix" if _text(el) == "⟨" else "postfix")
            el.tag = "mo"


def ordinary_symbols(math: ET.Element) -> None:
    """``∂``, ``∞``, ``.``, ``/``, ``|`` (not ``\\left|``), ``\\|`` and primes are
    ordinary symbols in TeX: no space around them."""
    parents: dict[ET.Element, ET.Element] | None = None  # made for the first symbol that needs it
    for el in list(math.iter("mo")):
        text = _text(el)
        if text not in ORDINARY and text not in ("|", "‖"):
            continue  # neither change below applies
        if parents is None:
            parents = _parents(math)  # the loop changes tags and attributes, never the tree's shape
        plain_bar = text in ("|", "‖") and el.get("stretchy") == "false" and el.get("lspace") is None
        if (text in ORDINARY or plain_bar) and not _is_accent(el, parents):
            el.tag = "mi"
            el.attrib.clear()
            if text in ("′", "″", "‴"):  # a prime is a superscript operator of no width around it
                el.tag = "mo"
                el.attrib.update({"lspace": ZERO, "rspace": ZERO})
        elif text in ("|", "‖") and el.get("stretchy") is None and el.get("minsize") is None:  # \lvert, \rvert
            parent = parents.get(el)
            index = list(parent).index(el) if parent is not None else 0
            neighbours = list(parent)[max(index - 1, 0) : index + 2] if parent is not None else []
            el.set("fence", "true")
            el.set("stretchy", "true" if any(n.tag == "mtable" for n in neighbours) else "false")  # vmatrix
            opening = parent is None or index == 0 or _is_operator(parent[index - 1])
            el.set("form", "prefix" if opening else "postfix")
    for el in math.iter("mi"):
        text = _text(el)
        symbol = len(text) == 1 and unicodedata.category(text) == "Sm"
        if symbol and text not in ORDINARY | SPACED_RELATIONS | {"|", "‖", "¬"}:
            el.tag = "mo"  # \succeq, \lnot...: latex2mathml's letters for symbols it does not class
            if text == "¬":
                el.set("form", "prefix")
        elif text in ("′", "″", "‴"):  # primes: operators of no space; f'' is two primes, as in TeX
            el.tag = "mo"
            el.text = "′" * ("′″‴".index(text) + 1)
            el.attrib.update({"lspace": ZERO, "rspace": ZERO})
        elif len(text) == 1 and "\u0391" <= text <= "\u03a9" and el.get("mathvariant") is None:
            el.set("mathvariant", "normal")  # TeX sets capital Greek upright
        elif text in ("…", "⋯"):
            el.tag = "mo"


def punctuation(math: ET.Element) -> None:
    """``;`` is punctuation (a thin space after), ``:`` a relation, and
    ``\\implies`` a relation with thick spaces; latex2mathml writes them as letters."""
    parents: dict[ET.Element, ET.Element] | None = None  # made for the first long arrow, if any
    for el in list(math.iter("mi")):
        text = _text(el)
        if text == ";":
            el.tag = "mo"
            el.set("separator", "true")
        elif text == ":":
            el.tag = "mo"
            el.attrib.update({"lspace": "0.2222em", "rspace": "0.2222em"})
        elif text in SPACED_RELATIONS and el in (parents := parents or _parents(math)):
            parent = parents[el]
            index = list(parent).index(el)
            el.tag = "mo"
            el.set("stretchy", "false")
            parent.insert(index + 1, ET.Element("mspace", {"width": THICK}))
            parent.insert(index, ET.Element("mspace", {"width": THICK}))


def _is_accent(el: ET.Element, parents: dict[ET.Element, ET.Element]) -> bool:
    parent = parents.get(el)
    return parent is not None and parent.tag in ("mover", "munder") and len(parent) == 2 and parent[1] is el


def accents(math: ET.Element) -> None:
    """``\\hat{x}``: TeX's circumflex (U+02C6), one glyph wide; ``\\bar`` is ‾,
    ``\\vec`` an arrow that does not stretch. ``\\widehat`` stretches."""
    for el in math.iter("mover"):
        if len(el) != 2 or el[1].tag != "mo":
            continue
        accent, text = el[1], _text(el[1])
        if text not in ACCENTS:
            continue
        wide = text in ("^", "~") and el.get("accent") != "true" and accent.get("stretchy") is None
        if text == "\u2192" and accent.get("stretchy") != "true":
            continue  # \overrightarrow: stays stretchy (no attribute = the dictionary's)
        accent.text = ACCENTS[text]
        accent.set("stretchy", "true" if wide else "false")
        style = [] if text == "\u2192" else ["math-depth:0"]  # an accent is not a script (\vec's arrow is)
        base = el[0][0] if el[0].tag == "mrow" and len(el[0]) == 1 else el[0]
        nudge = ACCENT_NUDGE.get(_text(base)) if base.tag == "mi" and not wide else None
        if nudge:  # over a slanted letter the accent sits right of centre, as in TeX
            style.append(f"transform:translate({nudge},0)")
        if style:
            accent.set("style", ";".join(style))
        el.attrib.pop("accent", None)  # Temml's: the accent sits at TeX's height, not on the letter


def full_size_braces(math: ET.Element) -> None:
    """``\\underbrace``: the brace is drawn at the size of its base, not as a script."""
    for el in math.iter():
        if el.tag in ("munder", "mover") and len(el) == 2 and el[1].tag == "mo" and _text(el[1]) in "⏟⏞⎵⎴":
            el[1].set("style", "math-depth:0")


def fenced_tables(math: ET.Element) -> None:
    """``\\begin{bmatrix}``: each matrix is its own row, so its brackets fit it,
    not the tallest thing beside it."""
    if next(math.iter("mtable"), None) is None:
        return
    for row in list(math.iter()):
        children = list(row)
        if len(children) <= 3:
            continue
        for i in range(len(children) - 2):
            opening, table, closing = children[i : i + 3]
            if table.tag == "mtable" and opening.tag == closing.tag == "mo":
                group = ET.Element("mrow")
                row.insert(list(row).index(opening), group)
                for el in (opening, table, closing):
                    row.remove(el)
                    group.append(el)


def upright_words(math: ET.Element) -> None:
    """``\\mathrm{Tr}``: latex2mathml writes one upright ``<mi>`` per letter; one
    ``<mi>`` for the word (upright, being longer than a letter) is the same text."""
    if sum(el.get("mathvariant") == "normal" for el in math.iter("mi")) < 2:
        return
    for parent in math.iter():
        if len(parent) < 2:  # a token, mostly: no pair of siblings
            continue
        children = list(parent)
        i = 0
        while i < len(children) - 1:
            a, b = children[i], children[i + 1]
            if (
                a.tag == b.tag == "mi"  # the cheap test first: this runs on every pair of siblings
                and all(
                    x.tag == "mi" and x.get("mathvariant") == "normal" and len(x.attrib) == 1 and _text(x).isascii()
                    for x in (a, b)
                )
                and (_text(a) + _text(b)).isalpha()
            ):
                a.text = _text(a) + _text(b)
                parent.remove(b)
                children.pop(i + 1)
                continue
            i += 1


def script_levels(math: ET.Element) -> None:
    """Scripts of scripts of scripts (``e^{f_{y_i}}``) stop shrinking at TeX's
    scriptscript size; Chromium would go on shrinking them."""
    _script_level(math, 0 if math.get("display") == "block" else 1)


def _script_level(el: ET.Element, level: int) -> None:
    for index, child in enumerate(el):
        child_level = level
        if el.tag in SCRIPTS and index > 0:
            child_level = 3 if level >= 2 else 2
            if level == 3 and child.get("scriptlevel") is None:
                child.set("scriptlevel", "2")
        elif el.tag == "mfrac":
            child_level = min(level + 1, 3) if level > 0 else 1
        elif el.tag == "mstyle" and el.get("displaystyle") == "true":
            child_level = 0
        if len(child):  # a token has no children to set
            _script_level(child, child_level)


def big_delimiters(math: ET.Element) -> None:
    """``\\big(``, ``\\Big\\vert``: TeX's sizes, and a delimiter that stretches to
    them (a ``minsize`` only applies to a stretchy operator)."""
    if all(el.get("minsize") is None for el in math.iter("mo")):  # each change below needs a sized delimiter
        return
    for row in list(math.iter()):  # \binom: parentheses that fit the fraction, not a fixed \bigg
        if len(row) < 3:
            continue
        children = list(row)
        for i in range(len(children) - 2):
            opening, fraction, closing = children[i : i + 3]
            if (
                fraction.tag == "mfrac"
                and fraction.get("linethickness") in ("0", "0px")
                and all(d.tag == "mo" and d.get("minsize") for d in (opening, closing))
            ):
                group = ET.Element("mrow")  # its own row, or it grows with its neighbours
                row.insert(list(row).index(opening), group)
                for el in (opening, fraction, closing):
                    row.remove(el)
                    group.append(el)
                for el in (opening, closing):
                    for name in ("minsize", "maxsize"):
                        el.attrib.pop(name)
                    el.attrib.update({"stretchy": "true", "fence": "true"})
    for el in math.iter("mo"):
        size = el.get("minsize")
        if size is None:
            continue
        size = BIG_SIZES.get(size, size)
        el.attrib.update({"minsize": size, "maxsize": size, "stretchy": "true", "symmetric": "true"})
    for script in math.iter():  # \big)_{i}: Chromium sizes a script's base only as a row
        if script.tag in SCRIPTS and len(script) and script[0].tag == "mo" and script[0].get("minsize"):
            base = script[0]
            script.remove(base)
            script.insert(0, ET.Element("mrow"))
            script[0].append(base)


def unary_operators(math: ET.Element) -> None:
    """A sign with nothing to its left, or after an operator, a fence or a
    comma is unary: ``form="prefix"`` (no space), as TeX does."""
    if not any(_text(el) in BINARY for el in math.iter("mo")):
        return
    for parent in math.iter():
        if parent.tag not in CONTAINERS and parent.tag not in SCRIPTS:
            continue
        children = list(parent)
        for i, el in enumerate(children):
            if el.tag != "mo" or _text(el) not in BINARY or el.get("form"):
                continue
            if parent.tag in SCRIPTS and i == 0:
                continue  # the base of a script: its own row decides
            # latex2mathml opens an aligned cell with an empty <mi>: "& + x" is still unary.
            earlier = [c for c in children[:i] if not (c.tag == "mi" and not _text(c) and not len(c))]
            before = earlier[-1] if earlier and parent.tag not in SCRIPTS else None
            if before is None or _is_operator(before):
                el.set("form", "prefix")
                el.set("stretchy", "false")


def _is_operator(el: ET.Element) -> bool:
    """True when ``el`` leaves a following sign unary: a binary, relation,
    opening fence, punctuation or large operator (not a closing fence)."""
    while el.tag in SCRIPTS and len(el):
        el = el[0]
    if el.tag != "mo":
        return False
    text = _text(el)
    if el.get("form") == "postfix" or text in CLOSING:
        return False
    if text in ("|", "‖"):
        return el.get("form") == "prefix"
    if text in ("…", "⋯", "⋮", "⋱", "′", "″", "‴"):  # ordinary in TeX
        return False
    return text not in ("\u2061",) and bool(text)


def dots_before_closings(math: ET.Element) -> None:
    """``\\cdots,`` and ``\\cdots)``: amsmath puts a thin space after the dots
    when punctuation or a closing delimiter follows."""
    if not any(_text(el) == "⋯" for el in math.iter("mo")):
        return
    for parent in math.iter():
        children = list(parent)
        for i in range(len(children) - 1, 0, -1):
            dots, after = children[i - 1], children[i]
            if dots.tag == "mo" and _text(dots) == "⋯" and _text(after) in (",", ";", ":", ".", *CLOSING):
                parent.insert(i, ET.Element("mspace", {"width": "0.1667em"}))


def between_texts(math: ET.Element) -> None:
    """``\\text{Q} \\cdot \\text{K}``: Chromium drops an operator's spaces between
    two ``<mtext>``; say them with ``<mspace>``."""
    if next(math.iter("mtext"), None) is None:  # most formulas have no text: nothing to look at
        return
    for parent in math.iter():
        children = list(parent)
        for i in range(len(children) - 2, 0, -1):
            a, op, b = children[i - 1 : i + 2]
            if not (a.tag == b.tag == "mtext" and op.tag == "mo"):
                continue
            text = _text(op)
            spaced = text in BINARY or (text in _RELATIONS and not "\u2190" <= text <= "\u21ff")
            if spaced and not op.get("form") and not op.get("lspace"):
                width = "0.222em" if text in BINARY else THICK
                parent.insert(i + 1, ET.Element("mspace", {"width": width}))
                parent.insert(i, ET.Element("mspace", {"width": width}))


# Letters whose slant reaches over a superscript, and the room TeX's italic
# correction leaves (as Temml measures them from the Computer Modern fonts).
ITALIC_CORRECTION = {
    **dict.fromkeys("DHKLUcegorsuvxyz", "0.05em"),
    **dict.fromkeys("BCEFGIMNOPQRSTXZlpqtw", "0.1em"),
    **dict.fromkeys("AJdf", "0.15em"),
}


def italic_correction(math: ET.Element) -> None:
    """``f^2``: the superscript of a slanted letter moves right by its italic
    correction, or it touches the letter's top."""
    for el in math.iter():
        if el.tag in ("msup", "msubsup") and len(el) >= 2 and el[0].tag == "mi" and el[0].get("mathvariant") is None:
            pad = ITALIC_CORRECTION.get(_text(el[0]))
            sup = el[-1]
            if pad and "padding" not in sup.get("style", ""):
                sup.set("style", ";".join(filter(None, [sup.get("style"), f"padding-left:{pad}"])))


def delimited_bases(math: ET.Element) -> None:
    """``(X^\\top X)^{-1}``: the script belongs to the whole parenthesised group
    (placed by its height), not to the closing parenthesis alone."""
    if not _holds(math, "msub", "msup", "msubsup") or not any(_text(el) in ")]}⟩" for el in math.iter("mo")):
        return  # (an empty <mo> counts too: "" is in every string, as in the test below)
    for parent in list(math.iter()):
        if parent.tag not in CONTAINERS:
            continue
        stack: list[int] = []
        i = 0
        while i < len(parent):
            el = parent[i]
            if el.tag == "mo" and _text(el) in "([{⟨" and el.get("stretchy") == "false":
                stack.append(i)
            elif el.tag in ("msub", "msup", "msubsup") and len(el) and _text(el[0]) in ")]}⟩" and stack:
                closing = _text(el[0])
                start = stack.pop()
                if el[0].tag == "mo" and "([{⟨"[")]}⟩".index(closing)] == _text(parent[start]):
                    group = ET.Element("mrow")
                    for child in list(parent)[start:i]:
                        parent.remove(child)
                        group.append(child)
                    group.append(el[0])
                    el.remove(el[0])
                    el.insert(0, group)
                    i = start
            elif el.tag == "mo" and _text(el) in ")]}⟩" and stack:
                stack.pop()
            i += 1


def lone_operators(math: ET.Element) -> None:
    """``{=}``, ``x^{*}``: an operator alone in braces is an ordinary symbol
    in TeX, so it loses its spaces; so does one at either end of a braced group
    (``x_{=y}``, ``x^{-1}``), as Temml sets them."""
    # Every row with its parent (<math> itself is no row); only attributes change below.
    rows = [(el, parent) for parent in math.iter() for el in parent if el.tag == "mrow"]
    for el, parent in rows:
        if len(el) != 1 or el[0].tag != "mo" or el[0].get("lspace") or _text(el[0]) in LARGE:
            continue
        if parent.tag in SCRIPTS and parent[0] is el:
            continue  # \overset{a}{=}: the base keeps its class, a relation
        el[0].attrib.update({"lspace": ZERO, "rspace": ZERO})
    for el, parent in rows:  # x_{=y}, x^{-1}, \frac{-b}{2a}: a braced group's end operators
        if len(el) < 2 or not _is_group(el, parent):
            continue
        for end in (el[0], el[-1]):
            fence = _text(end) in OPENING | CLOSING | LARGE or "true" in (end.get("fence"), end.get("stretchy"))
            if end.tag == "mo" and (not end.get("lspace") or _text(end) == ":") and not fence:
                end.attrib.update({"lspace": ZERO, "rspace": ZERO})
    for parent in math.iter():  # (\cdot): alone between parentheses
        if len(parent) < 3:
            continue
        children = list(parent)
        for a, b, c in zip(children, children[1:], children[2:], strict=False):
            if (
                a.tag == b.tag == c.tag == "mo"
                and _text(a) in "([{⟨"
                and _text(c) in ")]}⟩"
                and _text(b) not in "([{⟨)]}⟩"
                and not b.get("lspace")
            ):
                b.attrib.update({"lspace": ZERO, "rspace": ZERO})


def _is_group(row: ET.Element, parent: ET.Element) -> bool:
    """A row TeX built from braces: a script's argument, a fraction's part, ``{…}``."""
    if parent.tag in SCRIPTS:
        return parent[0] is not row
    return parent.tag in ("mfrac", "mrow")  # not a table cell: its "= b" keeps its space


def adjacent_relations(math: ET.Element) -> None:
    """``:=``: TeX puts no space between two relations."""
    if sum(_is_relation(el) for el in math.iter("mo")) < 2:
        return
    for parent in math.iter():
        if len(parent) < 2:
            continue
        for a, b in itertools.pairwise(parent):
            if _is_relation(a) and _is_relation(b):
                a.set("rspace", ZERO)
                b.set("lspace", ZERO)


_RELATIONS = set("=<>≤≥≠≈∼≃≅≡∝∈∉∋⊂⊃⊆⊇≪≫≺≻⪯⪰⊢⊨∣∥→←↔⇒⇐⇔↦") | {":"}


def _is_relation(el: ET.Element) -> bool:
    return el.tag == "mo" and _text(el) in _RELATIONS and el.get("stretchy") != "true"


def large_operators(math: ET.Element) -> None:
    """``\\sum\\limits`` in inline math keeps its limits under: ``movablelimits``
    off, as Temml writes it. In display style, ``\\sum_i`` inside a group (an
    ``\\underbrace``, say) takes its limits under too, not beside."""
    if not _holds(math, "munder", "mover", "munderover") and not any(_text(el) in LARGE for el in math.iter("mo")):
        return  # what _limits changes: a script on a large operator, or limits under or over a name
    display = math.get("display") == "block"
    _limits(math, display, display)


def _limits(el: ET.Element, display: bool, block: bool) -> None:
    """``display``: the style here is display style; ``block``: the formula is display math."""
    for index, child in enumerate(list(el)):
        child_display = display
        if (el.tag in SCRIPTS and index > 0) or el.tag == "mfrac":
            child_display = False  # scripts and fractions are in text style
        elif el.tag == "mtable" or (el.tag == "mstyle" and el.get("displaystyle")):
            child_display = el.get("displaystyle") == "true"
        if child.tag == "mstyle" and child.get("displaystyle"):
            child_display = child.get("displaystyle") == "true"
        if child.tag in SCRIPTS and len(child) and child[0].tag == "mo" and _text(child[0]) in LARGE:
            if child_display and _text(child[0]) in LIMITS_UNDER:
                child.tag = {"msub": "munder", "msup": "mover", "msubsup": "munderover"}.get(child.tag, child.tag)
            # Limits written under (\limits, or display style) stay under; in a fraction
            # of display math, latex2mathml's limits under must move beside, as TeX's do.
            if child_display or not block:
                child[0].set("movablelimits", "false")
        elif block and not child_display and child.tag in ("munder", "mover", "munderover") and len(child):
            base = child[0]
            if base.tag == "mi" and len(_text(base)) > 1 and _text(base).replace("\u2009", "").isalpha():
                # normalise.display_limits put \max's limits under; in a fraction they go beside
                child.tag = {"munder": "msub", "mover": "msup", "munderover": "msubsup"}[child.tag]
        if len(child):  # a token has no children to change
            _limits(child, child_display, block)


def font_sizes(math: ET.Element) -> None:
    """``\\small`` is 0.9em in LaTeX's 10pt sizes (latex2mathml writes 0.85em,
    its ``\\footnotesize``)."""
    for el in math.iter("mstyle"):
        if el.get("mathsize") == "0.85em":
            el.set("mathsize", "0.9em")


def negative_space(math: ET.Element) -> None:
    """``\\!`` is ``negativethinmathspace``, a name MathML Core dropped: Chromium
    ignores it. A negative margin does the same."""
    named = {
        "negativethinmathspace": "-0.1667em",
        "negativemediummathspace": "-0.2222em",
        "negativethickmathspace": "-0.2778em",
        "thinmathspace": "0.1667em",
        "mediummathspace": "0.2222em",
        "thickmathspace": "0.2778em",
    }
    for el in math.iter("mspace"):
        width = el.get("width", "")
        width = named.get(width, width)
        if width.startswith("-"):
            del el.attrib["width"]
            el.tag = "mrow"
            el.set("style", f"margin-left:{width}")
        elif width:
            el.set("width", width)


def number_groups(math: ET.Element) -> None:
    """``30,000``: the comma between digit groups is part of the number, not
    punctuation (``normalise.digit_groups`` makes it ``\\text{,}`` to tell)."""
    if not any(el.text == "." for el in math.iter("mi")) and not any(el.text == "," for el in math.iter("mtext")):
        return
    for parent in math.iter():
        if len(parent) < 2:
            continue
        children = list(parent)
        for i in range(len(children) - 1, 0, -1):
            mark = children[i]
            if mark.tag == "mi" and mark.text == "." and children[i - 1].tag == "mn":  # "0." at a sentence's end
                children[i - 1].text = f"{children[i - 1].text or ''}."
                parent.remove(mark)
                children = list(parent)
                continue
            if mark.tag == "mtext" and mark.text == "," and i + 1 < len(children):
                a, b = children[i - 1], children[i + 1]
                if a.tag == "mn" and b.tag == "mn":
                    a.text = f"{a.text or ''},{b.text or ''}"
                    parent.remove(mark)
                    parent.remove(b)
                    children = list(parent)


# The fixes, in the order they run.
FIXES = [
    characters,
    accents,
    ordinary_symbols,
    punctuation,
    full_size_braces,
    fenced_tables,
    upright_words,
    script_levels,
    big_delimiters,
    large_operators,
    lone_operators,
    unary_operators,
    adjacent_relations,
    italic_correction,
    delimited_bases,
    dots_before_closings,
    between_texts,
    negative_space,
    font_sizes,
    number_groups,
]
