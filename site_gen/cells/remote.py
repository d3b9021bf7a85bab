"""Running a post's cells on a remote Jupyter kernel, through a Kernel or Enterprise Gateway.

The laptop has no GPU; a GPU box (or a cluster behind Enterprise Gateway) does.
Both gateways speak the same REST + websocket protocol, and ``jupyter_server``
ships its client: ``GatewayKernelManager`` starts, interrupts and deletes
kernels over REST, ``GatewayKernelClient`` carries the kernel's messages over
the websocket. nbclient drives that manager exactly as it drives a local one,
so a remote cell runs through the same ``kernel.run_in`` loop as a local cell
and its outputs (figures included) come back in the same shape.

What this module adds around jupyter_server's client:

- the token on the websocket too (its client sends it on REST calls only, and
  a gateway with a token refuses the websocket without it);
- "did the kernel die?" told from the gateway's own ``restarting``/``dead``
  status messages, and "did the network drop?" from the websocket closing, so
  each fault is reported as what it is;
- before the post's cells, two hidden cells: one asks the kernel what it runs
  on (``probe``), one writes the post's ``inputs:`` files into a fresh working
  folder on the remote machine (a gateway has no file API, so the kernel does it);
- every failure as a ``CellFailure`` naming the gateway, never a traceback; the
  kernel is interrupted and deleted on a timeout, a failure or Ctrl-C.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import json
import logging
import os
import tempfile
import threading
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import PurePosixPath
from queue import Empty
from time import monotonic
from typing import Any

from ..nbformat_import import nbformat  # isort: skip  # before nbclient and jupyter_server import it the slow way

import websocket
from jupyter_client.asynchronous.client import AsyncKernelClient
from jupyter_core.utils import ensure_async, ensure_event_loop
from jupyter_server.gateway.gateway_client import GatewayClient, gateway_request
from jupyter_server.gateway.managers import ChannelQueue, GatewayKernelClient, GatewayKernelManager
from jupyter_server.utils import url_path_join
from nbclient import NotebookClient
from nbclient.exceptions import CellTimeoutError
from nbclient.util import run_sync
from tornado import web
from tornado.escape import url_escape

from site_gen.config import RemoteConfig

from .kernel import DIED, STARTUP_TIMEOUT, TIMED_OUT, CellFailure, KernelRun, Stopper, run_in
from .model import Cell

CONNECT_TIMEOUT = 10.0  # seconds to reach the gateway; an unreachable host fails fast
CHUNK = 4 * 1024 * 1024  # bytes of an input file sent per hidden cell
PROBE_TIMEOUT = 60  # seconds for the hidden cells (nvidia-smi can be slow to answer)
_POLL = 0.001  # seconds between looks at a channel's queue (see ``_Queue``)
_LOG = logging.getLogger(__name__)
_LOG.addHandler(logging.NullHandler())
_LOG.propagate = False
_GATEWAY_LOCK = threading.Lock()


@dataclass(frozen=True)
class Device:
    """What a remote kernel ran on, as its own machine describes it."""

    cuda: bool
    name: str  # "NVIDIA H100 80GB HBM3 (driver 550.54.15, CUDA 12.4)" or "CPU (AMD EPYC 7B13)"
    python: str
    versions: dict[str, str]  # distribution -> version, of what the post imports, on the remote side


@dataclass(frozen=True)
class RemoteRun:
    """What the remote kernel produced, and where it ran."""

    outputs: dict[int, list[dict[str, Any]]]
    device: Device
    skipped: tuple[int, ...]  # ``requires: cuda`` cells not run: the remote kernel has no CUDA device


def token(remote: RemoteConfig) -> str:
    """The gateway's token, from the environment only: a token in site.toml would be committed."""
    return os.environ.get(remote.token_env, "")


def configure_gateway(remote: RemoteConfig) -> None:
    """Point jupyter_server's gateway client (a process-wide singleton) at ``remote``.

    Set afresh for every build, so a token changed in the environment between
    two builds of ``site-gen serve`` is the one sent.
    """
    with _GATEWAY_LOCK:
        GatewayClient.clear_instance()
        GatewayClient.instance(
            url=remote.url.rstrip("/"),
            auth_token=token(remote),
            auth_scheme="token",
            connect_timeout=CONNECT_TIMEOUT,
            log=_LOG,
        )


