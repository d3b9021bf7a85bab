"""TeX -> TeX: rewrite what latex2mathml gets wrong into what it gets right.

Each step is a small function from tokens to tokens, named for the defect it
fixes, and run in order by ``normalise``. They run after macro expansion, so
they see the TeX a post really means.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field

from site_gen.math.mathjax import Enclosure, mathjax
from site_gen.math.tex import TexError, group_end, read_argument, read_optional, skip_spaces

# amsmath/MathJax operator names latex2mathml does not know ("\arg" leaks).
UNKNOWN_OPERATORS = {"\\arg": "arg", "\\sgn": "sgn"}
# Operators whose scripts sit under/over them in display math.
LIMIT_OPERATORS = {
    "\\max", "\\min", "\\lim", "\\sup", "\\inf", "\\argmax", "\\argmin",
    "\\liminf", "\\limsup", "\\det", "\\Pr", "\\gcd", "\\operatorname*", "\\mathop",
}  # fmt: skip
_WITH_ARGUMENT = {"\\operatorname*", "\\mathop"}

# Environments and what latex2mathml calls them (None: drop the environment).
ALIGN = "align*"  # latex2mathml's right/left aligned table
ENVIRONMENTS: dict[str, str | None] = {
    **{
        name: ALIGN
        for name in (
            "aligned",
            "align",
            "align*",
            "alignat",
            "alignat*",
            "alignedat",
            "flalign",
            "flalign*",
            "eqnarray",
            "eqnarray*",
        )
    },
    **{name: "gather" for name in ("gathered", "gather", "gather*", "multline", "multline*")},
    "equation": None,
    "equation*": None,
    "dcases": "cases",
    **{
        name: name
        for name in (
            "split",
            "array",
            "cases",
            "matrix",
            "pmatrix",
            "bmatrix",
            "Bmatrix",
            "vmatrix",
            "Vmatrix",
            "smallmatrix",
        )
    },
}
# Environments that take one argument after \begin{...} that is not content.
_COUNT_ARGUMENT = {"alignat", "alignat*", "alignedat"}
_TAG_COMMANDS = {"\\label", "\\tag", "\\tag*", "\\notag", "\\nonumber"}


@dataclass(frozen=True)
class Tag:
    """An equation's number: a ``\\label`` to number it, or a ``\\tag`` text."""

    label: str | None = None
    text: str | None = None


@dataclass
class EquationTags:
    """Tags of a display formula: of the whole, or of each row of its table."""

    whole: Tag | None = None
    rows: list[Tag | None] = field(default_factory=list)

    @property
    def labels(self) -> list[str]:
        tags = [self.whole, *self.rows]
        return [t.label for t in tags if t is not None and t.label is not None]


# --------------------------------------------------------------------------
# Environments


def _env_name(tokens: list[str], i: int) -> tuple[str, int]:
    """The name in ``{...}`` after ``\\begin``/``\\end`` at ``i - 1``."""
    arg = read_argument(tokens, i)
    if arg is None:
        raise TexError(f"{tokens[i - 1]} without an environment name")
    return "".join(arg[0]).strip(), arg[1]


def environments(tokens: list[str]) -> list[str]:
    """Rename environments to the ones latex2mathml converts correctly.

    ``aligned``, ``align``, ``alignat``, ``eqnarray`` become latex2mathml's
    ``align*`` (it leaks a literal ``&`` for ``aligned``); ``gathered`` and
    ``multline`` become ``\\displaylines{...}``; ``equation`` is dropped.
    Anything else is an error naming the environment, because latex2mathml
    would turn it into a row with the ``&`` showing.
    """
    if "\\begin" not in tokens and "\\end" not in tokens:  # each step first looks for what it changes
        return tokens
    out: list[str] = []
    stack: list[str | None] = []
    i = 0
    while i < len(tokens):
        tok = tokens[i]
        if tok not in ("\\begin", "\\end"):
            out.append(tok)
            i += 1
            continue
        name, i = _env_name(tokens, i + 1)
        if tok == "\\begin":
            if name not in ENVIRONMENTS:
                known = ", ".join(sorted(ENVIRONMENTS))
                raise TexError(f"unsupported environment {{{name}}} (supported: {known})")
            target = ENVIRONMENTS[name]
            stack.append(target)
            if name in _COUNT_ARGUMENT:
                skipped = read_argument(tokens, i)
                i = skipped[1] if skipped else i
            if target == "gather":
                out.extend(["\\displaylines", "{"])
            elif target is not None:
                out.extend(["\\begin", "{", *target, "}"])
        else:
            if not stack:
                raise TexError(f"\\end{{{name}}} without a matching \\begin{{{name}}}")
            target = stack.pop()
            if target == "gather":
                out.append("}")
            elif target is not None:
                out.extend(["\\end", "{", *target, "}"])
    if stack:
        raise TexError("\\begin{...} without a matching \\end{...}")
    return out


