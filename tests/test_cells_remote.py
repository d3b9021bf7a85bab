"""Cells on a remote kernel, through a real Jupyter Kernel Gateway on 127.0.0.1.

The gateway is `jupyter kernelgateway` itself (PyPI `jupyter-kernel-gateway`),
started once for the session on a free loopback port with a token; each test's
post runs through it exactly as a GPU box's would. Nothing about the remote
side is mocked, and nothing fakes a GPU: this machine has none, so the remote
kernel reports "CPU" and its model, and a `requires: cuda` cell sent to it
comes back "not run". Faults are made for real: a wrong token, a port with
nothing behind it, a cell past its timeout, a kernel that exits, a connection
cut by a proxy in the middle of a cell.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from site_gen.build import build_site
from site_gen.cells import freeze as freezing
from site_gen.cells.execute import ExecuteSettings, execute_posts
from site_gen.cli import main
from site_gen.config import RemoteConfig, load_config
from site_gen.discovery import discover
from site_gen.errors import BuildFailed, ContentError

from .conftest import write

TOKEN = "test-token-for-loopback-only"
STARTUP_WAIT = 30.0  # seconds for the gateway to answer
HOST = "test-box"


@dataclass
class Gateway:
    url: str
    process: subprocess.Popen[bytes]

    def kernels(self) -> list[dict[str, object]]:
        """The gateway's running kernels, from its own REST API."""
        request = urllib.request.Request(self.url + "/api/kernels", headers={"Authorization": f"token {TOKEN}"})
        with urllib.request.urlopen(request, timeout=10) as response:
            return list(json.loads(response.read()))

    def wait_no_kernels(self, seconds: float = 10.0) -> list[dict[str, object]]:
        """Deleting a kernel is asynchronous on the gateway's side: give it a moment."""
        deadline = time.monotonic() + seconds
        while (kernels := self.kernels()) and time.monotonic() < deadline:
            time.sleep(0.2)
        return kernels


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _start_gateway(folder: Path) -> Gateway:
    command = shutil.which("jupyter-kernelgateway", path=str(Path(sys.executable).parent)) or shutil.which(
        "jupyter-kernelgateway"
    )
    if command is None:
        pytest.skip("jupyter-kernel-gateway is not installed (pip install jupyter-kernel-gateway)")
    port = _free_port()
    env = {name: value for name, value in os.environ.items() if name != "MPLBACKEND"}  # inline figures, as locally
    folder.mkdir(parents=True, exist_ok=True)
    process = subprocess.Popen(
        [
            command,
            "--KernelGatewayApp.ip=127.0.0.1",
            f"--KernelGatewayApp.port={port}",
            f"--KernelGatewayApp.auth_token={TOKEN}",
            "--JupyterWebsocketPersonality.list_kernels=True",  # so a test can see that none is left
        ],
        cwd=folder,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=(folder / "gateway.log").open("wb"),
    )
    gateway = Gateway(f"http://127.0.0.1:{port}", process)
    deadline = time.monotonic() + STARTUP_WAIT
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"the gateway exited at start: {(folder / 'gateway.log').read_text()[-2000:]}")
        try:
            gateway.kernels()
            return gateway
        except (urllib.error.URLError, ConnectionError):
            time.sleep(0.2)
    process.kill()
    pytest.fail(f"the gateway did not answer within {STARTUP_WAIT:.0f} s")


@pytest.fixture(scope="session")
def gateway(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Gateway]:
    started = _start_gateway(tmp_path_factory.mktemp("gateway"))
    yield started
    started.process.terminate()
    try:
        started.process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        started.process.kill()


@pytest.fixture(autouse=True)
def token_and_no_cuda(monkeypatch: pytest.MonkeyPatch) -> None:
    """The token comes from the environment, as in real use; this build has no CUDA device (true here)."""
    monkeypatch.setenv("SITE_GEN_REMOTE_TOKEN", TOKEN)
    monkeypatch.setattr(freezing, "cuda_available", lambda: False)


