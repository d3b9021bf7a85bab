"""Math against the reference: site_gen's MathML beside Temml's, in a real browser.

    .venv/bin/python bench/math_vs_temml.py                  # whole corpus + demo posts
    .venv/bin/python bench/math_vs_temml.py --only demo      # one set: corpus, posts or demo
    .venv/bin/python bench/math_vs_temml.py --tex '\\sigma(-z)' --tex '$$\\sum_i x_i$$'

Temml 0.13.5 (the reference TeX -> MathML converter) is installed with npm into
``bench/node_modules`` on first use; it is never a dependency of site_gen. Both
converters' MathML is laid out by headless Chromium with the same math font
(Latin Modern Math, Debian's ``fonts-lmodern``), each inside its own shadow
root with its own CSS (Temml's stylesheet, or our ``static/css/site.css`` math
rules). For every formula we read the visible glyphs (one box per character of
every rendered text node, via ``Range.getClientRects``) relative to the
formula's origin: the left edge of the ``<math>`` box and its baseline, in em.

*Equivalent* means the same glyphs in the same order, and for every glyph: its
centre within 0.15 em of Temml's, its width within 5% and its height within
10%. A formula that is not equivalent is put in every class it shows:

* ``glyphs``: different characters (or our converter refused the formula);
* ``delimiter size``: a delimiter or big operator of another size;
* ``script/limit placement``: a glyph moved up or down (scripts, limits, fractions);
* ``width``: another glyph of another size (accents, script level);
* ``horizontal spacing``: a glyph moved sideways only.

Formulas Temml refuses have no reference and are counted apart. ``\\label``,
``\\tag``, ``\\notag`` are removed for both (numbering is the page's job), and
macros defined in a post apply to its later formulas in both converters.
Writes ``bench/math_vs_temml.html``: every non-equivalent formula, side by side.
"""

from __future__ import annotations

import argparse
import html
import json
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
BENCH = REPO / "bench"
sys.path.insert(0, str(REPO))

from site_gen.math import TexError, convert, extract_definitions  # noqa: E402

SHARED = REPO.parent / "shared" / "corpus"
EXPRESSIONS = SHARED / "latex" / "expressions.json"
POSTS = SHARED / "posts"
DEMO = REPO / "content"
TEMML_VERSION = "0.13.5"
TEMML_DIR = BENCH / "node_modules" / "temml" / "dist"
CHROMIUM = Path("/usr/bin/chromium")
MATH_FONT = "Latin Modern Math"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]
TARGETS = {"display": 0.97, "inline": 0.99}
# Equivalence thresholds (em for positions, ratios for sizes).
CENTRE_EM = 0.15
WIDTH_RATIO = 0.05
HEIGHT_RATIO = 0.10
CLASSES = ("glyphs", "delimiter size", "script/limit placement", "width", "horizontal spacing")
# Characters that stretch or grow: their size is the "delimiter size" class.
DELIMITERS = set("()[]{}|‖⟨⟩⌊⌋⌈⌉/\\∑∏∐∫∬∭∮⋃⋂⨁⨂⨀⋁⋀√⏟⏞⎴⎵\u2223\u2225\u2016\u2329\u232a")
# Macros those sites set in their MathJax configuration, outside the posts.
SITE_MACROS: dict[str, dict[str, str]] = {
    "cs228": {"E": r"\mathbb{E}", "tp": r"\tilde{p}", "Z": r"\mathcal{Z}"},
}
_NOT_MATH_SOURCES = {"SOURCES.md"}
_TAGS_RE = re.compile(r"\\(?:label|tag\*?)\s*\{[^{}]*\}|\\(?:notag|nonumber)(?![A-Za-z])")


@dataclass(frozen=True)
class Formula:
    """One formula of a post: ``group`` is the post, whose macros carry forward."""

    group: str
    tex: str
    display: bool
    macros: tuple[tuple[str, str], ...] = ()  # site and front-matter macros of the post


@dataclass
class Verdict:
    formula: Formula
    ours: str = ""  # MathML, or "" when refused
    temml: str = ""
    ours_error: str = ""
    temml_error: str = ""
    classes: list[str] = field(default_factory=list)
    detail: str = ""

    @property
    def equivalent(self) -> bool:
        return not self.temml_error and not self.classes