class _Queue(ChannelQueue):
    """A channel's queue that waits without spinning.

    jupyter_server's polls with ``asyncio.sleep(0)``: a CPU core busy for as long as
    a cell runs (measured: 3.9 s of CPU for a 4 s ``time.sleep``, 0.4 s with this), and
    the GIL fought over with the thread that reads the websocket. Sleeping a millisecond
    between looks costs at most that per message. (Waiting on the queue in a thread
    would wake sooner, but a cancelled wait would swallow the message it took.)
    """

    async def _async_get(self, timeout: float | None = None) -> Any:
        end = monotonic() + (float("inf") if timeout is None else timeout)
        while True:
            try:
                return self.get(block=False)
            except Empty:
                if self.response_router_finished:
                    raise RuntimeError("Response router had finished") from None
                if monotonic() > end:
                    raise
            await asyncio.sleep(_POLL)


class _IOPub(_Queue):
    """The iopub queue, noticing the gateway's word that the kernel died (``restarting``/``dead``).

    The gateway restarts a dead kernel and says so on iopub with no parent
    message, which nbclient skips; without this, a crashed cell would wait
    for its timeout.
    """

    died = False

    def put_nowait(self, item: Any) -> None:
        state = (item.get("content") or {}).get("execution_state")
        if item.get("msg_type") == "status" and state in ("restarting", "dead"):
            self.died = True
        super().put_nowait(item)


class _Client(GatewayKernelClient):
    """jupyter_server's gateway kernel client, with the token on the websocket and the faults told apart."""

    @property
    def iopub_channel(self) -> ChannelQueue:
        if self._iopub_channel is None:
            self._iopub_channel = self._queue("iopub", _IOPub)
        return self._iopub_channel

    @property
    def shell_channel(self) -> ChannelQueue:
        if self._shell_channel is None:
            self._shell_channel = self._queue("shell", _Queue)
        return self._shell_channel

    @property
    def stdin_channel(self) -> ChannelQueue:
        if self._stdin_channel is None:
            self._stdin_channel = self._queue("stdin", _Queue)
        return self._stdin_channel

    @property
    def control_channel(self) -> ChannelQueue:
        if self._control_channel is None:
            self._control_channel = self._queue("control", _Queue)
        return self._control_channel

    def _queue(self, name: str, kind: type[_Queue]) -> _Queue:
        assert self.channel_socket is not None and self._channel_queues is not None
        queue = kind(name, self.channel_socket, self.log)
        self._channel_queues[name] = queue
        return queue

    @property
    def died(self) -> bool:
        return isinstance(self._iopub_channel, _IOPub) and self._iopub_channel.died

    @property
    def disconnected(self) -> bool:
        """The websocket closed under us: the network or the gateway went away."""
        router = self.response_router
        return router is not None and not router.is_alive() and not self._channels_stopped

    def stop_channels(self) -> None:
        # The websocket never opened (the gateway answered its handshake with an error): nothing
        # to stop, and jupyter_server's version would fail an assertion instead of letting the
        # refusal be reported.
        if self.channel_socket is None:
            self._channels_stopped = True
            return
        super().stop_channels()  # type: ignore[no-untyped-call]

    async def start_channels(  # type: ignore[override]
        self, shell: bool = True, iopub: bool = True, stdin: bool = True, hb: bool = True, control: bool = True
    ) -> None:
        # As GatewayKernelClient.start_channels, but the websocket carries the auth header
        # that the REST calls carry (load_connection_args builds it).
        gateway = GatewayClient.instance()
        url = url_path_join(gateway.ws_url or "", gateway.kernels_endpoint, url_escape(self.kernel_id), "channels")
        headers = gateway.load_connection_args().get("headers", {})  # type: ignore[no-untyped-call]
        self.channel_socket = websocket.create_connection(
            url, timeout=CONNECT_TIMEOUT, enable_multithread=True, header=headers
        )
        self.channel_socket.settimeout(None)  # a cell may be silent for minutes; nbclient keeps the time
        await ensure_async(AsyncKernelClient.start_channels(self, shell, iopub, stdin, hb, control))  # type: ignore[func-returns-value]
        self.response_router = threading.Thread(target=self._route_responses, daemon=True)
        self.response_router.start()


