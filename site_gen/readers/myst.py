"""MyST Markdown (Jupyter Book, mystmd), read as it is.

MyST is CommonMark plus *directives* (```` ```{name} argument ```` with
``:key: value`` option lines, or the same with ``:::``) and *roles*
(``{name}`content```). This adapter rewrites the ones with a meaning here
into our syntax, line for line, so errors still name the author's lines:

==========================  ===========================================
``{code-cell} python``      an executed ```` ```{python} ```` cell; ``:tags:``
                            ``remove-input``/``remove-output``/``remove-cell``
                            become ``echo``/``output`` options
``{code}``, ``{code-block}``  display-only code (``:linenos:``,
                            ``:emphasize-lines:``, ``:caption:`` kept)
``{math}`` + ``:label:``    a numbered ``$$ … $$ (label)`` equation
``{note}``, ``{tip}``, …    callouts
``{figure} path``           an image whose caption is the directive's body
``{eq}``, ``{math}`` roles  ``\\eqref{…}``, ``$…$``
``{cite}``, ``{cite:t}``    ``[@key]``, ``@key`` (Pandoc's citations)
``{margin}``, ``{aside}``   a ``::: {.column-margin}`` margin note
``(label)=``, ``+++``, ``%``  targets, block breaks and comments: dropped
==========================  ===========================================

Directives and roles with no meaning here are unwrapped — their content
stays — with a warning naming the line.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import yaml

from ..errors import ContentWarning
from ..fenced_divs import balance_fences
from . import markdown
from .source import Source

CALLOUTS = (
    "note", "tip", "warning", "important", "caution", "hint", "seealso", "danger", "attention", "error", "admonition",
)  # fmt: skip
CODE_DIRECTIVES = ("code", "code-block", "sourcecode")
# Directives that show nothing on a page of ours (an index, a table of contents of the book): left out.
INVISIBLE = ("index", "toctree", "tableofcontents", "contents", "glossary", "bibliography", "only")
# Numbered statements (sphinx-proof's prf:theorem…, exercise, solution) become note callouts titled by their kind.
STATEMENT_PREFIXES = ("prf:", "exercise", "solution")
# Content beside the text (Jupyter Book's margin and sidebar, mystmd's aside): a margin note.
MARGIN_DIRECTIVES = ("margin", "aside", "sidebar")
TAB_SETS = ("tab-set", "tabs")  # sphinx-design's tabs: a Pandoc tabset, each {tab-item} a heading (its label)
TAB_ITEMS = ("tab-item", "tab")
# sphinxcontrib-bibtex's and mystmd's citation roles (parenthetical, and textual with :t).
CITE_ROLES = ("cite", "cite:p", "cite:ps", "cite:t", "cite:ts", "cite:alp", "cite:empty")
MYST_KEYS = ("kernelspec", "jupytext", "myst", "authors", "author", "subtitle", "exports", "numbering", "github")
_OPEN = re.compile(r"^(\s*)(`{3,}|:{3,})\{([A-Za-z][\w:.-]*)\}\s*(.*?)\s*$")
_OPTION = re.compile(r"^\s*:([\w-]+):\s*(.*?)\s*$")
_ROLE = re.compile(r"\{([A-Za-z][\w:.-]*)\}`([^`]*)`")
_TARGET = re.compile(r"^\s*\(([\w.:-]+)\)=\s*$")
_BLOCK_BREAK = re.compile(r"^\s*\+\+\+(\s*\{.*\})?\s*$")  # jupytext's cell break, with or without cell metadata
_GATED = re.compile(r"^([\w:-]+)-(start|end)$")  # sphinx-exercise's {solution-start} … {solution-end}
_CODE_SPAN = re.compile(r"(`+).*?(?<!`)\1(?!`)")
_DOLLAR = re.compile(r"(?<!\\)\$\$?")
_EMPTY_LINK = re.compile(r"\[\]\(#([\w.:-]+)\)")
_FENCE = re.compile(r"^\s*(`{3,}|~{3,})")
_QUOTE = re.compile(r"^(?:[ ]{0,3}>[ ]?)+")
_RUNS = ("python", "python3", "ipython", "ipython3", "")


def looks_like_myst(source: Source) -> bool:
    """MyST front matter (``kernelspec``, ``jupytext``) or a directive that is not one of our fences."""
    if any(key in source.meta for key in ("kernelspec", "jupytext", "myst")):
        return True
    body = source.body
    if "`{" not in body and ":{" not in body:  # what every directive's opening line holds: most posts
        return False
    return any(_is_directive(line) for line in body.split("\n"))


def _is_directive(line: str) -> bool:
    found = _OPEN.match(line)
    return found is not None and found.group(3) not in ("python", "r", "julia")


def adapt(source: Source, rel: Path) -> Source:
    """``source`` with MyST's front matter and syntax rewritten as ours."""
    meta, warnings = _front_matter(source.meta, rel)
    rewriter = _Rewriter(rel, source.body_line, kernel_language(source.meta), "bibliography" in source.meta)
    rewriter.equations = _equation_labels(source.body)
    body = balance_fences(rewriter.run(source.body))  # author-written ::: divs may sit inside directives
    if meta.get("title") in (None, ""):
        body = markdown.title_from_heading(meta, body, past_code=True)
    return replace(source, meta=meta, body=body, warnings=(*source.warnings, *warnings, *rewriter.warnings))


