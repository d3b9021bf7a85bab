"""A dark render of every matplotlib figure a cell shows, made in the kernel.

A plot is drawn for a white page; on a dark one it would be a bright plate (or,
inverted by a CSS filter, a plot whose colours are no longer the ones the code
chose). So the kernel draws each figure twice. Before a post's first cell, the
kernel runs ``KERNEL_SETUP``: it registers, for ``matplotlib.figure.Figure``
(by name, so nothing is imported until the post imports matplotlib), a
mime-bundle formatter that adds ``DARK_PNG`` to the figure's display data next
to the inline backend's own ``image/png``. The page shows them in a ``<picture>``
switched by ``prefers-color-scheme`` (``outputs._image``).

The dark render is a copy of the figure (pickled and unpickled, so the light
render that follows is untouched) with its *neutral* colours turned over:
black ink becomes the dark page's text colour, white the page, greys fall in
between, the figure and axes backgrounds become transparent. Colours the code
chose (``tab:orange``, a colormap's image) stay as they are. A figure that cannot
be copied (a lambda in a formatter) gets no dark render, and the light one is shown.

Both renders are ordinary outputs: cached, frozen and written beside the page like
any image. The dark PNG also records the figure's smallest font size (``TEXT_PT_KEY``,
a PNG text chunk), which ``images.min_width`` reads to keep that text at 12 px.

The code under ``# --- kernel ---`` runs inside the kernel, which may be remote and
have no site_gen: it uses only the standard library, IPython and matplotlib.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from pathlib import Path
from typing import Any

DARK_PNG = "image/x-site-gen-dark+png"  # the dark render's key in a display's data (base64, like image/png)
TEXT_PT_KEY = "site-gen smallest text pt"


def _kernel_source() -> str:
    """This file from ``# --- kernel ---`` on; its annotations are never evaluated there."""
    source = Path(__file__).read_text(encoding="utf-8")
    return "from __future__ import annotations\n" + source[source.rindex("\n# --- kernel ---\n") :]


# Run once in each kernel, outside the post's history; it leaves no names behind.
KERNEL_SETUP = (
    "def _site_gen_setup():\n"
    f"    space = {{'__name__': '_site_gen_figures', 'DARK_PNG': {DARK_PNG!r}, 'TEXT_PT_KEY': {TEXT_PT_KEY!r}}}\n"
    f"    exec({_kernel_source()!r}, space)\n"
    "    space['install']()\n"
    "_site_gen_setup()\n"
    "del _site_gen_setup\n"
)
# In the cell cache key: a change to the dark render runs the cells again.
SETUP_DIGEST = hashlib.sha256(KERNEL_SETUP.encode("utf-8")).hexdigest()[:16]


# --- kernel ---
# The dark page's colours (site.css, prefers-color-scheme: dark): --bg and --fg.
DARK_BG = (0x16 / 255, 0x18 / 255, 0x1C / 255)
DARK_FG = (0xE4 / 255, 0xE2 / 255, 0xDC / 255)
NEUTRAL = 0.02  # a colour whose channels differ by less than this is a grey


def install() -> None:
    """Register the dark render for matplotlib figures, if this is an IPython kernel."""
    try:
        from IPython import get_ipython
    except ImportError:
        return
    shell = get_ipython()
    if shell is not None:
        formatter = shell.display_formatter.mimebundle_formatter
        formatter.for_type_by_name("matplotlib.figure", "Figure", dark_bundle)