class _Manager(GatewayKernelManager):
    """jupyter_server's gateway kernel manager, alive as long as its client has no news of a death.

    nbclient asks every second; asking the gateway each time would turn a
    network drop into an HTTP error inside nbclient rather than a clear report.
    """

    client_factory = _Client
    last_client: _Client | None = None

    def client(self, **kwargs: Any) -> _Client:  # type: ignore[override]
        self.last_client = super().client(**kwargs)  # type: ignore[no-untyped-call]
        return self.last_client

    async def start_kernel(self, **kwargs: Any) -> None:  # type: ignore[override]
        # jupyter_server reads the kernel's name from the arguments only; nbclient sets it on the manager.
        kwargs.setdefault("kernel_name", self.kernel_name)
        await super().start_kernel(**kwargs)

    async def shutdown_kernel(self, now: bool = False, restart: bool = False) -> None:  # type: ignore[override]
        # A gateway gone mid-build must not turn the cell's own failure into an HTTP error
        # at clean-up; ``_faults`` tries once more, and says what went wrong first.
        with contextlib.suppress(web.HTTPError, OSError):
            await super().shutdown_kernel(now=now, restart=restart)
            self.kernel = None

    async def interrupt_kernel(self) -> None:  # type: ignore[override]
        with contextlib.suppress(web.HTTPError, OSError):  # unreachable: the shutdown that follows says so
            await super().interrupt_kernel()

    async def _async_is_alive(self) -> bool:
        client = self.last_client
        if not self.has_kernel or client is None:
            return bool(self.has_kernel)
        return not (client.died or client.disconnected)

    async def is_alive(self) -> bool:  # type: ignore[override]
        return await self._async_is_alive()

    def stop_remote(self, *, kill: bool) -> None:
        """For ``Stopper`` (Ctrl-C): interrupt the remote kernel, or delete it if ``kill``."""
        if self.has_kernel:
            with contextlib.suppress(Exception):  # gone already, or the gateway is: nothing left to stop
                run_sync(self.shutdown_kernel if kill else self.interrupt_kernel)()


def run_remote(
    cells: Sequence[Cell],
    *,
    remote: RemoteConfig,
    kernel: str,
    inputs: Mapping[str, bytes],
    modules: Sequence[str],
    default_timeout: float,
    on_cell: Callable[[Cell], None] | None = None,
    stopper: Stopper | None = None,
) -> RemoteRun:
    """Run ``cells`` in order in a fresh kernel of the gateway, after sending ``inputs`` to it.

    ``requires: cuda`` cells run only if the remote kernel has a CUDA device; the
    others run either way. Raises ``CellFailure`` (naming the gateway) or ``Stopped``.
    """
    stopper = stopper or Stopper()
    name = remote.kernel or kernel
    notebook = nbformat.v4.new_notebook()  # type: ignore[no-untyped-call]
    # Ours, not nbclient's: it would drop the manager at its clean-up, and we need it after
    # (to tell a network drop from a death, and to delete the kernel whatever happened).
    manager = _Manager(kernel_name=name)  # type: ignore[no-untyped-call]
    client = NotebookClient(
        notebook,
        km=manager,
        kernel_name=name,
        timeout=int(default_timeout),
        startup_timeout=int(STARTUP_TIMEOUT),
        allow_errors=True,
        interrupt_on_timeout=False,
        record_timing=False,
        shutdown_kernel="graceful",  # the kernel's own exit handlers remove its working folder
        log=_LOG,
    )
    first = cells[0] if cells else None
    ensure_event_loop().set_exception_handler(_quiet_channel_end)
    with _faults(manager, remote, first, name), stopper.watching(client), client.setup_kernel():
        stopper.check()
        device = _probe(client, modules, stopper)
        _send_inputs(client, inputs, stopper)
        ran = [cell for cell in cells if device.cuda or cell.options.requires != "cuda"]
        notebook.cells = [nbformat.v4.new_code_cell(cell.code) for cell in ran]  # type: ignore[no-untyped-call]
        with tempfile.TemporaryFile() as log:  # a remote kernel's stderr stays remote: nothing to show
            run: KernelRun = run_in(client, ran, notebook.cells, log, default_timeout, on_cell, stopper)
    skipped = tuple(cell.index for cell in cells if cell not in ran)
    return RemoteRun(run.outputs, device, skipped)