def line_breaks(tokens: list[str]) -> list[str]:
    """``\\\\`` or ``&`` outside any environment: wrap the formula in one.

    latex2mathml emits ``<mspace linebreak>`` (ignored by MathML Core, so the
    lines run together) and a literal ``&``. With ``&`` the lines are aligned
    like ``aligned``, otherwise centred like ``gathered``.
    """
    depth, env = 0, 0
    breaks = amps = False
    for tok in tokens:
        if tok == "{":
            depth += 1
        elif tok == "}":
            depth -= 1
        elif tok == "\\begin":
            env += 1
        elif tok == "\\end":
            env -= 1
        elif env == 0 and depth == 0 and tok in ("\\\\", "\\cr"):
            breaks = True
        elif env == 0 and depth == 0 and tok == "&":
            amps = True
    if amps:
        return ["\\begin", "{", *ALIGN, "}", *tokens, "\\end", "{", *ALIGN, "}"]
    if breaks:
        return ["\\displaylines", "{", *tokens, "}"]
    return tokens


# --------------------------------------------------------------------------
# Equation tags


def extract_tags(tokens: list[str]) -> tuple[list[str], EquationTags]:
    """Remove ``\\label``, ``\\tag``, ``\\notag``, ``\\nonumber``; say where they were.

    A tag in a row of an environment that is the whole formula numbers that
    row; a tag outside environments numbers the formula. Anything else would
    need a number in the middle of a formula, which we report.
    """
    tags = EquationTags()
    if not _TAG_COMMANDS.intersection(tokens):
        return tokens, tags
    out: list[str] = []
    env = depth = row = 0
    rows: dict[int, Tag | None] = {}
    sole_env = _is_one_environment(tokens)
    # \begin{equation} is one equation, not a table: its tag is the whole's.
    whole_env = sole_env and ENVIRONMENTS.get(_env_name(tokens, skip_spaces(tokens, 0) + 1)[0], "") is None
    i = 0
    while i < len(tokens):
        tok = tokens[i]
        if tok in _TAG_COMMANDS:
            tag, i = _read_tag(tokens, i)
            if env == 0 or (env == 1 and whole_env):
                tags.whole = _merge(tags.whole, tag)
            elif env == 1 and sole_env:
                rows[row] = _merge(rows.get(row), tag)
            else:
                raise TexError(f"{tok} inside a nested environment: put it in a row of the outer one")
            continue
        if tok == "\\begin":
            env += 1
        elif tok == "\\end":
            env -= 1
        elif tok == "{":
            depth += 1
        elif tok == "}":
            depth -= 1
        elif tok == "\\\\" and env == 1:
            row += 1
        out.append(tok)
        i += 1
    if rows:
        tags.rows = [rows.get(r) for r in range(row + 1)]
    return out, tags


def _merge(old: Tag | None, new: Tag | None) -> Tag | None:
    """One equation may have a \\label and a \\tag, but not two of either."""
    if old is None or new is None:
        return old or new
    if (old.label and new.label) or (old.text and new.text):
        raise TexError("two \\label or two \\tag for one equation")
    return Tag(old.label or new.label, old.text or new.text)


def _read_tag(tokens: list[str], i: int) -> tuple[Tag | None, int]:
    tok = tokens[i]
    if tok in ("\\notag", "\\nonumber"):
        return None, i + 1
    arg = read_argument(tokens, i + 1)
    if arg is None:
        raise TexError(f"{tok} needs an argument in braces, e.g. {tok}{{eq:loss}}")
    text = "".join(arg[0]).strip()
    if tok == "\\label":
        return Tag(label=text), arg[1]
    return Tag(text=text if tok == "\\tag*" else f"({text})"), arg[1]


def _is_one_environment(tokens: list[str]) -> bool:
    """True when the formula is one ``\\begin...\\end`` and nothing else."""
    i = skip_spaces(tokens, 0)
    if i >= len(tokens) or tokens[i] != "\\begin":
        return False
    depth = 0
    for j in range(i, len(tokens)):
        if tokens[j] == "\\begin":
            depth += 1
        elif tokens[j] == "\\end":
            depth -= 1
            if depth == 0:
                end = group_end(tokens, skip_spaces(tokens, j + 1))
                return skip_spaces(tokens, end) == len(tokens)
    return False


