"""nbformat, imported without the second that jsonschema adds to it beside JupyterLab.

nbformat imports jsonschema, and jsonschema, when ``rfc3987-syntax`` is
installed, builds that package's 39 Lark grammars at import so that its format
checker knows the "iri" format. ``rfc3987-syntax`` comes with
``jsonschema[format-nongpl]``, which jupyter_server and JupyterLab require, so
it is in most ML environments: there ``import nbformat`` took 1.2 s instead of
0.2 s on this machine, paid by every build that starts a kernel or reads a
notebook. Neither nbformat nor site_gen checks that format (jsonschema checks
formats only when a validator is given a format checker), so while jsonschema
is first imported, ``rfc3987_syntax`` is made unimportable, and then put back:
anything imported later can use it as usual. Import nbformat, nbclient and
anything that imports them through this module (``import site_gen.nbformat_import``
first), or the saving is lost to whichever imports jsonschema first.
"""

from __future__ import annotations

import sys


def _import_jsonschema_quickly() -> None:
    if "jsonschema" in sys.modules:
        return
    blocked = "rfc3987_syntax" not in sys.modules
    if blocked:
        sys.modules["rfc3987_syntax"] = None  # type: ignore[assignment]  # documented: import raises ImportError
    try:
        import jsonschema  # noqa: F401
    finally:
        if blocked:
            del sys.modules["rfc3987_syntax"]


_import_jsonschema_quickly()

import nbformat  # noqa: E402  (after jsonschema, on purpose)

__all__ = ["nbformat"]
