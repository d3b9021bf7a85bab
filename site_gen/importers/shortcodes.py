"""Hugo shortcodes, turned into the Markdown they stand for.

``{{< name args >}}`` (output taken as HTML) and ``{{% name args %}}`` (output
rendered as Markdown) look alike to us: each known shortcode becomes what it
means (code fences, figures, math, callouts, videos, links to other posts);
a paired shortcode we do not know keeps its content and is reported; a single
one is kept as an HTML comment and reported.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from . import includes
from .context import PostContext
from .markup import Shield, attributes, html_comment, line_at

_OPEN = r"\{\{([<%])-?\s*"
_CLOSE = r"\s*-?[>%]\}\}"
# The body holds no opener of the same name: the innermost pair first, and a lone "{{< katex >}}" before a
# paired one stays single (nested pairs of one name resolve over the passes of ``convert``).
_PAIRED = re.compile(
    _OPEN + r"(\w[\w/-]*)(?P<args>[^}]*?)" + _CLOSE + r"(?P<body>(?:(?!\{\{[<%]-?\s*\2[\s>%]).)*?)"
    r"\{\{[<%]-?\s*/\s*\2" + _CLOSE,
    re.S,
)
_SINGLE = re.compile(_OPEN + r"(\w[\w/-]*)(?P<args>.*?)" + _CLOSE, re.S)
_ESCAPED = re.compile(r"\{\{([<%])/\*(.*?)\*/([>%])\}\}", re.S)
_CALLOUT_KINDS = {"note": "note", "info": "note", "tip": "tip", "warning": "warning", "caution": "caution",
                  "danger": "caution", "important": "important", "success": "tip", "error": "caution"}  # fmt: skip

Paired = Callable[[str, str, PostContext, int], str]
Single = Callable[[str, PostContext, int], str]


def convert(text: str, ctx: PostContext, shield: Shield) -> str:
    """Every shortcode in ``text``; code is already shielded, so shortcodes shown in code stay."""
    text = _ESCAPED.sub(lambda m: shield.hide("{{" + m.group(1) + m.group(2) + m.group(3) + "}}"), text)
    text = highlight(text, shield)
    for _ in range(4):  # shortcodes nest (a figure inside a callout); a few passes reach the bottom
        replaced = _one_pass(text, ctx, shield)
        if replaced == text:
            break
        text = replaced
    return text


def _one_pass(text: str, ctx: PostContext, shield: Shield) -> str:
    paired = _PAIRED.sub(lambda m: _paired(m, text, ctx, shield), text)
    return _SINGLE.sub(lambda m: _single(m, paired, ctx, shield), paired)


def highlight(text: str, shield: Shield) -> str:
    """``{{< highlight go "linenos=table,hl_lines=8 15-17" >}}`` … as a fence with our options."""
    pattern = re.compile(_OPEN + r"highlight\s+([\w+#.-]+)(?P<args>[^}]*?)" + _CLOSE + r"\n?(?P<body>.*?)\n?"
                         r"\{\{[<%]-?\s*/\s*highlight" + _CLOSE, re.S)  # fmt: skip

    def fence(match: re.Match[str]) -> str:
        options = _fence_options(match.group("args"))
        code = match.group("body")
        ticks = "````" if "```" in code else "```"
        return shield.hide(f"{ticks}{match.group(2)}{options}\n{code}\n{ticks}")

    return pattern.sub(fence, text)


def _fence_options(args: str) -> str:
    written = args.strip().strip("\"'")
    found = dict(part.split("=", 1) for part in re.split(r"\s*,\s*", written) if "=" in part)
    options = []
    if found.get("linenos", "false") not in ("false", ""):
        options.append("linenos=true")
    if "linenostart" in found:
        options.append(f"linenostart={found['linenostart']}")
    if "hl_lines" in found:
        options.append(f'hl_lines="{found["hl_lines"].strip(chr(34))}"')
    return " {" + " ".join(options) + "}" if options else ""


def _positional(args: str) -> list[str]:
    return [part.strip("\"'") for part in re.findall(r'"[^"]*"|\'[^\']*\'|[^\s=]+(?=\s|$)', args) if "=" not in part]


def _paired(match: re.Match[str], text: str, ctx: PostContext, shield: Shield) -> str:
    name, args, body = match.group(2), match.group("args"), match.group("body")
    line = line_at(text, match.start(), ctx.first_line)
    handler = _PAIRED_CODES.get(name)
    if handler is not None:
        return handler(args, body, ctx, line)
    ctx.warn(line, f"shortcode not converted: '{name}' (its content kept)")
    return body


def _single(match: re.Match[str], text: str, ctx: PostContext, shield: Shield) -> str:
    name, args = match.group(2), match.group("args")
    line = line_at(text, match.start(), ctx.first_line)
    handler = _SINGLE_CODES.get(name)
    if handler is not None:
        return handler(args, ctx, line)
    ctx.warn(line, f"shortcode not converted: '{name}' (kept as a comment)")
    return shield.hide(html_comment(match.group()))  # hidden, so the next pass does not report it again


def _math(args: str, body: str, ctx: PostContext, line: int) -> str:
    inline = "\n" not in body and "display" not in args  # "{{< katex >}} V {{< /katex >}}" inside a sentence
    body = body.strip()
    if body.startswith(("$", "\\[", "\\(")):
        return body
    return f"${body}$" if inline else f"\n$$\n{body}\n$$\n"


def _callout(args: str, body: str, ctx: PostContext, line: int, default: str = "note") -> str:
    values = attributes(args)
    kind = (values.get("type") or values.get("kind") or next(iter(_positional(args)), default)).lower()
    title = values.get("title", "")
    return f"\n::: {_CALLOUT_KINDS.get(kind, 'note')}{' ' + title if title else ''}\n{body.strip()}\n:::\n"


def _named_callout(kind: str) -> Paired:
    """``{{< warning >}}`` … ``{{< /warning >}}``: themes name their callouts for their kind."""

    def callout(args: str, body: str, ctx: PostContext, line: int) -> str:
        return _callout(args, body, ctx, line, default=kind)

    return callout


def _page_switch(args: str, ctx: PostContext, line: int) -> str:
    """A lone ``{{< katex >}}`` (Blowfish, Congo) loads KaTeX for the page; math renders here on every page."""
    return ""


def _details(args: str, body: str, ctx: PostContext, line: int) -> str:
    summary = attributes(args).get("summary") or " ".join(_positional(args)) or "Details"
    return f"<details><summary>{summary}</summary>\n\n{body.strip()}\n\n</details>"


def _figure(args: str, ctx: PostContext, line: int) -> str:
    values = attributes(args)
    caption = values.get("caption") or values.get("title", "")
    return includes.image(values.get("src", ""), caption, values.get("alt", ""))


def _youtube(args: str, ctx: PostContext, line: int) -> str:
    values = attributes(args)
    return includes.youtube(values.get("id") or next(iter(_positional(args)), ""))


def _ref(args: str, ctx: PostContext, line: int) -> str:
    target = next(iter(_positional(args)), "")
    path, _, anchor = target.partition("#")
    for key in (path, path.lstrip("/"), "content/" + path.lstrip("/"), path.rsplit("/", 1)[-1].removesuffix(".md")):
        if key in ctx.new_urls:
            return ctx.new_urls[key] + (f"#{anchor}" if anchor else "")
    ctx.warn(line, f"ref to a page that was not imported: '{target}'")
    return "/" + path.lstrip("/")


def _param(args: str, ctx: PostContext, line: int) -> str:
    name = next(iter(_positional(args)), "")
    value = ctx.meta.get(name, ctx.site.settings.get("params", {}).get(name))
    if isinstance(value, str | int | float):
        return str(value)
    ctx.warn(line, f"param not found: '{name}'")
    return ""


def _embed(kind: str) -> Single:
    def link(args: str, ctx: PostContext, line: int) -> str:
        values = attributes(args)
        ident = values.get("id") or values.get("url") or " ".join(_positional(args))
        ctx.warn(line, f"{kind} embed shown as a link (embedding needs the provider's script)")
        url = ident if ident.startswith("http") else _EMBED_URLS.get(kind, "{}").format(ident.replace(" ", "/"))
        return f"[{kind}: {ident}]({url})"

    return link


_EMBED_URLS = {"gist": "https://gist.github.com/{}", "tweet": "https://twitter.com/i/status/{}",
               "x": "https://x.com/i/status/{}", "vimeo": "https://vimeo.com/{}",
               "instagram": "https://www.instagram.com/p/{}"}  # fmt: skip

_PAIRED_CODES: dict[str, Paired] = {
    "math": _math,
    "katex": _math,
    "callout": _callout,
    "notice": _callout,
    "alert": _callout,
    "admonition": _callout,
    "hint": _callout,
    "box": _callout,
    "note": _named_callout("note"),
    "info": _named_callout("info"),
    "tip": _named_callout("tip"),
    "warning": _named_callout("warning"),
    "caution": _named_callout("caution"),
    "danger": _named_callout("danger"),
    "important": _named_callout("important"),
    "details": _details,
    "spoiler": _details,
}
_SINGLE_CODES: dict[str, Single] = {
    "figure": _figure,
    "katex": _page_switch,
    "youtube": _youtube,
    "ref": _ref,
    "relref": _ref,
    "param": _param,
    "gist": _embed("gist"),
    "tweet": _embed("tweet"),
    "x": _embed("x"),
    "vimeo": _embed("vimeo"),
    "instagram": _embed("instagram"),
}
