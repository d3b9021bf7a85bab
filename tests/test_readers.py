"""Readers: Quarto, MyST and Jekyll-named Markdown read as they are (issue 12)."""

from __future__ import annotations

import html
import json
import pickle
import re
from pathlib import Path

import lxml.html
import pytest

from site_gen.build import build_site
from site_gen.errors import BuildFailed
from site_gen.readers.quarto import installed_kernels

from .conftest import SHARED, SHARED_MISSING, write


def visible_text(page: Path) -> str:
    """The post's text as a reader sees it: no code, no tags, entities decoded."""
    body = page.read_text(encoding="utf-8")
    body = body[body.find("<main") : body.find("</main>")]
    body = re.sub(r"<(pre|code|math|svg)\b.*?</\1>", " ", body, flags=re.S)
    return html.unescape(re.sub(r"<[^>]+>", " ", body))


QUARTO_POST = """
---
title: "Fitting a line"
date: 2024-03-02
date-modified: 2024-03-05
categories: [regression, numpy]
description: "Least squares, twice."
author: Someone
format:
  html:
    code-fold: true
execute:
  echo: true
  eval: false
---

The loss is $L(w) = \\frac{1}{N}\\sum_i (y_i - w x_i)^2$.

```{python}
#| label: fit
import numpy as np
print(np.polyfit([0, 1, 2], [1, 3, 5], 1))
```

```{r}
fit <- lm(y ~ x)
```

::: {.callout-tip}
## Why squares?
They make the minimum a linear solve.
:::
"""


def test_a_quarto_post_builds_as_it_is(make_site):
    root = make_site()
    write(root, "content/posts/fit.qmd", QUARTO_POST)
    result = build_site(root)
    page = root / "public/posts/fit/index.html"
    text = visible_text(page)
    assert "Fitting a line" in text and "Why squares?" in text
    assert "\\frac" not in text and "{r}" not in text and "```" not in text
    source = page.read_text(encoding="utf-8")
    assert "<math" in source and 'class="callout callout-tip"' in source
    assert '<code class="language-r">' in source, "the R chunk is shown as code"
    assert 'href="/notebook/tags/regression/"' in source, "categories are tags"
    assert 'content="Least squares, twice."' in source, "description is the summary"
    assert result.cells_run == 0, "execute: {eval: false} shows the code without running it"
    warnings = [str(w) for w in result.warnings]
    assert not any("{r}" in w for w in warnings), "nothing runs in this post: the R chunk is no loss"


def test_a_quarto_page_bundle_uses_index_qmd(make_site):
    root = make_site()
    write(root, "content/posts/line/index.qmd", "---\ntitle: Bundled\ndate: 2024-01-01\n---\n![plot](plot.png)\n")
    (root / "content/posts/line/plot.png").write_bytes(b"\x89PNG\r\n\x1a\n")
    build_site(root)
    assert (root / "public/posts/line/index.html").exists()
    assert (root / "public/posts/line/plot.png").exists()
    assert not (root / "public/posts/line/index.qmd").exists(), "the source is read, not copied"


MYST_POST = """
---
title: Executable notes
date: 2024-05-01
kernelspec:
  name: python3
  display_name: Python 3
jupytext:
  text_representation:
    format_name: myst
---

(sec-intro)=
## Intro

```{code-cell} python
:tags: [remove-input]
print(6 * 7)
```

```{math}
:label: eq-sq
y = x^2
```

See {eq}`eq-sq`, and $ x + 1 $ with spaces.

:::{tip} A tip
:class: dropdown
Body of the tip.
:::

```{note}
Backtick-fenced note.
```

```{code} python
:caption: train.py
:linenos:
step()
```

```{list-table}
* - a
  - b
```

```{index} gradient; descent
```

:::{prf:theorem} Convergence
:label: thm-conv
Gradient descent converges.
:::
"""