def kernel_language(meta: dict[str, Any]) -> str:
    spec = meta.get("kernelspec")
    if isinstance(spec, dict):
        return str(spec.get("language") or spec.get("name") or "python")
    return "python"


def _front_matter(meta: dict[str, Any], rel: Path) -> tuple[dict[str, Any], list[ContentWarning]]:
    ours = {k: v for k, v in meta.items() if k not in MYST_KEYS}
    spec = meta.get("kernelspec")
    if isinstance(spec, dict) and isinstance(spec.get("name"), str) and "jupyter" not in ours:
        ours["jupyter"] = spec["name"]
    if "description" in ours and "summary" not in ours:
        ours["summary"] = ours.pop("description")
    return ours, []


@dataclass
class _Block:
    """An open directive: how it closes, and what its closing line becomes."""

    indent: str
    fence: str  # the opening run of backticks or colons ("" for a gated {x-start}, closed by its {x-end})
    closing: str  # our line for its end
    opening: int = -1  # the index of its opening line
    inner: int = 0  # how deep our ::: blocks nest inside it


class _Rewriter:
    def __init__(self, rel: Path, first_line: int, language: str, bibliography: bool = True) -> None:
        self.rel = rel
        self.first_line = first_line
        self.language = language
        self.bibliography = bibliography  # a post without one shows citation keys (a Jupyter Book's is in _config.yml)
        self.equations: set[str] | None = None  # the post's equation labels, when known
        self.warnings: list[ContentWarning] = []

    def warn(self, index: int, message: str) -> None:
        self.warnings.append(ContentWarning(self.rel, self.first_line + index, message))

    def run(self, body: str) -> str:
        """Rewrite every line; directives inside block quotes (``> ```{note}``) too."""
        prefixes, lines = [], []
        for line in body.split("\n"):
            quote = _QUOTE.match(line)
            prefix = quote.group(0) if quote else ""
            prefixes.append(prefix)
            lines.append(line[len(prefix) :])
        self.rewrite(lines)
        return "\n".join(
            prefix + line if line or not prefix else prefix.rstrip()
            for prefix, line in zip(prefixes, lines, strict=True)
        )

    def rewrite(self, lines: list[str]) -> None:
        stack: list[_Block] = []
        code_fence: str | None = None  # inside plain (or our) code: nothing is rewritten
        index = 0
        while index < len(lines):
            line = lines[index]
            if code_fence is not None:
                if line.strip().startswith(code_fence[0] * len(code_fence)) and not line.strip().strip(code_fence[0]):
                    code_fence = None
                index += 1
                continue
            if stack and _closes(line, stack[-1]):
                self.close(lines, index, stack)
                index += 1
                continue
            opened = _OPEN.match(line)
            if opened and _is_directive(line):
                index = self.directive(lines, index, opened, stack)
                continue
            plain = _FENCE.match(line)
            if plain:
                code_fence = plain.group(1)
                index += 1
                continue
            lines[index] = self.inline(line, index)
            index += 1

    def directive(self, lines: list[str], index: int, opened: re.Match[str], stack: list[_Block]) -> int:
        """Rewrite one directive's opening and option lines; returns the next line to look at."""
        indent, fence, name, argument = opened.groups()
        options, count = _options(lines, index + 1)
        blank_options = ["" for _ in range(count)]
        end = index + 1 + count
        code = fence  # a code directive fenced with colons (::::{code-block}) is a backtick fence of ours
        closing = None
        if fence[0] == ":" and (name in ("code-cell", "raw") or name in CODE_DIRECTIVES):
            code = _backticks_around(lines, end, fence)
            closing = f"{indent}{code}"
        if name == "code-cell":
            language = argument or self.language
            if language.lower() not in _RUNS:
                lines[index] = f"{indent}{code}{language}"
                self.warn(index, f"{{code-cell}} in {language} shown as code, not run: site_gen runs Python")
                lines[index + 1 : end] = blank_options
                return self.skip_code(lines, end, fence, closing)
            lines[index] = f"{indent}{code}{{python}}"
            lines[index + 1 : end] = _cell_options(options, count)
            return self.skip_code(lines, end, fence, closing)
        if name in CODE_DIRECTIVES:
            lines[index] = f"{indent}{code}{argument or 'text'}{_code_options(options)}"
            lines[index + 1 : end] = blank_options
            return self.skip_code(lines, end, fence, closing)
        if name == "raw":  # ```{raw} html: Pandoc's ```{=html}, kept as the author's HTML; other formats left out
            lines[index] = f"{indent}{code}{{={argument.lower() or 'html'}}}"
            lines[index + 1 : end] = blank_options
            return self.skip_code(lines, end, fence, closing)
        if name == "math":
            label = options.get("label") or options.get("name")
            lines[index] = f"{indent}$$"
            lines[index + 1 : end] = blank_options
            return self.skip_code(lines, end, fence, closing=f"{indent}$$" + (f" ({label})" if label else ""))
        if name in CALLOUTS:
            classes = options.get("class", "").split()
            kind = name
            if name == "admonition":  # its kind is its class (`:class: warning`), its title the argument
                kind = next((c for c in classes if c in CALLOUTS and c != "admonition"), "note")
            lines[index] = _callout_line(indent, kind, argument, "dropdown" in classes)
            lines[index + 1 : end] = blank_options
            stack.append(_Block(indent, fence, f"{indent}:::", index))
            return end
        if gated := _GATED.match(name):  # {solution-start} label … {solution-end}: the lines between are the body
            lines[index + 1 : end] = blank_options
            after = self.skip_code(lines, end, fence, closing="")
            if gated.group(2) == "start":
                title = gated.group(1).replace("-", " ").capitalize() + (f" ({argument})" if argument else "")
                lines[index] = _callout_line(indent, "note", title, "dropdown" in options.get("class", ""))
                stack.append(_Block(indent, "", f"{indent}:::", index))
            elif stack and not stack[-1].fence:
                self.close(lines, index, stack)
            else:
                lines[index] = ""
            return after
        if name == "dropdown":  # sphinx-design's dropdown: a folded note (`:open:` starts it open)
            title = _quoted_title(argument or "Details")
            lines[index] = (
                f"{indent}::: {{.callout-note collapse={'false' if 'open' in options else 'true'} title={title}}}"
            )
            lines[index + 1 : end] = blank_options
            stack.append(_Block(indent, fence, f"{indent}:::", index))
            return end
        if name in TAB_SETS:
            lines[index] = f"{indent}::: {{.panel-tabset}}"
            lines[index + 1 : end] = blank_options
            stack.append(_Block(indent, fence, f"{indent}:::", index))
            return end
        if name in TAB_ITEMS:
            lines[index] = f"{indent}###### {argument or 'Tab'}"
            lines[index + 1 : end] = blank_options
            stack.append(_Block(indent, fence, "", index))
            return end
        if name in MARGIN_DIRECTIVES:  # a Pandoc margin div: beside the text on wide screens
            lines[index] = f"{indent}::: {{.column-margin}}"
            lines[index + 1 : end] = blank_options
            if argument and end < len(lines) and lines[end].strip() != fence:  # its title leads its first line
                lines[end] = f"{indent}**{argument}** {lines[end].strip()}".rstrip()
            stack.append(_Block(indent, fence, f"{indent}:::", index))
            return end
        if name == "figure":
            stack.append(_Block(indent, fence, "", index))
            alt = options.get("alt", "")
            lines[index] = f"{indent}![{alt}]({argument})" if argument else ""
            lines[index + 1 : end] = blank_options
            self.warn(index, "{figure}: its caption is shown as the paragraph after the image")
            return end
        if name.startswith(STATEMENT_PREFIXES):
            kind = name.removeprefix("prf:").replace("-", " ").capitalize()
            title = f"{kind} ({argument})" if argument else kind
            lines[index] = f"{indent}:::{{note}} {title}"
            lines[index + 1 : end] = blank_options
            stack.append(_Block(indent, fence, f"{indent}:::", index))
            return end
        if name in INVISIBLE:
            self.warn(index, f"MyST directive {{{name}}} left out: it shows nothing on a single page")
            return self.skip_code(lines, end, fence, closing="", blank=True, start=index)
        self.warn(index, f"MyST directive {{{name}}} has no meaning here: its content is shown as it is")
        lines[index] = f"{indent}**{argument}**" if argument else ""
        lines[index + 1 : end] = blank_options
        stack.append(_Block(indent, fence, "", index))
        return end

    def close(self, lines: list[str], index: int, stack: list[_Block]) -> None:
        """End the innermost block at ``index``; a ``:::`` block gets more colons than those it holds,
        or the first inner ``:::`` would close it."""
        block = stack.pop()
        lines[index] = block.closing
        container = block.closing.strip() == ":::"
        if container and block.inner:
            colons = ":" * (3 + block.inner)
            lines[index] = block.indent + colons
            lines[block.opening] = block.indent + colons + lines[block.opening][len(block.indent) + 3 :]
        if stack:
            stack[-1].inner = max(stack[-1].inner, block.inner + container)

    def skip_code(
        self, lines: list[str], index: int, fence: str, closing: str | None = None, blank: bool = False, start: int = 0
    ) -> int:
        """Past a code directive's body; its closing fence becomes ``closing`` (default: kept).
        With ``blank``, every line from ``start`` to the end is emptied (the directive is left out)."""
        while index < len(lines):
            if lines[index].strip() == fence:
                if closing is not None:
                    lines[index] = closing
                if blank:
                    lines[start : index + 1] = ["" for _ in range(index + 1 - start)]
                return index + 1
            index += 1
        return index

    def inline(self, line: str, index: int) -> str:
        if _TARGET.match(line) or _BLOCK_BREAK.match(line) or line.lstrip().startswith("% "):
            return ""
        line = _EMPTY_LINK.sub(lambda m: f"[{m.group(1)}](#{m.group(1)})", line)
        line = _spaced_dollars(line)
        return _ROLE.sub(lambda m: self.role(m.group(1), m.group(2), index), line)

    def role(self, name: str, content: str, index: int) -> str:
        if name == "eq":
            if self.equations is not None and content not in self.equations:  # Sphinx warns and shows the label
                self.warn(index, f"{{eq}}`{content}`: no equation in this post has that label; shown as its text")
                return f"({content})"
            return f"\\eqref{{{content}}}"
        if name == "math":
            return f"${content}$"
        if name in CITE_ROLES:  # {cite:p}`a,b` is Pandoc's [@a; @b]; {cite:t}`a` is @a in the text
            keys = [key.strip() for key in content.split(",") if key.strip()]
            if not self.bibliography:
                self.warn(index, f"{{{name}}}`{content}`: no `bibliography:` in the front matter, shown as its keys")
                return "[" + ", ".join(keys) + "]"
            if name in ("cite:t", "cite:ts"):
                return ", ".join(f"@{key}" for key in keys)
            return "[" + "; ".join(f"@{key}" for key in keys) + "]"
        if name in ("sub", "sup", "kbd", "abbr"):
            tag = {"abbr": "abbr"}.get(name, name)
            return f"<{tag}>{content}</{tag}>"
        text = re.sub(r"\s*<[^>]*>$", "", content) or content
        self.warn(index, f"MyST role {{{name}}} has no meaning here: shown as its text")
        return text


