"""Deterministic synthetic ML corpora for the build benchmark.

Every post is unique — its equations, code and prose vary symbols and numbers
with the post's index — so per-expression caches win no more than they would
on a real blog. One corpus is written four ways: for site_gen (YAML front
matter), for Hugo (the same Markdown, plus a minimal theme), for Hugo with
build-time math (the same site, plus Goldmark's passthrough extension and a
render hook that calls KaTeX through ``transform.ToMath``) and for Pelican
(its ``Key: value`` metadata header).
"""

from __future__ import annotations

import json
import random
import re
import shutil
import textwrap
from dataclasses import dataclass
from pathlib import Path

TAGS = [
    "optimization",
    "autograd",
    "linear-algebra",
    "probability",
    "transformers",
    "cuda",
    "numpy",
    "calculus",
    "statistics",
    "regularization",
    "convolution",
    "attention",
    "embeddings",
    "loss",
    "sampling",
    "kernels",
    "backprop",
    "initialization",
    "normalization",
    "scaling",
]
GREEK = ["alpha", "beta", "gamma", "delta", "eta", "theta", "lambda", "mu", "sigma", "tau", "phi", "omega"]
WORDS = str.split(
    "gradient step loss model weight bias tensor batch layer update parameter matrix vector "
    "descent learning rate curvature momentum variance expectation sample noise signal "
    "activation softmax logit kernel memory bandwidth cache throughput latency shape stride "
    "residual attention head token sequence embedding norm scale shift convex saddle minimum"
)


@dataclass(frozen=True)
class Post:
    index: int
    title: str
    date: str
    tags: list[str]
    body: str

    @property
    def slug(self) -> str:
        return f"post-{self.index:05d}"


