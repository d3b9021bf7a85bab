"""Readers: one per input format, each turning a file into the same ``Source``.

Pelican's shape: after a reader, the pipeline cannot tell where a post came
from. Each reader returns front matter in *our* keys and Markdown in *our*
syntax, rewriting what its format spells differently (Quarto's
``categories``, MyST's ``{code-cell}``) line for line, so that an error later
still names the right line of the file the author wrote.

=============  ===============================================
``.md``        Markdown with YAML front matter (``markdown``);
               MyST Markdown is recognised by its syntax (``myst``)
``.markdown``  the same (Jekyll's other spelling)
``.qmd``       Quarto Markdown (``quarto``)
``.ipynb``     Jupyter notebooks (``notebook``; errors name the cell)
=============  ===============================================
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

from ..fenced_divs import balance_fences
from . import markdown, myst
from .source import Source

Reader = Callable[[Path, Path], Source]


def _markdown(path: Path, rel: Path) -> Source:
    source = markdown.read(path, rel)
    if myst.looks_like_myst(source):
        return myst.adapt(source, rel)
    return replace(source, body=balance_fences(source.body))  # Pandoc's ::: divs nest as in Pandoc


def _quarto(path: Path, rel: Path) -> Source:
    from . import quarto  # the Quarto and notebook readers are imported by the first file that needs them

    return quarto.read(path, rel)


def _notebook(path: Path, rel: Path) -> Source:
    from . import notebook

    return notebook.read(path, rel)


READERS: dict[str, Reader] = {".md": _markdown, ".markdown": _markdown, ".qmd": _quarto, ".ipynb": _notebook}


def reader_for(path: Path) -> Reader | None:
    """The reader for ``path``'s format, or None if site_gen does not read it."""
    return READERS.get(path.suffix.lower())


__all__ = ["READERS", "Reader", "Source", "reader_for"]
