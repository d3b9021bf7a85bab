"""Quarto ``.qmd`` posts, read as they are, so a post moves between Quarto and site_gen unchanged.

Quarto's Markdown is Pandoc's, which our syntax already follows for cells
(```` ```{python} ```` with ``#|`` options), callouts and math. What differs is
front matter (``categories`` for tags, ``description`` for the summary,
``execute:`` as a mapping of cell defaults) and chunks in other languages:
``{r}`` and ``{julia}`` run in that language's Jupyter kernel when one is
installed (IRkernel, IJulia), and are otherwise shown as code with one warning
per post; ``{bash}``, ``{ojs}`` and the like are always shown as code.
"""

from __future__ import annotations

import calendar
import re
from html import escape
from pathlib import Path
from typing import Any

from ..cells.options import OPTION_PREFIX, VALID_OPTIONS
from ..errors import ContentError, ContentWarning
from ..fenced_divs import balance_fences, parse_attributes
from ..highlight import VALID_KEYS
from . import markdown
from .source import Source

# Quarto keys with a meaning here, as ours.
RENAMED = {"categories": "tags", "description": "summary", "date-modified": "updated"}
# Quarto keys that only steer Quarto's own output: dropped without a word.
QUARTO_ONLY = (
    "format", "editor", "toc", "toc-depth", "toc-title", "number-sections", "code-fold", "code-tools",
    "title-block-banner", "page-layout", "jupyter-execute", "engine", "knitr", "filters", "lang", "citation",
    "image", "image-alt", "author", "subtitle", "abstract", "keywords", "freeze", "comments", "listing",
)  # fmt: skip
_SHORTCODE = re.compile(r"\{\{<\s*([\w-]+)((?:\s+[^>]*?)?)\s*>\}\}")
_EMBEDS = ("youtube.com/embed/", "player.vimeo.com/video/", "youtube-nocookie.com/embed/")
# Quarto reads these dates too (it parses with dayjs): US month-first numbers, and month names.
_US_DATE = re.compile(r"^(\d{1,2})[/-](\d{1,2})[/-](\d{4})$")
_MONTHS = {month: n for n, month in enumerate(calendar.month_name) if month} | {
    month: n for n, month in enumerate(calendar.month_abbr) if month
}
_NAMED_DATE = re.compile(r"^(?:([A-Za-z]+)\.? (\d{1,2}),? (\d{4})|(\d{1,2}) ([A-Za-z]+)\.? (\d{4}))$")
# Any other engine: knitr has dozens (stan, Rcpp, sql, bash…), and Quarto adds ojs, mermaid and dot.
_CHUNK = re.compile(r"^(\s*)(`{3,})\{(?!python\b)([A-Za-z][A-Za-z0-9_]*)\b([^}]*)\}\s*$")
# knitr's header form, ```{python setup, echo=FALSE}: a label and options after the language.
_PYTHON_CHUNK = re.compile(r"^(\s*)(`{3,})\{python([\s,][^}]*)\}\s*$")
# knitr's inline code, `r format(Sys.Date())` (or Quarto's `{r} …`, `{python} …`), as a whole value.
_INLINE_CODE = re.compile(r"`(?:\{\w+\}|r)\s[^`]*`")
_HIDDEN_CHUNK = re.compile(r"\binclude\s*=\s*(FALSE|F)\b")


def read(path: Path, rel: Path) -> Source:
    source = markdown.read(path, rel)
    meta, warnings = translate_front_matter(source.meta, rel, source.text)
    body, chunk_warnings = _foreign_chunks(source.body, rel, source.body_line, meta)
    body, option_warnings = _python_chunks(body, rel, source.body_line)
    body, attribute_warnings = _code_attributes(body, rel, source.body_line)
    body = balance_fences(body)
    root = path.parents[len(rel.parts) - 1] if not rel.is_absolute() and rel.parts else path.parent
    body, shortcode_warnings = _expand_shortcodes(body, (path.parent, root), rel, source.body_line, source.meta)
    warnings = [*warnings, *chunk_warnings, *option_warnings, *attribute_warnings, *shortcode_warnings]
    return Source(meta, body, source.body_line, source.text, (*source.warnings, *warnings))


