"""Accessibility fixes to a rendered post body, made once, before the page is laid out.

Two pieces of markup that other stages write need something for keyboards and
screen readers (axe-core's ``label`` and ``scrollable-region-focusable`` rules):

- a task-list checkbox (mdit-py-plugins writes ``<input class="task-list-item-checkbox" …>``)
  has no label: it gets ``aria-label`` with its item's text, what a ``<label>`` around the
  item would give it;
- display math that is wider than the column scrolls sideways, and a keyboard can scroll
  only what it can focus: ``<div class="math-display">`` gets ``tabindex="0"`` (which
  formulas overflow depends on the reader's screen, so every one does).

Both patterns are the exact markup of those stages, not HTML in general; the
natural home of each is the stage itself (``tasklists_plugin(label=True)`` and the
math render rule), and this module goes away when they write it.
"""

from __future__ import annotations

import re
from html import escape, unescape

_CHECKBOX_RE = re.compile(r'<input class="task-list-item-checkbox"(?![^>]*aria-label)')
# The item's own text ends where the item, its paragraph or a nested list does.
_ITEM_END_RE = re.compile(r"</li>|</p>|<ul|<ol|<li")
_TAG_RE = re.compile(r"<annotation\b.*?</annotation>|<[^>]*>", re.DOTALL)  # math reads as its glyphs
_MATH_DISPLAY_RE = re.compile(r'<div class="((?:[\w-]+ )*math-display(?: [\w-]+)*)"(?![^>]*tabindex)')
LABEL_LENGTH = 120


def improve(html: str) -> str:
    """``html`` with labelled task-list checkboxes and keyboard-scrollable display math."""
    if "task-list-item-checkbox" in html:
        html = _CHECKBOX_RE.sub(lambda m: _labelled(m, html), html)
    if "math-display" in html:
        html = _MATH_DISPLAY_RE.sub(r'<div class="\1" tabindex="0"', html)
    return html


def _labelled(match: re.Match[str], html: str) -> str:
    rest = html[html.index(">", match.end()) + 1 :]
    end = _ITEM_END_RE.search(rest)
    text = " ".join(unescape(_TAG_RE.sub("", rest[: end.start() if end else None])).split())
    if len(text) > LABEL_LENGTH:
        text = text[: LABEL_LENGTH - 1].rstrip() + "…"
    return f'{match.group(0)} aria-label="{escape(text or "task")}"'
