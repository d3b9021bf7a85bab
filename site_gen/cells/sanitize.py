"""``text/html`` cell outputs made inert: an allow-list, never a drop-list.

A cell's HTML is whatever the code printed, and a notebook's stored HTML is
whatever its author (or anyone who sent it) saved, so it is treated as hostile.
The HTML goes through `nh3` (Rust's Ammonia): it parses the fragment the way a
browser does and keeps only the elements, attributes, CSS properties and URL
schemes listed below, so what a new browser trick needs is simply not on the
list. ``javascript:``, ``data:`` and ``vbscript:`` URLs go, however encoded.

Ammonia keeps no SVG or MathML, so inline ``<svg>`` and ``<math>`` (a chart's
HTML repr, a formula) take a second, stricter path: html5lib parses the
fragment, each SVG or MathML subtree is rebuilt from a short list of drawing
and layout elements with only geometry and typesetting attributes (no ``href``,
no ``style``, no ``on…``, no ``url(…)``, no ``foreignObject``, ``script``,
``animate`` or ``set``), and a placeholder holds its place through nh3. The
placeholder can only come out of nh3 as the exact markup it went in as where it
is still an element; anywhere else (swallowed into an attribute or text) it no
longer matches, and the drawing is dropped rather than pasted into a context it
was not checked for.
"""

from __future__ import annotations

import hashlib
import re
import xml.etree.ElementTree as ElementTree
from html import escape
from typing import Any

import html5lib
import nh3
from html5lib.serializer import HTMLSerializer

_TAGS = set(nh3.ALLOWED_TAGS) | {"progress", "meter", "tfoot"}
_ATTRIBUTES: dict[str, set[str]] = {name: set(values) for name, values in nh3.ALLOWED_ATTRIBUTES.items()}
_ATTRIBUTES["*"] = {"class", "title", "lang", "dir", "style"}
_ATTRIBUTES["table"] = _ATTRIBUTES["table"] | {"border", "cellpadding", "cellspacing"}
_ATTRIBUTES["progress"] = {"value", "max"}
_ATTRIBUTES["meter"] = {"value", "min", "max", "low", "high", "optimum"}
# ``style`` survives with these properties only: what pandas (``text-align``), rich
# (colours, fonts, ``white-space``) and progress bars use. Nothing here takes a URL
# or moves a box out of the output (no ``position``, no ``background``, no ``border``
# shorthand, which would carry a ``url(…)`` through even if the browser then drops it).
_STYLE_PROPERTIES = {
    "color",
    "background-color",
    "font-family",
    "font-size",
    "font-style",
    "font-weight",
    "line-height",
    "text-align",
    "text-decoration",
    "vertical-align",
    "white-space",
    "width",
    "min-width",
    "max-width",
    "padding",
    "padding-left",
    "padding-right",
    "border-collapse",
}
# Dropped with everything inside: their content is code, or text the browser would not show.
_DROP_WITH_CONTENT = {
    "script",
    "style",
    "noscript",
    "template",
    "textarea",
    "title",
    "xmp",
    "iframe",
    "noembed",
    "noframes",
    "object",
    "embed",
    "select",
    "svg",
    "math",
}
_URL_SCHEMES = {"http", "https", "mailto"}
# CSS functions that load something, and escapes (which could spell one).
_CSS_RESOURCE_RE = re.compile(r"\\|(?:url|src|image|image-set|cross-fade|element|paint|expression)\s*\(", re.IGNORECASE)

