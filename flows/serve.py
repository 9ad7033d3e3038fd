"""Scheduled runs: find or start a Prefect server on 127.0.0.1, and serve the flow as a cron deployment.

Cron schedules never fire on Prefect's temporary per-process server, and Dask workers without
`PREFECT_API_URL` each start their own; both need one real server. When `PREFECT_API_URL` is set we use
that server; otherwise we start `prefect server start` on 127.0.0.1 ourselves and stop it on exit.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 4200
STARTUP_TIMEOUT_SECONDS = 120.0
STOP_TIMEOUT_SECONDS = 20.0
# A scheduled run waits this long for the warehouse's writer lock before giving up (local warehouses).
SCHEDULED_LOCK_WAIT_SECONDS = 900.0


@dataclass(frozen=True, slots=True)
class PrefectServer:
    """A Prefect API the flows talk to; `pid` is set only when we started the server ourselves."""

    api_url: str
    ui_url: str
    pid: int | None = None
    log_path: str | None = None
    shared: bool = False  # the long-lived local server CLI runs share (flows.local_server): it outlives this run


def ui_url(api_url: str) -> str:
    """The UI address of a Prefect API URL (`http://HOST:PORT/api` -> `http://HOST:PORT`)."""
    return api_url.rstrip("/").removesuffix("/api")


def free_port(host: str = DEFAULT_HOST) -> int:
    """A TCP port nobody listens on right now."""
    with socket.socket() as s:
        s.bind((host, 0))
        return int(s.getsockname()[1])


def port_in_use(port: int, host: str = DEFAULT_HOST) -> bool:
    """True when something accepts connections on host:port."""
    with socket.socket() as s:
        s.settimeout(0.5)
        return s.connect_ex((host, port)) == 0


def server_healthy(api_url: str, timeout: float = 2.0) -> bool:
    """True when a Prefect API answers its health check."""
    try:
        with urllib.request.urlopen(f"{api_url.rstrip('/')}/health", timeout=timeout) as resp:
            return resp.status == 200
    except (urllib.error.URLError, OSError, ValueError):
        return False


def prefect_executable() -> str:
    """The `prefect` command of this environment (next to the interpreter, so the venv's version is used)."""
    beside = os.path.join(os.path.dirname(sys.executable), "prefect")
    return beside if os.path.exists(beside) else (shutil.which("prefect") or "prefect")


def server_env() -> dict[str, str]:
    """The environment of a Prefect server we start: no analytics, and not itself a client of another server."""
    env = dict(os.environ)
    env.pop("PREFECT_API_URL", None)  # the server must not think it is a client of another server
    env.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
    env.setdefault("DO_NOT_TRACK", "1")
    return env


def log_tail(path: str, n_chars: int = 3000) -> str:
    """The last characters of a server's log, to explain why it did not start."""
    try:
        with open(path, encoding="utf-8", errors="replace") as fh:
            return fh.read()[-n_chars:]
    except OSError:
        return ""


def stop_process_group(proc: subprocess.Popen, timeout: float = STOP_TIMEOUT_SECONDS) -> None:
    """Stop a process we started in its own session, and everything it started: TERM, then KILL."""
    if proc.poll() is not None:
        return
    with contextlib.suppress(ProcessLookupError):
        os.killpg(proc.pid, signal.SIGTERM)
    try:
        proc.wait(timeout)
    except subprocess.TimeoutExpired:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(timeout)
    # The group may outlive its leader (uvicorn children): make sure none is left.
    with contextlib.suppress(ProcessLookupError):
        os.killpg(proc.pid, signal.SIGKILL)


@contextlib.contextmanager
def local_prefect_server(port: int | None = None, host: str = DEFAULT_HOST,
                         startup_timeout: float = STARTUP_TIMEOUT_SECONDS) -> Iterator[PrefectServer]:
    """Start `prefect server start` on host:port, wait until it is healthy, and stop it on exit.

    Args:
        port: TCP port; None picks a free one.
        host: interface to listen on (keep 127.0.0.1 unless the server must be reached from other machines).
        startup_timeout: seconds to wait for the health check.

    Returns:
        A context manager yielding the running server.
    """
    port = port or free_port(host)
    if port_in_use(port, host):
        raise RuntimeError(f"port {port} on {host} is already in use; pick another with --server-port, or point "
                           f"PREFECT_API_URL at the Prefect server that runs there")
    api_url = f"http://{host}:{port}/api"
    log_dir = tempfile.mkdtemp(prefix="broadsheet-prefect-server-")
    log_path = os.path.join(log_dir, "server.log")
    with open(log_path, "wb") as log:
        # Own session: a Ctrl-C in the terminal reaches the runner, which still needs the server while it stops.
        proc = subprocess.Popen(
            [prefect_executable(), "server", "start", "--host", host, "--port", str(port), "--analytics-off"],
            stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, env=server_env(),
            start_new_session=True,
        )
    try:
        deadline = time.monotonic() + startup_timeout
        while not server_healthy(api_url):
            if proc.poll() is not None:
                raise RuntimeError(f"the Prefect server exited with code {proc.returncode}:\n{log_tail(log_path)}")
            if time.monotonic() > deadline:
                raise RuntimeError(f"the Prefect server did not answer within {startup_timeout:.0f} s:\n"
                                   f"{log_tail(log_path)}")
            time.sleep(0.5)
        yield PrefectServer(api_url, ui_url(api_url), proc.pid, log_path)
    finally:
        stop_process_group(proc)
        shutil.rmtree(log_dir, ignore_errors=True)


def _drain_api_queues() -> None:
    """Send the logs and events still queued for the API now, while the server is sure to be up."""
    from prefect.events.worker import EventsWorker
    from prefect.logging.handlers import APILogWorker

    for worker in (APILogWorker, EventsWorker):
        with contextlib.suppress(Exception):  # best effort: never mask the block's own outcome
            worker.drain_all(timeout=5)


@contextlib.contextmanager
def using_api(api_url: str) -> Iterator[None]:
    """Point this process and every process it starts from now on (Dask workers, flow runs) at `api_url`."""
    from prefect.settings import PREFECT_API_URL, temporary_settings

    before = os.environ.get("PREFECT_API_URL")
    os.environ["PREFECT_API_URL"] = api_url
    try:
        # Prefect reads its settings once at import; the environment alone reaches only new processes.
        with temporary_settings(updates={PREFECT_API_URL: api_url}):
            try:
                yield
            finally:
                _drain_api_queues()
    finally:
        if before is None:
            os.environ.pop("PREFECT_API_URL", None)
        else:
            os.environ["PREFECT_API_URL"] = before


@contextlib.contextmanager
def prefect_api(port: int | None = None, host: str = DEFAULT_HOST,
                on_start: Callable[[PrefectServer], None] | None = None) -> Iterator[PrefectServer]:
    """The Prefect server of this session: `PREFECT_API_URL`'s when set, else a local one started (and stopped) here.

    Args:
        port: port for a server we start; None means 4200 when free, else any free port.
        host: interface for a server we start.
        on_start: called with the server once it is healthy (to tell the user where the UI is).

    Returns:
        A context manager yielding the server; inside it this process and its children use that server.
    """
    configured = os.environ.get("PREFECT_API_URL")
    if configured:
        server = PrefectServer(configured, ui_url(configured))
        if on_start is not None:
            on_start(server)
        yield server
        return
    if port is None:
        port = DEFAULT_PORT if not port_in_use(DEFAULT_PORT, host) else free_port(host)
    with local_prefect_server(port, host) as server, using_api(server.api_url):
        if on_start is not None:
            on_start(server)
        yield server


def deployment_name(warehouse_uri: str) -> str:
    """A stable deployment name per warehouse, so serving the same warehouse again updates one deployment."""
    tail = warehouse_uri.rstrip("/").rsplit("/", 1)[-1] or "warehouse"
    digest = hashlib.sha256(warehouse_uri.encode("utf-8")).hexdigest()[:8]
    return f"{tail}-{digest}"


def scheduled_deployment(input_uri: str, warehouse_uri: str, cron: str, name: str | None = None,
                         batch_files: int | None = None, prune: bool = False,
                         lock_wait_seconds: float = SCHEDULED_LOCK_WAIT_SECONDS, catalog: str | None = None,
                         maintain_every_hours: float = 24.0) -> Any:
    """A runner deployment of the Broadsheet flow on a cron schedule, at most one run at a time.

    Args:
        input_uri: directory or URI of raw inputs.
        warehouse_uri: warehouse root (directory or URI).
        cron: five-field cron expression (UTC unless the server is configured otherwise).
        name: deployment name; default derived from the warehouse.
        batch_files: input files per batch task (None: the flow's default).
        prune: drop rows of inputs that disappeared.
        lock_wait_seconds: how long a run waits for the warehouse's writer lock.
        catalog: the catalog of a new warehouse (no password: runs read PGPASSWORD from their environment).
        maintain_every_hours: a run maintains the lake when the last pass is this old (0: never).

    Returns:
        The `RunnerDeployment`, ready for `prefect.serve`.
    """
    from prefect.client.schemas.objects import ConcurrencyLimitConfig, ConcurrencyLimitStrategy
    from prefect.deployments.runner import EntrypointType

    from flows.pipeline import broadsheet_run

    parameters: dict[str, Any] = {"input_uri": input_uri, "warehouse_uri": warehouse_uri, "prune": prune,
                                  "lock_wait_seconds": lock_wait_seconds, "maintain_every_hours": maintain_every_hours}
    if batch_files is not None:
        parameters["batch_files"] = batch_files
    if catalog is not None:
        parameters["catalog"] = catalog
    return broadsheet_run.to_deployment(
        name=name or deployment_name(warehouse_uri),
        cron=cron,
        parameters=parameters,
        # The server never starts a second run of this deployment while one is running; a run that comes
        # due meanwhile waits its turn instead of being dropped.
        concurrency_limit=ConcurrencyLimitConfig(limit=1, collision_strategy=ConcurrencyLimitStrategy.ENQUEUE),
        tags=["broadsheet"],
        description=f"Broadsheet: {input_uri} -> {warehouse_uri} on '{cron}'",
        # A module path loads from any working directory (the package is installed).
        entrypoint_type=EntrypointType.MODULE_PATH,
    )


def serve_schedule(deployment: Any) -> None:
    """Register the deployment and run its scheduled flow runs here until interrupted (one at a time)."""
    from prefect import serve

    serve(deployment, limit=1, pause_on_shutdown=False, print_starting_message=False)


@contextlib.contextmanager
def sigterm_as_interrupt() -> Iterator[None]:
    """Turn SIGTERM into KeyboardInterrupt so cleanup (stopping the server) runs when a supervisor stops us."""
    def _raise(signum: int, frame: Any) -> None:
        raise KeyboardInterrupt

    previous = signal.signal(signal.SIGTERM, _raise)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)