def test_a_myst_post_builds_as_it_is(make_site):
    root = make_site()
    write(root, "content/posts/notes.md", MYST_POST)
    result = build_site(root)
    page = root / "public/posts/notes/index.html"
    source = page.read_text(encoding="utf-8")
    text = visible_text(page)
    assert result.cells_run == 1
    assert "42" in source and "print(6 * 7)" not in source, "remove-input hides the code, keeps the output"
    assert 'id="eq-sq"' in source and 'class="eqref"' in source
    assert "$" not in text and "{eq}" not in text and "(sec-intro)=" not in text and ":class:" not in text
    assert source.count('class="callout ') == 3 and "A tip" in text
    assert "Theorem (Convergence)" in text and "gradient; descent" not in text
    assert 'class="code-filename"' in source or "train.py" in text
    warnings = [str(w) for w in result.warnings]
    assert any("{list-table} has no meaning here" in w for w in warnings)
    assert not any("kernelspec" in w or "jupytext" in w for w in warnings), "MyST's own keys are understood"


def test_jekyll_names_give_the_date_and_slug(make_site):
    root = make_site()
    write(root, "content/posts/2020-01-14-test-post.markdown", "---\ntitle: Jekyll\n---\n# Not the title\nBody.\n")
    write(root, "content/posts/untitled.md", "---\ndate: 2024-01-01\n---\n# From the heading\n\nText.\n")
    build_site(root)
    page = (root / "public/posts/test-post/index.html").read_text(encoding="utf-8")
    assert "14 January 2020" in page
    untitled = (root / "public/posts/untitled/index.html").read_text(encoding="utf-8")
    assert "<title>From the heading" in untitled and untitled.count("From the heading") >= 1
    assert "<h1 id" not in untitled.split("</header>", 1)[-1], "the heading became the title, not a second h1"


def test_unknown_quarto_execute_is_an_error_with_its_line(make_site):
    root = make_site()
    write(root, "content/posts/bad.qmd", "---\ntitle: T\ndate: 2024-01-01\nexecute: sometimes\n---\n")
    with pytest.raises(BuildFailed) as failed:
        build_site(root)
    [error] = failed.value.errors
    assert error.line == 4 and "execute" in error.message


@pytest.mark.skipif(not (SHARED / "corpus/posts").is_dir(), reason=SHARED_MISSING)
def test_the_real_myst_post_of_the_corpus_builds(make_site):
    """mystmd's own documentation page, as its authors wrote it (a date added: it is a doc, not a post)."""
    text = (SHARED / "corpus/posts/mystmd__notebooks-with-markdown.md").read_text(encoding="utf-8")
    root = make_site()
    write(root, "content/posts/myst.md", text.replace("---\n", "---\ndate: 2024-01-01\n", 1))
    build_site(root)
    shown = visible_text(root / "public/posts/myst/index.html")
    for leftover in ("{code-cell}", ":tags:", "{tip}", ":::", "$", ")="):
        assert leftover not in shown, leftover


QUARTO_LAYOUT = """
---
title: Layout
date: 2024-01-01
---

::: {.column-margin}
A margin note.
:::

::: {.panel-tabset}
## Python
py code
## R
r code
:::

::: {.content-visible when-format="html"}
Only in HTML.
:::

::: {.content-visible when-format="pdf"}
Only in PDF.
:::

::: {.content-hidden when-format="html"}
Hidden in HTML.
:::

::: {.callout-note #note-x collapse="true"}
## Folded title
Body
:::

::: {#custom .wide}
A plain div.
:::

```{=html}
<div class="x">raw</div>

<p>after a blank line</p>
```

```{=latex}
\\newpage
```

{{< video https://www.youtube.com/embed/abc >}}

{{< include _part.qmd >}}

{{< unknown thing >}}
"""


def test_quarto_layout_divs_shortcodes_and_raw_blocks(make_site):
    root = make_site()
    write(root, "content/posts/layout/index.qmd", QUARTO_LAYOUT)
    write(root, "content/posts/layout/_part.qmd", "Included **text**.")
    result = build_site(root)
    page = (root / "public/posts/layout/index.html").read_text(encoding="utf-8")
    body = page[page.find('<div class="post-body">') : page.find("</article>")]
    assert '<aside class="margin-note column-margin">\n<p>A margin note.</p>\n</aside>' in body
    assert body.count('class="tab-radio"') == 2 and body.count('<div class="tab-panel">') == 2
    assert '<label class="tab-label" for="tabset-1-2">R</label>' in body and " checked>" in body
    assert "Only in HTML." in body and "Only in PDF." not in body and "Hidden in HTML." not in body
    assert '<details id="note-x" class="callout callout-note">\n<summary class="callout-title">Folded title' in body
    assert '<div id="custom" class="wide">' in body
    assert '<div class="x">raw</div>' in body and "<p>after a blank line</p>" in body and "newpage" not in body
    assert '<iframe src="https://www.youtube.com/embed/abc"' in body
    assert "Included <strong>text</strong>." in body
    assert "{{&lt;" not in body and "{{<" not in body
    assert any("shortcode {{< unknown >}} removed" in str(w) for w in result.warnings)
    assert "_part" not in " ".join(p.name for p in (root / "public/posts/layout").iterdir())


