"""Executed cells: the *execute* stage between reading a post and rendering it.

A post's ```` ```{python} ```` fences run in one Jupyter kernel, in order, and
their outputs land on the page. The modules, in the order a cell meets them:

- ``model``: the plain data passed between stages (``Cell``, ``CellResult``, ``PostCells``)
  and ``extract_cells``, which finds a post's cells in its Markdown body;
- ``options``: the ``#|`` option lines at the top of a cell;
- ``cache``: results keyed by content, so nothing that did not change runs again;
- ``kernel``: running cells with nbclient, with time limits and a clear error when one fails;
- ``route`` and ``remote``: which posts run on a Jupyter gateway (``[execute.remote]``), and running
  them there with jupyter_server's gateway client, provenance and faults included;
- ``freeze``: ``_freeze.json``, the committed outputs of cells that need a GPU;
- ``execute``: the stage itself, for every post of a site;
- ``limit``: the cap on how much text one cell publishes;
- ``outputs``: outputs to safe HTML, called by the Markdown renderer;
- ``sanitize``: the allow-lists that make HTML, inline SVG/MathML and SVG figures inert;

This file imports nothing, so that importing one module of the package imports no other.
"""