def scan_tags(tokens: list[str]) -> EquationTags:
    """The tags of a formula, without converting it (for numbering a post)."""
    return extract_tags(tokens)[1]


# --------------------------------------------------------------------------
# Commands


def operator_names(tokens: list[str]) -> list[str]:
    """``\\arg`` and friends become ``\\operatorname{...}`` (``\\arg\\max_x``: the
    limit goes under max only, as in TeX)."""
    if UNKNOWN_OPERATORS.keys().isdisjoint(tokens):
        return tokens
    out: list[str] = []
    i = 0
    while i < len(tokens):
        tok = tokens[i]
        if tok in UNKNOWN_OPERATORS:
            out.extend(["\\operatorname", "{", *UNKNOWN_OPERATORS[tok], "}"])
        else:
            out.append(tok)
        i += 1
    return out


def display_limits(tokens: list[str]) -> list[str]:
    """In display math, ``\\max_x`` means ``\\max\\limits_x``: limits go under.

    latex2mathml puts them beside (``msub``). ``\\nolimits`` is respected.
    """
    if LIMIT_OPERATORS.isdisjoint(tokens):
        return tokens
    out: list[str] = []
    i = 0
    while i < len(tokens):
        tok = tokens[i]
        out.append(tok)
        i += 1
        if tok not in LIMIT_OPERATORS:
            continue
        if tok in _WITH_ARGUMENT:
            arg = read_argument(tokens, i)
            if arg is None:
                continue
            out.extend(tokens[i : arg[1]])
            i = arg[1]
        j = skip_spaces(tokens, i)
        if j < len(tokens) and tokens[j] in ("_", "^"):
            out.append("\\limits")
    return out


def bold_symbols(tokens: list[str]) -> list[str]:
    """``\\bm`` is ``\\boldsymbol`` (bold italic letters); ``\\pmb`` is drawn heavier
    by ``mathjax``, as Temml does."""
    if "\\bm" not in tokens:
        return tokens
    return ["\\boldsymbol" if t == "\\bm" else t for t in tokens]


def upright_letters(tokens: list[str]) -> list[str]:
    """``\\mathrm{d}`` must stay upright; latex2mathml drops its variant for a
    single letter in braces (a one-letter ``<mi>`` is italic), not for ``\\mathrm d``."""
    if "\\mathrm" not in tokens:
        return tokens
    out: list[str] = []
    i = 0
    while i < len(tokens):
        if tokens[i] == "\\mathrm":
            arg = read_argument(tokens, i + 1)
            if arg is not None and len(arg[0]) == 1 and arg[0][0].isalpha():
                out.extend(["\\mathrm", arg[0][0]])  # unbraced, latex2mathml keeps it upright
                i = arg[1]
                continue
        out.append(tokens[i])
        i += 1
    return out


_TEXT_COMMANDS = {"\\text", "\\textrm", "\\textnormal", "\\textit", "\\textbf", "\\textsf", "\\texttt", "\\mbox"}


def math_in_text(tokens: list[str]) -> list[str]:
    """``\\text{for some $p \\geq 0$}``: ``$…$`` inside text is math again.

    latex2mathml keeps it as literal text (``\\geq`` would show); split the
    text around it so the math is converted.
    """
    if _TEXT_COMMANDS.isdisjoint(tokens):
        return tokens
    out: list[str] = []
    i = 0
    while i < len(tokens):
        tok = tokens[i]
        arg = read_argument(tokens, i + 1) if tok in _TEXT_COMMANDS else None
        if arg is None or "$" not in arg[0]:
            out.append(tok)
            i += 1
            continue
        in_math = False
        piece: list[str] = []
        for part in [*arg[0], "$"]:
            if part != "$":
                piece.append(part)
                continue
            if in_math:
                out.extend(["{", *piece, "}"])
            elif piece:
                out.extend([tok, "{", *piece, "}"])
            piece, in_math = [], not in_math
        i = arg[1]
    return out


_DIMENSION = re.compile(r"\s*-?[0-9.]+\s*(pt|em|ex|mm|cm|in|mu|px|bp|pc|dd|sp)\s*")


