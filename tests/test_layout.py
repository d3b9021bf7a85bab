"""The layout's Renderer: a block wrapped in ``once`` is rendered once for the same arguments."""

from __future__ import annotations

from site_gen.config import load_config
from site_gen.layout import Renderer

from .conftest import write


def test_a_block_called_once_is_rendered_the_first_time_its_arguments_come(make_site):
    root = make_site()
    write(
        root,
        "templates/count.html",
        '{% for name in names %}{% call once("greeting", name) %}<b>{{ name }} {{ tick() }}</b>{% endcall %}'
        "{% endfor %}\n",
    )
    config = load_config(root)
    renderer = Renderer(config, {})
    ticks: list[int] = []

    def tick() -> int:
        ticks.append(len(ticks))
        return len(ticks)

    renderer.env.globals["tick"] = tick
    html = renderer.page("count.html", "count/", "Count", names=["a", "b", "a", "<c>"])
    assert html == b"<b>a 1</b><b>b 2</b><b>a 1</b><b>&lt;c&gt; 3</b>"  # escaped once, not twice
    again = renderer.page("count.html", "count/", "Count", names=["b"])
    assert again == b"<b>b 2</b>" and len(ticks) == 3
    fresh = Renderer(config, {})  # each layout has its own: nothing is kept from one build to the next
    fresh.env.globals["tick"] = tick
    assert fresh.page("count.html", "count/", "Count", names=["b"]) == b"<b>b 4</b>"