_SVG = "http://www.w3.org/2000/svg"
_MATHML = "http://www.w3.org/1998/Math/MathML"
_SVG_ELEMENTS = {
    "svg",
    "g",
    "path",
    "rect",
    "circle",
    "ellipse",
    "line",
    "polyline",
    "polygon",
    "text",
    "tspan",
    "title",
    "desc",
}
_SVG_ATTRIBUTES = {
    "viewBox",
    "width",
    "height",
    "x",
    "y",
    "x1",
    "y1",
    "x2",
    "y2",
    "cx",
    "cy",
    "r",
    "rx",
    "ry",
    "d",
    "dx",
    "dy",
    "points",
    "transform",
    "fill",
    "fill-opacity",
    "fill-rule",
    "stroke",
    "stroke-width",
    "stroke-opacity",
    "stroke-linecap",
    "stroke-linejoin",
    "stroke-dasharray",
    "opacity",
    "font-family",
    "font-size",
    "font-style",
    "font-weight",
    "text-anchor",
    "dominant-baseline",
    "preserveAspectRatio",
    "class",
    "role",
    "aria-label",
}
_MATHML_ELEMENTS = {
    "math",
    "mrow",
    "mi",
    "mn",
    "mo",
    "ms",
    "mtext",
    "mspace",
    "msqrt",
    "mroot",
    "mfrac",
    "msub",
    "msup",
    "msubsup",
    "munder",
    "mover",
    "munderover",
    "mmultiscripts",
    "mprescripts",
    "none",
    "mtable",
    "mtr",
    "mtd",
    "mstyle",
    "mpadded",
    "mphantom",
    "menclose",
    "semantics",
    "annotation",
}
_MATHML_ATTRIBUTES = {
    "display",
    "displaystyle",
    "mathvariant",
    "scriptlevel",
    "fence",
    "separator",
    "stretchy",
    "symmetric",
    "largeop",
    "movablelimits",
    "accent",
    "accentunder",
    "lspace",
    "rspace",
    "linethickness",
    "columnalign",
    "rowalign",
    "columnspacing",
    "rowspacing",
    "columnlines",
    "rowlines",
    "frame",
    "framespacing",
    "notation",
    "width",
    "height",
    "depth",
    "voffset",
    "mathsize",
    "dir",
    "class",
    "encoding",
    "form",
    "minsize",
    "maxsize",
    "columnspan",
    "rowspan",
    "alttext",
}
# Where the HTML parser switches back to HTML rules: an element child here would
# come back as an HTML element, so these keep their text only.
_TEXT_ONLY = {"title", "desc", "mi", "mn", "mo", "ms", "mtext", "annotation"}
_FOREIGN = {_SVG: (_SVG_ELEMENTS, _SVG_ATTRIBUTES), _MATHML: (_MATHML_ELEMENTS, _MATHML_ATTRIBUTES)}
_TAG_RE = re.compile(r"^\{([^}]*)\}(.*)$")
_MAYBE_FOREIGN_RE = re.compile(r"<\s*(svg|math)\b", re.IGNORECASE)


def sanitize_html(fragment: str) -> str:
    """Only inert HTML (and inert SVG/MathML) of ``fragment``, every element closed.

    nh3 re-serialises what it keeps, so a stray ``<div>`` or ``<table>`` in an
    output ends with the output instead of swallowing the rest of the post.
    """
    if not _MAYBE_FOREIGN_RE.search(fragment):
        return _clean(fragment, {})
    html, drawings = _set_aside_foreign(fragment)
    cleaned = _clean(html, drawings)
    for marker, markup in drawings.items():
        cleaned = cleaned.replace(marker, markup)
    return cleaned


def _clean(html: str, drawings: dict[str, str]) -> str:
    values = {_marker_value(marker) for marker in drawings}
    return nh3.clean(
        html,
        tags=_TAGS,
        clean_content_tags=_DROP_WITH_CONTENT,
        attributes=_ATTRIBUTES,
        tag_attribute_values={"span": {"data-site-gen-keep": values}} if values else None,
        filter_style_properties=_STYLE_PROPERTIES,
        attribute_filter=_style_without_urls,
        url_schemes=_URL_SCHEMES,
        url_relative="pass_through",
        strip_comments=True,
    )


def _style_without_urls(element: str, attribute: str, value: str) -> str | None:
    """A ``style`` that names a resource (``url(…)``, ``image-set(…)``, a CSS escape that could spell one) goes.

    None of the kept properties takes one, so only a malformed or hostile value has it.
    """
    if attribute == "style" and _CSS_RESOURCE_RE.search(value):
        return None
    return value


def rebalance_html(fragment: str) -> str:
    """``fragment`` as is, but with every element closed: for sites that opted out of sanitising."""
    root = html5lib.parseFragment(fragment, treebuilder="etree", namespaceHTMLElements=False)
    return _serialize(root)


def _serialize(root: Any) -> str:
    walker = html5lib.getTreeWalker("etree")
    serializer = HTMLSerializer(
        quote_attr_values="always", omit_optional_tags=False, escape_lt_in_attrs=True, sanitize=False
    )
    return "".join(serializer.serialize(walker(root)))


def _set_aside_foreign(fragment: str) -> tuple[str, dict[str, str]]:
    """The fragment with each ``<svg>``/``<math>`` replaced by a marker, and the marker's clean markup.

    Markers are named after the fragment's hash, which the fragment cannot contain.
    """
    root = html5lib.parseFragment(fragment, treebuilder="etree", namespaceHTMLElements=False)
    prefix = hashlib.sha256(fragment.encode("utf-8", "surrogatepass")).hexdigest()[:16]
    drawings: dict[str, str] = {}
    stack = [root]
    while stack:
        parent = stack.pop()
        for index, child in enumerate(list(parent)):
            namespace, _ = _split(child.tag)
            if namespace not in _FOREIGN:
                stack.append(child)
                continue
            value = f"{prefix}-{len(drawings)}"
            marker = ElementTree.Element("span", {"data-site-gen-keep": value})
            marker.tail = child.tail
            parent.remove(child)
            parent.insert(index, marker)
            drawings[f'<span data-site-gen-keep="{value}"></span>'] = _foreign(child, namespace)
    return _serialize(root), drawings