# --------------------------------------------------------------------------
# Corpus


def load_expressions(path: Path = EXPRESSIONS) -> list[Formula]:
    """``../shared/corpus/latex/expressions.json``, in each post's order."""
    out = []
    for e in json.loads(path.read_text(encoding="utf-8")):
        if e["source"] in _NOT_MATH_SOURCES:
            continue
        site = SITE_MACROS.get(e["source"].split("__")[0], {})
        out.append(Formula(e["source"], e["tex"], bool(e["display"]), tuple(site.items())))
    return out


def load_posts(folder: Path, site_macros: dict[str, str] | None = None) -> list[Formula]:
    """Every formula of the Markdown posts under ``folder``, found by site_gen's own parser."""
    from site_gen.content import split_front_matter
    from site_gen.markdown import ENV_KEY, _DocState, build_parser
    from site_gen.markdown_math import MATH_TYPES

    md = build_parser()
    # Only the parse: site_gen's own core rules (checks, conversions) are not run.
    md.disable([r for r in md.core.ruler.get_active_rules() if r not in _MARKDOWN_IT_CORE])
    out: list[Formula] = []
    for path in sorted(folder.rglob("*.md")):
        if path.name.startswith(("_", ".")) or path.name == "SOURCES.md":
            continue
        text = path.read_text(encoding="utf-8")
        try:
            meta, body, _ = split_front_matter(text, path)
        except Exception:  # a post without usable front matter still has math
            meta, body = {}, text
        macros = {**(site_macros or {}), **SITE_MACROS.get(path.name.split("__")[0], {})}
        if isinstance(meta.get("macros"), dict):
            macros.update({str(k): str(v) for k, v in meta["macros"].items()})
        group = str(path.relative_to(folder))
        for token in _walk(md.parse(body, {ENV_KEY: _DocState(path, 1, dict(macros))})):
            if token.type in MATH_TYPES and token.content.strip():
                out.append(Formula(group, token.content, MATH_TYPES[token.type], tuple(macros.items())))
    return out


# markdown-it's own core rules; every other one is site_gen's.
_MARKDOWN_IT_CORE = {"normalize", "block", "inline", "linkify", "replacements", "smartquotes", "text_join"}


def _walk(tokens: Iterable[Any]) -> Iterable[Any]:
    for token in tokens:
        yield token
        if token.children:
            yield from _walk(token.children)


def load_demo() -> list[Formula]:
    import tomllib

    config = tomllib.loads((REPO / "site.toml").read_text(encoding="utf-8"))
    return load_posts(DEMO, config.get("macros", {}))


def corpus_sets(only: str | None = None) -> dict[str, list[Formula]]:
    sets: dict[str, list[Formula]] = {}
    if only in (None, "corpus") and EXPRESSIONS.is_file():
        sets["corpus"] = load_expressions()
    if only in (None, "posts") and POSTS.is_dir():
        sets["posts"] = load_posts(POSTS)
    if only in (None, "demo"):
        sets["demo"] = load_demo()
    return sets


def parse_tex_argument(text: str) -> Formula:
    """``--tex``: ``$$…$$`` is display math, anything else inline."""
    stripped = text.strip()
    if stripped.startswith("$$") and stripped.endswith("$$") and len(stripped) > 4:
        return Formula("cli", stripped[2:-2], True)
    return Formula("cli", stripped.strip("$"), False)


# --------------------------------------------------------------------------
# The two converters


def missing(*, install: bool = True) -> str | None:
    """Why the comparison cannot run here, or None when it can (installing Temml first)."""
    if shutil.which("node") is None:
        return "needs node (apt-get install nodejs)"
    if not CHROMIUM.exists():
        return f"needs Chromium at {CHROMIUM} (scripts/test.sh installs it)"
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return "needs playwright (pip install -e '.[test]')"
    if not (TEMML_DIR / "temml.cjs").is_file() and install:
        install_temml()
    if not (TEMML_DIR / "temml.cjs").is_file():
        return f"needs temml: npm install --prefix bench (temml@{TEMML_VERSION})"
    return None