def translate_front_matter(meta: dict[str, Any], rel: Path, text: str) -> tuple[dict[str, Any], list[ContentWarning]]:
    """Quarto's front matter in our keys; what has no meaning here is dropped."""
    ours: dict[str, Any] = {}
    warnings: list[ContentWarning] = []
    for key, value in meta.items():
        if key in QUARTO_ONLY:
            continue
        if key == "execute":
            ours.update(_execute(value, rel, text))
            continue
        if key in ("reference-location", "citation-location"):  # Quarto's footnotes (or citations) in the margin
            if key == "reference-location":
                ours["footnotes"] = "margin" if value == "margin" else "bottom"
            continue
        if isinstance(value, str) and _INLINE_CODE.fullmatch(value.strip()):
            warnings.append(
                ContentWarning(
                    rel,
                    markdown.line_of(text, key),
                    f"'{key}' is inline code ({value.strip()}), which Quarto's engine evaluates and site_gen "
                    "does not; left out\n  hint: write the value itself",
                )
            )
            continue
        if key in ("date", "date-modified") and isinstance(value, str):
            value = iso_date(value)
        if key == "draft" and value == "unlinked":
            value = True
        target = RENAMED.get(key, key)
        if target in ours and key != target:  # `tags:` and `categories:` both given: keep ours
            continue
        ours[target] = value
    return ours, warnings


def iso_date(text: str) -> str:
    """``8-1-2024``, ``08/01/2024``, ``August 1, 2024``, ``1 Aug 2024`` as ``2024-08-01``, as Quarto reads them.

    Anything else is returned unchanged, for the usual date check (and its error) later.
    """
    text = text.strip()
    if us := _US_DATE.match(text):
        month, day, year = (int(part) for part in us.groups())
    elif named := _NAMED_DATE.match(text):
        name, day_text, year_text = (
            named.group(1, 2, 3) if named.group(1) else (named.group(5), named.group(4), named.group(6))
        )
        month = _MONTHS.get(name.capitalize(), 0)
        day, year = int(day_text), int(year_text)
    else:
        return text
    if not (1 <= month <= 12 and 1 <= day <= calendar.monthrange(year, month)[1]):
        return text
    return f"{year:04d}-{month:02d}-{day:02d}"


def _execute(value: Any, rel: Path, text: str) -> dict[str, Any]:
    """``execute: false`` as ours; Quarto's ``execute: {eval: false}`` means the same."""
    if isinstance(value, bool):
        return {"execute": value}
    if isinstance(value, dict):
        enabled = value.get("enabled", value.get("eval", True))
        if isinstance(enabled, bool):
            return {"execute": enabled}
    raise ContentError(
        rel,
        markdown.line_of(text, "execute"),
        "'execute' must be true/false or a mapping with `eval: true|false`",
        "write `execute: false` to show code without running it",
    )


# Languages whose chunks run when a Jupyter kernel for them is installed, and how to get one.
KERNEL_LANGUAGES = {
    "r": ("R", "install IRkernel (Debian/Ubuntu: apt install r-cran-irkernel; or in R: "
          "install.packages('IRkernel'); IRkernel::installspec()), or set `execute: false` to silence this"),
    "julia": ("Julia", "install IJulia (in Julia: using Pkg; Pkg.add(\"IJulia\")), "
              "or set `execute: false` to silence this"),
}  # fmt: skip


def installed_kernels(language: str) -> list[str]:
    """The names of the installed Jupyter kernels for ``language`` (as their kernelspecs say)."""
    from jupyter_client.kernelspec import KernelSpecManager  # only posts with {r}/{julia} chunks pay for it

    specs = KernelSpecManager().get_all_specs()
    return [name for name, found in sorted(specs.items()) if found["spec"].get("language", "").lower() == language]