def row_spacing(tokens: list[str]) -> list[str]:
    """``\\\\[10pt]``: extra space under a row. latex2mathml shows "[10pt]" as
    text; MathML Core has no row spacing to give it, so it is dropped."""
    if "\\\\" not in tokens:
        return tokens
    out: list[str] = []
    i = 0
    while i < len(tokens):
        out.append(tokens[i])
        if tokens[i] == "\\\\":
            optional = read_optional(tokens, i + 1)
            if optional is not None and _DIMENSION.fullmatch("".join(optional[0])):
                i = optional[1]
                continue
        i += 1
    return out


def primes(tokens: list[str]) -> list[str]:
    """``w'^\\top`` is ``w^{\\prime\\top}`` in TeX: a prime is part of the
    superscript that follows it (latex2mathml stacks a second one)."""
    if "'" not in tokens:
        return tokens
    out: list[str] = []
    i = 0
    while i < len(tokens):
        if tokens[i] != "'":
            out.append(tokens[i])
            i += 1
            continue
        j = i
        while j < len(tokens) and tokens[j] == "'":
            j += 1
        k = skip_spaces(tokens, j)
        script = read_argument(tokens, k + 1) if k < len(tokens) and tokens[k] == "^" else None
        if script is None:
            out.extend(tokens[i:j])
            i = j
            continue
        out.extend(["^", "{", *(["\\prime"] * (j - i)), *script[0], "}"])
        i = script[1]
    return out


def digit_groups(tokens: list[str]) -> list[str]:
    """``30,000``: a comma between digits, with no space, groups digits (Temml
    sets it as one number). ``\\text{,}`` tells ``operators.number_groups``."""
    if "," not in tokens:
        return tokens
    out: list[str] = []
    i = 0
    while i < len(tokens):
        braced = tokens[i : i + 3] == ["{", ",", "}"]  # 30{,}000
        width = 3 if braced else 1
        grouped = (tokens[i] == "," or braced) and i > 0 and tokens[i - 1].isdigit()
        if grouped and i + width < len(tokens) and tokens[i + width].isdigit():
            out.extend(["\\text", "{", ",", "}"])
            i += width
            continue
        out.append(tokens[i])
        i += 1
    return out


def escaped_braces(tokens: list[str]) -> list[str]:
    """Inline math has no line breaks, so ``\\\\{`` there is a Markdown-escaped
    ``\\{`` (kramdown posts write ``$\\\\{1, 2\\\\}$`` for the set {1, 2})."""
    if "\\\\" not in tokens:
        return tokens
    out: list[str] = []
    for i, tok in enumerate(tokens):
        if tok == "\\\\" and i + 1 < len(tokens) and tokens[i + 1] in ("{", "}"):
            continue
        if tok in ("{", "}") and i > 0 and tokens[i - 1] == "\\\\":
            out.append("\\" + tok)
        else:
            out.append(tok)
    return out


def drop_middle(tokens: list[str]) -> list[str]:
    """``\\middle|`` outside ``\\left … \\right``: latex2mathml rejects it; a plain
    ``|`` there is what the author sees in TeX. Inside, latex2mathml stretches it."""
    if "\\middle" not in tokens:
        return tokens
    out: list[str] = []
    depth = 0
    for tok in tokens:
        depth += {"\\left": 1, "\\right": -1}.get(tok, 0)
        if tok != "\\middle" or depth > 0:
            out.append(tok)
    return out


@dataclass
class Normalised:
    """What ``normalise`` gives latex2mathml, and what it learnt on the way."""

    tokens: list[str]
    tags: EquationTags
    warnings: list[str] = field(default_factory=list)
    enclosures: list[Enclosure] = field(default_factory=list)  # boxes for fixes.enclosures


def normalise(tokens: list[str], *, display: bool) -> Normalised:
    """Run every TeX fix in order; return the TeX for latex2mathml and the tags."""
    compatible = mathjax(tokens)
    tokens, tags = extract_tags(compatible.tokens)
    result = Normalised(tokens, tags, compatible.warnings, compatible.enclosures)
    if not display:
        fixed = escaped_braces(tokens)
        if fixed != tokens:
            result.warnings.append("read '\\\\{' as '\\{' (a Markdown-escaped brace): write \\{ in math")
        tokens = fixed
    steps: list[Callable[[list[str]], list[str]]] = [
        row_spacing,
        math_in_text,
        environments,
        line_breaks,
        operator_names,
        bold_symbols,
        upright_letters,
        drop_middle,
        primes,
        digit_groups,
    ]
    if display:
        steps.append(display_limits)
    for step in steps:
        tokens = step(tokens)
    result.tokens = tokens
    return result
