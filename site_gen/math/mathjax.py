"""TeX -> TeX: the MathJax conventions real posts are written in.

Most ML blogs were typeset by MathJax, which reads a few things differently
from LaTeX (``\\color{red}{x}`` colours only ``x``) and has commands LaTeX has
not (``\\bbox``, ``\\enclose``, ``\\require``). Each step here rewrites one of
them into TeX the rest of the pipeline converts, or fails naming the command.

Boxes and strikes (``\\boxed``, ``\\cancel``, ``\\enclose``, ``\\bbox``) all come
out of latex2mathml as ``<menclose>``, which MathML Core does not draw; the
steps record, in order, what each one is, and ``fixes.enclosures`` draws it
with CSS.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from site_gen.math.tex import TexError, read_argument, read_optional, skip_spaces

# \enclose notations we can draw, and the latex2mathml command that makes the box.
NOTATIONS = {
    "box",
    "roundedbox",
    "circle",
    "top",
    "bottom",
    "left",
    "right",
    "updiagonalstrike",
    "downdiagonalstrike",
    "horizontalstrike",
    "verticalstrike",
}
# Commands latex2mathml turns into <menclose>, and what each one draws.
BOXES = {
    "\\boxed": "box",
    "\\cancel": "updiagonalstrike",
    "\\bcancel": "downdiagonalstrike",
    "\\xcancel": "updiagonalstrike downdiagonalstrike",
}
_COLOUR_RE = re.compile(r"[A-Za-z]+|#[0-9A-Fa-f]{3}|#[0-9A-Fa-f]{6}")
_DIMENSION_RE = re.compile(r"-?[0-9.]+\s*(pt|em|ex|px|mm|cm|in|mu)")
_CSS_RE = re.compile(r"[A-Za-z0-9 .,#%()-]*")
# Environments whose [t]/[b]/[c] placement option MathML has no use for.
_PLACED = {"aligned", "gathered", "alignedat", "array", "split"}
_COLOUR_ENDS = {"&", "\\\\", "\\cr", "\\end", "\\right", "\\middle"}


@dataclass
class Enclosure:
    """What one ``<menclose>`` is to draw: notations, or a ``\\bbox``'s CSS."""

    notations: tuple[str, ...] = ()
    style: str = ""


@dataclass
class MathJax:
    tokens: list[str]
    enclosures: list[Enclosure] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)


def mathjax(tokens: list[str]) -> MathJax:
    """Every MathJax convention, in order."""
    result = MathJax(tokens)
    result.tokens = _comments(result.tokens)
    result.tokens = _require(result.tokens)
    result.tokens = _placements(result.tokens)
    result.tokens = _colours(result.tokens)
    result.tokens = _enclosures(result.tokens, result)
    if "\\url" in result.tokens:
        raise TexError("\\url is not supported in math: put the link in the text, as [text](https://…)")
    return result


def _comments(tokens: list[str]) -> list[str]:
    """``% …`` to the end of the line is a comment (``\\%`` is a percent sign)."""
    if "%" not in tokens:
        return tokens
    out: list[str] = []
    comment = False
    for tok in tokens:
        if tok == "%":
            comment = True
        elif comment and tok == "\n":
            comment = False
        if not comment:
            out.append(tok)
    return out


def _require(tokens: list[str]) -> list[str]:
    """``\\require{cancel}`` loads a MathJax extension: everything is loaded here."""
    if "\\require" not in tokens:
        return tokens
    out: list[str] = []
    i = 0
    while i < len(tokens):
        if tokens[i] == "\\require":
            arg = read_argument(tokens, i + 1)
            if arg is None:
                raise TexError("\\require needs an extension name in braces, e.g. \\require{cancel}")
            i = arg[1]
            continue
        out.append(tokens[i])
        i += 1
    return out


def _placements(tokens: list[str]) -> list[str]:
    """``\\begin{aligned}[t]``: the vertical placement option is dropped."""
    if "\\begin" not in tokens:
        return tokens
    out: list[str] = []
    i = 0
    while i < len(tokens):
        out.append(tokens[i])
        if tokens[i] == "\\begin":
            name = read_argument(tokens, i + 1)
            if name is not None and "".join(name[0]).strip() in _PLACED:
                out.extend(tokens[i + 1 : name[1]])
                i = name[1]
                option = read_optional(tokens, i)
                if option is not None and "".join(option[0]).strip() in ("t", "b", "c"):
                    i = option[1]
                continue
        i += 1
    return out


def colour(tokens: list[str], i: int, command: str) -> tuple[str, int]:
    """The colour at ``i`` (``{red}``, ``{#f00}``, ``[rgb]{1,0,0}``, ``[HTML]{FF0000}``)."""
    model = read_optional(tokens, i)
    if model is not None:
        i = model[1]
    arg = read_argument(tokens, i)
    if arg is None:
        raise TexError(f"{command} needs a colour in braces, e.g. {command}{{red}}")
    spec = "".join(arg[0]).strip()
    name = _from_model("".join(model[0]).strip(), spec, command) if model is not None else spec
    if not _COLOUR_RE.fullmatch(name):
        raise TexError(f"{command}{{{spec[:40]}}}: a colour is a name (red) or #rrggbb")
    return name, arg[1]