def install_temml() -> None:
    """Temml into bench/node_modules (never a runtime dependency of site_gen).

    ``bench/package.json`` pins Temml to TEMML_VERSION."""
    if shutil.which("npm") is None:
        return
    subprocess.run(
        ["npm", "install", "--prefix", str(BENCH), "--no-audit", "--no-fund"],  # bench/package.json pins it
        check=False,
        capture_output=True,
        timeout=300,
    )


def strip_tags(tex: str) -> str:
    return _TAGS_RE.sub("", tex)


# One node process for every formula. Definitions in a formula (found with
# Temml's own preamble parser) apply to the later formulas of the same post.
_TEMML_SCRIPT = r"""
const temml = require(process.argv[2]);
const input = JSON.parse(require("fs").readFileSync(0, "utf8"));
const groups = new Map();
const DEFINES = /\\(newcommand|renewcommand|providecommand|def|gdef|DeclareMathOperator)(?![A-Za-z])/;
// Temml has no \DeclareMathOperator: say it with \newcommand, as amsmath means it.
const declare = (tex) => tex.replace(
  /\\DeclareMathOperator(\*?)\s*\{?\s*(\\[A-Za-z]+)\s*\}?\s*\{([^{}]*)\}/g,
  (_, star, name, text) => `\\newcommand{${name}}{\\operatorname${star}{${text}}}`);
const out = input.map(({group, tex, display, macros}) => {
  if (!groups.has(group)) {
    const initial = {};
    for (const [k, v] of macros) initial["\\" + k] = v;
    groups.set(group, initial);
  }
  const known = groups.get(group);
  tex = declare(tex);
  let result;
  try {
    result = {mathml: temml.renderToString(tex, {displayMode: display, throwOnError: true, macros: {...known}})};
  } catch (err) {
    result = {error: String(err.message || err).slice(0, 200)};
  }
  if (DEFINES.test(tex)) {
    const preamble = tex.replace(/\\renewcommand/g, "\\providecommand");
    try {
      Object.assign(known, temml.definePreamble(preamble, {macros: {...known}}));
    } catch (err) {
      // One definition Temml refuses (\definecolor{c}{RGB}{…}) must not lose the
      // others: read them one at a time.
      for (const piece of preamble.split(/(?=\\(?:def|gdef|newcommand|providecommand|definecolor)(?![A-Za-z]))/)) {
        try { Object.assign(known, temml.definePreamble(piece, {macros: {...known}})); } catch (e) { /* skip */ }
      }
    }
  }
  return result;
});
process.stdout.write(JSON.stringify(out));
"""


def temml_convert(formulas: Sequence[Formula]) -> list[dict[str, str]]:
    """Temml's MathML (``{"mathml": …}``) or error (``{"error": …}``) per formula."""
    with tempfile.TemporaryDirectory() as tmp:
        script = Path(tmp) / "temml_batch.js"
        script.write_text(_TEMML_SCRIPT, encoding="utf-8")
        data = [
            {"group": f.group, "tex": strip_tags(f.tex), "display": f.display, "macros": list(f.macros)}
            for f in formulas
        ]
        done = subprocess.run(
            ["node", str(script), str(TEMML_DIR / "temml.cjs")],
            input=json.dumps(data),
            capture_output=True,
            text=True,
            check=True,
            timeout=600,
        )
    result: list[dict[str, str]] = json.loads(done.stdout)
    return result


def ours_convert(formulas: Sequence[Formula]) -> list[dict[str, str]]:
    """site_gen's MathML per formula, with definitions carried forward as a post does."""
    macros: dict[str, dict[str, str]] = {}
    out: list[dict[str, str]] = []
    for f in formulas:
        known = macros.setdefault(f.group, dict(f.macros))
        tex = strip_tags(f.tex)
        try:
            known.update(extract_definitions(tex).macros)
            out.append({"mathml": convert(tex, display=f.display, macros=known).mathml})
        except TexError as err:
            out.append({"error": err.message})
    return out


# --------------------------------------------------------------------------
# Layout in Chromium


def site_math_css() -> str:
    """The math rules of our stylesheet (from its Math section to the next)."""
    css = (REPO / "static" / "css" / "site.css").read_text(encoding="utf-8")
    start = css.find("/* ---- Math")
    end = css.find("/* ---- ", start + 10)
    return css[start:end] if start >= 0 else ""