def _foreign_chunks(body: str, rel: Path, first_line: int, meta: dict[str, Any]) -> tuple[str, list[ContentWarning]]:
    """Chunks in languages other than Python: run in their own kernel where one is installed, else shown.

    Like Quarto, a post runs in one kernel: its ``{r}`` chunks run in an R kernel when the post has
    no chunks of another language to run (and no ``jupyter:`` of its own); they become ``{python}``
    cells, our executable fence, with ``jupyter:`` naming that kernel. Otherwise they are shown as
    code of their language, with one warning per language and post. A chunk with knitr's
    ``include=FALSE`` (a setup chunk) is left out, as Quarto leaves it out of the page.
    """
    lines = body.split("\n")
    chunks: dict[str, list[int]] = {}
    index = 0
    while index < len(lines):
        found = _CHUNK.match(lines[index])
        if found and _HIDDEN_CHUNK.search(found.group(4)):
            end = _fence_end(lines, index, found.group(2))
            lines[index : end + 1] = [""] * (min(end, len(lines) - 1) + 1 - index)
            index = end + 1
            continue
        if found:
            chunks.setdefault(found.group(3), []).append(index)
        index += 1
    has_python = any(_is_python_chunk(line) for line in lines)
    runs = [lang for lang in chunks if lang in KERNEL_LANGUAGES]
    chosen = meta.get("jupyter")  # the post's own kernel, if it names one
    kernels = installed_kernels(runs[0]) if len(runs) == 1 and not has_python else []
    alone = bool(runs) and not has_python and len(runs) == 1 and (chosen is None or chosen in kernels)
    kernel = (chosen or kernels[0]) if alone and kernels else None
    warnings = []
    for lang, where in chunks.items():
        fence = "{python}" if kernel is not None and lang in runs else lang
        for index in where:
            found = _CHUNK.match(lines[index])
            assert found is not None
            lines[index] = f"{found.group(1)}{found.group(2)}{fence}"
        if fence == "{python}" or meta.get("execute") is False:
            continue  # it runs, or nothing in the post runs anyway
        count = f"{len(where)} {{{lang}}} chunk{'s' if len(where) > 1 else ''}"
        if lang not in KERNEL_LANGUAGES:
            message = f"{count} shown as code, not run: site_gen runs Python, R and Julia"
        elif alone:
            name, hint = KERNEL_LANGUAGES[lang]
            message = f"no {name} kernel installed; {count} shown, not run\n  hint: {hint}"
        else:
            other = f"the kernel {chosen!r} (jupyter:)" if chosen is not None else "chunks of another language"
            message = (
                f"{count} shown, not run: a post runs in one kernel, and this one has {other}\n"
                "  hint: split the post in two, or set `execute: false` to show all of it as code"
            )
        warnings.append(ContentWarning(rel, first_line + where[0], message))
    if kernel is not None:
        meta["jupyter"] = kernel
    return "\n".join(lines), warnings


def _is_python_chunk(line: str) -> bool:
    return line.strip() == "```{python}" or _PYTHON_CHUNK.match(line) is not None


def _fence_end(lines: list[str], start: int, ticks: str) -> int:
    """The index of the line closing the fence opened at ``start`` (the last line if none does)."""
    for index in range(start + 1, len(lines)):
        if lines[index].strip().startswith(ticks) and not lines[index].strip().strip("`"):
            return index
    return len(lines) - 1


def _python_chunks(body: str, rel: Path, first_line: int) -> tuple[str, list[ContentWarning]]:
    """Python chunks as Quarto accepts them: a knitr-style header, and any of Quarto's ``#|`` options.

    ``{python label, echo=FALSE}`` loses what follows the language (a label names no file here).
    Options site_gen has no use for (``fig-width``, ``code-fold``…) are blanked, line for line,
    with one warning per chunk; a ``fig-cap`` given as a list (one caption per subfigure) is joined.
    """
    lines = body.split("\n")
    warnings: list[ContentWarning] = []
    for index, line in enumerate(lines):
        header = _PYTHON_CHUNK.match(line)
        if header:
            lines[index] = f"{header.group(1)}{header.group(2)}{{python}}"
        if not (header or line.strip() == "```{python}"):
            continue
        ignored = _quarto_options(lines, index + 1)
        if ignored:
            names = ", ".join(ignored)
            warnings.append(ContentWarning(rel, first_line + index, f"Quarto cell options ignored: {names}"))
    return "\n".join(lines), warnings


_ATTRIBUTE_FENCE = re.compile(r"^(\s*)(`{3,}|~{3,})(\{\..*\})\s*$")


def _code_attributes(body: str, rel: Path, first_line: int) -> tuple[str, list[ContentWarning]]:
    """Pandoc code attributes Quarto (or an extension) reads but site_gen does not
    (```` ```{.python include="x.py" code-line-numbers="2"} ````) are dropped, with a warning."""
    lines = body.split("\n")
    warnings: list[ContentWarning] = []
    for index, line in enumerate(lines):
        found = _ATTRIBUTE_FENCE.match(line)
        attributes = parse_attributes(found.group(3)) if found else None
        if not found or attributes is None:
            continue
        unknown = [key for key in attributes.values if key not in VALID_KEYS]
        if not unknown:
            continue
        kept = [f".{cls}" for cls in attributes.classes] + ([f"#{attributes.id}"] if attributes.id else [])
        kept += [f'{key}="{value}"' for key, value in attributes.values.items() if key in VALID_KEYS]
        lines[index] = f"{found.group(1)}{found.group(2)}{{{' '.join(kept)}}}"
        names = ", ".join(unknown)
        warnings.append(ContentWarning(rel, first_line + index, f"code attributes ignored: {names}"))
    return "\n".join(lines), warnings


