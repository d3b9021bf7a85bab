"""``python -m site_gen`` is ``site-gen``."""

from .cli import run

run()