def _page_css() -> tuple[str, str]:
    # Same font and size for both; every formula inline on one baseline, so
    # the origin (left edge, baseline) means the same on both sides.
    common = (
        f'math {{ font-family: "{MATH_FONT}" !important; font-size: 20px !important; '
        "display: inline math !important; width: auto !important; margin: 0 !important; }\n"
        ".line { white-space: nowrap; font-size: 20px; line-height: normal; padding: 8px 0; }\n"
        ".mark { display: inline-block; width: 0; height: 0; }\n"
    )
    # Temml's stylesheet, less its own font (a KaTeX clone for primes and
    # \mathscr): the comparison is of the MathML, in one math font.
    temml_css = (TEMML_DIR / "Temml-Local.css").read_text(encoding="utf-8")
    temml_css = re.sub(r"@font-face\s*\{[^}]*\}", "", temml_css)
    temml_css = re.sub(r"font-family:\s*(\"Temml\"|Temml);", "", temml_css)
    return site_math_css() + common, temml_css + common


_MEASURE_JS = r"""
([items, oursCss, temmlCss]) => {
  const ITALIC = (c) => {
    const p = c.codePointAt(0);
    if (c === "h") return "\u210e";
    if (p >= 65 && p <= 90) return String.fromCodePoint(0x1d434 + p - 65);
    if (p >= 97 && p <= 122) return String.fromCodePoint(0x1d44e + p - 97);
    if (p >= 0x391 && p <= 0x3a9 && p !== 0x3a2) return String.fromCodePoint(0x1d6e2 + p - 0x391);
    if (p >= 0x3b1 && p <= 0x3c9) return String.fromCodePoint(0x1d6fc + p - 0x3b1);
    const extra = {"\u0131": "\u{1d6a4}", "\u0237": "\u{1d6a5}", "\u2207": "\u{1d6fb}", "\u2202": "\u{1d715}",
                   "\u03f5": "\u{1d716}", "\u03d1": "\u{1d717}", "\u03f0": "\u{1d718}", "\u03d5": "\u{1d719}",
                   "\u03f1": "\u{1d71a}", "\u03d6": "\u{1d71b}"};
    return extra[c] || c;
  };
  const SKIP = /[\s\u2061-\u2064\u200b\u00a0\u2009\u200a\u205f\u2005\u2006]/u;
  const root = document.getElementById("root");
  root.textContent = "";
  const hosts = items.map(([ours, temml]) => {
    const pair = [];
    for (const [markup, css] of [[ours, oursCss], [temml, temmlCss]]) {
      const host = document.createElement("div");
      host.className = "line";
      const shadow = host.attachShadow({mode: "open"});
      shadow.innerHTML = `<style>${css}</style><div class="line"><span class="mark"></span>${markup}</div>`;
      root.appendChild(host);
      pair.push(shadow);
    }
    return pair;
  });
  // The box without padding: Temml pads superscripts for italic correction.
  const contentBox = (el) => {
    const r = el.getBoundingClientRect(), s = getComputedStyle(el);
    const l = parseFloat(s.paddingLeft) + parseFloat(s.borderLeftWidth);
    const rt = parseFloat(s.paddingRight) + parseFloat(s.borderRightWidth);
    const t = parseFloat(s.paddingTop) + parseFloat(s.borderTopWidth);
    const b = parseFloat(s.paddingBottom) + parseFloat(s.borderBottomWidth);
    return {left: r.left + l, right: r.right - rt, top: r.top + t, bottom: r.bottom - b,
            width: r.width - l - rt, height: r.height - t - b};
  };
  const measure = (shadow) => {
    const math = shadow.querySelector("math");
    if (!math) return null;
    const box = math.getBoundingClientRect();
    const base = shadow.querySelector(".mark").getBoundingClientRect().top;
    const em = parseFloat(getComputedStyle(math).fontSize);
    const glyphs = [];
    const walker = document.createTreeWalker(math, NodeFilter.SHOW_TEXT);
    for (let node = walker.nextNode(); node; node = walker.nextNode()) {
      const parent = node.parentElement;
      if (parent.closest("annotation, annotation-xml")) continue;
      if (getComputedStyle(parent).visibility === "hidden") continue;
      const chars = Array.from(node.data);
      const auto = chars.length === 1 && parent.localName === "mi"
        && getComputedStyle(parent).textTransform === "math-auto";
      // A token's own box is its ink (a stretched delimiter's real size); a
      // character's range box is only the font's em box at its advance.
      const token = parent.closest("mi, mn, mo, mtext, ms") || parent;
      const own = contentBox(token);
      const single = Array.from(token.textContent).filter(c => !SKIP.test(c)).length === 1;
      let offset = 0;
      for (const ch of chars) {
        const start = offset;
        offset += ch.length;
        if (SKIP.test(ch)) continue;
        const range = document.createRange();
        range.setStart(node, start);
        range.setEnd(node, offset);
        const rects = Array.from(range.getClientRects()).filter(r => r.width > 0 || r.height > 0);
        if (!rects.length) continue;
        let left = Math.min(...rects.map(r => r.left)), right = Math.max(...rects.map(r => r.right));
        if (single && own.width > 0) { left = own.left; right = own.right; }
        const top = own.height > 0 ? own.top : Math.min(...rects.map(r => r.top));
        const bottom = own.height > 0 ? own.bottom : Math.max(...rects.map(r => r.bottom));
        glyphs.push({c: auto ? ITALIC(ch) : ch,
                     x: ((left + right) / 2 - box.left) / em, y: ((top + bottom) / 2 - base) / em,
                     w: (right - left) / em, h: (bottom - top) / em});
      }
    }
    // Horizontally from the first glyph's left edge: display math is centred
    // (Temml sets numbered environments in a table as wide as the line).
    const origin = Math.min(...glyphs.map(g => g.x - g.w / 2));
    for (const g of glyphs) g.x -= origin;
    return {glyphs, width: box.width / em};
  };
  return hosts.map(([a, b]) => [measure(a), measure(b)]);
}
"""


