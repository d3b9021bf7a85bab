"""Telling the browser: build news over Server-Sent Events, and the script that listens.

Every rebuild is one *generation*. A page is served with the generation it was
built at; its script connects to ``EVENTS_PATH?since=<instance>.<generation>``
and is sent what happened after that, then every new build as it finishes.
So a build that lands between loading a page and connecting is never missed,
and a restarted server (a new instance id) makes the page reload.

When the page itself changed, the script swaps the new ``<body>`` (and
``<title>`` and ``<meta>`` tags) into the open document instead of reloading
it: no stylesheet, font or image is fetched again, and the scroll position and
the page's JavaScript state stay as they were. The build event carries the new
HTML of the page that listens (``http._with_page``), so it is not even fetched.
That is about 10 ms against 60–70 for a reload of a post at 1000 posts
(``bench/serve_bench.py``). It falls back to a reload whenever a swap could
differ from one: a page with a script of its own (it would not run again) or
``<noscript>``, a head that changed in anything but its title and meta tags (a
stylesheet, a feed link), a failed fetch.

The script is injected into HTML responses by the preview server only; the
files on disk, and every ``site-gen build``, stay free of it.
"""

from __future__ import annotations

import json
import secrets
import threading
from dataclasses import dataclass
from typing import Any

from ..errors import ContentError

EVENTS_PATH = "/__site_gen/events"
STATUS_PATH = "/__site_gen/status"
HISTORY = 200  # builds remembered for pages that connect late


def describe_error(error: ContentError) -> dict[str, Any]:
    """A ContentError as the overlay shows it (and as the terminal prints it)."""
    return {
        "location": error.location,
        "path": None if error.path is None else str(error.path),
        "line": error.line,
        "message": error.message,
        "hint": error.hint,
    }


@dataclass(frozen=True)
class Build:
    generation: int
    ok: bool
    changed: tuple[str, ...]  # URL paths whose bytes changed
    errors: tuple[dict[str, Any], ...]


class Events:
    """Build news for every connected page: a generation counter and a condition to wait on."""

    def __init__(self) -> None:
        self.instance = secrets.token_hex(4)
        self.generation = 0
        self.builds = 0  # rebuilds run, failed ones included
        self._history: list[Build] = []
        self._cond = threading.Condition()
        self._closed = False

    @property
    def errors(self) -> tuple[dict[str, Any], ...]:
        with self._cond:
            return self._history[-1].errors if self._history else ()

    def publish(self, *, ok: bool, changed: tuple[str, ...] = (), errors: tuple[dict[str, Any], ...] = ()) -> None:
        with self._cond:
            self.builds += 1
            self.generation += 1
            self._history = [*self._history[-HISTORY + 1 :], Build(self.generation, ok, changed, errors)]
            self._cond.notify_all()

    def since(self, token: str) -> tuple[int, dict[str, Any] | None]:
        """What a page that saw ``token`` has missed, as one message (or None)."""
        with self._cond:
            instance, _, number = token.partition(".")
            # A token is ours or garbage (a bookmark, a hand-typed URL): garbage reloads the page.
            valid = number.isascii() and number.isdigit() and len(number) < 20
            seen = int(number) if valid else -1
            forgotten = bool(self._history) and seen < self._history[0].generation - 1
            if instance != self.instance or not valid or seen > self.generation or forgotten:
                return self.generation, {"ok": not self.errors, "reload": True, "errors": list(self.errors)}
            missed = self._merge([b for b in self._history if b.generation > seen])
            if missed is None and self.errors:  # served while broken: show the overlay at once
                missed = {"ok": False, "changed": [], "errors": list(self.errors)}
            return self.generation, missed

    def wait(self, generation: int, timeout: float) -> tuple[int, dict[str, Any] | None]:
        """Block until a build after ``generation`` (or ``timeout``); return it merged, or None."""
        with self._cond:
            self._cond.wait_for(lambda: self._closed or self.generation > generation, timeout)
            if self._closed:
                raise EOFError
            return self.generation, self._merge([b for b in self._history if b.generation > generation])

    def close(self) -> None:
        with self._cond:
            self._closed = True
            self._cond.notify_all()

    @staticmethod
    def _merge(builds: list[Build]) -> dict[str, Any] | None:
        if not builds:
            return None
        changed = sorted({path for build in builds for path in build.changed})
        last = builds[-1]
        return {"ok": last.ok, "changed": changed, "errors": list(last.errors)}


def snippet(events: Events, *, not_found: bool = False) -> bytes:
    """The ``<script>`` added to an HTML page as it is served."""
    config = json.dumps({"url": EVENTS_PATH, "since": f"{events.instance}.{events.generation}", "notFound": not_found})
    return f'<script id="site-gen-livereload" data-config="{_attr(config)}">{SCRIPT}</script>\n'.encode()


def inject(html: bytes, script: bytes) -> bytes:
    """Put the script just before ``</body>``, or at the end if there is none."""
    at = html.lower().rfind(b"</body>")
    return html + script if at < 0 else html[:at] + script + html[at:]


def _attr(text: str) -> str:
    return text.replace("&", "&amp;").replace('"', "&quot;").replace("<", "&lt;")


