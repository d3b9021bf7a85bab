"""A cap on how much text one cell publishes, like Jupyter's output limit.

A loop that prints a line per step, or a ``repr`` of a big array, can produce
megabytes: published whole, the page would take minutes to load (and the feed
with it). Past ``cell_output_limit`` characters the cell's text is cut, and a
last output says how much is not shown. Images are files next to the page, so
they cost the page nothing and are kept.
"""

from __future__ import annotations

from collections.abc import Sequence

from .model import Output

# What each output costs beyond its text (the markup around it), so that a
# million one-character prints hit the limit too.
_OVERHEAD = 64


def limit_outputs(outputs: Sequence[Output], limit: int) -> tuple[list[Output], int]:
    """``outputs`` with at most ``limit`` characters of text, and the number of characters cut."""
    kept: list[Output] = []
    left, cut = limit, 0
    for output in outputs:
        size = _size(output)
        if size <= left:
            kept.append(output)
            left -= size
            continue
        room, text = max(0, left - _OVERHEAD), size - _OVERHEAD
        shortened = _shorten(output, room)
        if shortened is not None:
            kept.append(shortened)
        cut += text - (min(text, room) if shortened is not None else 0)
        left = 0
    if cut:
        kept.append(marker(cut, limit))
    return kept, cut


def marker(cut: int, limit: int) -> Output:
    """The last output of a cut cell: what a reader sees instead of the rest."""
    text = f"[… {cut:,} more characters of output not shown: over this site's cell_output_limit of {limit:,}]\n"
    return {"output_type": "stream", "name": "stderr", "text": text}


def _texts(output: Output) -> list[str]:
    kind = output.get("output_type")
    if kind == "stream":
        return [str(output.get("text", ""))]
    if kind == "error":
        return ["\n".join(str(line) for line in output.get("traceback", []))]
    data = output.get("data")
    if not isinstance(data, dict):
        return []
    return [str(value) for mime, value in data.items() if mime.startswith("text/")]


def _size(output: Output) -> int:
    """The text of the form the page shows: at most the longest of the output's forms."""
    return _OVERHEAD + max((len(text) for text in _texts(output)), default=0)


def _shorten(output: Output, room: int) -> Output | None:
    """The first ``room`` characters of each text form; None if nothing of it is worth showing."""
    kind = output.get("output_type")
    if kind == "stream":
        return {**output, "text": str(output.get("text", ""))[:room]} if room else None
    if kind == "error":
        return {**output, "traceback": [_texts(output)[0][:room]]}  # an exception is always shown
    data = output.get("data")
    if not isinstance(data, dict):
        return None
    shortened = {mime: str(value)[:room] if mime.startswith("text/") else value for mime, value in data.items()}
    if not room and all(mime.startswith("text/") for mime in data):
        return None
    return {**output, "data": shortened}