def layout(pairs: Sequence[tuple[str, str]], batch: int = 150) -> list[tuple[Any, Any]]:
    """Glyph boxes of (ours, temml) MathML pairs, laid out by Chromium."""
    from playwright.sync_api import sync_playwright

    ours_css, temml_css = _page_css()
    out: list[tuple[Any, Any]] = []
    with tempfile.TemporaryDirectory() as tmp, sync_playwright() as pw:
        page_file = Path(tmp) / "page.html"
        page_file.write_text('<!DOCTYPE html><meta charset="utf-8"><body><div id="root"></div></body>')
        browser = pw.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 1600, "height": 900})
        page.goto(page_file.as_uri())
        for start in range(0, len(pairs), batch):
            chunk = [list(p) for p in pairs[start : start + batch]]
            page.evaluate("document.fonts.ready")
            out.extend(tuple(r) for r in page.evaluate(_MEASURE_JS, [chunk, ours_css, temml_css]))
        browser.close()
    return out


# --------------------------------------------------------------------------
# Comparison


def compare(ours: Any, temml: Any, display: bool = False) -> tuple[list[str], str]:
    """The difference classes of two measured formulas, and the first difference."""
    if ours is None or temml is None:
        return ["glyphs"], "no <math> element"
    a, b = ours["glyphs"], temml["glyphs"]
    seq_a, seq_b = "".join(g["c"] for g in a), "".join(g["c"] for g in b)
    if Counter(seq_a) != Counter(seq_b):
        return ["glyphs"], f"glyphs differ: ours {seq_a!r}, Temml {seq_b!r}"
    # Pair the k-th occurrence of each character on both sides (structures may
    # order the same glyphs differently, e.g. under before over).
    by_char: dict[str, list[Any]] = defaultdict(list)
    for g in b:
        by_char[g["c"]].append(g)
    seen: Counter[str] = Counter()
    classes: set[str] = set()
    first = ""
    pairs = []
    for g in a:
        pairs.append((g, by_char[g["c"]][seen[g["c"]]]))
        seen[g["c"]] += 1
    # Display math is a block: only the glyphs' places relative to each other
    # count, so the vertical origin is where most glyphs agree (Temml sets
    # numbered environments as tables, whose baseline is their middle).
    shift = statistics.median(g["y"] - ref["y"] for g, ref in pairs) if display and pairs else 0.0
    for g, ref in pairs:
        dx, dy = g["x"] - ref["x"], g["y"] - ref["y"] - shift
        wide = abs(g["w"] - ref["w"]) > WIDTH_RATIO * max(ref["w"], 0.05)
        tall = abs(g["h"] - ref["h"]) > HEIGHT_RATIO * max(ref["h"], 0.05)
        found = []
        if wide or tall:
            found.append("delimiter size" if g["c"] in DELIMITERS else "width")
        if abs(dy) > CENTRE_EM:
            found.append("script/limit placement")
        elif abs(dx) > CENTRE_EM and not found:
            found.append("horizontal spacing")
        if found and not first:
            first = (
                f"{g['c']!r}: dx {dx:+.2f} em, dy {dy:+.2f} em, "
                f"w {g['w']:.2f}/{ref['w']:.2f}, h {g['h']:.2f}/{ref['h']:.2f} em (ours/Temml)"
            )
        classes.update(found)
    return [c for c in CLASSES if c in classes], first