def _quiet_channel_end(loop: asyncio.AbstractEventLoop, context: dict[str, Any]) -> None:
    """nbclient leaves a cell's output reader waiting when the cell fails; closing the websocket
    ends it with "Response router had finished", which nobody awaits any more. Not worth a traceback."""
    error = context.get("exception")
    if isinstance(error, RuntimeError) and "Response router had finished" in str(error):
        return
    loop.default_exception_handler(context)


@contextlib.contextmanager
def _faults(manager: _Manager, remote: RemoteConfig, first: Cell | None, kernel: str) -> Iterator[None]:
    """Each way a remote run fails, as one sentence naming the gateway (and the cell, when one ran)."""
    where = remote.url
    try:
        yield
    except CellFailure as failure:
        raise _remote_failure(manager, failure, where) from None
    except web.HTTPError as error:  # a REST call refused or unanswered, as jupyter_server reports it
        raise _http_failure(error, remote, first, kernel) from None
    except CellTimeoutError:  # a hidden set-up cell hung
        raise CellFailure(first, f"the remote kernel on {where} did not answer in {PROBE_TIMEOUT} s") from None
    except (OSError, websocket.WebSocketException) as error:  # the websocket could not open
        raise _http_failure(web.HTTPError(_status_of(error)), remote, first, kernel) from None
    except RuntimeError as error:  # nbclient gave up waiting: the channel went
        if _disconnected(manager):
            raise CellFailure(first, f"lost the connection to the gateway {where}", hint=_NETWORK_HINT) from None
        raise CellFailure(first, f"remote kernel {kernel!r} on {where} failed: {error}") from None
    finally:
        _shut_down(manager)


_NETWORK_HINT = "check the network (or the SSH tunnel) to the gateway; the remote kernel was shut down if it could be"


def _remote_failure(manager: _Manager, failure: CellFailure, where: str) -> CellFailure:
    """The kernel loop's own failure, said of the remote kernel, or of the network when that is what went."""
    if _disconnected(manager):
        return CellFailure(
            failure.cell, f"lost the connection to the gateway {where} while this cell ran", hint=_NETWORK_HINT
        )
    if failure.kind == DIED:
        return CellFailure(
            failure.cell,
            f"the remote kernel died while running this cell (on {where}: a crash, os._exit or out of memory)",
            hint="run the code on the remote machine outside site_gen to see why the process exits",
        )
    if failure.kind == TIMED_OUT:
        return CellFailure(failure.cell, f"{failure.message} (on {where})", hint=failure.hint)
    return failure  # the cell's own exception: its traceback says it all


def _disconnected(manager: _Manager) -> bool:
    last = manager.last_client
    return last is not None and last.disconnected and not last.died


