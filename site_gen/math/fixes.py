"""MathML -> MathML: tree fixes for what latex2mathml emits wrong.

Each fix takes the ``<math>`` element and changes it in place, and is named
for the defect it repairs. They work on the element tree, never on the
serialised string, so text stays escaped and structure stays valid.
"""

from __future__ import annotations

import re
import unicodedata
import xml.etree.ElementTree as ET
from collections.abc import Callable, Mapping, Sequence

from site_gen.math import operators
from site_gen.math.mathjax import Enclosure
from site_gen.math.normalise import Tag
from site_gen.math.tex import TexError

FUNCTION_APPLICATION = "\u2061"
THIN_SPACE = "0.1667em"
SCRIPTS = {"msub", "msup", "msubsup", "munder", "mover", "munderover"}
TOKENS = {"mi", "mn", "mo", "mtext", "ms"}
OPEN_FENCES = set("([{⟨⌊⌈|‖\u2016")

# Delimiters latex2mathml leaves as TeX after \big, \Big, \bigl, ...
DELIMITERS = {
    "\\vert": "|", "\\lvert": "|", "\\rvert": "|", "\\|": "‖", "\\Vert": "‖",
    "\\lVert": "‖", "\\rVert": "‖", "\\{": "{", "\\}": "}", "\\lbrace": "{",
    "\\rbrace": "}", "\\langle": "⟨", "\\rangle": "⟩", "\\lfloor": "⌊",
    "\\rfloor": "⌋", "\\lceil": "⌈", "\\rceil": "⌉", "\\lbrack": "[",
    "\\rbrack": "]", "\\backslash": "\\", "\\uparrow": "↑", "\\downarrow": "↓",
    "\\updownarrow": "↕", "\\Uparrow": "⇑", "\\Downarrow": "⇓", "\\/": "/",
}  # fmt: skip
# Horizontal braces and brackets drawn under/over a formula must stretch.
STRETCHY_ACCENTS = set("\u23de\u23df\u23b4\u23b5\u23dc\u23dd\u2015\u00af")
# Variant names in Unicode's "MATHEMATICAL <VARIANT> <CAPITAL|SMALL> <X>".
_VARIANT_NAMES = {
    "bold": "BOLD",
    "italic": "ITALIC",
    "bold-italic": "BOLD ITALIC",
    "double-struck": "DOUBLE-STRUCK",
    "script": "SCRIPT",
    "bold-script": "BOLD SCRIPT",
    "fraktur": "FRAKTUR",
    "bold-fraktur": "BOLD FRAKTUR",
    "sans-serif": "SANS-SERIF",
    "bold-sans-serif": "SANS-SERIF BOLD",
    "sans-serif-italic": "SANS-SERIF ITALIC",
    "sans-serif-bold-italic": "SANS-SERIF BOLD ITALIC",
    "monospace": "MONOSPACE",
}
# Letters that live in the Letterlike Symbols block, not the math alphabets.
_HOLES = {
    ("ITALIC", "h"): "ℎ",
    **{("SCRIPT", c): s for c, s in zip("BEFHILMRego", "ℬℰℱℋℐℒℳℛℯℊℴ", strict=True)},
    **{("FRAKTUR", c): s for c, s in zip("CHIRZ", "ℭℌℑℜℨ", strict=True)},
    **{("DOUBLE-STRUCK", c): s for c, s in zip("CHNPQRZ", "ℂℍℕℙℚℝℤ", strict=True)},
}
_ENTITY_RE = re.compile(r"&#x([0-9A-Fa-f]+);")
_COMMAND_RE = re.compile(r"\\[A-Za-z]+")

Fix = Callable[[ET.Element], None]


def _text(el: ET.Element) -> str:
    return "".join(el.itertext())


def _parents(math: ET.Element) -> dict[ET.Element, ET.Element]:
    return {child: parent for parent in math.iter() for child in parent}


# --------------------------------------------------------------------------
# Text


