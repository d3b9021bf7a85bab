"""site.toml: defaults, strict keys and types, base_url with a subpath."""

from __future__ import annotations

import pytest

from site_gen.config import load_config
from site_gen.errors import ContentError

from .conftest import write


def test_defaults_without_site_toml(tmp_path):
    config = load_config(tmp_path)
    assert config.base_path == "/" and config.posts_per_page == 10


def test_subpath_base_url(tmp_path):
    write(tmp_path, "site.toml", 'base_url = "https://user.github.io/notebook/"\n[macros]\nR = "\\\\mathbb{R}"\n')
    config = load_config(tmp_path)
    assert config.base_path == "/notebook/"
    assert config.url("posts/a/") == "/notebook/posts/a/"
    assert config.abs_url("feed.xml") == "https://user.github.io/notebook/feed.xml"
    assert config.macros == {"R": "\\mathbb{R}"}


@pytest.mark.parametrize(
    ("toml", "line", "message"),
    [
        ('title = "x"\ntitel = "typo"\n', 2, "unknown setting 'titel'"),
        ('posts_per_page = "ten"\n', 1, "'posts_per_page' must be an integer, not a string"),
        ("feed_size = true\n", 1, "'feed_size' must be an integer"),
        ('base_url = "example.org"\n', 1, "not an absolute http(s) URL"),
        ('base_url = "https://example.org/blog"\n', 1, "must end with '/'"),
        ('timezone = "Mars/Olympus"\n', 1, "unknown timezone"),
        ("posts_per_page = 0\n", 1, "at least 1"),
        ("cell_timeout = 0\n", 1, "'cell_timeout' must be at least 1"),
        ('title = "unclosed\n', 1, "invalid TOML"),
    ],
)
def test_bad_config_names_the_key(tmp_path, toml, line, message):
    write(tmp_path, "site.toml", toml)
    with pytest.raises(ContentError) as caught:
        load_config(tmp_path)
    assert caught.value.path.name == "site.toml"
    assert caught.value.line == line
    assert message in caught.value.message
