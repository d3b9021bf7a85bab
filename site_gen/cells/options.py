"""Cell options: the leading ``#|`` lines of an executable cell, as YAML.

Quarto's syntax, so a post ports both ways::

    ```{python}
    #| label: fig-loss
    #| fig-cap: "Loss by step"
    #| echo: false
    plt.plot(losses)
    ```

The same names work as post-wide defaults under ``execute:`` in the front
matter. An unknown option is an error naming it and its line, never ignored:
a typo like ``#| ecko: false`` would otherwise silently show the code.
"""

from __future__ import annotations

import difflib
from collections.abc import Mapping
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import yaml

from site_gen.errors import ContentError

OPTION_PREFIX = "#|"
DEFAULT_TIMEOUT = 120.0  # seconds per cell; a cell never runs "forever"
REQUIREMENTS = ("cuda",)


@dataclass(frozen=True)
class CellOptions:
    echo: bool = True  # show the code
    output: bool = True  # show what it printed and returned
    eval: bool = True  # run it at all
    error: bool = False  # an exception is shown instead of failing the build
    timeout: float | None = None  # seconds; None means the site default
    label: str | None = None  # names the cell's files and its frozen output
    fig_cap: str | None = None  # caption under the cell's figures
    fig_alt: str | None = None  # text for screen readers (default: the caption)
    requires: str | None = None  # "cuda": only run where a CUDA device is present
    freeze: bool | None = None  # keep the output in _freeze.json (default: for requires cells)

    @property
    def frozen(self) -> bool:
        return self.freeze if self.freeze is not None else self.requires is not None


_BOOLS = ("echo", "output", "eval", "error", "freeze")
_STRINGS = ("label", "fig-cap", "fig-alt")
VALID_OPTIONS = (*_BOOLS, "timeout", *_STRINGS, "requires")


def split_options(code: str) -> tuple[list[str], str]:
    """Leading ``#|`` lines (without the prefix) and the code after them."""
    lines = code.splitlines(keepends=True)
    count = 0
    while count < len(lines) and lines[count].lstrip().startswith(OPTION_PREFIX):
        count += 1
    options = [line.lstrip()[len(OPTION_PREFIX) :].rstrip("\n") for line in lines[:count]]
    return options, "".join(lines[count:])


def parse_cell_options(
    option_lines: list[str], *, path: Path, line: int, defaults: CellOptions | None = None
) -> CellOptions:
    """YAML from ``#|`` lines; ``line`` is the file line of the first of them."""
    if not option_lines:
        return defaults or CellOptions()
    try:
        values = yaml.safe_load("\n".join(option_lines)) or {}
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        at = line + (mark.line if mark is not None else 0)
        raise ContentError(
            path,
            at,
            f"invalid YAML in cell options: {getattr(exc, 'problem', None) or exc}",
            "write one `#| key: value` per line",
        ) from None
    if not isinstance(values, dict):
        raise ContentError(path, line, "cell options must be `#| key: value` lines", "e.g. `#| echo: false`")

    def line_of(key: str) -> int:
        for offset, text in enumerate(option_lines):
            if text.split(":", 1)[0].strip() == key:
                return line + offset
        return line

    return apply_options(values, defaults or CellOptions(), path=path, line_of=line_of)


def apply_options(values: Mapping[Any, Any], base: CellOptions, *, path: Path, line_of: Any) -> CellOptions:
    """Check each option's name and type, and lay them over ``base``."""
    changes: dict[str, Any] = {}
    for key, value in values.items():
        name = str(key)
        where = line_of(name)
        if name not in VALID_OPTIONS:
            near = difflib.get_close_matches(name, VALID_OPTIONS, n=1, cutoff=0.6)
            hint = f"did you mean '{near[0]}'? " if near else ""
            raise ContentError(
                path, where, f"unknown cell option '{name}'", hint + "valid options: " + ", ".join(VALID_OPTIONS)
            )
        if name in _BOOLS:
            if not isinstance(value, bool):
                raise ContentError(path, where, f"cell option '{name}' must be true or false, not {value!r}")
            changes[name] = value
        elif name == "timeout":
            if isinstance(value, bool) or not isinstance(value, (int, float)) or value <= 0:
                raise ContentError(path, where, f"cell option 'timeout' must be a number of seconds > 0, not {value!r}")
            changes["timeout"] = float(value)
        elif name in _STRINGS:
            if not isinstance(value, (str, int, float)) or isinstance(value, bool):
                raise ContentError(path, where, f"cell option '{name}' must be text, not {value!r}")
            changes[name.replace("-", "_")] = str(value)
        else:  # requires
            if value not in REQUIREMENTS:
                raise ContentError(
                    path,
                    where,
                    f"cell option 'requires' must be one of {', '.join(REQUIREMENTS)}, not {value!r}",
                    "write `#| requires: cuda` for a cell that needs a GPU",
                )
            changes["requires"] = str(value)
    return replace(base, **changes)
