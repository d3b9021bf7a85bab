"""nbformat, imported without the second that jsonschema adds to it beside JupyterLab.

nbformat imports jsonschema, and jsonschema's format checkers import every optional package
they can find: ``rfc3987-syntax`` builds its 39 Lark grammars at import, and ``arrow``,
``isoduration``, ``webcolors``, ``fqdn``, ``uri_template``… cost another 0.1 s. They come with
``jsonschema[format-nongpl]``, which jupyter_server and JupyterLab require, so they are in most
ML environments: there ``import nbformat`` took 1.2 s instead of 0.2 s on this machine, paid by
every build that starts a kernel or reads a notebook. Neither nbformat nor site_gen checks
formats (jsonschema checks them only when a validator is given a format checker), so while
jsonschema is first imported those packages are made unimportable, and then put back: anything
imported later can use them as usual. Import nbformat, nbclient and anything that imports them
through this module (``import site_gen.nbformat_import`` first), or the saving is lost to
whichever imports jsonschema first.
"""

from __future__ import annotations

import sys

# What jsonschema._format imports, each in its own ``suppress(ImportError)``, for its format checkers.
FORMAT_PACKAGES = (
    "fqdn",
    "idna",
    "isoduration",
    "jsonpointer",
    "rfc3339_validator",
    "rfc3986_validator",
    "rfc3987",
    "rfc3987_syntax",
    "uri_template",
    "webcolors",
)


def _import_jsonschema_quickly() -> None:
    if "jsonschema" in sys.modules:
        return
    blocked = [name for name in FORMAT_PACKAGES if name not in sys.modules]
    for name in blocked:
        sys.modules[name] = None  # type: ignore[assignment]  # documented: import raises ImportError
    try:
        import jsonschema  # noqa: F401
    finally:
        for name in blocked:
            del sys.modules[name]


_import_jsonschema_quickly()

import nbformat  # noqa: E402  (after jsonschema, on purpose)

__all__ = ["nbformat"]