def site(root: Path, url: str, posts: dict[str, str], extra: str = "") -> Path:
    toml = f'title = "Remote"\nbase_url = "https://example.org/"\n\n[execute.remote]\nurl = "{url}"\nhost = "{HOST}"\n'
    write(root, "site.toml", toml + extra)
    for rel, text in posts.items():
        write(root, rel, text)
    return root


def post(body: str, front: str = "execute: {remote: true}\n") -> str:
    return f"---\ntitle: Remote\ndate: 2026-11-24\n{front}---\n{body}"


def cpu_model() -> str:
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("model name"):
            return line.split(":", 1)[1].strip()
    pytest.skip("no /proc/cpuinfo to compare the remote kernel's CPU model with")


def run(root: Path, **settings: object) -> tuple[list[ContentError], dict[str, object]]:
    """The execute stage alone, for what each cell showed (``build_site`` would fail on the first error)."""
    config = load_config(root)
    posts, errors = discover(config)
    assert not errors
    report = execute_posts(posts, site_root=config.root, settings=ExecuteSettings(**settings))  # type: ignore[arg-type]
    return report.errors, dict(report.cells)


FIGURE = """
```{python}
#| label: data
print(open("data/points.txt").read().strip())
```

```{python}
#| label: fig-line
#| fig-cap: "A line"
import matplotlib.pyplot as plt
plt.plot([1, 2, 3], [1, 4, 9])
plt.show()
```

```{python}
6 * 7
```
"""

INPUTS_FRONT = "execute: {remote: true}\ninputs: [data/points.txt]\n"


def test_remote_post_matches_the_local_run_with_inputs_figure_and_provenance(tmp_path, gateway):
    posts = {"content/posts/fig/index.md": post(FIGURE, INPUTS_FRONT), "content/posts/fig/data/points.txt": "1 4 9\n"}
    local = site(tmp_path / "local", gateway.url, posts)
    (local / "site.toml").write_text('title = "Remote"\nbase_url = "https://example.org/"\n')  # no gateway
    remote = site(tmp_path / "remote", gateway.url, posts)

    errors, here = run(local)
    assert not errors
    errors, there = run(remote)
    assert not errors, errors
    mine, theirs = here["posts/fig/"], there["posts/fig/"]
    assert [r.outputs for r in mine.results.values()] == [r.outputs for r in theirs.results.values()]
    assert mine.files == theirs.files and any(name.endswith(".png") for name in theirs.files), "the same figure"
    assert theirs.results[0].outputs[0]["text"] == "1 4 9\n", "the input file arrived"

    # Each remote cell says where it ran: the CPU and its model (no GPU here), the host label, date, versions.
    notes = [r.note for r in theirs.results.values()]
    assert all(f"measured on CPU ({cpu_model()}) at {HOST}" in note for note in notes), notes
    assert all("matplotlib" in note and "python" in note for note in notes[1:])
    frozen = json.loads((remote / "content/posts/fig/_freeze.json").read_text())
    assert sorted(frozen["cells"]) == ["cell-3", "data", "fig-line"]
    assert {entry["host"] for entry in frozen["cells"].values()} == {HOST}
    assert frozen["cells"]["fig-line"]["device"] == f"CPU ({cpu_model()})"
    assert TOKEN not in (remote / "content/posts/fig/_freeze.json").read_text()
    assert gateway.wait_no_kernels() == [], "the remote kernel was shut down"

    # The page shows the provenance under the cells; a warm build starts no remote kernel.
    built = build_site(remote)
    assert built.kernels_started == 0 and built.cells_cached == 3
    html = (remote / "public/posts/fig/index.html").read_text()
    assert html.count('cell-badge">remote') == 3 and f"at {HOST}" in html


def test_large_and_nested_inputs_arrive_whole(tmp_path, gateway):
    blob = os.urandom(5 * 1024 * 1024 + 123)  # more than one chunk of the kernel-side upload
    body = """
```{python}
import hashlib, os
print(hashlib.sha256(open("weights/w.bin", "rb").read()).hexdigest(), os.path.basename(os.getcwd())[:9])
```
"""
    root = site(tmp_path / "site", gateway.url, {"content/posts/w/index.md": post(body, INPUTS_W)})
    (root / "content/posts/w/weights").mkdir()
    (root / "content/posts/w/weights/w.bin").write_bytes(blob)
    errors, cells = run(root)
    assert not errors, errors
    digest, folder = cells["posts/w/"].results[0].outputs[0]["text"].split()
    assert digest == hashlib.sha256(blob).hexdigest() and folder == "site-gen-", "in a fresh working folder"
    assert gateway.wait_no_kernels() == []


