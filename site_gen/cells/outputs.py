"""Cell outputs to HTML that cannot break the page.

Each output is shown in the richest form the page can hold safely:

=====================  ==================================================
``image/svg+xml``,     an ``<img>`` of the file written next to the page
``image/png``, …       (never megabytes of base64 inline)
``text/html``          through an allow-list sanitiser (see ``sanitize``),
                       so an unclosed tag closes inside its block and no
                       script runs; with a script, a plainer form wins
``text/markdown``      CommonMark, raw HTML off, then the same sanitiser
``text/latex``         MathML through our math, else as text
``text/plain``         preformatted text
streams, tracebacks    preformatted, ANSI colours as classes
=====================  ==================================================
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from html import escape

from markdown_it import MarkdownIt

from .figures import DARK_PNG
from .model import CACHED, FROZEN, IMAGE_TYPES, NOT_RUN, STALE, STORED, CellResult, Output
from .options import CellOptions

# Richest first. JSON and widgets are not shown; text/plain always exists.
PREFERENCE = ("image/svg+xml", "image/png", "image/jpeg", "image/gif", "text/html", "text/markdown", "text/latex")
_SGR_RE = re.compile(r"\x1b\[([0-9;]*)m")
_OTHER_ESCAPE_RE = re.compile(r"\x1b\[[0-9;?]*[A-Za-ln-z]|\x1b[()][A-Z0-9]")
_ANSI_COLOURS = ("black", "red", "green", "yellow", "blue", "magenta", "cyan", "white")
_MARKDOWN = MarkdownIt("commonmark", {"html": False}).enable("table")

# Text output scrolls sideways like code (never wrapped mid-line); a keyboard scrolls what it can focus.
SCROLLS = ' tabindex="0"'

Resolve = Callable[[str], str]  # a file name next to the page -> its URL
Latex = Callable[[str], str | None]  # TeX -> MathML, or None if it cannot be converted


def render_cell(code_html: str, result: CellResult | None, options: CellOptions, *, url: Resolve, latex: Latex) -> str:
    """A cell as the page shows it: its code (``echo``), a status line, its outputs (``output``)."""
    parts = ['<div class="cell"' + (f' id="{escape(options.label)}"' if options.label else "") + ">\n"]
    if options.echo:
        parts.append(code_html)
    if result is not None:
        parts.append(_status(result))
        if options.output and result.outputs:
            parts.append(
                render_outputs(
                    result.outputs,
                    url=url,
                    latex=latex,
                    fig_cap=options.fig_cap,
                    fig_alt=options.fig_alt,
                    unsafe_html=result.unsafe_html,
                )
            )
    parts.append("</div>\n")
    return "".join(parts)


def _status(result: CellResult) -> str:
    if result.status == FROZEN:
        return f'<p class="cell-status cell-frozen"><span class="cell-badge">frozen</span> {escape(result.note)}</p>\n'
    if result.status == STALE:  # a frozen output too, so it looks like one, with its own word on the badge
        return (
            '<p class="cell-status cell-frozen cell-stale">'
            f'<span class="cell-badge">stale</span> {escape(result.note)}</p>\n'
        )
    if result.status == NOT_RUN:
        return (
            f'<p class="cell-status cell-not-run"><span class="cell-badge">not run</span> {escape(result.note)}</p>\n'
        )
    if result.note:  # ran on a remote kernel: where, on what, when
        return f'<p class="cell-status cell-frozen"><span class="cell-badge">remote</span> {escape(result.note)}</p>\n'
    return ""


def status_class(result: CellResult) -> str:
    return {CACHED: "cached", STORED: "stored"}.get(result.status, result.status)


def render_outputs(
    outputs: Sequence[Output],
    *,
    url: Resolve,
    latex: Latex,
    fig_cap: str | None = None,
    fig_alt: str | None = None,
    unsafe_html: bool = False,
) -> str:
    """The outputs under a cell; ``unsafe_html`` (the site's ``unsafe_cell_html``) publishes HTML unsanitised.

    A figure's alt text is ``fig_alt``, else its caption, else a plain "Figure" (the
    execute stage warns): never the ``text/plain`` beside it, which for a plot is
    matplotlib's ``<Figure size 900x360 with 2 Axes>``.
    """
    alt = fig_alt or fig_cap or "Figure"
    blocks = [_one(output, url, latex, unsafe_html, alt) for output in outputs]
    html = "".join(block for block in blocks if block)
    if not html:
        return ""
    images = sum(1 for o in outputs for m in IMAGE_TYPES if m in (o.get("data") or {}))
    # A plot kept wide enough to read (its smallest text 12 px) may be wider than the column: its box
    # grows into the left margin where the screen has one (--plot-width, site.css) and scrolls
    # where it has none, so a keyboard must reach it too.
    kept_wide = [
        meta
        for o in outputs
        for m in IMAGE_TYPES
        if m in (o.get("data") or {}) and isinstance(meta := (o.get("metadata") or {}).get(m), dict)
        if _is_px(meta.get("min_width")) and _is_px(meta.get("width"))
    ]
    wide = ""
    if kept_wide:
        widest = max(round(meta["width"]) for meta in kept_wide)
        wide = f' tabindex="0" data-wide style="--plot-width: {widest}px"'
    if fig_cap and images:
        return f'<figure class="cell-output"{wide}>\n{html}<figcaption>{escape(fig_cap)}</figcaption>\n</figure>\n'
    return f'<div class="cell-output"{wide}>\n{html}</div>\n'


def _one(output: Output, url: Resolve, latex: Latex, unsafe_html: bool, alt: str) -> str:
    from .sanitize import rebalance_html, sanitize_html  # html5lib: ~15 ms of import, only for cell outputs

    clean = rebalance_html if unsafe_html else sanitize_html
    kind = output.get("output_type")
    if kind == "stream":
        name = "stderr" if output.get("name") == "stderr" else "stdout"
        text = _resolve_carriage_returns(str(output.get("text", "")))
        return f'<pre class="cell-stream cell-{name}"{SCROLLS}>{ansi_to_html(text)}</pre>\n' if text else ""
    if kind == "error":
        traceback = "\n".join(str(line) for line in output.get("traceback", []))
        text = traceback or f"{output.get('ename', '')}: {output.get('evalue', '')}"
        return f'<pre class="cell-error"{SCROLLS}>{ansi_to_html(text)}</pre>\n'
    data = output.get("data")
    if not isinstance(data, dict):
        return ""
    for mime in PREFERENCE:
        if mime not in data:
            continue
        value = str(data[mime])
        if mime in IMAGE_TYPES:
            metadata = output.get("metadata") or {}
            dark = str(data[DARK_PNG]) if DARK_PNG in data else None
            return _image(url(value), alt, metadata.get(mime), dark and url(dark), metadata.get(DARK_PNG))
        if mime == "text/html":
            if not unsafe_html and "<script" in value.lower() and any(m in data for m in ("text/plain", *IMAGE_TYPES)):
                continue  # an interactive widget or animation: the static form is better than a dead one
            return f'<div class="cell-html">{clean(value)}</div>\n'
        if mime == "text/markdown":
            return f'<div class="cell-markdown">{clean(_MARKDOWN.render(value))}</div>\n'
        if mime == "text/latex":
            mathml = latex(_latex_body(value))
            if mathml is not None:
                return f'<div class="cell-latex math-display">{mathml}</div>\n'
    text = _plain(data)
    return f'<pre class="cell-result"{SCROLLS}>{ansi_to_html(text)}</pre>\n' if text else ""


def _image(src: str, alt: str, meta: object, dark: str | None = None, dark_meta: object = None) -> str:
    """``<img>`` with its size, so the page keeps its room before it loads (no lazy loading:
    a figure is often on the first screen, and the size already keeps the layout still).

    With a ``dark`` render (``cells.figures``), a ``<picture>`` whose source the browser
    takes when the reader's system is dark: no script, no CSS filter over the plot.
    """
    meta = meta if isinstance(meta, dict) else {}
    dark_meta = dark_meta if isinstance(dark_meta, dict) else {}
    size = ""
    width, height = meta.get("width"), meta.get("height")
    if isinstance(width, (int, float)) and isinstance(height, (int, float)) and _is_px(width) and _is_px(height):
        size = f' width="{round(width)}" height="{round(height)}"'
    css = "cell-image cell-plot" if meta.get("on_white") else "cell-image"
    # The dark render knows the figure's smallest font size; the light one assumes matplotlib's default.
    narrowest = dark_meta.get("min_width") if dark and _is_px(dark_meta.get("min_width")) else meta.get("min_width")
    style = ""
    if isinstance(narrowest, (int, float)) and _is_px(narrowest):
        style = f' style="--min-width: {round(narrowest)}px"'
    img = f'<img class="{css}" src="{escape(src)}" alt="{escape(alt)}"{size}{style} decoding="async">'
    if dark is None:
        return img + "\n"
    srcset = escape(dark.replace(" ", "%20").replace(",", "%2C"))  # a srcset URL ends at a space or comma
    source = f'<source media="(prefers-color-scheme: dark)" srcset="{srcset}"{size}>'
    return f'<picture class="cell-picture">{source}{img}</picture>\n'


def _is_px(value: object) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and value > 0


def _latex_body(value: str) -> str:
    """``$$x$$``, ``$x$``, ``\\[x\\]`` -> ``x``: the delimiters are the display's business."""
    text = value.strip()
    for left, right in (("$$", "$$"), ("\\[", "\\]"), ("$", "$")):
        if text.startswith(left) and text.endswith(right) and len(text) > len(left) + len(right):
            return text[len(left) : -len(right)].strip()
    return text