def decode_entities(math: ET.Element) -> None:
    """Turn latex2mathml's ``&#x211D;`` strings into characters.

    latex2mathml stores entities as literal text and unescapes its whole output
    afterwards, which would also unescape a ``<`` typed in ``\\text{}``. Decoding
    only the numeric references, then letting ElementTree escape, is safe.
    """
    for el in math.iter():
        if el.text and "&#x" in el.text:
            el.text = _ENTITY_RE.sub(lambda m: chr(int(m.group(1), 16)), el.text)


def delimiters(math: ET.Element) -> None:
    """``\\big\\vert`` leaves ``<mo>\\vert</mo>``: map the delimiter to its character."""
    for el in math.iter("mo"):
        if el.text and el.text.strip() in DELIMITERS:
            el.text = DELIMITERS[el.text.strip()]


def token_children(math: ET.Element) -> None:
    """``\\mathop{\\mathrm{arg\\,min}}`` puts an ``<mrow>`` inside an ``<mo>``,
    which is invalid: a token holds text only. Flatten it to the text when it
    is only letters and spaces, otherwise make the token an ``<mrow>``."""
    for el in list(math.iter()):
        if el.tag not in TOKENS or len(el) == 0:
            continue
        parts: list[str] = []
        for sub in el.iter():
            if sub is el or sub.tag == "mrow":
                continue
            if sub.tag in ("mi", "mn", "mo") and len(sub) == 0:
                parts.append(sub.text or "")
            elif sub.tag == "mspace":
                parts.append("\u2009")
            else:
                parts = []
                break
        if parts:
            for child in list(el):
                el.remove(child)
            el.text = "".join(parts)
            el.attrib.pop("mathvariant", None)
            if el.tag == "mo" and _is_name(el.text):  # \mathop{\mathrm{...}}: limits
                el.set("movablelimits", "true")
                el.set("class", "mathop")
        else:
            el.tag = "mrow"
            el.attrib.clear()


def math_variants(math: ET.Element) -> None:
    """``mathvariant`` is ignored by Chromium (MathML Core keeps only
    ``normal``): ``\\boldsymbol{x}`` would not be bold. Use the Unicode
    mathematical alphanumerics instead, and CSS for ``<mtext>``."""
    for el in math.iter():
        variant = el.get("mathvariant")
        if variant is None or variant == "normal":
            continue
        if el.text and variant in _VARIANT_NAMES:  # \textbf{MLP} too: 𝐌𝐋𝐏, as Temml writes it
            el.text = "".join(_styled(c, _VARIANT_NAMES[_tex_variant(c, variant)]) for c in el.text)
        del el.attrib["mathvariant"]


def _tex_variant(char: str, variant: str) -> str:
    """TeX sets capital Greek upright, so ``\\boldsymbol{\\Sigma}`` is bold upright."""
    if variant == "bold-italic" and "\u0391" <= char <= "\u03a9":
        return "bold"
    return variant


def _styled(char: str, variant: str) -> str:
    """``x`` in ``BOLD ITALIC`` -> 𝒙; characters with no such form stay."""
    if (variant, char) in _HOLES:
        return _HOLES[(variant, char)]
    try:
        name = unicodedata.name(char)
    except ValueError:
        return char
    if name.startswith("LATIN CAPITAL LETTER "):
        wanted = f"MATHEMATICAL {variant} CAPITAL {name[-1]}"
    elif name.startswith("LATIN SMALL LETTER "):
        wanted = f"MATHEMATICAL {variant} SMALL {name[-1]}"
    elif name.startswith("DIGIT "):
        wanted = f"MATHEMATICAL {variant} DIGIT {name[6:]}"
    elif name.startswith(("GREEK CAPITAL LETTER ", "GREEK SMALL LETTER ")):
        case, letter = name.split(" ")[1], name.split(" ", 3)[3]
        wanted = f"MATHEMATICAL {variant} {case} {letter}"
    elif name.startswith("GREEK ") and name.endswith(" SYMBOL"):  # \varphi, \vartheta
        wanted = f"MATHEMATICAL {variant} {name[6:]}"
    else:
        return char
    try:
        return unicodedata.lookup(wanted)
    except KeyError:
        return char


