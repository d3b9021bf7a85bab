"""What the page needs to know about a cell's image before a browser loads it.

- Its size in CSS pixels, for ``width`` and ``height`` on the ``<img>``: the
  browser keeps the room from the start, so the caption under it does not jump.
- Whether it is a plot drawn on a white (or transparent) page, like matplotlib's
  (the ``cell-plot`` class; its dark twin comes from the kernel, ``figures``).
- For a plot, the narrowest it may be drawn with its smallest text still 12 px.

Read from the file's own header; nothing is decoded beyond the first pixel.
"""

from __future__ import annotations

import re
import struct
import zlib

from .figures import TEXT_PT_KEY

_SVG_LENGTH_RE = r"""\s{name}\s*=\s*["']\s*([0-9.]+)\s*(px|pt|in|cm|mm|)\s*["']"""
_VIEWBOX_RE = re.compile(r"""\sviewBox\s*=\s*["']\s*[-0-9.]+[\s,]+[-0-9.]+[\s,]+([0-9.]+)[\s,]+([0-9.]+)""")
_SVG_ROOT_RE = re.compile(r"<svg\b[^>]*>", re.DOTALL)
_CSS_PX = {"": 1.0, "px": 1.0, "pt": 4 / 3, "in": 96.0, "cm": 96 / 2.54, "mm": 96 / 25.4}


def image_size(content: bytes, ext: str) -> tuple[int, int] | None:
    """(width, height) in CSS pixels, or None if the header does not say."""
    try:
        if ext == "png" and content[:8] == b"\x89PNG\r\n\x1a\n" and content[12:16] == b"IHDR":
            width, height = struct.unpack(">II", content[16:24])
            return _positive(width, height)
        if ext == "gif" and content[:4] == b"GIF8":
            width, height = struct.unpack("<HH", content[6:10])
            return _positive(width, height)
        if ext == "jpg":
            return _jpeg_size(content)
        if ext == "svg":
            return _svg_size(content.decode("utf-8", "replace"))
    except struct.error:
        return None
    return None


def _positive(width: float, height: float) -> tuple[int, int] | None:
    w, h = round(width), round(height)
    return (w, h) if w > 0 and h > 0 else None


def _jpeg_size(content: bytes) -> tuple[int, int] | None:
    """Walk the JPEG segments to the first start-of-frame, which holds the size."""
    pos = 2
    while pos + 9 < len(content) and content[pos] == 0xFF:
        marker = content[pos + 1]
        if marker in (0xD8, 0x01) or 0xD0 <= marker <= 0xD7:  # markers without a length
            pos += 2
            continue
        (length,) = struct.unpack(">H", content[pos + 2 : pos + 4])
        if 0xC0 <= marker <= 0xCF and marker not in (0xC4, 0xC8, 0xCC):
            height, width = struct.unpack(">HH", content[pos + 5 : pos + 9])
            return _positive(width, height)
        pos += 2 + length
    return None


def _svg_size(text: str) -> tuple[int, int] | None:
    root = _SVG_ROOT_RE.search(text)
    if root is None:
        return None
    tag = root.group(0)
    sizes = [re.search(_SVG_LENGTH_RE.format(name=name), tag) for name in ("width", "height")]
    if sizes[0] and sizes[1]:
        width, height = (float(m.group(1)) * _CSS_PX[m.group(2)] for m in sizes if m)
        return _positive(width, height)
    box = _VIEWBOX_RE.search(tag)
    return _positive(float(box.group(1)), float(box.group(2))) if box else None


# matplotlib's default text size (tick labels, titles' smallest), and the smallest the page may show it.
PLOT_TEXT_PT = 10
MIN_TEXT_PX = 12