INPUTS_W = "execute: {remote: true}\ninputs: [weights/w.bin]\n"


def test_cuda_cell_sent_to_a_gateway_without_a_device_is_not_run(tmp_path, gateway):
    body = """
```{python}
x = 21
print("cpu part", x * 2)
```

```{python}
#| label: gpu-time
#| requires: cuda
print("never faked")
```
"""
    root = site(tmp_path / "site", gateway.url, {"content/posts/gpu/index.md": post(body, "")})
    errors, cells = run(root)
    assert not errors, errors
    cpu, gpu = cells["posts/gpu/"].results.values()
    assert cpu.outputs[0]["text"] == "cpu part 42\n" and "at test-box" in cpu.note, "routed by its cuda cell"
    assert gpu.status == "not-run" and gpu.note == f"Not run: no CUDA device on {HOST}." and not gpu.outputs
    frozen = json.loads((root / "content/posts/gpu/_freeze.json").read_text())
    assert "gpu-time" not in frozen["cells"], "no number is made up"
    # Warm: the not-run answer is cached too, so no remote kernel starts.
    errors, again = run(root)
    assert not errors and list(again["posts/gpu/"].results.values())[1].status == "not-run"
    assert gateway.wait_no_kernels() == []


ONE_CELL = """
```{python}
print("hello from afar")
```
"""


def test_wrong_token_is_a_clear_error(tmp_path, gateway, monkeypatch):
    monkeypatch.setenv("SITE_GEN_REMOTE_TOKEN", "not-the-token")
    root = site(tmp_path / "site", gateway.url, {"content/posts/a.md": post(ONE_CELL)})
    with pytest.raises(BuildFailed) as failed:
        build_site(root)
    [error] = failed.value.errors
    text = str(error)
    assert text.startswith("content/posts/a.md:7: error: cell 1 failed: ")
    assert f"the gateway {gateway.url} refused the connection" in text and "SITE_GEN_REMOTE_TOKEN" in text
    assert "Traceback" not in text and "not-the-token" not in text
    monkeypatch.delenv("SITE_GEN_REMOTE_TOKEN")
    errors, _ = run(root)
    assert "no token ($SITE_GEN_REMOTE_TOKEN is not set)" in str(errors[0])


def test_unknown_remote_kernel_names_the_ones_the_gateway_has(tmp_path, gateway):
    root = site(tmp_path / "site", gateway.url, {"content/posts/a.md": post(ONE_CELL)}, extra='kernel = "cuda-13"\n')
    [error], _ = run(root)
    assert str(error).startswith(
        f"content/posts/a.md:7: error: cell 1 failed: the gateway {gateway.url} has no kernel named 'cuda-13' (it has: "
    )
    assert "python3" in str(error) and gateway.wait_no_kernels() == []


def frozen_then(root: Path, url: str) -> bytes:
    """Build once against the live gateway (so each cell has a frozen output), then point site.toml at ``url``."""
    built = build_site(root)
    assert built.kernels_started == 1 and not built.warnings
    toml = (root / "site.toml").read_text()
    (root / "site.toml").write_text(re.sub(r'(?m)^url = ".*"$', f'url = "{url}"', toml))
    return next(root.glob("content/posts/**/*freeze.json")).read_bytes()