_MATH_LABEL = re.compile(r"^\s*(?:`{3,}|:{3,})\{math\}.*\n(?:\s*:[\w-]+:.*\n)*?\s*:(?:label|name):\s*(\S+)", re.M)


def _spaced_dollars(line: str) -> str:
    """``$ x$``, ``$x $`` and ``$ x $`` as ``$x$``: MyST's dollar math allows spaces inside, Pandoc's does not.

    Dollars pair left to right on the line, outside code spans, as in MyST (mdit-py-plugins'
    dollarmath with ``allow_space``); ``$$ … $$`` and ``\\$`` are left alone.
    """
    out, last = [], 0
    for code in [*_CODE_SPAN.finditer(line), None]:
        end = code.start() if code else len(line)
        out.append(_respace(line[last:end]))
        if code:
            out.append(code.group(0))
            last = code.end()
    return "".join(out)


def _respace(text: str) -> str:
    marks = list(_DOLLAR.finditer(text))
    pieces, last, index = [], 0, 0
    while index + 1 < len(marks):
        opening, closing = marks[index], marks[index + 1]
        if opening.group(0) != "$" or closing.group(0) != "$":  # display math, or an unmatched $$: leave it
            index += 1
            continue
        inner = text[opening.end() : closing.start()]
        if inner.strip() and inner != inner.strip():
            pieces += [text[last : opening.start()], f"${inner.strip()}$"]
            last = closing.end()
        index += 2
    return "".join(pieces) + text[last:]