@pytest.mark.parametrize(
    ("written", "iso"),
    [
        ("3-7-2021", "2021-03-07"),
        ("03/07/2021", "2021-03-07"),
        ("March 7, 2021", "2021-03-07"),
        ("7 Mar 2021", "2021-03-07"),
    ],
)
def test_quarto_reads_the_dates_quarto_reads(make_site, written, iso):
    from site_gen.readers.quarto import iso_date

    assert iso_date(written) == iso
    assert iso_date("31-31-2021") == "31-31-2021", "not a date: left for the date check and its error"
    root = make_site()
    write(root, "content/posts/dated.qmd", f"---\ntitle: Dated\ndate: {written}\n---\nText.\n")
    build_site(root)
    assert "7 March 2021" in (root / "public/posts/dated/index.html").read_text(encoding="utf-8")


QUARTO_FIGURE_DIVS = """
---
title: Figure divs
date: 2024-01-01
---

The code of @fig-sketch draws the curves of @fig-pair.

::: { #fig-sketch }

```python
print("sketch")
```

The sketch, in Python.

:::

::: {#fig-pair layout-ncol=2}

![Left](a.png)

![Right](b.png)

Two curves side by side.

:::
"""


def test_a_quarto_figure_div_is_numbered_and_captioned_by_its_last_paragraph(make_site):
    root = make_site()
    write(root, "content/posts/divs.qmd", QUARTO_FIGURE_DIVS)
    build_site(root)
    page = (root / "public/posts/divs/index.html").read_text(encoding="utf-8")
    assert '<figure id="fig-sketch">' in page and '<figure id="fig-pair">' in page
    assert '<figcaption><span class="figure-number">Figure 1:</span> The sketch, in Python.</figcaption>' in page
    assert '<span class="figure-number">Figure 2:</span> Two curves side by side.' in page
    assert '<a class="crossref" href="#fig-sketch">Figure 1</a>' in page
    assert '<a class="crossref" href="#fig-pair">Figure 2</a>' in page


MYST_BOOK_PAGE = """
---
kernelspec:
  name: python3
  language: python
---

(page-label)=
```{raw} html
<div class="banner">A course banner</div>
```

+++ {"user_expressions": []}

# A page of a book

```{contents} On this page
:depth: 2
```

Shown in {cite}`knuth1984`.

```{admonition} Careful
:class: warning
Mind the step size.
```

```{tip} Unfold me
:class: dropdown
Hidden at first.
```

```{exercise}
:label: ex-one
Square 3.
```

```{solution-start} ex-one
:class: dropdown
```

It is 9.

```{solution-end}
```
"""


def test_a_myst_book_page_builds_as_it_is(make_site):
    root = make_site()
    write(root, "content/posts/page.md", MYST_BOOK_PAGE.replace("---\n", "---\ndate: 2024-01-01\n", 1))
    result = build_site(root)
    page = (root / "public/posts/page/index.html").read_text(encoding="utf-8")
    text = visible_text(root / "public/posts/page/index.html")
    assert "<title>A page of a book" in page, "the first heading is the title, though a raw block comes first"
    assert '<div class="banner">A course banner</div>' in page, "{raw} html is the author's HTML"
    assert "+++" not in text and "user_expressions" not in text and "On this page" not in text
    assert "[knuth1984]" in text, "no bibliography: the key is shown, as Jupyter Book shows a key it cannot find"
    assert any("no `bibliography:`" in str(w) for w in result.warnings)
    assert '<aside class="callout callout-warning" role="note">' in page and "Careful" in text
    assert '<details class="callout callout-tip">\n<summary class="callout-title">Unfold me</summary>' in page
    solution = page[page.find("Solution (ex-one)") :]
    assert '<summary class="callout-title">Solution (ex-one)</summary>' in page
    assert "It is 9." in solution[: solution.find("</details>")], "the lines between start and end are its body"
    assert "solution-start" not in text and "solution-end" not in text