# site_gen's MathML for σ(−z) before issue 11: a binary minus. It must differ.
BINARY_MINUS = (
    '<math display="inline"><mrow><mi>σ</mi><mo stretchy="false">(</mo><mo>−</mo>'
    '<mi>z</mi><mo stretchy="false">)</mo></mrow></math>'
)


def calibrate() -> list[str]:
    """What is wrong with the measure itself: Temml's MathML against itself must be
    equivalent, and the binary-spaced minus above must not be. Empty when sound."""
    formula = Formula("calibration", r"\sigma(-z) = \sum_{i=1}^n \frac{x_i}{2}", True)
    reference = temml_convert([formula, Formula("calibration", r"\sigma(-z)", False)])
    same, minus = layout([(reference[0]["mathml"], reference[0]["mathml"]), (BINARY_MINUS, reference[1]["mathml"])])
    problems = []
    if compare(*same, display=True)[0]:
        problems.append(f"identical MathML compared as different: {compare(*same, display=True)[1]}")
    if not compare(*minus)[0]:
        problems.append("a binary-spaced unary minus compared as equivalent")
    return problems


def run(formulas: Sequence[Formula]) -> list[Verdict]:
    """Convert with both, lay out, compare: one verdict per formula."""
    reference = temml_convert(formulas)
    ours = ours_convert(formulas)
    verdicts = [
        Verdict(f, o.get("mathml", ""), t.get("mathml", ""), o.get("error", ""), t.get("error", ""))
        for f, o, t in zip(formulas, ours, reference, strict=True)
    ]
    todo = [v for v in verdicts if not v.temml_error and not v.ours_error and v.ours]
    for v in verdicts:
        if v.temml_error:
            continue
        if v.ours_error:
            v.classes, v.detail = ["glyphs"], f"site_gen refused it: {v.ours_error}"
    boxes = layout([(v.ours, v.temml) for v in todo])
    for v, (a, b) in zip(todo, boxes, strict=True):
        v.classes, v.detail = compare(a, b, v.formula.display)
    return verdicts


# --------------------------------------------------------------------------
# Report


@dataclass
class Figures:
    display: tuple[int, int]  # equivalent, compared
    inline: tuple[int, int]
    classes: Counter[str]
    no_reference: int

    def rate(self, kind: str) -> float:
        good, total = getattr(self, kind)
        return good / total if total else 1.0


def figures(verdicts: Sequence[Verdict]) -> Figures:
    counts: dict[bool, list[int]] = {True: [0, 0], False: [0, 0]}
    classes: Counter[str] = Counter()
    no_reference = 0
    for v in verdicts:
        if v.temml_error:
            no_reference += 1
            continue
        counts[v.formula.display][1] += 1
        counts[v.formula.display][0] += v.equivalent
        classes.update(v.classes)
    return Figures(tuple(counts[True]), tuple(counts[False]), classes, no_reference)  # type: ignore[arg-type]


def report(name: str, verdicts: Sequence[Verdict]) -> bool:
    f = figures(verdicts)
    met = True
    print(f"== {name}: {len(verdicts)} formulas ({f.no_reference} that Temml refuses are not compared)")
    for kind in ("display", "inline"):
        good, total = getattr(f, kind)
        ok = f.rate(kind) >= TARGETS[kind]
        met &= ok
        verdict = "met" if ok else "NOT met"
        rate = f"{good:4d} / {total:4d} equivalent = {f.rate(kind):6.1%}"
        print(f"   {kind:8} {rate}  (target {TARGETS[kind]:.0%}: {verdict})")
    for cls in CLASSES:
        if f.classes[cls]:
            print(f"   {f.classes[cls]:5d}  {cls}")
    return met