def _quarto_options(lines: list[str], start: int) -> list[str]:
    """Blank the ``#|`` options from ``start`` that site_gen does not know; returns their names.

    ``echo: fenced`` (the code shown with its chunk header) is shown as ``echo: true``: the code, without it.
    """
    end = start
    while end < len(lines) and lines[end].lstrip().startswith(OPTION_PREFIX):
        end += 1
    ignored: list[str] = []
    index = start
    while index < end:
        text = lines[index].lstrip()[len(OPTION_PREFIX) :]
        following = index + 1  # continuation lines: indented more than the key, or list items
        while following < end and lines[following].lstrip()[len(OPTION_PREFIX) :][:2].strip() in ("", "-"):
            following += 1
        key, _, value = text.partition(":")
        key = key.strip()
        if key == "echo" and value.strip().strip("\"'") == "fenced":  # Quarto: the code with its ```{r} fence
            lines[index] = f"{OPTION_PREFIX} echo: true"
        elif key and key not in VALID_OPTIONS:
            ignored.append(key)
            lines[index:following] = [OPTION_PREFIX] * (following - index)
        elif key in ("fig-cap", "fig-alt") and not value.strip() and following > index + 1:
            items = [
                lines[at].lstrip()[len(OPTION_PREFIX) :].strip().removeprefix("-").strip()
                for at in range(index + 1, following)
            ]
            joined = " ".join(item.strip("\"'") for item in items if item)
            lines[index] = f"{OPTION_PREFIX} {key}: {_yaml_string(joined)}"
            lines[index + 1 : following] = [OPTION_PREFIX] * (following - index - 1)
        index = following
    return ignored


def _yaml_string(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def _expand_shortcodes(
    body: str, folders: tuple[Path, Path], rel: Path, first_line: int, meta: dict[str, Any]
) -> tuple[str, list[ContentWarning]]:
    """Quarto's ``{{< include >}}``, ``{{< video >}}``, ``{{< meta key >}}`` and friends; an unknown one is
    removed with a warning.

    An include is pasted in place, so lines after it no longer match the file's: the
    warning for an error there says so.
    """
    warnings: list[ContentWarning] = []
    lines = body.split("\n")
    for index, line in enumerate(lines):
        if "{{<" not in line:
            continue

        def expand(found: re.Match[str], index: int = index) -> str:
            name, args = found.group(1), found.group(2).strip()
            replacement = _shortcode(name, args, folders, meta)
            if replacement is None:
                warnings.append(ContentWarning(rel, first_line + index, f"Quarto shortcode {{{{< {name} >}}}} removed"))
                return ""
            return replacement

        lines[index] = _SHORTCODE.sub(expand, line)
    return "\n".join(lines), warnings


def _shortcode(name: str, args: str, folders: tuple[Path, Path], meta: dict[str, Any]) -> str | None:
    """One shortcode's text; ``folders`` are the post's and the site's (where Quarto's ``/x`` paths start)."""
    words = args.split()
    first = words[0].strip("\"'") if words else ""
    if (
        name in ("meta", "var") and first
    ):  # a front matter value (``params.images_path``); var's _variables.yml: none here
        value: Any = meta
        for part in first.split("."):
            value = value.get(part) if isinstance(value, dict) else None
        return None if value is None or isinstance(value, (dict, list)) or name == "var" else str(value)
    if name == "include" and first:
        folder, root = folders
        included = (root / first.lstrip("/") if first.startswith("/") else folder / first).resolve()
        if included.is_relative_to(root.resolve()) and included.is_file():
            return included.read_text(encoding="utf-8").rstrip("\n")
        return None
    if name == "video" and first:
        src = escape(first, quote=True)
        if any(embed in first for embed in _EMBEDS):
            return (
                f'<div class="video"><iframe src="{src}" title="Video" loading="lazy" '
                'allow="fullscreen; picture-in-picture" allowfullscreen></iframe></div>'
            )
        return f'<div class="video"><video controls preload="metadata" src="{src}"></video></div>'
    if name == "pagebreak":
        return ""
    if name == "kbd" and words:
        return "<kbd>" + escape(" ".join(words)) + "</kbd>"
    return None