QUARTO_CHUNKS = """
---
title: Chunks
date: 2024-01-01
execute: false
params:
  pictures: /img/
---

```{r setup, include=FALSE}
library(hidden)
```

```{python first-look, echo=FALSE}
print("header options")
```

```{python}
#| label: fig-wave
#| fig-width: 6
#| code-fold: true
#| fig-cap:
#|   - "A wave"
print("quarto options")
```

![A cat]({{< meta params.pictures >}}cat.png)

See @fig-wave.
"""


def test_quarto_chunk_headers_options_and_meta_shortcodes(make_site):
    root = make_site()
    write(root, "content/posts/chunks.qmd", QUARTO_CHUNKS)
    result = build_site(root)
    page = (root / "public/posts/chunks/index.html").read_text(encoding="utf-8")
    assert "library(hidden)" not in page, "include=FALSE leaves the chunk out, as Quarto does"
    assert "header options" in page and "first-look" not in page
    assert "quarto options" in page and "fig-width" not in page and "code-fold" not in page
    assert 'src="/notebook/img/cat.png"' in page, "{{< meta >}} is the front matter's value"
    warnings = [str(w) for w in result.warnings]
    assert any("Quarto cell options ignored: fig-width, code-fold" in w for w in warnings)
    assert not any("shortcode" in w for w in warnings)


MYST_CODE_FORMS = """
---
title: Code forms
date: 2024-01-01
kernelspec:
  name: python3
---

```{code-cell} ipython3
---
tags: [remove-input]
---
print(6 * 7)
```

::::{code-block} python
:caption: nested.md

```{note}
Shown as code, not as a note.
```
::::
"""


def test_myst_yaml_cell_options_and_colon_fenced_code(make_site):
    root = make_site()
    write(root, "content/posts/forms.md", MYST_CODE_FORMS)
    result = build_site(root)
    page = (root / "public/posts/forms/index.html").read_text(encoding="utf-8")
    assert result.cells_run == 1 and "42" in page and "print(6" not in page, "the --- block's tags apply"
    code = html.unescape(re.sub(r"<[^>]+>", "", page))
    assert "```{note}\nShown as code, not as a note.\n```" in code and 'class="callout' not in page


def test_a_colon_in_a_plain_title_is_read_as_the_author_meant(make_site):
    root = make_site()
    write(root, "content/posts/colon.md", "---\ntitle: Part 2: Results\ndate: 2024-01-01\n---\nText.\n")
    build_site(root)
    assert "<title>Part 2: Results" in (root / "public/posts/colon/index.html").read_text(encoding="utf-8")
    write(root, "content/posts/colon.md", "---\ntitle: [unclosed\ndate: 2024-01-01\n---\nText.\n")
    with pytest.raises(BuildFailed) as failed:
        build_site(root)
    assert "invalid YAML" in failed.value.errors[0].message, "YAML that is wrong for another reason stays an error"


QUARTO_HIDDEN_MACROS = """
---
title: Macros
date: 2024-01-01
---

::: {.content-hidden}
$$
{{< include /assets/_macros.tex >}}
$$
:::

::: {.hidden}
$$
\\def\\RR{\\mathbb{R}}
$$
Never shown.
:::

A vector $\\vect{x} \\in \\RR^n$.
"""


def test_quarto_macros_from_a_hidden_include_at_the_site_root(make_site):
    root = make_site()
    write(root, "assets/_macros.tex", "\\newcommand{\\vect}[1]{\\mathbf{#1}}\n")
    write(root, "content/posts/macros/index.qmd", QUARTO_HIDDEN_MACROS)
    build_site(root)
    text = visible_text(root / "public/posts/macros/index.html")
    page = (root / "public/posts/macros/index.html").read_text(encoding="utf-8")
    assert "Never shown." not in text and "\\newcommand" not in page and "\\vect" not in text
    assert page.count("<math") == 1, "the definitions show nothing; the formula uses them"