def _plain(data: dict[str, object]) -> str:
    value = data.get("text/plain", "")
    return "".join(value) if isinstance(value, list) else str(value)


def _resolve_carriage_returns(text: str) -> str:
    """Progress bars rewrite their line with ``\\r``: keep what a terminal would show."""
    if "\r" not in text:
        return text
    return "\n".join(line.rsplit("\r", 1)[-1] if not line.endswith("\r") else line for line in text.split("\n"))


def ansi_to_html(text: str) -> str:
    """Escape ``text``; SGR colours and bold become ``<span class="ansi-…">``."""
    text = _OTHER_ESCAPE_RE.sub("", text)
    out: list[str] = []
    classes: dict[str, str] = {}  # "fg" / "bg" / "bold" -> class

    def emit(chunk: str) -> None:
        if not chunk:
            return
        escaped = escape(chunk, quote=False)
        out.append(f'<span class="{" ".join(sorted(classes.values()))}">{escaped}</span>' if classes else escaped)

    pos = 0
    for match in _SGR_RE.finditer(text):
        emit(text[pos : match.start()])
        pos = match.end()
        for code in [int(c) for c in match.group(1).split(";") if c.isdigit()] or [0]:
            if code == 0:
                classes.clear()
            elif code == 1:
                classes["bold"] = "ansi-bold"
            elif code == 22:
                classes.pop("bold", None)
            elif 30 <= code <= 37 or 90 <= code <= 97:
                classes["fg"] = f"ansi-{'bright-' if code >= 90 else ''}{_ANSI_COLOURS[code % 10]}"
            elif code == 39:
                classes.pop("fg", None)
            elif 40 <= code <= 47 or 100 <= code <= 107:
                classes["bg"] = f"ansi-bg-{_ANSI_COLOURS[code % 10]}"
            elif code == 49:
                classes.pop("bg", None)
    emit(text[pos:])
    return "".join(out)