def make_post(index: int) -> Post:
    """One post of ~1,200 words, 3 code blocks, 6 inline and 2 display equations, a table, 5 tags."""
    rng = random.Random(index)
    a, b = rng.sample(GREEK, 2)
    n = rng.randint(2, 99)
    lr = round(rng.uniform(0.001, 0.5), 4)
    tags = sorted(rng.sample(TAGS, 5))
    day = 1 + index % 28
    month = 1 + (index // 28) % 12
    year = 2015 + index // (28 * 12)

    def prose(sentences: int) -> str:
        out = []
        for _ in range(sentences):
            words = [rng.choice(WORDS) for _ in range(rng.randint(12, 20))]
            out.append(" ".join(words).capitalize() + f" ({rng.randint(1, 10_000)}).")
        return " ".join(out)

    inline = [
        f"$\\{a}_{{{n}}} = {lr}$",
        f"$x_{{{index}}}^2 + {n} y$",
        f"$\\nabla_\\{b} L_{{{index}}}$",
        f"$\\frac{{{n}}}{{{index + 1}}}$",
        f"$\\sum_{{i={index % 7}}}^{{{n}}} w_i$",
        f"$e^{{-{lr} t_{{{n}}}}}$",
    ]
    display = [
        f"$$ L_{{{index}}}(\\{a}) = \\frac{{1}}{{{n}}} \\sum_{{i=1}}^{{{n}}} \\left(y_i - \\{a}^\\top x_i\\right)^2 $$",
        f"$$ \\{b}_{{t+1}} = \\{b}_t - {lr} \\, \\nabla L(\\{b}_t) + \\frac{{{index % 13}}}{{{n}}} $$",
    ]
    code = [
        f"```python\nimport numpy as np\n\nw = np.zeros({n})\nfor step in range({index % 500 + 10}):\n"
        f"    grad = 2 * (w - {lr})\n    w -= {lr} * grad\nprint(w.sum())\n```",
        f"```python\ndef loss_{index}(y, y_hat):\n    return ((y - y_hat) ** 2).mean() * {n}\n```",
        f"```bash\npython train.py --lr {lr} --steps {index * 3 + 1} --batch {n}\n```",
    ]
    table = "| step | loss | lr |\n|---:|---:|---:|\n" + "\n".join(
        f"| {s} | {round(rng.uniform(0, 3), 4)} | {lr} |" for s in range(5)
    )
    sections = []
    for k in range(6):
        sections.append(f"## Part {k + 1}: {rng.choice(WORDS)} {rng.choice(WORDS)} {index}")
        sections.append(prose(9) + f" Here {inline[k]} matters.")
        if k < 3:
            sections.append(code[k])
        if k < 2:
            sections.append(display[k])
        if k == 4:
            sections.append(table)
        sections.append(prose(8))
    body = prose(3) + "\n\n" + "\n\n".join(sections) + "\n"
    title = f"Note {index}: {rng.choice(WORDS)} and {rng.choice(WORDS)}"
    return Post(index, title, f"{year:04d}-{month:02d}-{day:02d}", tags, body)


def write_site_gen(root: Path, posts: list[Post], search: bool = True) -> None:
    """The site_gen site; ``search=False`` turns off the Pagefind index, which no peer builds."""
    _fresh(root)
    config = 'title = "Bench"\nbase_url = "http://localhost:8000/"\n' + ("" if search else "search = false\n")
    (root / "site.toml").write_text(config, encoding="utf-8")
    _write_yaml_posts(root / "content" / "posts", posts)


def _write_yaml_posts(folder: Path, posts: list[Post]) -> None:
    """Markdown with YAML front matter: what site_gen and Hugo both read."""
    folder.mkdir(parents=True)
    for post in posts:
        front = f'---\ntitle: "{post.title}"\ndate: {post.date}\ntags: [{", ".join(post.tags)}]\n---\n'
        (folder / f"{post.slug}.md").write_text(front + post.body, encoding="utf-8")


def write_hugo(root: Path, posts: list[Post]) -> None:
    """The same posts for Hugo, with the smallest theme that renders every page and the feeds."""
    _fresh(root)
    (root / "hugo.toml").write_text(
        'baseURL = "http://localhost:8000/"\ntitle = "Bench"\ndisableKinds = []\n'
        "[markup.goldmark.renderer]\nunsafe = true\n",
        encoding="utf-8",
    )
    layouts = root / "layouts" / "_default"
    layouts.mkdir(parents=True)
    (layouts / "baseof.html").write_text(
        "<!DOCTYPE html><html><head><title>{{ .Title }}</title></head>"
        '<body>{{ block "main" . }}{{ end }}</body></html>\n',
        encoding="utf-8",
    )
    (layouts / "single.html").write_text(
        '{{ define "main" }}<article><h1>{{ .Title }}</h1>{{ .Content }}</article>{{ end }}\n', encoding="utf-8"
    )
    (layouts / "list.html").write_text(
        '{{ define "main" }}<h1>{{ .Title }}</h1>{{ range .Paginator.Pages }}'
        '<h2><a href="{{ .RelPermalink }}">{{ .Title }}</a></h2>{{ .Summary }}{{ end }}{{ end }}\n',
        encoding="utf-8",
    )
    _write_yaml_posts(root / "content" / "posts", posts)


# Goldmark hands every `$…$` and `$$…$$` to the render hook untouched; the hook
# asks KaTeX (inside Hugo) for MathML only, the same output site_gen writes.
HUGO_MATH_CONFIG = """
[markup.goldmark.extensions.passthrough]
enable = true
[markup.goldmark.extensions.passthrough.delimiters]
block = [['$$', '$$']]
inline = [['$', '$']]
"""
# A formula KaTeX rejects becomes a warning and a <code class="math-rejected">
# with its TeX, so one bad formula neither stops the build nor goes unseen.
HUGO_MATH_HOOK = """\
{{- $options := dict "displayMode" (eq .Type "block") "output" "mathml" -}}
{{- with try (transform.ToMath .Inner $options) -}}
  {{- with .Err -}}
    {{- warnf "math-rejected %s: %s" $.Position . -}}
    <code class="math-rejected">{{ $.Inner }}</code>
  {{- else -}}
    {{- .Value -}}
  {{- end -}}
{{- end -}}
"""
HUGO_MATH_REJECTED = 'class="math-rejected"'


def write_hugo_math(root: Path, posts: list[Post]) -> None:
    """The Hugo site of ``write_hugo``, rendering math at build time as a user of Hugo for an ML blog would."""
    write_hugo(root, posts)
    with (root / "hugo.toml").open("a", encoding="utf-8") as config:
        config.write(HUGO_MATH_CONFIG)
    hooks = root / "layouts" / "_default" / "_markup"
    hooks.mkdir(parents=True)
    (hooks / "render-passthrough.html").write_text(HUGO_MATH_HOOK, encoding="utf-8")


_FORMULA_RE = re.compile(r"\$\$.+?\$\$|\$[^$\n]+?\$", re.S)


def count_formulas(markdown: str) -> int:
    """Inline and display formulas in a synthetic post (its code blocks hold no ``$``)."""
    return len(_FORMULA_RE.findall(markdown))


def write_pelican(root: Path, posts: list[Post]) -> None:
    """The same posts for Pelican (its default theme, feeds on, math left as text)."""
    _fresh(root)
    (root / "pelicanconf.py").write_text(
        textwrap.dedent(
            """
            SITENAME = "Bench"
            SITEURL = ""
            PATH = "content"
            TIMEZONE = "UTC"
            DEFAULT_LANG = "en"
            DEFAULT_PAGINATION = 10
            FEED_ALL_ATOM = "feeds/all.atom.xml"
            TAG_FEED_ATOM = "feeds/{slug}.atom.xml"
            """
        ),
        encoding="utf-8",
    )
    folder = root / "content"
    folder.mkdir(parents=True)
    for post in posts:
        header = f"Title: {post.title}\nDate: {post.date}\nTags: {', '.join(post.tags)}\nSlug: {post.slug}\n\n"
        (folder / f"{post.slug}.md").write_text(header + post.body, encoding="utf-8")


def edit_one(markdown: Path, marker: str) -> None:
    """The one-post edit of the benchmark: a changed sentence at the end of the prose."""
    with markdown.open("a", encoding="utf-8") as handle:
        handle.write(f"\nEdited: {marker}.\n")


def _fresh(root: Path) -> None:
    if root.exists():
        shutil.rmtree(root)
    root.mkdir(parents=True)


# --------------------------------------------------------------------------
# The real-posts corpus: ../shared/corpus/posts, each copied many times.

REAL_POSTS = Path(__file__).resolve().parents[2] / "shared" / "corpus" / "posts"
# What those posts' own sites define in their MathJax configuration.
REAL_MACROS = {
    "E": "\\mathbb{E}",
    "tp": "\\top",
    "blue": "\\color{blue}{#1}",
}
# Left out: they need dozens of macros from their sites' configs, or MyST directives.
REAL_EXCLUDED = (
    "iclr2023__2023-05-01-hitchhikers-momentum.md",
    "iclr2025__2025-04-28-sparse-autodiff.md",
    "mystmd__notebooks-with-markdown.md",
)
_MATH_RE = re.compile(r"(\$\$?)([^$]+?)(\1)")


def write_real(root: Path, copies: int, search: bool = True) -> int:
    """``copies`` perturbed copies of every real post; returns the number of posts.

    Each copy changes its title, every inline and display formula (a trailing
    ``{}_{k}``) and every fenced code block (a trailing comment), so that no
    cache keyed by text can serve one copy from another.
    """
    if not REAL_POSTS.is_dir():
        raise SystemExit(f"{REAL_POSTS} is missing: the real-posts corpus exists only in the development workspace")
    _fresh(root)
    macros = "\n".join(f'{name} = "{body.replace(chr(92), chr(92) * 2)}"' for name, body in REAL_MACROS.items())
    (root / "site.toml").write_text(
        f'title = "Real posts"\nbase_url = "http://localhost:8000/"\n{"" if search else "search = false"}\n'
        f"\n[macros]\n{macros}\n",
        encoding="utf-8",
    )
    folder = root / "content" / "posts"
    folder.mkdir(parents=True)
    count = 0
    for source in sorted(p for p in REAL_POSTS.glob("*.md") if p.name not in ("SOURCES.md", *REAL_EXCLUDED)):
        title, day, body = _split_real(source)
        for k in range(copies):
            perturbed = _MATH_RE.sub(lambda m, k=k: _perturb_math(m, k), body)
            perturbed = re.sub(r"^(```+)\s*$", lambda m, k=k: f"# copy {k}\n{m.group(1)}", perturbed, flags=re.M)
            front = f"---\ntitle: {json_quote(f'{title} ({k})')}\ndate: {day}\n---\n"
            (folder / f"{source.stem}-{k:04d}.md").write_text(front + perturbed, encoding="utf-8")
            count += 1
    return count


def _perturb_math(match: re.Match[str], k: int) -> str:
    """A formula made unique to copy ``k``; environments are left whole (a label must stay top level)."""
    delimiter, tex = match.group(1), match.group(2)
    if "\\begin" in tex:
        return match.group(0)
    return f"{delimiter}{tex} {{}}_{{{k}}}{delimiter}"


def _split_real(source: Path) -> tuple[str, str, str]:
    text = source.read_text(encoding="utf-8")
    body = text
    meta_title = meta_date = None
    if text.startswith("---\n"):
        end = text.index("\n---", 4)
        for line in text[4:end].splitlines():
            key, _, value = line.partition(":")
            if key.strip() == "title":
                meta_title = value.strip().strip("\"'")
            if key.strip() == "date":
                meta_date = value.strip()[:10]
        body = text[end + 4 :].partition("\n")[2]
    heading = next((line.lstrip("# ").strip() for line in body.splitlines() if line.startswith("# ")), source.stem)
    dated = re.search(r"\d{4}-\d{2}-\d{2}", source.name)
    day = meta_date or (dated.group(0) if dated else "2020-01-01")
    return meta_title or heading, day, body


def json_quote(text: str) -> str:
    """A YAML-safe double-quoted scalar (JSON strings are valid YAML)."""
    return json.dumps(text)