def _http_failure(error: web.HTTPError, remote: RemoteConfig, first: Cell | None, kernel: str) -> CellFailure:
    where = remote.url
    status = error.status_code
    if status in (401, 403):
        given = "a token" if token(remote) else f"no token (${remote.token_env} is not set)"
        return CellFailure(
            first,
            f"the gateway {where} refused the connection: it was sent {given}",
            hint=f"set ${remote.token_env} to the gateway's token (never write it into site.toml)",
        )
    names = _kernel_names() if status in (404, 500) else None
    if names is not None and kernel not in names:  # Kernel Gateway answers an unknown name with a bare 500
        return CellFailure(
            first,
            f"the gateway {where} has no kernel named {kernel!r} (it has: {', '.join(sorted(names)) or 'none'})",
            hint="set `kernel` under [execute.remote], or the post's `jupyter:`",
        )
    if status in (404, 503, 599):
        return CellFailure(
            first,
            f"the gateway {where} is not answering (is it running, and is the address right?)",
            hint="start it with `jupyter kernelgateway`, or open the SSH tunnel to it; "
            "`site-gen build` without --remote runs the cells here",
        )
    reason = (error.log_message or "") % tuple(error.args) if error.args else (error.log_message or "")
    return CellFailure(first, f"the gateway {where} answered {status}: {reason}".rstrip(": "))


def _kernel_names() -> set[str] | None:
    """The gateway's kernel names (``GET /api/kernelspecs``), or None if it will not say."""
    gateway = GatewayClient.instance()
    try:
        response = run_sync(gateway_request)(
            url_path_join(gateway.url or "", gateway.kernelspecs_endpoint), method="GET"
        )
        return set(json.loads(response.body)["kernelspecs"])
    except (web.HTTPError, OSError, ValueError, KeyError, TypeError):
        return None


def _status_of(error: BaseException) -> int:
    """A websocket refusal's HTTP status (``Handshake status 401``), else "unreachable" (599)."""
    status = getattr(error, "status_code", None)
    return status if isinstance(status, int) else 599


def _shut_down(manager: _Manager) -> None:
    """Close the websocket and delete the remote kernel, whatever happened: none is left running.

    A kernel the gateway is restarting after a crash is deleted too.
    """
    client = manager.last_client
    if client is not None and client.channel_socket is not None and not client._channels_stopped:
        with contextlib.suppress(Exception):  # half-open already: closing is all that was left to do
            client.stop_channels()
    url = getattr(manager, "kernel_url", None)  # set once a kernel was started
    if manager.has_kernel:
        run_sync(manager.shutdown_kernel)(now=True)  # errors suppressed there: the gateway may be gone
    if url:
        run_sync(_deleted)(url)


# Seconds between the checks that a deleted kernel is gone (and deleting it again if not).
DELETE_CHECKS = (0.25, 0.5, 1.0, 2.0)


async def _deleted(kernel_url: str) -> None:
    """Make sure the gateway no longer lists the kernel. A kernel that died is restarted by the
    gateway, and a deletion that meets it mid-restart can fail, or be undone by the restart
    (seen under load: the build ended and an idle kernel stayed). Ask, and delete again."""
    for delay in DELETE_CHECKS:
        try:
            await gateway_request(kernel_url, method="GET")
        except (web.HTTPError, OSError):  # 404: gone; anything else: the gateway cannot be asked
            return
        await asyncio.sleep(delay)
        with contextlib.suppress(web.HTTPError, OSError):
            await gateway_request(kernel_url, method="DELETE")


# --- hidden cells: what the remote kernel runs before the post's own ---------------------------

_PROBE = r"""
def _site_gen_probe(modules):
    import importlib.metadata, json, os, platform, re, subprocess
    info = {"python": platform.python_version(), "cuda": False, "name": "", "versions": {}}
    hidden = os.environ.get("CUDA_VISIBLE_DEVICES") in ("", "-1")
    try:
        smi = subprocess.run(["nvidia-smi", "--query-gpu=name,driver_version", "--format=csv,noheader"],
                             capture_output=True, text=True, timeout=30)
        gpus = [line.split(", ") for line in smi.stdout.splitlines() if line.strip()] if smi.returncode == 0 else []
        head = subprocess.run(["nvidia-smi"], capture_output=True, text=True, timeout=30).stdout
        cuda = re.search(r"CUDA Version:\s*([\d.]+)", head)
    except (OSError, subprocess.SubprocessError):
        gpus, cuda = [], None
    if gpus and not hidden:
        name, driver = (gpus[0] + ["?"])[:2]
        info["cuda"] = True
        info["name"] = f"{name} (driver {driver}" + (f", CUDA {cuda.group(1)})" if cuda else ")")
    else:
        model = platform.processor() or platform.machine()
        try:
            with open("/proc/cpuinfo") as cpuinfo:
                for line in cpuinfo:
                    if line.startswith("model name"):
                        model = line.split(":", 1)[1].strip()
                        break
        except OSError:
            pass
        info["name"] = f"CPU ({model})"
    names = importlib.metadata.packages_distributions()
    for module in modules:
        for dist in names.get(module, []):
            try:
                info["versions"][dist] = importlib.metadata.version(dist)
            except importlib.metadata.PackageNotFoundError:
                pass
    print(json.dumps(info))
_site_gen_probe(MODULES)
del _site_gen_probe
"""