_DOLLAR_LABEL = re.compile(r"\$\$\s*\(([^)\s]+)\)\s*$", re.M)
_TEX_LABEL = re.compile(r"\\label\{([^}]+)\}")


def _equation_labels(body: str) -> set[str]:
    """Labels an ``{eq}`` role can cite: ``{math}`` with ``:label:``, ``$$ … $$ (label)`` and ``\\label{…}``."""
    return {
        *(m.group(1) for m in _MATH_LABEL.finditer(body)),
        *(m.group(1) for m in _DOLLAR_LABEL.finditer(body)),
        *(m.group(1) for m in _TEX_LABEL.finditer(body)),
    }


def _backticks_around(lines: list[str], start: int, fence: str) -> str:
    """A backtick fence longer than any backtick run in the body from ``start`` to the closing ``fence``."""
    longest = 2
    for line in lines[start:]:
        if line.strip() == fence:
            break
        longest = max([longest, *(len(run) for run in re.findall(r"`+", line))])
    return "`" * (longest + 1)


def _callout_line(indent: str, kind: str, title: str, folded: bool) -> str:
    """The opening line of a callout; MyST's ``:class: dropdown`` is a folded one (Quarto's ``collapse``)."""
    if folded and not ('"' in title and "'" in title):  # untitled: its first heading, or its kind, is the title
        named = f" title={_quoted_title(title)}" if title else ""
        return f"{indent}::: {{.callout-{kind} collapse=true{named}}}"
    return f"{indent}:::{{{kind}}}" + (f" {title}" if title else "")