MYST_DESIGN = """
---
title: Design directives
date: 2024-01-01
---

:::{note} Outer
```{exercise}
:label: inner-ex
Nested inside the note.
```
After the exercise, still in the note.
:::

:::{dropdown} More
:open:
Shown at first.
:::

````{tab-set}
```{tab-item} First
:sync: one
Tab one.
```
```{tab-item} Second
Tab two.
```
````

```{exercise-start}
:label: gated
```

```{tip}
A tip inside a gated exercise.
```

```{exercise-end}
```
"""


def test_myst_nested_blocks_dropdowns_and_tabs(make_site):
    root = make_site()
    write(root, "content/posts/design.md", MYST_DESIGN)
    build_site(root)
    page = (root / "public/posts/design/index.html").read_text(encoding="utf-8")
    text = visible_text(root / "public/posts/design/index.html")
    assert ":::" not in text, "a block holding another gets the longer fence"
    outer = page[page.find("Outer") :]
    assert outer.find("Nested inside the note.") < outer.find("After the exercise") < outer.find("</aside>\n</aside>")
    assert '<details class="callout callout-note" open>\n<summary class="callout-title">More</summary>' in page
    assert '<label class="tab-label" for="tabset-1-1">First</label>' in page and "Tab two." in page
    gated = page[page.rfind('callout-title">Exercise') :]
    assert "A tip inside a gated exercise." in gated[: gated.find("</aside>\n</aside>")]


QUARTO_NESTED_DIVS = """
---
title: Nested divs
date: 2024-01-01
---

::: {.callout-note appearance="simple"}

::: {#fig-inner}

![](inner.png)

The inner figure.
:::

After the figure, in the note.
:::

Outside.

```{.python include="helpers.py" snippet="solve"}
```
"""


def test_pandoc_divs_nest_with_equal_fences_and_unknown_code_attributes_go(make_site):
    root = make_site()
    write(root, "content/posts/nested.qmd", QUARTO_NESTED_DIVS)
    write(root, "content/posts/plain.md", QUARTO_NESTED_DIVS.split("```")[0])
    result = build_site(root)
    for name in ("nested", "plain"):
        page = (root / f"public/posts/{name}/index.html").read_text(encoding="utf-8")
        note = page[page.find('class="callout callout-note"') : page.find("<p>Outside.</p>")]
        assert "The inner figure." in note and "After the figure, in the note." in note and "</aside>" in note
        assert ":::" not in visible_text(root / f"public/posts/{name}/index.html")
    assert any("code attributes ignored: include, snippet" in str(w) for w in result.warnings)


MYST_LOOSE_ENDS = """
---
title: Loose ends
date: 2024-01-01
kernelspec:
  name: python3
---

```{math}
:label: known
a = b
```

Cited: {eq}`known`; missing: {eq}`elsewhere`.

::::{tip} Pandoc inside
:class: dropdown
::: {.callout-note}
An author's own div.
:::
Still in the tip.
::::

:::{seealso} Try a `{dropdown}`
:class: dropdown
A brace in the title.
:::
"""


def test_myst_equation_roles_nested_pandoc_divs_and_braces_in_titles(make_site):
    root = make_site()
    write(root, "content/posts/loose.md", MYST_LOOSE_ENDS)
    result = build_site(root)
    page = (root / "public/posts/loose/index.html").read_text(encoding="utf-8")
    text = visible_text(root / "public/posts/loose/index.html")
    assert 'class="eqref"' in page and "(elsewhere)" in text, "an unknown label is text, as Sphinx shows it"
    assert any("{eq}`elsewhere`: no equation" in str(w) for w in result.warnings)
    tip = page[page.find("Pandoc inside") : page.find("Still in the tip.")]
    assert "An author's own div." in tip and ":::" not in text
    assert '<summary class="callout-title">Try a `{dropdown}`</summary>' in page


