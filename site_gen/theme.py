"""Where the bundled theme (templates and static files) is found.

A module of its own so that the build manifest, which lists the theme's files
among a build's inputs, can find them without importing the template engine.
"""

from __future__ import annotations

from pathlib import Path


def theme_dirs() -> list[Path]:
    """Where the bundled theme lives: inside the installed package, or beside it in a checkout."""
    packaged = Path(__file__).parent / "theme"
    checkout = Path(__file__).parent.parent
    return [packaged] if (packaged / "templates").is_dir() else [checkout]