def test_gateway_down_shows_the_last_frozen_output_marked_stale(tmp_path, gateway, capsys):
    root = site(tmp_path / "site", gateway.url, {"content/posts/a/index.md": post(ONE_CELL)})
    before = frozen_then(root, down := f"http://127.0.0.1:{_free_port()}")

    built = build_site(root)  # not an error: the page shows what the gateway last made, and says so
    [warning] = built.warnings
    assert str(warning).startswith(
        f"content/posts/a/index.md:7: warning: cell 1 could not run on {down}: the gateway {down} is not answering"
    )
    assert "; showing the output frozen on " in str(warning) and "\n  hint: start it with" in str(warning)
    html = (root / "public/posts/a/index.html").read_text()
    assert (
        '<p class="cell-status cell-frozen cell-stale"><span class="cell-badge">stale</span> Stale: frozen on ' in html
    )
    assert f"on {HOST}; the gateway could not run it in this build: the gateway {down} is not answering" in html
    assert "hello from afar" in html, "the last frozen output"
    assert (root / "content/posts/a/_freeze.json").read_bytes() == before, "_freeze.json is not touched"

    assert main(["check", "--root", str(root), "--strict"]) == 1, "a stale page fails --strict as any warning does"
    assert "check failed: 1 warning(s) with --strict" in capsys.readouterr().err

    # The gateway is back: a stale page is never "up to date", so the next build looks again
    # (and finds the gateway's cached result for this code).
    (root / "site.toml").write_text((root / "site.toml").read_text().replace(down, gateway.url))
    again = build_site(root)
    assert not again.up_to_date and not again.warnings and again.cells_cached == 1
    assert "cell-stale" not in (root / "public/posts/a/index.html").read_text()
    assert gateway.wait_no_kernels() == []


def test_gateway_down_without_a_frozen_output_is_still_an_error(tmp_path, capsys):
    down = f"http://127.0.0.1:{_free_port()}"
    root = site(tmp_path / "site", down, {"content/posts/a/index.md": post(ONE_CELL)})
    assert main(["build", "--root", str(root)]) == 1
    err = capsys.readouterr().err
    assert f"content/posts/a/index.md:7: error: cell 1 failed: the gateway {down} is not answering" in err
    assert "Traceback" not in err and not (root / "public").exists()
    assert not (root / "content/posts/a/_freeze.json").exists(), "nothing partial written"


def test_wrong_token_with_a_frozen_output_shows_it_stale(tmp_path, gateway, monkeypatch):
    root = site(tmp_path / "site", gateway.url, {"content/posts/a/index.md": post(ONE_CELL)})
    before = frozen_then(root, gateway.url)
    monkeypatch.setenv("SITE_GEN_REMOTE_TOKEN", "not-the-token")
    built = build_site(root, execute=ExecuteSettings(rerun=True))
    [warning] = built.warnings
    assert f"cell 1 could not run on {gateway.url}: the gateway {gateway.url} refused the connection" in str(warning)
    assert "not-the-token" not in str(warning)
    html = (root / "public/posts/a/index.html").read_text()
    assert 'cell-badge">stale' in html and "hello from afar" in html and "refused the connection" in html
    assert (root / "content/posts/a/_freeze.json").read_bytes() == before


# Its code never changes (so its frozen output stays its own); what it does comes from an input file.
DIES_ON_CUE = """
```{python}
print("first")
```

```{python}
import os
cue = open("cue.txt").read().strip()
print("cue", cue)
if cue == "die":
    os._exit(1)
```
"""


def test_remote_kernel_dying_with_frozen_outputs_shows_them_stale(tmp_path, gateway):
    front = "execute: {remote: true}\ninputs: [cue.txt]\n"
    posts = {"content/posts/d/index.md": post(DIES_ON_CUE, front), "content/posts/d/cue.txt": "live\n"}
    root = site(tmp_path / "site", gateway.url, posts)
    before = frozen_then(root, gateway.url)
    (root / "content/posts/d/cue.txt").write_text("die\n")  # a new input: the cache misses, the cell runs, and dies
    built = build_site(root)
    [warning] = built.warnings
    assert str(warning).startswith(
        "content/posts/d/index.md:12: warning: cell 2 could not run on "
        f"{gateway.url}: the remote kernel died while running this cell"
    )
    assert "(and the last outputs of its 1 other cell)" in str(warning)
    html = (root / "public/posts/d/index.html").read_text()
    assert html.count('cell-badge">stale') == 2 and "cue live" in html
    assert (root / "content/posts/d/_freeze.json").read_bytes() == before
    assert gateway.wait_no_kernels() == []