_WORKDIR = r"""
import atexit as _sg_atexit, os as _sg_os, shutil as _sg_shutil, tempfile as _sg_tempfile
_sg_dir = _sg_tempfile.mkdtemp(prefix="site-gen-")
_sg_atexit.register(_sg_shutil.rmtree, _sg_dir, True)
_sg_os.chdir(_sg_dir)
del _sg_atexit, _sg_os, _sg_shutil, _sg_tempfile, _sg_dir
"""

_APPEND = r"""
def _site_gen_write(name, data, mode):
    import base64, os
    folder = os.path.dirname(name)
    if folder:
        os.makedirs(folder, exist_ok=True)
    with open(name, mode) as handle:
        handle.write(base64.b64decode(data))
"""


def _probe(client: NotebookClient, modules: Sequence[str], stopper: Stopper) -> Device:
    code = _PROBE.replace("MODULES", json.dumps(sorted(modules)))
    text = _hidden(client, code, "ask the remote kernel its device", stopper)
    try:
        info = json.loads(text.strip().splitlines()[-1])
        return Device(bool(info["cuda"]), str(info["name"]), str(info["python"]), dict(info["versions"]))
    except (ValueError, IndexError, KeyError, TypeError):
        raise CellFailure(None, f"the remote kernel did not describe its device: {text[-200:]!r}") from None


def _send_inputs(client: NotebookClient, inputs: Mapping[str, bytes], stopper: Stopper) -> None:
    """A fresh working folder on the remote machine, and the post's ``inputs:`` files in it."""
    _hidden(client, _WORKDIR, "make a working folder on the remote machine", stopper)
    for name, content in sorted(inputs.items()):
        parts = PurePosixPath(name).parts
        if PurePosixPath(name).is_absolute() or ".." in parts:
            raise CellFailure(None, f"input file '{name}' must be inside the post's folder to be sent to the gateway")
        for start in range(0, max(len(content), 1), CHUNK):
            data = base64.b64encode(content[start : start + CHUNK]).decode("ascii")
            # One call with literal arguments: a template filled by str.replace would also
            # rewrite a "MODE" that happens to occur inside the base64 data.
            arguments = ", ".join(json.dumps(value) for value in (name, data, "wb" if start == 0 else "ab"))
            code = f"{_APPEND}_site_gen_write({arguments})\ndel _site_gen_write\n"
            _hidden(client, code, f"send input file '{name}'", stopper)


def _hidden(client: NotebookClient, code: str, doing: str, stopper: Stopper) -> str:
    """Run set-up code outside the post's history; its stdout, or a ``CellFailure`` saying what failed."""
    cell = nbformat.v4.new_code_cell(code)  # type: ignore[no-untyped-call]
    client.nb.cells.append(cell)
    client.timeout = PROBE_TIMEOUT
    try:
        client.execute_cell(cell, len(client.nb.cells) - 1, store_history=False)
        stopper.check()  # interrupted by Ctrl-C: the KeyboardInterrupt is not a set-up failure
    finally:
        client.nb.cells.remove(cell)
    error = next((o for o in cell.outputs if o.get("output_type") == "error"), None)
    if error is not None:
        raise CellFailure(None, f"could not {doing}: {error.get('ename')}: {error.get('evalue')}")
    return "".join(str(o.get("text", "")) for o in cell.outputs if o.get("output_type") == "stream")