def _from_model(model: str, spec: str, command: str) -> str:
    try:
        if model == "HTML":
            return "#" + spec
        parts = [float(p) for p in spec.split(",")]
        if model == "rgb" and len(parts) == 3:
            return "#" + "".join(f"{round(max(0.0, min(1.0, p)) * 255):02x}" for p in parts)
        if model == "RGB" and len(parts) == 3:
            return "#" + "".join(f"{round(max(0.0, min(255.0, p))):02x}" for p in parts)
        if model == "gray" and len(parts) == 1:
            return "#" + f"{round(max(0.0, min(1.0, parts[0])) * 255):02x}" * 3
    except ValueError:
        pass
    raise TexError(f"{command}[{model[:20]}]{{{spec[:40]}}}: colour models are rgb, RGB, HTML and gray")


def _colours(tokens: list[str]) -> list[str]:
    """``\\color{c}{x}`` colours ``x`` (MathJax); ``\\color{c} x y`` colours the
    rest of its group, cell or row (LaTeX). Both become ``\\textcolor``, which
    latex2mathml scopes to its argument (inside ``aligned`` too)."""
    if not any(t in ("\\color", "\\textcolor", "\\colorbox") for t in tokens):
        return tokens
    out: list[str] = []
    i = 0
    while i < len(tokens):
        tok = tokens[i]
        if tok not in ("\\color", "\\textcolor", "\\colorbox"):
            out.append(tok)
            i += 1
            continue
        name, i = colour(tokens, i + 1, tok)
        command = "\\colorbox" if tok == "\\colorbox" else "\\textcolor"
        j = skip_spaces(tokens, i)
        if tok != "\\color" or (j < len(tokens) and tokens[j] == "{"):
            body = read_argument(tokens, i)
            if body is None:
                raise TexError(f"{tok}{{{name}}} needs the math to colour in braces")
            out.extend([command, "{", name, "}", "{", *_colours(body[0]), "}"])
            i = body[1]
            continue
        end = _switch_end(tokens, i)
        out.extend([command, "{", name, "}", "{", *_colours(tokens[i:end]), "}"])
        i = end
    return out


def _switch_end(tokens: list[str], i: int) -> int:
    """Where a ``\\color`` switch at ``i`` stops: its group, cell or row ends."""
    depth = 0
    for j in range(i, len(tokens)):
        tok = tokens[j]
        if tok in ("{", "\\begin", "\\left"):
            depth += 1
        elif tok == "}" or (tok in ("\\end", "\\right") and depth > 0):
            if depth == 0:
                return j
            depth -= 1
        elif depth == 0 and tok in _COLOUR_ENDS:
            return j
    return len(tokens)


def _enclosures(tokens: list[str], result: MathJax) -> list[str]:
    """``\\enclose{circle}{x}`` and ``\\bbox[red,5pt]{x}`` become ``\\boxed{x}``;
    every box, in order, is recorded for ``fixes.enclosures`` to draw."""
    if not any(t in BOXES or t in ("\\enclose", "\\bbox", "\\pmb") for t in tokens):
        return tokens
    out: list[str] = []
    i = 0
    while i < len(tokens):
        tok = tokens[i]
        if tok in BOXES:
            result.enclosures.append(Enclosure(tuple(BOXES[tok].split())))
        elif tok == "\\pmb":  # "poor man's bold": the letters as they are, made heavier
            result.enclosures.append(Enclosure(style="font-weight:bold"))
            out.append("\\boxed")
            i += 1
            continue
        elif tok == "\\enclose":
            notation = read_argument(tokens, i + 1)
            if notation is None:
                raise TexError("\\enclose needs a notation in braces, e.g. \\enclose{circle}{x}")
            names = tuple("".join(notation[0]).replace(",", " ").split())
            unknown = [n for n in names if n not in NOTATIONS]
            if unknown or not names:
                known = ", ".join(sorted(NOTATIONS))
                raise TexError(f"\\enclose{{{' '.join(unknown)[:40]}}} is not supported (notations: {known})")
            i = notation[1]
            attributes = read_optional(tokens, i)
            if attributes is not None:  # mathcolor=red etc.: MathJax-only, dropped
                result.warnings.append("\\enclose[…] attributes are ignored")
                i = attributes[1]
            result.enclosures.append(Enclosure(names))
            out.append("\\boxed")
            continue
        elif tok == "\\bbox":
            options = read_optional(tokens, i + 1)
            i = options[1] if options is not None else i + 1
            result.enclosures.append(Enclosure(style=_bbox_style("".join(options[0]) if options else "")))
            out.append("\\boxed")
            continue
        out.append(tok)
        i += 1
    return out


def _bbox_style(options: str) -> str:
    """``\\bbox[yellow,5px,border:1px solid red]``: MathJax's background, padding, CSS."""
    style: list[str] = []
    for part in (p.strip() for p in options.split(",")):
        if not part:
            continue
        if _COLOUR_RE.fullmatch(part):
            style.append(f"background-color:{part}")
        elif _DIMENSION_RE.fullmatch(part):
            style.append(f"padding:{part.replace(' ', '')}")
        elif ":" in part and _CSS_RE.fullmatch(part.split(":", 1)[1]):
            prop = part.split(":", 1)[0].strip().lower()
            if prop not in ("border", "border-color", "border-width", "border-style", "border-radius", "padding"):
                raise TexError(f"\\bbox[{part[:40]}]: only background, padding and border can be set")
            style.append(f"{prop}:{part.split(':', 1)[1].strip()}")
        else:
            raise TexError(f"\\bbox[{part[:40]}]: write a colour, a padding (5pt) or border:1px solid red")
    return ";".join(style)
