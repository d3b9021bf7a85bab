"""site_gen: a static-site generator for learning notebooks."""

__version__ = "0.1.0"