def _marker_value(marker: str) -> str:
    return marker.split('"')[1]


def _split(tag: object) -> tuple[str, str]:
    if not isinstance(tag, str):
        return "", ""  # a comment or processing instruction
    match = _TAG_RE.match(tag)
    return (match.group(1), match.group(2)) if match else ("", tag)


def _foreign(element: Any, namespace: str) -> str:
    """One SVG or MathML subtree rebuilt from the allow-list; anything else goes with its content."""
    elements, attributes = _FOREIGN[namespace]
    ns, name = _split(element.tag)
    if ns != namespace or name not in elements:
        return ""
    attrs = "".join(
        f' {key}="{escape(value)}"'
        for key, value in sorted(element.attrib.items())
        if key in attributes and not _CSS_RESOURCE_RE.search(value)  # presentation attributes are CSS
    )
    inner = [escape(element.text or "", quote=False)]
    for child in element:
        if name not in _TEXT_ONLY:
            inner.append(_foreign(child, namespace))
        inner.append(escape(child.tail or "", quote=False))
    return f"<{name}{attrs}>{''.join(inner)}</{name}>"


# An ``image/svg+xml`` output is a file next to the page. Shown through ``<img>`` it
# cannot run script, but opened by its own URL it is a document of the site's
# origin, so it is rebuilt from an allow-list too: everything matplotlib, graphviz
# and friends draw with, references only inside the file (``#id``) or to inline
# raster data, and CSS without ``@import`` or outside ``url()``.
_XLINK = "http://www.w3.org/1999/xlink"
_FILE_ELEMENTS = _SVG_ELEMENTS | {
    "defs",
    "symbol",
    "use",
    "clipPath",
    "mask",
    "marker",
    "pattern",
    "linearGradient",
    "radialGradient",
    "stop",
    "image",
    "style",
    "textPath",
}
_FILE_ATTRIBUTES = _SVG_ATTRIBUTES | {
    "id",
    "style",
    "version",
    "type",
    "clip-path",
    "clipPathUnits",
    "clip-rule",
    "mask",
    "marker-start",
    "marker-mid",
    "marker-end",
    "markerWidth",
    "markerHeight",
    "markerUnits",
    "refX",
    "refY",
    "orient",
    "patternUnits",
    "patternTransform",
    "gradientUnits",
    "gradientTransform",
    "offset",
    "stop-color",
    "stop-opacity",
    "fx",
    "fy",
    "spreadMethod",
    "letter-spacing",
    "font-variant",
    "text-decoration",
    "alignment-baseline",
    "baseline-shift",
    "stroke-dashoffset",
    "stroke-miterlimit",
    "vector-effect",
    "visibility",
    "display",
    "color",
    "href",
}
_LOCAL_URL_RE = re.compile(r"url\(\s*(?!['\"]?#)", re.IGNORECASE)
_RASTER_DATA_RE = re.compile(r"data:image/(?:png|jpeg|gif|webp);base64,[A-Za-z0-9+/=\s]*")
_EMPTY_SVG = f'<svg xmlns="{_SVG}"></svg>\n'.encode()


def sanitize_svg_file(content: bytes) -> bytes:
    """An SVG image file with nothing in it that could run or fetch; a blank one if it is not SVG."""
    try:
        root = ElementTree.fromstring(content)
    except ElementTree.ParseError:
        return _EMPTY_SVG
    if root.tag != f"{{{_SVG}}}svg":
        return _EMPTY_SVG
    body = _svg_file_element(root)
    return body.replace("<svg", f'<svg xmlns="{_SVG}" xmlns:xlink="{_XLINK}"', 1).encode("utf-8") + b"\n"


def _loads_something(css: str) -> bool:
    """CSS (a style sheet, or a presentation attribute) that would fetch anything but a ``#reference``."""
    return bool(_LOCAL_URL_RE.search(css)) or "@import" in css.lower() or "\\" in css


def _svg_file_element(element: Any) -> str:
    ns, name = _split(element.tag)
    if ns != _SVG or name not in _FILE_ELEMENTS:
        return ""
    attrs = []
    for key, value in sorted(element.attrib.items()):
        key_ns, local = _split(key)
        if key_ns not in ("", _XLINK) or local not in _FILE_ATTRIBUTES:
            continue
        if local == "href" and not (value.startswith("#") or (name == "image" and _RASTER_DATA_RE.fullmatch(value))):
            continue
        if _loads_something(value):
            continue
        attrs.append(f' {"xlink:" if key_ns else ""}{local}="{escape(value)}"')
    text = element.text or ""
    if name == "style" and _loads_something(text):
        text = ""
    inner = [escape(text, quote=False)]
    for child in element:
        if name != "style":
            inner.append(_svg_file_element(child))
        inner.append(escape(child.tail or "", quote=False))
    return f"<{name}{''.join(attrs)}>{''.join(inner)}</{name}>"
