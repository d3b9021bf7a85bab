"""Pandoc's ``references:`` front matter (CSL YAML) as the ``.bib`` file our citations read.

A Pandoc post can carry its bibliography in its own header instead of a file
(Pelican's pandoc reader, Hugo or R Markdown through Pandoc). Citations here
come from a ``.bib`` beside the post, so the entries are written as BibTeX to
``references.bib`` in the post's bundle, and ``bibliography:`` names it.
"""

from __future__ import annotations

from typing import Any

from .context import PostContext

BIB_NAME = "references.bib"
_TYPES = {"article-journal": "article", "article": "article", "book": "book", "chapter": "incollection",
          "paper-conference": "inproceedings", "thesis": "phdthesis", "report": "techreport"}  # fmt: skip
_FIELDS = {"title": "title", "url": "url", "doi": "doi", "publisher": "publisher", "volume": "volume",
           "issue": "number", "page": "pages", "note": "note"}  # fmt: skip


def to_bibtex(references: Any, ctx: PostContext) -> str | None:
    """The entries of a ``references:`` list as BibTeX; None when there are none."""
    if not isinstance(references, list):
        return None
    entries = []
    for reference in references:
        fields = {str(k).lower(): v for k, v in reference.items()} if isinstance(reference, dict) else {}
        if not str(fields.get("id") or "").strip():
            ctx.warn(1, "a 'references' entry without an id was not imported")
            continue
        entries.append(_entry(fields))
    return "\n".join(entries) if entries else None


def _entry(fields: dict[str, Any]) -> str:
    kind = _TYPES.get(str(fields.get("type") or ""), "misc")
    lines = [f"@{kind}{{{str(fields['id']).strip()},"]
    for people in ("author", "editor"):
        names = _names(fields.get(people))
        if names:
            lines.append(f"  {people} = {_braced(names)},")
    for csl, bib in _FIELDS.items():
        if fields.get(csl) not in (None, ""):
            lines.append(f"  {bib} = {_braced(fields[csl])},")
    if fields.get("container-title"):
        lines.append(f"  {'journal' if kind == 'article' else 'booktitle'} = {_braced(fields['container-title'])},")
    year = _year(fields.get("issued"))
    if year:
        lines.append(f"  year = {{{year}}},")
    return "\n".join(lines) + "\n}\n"


def _names(value: Any) -> str:
    """CSL names (``family``/``given`` or ``literal``) as BibTeX's ``Family, Given and …``."""
    people = value if isinstance(value, list) else [value] if value else []
    names = []
    for person in people:
        if isinstance(person, dict):
            parts = {str(k).lower(): str(v) for k, v in person.items()}
            if parts.get("literal"):
                names.append("{" + parts["literal"] + "}")
            elif parts.get("family"):
                names.append(parts["family"] + (", " + parts["given"] if parts.get("given") else ""))
        elif str(person).strip():
            names.append(str(person).strip())
    return " and ".join(names)


def _year(issued: Any) -> str:
    """``issued`` as CSL YAML writes it: ``{date-parts: [[2012, 1]]}``, ``{year: 2012}`` or ``2012-01-08``."""
    if isinstance(issued, dict):
        parts = issued.get("date-parts")
        if isinstance(parts, list) and parts and isinstance(parts[0], list) and parts[0]:
            return str(parts[0][0])
        return str(issued.get("year") or "")
    if isinstance(issued, list) and issued:
        return _year(issued[0])
    text = str(issued or "").strip()
    return text[:4] if text[:4].isdigit() else ""


def _braced(value: Any) -> str:
    """A BibTeX value in braces; unbalanced braces in it are dropped, as BibTeX could not read them."""
    text = " ".join(str(value).split())
    if text.count("{") != text.count("}"):
        text = text.replace("{", "").replace("}", "")
    return "{" + text + "}"