def _quoted_title(title: str) -> str:
    """``title`` quoted for a Pandoc attribute (quotes of the other kind inside are dropped)."""
    return f"'{title}'" if '"' in title else f'"{title}"'


def _closes(line: str, block: _Block) -> bool:
    return bool(block.fence) and line.strip() == block.fence


def _options(lines: list[str], start: int) -> tuple[dict[str, str], int]:
    """The options right after a directive's opening line: ``:key: value`` lines, or a ``---`` YAML block."""
    if start < len(lines) and lines[start].strip() == "---":
        for end in range(start + 1, len(lines)):
            if lines[end].strip() == "---":
                return _yaml_options("\n".join(lines[start + 1 : end])), end + 1 - start
        return {}, 0
    options: dict[str, str] = {}
    index = start
    while index < len(lines) and (found := _OPTION.match(lines[index])):
        options[found.group(1)] = found.group(2)
        index += 1
    return options, index - start


def _yaml_options(text: str) -> dict[str, str]:
    """A YAML option block as ``:key: value`` strings (a list of tags as ``[a, b]``); {} if it is not YAML."""
    try:
        values = yaml.safe_load(text)
    except yaml.YAMLError:
        return {}
    if not isinstance(values, dict):
        return {}
    return {
        str(key): "[" + ", ".join(map(str, value)) + "]" if isinstance(value, list) else str(value)
        for key, value in values.items()
    }


def _cell_options(options: dict[str, str], count: int) -> list[str]:
    """MyST's ``:tags:`` as our ``#|`` options, on as many lines as MyST used."""
    tags = options.get("tags", "")
    ours = {}
    if "remove-cell" in tags:
        ours = {"echo": "false", "output": "false"}
    else:
        if "remove-input" in tags or "hide-input" in tags:
            ours["echo"] = "false"
        if "remove-output" in tags or "hide-output" in tags:
            ours["output"] = "false"
        if "raises-exception" in tags:
            ours["error"] = "true"
    first = "#| {" + ", ".join(f"{k}: {v}" for k, v in ours.items()) + "}" if ours else "#|"
    return ([first] + ["#|"] * (count - 1)) if count else []


def _code_options(options: dict[str, str]) -> str:
    ours = []
    if "linenos" in options or "number-lines" in options:
        ours.append("linenos=true")
        start = options.get("lineno-start") or options.get("number-lines")
        if start and start.isdigit():
            ours.append(f"linenostart={start}")
    if options.get("emphasize-lines"):
        ours.append(f'hl_lines="{options["emphasize-lines"].replace(",", " ")}"')
    caption = options.get("caption") or options.get("filename")
    if caption:
        ours.append(f'filename="{caption}"')
    return " {" + " ".join(ours) + "}" if ours else ""