def dark_bundle(figure: Any) -> tuple[dict[str, str], dict[str, Any]] | None:
    """``({DARK_PNG: base64 PNG}, {})``, or None when the figure cannot be drawn dark.

    A failure here must never fail the cell or change its light figure, so any
    exception means only that this figure has no dark render.
    """
    import base64
    import io
    import pickle

    try:
        # A copy of a pyplot figure would join pyplot's figures (and be shown too) unless
        # its manager is out of sight while it is pickled.
        manager = figure.canvas.manager
        figure.canvas.manager = None
        try:
            copy = pickle.loads(pickle.dumps(figure))
        finally:
            figure.canvas.manager = manager
        copy.draw_without_rendering()  # ticks and labels exist before they are recoloured
        smallest = _recolour(copy)
        buffer = io.BytesIO()
        copy.savefig(
            buffer,
            format="png",
            dpi=figure.dpi,  # what the inline backend uses, so both renders have the same size
            bbox_inches="tight",
            facecolor="none",
            edgecolor="none",
            metadata={TEXT_PT_KEY: f"{smallest:g}"} if smallest else None,
        )
    except Exception:  # any: see the docstring
        return None
    return {DARK_PNG: base64.b64encode(buffer.getvalue()).decode("ascii")}, {}


def _grey(rgba: Sequence[float]) -> bool:
    return max(rgba[:3]) - min(rgba[:3]) < NEUTRAL


def _dark(rgba: Sequence[float]) -> tuple[float, float, float, float]:
    """A grey turned over for the dark page (white to its background, black to its text); others as they are."""
    r, g, b, a = (float(c) for c in rgba)
    if not _grey((r, g, b)):
        return (r, g, b, a)
    ink = 1.0 - (r + g + b) / 3
    (r, g, b) = (bg + (fg - bg) * ink for bg, fg in zip(DARK_BG, DARK_FG, strict=True))
    return (r, g, b, a)


def _recolour(figure: Any) -> float | None:
    """Turn the figure's greys over in place; the smallest visible text size, in points."""
    import numpy as np
    from matplotlib.collections import Collection, LineCollection
    from matplotlib.colors import ListedColormap, to_rgba, to_rgba_array
    from matplotlib.lines import Line2D
    from matplotlib.patches import Patch
    from matplotlib.text import Text

    def dark(colour: Any) -> Any:
        if isinstance(colour, str) and colour in ("none", "auto", "inherit"):
            return colour
        return _dark(to_rgba(colour))

    def dark_array(colours: Any) -> Any:
        array = to_rgba_array(colours)
        return np.array([_dark(row) for row in array]) if len(array) else array

    backgrounds = {id(figure.patch)} | {id(axes.patch) for axes in figure.get_axes()}
    smallest = None
    for artist in figure.findobj():
        if isinstance(artist, Text):
            artist.set_color(dark(artist.get_color()))
            box = artist.get_bbox_patch()
            if box is not None:
                box.set_facecolor(dark(box.get_facecolor()))
                box.set_edgecolor(dark(box.get_edgecolor()))
            if artist.get_visible() and artist.get_text().strip():
                size = float(artist.get_fontsize())
                smallest = size if smallest is None else min(smallest, size)
        elif isinstance(artist, Line2D):
            artist.set_color(dark(artist.get_color()))
            artist.set_markeredgecolor(dark(artist.get_markeredgecolor()))
            artist.set_markerfacecolor(dark(artist.get_markerfacecolor()))
        elif isinstance(artist, Patch):
            if id(artist) in backgrounds and _grey(to_rgba(artist.get_facecolor())):
                artist.set_facecolor("none")  # the page shows through
            else:
                artist.set_facecolor(dark(artist.get_facecolor()))
            artist.set_edgecolor(dark(artist.get_edgecolor()))
        elif isinstance(artist, Collection):
            if artist.get_array() is not None:
                # Colour-mapped data keeps its colormap, except lines drawn with a grey one
                # (contour lines in "Greys"), which are ink on the page like any other line.
                cmap = artist.get_cmap()
                colours = cmap(np.linspace(0, 1, cmap.N))
                lines = isinstance(artist, LineCollection) or not getattr(artist, "filled", True)
                if lines and all(_grey(c) for c in colours):
                    artist.set_cmap(ListedColormap(dark_array(colours)))
                continue
            artist.set_facecolor(dark_array(artist.get_facecolor()))
            artist.set_edgecolor(dark_array(artist.get_edgecolor()))
    return smallest
