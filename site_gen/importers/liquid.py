"""Liquid, the template language inside Jekyll posts, done once at import time.

Jekyll runs Liquid over a post before Markdown sees it, so ``{{ site.baseurl }}``
and ``{% include figure.html … %}`` are part of the text. Here there is no
template pass: each tag and filter that has a meaning (links, includes,
highlighted code, collapsible details) becomes the Markdown it stands for,
``{% raw %}`` keeps its content as written, and any other tag is kept as an
HTML comment and reported, so nothing of it reaches a reader's screen.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

from . import includes
from .context import PostContext
from .markup import Shield, attributes, html_comment, line_at

_RAW = re.compile(r"\{%-?\s*raw\s*-?%\}(.*?)\{%-?\s*endraw\s*-?%\}", re.S)
_HIGHLIGHT = re.compile(
    r"\{%-?\s*highlight\s+([\w+#.-]+)([^%]*?)-?%\}\n?(.*?)\n?[ \t]*\{%-?\s*endhighlight\s*-?%\}", re.S
)
_COMMENT = re.compile(r"\{%-?\s*comment\s*-?%\}(.*?)\{%-?\s*endcomment\s*-?%\}", re.S)
_DETAILS = re.compile(r"\{%-?\s*details\s+(.*?)\s*-?%\}(.*?)\{%-?\s*enddetails\s*-?%\}", re.S)
_TAG = re.compile(r"\{%-?\s*(\w+)(.*?)-?%\}", re.S)
_OUTPUT = re.compile(r"\{\{-?(.*?)-?\}\}", re.S)
_QUOTED = re.compile(r"""^\s*(["'])(.*?)\1\s*$""")
_CONTROL = frozenset({"if", "elsif", "else", "endif", "unless", "endunless", "for", "endfor", "case", "when",
                      "endcase", "capture", "endcapture", "assign", "increment", "decrement", "cycle"})  # fmt: skip


def protect_raw(text: str, shield: Shield) -> str:
    """``{% raw %}…{% endraw %}``: the content exactly as written, tags and all."""
    return _RAW.sub(lambda m: shield.hide(m.group(1)), text)


def convert(text: str, ctx: PostContext, shield: Shield) -> str:
    """Every Liquid tag and output in ``text``; fenced code has already been shielded."""
    text = _COMMENT.sub(lambda m: html_comment(m.group(1).strip()), text)
    text = _DETAILS.sub(lambda m: _details(m, text, ctx), text)
    text = _TAG.sub(lambda m: _tag(m, text, ctx), text)
    return _OUTPUT.sub(lambda m: _output(m.group(1), ctx, line_at(text, m.start(), ctx.first_line), m.group()), text)


def highlight_blocks(text: str, ctx: PostContext) -> str:
    """``{% highlight python linenos %}…{% endhighlight %}`` as a fence (run before code is shielded)."""

    def fence(match: re.Match[str]) -> str:
        lang, options, code = match.group(1), match.group(2), match.group(3)
        extra = " {linenos=true}" if "linenos" in options else ""
        if "hl_lines" in options:
            lines = attributes(options).get("hl_lines", "")
            extra = extra[:-1] + f' hl_lines="{lines}"}}' if extra else f' {{hl_lines="{lines}"}}'
        ticks = "````" if "```" in code else "```"
        return f"{ticks}{lang}{extra}\n{code}\n{ticks}"

    return _HIGHLIGHT.sub(fence, text)


def _details(match: re.Match[str], text: str, ctx: PostContext) -> str:
    """al-folio's ``{% details Summary %}…{% enddetails %}``: an HTML ``<details>`` with Markdown inside."""
    summary = match.group(1).strip().strip("\"'")
    return f"<details><summary>{summary}</summary>\n\n{match.group(2).strip(chr(10))}\n\n</details>"


def _tag(match: re.Match[str], text: str, ctx: PostContext) -> str:
    name, args = match.group(1), match.group(2).strip()
    line = line_at(text, match.start(), ctx.first_line)
    if name in ("include", "include_relative"):
        return _include(args, ctx, line, match.group())
    handler = _TAGS.get(name)
    if handler is not None:
        return handler(args, ctx, line)
    if name in _CONTROL:
        ctx.warn(line, f"Liquid control tag not converted: '{{% {name} %}}' (kept as a comment, its content kept)")
    else:
        ctx.warn(line, f"Liquid tag not converted: '{{% {name} %}}' (kept as a comment)")
    return html_comment(match.group())


def _post_url(args: str, ctx: PostContext, line: int) -> str:
    name = args.split()[0] if args else ""
    for key in (name, name.rsplit("/", 1)[-1]):
        if key in ctx.new_urls:
            return ctx.new_urls[key]
    ctx.warn(line, f"post_url to a post that was not imported: '{name}'")
    return f"/{name}/"


def _link(args: str, ctx: PostContext, line: int) -> str:
    path = args.split()[0] if args else ""
    return ctx.new_urls.get(path, ctx.new_urls.get(Path(path).stem, "/" + path.lstrip("/")))


def _include(args: str, ctx: PostContext, line: int, written: str) -> str:
    name, _, params = args.partition(" ")
    values = {key: _substitute(value, ctx, line) for key, value in attributes(params).items()}
    return includes.expand(name, values, ctx, line, written)


def _twitter(args: str, ctx: PostContext, line: int) -> str:
    url = args.split()[0] if args else ""
    ctx.warn(line, "tweet embed shown as a link (embedding needs Twitter's script)")
    return f"[{url}]({url})"


def _youtube(args: str, ctx: PostContext, line: int) -> str:
    return includes.youtube(args.split()[0] if args else "")


def _cite(args: str, ctx: PostContext, line: int) -> str:
    ctx.warn(line, f"citation kept as text: '{args}' (the bibliography is not imported)")
    return f"[{args}]"


def _dropped(what: str) -> Callable[[str, PostContext, int], str]:
    def drop(args: str, ctx: PostContext, line: int) -> str:
        ctx.warn(line, what)
        return ""

    return drop


_TAGS: dict[str, Callable[[str, PostContext, int], str]] = {
    "post_url": _post_url,
    "link": _link,
    "twitter": _twitter,
    "youtube": _youtube,
    "cite": _cite,
    "bibliography": _dropped("Liquid '{% bibliography %}' removed (the bibliography is not imported)"),
    "seo": _dropped("Liquid '{% seo %}' removed"),
}


def _substitute(value: str, ctx: PostContext, line: int) -> str:
    """Liquid outputs inside an include parameter (``path="{{ page.img }}/x.png"``)."""
    return _OUTPUT.sub(lambda m: _output(m.group(1), ctx, line, m.group()), value)


def _output(expression: str, ctx: PostContext, line: int, written: str) -> str:
    """``{{ site.baseurl }}``, ``{{ 'x' | relative_url }}``, ``{{ page.title }}``…"""
    value, *filters = [part.strip() for part in expression.split("|")]
    quoted = _QUOTED.match(value)
    if quoted:
        result = quoted.group(2)
    elif value in ("site.baseurl", "site.url", "site.github.url"):
        result = ""
    elif value.startswith("site.") and _scalar(ctx.site.settings.get(value[5:])):
        result = str(ctx.site.settings[value[5:]])
    elif value.startswith("page.") and _scalar(ctx.meta.get(value[5:])):
        result = str(ctx.meta[value[5:]])
    else:
        ctx.warn(line, f"Liquid output not converted: '{written.strip()}' (kept as a comment)")
        return html_comment(written)
    for name in filters:
        name = name.split(":")[0].strip()
        if name in ("relative_url", "absolute_url", "prepend"):
            result = "/" + result.lstrip("/") if name != "prepend" else result
        elif name not in ("escape", "strip", "xml_escape", "uri_escape", "default"):
            ctx.warn(line, f"Liquid filter ignored: '{name}' in '{written.strip()}'")
    return result


def _scalar(value: object) -> bool:
    return isinstance(value, str | int | float) and not isinstance(value, bool)