def relations(math: ET.Element) -> None:
    """``\\sim`` comes out as ``<mi>~</mi>``, a tilde letter with no spacing;
    it is the relation ∼ (U+223C)."""
    tildes = [el for tag in ("mi", "mo") for el in math.iter(tag) if (el.text or "").strip() in ("~", "\u223c")]
    if not tildes:
        return
    accents = {el[1] for el in math.iter() if el.tag in ("mover", "munder") and len(el) == 2}
    for el in tildes:
        if el not in accents:
            el.tag = "mo"
            el.text = "\u223c"


def stretchy_braces(math: ET.Element) -> None:
    """``\\underbrace``/``\\overbrace`` draw a flat line unless the brace stretches."""
    for el in math.iter():
        if el.tag not in ("munder", "mover") or len(el) != 2:
            continue
        accent = el[1]
        if accent.tag == "mo" and (accent.text or "") in STRETCHY_ACCENTS:
            accent.set("stretchy", "true")


# --------------------------------------------------------------------------
# Operators and functions


def _is_name(text: str) -> bool:
    """``log``, ``arg max``: letters, maybe with thin spaces between words."""
    letters = text.replace("\u2009", "").replace("\u2006", "").replace(" ", "")
    return len(letters) > 1 and letters.isalpha()


def function_application(math: ET.Element) -> None:
    """After ``\\log``, ``\\exp``, ``\\operatorname{...}``: U+2061 and a thin space.

    Without them Chromium sets ``\\log t`` as "logt". Function names are
    ``<mi>`` (``\\operatorname`` gives an ``<mo>`` with operator spacing on both
    sides, which is wrong: it becomes ``<mi>``). Operators with limits (``\\max``,
    ``\\det``, ``\\operatorname*``) stay ``<mo>`` and get TeX's thin space after.
    """
    parents: dict[ET.Element, ET.Element] | None = None  # made for the first name: most formulas have none
    for el in list(math.iter()):
        text = el.text or ""
        if el.tag not in ("mi", "mo") or len(el) or len(text) < 2 or not _is_name(text):
            continue
        if parents is None:
            parents = _parents(math)
        if el.tag == "mo":
            if el.get("movablelimits") == "true" and el.get("class") == "mathop":  # \mathop{...}: thin spaces
                el.set("lspace", THIN_SPACE)
                el.set("rspace", THIN_SPACE)
                continue
            el.tag = "mi"
            el.attrib.clear()
        unit = el
        while unit in parents and parents[unit].tag in SCRIPTS and parents[unit][0] is unit:
            unit = parents[unit]
        parent = parents.get(unit)
        if parent is None:
            continue
        index = list(parent).index(unit)
        following = parent[index + 1] if index + 1 < len(parent) else None
        if following is None or (following.tag == "mo" and following.text == FUNCTION_APPLICATION):
            continue
        apply = ET.Element("mo")
        apply.text = FUNCTION_APPLICATION
        parent.insert(index + 1, apply)
        if following.tag != "mo" and not _opens_with_fence(following):
            parent.insert(index + 2, ET.Element("mspace", {"width": THIN_SPACE}))
        if _follows_ordinary(math, parent, index):  # "C \max": a thin space before, too
            parent.insert(index, ET.Element("mspace", {"width": THIN_SPACE}))


def _follows_ordinary(math: ET.Element, parent: ET.Element, index: int) -> bool:
    """Whether the atom before ``parent[index]`` is ordinary, as TeX (and Temml)
    count it: the sibling before, or across a space (``x \\; \\log``) the
    last letter or number written before."""
    before = list(parent)[:index]
    if not before:
        return False
    if before[-1].tag != "mspace":
        if before[-1].tag == "mo" and (before[-1].text or "").strip() in (")", "]"):
            # A closing parenthesis is ordinary to TeX, but Temml wraps "( … )" as a
            # group unless \big delimiters share the row; we follow the reference.
            return any(el.tag == "mo" and el.get("minsize") for el in parent)
        return _is_ordinary(before[-1])
    leaves = [el for el in math.iter() if el.tag in TOKENS and el.get("lspace") is None]
    first = next((el for el in parent[index].iter() if el.tag in TOKENS), None)
    at = leaves.index(first) if first in leaves else 0
    previous = [el for el in leaves[:at] if (el.text or "").strip() not in ("", FUNCTION_APPLICATION)]
    return bool(previous) and len((previous[-1].text or "").strip()) == 1 and _is_ordinary(previous[-1])


