"""Running ``site-gen serve`` in a subprocess for the serve tests (and the benchmark)."""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import threading
import time
import urllib.request
from pathlib import Path
from typing import Any

# Debian's Chromium, headless; without the background-networking flags it keeps
# trying to reach Google's hosts, which this closed network refuses.
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]

REPO = Path(__file__).resolve().parents[1]


class Served:
    """``python -m site_gen serve --port 0`` on a site; ``url`` is where it listens."""

    def __init__(self, root: Path, *options: str, timeout: float = 60) -> None:
        env = {**os.environ, "PYTHONUNBUFFERED": "1"}
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "site_gen", "serve", "--root", str(root), "--port", "0", *options],
            cwd=REPO,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        self.lines: list[str] = []
        self._ready = threading.Event()
        self.url = ""
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()
        if not self._ready.wait(timeout) or not self.url:
            self.stop()
            raise RuntimeError("site-gen serve did not start:\n" + self.output)

    def _read(self) -> None:
        assert self.proc.stdout is not None
        for line in self.proc.stdout:
            self.lines.append(line)
            found = re.search(r"Serving (http://\S+)", line)
            if found:
                self.url = found.group(1)
                self._ready.set()
        self._ready.set()

    @property
    def output(self) -> str:
        return "".join(self.lines)

    @property
    def folder(self) -> Path:
        """The preview's output folder, as the server announced it."""
        found = re.search(r"Serving \S+ from (\S+?)( \(not public/\))?;", self.output)
        assert found, self.output
        return Path(found.group(1))

    @property
    def origin(self) -> str:
        return re.sub(r"^(http://[^/]+).*$", r"\1", self.url)

    def status(self) -> dict[str, Any]:
        with urllib.request.urlopen(self.origin + "/__site_gen/status", timeout=5) as response:
            result: dict[str, Any] = json.load(response)
            return result

    def wait_for(self, predicate: Any, timeout: float = 30, what: str = "condition") -> Any:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            value = predicate()
            if value:
                return value
            time.sleep(0.02)
        raise AssertionError(f"timed out waiting for {what}; server output:\n{self.output}")

    def get(self, path: str) -> str:
        with urllib.request.urlopen(self.url + path.lstrip("/"), timeout=5) as response:
            return str(response.read().decode("utf-8"))

    def stop(self) -> int:
        """Ctrl-C, as a user would; returns the exit status."""
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGINT)
            try:
                self.proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self._reader.join(5)
        return self.proc.returncode


def edit(path: Path, old: str, new: str) -> None:
    """Save a changed file the way editors do: write a temporary file, rename it over."""
    text = path.read_text(encoding="utf-8")
    assert old in text, f"{old!r} not in {path}"
    tmp = path.with_name("." + path.name + ".tmp")
    tmp.write_text(text.replace(old, new), encoding="utf-8")
    os.replace(tmp, path)