def min_width(content: bytes, ext: str) -> int | None:
    """The narrowest a plot may be shown (CSS px) before its smallest text falls under 12 px.

    Text of ``pt`` points is ``pt * dpi / 72`` image pixels high, whatever size the page
    shows the image at, so the bound is the image's pixel width times
    ``MIN_TEXT_PX * 72 / (pt * dpi)``. A PNG says its dpi (``pHYs``), and a figure's dark
    render (``cells.figures``) its smallest font size (else matplotlib's default,
    ``PLOT_TEXT_PT``); an SVG's points are 72 to the inch. None for anything else
    (photographs have no text to keep).
    """
    if ext == "svg" and b"Matplotlib" in content[:2000]:
        size = image_size(content, ext)
        return round(size[0] * 0.75 * MIN_TEXT_PX / PLOT_TEXT_PT) if size else None  # CSS px -> pt
    if ext != "png" or content[:8] != b"\x89PNG\r\n\x1a\n":
        return None
    width = struct.unpack(">I", content[16:20])[0]
    dpi, text_pt = png_dpi_and_text_size(content)
    return round(width * MIN_TEXT_PX * 72 / ((text_pt or PLOT_TEXT_PT) * dpi)) if dpi else None


def png_dpi_and_text_size(content: bytes) -> tuple[float | None, float | None]:
    """The PNG's dpi (``pHYs``) and the smallest font size its ``tEXt`` says (``figures.TEXT_PT_KEY``)."""
    dpi = text_pt = None
    key = TEXT_PT_KEY.encode("latin-1") + b"\0"
    pos = 8
    while pos + 8 <= len(content):
        length, kind = struct.unpack(">I4s", content[pos : pos + 8])
        body = content[pos + 8 : pos + 8 + length]
        if kind == b"pHYs" and length == 9:
            per_metre, _, unit = struct.unpack(">IIB", body)
            dpi = per_metre * 0.0254 if unit == 1 and per_metre else None
        elif kind == b"tEXt" and body.startswith(key):
            try:
                text_pt = float(body[len(key) :].decode("latin-1"))
            except ValueError:
                text_pt = None
            text_pt = text_pt if text_pt is not None and 1 <= text_pt <= 200 else None
        elif kind in (b"IDAT", b"IEND"):
            break  # both come before the image data
        pos += 12 + length
    return dpi, text_pt


def on_white(content: bytes, ext: str) -> bool:
    """Is this a drawing on a white or transparent page (its top-left pixel), like a matplotlib figure?

    PNG only, where plots come from; an SVG counts when matplotlib drew it.
    """
    if ext == "svg":
        return b"Matplotlib" in content[:2000]
    if ext != "png":
        return False
    pixel = _png_first_pixel(content)
    if pixel is None:
        return False
    *rgb, alpha = pixel
    return alpha < 16 or min(rgb) >= 245


def _png_first_pixel(content: bytes) -> tuple[int, int, int, int] | None:
    """RGBA of pixel (0, 0) of an 8-bit PNG: every filter leaves a first row's first pixel as stored."""
    if content[:8] != b"\x89PNG\r\n\x1a\n":
        return None
    pos, idat = 8, b""
    depth = colour = None
    while pos + 8 <= len(content):
        length, kind = struct.unpack(">I4s", content[pos : pos + 8])
        body = content[pos + 8 : pos + 8 + length]
        if kind == b"IHDR":
            depth, colour = body[8], body[9]
        elif kind == b"IDAT":
            idat += body
            if len(idat) > 64:
                break
        elif kind == b"IEND":
            break
        pos += 12 + length
    if depth != 8 or colour not in (0, 2, 4, 6):
        return None  # palette or 16-bit: not what matplotlib writes
    try:
        row = zlib.decompressobj().decompress(idat, 8)
    except zlib.error:
        return None
    channels = {0: 1, 2: 3, 4: 2, 6: 4}[colour]
    if len(row) < 1 + channels:
        return None
    values = list(row[1 : 1 + channels])
    if colour in (0, 4):  # grey, grey + alpha
        values = [values[0]] * 3 + values[1:]
    return (values[0], values[1], values[2], values[3] if len(values) == 4 else 255)