def _is_ordinary(el: ET.Element) -> bool:
    """A bare letter, number or symbol: ``C \\max``, ``2 \\log x``, ``/ \\sin`` get a thin space between."""
    return el.tag in ("mi", "mn") or (el.tag == "mo" and (el.text or "").strip() in operators.ORDINARY)


def _opens_with_fence(el: ET.Element) -> bool:
    while el.tag in ("mrow", *SCRIPTS) and len(el):  # \left( … \right)^n too
        el = el[0]
    return el.tag == "mo" and (el.text or "").strip()[:1] in OPEN_FENCES


# --------------------------------------------------------------------------
# Tables


def table_alignment(math: ET.Element) -> None:
    """``columnalign`` and ``columnspacing`` are not MathML Core: Chromium centres
    every cell and pads it by 0.4em. Say TeX's layout in CSS, as Temml does:
    aligned equations keep their ``=`` tight, pairs of columns 1em apart and
    rows a ``\\jot`` apart; cases 1em between columns; matrices and arrays
    TeX's ``\\arraycolsep`` between columns and none at the outer edges."""
    for table in math.iter("mtable"):
        kind = _table_kind(table)
        if kind == "small":
            continue
        rows = table.findall("mtr")
        rowlines = table.attrib.pop("rowlines", "").split()  # \hline: not MathML Core, a border
        columnlines = table.attrib.pop("columnlines", "").split()  # {c|c}
        for r, row in enumerate(rows):
            cells = list(row)
            for col, cell in enumerate(cells):
                borders = []
                if r < len(rows) - 1 and r < len(rowlines) and rowlines[r] in ("solid", "dashed"):
                    borders.append(f"border-bottom:0.06em {rowlines[r]}")
                if col < len(cells) - 1 and col < len(columnlines) and columnlines[col] in ("solid", "dashed"):
                    borders.append(f"border-right:0.06em {columnlines[col]}")
                first, last = col == 0, col == len(cells) - 1
                align = cell.get("columnalign")
                # -webkit-: Chromium aligns math in a cell only by its prefixed keyword.
                style = [f"text-align:{align};text-align:-webkit-{align}"] if align in ("left", "right") else []
                if kind == "aligned":
                    left = "1em" if align == "right" and not first else "0em"
                    style.append(f"padding-left:{left};padding-right:0em;padding-top:0.7ex;padding-bottom:0.7ex")
                elif kind == "gathered":
                    style.append("padding-left:0em;padding-right:0em;padding-top:0.7ex;padding-bottom:0.7ex")
                elif kind == "cases":
                    style.append(f"padding-left:{'0em' if first else '1em'};padding-right:0em")
                else:
                    gap = "5.9776pt"  # \arraycolsep, as Temml sets it
                    style.append(f"padding-left:{'0em' if first else gap};padding-right:{'0em' if last else gap}")
                cell.set("style", ";".join(style + borders))


def _table_kind(table: ET.Element) -> str:
    """Which environment latex2mathml made this table from, by its attributes."""
    if table.get("columnspacing", "").startswith("0em"):
        return "aligned"  # aligned, align, split, alignat (normalise renames them align*)
    if table.get("displaystyle") == "true":
        return "gathered"  # gathered, gather, multline (\displaylines)
    if table.get("rowspacing") == "0.1em":
        return "small"  # smallmatrix
    aligns = {cell.get("columnalign") for cell in table.iter("mtd")}
    return "cases" if aligns == {"left"} else "matrix"


# Chromium right-aligns math in a cell only by the -webkit- keyword.
_NUMBER_CELL = "width:50%;padding:0;text-align:right;text-align:-webkit-right"