def dedupe(sets: dict[str, list[Verdict]]) -> list[Verdict]:
    """All sets as one, each (post, TeX, display) counted once."""
    seen: set[tuple[str, str, bool]] = set()
    out = []
    for verdicts in sets.values():
        for v in verdicts:
            key = (v.formula.group.rsplit("/", 1)[-1], " ".join(v.formula.tex.split()), v.formula.display)
            if key not in seen:
                seen.add(key)
                out.append(v)
    return out


def side_by_side(verdicts: Sequence[Verdict]) -> str:
    """An HTML page of every non-equivalent formula: ours, then Temml's."""
    ours_css, temml_css = _page_css()
    rows = []
    for n, v in enumerate(x for x in verdicts if not x.equivalent and not x.temml_error):
        rows.append(
            f"<section><h2>{n + 1}. {html.escape(', '.join(v.classes))} · {html.escape(v.formula.group)}</h2>"
            f'<pre class="tex">{html.escape(v.formula.tex.strip())}</pre>'
            f'<p class="detail">{html.escape(v.detail)}</p>'
            f'<div class="pair"><div class="side"><b>site_gen</b><template data-css="ours">{v.ours}</template></div>'
            f'<div class="side"><b>Temml</b><template data-css="temml">{v.temml}</template></div></div></section>'
        )
    script = (
        "<script>const CSS={ours:" + json.dumps(ours_css) + ",temml:" + json.dumps(temml_css) + "};"
        "for(const t of document.querySelectorAll('template')){const h=document.createElement('div');"
        "t.after(h);h.attachShadow({mode:'open'}).innerHTML='<style>'+CSS[t.dataset.css]+'</style>'+t.innerHTML;}"
        "</script>"
    )
    return (
        '<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>site_gen vs Temml</title>'
        "<style>body{font-family:system-ui;margin:1em}section{border-top:1px solid #ccc;padding:.4em 0}"
        "h2{font-size:.9em}.tex{white-space:pre-wrap;font-size:.8em;color:#555}.detail{font-size:.8em;color:#a00}"
        ".pair{display:flex;gap:2em}.side{flex:1;overflow-x:auto}.side b{font-size:.7em;color:#888}</style></head>"
        f"<body><h1>Not equivalent to Temml {TEMML_VERSION}</h1>"
        "<p>From <code>bench/math_vs_temml.py</code>.</p>" + "".join(rows) + script + "</body></html>\n"
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--only", choices=("corpus", "posts", "demo"), help="one set of formulas")
    parser.add_argument("--tex", action="append", help="compare these formulas instead ($$…$$: display)")
    parser.add_argument("--page", type=Path, default=BENCH / "math_vs_temml.html", help="side-by-side page")
    parser.add_argument("--examples", type=int, default=0, help="print this many non-equivalent formulas per class")
    args = parser.parse_args(argv)
    reason = missing()
    if reason:
        print(f"math_vs_temml: skipped: {reason}")
        return 0
    problems = calibrate()
    if problems:
        print("math_vs_temml: the measure is off:", *problems, sep="\n  ")
        return 2
    sets = {"cli": [parse_tex_argument(t) for t in args.tex]} if args.tex else corpus_sets(args.only)
    if not SHARED.is_dir() and not args.tex:
        print(f"math_vs_temml: {SHARED} not found; the demo posts only")
    results = {name: run(formulas) for name, formulas in sets.items()}
    met = True
    for name, verdicts in results.items():
        met &= report(name, verdicts)
    every = dedupe(results)
    if len(results) > 1:
        met = report("all (each formula once)", every)
    if args.tex or args.examples:
        for v in every:
            if not v.equivalent:
                tex = " ".join(v.formula.tex.split())[:120]
                print(f"   [{', '.join(v.classes) or 'no reference'}] {tex}\n        {v.detail or v.temml_error}")
    args.page.write_text(side_by_side(every), encoding="utf-8")
    print(f"wrote {args.page}")
    return 0 if met else 1


if __name__ == "__main__":
    sys.exit(main())