def test_a_cells_own_exception_stays_an_error_despite_a_frozen_output(tmp_path, gateway):
    body = '```{python}\nif open("cue.txt").read() == "raise":\n    raise ValueError("bad data")\nprint("ok")\n```\n'
    front = "execute: {remote: true}\ninputs: [cue.txt]\n"
    root = site(tmp_path / "site", gateway.url, {"content/posts/e/index.md": post(body, front)})
    write(root, "content/posts/e/cue.txt", "fine")
    before = frozen_then(root, gateway.url)
    (root / "content/posts/e/cue.txt").write_text("raise")
    with pytest.raises(BuildFailed) as failed:
        build_site(root)
    [error] = failed.value.errors
    assert "error: cell 1 failed: ValueError: bad data" in str(error), "the author's bug, not the gateway's"
    assert (root / "content/posts/e/_freeze.json").read_bytes() == before


def test_remote_timeout_interrupts_and_shuts_the_kernel_down(tmp_path, gateway):
    body = """
```{python}
#| timeout: 2
import time
while True:
    time.sleep(0.05)
```
"""
    root = site(tmp_path / "site", gateway.url, {"content/posts/slow.md": post(body)})
    started = time.monotonic()
    errors, _ = run(root)
    assert time.monotonic() - started < 20
    [error] = errors
    assert "content/posts/slow.md:7: error: cell 1 failed: timed out after 2 s" in str(error)
    assert f"interrupted and shut down (on {gateway.url})" in str(error)
    assert gateway.wait_no_kernels() == [], "no remote kernel is left running"


def test_remote_kernel_dying_mid_cell_is_reported(tmp_path, gateway):
    body = """
```{python}
print("first")
```

```{python}
import os
os._exit(1)
```
"""
    root = site(tmp_path / "site", gateway.url, {"content/posts/dies.md": post(body)})
    started = time.monotonic()
    errors, _ = run(root)
    assert time.monotonic() - started < 20, "known from the gateway's word, not a timeout"
    [error] = errors
    assert "content/posts/dies.md:11: error: cell 2 failed: the remote kernel died while running this cell" in str(
        error
    )
    assert gateway.url in str(error)
    assert not (root / "content/posts/_dies.freeze.json").exists(), "nothing partial written"
    assert gateway.wait_no_kernels() == []


class CuttingProxy:
    """A TCP proxy to the gateway that can cut every open connection: the network dropping mid-cell."""

    def __init__(self, target_port: int) -> None:
        self.target = target_port
        self.server = socket.create_server(("127.0.0.1", 0))
        self.port = self.server.getsockname()[1]
        self.sockets: list[socket.socket] = []
        self.lock = threading.Lock()
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while True:
            try:
                client, _ = self.server.accept()
            except OSError:
                return
            upstream = socket.create_connection(("127.0.0.1", self.target))
            with self.lock:
                self.sockets += [client, upstream]
            for a, b in ((client, upstream), (upstream, client)):
                threading.Thread(target=self._pipe, args=(a, b), daemon=True).start()

    @staticmethod
    def _pipe(source: socket.socket, sink: socket.socket) -> None:
        try:
            while data := source.recv(65536):
                sink.sendall(data)
        except OSError:
            pass
        for end in (source, sink):
            with contextlib.suppress(OSError):
                end.shutdown(socket.SHUT_RDWR)

    def cut(self) -> None:
        with self.lock:
            for sock in self.sockets:
                with contextlib.suppress(OSError):
                    sock.shutdown(socket.SHUT_RDWR)
            self.sockets = []