# Plain ES2017, no build step. Reads as: restore scroll, listen, and on each build
# either show the errors, swap changed stylesheets, or swap in (or reload) this page if it changed.
SCRIPT = """
(() => {
  const me = document.getElementById("site-gen-livereload");
  const config = JSON.parse(me.dataset.config);
  const scrollKey = "site-gen-scroll:" + location.pathname;
  const saved = sessionStorage.getItem(scrollKey);
  if (saved !== null) {
    sessionStorage.removeItem(scrollKey);
    const [x, y] = JSON.parse(saved);
    const restore = () => window.scrollTo(x, y);
    restore();
    addEventListener("load", restore);
  }

  function reload() {
    sessionStorage.setItem(scrollKey, JSON.stringify([scrollX, scrollY]));
    location.reload();
  }

  // The head as it lays the page out: everything but <title> and <meta>, which a swap replaces.
  const layoutHead = (doc) => [...doc.head.children]
    .filter((el) => el.tagName !== "TITLE" && el.tagName !== "META")
    .map((el) => el.outerHTML).join("\\n");
  const servedHead = layoutHead(document);
  const ownScripts = (doc) => [...doc.querySelectorAll("script, noscript")].filter((el) => el.id !== me.id);
  const swappable = ownScripts(document).length === 0;

  // This page swapped in anew: ``html`` as the build event carried it, or fetched if the event did
  // not; a reload whenever a swap could show something else.
  async function refresh(html) {
    if (!swappable) return reload();
    let fresh;
    try {
      if (typeof html !== "string") {
        const response = await fetch(location.href, { cache: "no-store" });
        const type = response.headers.get("content-type") || "";
        if (!response.ok || !type.startsWith("text/html")) return reload();
        html = await response.text();
      }
      fresh = new DOMParser().parseFromString(html, "text/html");
    } catch (error) {
      return reload();
    }
    const script = fresh.getElementById(me.id);
    if (script) script.remove();
    if (ownScripts(fresh).length || layoutHead(fresh) !== servedHead) return reload();
    const [x, y] = [scrollX, scrollY];
    for (const el of document.head.querySelectorAll("title, meta")) el.remove();
    document.head.append(...fresh.head.querySelectorAll("title, meta"));
    const body = document.adoptNode(fresh.body);
    body.append(me);  // the running script moves along; it does not run again
    document.body.replaceWith(body);
    window.scrollTo(x, y);
    document.dispatchEvent(new Event("site-gen:swapped"));  // tests and the benchmark wait for it
  }

  function thisPage() {
    const path = decodeURI(location.pathname);
    return path.endsWith("/") ? path + "index.html" : path;
  }

  function swapStylesheets(changed) {
    for (const link of document.querySelectorAll('link[rel="stylesheet"]')) {
      const url = new URL(link.href);
      if (!changed.includes(decodeURI(url.pathname))) continue;
      const fresh = link.cloneNode();
      url.searchParams.set("site-gen", Date.now());
      fresh.href = url.href;
      fresh.addEventListener("load", () => link.remove());
      link.after(fresh);
    }
  }

  function overlay(errors) {
    let box = document.getElementById("site-gen-overlay");
    if (!errors.length) { if (box) box.remove(); return; }
    if (!box) {
      box = document.createElement("div");
      box.id = "site-gen-overlay";
      box.setAttribute("role", "alert");
      box.style.cssText = "position:fixed;inset:0;z-index:2147483647;overflow:auto;padding:2rem;" +
        "background:rgba(20,20,20,.92);color:#eee;font:15px/1.5 ui-monospace,monospace";
      document.body.append(box);
    }
    box.replaceChildren(...errors.map((error) => {
      const item = document.createElement("section");
      item.className = "site-gen-error";
      item.style.cssText = "margin:0 0 1.5rem;border-left:4px solid #f55;padding-left:1rem";
      const where = document.createElement("div");
      where.className = "site-gen-location";
      where.style.cssText = "color:#f88;font-weight:bold";
      where.textContent = error.location;
      const message = document.createElement("pre");
      message.className = "site-gen-message";
      message.style.cssText = "white-space:pre-wrap;margin:.3rem 0";
      message.textContent = error.message;
      item.append(where, message);
      if (error.hint) {
        const hint = document.createElement("div");
        hint.className = "site-gen-hint";
        hint.style.color = "#9cf";
        hint.textContent = "hint: " + error.hint;
        item.append(hint);
      }
      return item;
    }));
  }

  function onBuild(build) {
    overlay(build.ok ? [] : build.errors);
    if (!build.ok) return;
    const changed = build.changed || [];
    if (build.reload || (config.notFound && changed.length)) return reload();
    const pages = changed.filter((p) => p.endsWith(".html"));
    const styles = changed.filter((p) => p.endsWith(".css"));
    const other = changed.filter((p) => !/\\.(html|css|xml|txt)$/.test(p));
    if (other.length) return reload();
    if (styles.length) swapStylesheets(styles);
    if (pages.includes(thisPage())) queue = queue.then(() => refresh(build.page));  // one at a time, in order
  }
  let queue = Promise.resolve();

  const query = "?since=" + encodeURIComponent(config.since) + "&page=" + encodeURIComponent(location.pathname);
  const source = new EventSource(config.url + query);
  // On a reconnect the browser sends the last event's id (Last-Event-ID), so nothing is missed.
  source.addEventListener("build", (event) => onBuild(JSON.parse(event.data)));
  source.addEventListener("open", () => { me.dataset.state = "open"; });  // tests and the benchmark wait for it
  addEventListener("pagehide", () => source.close());
})();
"""