def row_numbers(math: ET.Element, rows: list[Tag | None], numbers: Mapping[str, tuple[str, str]]) -> None:
    """Number the rows of an aligned formula: ``(1)`` at the right margin.

    MathML Core has no ``<mlabeledtr>``, so, as Temml does, the table fills
    the line, with an empty cell on the left balancing the number cell on the
    right so the equations stay centred.
    """
    table = next(math.iter("mtable"), None)
    if table is None or not any(rows):
        return
    table.set("style", "width:100%")
    parents = _parents(math)
    wrapper = parents.get(table)
    while wrapper is not None and wrapper is not math:  # the rows around the table fill the line too
        wrapper.set("style", "width:100%")
        wrapper = parents.get(wrapper)
    for index, row in enumerate(table.findall("mtr")):
        tag = rows[index] if index < len(rows) else None
        spacer = ET.Element("mtd", {"style": "width:50%;padding:0"})
        row.insert(0, spacer)
        cell = ET.SubElement(row, "mtd", {"class": "eq-number", "style": _NUMBER_CELL})
        if tag is None:
            continue
        text = tag.text
        if tag.label is not None and tag.label in numbers:
            element_id, number = numbers[tag.label]
            cell.set("id", element_id)
            text = text or f"({number})"
        if text:
            ET.SubElement(cell, "mtext").text = text


# --------------------------------------------------------------------------
# Boxes, strikes, overlaps and long arrows: drawn with CSS, as MathML Core
# draws no <menclose> and knows no "width" units in <mpadded>

_THIN_RULE = "0.067em solid"
_STRIKES = {
    "updiagonalstrike": "to top right",
    "downdiagonalstrike": "to bottom right",
    "horizontalstrike": "to bottom",
    "verticalstrike": "to right",
}
_NOTATION_STYLES = {
    "box": "padding:3pt;border:1px solid",
    "roundedbox": f"padding:3pt;border:{_THIN_RULE};border-radius:0.3em",
    "circle": f"padding:0.267em;border:{_THIN_RULE};border-radius:50%",
    "top": f"padding-top:0.1em;border-top:{_THIN_RULE}",
    "bottom": f"padding-bottom:0.1em;border-bottom:{_THIN_RULE}",
    "left": f"padding-left:0.1em;border-left:{_THIN_RULE}",
    "right": f"padding-right:0.1em;border-right:{_THIN_RULE}",
}


def enclosures(math: ET.Element, boxes: Sequence[Enclosure]) -> None:
    """``\\boxed``, ``\\cancel``, ``\\enclose{circle}``, ``\\bbox``: latex2mathml's
    ``<menclose>`` becomes an ``<mrow>`` with borders or a strike drawn in CSS,
    in the order ``mathjax`` recorded them."""
    for el, box in zip(list(math.iter("menclose")), boxes, strict=False):
        style = [box.style] if box.style else []
        strikes = []
        for notation in box.notations:
            if notation in _STRIKES:
                line = "transparent calc(50% - 0.04em),currentColor calc(50% - 0.04em)"
                line += ",currentColor calc(50% + 0.04em),transparent calc(50% + 0.04em)"
                strikes.append(f"linear-gradient({_STRIKES[notation]},{line})")
            else:
                style.append(_NOTATION_STYLES[notation])
        if strikes:
            style.append("background-image:" + ",".join(strikes))
        el.tag = "mrow"
        el.attrib.clear()
        el.set("style", ";".join(style))


def padded_boxes(math: ET.Element) -> None:
    """``\\colorbox``, ``\\fcolorbox``: a background and a frame in CSS (the
    ``border-color`` attribute is not MathML). ``\\mathclap``, ``\\mathllap``:
    ``-0.5width`` is not a MathML Core length; centre or right-align in CSS."""
    for el in math.iter("mpadded"):
        style = [el.get("style", "")] if el.get("style") else []
        if el.get("mathbackground"):
            style.append("padding:0.3em")
        if el.get("border-color"):
            style.append(f"border:0.0667em solid {el.attrib.pop('border-color')}")
        lspace = el.get("lspace", "")
        if lspace.endswith("width") and el.get("width") == "0px":
            el.set("width", "0.1px")
            el.attrib.pop("lspace")
            if lspace == "-0.5width":
                style.append("display:flex;justify-content:center")
            else:
                style.append("display:flex;justify-content:flex-end")
        elif el.get("width") == "0px":
            el.set("width", "0.1px")
        if style:
            el.set("style", ";".join(style))