def write_notebook(root: Path, rel: str, cells: list[tuple[str, str]]) -> None:
    """A real .ipynb: (cell type, source) pairs, after a raw front-matter cell."""
    made = [{"cell_type": "raw", "metadata": {}, "source": "---\ndate: 2024-01-01\n---"}]
    for kind, source in cells:
        cell = {"cell_type": kind, "metadata": {}, "source": source.splitlines(keepends=True)}
        if kind == "code":
            cell.update(execution_count=None, outputs=[])
        made.append(cell)
    notebook = {"nbformat": 4, "nbformat_minor": 5, "metadata": {}, "cells": made}
    write(root, rel, json.dumps(notebook, indent=1))


NOTEBOOK_START = [("markdown", "# A notebook\n\nIntro."), ("code", "\n\nx = 1\nprint(x)\n")]


@pytest.mark.parametrize(
    ("cell", "where", "message"),
    [
        (("markdown", "Text\n\nHere $\\frac{1}{\\nosuch}$ fails.\n"), "cell 4, line 3", "unknown TeX command"),
        (("code", "#| echo: false\n#| bogus: 3\ny = 2\n"), "cell 4, line 2", "unknown cell option 'bogus'"),
        (("markdown", "One\n\nSee @fig-nothing.\n"), "cell 4, line 3", "unknown figure '@fig-nothing'"),
        (("markdown", "A\n\n```{diagram}\n{bad json\n```\n"), "cell 4, line 4, column 2", "not valid JSON"),
    ],
)
def test_a_notebook_error_names_the_cell_and_its_line(make_site, cell, where, message):
    root = make_site()
    write_notebook(root, "content/posts/nb.ipynb", [*NOTEBOOK_START, cell])
    with pytest.raises(BuildFailed) as failed:
        build_site(root)
    [error] = failed.value.errors
    assert str(error).startswith(f"content/posts/nb.ipynb: {where}: error: "), str(error)
    assert message in str(error)
    # render workers send errors back pickled: the cell survives the trip
    assert str(pickle.loads(pickle.dumps(error))) == str(error)


def test_a_notebook_warning_names_the_cell_and_the_page_still_builds(make_site):
    root = make_site()
    fence = ("markdown", "Text\n\n```nosuchlanguage\nx <- 1\n```\n")
    write_notebook(root, "content/posts/nb.ipynb", [*NOTEBOOK_START, fence])
    result = build_site(root)
    warned = [str(w) for w in result.warnings if "nb.ipynb" in str(w)]
    assert any(w.startswith("content/posts/nb.ipynb: cell 4, line 3: warning: ") for w in warned), warned
    page = (root / "public/posts/nb/index.html").read_text(encoding="utf-8")
    assert "<h1" in page and "A notebook" in page and "Intro." in page


JULIA_POST = """
---
title: Julia
date: 2024-01-01
---

```{julia}
x = [1, 2, 3]
```

Between.

```{julia}
sum(x)
```

```{julia}
println("done")
```
"""


@pytest.mark.skipif(bool(installed_kernels("julia")), reason="a Julia kernel is installed here")
def test_julia_chunks_without_a_kernel_are_shown_with_one_warning(make_site):
    root = make_site()
    write(root, "content/posts/jl.qmd", JULIA_POST)
    result = build_site(root)
    page = (root / "public/posts/jl/index.html").read_text(encoding="utf-8")
    assert page.count('<code class="language-julia">') == 3 and "{julia}" not in visible_text(
        root / "public/posts/jl/index.html"
    )
    warned = [str(w) for w in result.warnings if "jl.qmd" in str(w)]
    assert warned == [
        "content/posts/jl.qmd:6: warning: no Julia kernel installed; 3 {julia} chunks shown, not run\n"
        '  hint: install IJulia (in Julia: using Pkg; Pkg.add("IJulia")), or set `execute: false` to silence this'
    ], warned
    assert result.cells_run == 0


R_POST = """
---
title: R
date: 2024-01-01
---

```{r}
#| label: data
x <- c(1, 2, 3)
mean(x)
```

```{r setup, include=FALSE}
library(nothing.installed)
```

```{r}
cat("sum is", sum(x), "\\n")
```
"""


