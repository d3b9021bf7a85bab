"""TeX macros the old site defined in its MathJax or KaTeX configuration.

Posts lean on them (``\\R``, ``\\norm{x}``) and would fail to build without
them, so the importer looks for ``Macros: {…}`` (MathJax 2), ``macros: {…}``
(MathJax 3, KaTeX) in the site's layouts, includes and scripts, and reads a
``--macros`` file (TOML, ``name = "definition"``) given on the command line.
Anything more dynamic than a literal object is not evaluated: the build then
names the undefined command, and the author adds it to ``site.toml``.
"""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

from ..errors import ContentError

_START = re.compile(r"""\b["']?[Mm]acros["']?\s*:\s*\{""")
_ENTRY = re.compile(
    r"""["']?\\{0,2}([A-Za-z]+)["']?\s*:\s*(?:\[\s*)?(["'`])((?:\\.|(?!\2).)*)\2(?:\s*,\s*(\d+))?""", re.S
)
_SCANNED = ("*.html", "*.js", "*.liquid", "*.yml", "*.yaml")


def find_mathjax_macros(src: Path) -> dict[str, str]:
    """Macro definitions from literal MathJax/KaTeX configuration objects under SRC."""
    found: dict[str, str] = {}
    for folder in ("_includes", "_layouts", "assets", "layouts", "static", "theme", "themes", "js"):
        base = src / folder
        if not base.is_dir():
            continue
        for pattern in _SCANNED:
            for path in sorted(base.rglob(pattern)):
                if path.stat().st_size < 2_000_000:
                    found |= parse_config(path.read_text(encoding="utf-8", errors="replace"))
    return found


def parse_config(text: str) -> dict[str, str]:
    found: dict[str, str] = {}
    for start in _START.finditer(text):
        body = _braced(text, start.end() - 1)
        for entry in _ENTRY.finditer(body):
            definition = re.sub(r"\\(.)", r"\1", entry.group(3))  # JavaScript string escapes: "\\R" -> "\R"
            found[entry.group(1)] = definition
    return found


def _braced(text: str, open_at: int) -> str:
    depth = 0
    for index in range(open_at, min(len(text), open_at + 50_000)):
        if text[index] == "{":
            depth += 1
        elif text[index] == "}":
            depth -= 1
            if depth == 0:
                return text[open_at + 1 : index]
    return ""


def read_macros_file(path: Path) -> dict[str, str]:
    """``--macros FILE``: TOML, either top-level ``name = "…"`` or under ``[macros]`` like site.toml."""
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError) as exc:
        raise ContentError(path, None, f"cannot read the macros file: {exc}") from None
    except tomllib.TOMLDecodeError as exc:
        raise ContentError(path, None, f"invalid TOML: {exc}", 'write one macro a line: R = "\\\\mathbb{R}"') from None
    table = data.get("macros", data)
    if not isinstance(table, dict) or not all(isinstance(v, str) for v in table.values()):
        raise ContentError(path, None, "macros must be strings", 'write one macro a line: R = "\\\\mathbb{R}"')
    return {str(k).lstrip("\\"): v for k, v in table.items()}