def test_network_drop_mid_cell_is_reported_and_the_kernel_removed(tmp_path, gateway):
    proxy = CuttingProxy(int(gateway.url.rsplit(":", 1)[1]))
    body = """
```{python}
import time
print("started", flush=True)
time.sleep(30)
```
"""
    root = site(tmp_path / "site", f"http://127.0.0.1:{proxy.port}", {"content/posts/drop.md": post(body)})
    threading.Timer(4.0, proxy.cut).start()  # the kernel is up and the cell running by then
    started = time.monotonic()
    errors, _ = run(root)
    assert time.monotonic() - started < 20
    [error] = errors
    assert "content/posts/drop.md:7: error: cell 1 failed: lost the connection to the gateway" in str(error)
    assert f"127.0.0.1:{proxy.port}" in str(error) and "Traceback" not in str(error)
    assert gateway.wait_no_kernels() == [], "the kernel was deleted once the network was back"


def test_gateway_killed_mid_cell_is_reported(tmp_path):
    doomed = _start_gateway(tmp_path / "doomed")  # its own: this test ends it
    body = """
```{python}
import time
time.sleep(30)
```
"""
    root = site(tmp_path / "site", doomed.url, {"content/posts/gone.md": post(body)})
    threading.Timer(4.0, doomed.process.kill).start()
    started = time.monotonic()
    try:
        errors, _ = run(root)
    finally:
        doomed.process.kill()
        doomed.process.wait(timeout=10)
    assert time.monotonic() - started < 20
    [error] = errors
    assert "content/posts/gone.md:7: error: cell 1 failed: lost the connection to the gateway" in str(error)
    assert doomed.url in str(error) and "Traceback" not in str(error)
    assert not (root / "content/posts/_gone.freeze.json").exists()


def test_gateway_killed_mid_cell_with_a_frozen_output_shows_it_stale(tmp_path):
    doomed = _start_gateway(tmp_path / "doomed")
    body = (
        '```{python}\nimport time\nseconds = float(open("wait.txt").read())\ntime.sleep(seconds)\nprint("slept")\n```\n'
    )
    front = "execute: {remote: true}\ninputs: [wait.txt]\n"
    root = site(tmp_path / "site", doomed.url, {"content/posts/k/index.md": post(body, front)})
    write(root, "content/posts/k/wait.txt", "0")
    try:
        before = frozen_then(root, doomed.url)
        (root / "content/posts/k/wait.txt").write_text("30")
        threading.Timer(4.0, doomed.process.kill).start()
        built = build_site(root)
    finally:
        doomed.process.kill()
        doomed.process.wait(timeout=10)
    [warning] = built.warnings
    assert f"warning: cell 1 could not run on {doomed.url}: lost the connection to the gateway" in str(warning)
    html = (root / "public/posts/k/index.html").read_text()
    assert 'cell-badge">stale' in html and "slept" in html
    assert (root / "content/posts/k/_freeze.json").read_bytes() == before


def test_ctrl_c_interrupts_and_deletes_the_remote_kernel(tmp_path, gateway):
    from site_gen.cells.kernel import Stopped, Stopper
    from site_gen.cells.model import extract_cells
    from site_gen.cells.remote import configure_gateway, run_remote
    from site_gen.markdown import block_tokens

    body = "```{python}\nimport time\ntime.sleep(60)\n```\n"
    cells = extract_cells(block_tokens(body), path=Path("x.md"), first_line=1)
    remote = RemoteConfig(url=gateway.url, host=HOST)
    configure_gateway(remote)
    stopper = Stopper()
    outcome: list[BaseException] = []
    running = threading.Event()

    def go() -> None:
        try:
            run_remote(
                cells,
                remote=remote,
                kernel="python3",
                inputs={},
                modules=[],
                default_timeout=60,
                stopper=stopper,
                on_cell=lambda cell: running.set(),
            )
        except BaseException as exc:
            outcome.append(exc)

    worker = threading.Thread(target=go)
    worker.start()
    assert running.wait(15)
    time.sleep(0.5)  # the cell is sleeping
    stopper.stop()  # what the build does on Ctrl-C
    worker.join(timeout=15)
    assert not worker.is_alive() and isinstance(outcome[0], Stopped)
    assert gateway.wait_no_kernels() == []