def extensible_arrows(math: ET.Element) -> None:
    """``\\xrightarrow{f}``: latex2mathml's arrow sits in an ``<mstyle>``, so it
    cannot stretch under its label; make it a stretchy operator at least 3.5em
    long, with the label padded, as Temml does."""
    parents: dict[ET.Element, ET.Element] | None = None  # made for the first arrow: most formulas have none
    for el in list(math.iter()):
        if el.tag not in ("mover", "munder", "munderover") or not len(el) or el[0].tag != "mstyle":
            continue
        if parents is None:
            parents = _parents(math)
        inner = list(el[0])
        if len(inner) != 1 or inner[0].tag != "mo":
            continue
        arrow = inner[0]
        arrow.attrib.update({"stretchy": "true", "lspace": "0", "rspace": "0"})
        el.remove(el[0])
        el.insert(0, arrow)
        for label in list(el)[1:]:
            label.tag = "mrow"
            label.attrib.clear()
            for space in list(label.iter("mspace")):
                if space.get("depth"):
                    for holder in label.iter():
                        if space in list(holder):
                            holder.remove(space)
                            break
            padded = ET.Element("mover")
            row = ET.SubElement(padded, "mrow")
            row.append(ET.Element("mspace", {"width": "0.4286em"}))
            row.extend(list(label))
            row.append(ET.Element("mspace", {"width": "0.4286em"}))
            padded.append(ET.Element("mspace", {"width": "3.5em"}))
            index = list(el).index(label)
            el.remove(label)
            el.insert(index, padded)
        parent = parents.get(el)
        if parent is not None:
            index = list(parent).index(el)
            parent.insert(index + 1, ET.Element("mspace", {"width": "0.2778em"}))
            parent.insert(index, ET.Element("mspace", {"width": "0.2778em"}))


_SAFE_SCHEMES = ("http:", "https:", "mailto:")


def safe_links(math: ET.Element) -> None:
    """``\\href{javascript:…}{x}`` would be a script link on the page: only
    web, mail and relative links may come from TeX."""
    for el in math.iter():
        href = el.get("href")
        if href is None:
            continue
        scheme = re.match(r"\s*([A-Za-z][A-Za-z0-9+.-]*):", href)
        if scheme and not href.strip().lower().startswith(_SAFE_SCHEMES):
            raise TexError(f"\\href{{{scheme.group(1)}:…}}: only http(s), mailto and relative links are allowed")


# --------------------------------------------------------------------------
# Checks: what must never reach a page


def reject_leaks(math: ET.Element) -> None:
    """latex2mathml prints unknown ``\\cmd`` as text and a stray ``&`` as a letter;
    both would show on the page, so they are errors naming the construct."""
    for el in math.iter():
        text = (el.text or "").strip()
        command = _COMMAND_RE.search(text)
        if command and el.tag != "annotation":
            raise TexError(f"unknown TeX command {command.group(0)}")
        if "&" in text and el.tag in ("mi", "mo", "mn"):
            raise TexError("'&' outside an alignment environment: use \\begin{aligned} or write \\&")
        if el.tag == "mspace" and el.get("linebreak"):
            raise TexError("line break '\\\\' inside braces: put the lines in \\begin{aligned} … \\end{aligned}")


# The fixes, in the order they run.
FIXES: list[Fix] = [
    decode_entities,
    delimiters,
    token_children,
    math_variants,
    relations,
    stretchy_braces,
    function_application,
    *operators.FIXES,
    padded_boxes,
    extensible_arrows,
    safe_links,
    table_alignment,
    reject_leaks,
]