@pytest.mark.skipif(not installed_kernels("r"), reason="no R Jupyter kernel (IRkernel: apt install r-cran-irkernel)")
def test_r_chunks_run_in_the_installed_r_kernel(make_site):
    root = make_site()
    write(root, "content/posts/r.qmd", R_POST)
    result = build_site(root)
    page = (root / "public/posts/r/index.html").read_text(encoding="utf-8")
    assert result.cells_run == 2, "the include=FALSE chunk is left out, as Quarto does"
    assert '<pre class="cell-stream cell-stdout" tabindex="0">sum is 6' in page, "R's cat() ran"
    assert '<div class="cell-html">2</div>' in page, "mean(x), shown as R shows it"
    assert "nothing.installed" not in page
    assert not any("r.qmd" in str(w) for w in result.warnings), result.warnings


def test_r_chunks_beside_python_chunks_are_shown_not_run(make_site):
    root = make_site()
    post = R_POST.replace("Between.", "").replace("```{r setup", "```{python}\nprint(6 * 7)\n```\n\n```{r setup")
    write(root, "content/posts/mixed.qmd", post)
    result = build_site(root)
    page = (root / "public/posts/mixed/index.html").read_text(encoding="utf-8")
    assert result.cells_run == 1 and ">42" in page, "the Python chunk runs"
    assert page.count('<code class="language-r">') == 2
    warned = [str(w) for w in result.warnings if "mixed.qmd" in str(w)]
    assert len(warned) == 1 and warned[0].startswith(
        "content/posts/mixed.qmd:6: warning: 2 {r} chunks shown, not run: a post runs in one kernel"
    ), warned


MYST_DOLLARS = """
---
title: Dollars
date: 2024-01-01
kernelspec:
  name: python3
---

Update $w \\\\leftarrow w - \\\\alpha g$ where and$\\\\alpha > 0 $ is a step size.

For integers $n = 0, 1, 2, \\\\ldots, $ and $ r(A)^{-m} A^m$ converges; `$ a $` stays code.

```{code-cell} ipython3
print("$ not math $")
```
"""


def test_myst_dollar_math_allows_spaces_inside_on_either_side(make_site):
    root = make_site()
    write(root, "content/posts/dollars.md", MYST_DOLLARS)
    build_site(root)
    page = root / "public/posts/dollars/index.html"
    text = visible_text(page)
    assert "$" not in text.replace("$ a $", ""), text
    assert page.read_text(encoding="utf-8").count("<math") == 4
    assert "<code>$ a $</code>" in page.read_text(encoding="utf-8")


def test_quarto_echo_fenced_shows_the_code(make_site):
    root = make_site()
    post = "---\ntitle: Hooks\ndate: 2024-01-01\n---\n\n```{python}\n#| echo: fenced\nprint(1 + 1)\n```\n"
    write(root, "content/posts/hooks.qmd", post)
    result = build_site(root)
    page = (root / "public/posts/hooks/index.html").read_text(encoding="utf-8")
    assert result.cells_run == 1 and '<span class="nb">print</span>' in page
    assert '<pre class="cell-stream cell-stdout" tabindex="0">2' in page


KNITR_POST = """
---
title: Knitr things
date: 2024-01-01
date-modified: '`r format(Sys.Date())`'
---

::: callout-important
A callout written as Pandoc's one-word class.
:::

::: column-margin
An aside in the margin.
:::

```{stan, output.var="model"}
data { int N; }
```
"""


def test_quarto_one_word_classes_other_engines_and_inline_r_in_front_matter(make_site):
    """Three things real Quarto posts do (alexpghayes, medewitt, tjmahr blogs, bench/real_posts.md)."""
    root = make_site()
    write(root, "content/posts/knitr.qmd", KNITR_POST)
    result = build_site(root)
    page = root / "public/posts/knitr/index.html"
    tree = lxml.html.fromstring(page.read_text(encoding="utf-8"))
    [callout] = tree.find_class("callout-important")
    assert "one-word class" in callout.text_content()
    assert "An aside in the margin." in " ".join(el.text_content() for el in tree.find_class("column-margin"))
    assert tree.xpath("//code[@class='language-stan']") and "{stan" not in visible_text(page)
    warned = sorted(str(w) for w in result.warnings if "knitr.qmd" in str(w))
    assert any("knitr.qmd:4: warning: 'date-modified' is inline code" in w for w in warned), warned
    assert any("{stan} chunk shown as code, not run" in w for w in warned), warned