def test_remote_settings_are_checked_strictly(tmp_path):
    def fails(extra: str) -> str:
        write(tmp_path, "site.toml", 'title = "x"\n' + extra)
        with pytest.raises(ContentError) as raised:
            load_config(tmp_path)
        return str(raised.value)

    assert "unknown setting 'execute.remote.token'" in fails('[execute.remote]\nurl = "http://h:1"\ntoken = "x"\n')
    assert "not an http(s) URL" in fails('[execute.remote]\nurl = "ssh://box"\n')
    assert "remote cells must be one of cuda, marked, all" in fails(
        '[execute.remote]\nurl = "http://h:1"\ncells = "x"\n'
    )
    assert "unknown setting 'execute.other'" in fails("[execute.other]\nx = 1\n")
    write(tmp_path, "site.toml", '[execute.remote]\nurl = "http://h:1"\ncells = "all"\njobs = 2\n')
    remote = load_config(tmp_path).remote
    assert remote == RemoteConfig(url="http://h:1", cells="all", jobs=2)
    assert remote.token_env == "SITE_GEN_REMOTE_TOKEN" and remote.host == "remote kernel"
    write(tmp_path, "site.toml", '[execute.remote]\nhost = "lab-h100"\n')  # no url: only --remote URL turns it on
    assert load_config(tmp_path).remote == RemoteConfig(host="lab-h100")


def test_build_remote_url_routes_the_gpu_post_for_one_build(tmp_path, gateway, capsys):
    body = """
```{python}
print("on the gateway")
```

```{python}
#| requires: cuda
print("needs a GPU")
```
"""
    root = tmp_path / "site"
    toml = 'title = "Remote"\nbase_url = "https://example.org/"\n[execute.remote]\nhost = "lab-box"\n'  # no url
    write(root, "site.toml", toml)
    write(root, "content/posts/gpu/index.md", post(body, ""))
    assert main(["build", "--root", str(root)]) == 0  # here: the cuda cell did not run, the other did
    assert "Not run: no CUDA device in this build" in (root / "public/posts/gpu/index.html").read_text()
    assert main(["build", "--root", str(root), "--remote", gateway.url]) == 0  # not "up to date": it goes remote
    html = (root / "public/posts/gpu/index.html").read_text()
    assert "Not run: no CUDA device on lab-box." in html and "on the gateway" in html
    assert json.loads((root / "content/posts/gpu/_freeze.json").read_text())["cells"]["cell-1"]["host"]
    assert main(["build", "--root", str(root), "--remote", "ftp://box"]) == 1
    assert "error: --remote: remote url 'ftp://box' is not an http(s) URL" in capsys.readouterr().err
    assert gateway.wait_no_kernels() == []


def test_remote_posts_run_at_once_in_their_own_slots(tmp_path, gateway):
    """Three posts, each cell waiting for the other two to arrive: it ends only if all run together."""
    meeting = tmp_path / "meeting"
    meeting.mkdir()
    body = f"""
```{{python}}
import os, time
from pathlib import Path
here = Path({str(meeting)!r})
(here / str(os.getpid())).touch()
deadline = time.time() + 15
while len(list(here.iterdir())) < 3 and time.time() < deadline:
    time.sleep(0.05)
print("together" if len(list(here.iterdir())) >= 3 else "alone")
```
"""
    posts = {f"content/posts/p{k}.md": post(body) for k in range(3)}
    root = site(tmp_path / "site", gateway.url, posts, extra="jobs = 3\n")
    errors, cells = run(root, jobs=1)  # one local slot: the remote ones are apart from it
    assert not errors, errors
    assert [next(iter(c.results.values())).outputs[0]["text"] for c in cells.values()] == ["together\n"] * 3
    assert gateway.wait_no_kernels() == []


def test_ctrl_c_during_a_remote_cell_ends_the_build_and_the_kernel(tmp_path, gateway):
    body = """
```{python}
import time
time.sleep(60)
```
"""
    root = site(tmp_path / "site", gateway.url, {"content/posts/wait.md": post(body)})
    command = [sys.executable, "-m", "site_gen", "build", "--root", str(root)]
    build = subprocess.Popen(command, stderr=subprocess.PIPE, text=True, env=dict(os.environ))
    assert build.stderr is not None
    seen = ""
    while "cell 1/1" not in seen:  # the progress line: the remote cell is running
        line = build.stderr.readline()
        assert line, f"the build ended first: {seen}"
        seen += line
    time.sleep(1.0)
    build.send_signal(signal.SIGINT)
    assert build.wait(timeout=15) == 130
    assert gateway.wait_no_kernels() == [], "the remote kernel was interrupted and deleted"
    assert not (root / "public").exists()


def test_input_bytes_that_spell_the_template_words_arrive_unchanged(tmp_path, gateway):
    """base64 of these bytes reads "MODEMODE…": the upload code must not be a text template."""
    blob = b"0\xe0\xc4" * 1000
    body = """
```{python}
import hashlib
print(hashlib.sha256(open("DATA/MODE.bin", "rb").read()).hexdigest())
```
"""
    inputs = "execute: {remote: true}\ninputs: [DATA/MODE.bin]\n"
    root = site(tmp_path / "site", gateway.url, {"content/posts/w/index.md": post(body, inputs)})
    (root / "content/posts/w/DATA").mkdir()
    (root / "content/posts/w/DATA/MODE.bin").write_bytes(blob)
    errors, cells = run(root)
    assert not errors, errors
    assert cells["posts/w/"].results[0].outputs[0]["text"].strip() == hashlib.sha256(blob).hexdigest()


def _installed(folder: Path, version: str) -> None:
    """A real distribution ``sg-probe-pkg`` (module ``sg_probe_pkg``) at ``version``, in ``folder``."""
    for old in folder.glob("sg_probe_pkg-*.dist-info"):
        shutil.rmtree(old)
    (folder / "sg_probe_pkg.py").write_text("VALUE = 7\n")
    info = folder / f"sg_probe_pkg-{version}.dist-info"
    info.mkdir()
    (info / "METADATA").write_text(f"Metadata-Version: 2.1\nName: sg-probe-pkg\nVersion: {version}\n")
    (info / "top_level.txt").write_text("sg_probe_pkg\n")


def test_cache_key_says_where_cells_run_and_ignores_local_packages_for_remote_ones(tmp_path, gateway, monkeypatch):
    packages = tmp_path / "packages"
    packages.mkdir()
    monkeypatch.syspath_prepend(str(packages))  # this build's own environment: a package it has installed
    _installed(packages, "1.0")
    body = f"""
```{{python}}
import sys
sys.path.insert(0, {str(packages)!r})
import sg_probe_pkg
print(sg_probe_pkg.VALUE * 6)
```
"""
    root = site(tmp_path / "site", gateway.url, {"content/posts/p/index.md": post(body)})
    remote_toml = (root / "site.toml").read_text()
    local_toml = 'title = "Remote"\nbase_url = "https://example.org/"\n'
    assert build_site(root).kernels_started == 1
    warm = build_site(root, execute=ExecuteSettings())
    assert warm.kernels_started == 0 and warm.cells_cached == 1, "a warm build starts no remote kernel"

    # A local upgrade is not what the remote kernel runs: its cells stay cached.
    _installed(packages, "2.0")
    (root / "site.toml").write_text(remote_toml + "\n")  # a new mtime: not "up to date" by the manifest
    assert build_site(root).kernels_started == 0

    # Here instead of there: the gateway's result is not reused, and back again neither is this one.
    (root / "site.toml").write_text(local_toml)
    local = build_site(root)
    assert local.kernels_started == 1 and 'cell-badge">remote' not in (root / "public/posts/p/index.html").read_text()
    (root / "site.toml").write_text(remote_toml)
    assert build_site(root).kernels_started == 0, "the gateway's own result, cached before"
    (root / "site.toml").write_text(remote_toml.replace(f'host = "{HOST}"', 'host = "other-box"'))
    assert build_site(root).kernels_started == 1, "another host label is another machine"

    # Local cells do depend on this machine's packages.
    (root / "site.toml").write_text(local_toml)
    assert build_site(root).kernels_started == 0
    _installed(packages, "3.0")
    (root / "site.toml").write_text(local_toml + "\n")
    assert build_site(root).kernels_started == 1
    assert gateway.wait_no_kernels() == []
