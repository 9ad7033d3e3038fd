"""One long-lived local Prefect server that CLI runs share, instead of a temporary server per run.

Without `PREFECT_API_URL`, Prefect starts a temporary server inside every process that runs a flow, which costs
a run several CPU-seconds before it does any work. Prefect's documented alternative is a dedicated server
(`prefect server start`) that clients reach through `PREFECT_API_URL`; this module starts one on the first run,
detached on 127.0.0.1 and a free port, and later runs reuse it. A small watchdog process owns the server: it
stops it after `IDLE_SECONDS` with no run, and forgets it when the server dies.

State lives in `$PREFECT_HOME/broadsheet-server/`:
- `state.json`: the watchdog's pid (also its process group), the port, a random token and the start time;
- `start.lock`: held while a run checks or starts the server, so two runs never start two;
- `in-use.lock`: every run holds it shared while it talks to the server, so the watchdog never stops a busy one;
- `last-used`: touched by every run; its age is the idle time;
- `server.log`: the watchdog's and the server's output.

`prefect server start --background` is not used: it records one pid file for all servers of a PREFECT_HOME,
never stops by itself and pipes the server's output to nobody.

Usage: python -m flows.local_server status|stop
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import json
import os
import pathlib
import secrets
import signal
import subprocess
import sys
import time
from collections.abc import Iterator, Sequence
from dataclasses import asdict, dataclass
from typing import IO

from flows.serve import (
    DEFAULT_HOST,
    STARTUP_TIMEOUT_SECONDS,
    STOP_TIMEOUT_SECONDS,
    PrefectServer,
    free_port,
    log_tail,
    prefect_executable,
    server_env,
    server_healthy,
    ui_url,
)

MODE_ENV = "BROADSHEET_PREFECT_SERVER"  # `temporary`: Prefect's own per-run server, as before this module
IDLE_SECONDS = 30 * 60
STATE_DIR_NAME = "broadsheet-server"
# A run that finds the start lock held waits for the holder to start the server, then reuses it.
LOCK_WAIT_SECONDS = STARTUP_TIMEOUT_SECONDS + 30


@dataclass(frozen=True, slots=True)
class ServerState:
    """What `state.json` records about the running server."""

    pid: int  # the watchdog, leader of the process group that holds the server
    port: int
    token: str  # on the watchdog's command line: a live pid without it is someone else's process
    started_at: str
    host: str = DEFAULT_HOST

    @property
    def api_url(self) -> str:
        """The server's API address."""
        return f"http://{self.host}:{self.port}/api"


def state_dir(prefect_home: str | os.PathLike[str] | None = None) -> pathlib.Path:
    """`$PREFECT_HOME/broadsheet-server` (Prefect's default home when PREFECT_HOME is unset)."""
    home = prefect_home or os.environ.get("PREFECT_HOME") or pathlib.Path.home() / ".prefect"
    return pathlib.Path(home).expanduser() / STATE_DIR_NAME


def read_state(directory: pathlib.Path) -> ServerState | None:
    """The recorded server, or None when there is none or the file is unreadable."""
    try:
        return ServerState(**json.loads((directory / "state.json").read_text(encoding="utf-8")))
    except (OSError, ValueError, TypeError):
        return None


def _write_state(directory: pathlib.Path, state: ServerState) -> None:
    tmp = directory / f"state.json.{os.getpid()}"
    tmp.write_text(json.dumps(asdict(state)), encoding="utf-8")
    os.replace(tmp, directory / "state.json")  # readers see the old file or the new one, never half of one


def _forget_state(directory: pathlib.Path, token: str) -> None:
    """Remove `state.json` if it still describes the server with `token` (a newer one may have replaced it)."""
    state = read_state(directory)
    if state is not None and state.token == token:
        with contextlib.suppress(FileNotFoundError):
            (directory / "state.json").unlink()


def _command_line(pid: int) -> str:
    """The command line of a live process, '' if there is none we may see."""
    try:
        return pathlib.Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
    except FileNotFoundError:
        if pathlib.Path("/proc/self").exists():
            return ""  # Linux, and the process is gone
    except OSError:
        return ""
    try:  # no /proc (macOS): ask ps
        out = subprocess.run(["ps", "-o", "command=", "-p", str(pid)], capture_output=True, text=True, timeout=5)
    except (OSError, subprocess.SubprocessError):
        return ""
    return out.stdout


def is_ours(state: ServerState) -> bool:
    """True when the recorded watchdog is alive: the pid exists and its command line carries our token.

    The watchdog stops as soon as its server exits, so a live watchdog means the port is still its server's.
    """
    return state.pid > 0 and state.token in _command_line(state.pid)


def is_usable(state: ServerState) -> bool:
    """Ours, alive, and answering Prefect's health check."""
    return is_ours(state) and server_healthy(state.api_url)


def _lock(path: pathlib.Path, exclusive: bool, wait_seconds: float) -> IO[bytes]:
    """Open and flock `path`; the lock lasts until the returned file is closed (or the process dies)."""
    import fcntl

    fh = open(path, "ab")  # noqa: SIM115 - returned to the caller, who closes it
    mode = (fcntl.LOCK_EX if exclusive else fcntl.LOCK_SH) | fcntl.LOCK_NB
    deadline = time.monotonic() + wait_seconds
    while True:
        try:
            fcntl.flock(fh, mode)
            return fh
        except BlockingIOError:
            if time.monotonic() >= deadline:
                fh.close()
                raise TimeoutError(f"{path} stayed locked for {wait_seconds:.0f} s") from None
            time.sleep(0.1)


def stop_group(pid: int, timeout: float = STOP_TIMEOUT_SECONDS) -> None:
    """TERM the process group led by `pid` (a watchdog and its server), wait for the leader, KILL what is left."""
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(pid, signal.SIGTERM)
        os.killpg(pid, signal.SIGCONT)  # a stopped process acts on the TERM only once it runs again
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and _alive(pid):
        time.sleep(0.1)
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(pid, signal.SIGKILL)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    # A zombie child of this process counts as gone (tests start watchdogs as children).
    with contextlib.suppress(ChildProcessError):
        if os.waitpid(pid, os.WNOHANG)[0] == pid:
            return False
    return True


def _start(directory: pathlib.Path, idle_seconds: float, startup_timeout: float,
           server_command: Sequence[str] | None) -> ServerState:
    """Start the watchdog (which starts the server), wait until the server is healthy, record it."""
    port = free_port(DEFAULT_HOST)
    token = secrets.token_hex(16)
    argv = [sys.executable, "-m", "flows.local_server", "watch", "--dir", str(directory), "--port", str(port),
            "--token", token, "--idle-seconds", str(idle_seconds)]
    if server_command:
        argv += ["--", *server_command]
    log_path = directory / "server.log"
    with open(log_path, "wb") as log:
        # Own session: outlives this run, and a Ctrl-C in the user's terminal never reaches it.
        proc = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT,
                                env=server_env(), cwd=directory, start_new_session=True)
    state = ServerState(proc.pid, port, token, dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"))
    deadline = time.monotonic() + startup_timeout
    while not server_healthy(state.api_url, timeout=1.0):
        if proc.poll() is not None:
            raise RuntimeError(f"the local Prefect server exited with code {proc.returncode}:\n"
                               f"{log_tail(str(log_path))}")
        if time.monotonic() > deadline:
            stop_group(proc.pid)
            raise RuntimeError(f"the local Prefect server did not answer within {startup_timeout:.0f} s:\n"
                               f"{log_tail(str(log_path))}")
        time.sleep(0.2)
    _write_state(directory, state)
    return state


@contextlib.contextmanager
def shared_server(prefect_home: str | os.PathLike[str] | None = None, idle_seconds: float = IDLE_SECONDS,
                  startup_timeout: float = STARTUP_TIMEOUT_SECONDS,
                  server_command: Sequence[str] | None = None) -> Iterator[tuple[PrefectServer, bool]]:
    """The local server, started if no healthy one of ours runs; held in use until the block ends.

    Args:
        prefect_home: where the state lives (default: PREFECT_HOME).
        idle_seconds: a server started here stops after this long without a run.
        startup_timeout: seconds to wait for a new server's health check.
        server_command: the server to run instead of `prefect server start` (tests); `{port}` is replaced.

    Returns:
        A context manager yielding the server (its pid is None: this run does not stop it) and whether this
        call started it.
    """
    directory = state_dir(prefect_home)
    directory.mkdir(parents=True, exist_ok=True)
    started = False
    with _lock(directory / "start.lock", exclusive=True, wait_seconds=LOCK_WAIT_SECONDS) as start_lock:
        state = read_state(directory)  # written only once its server answered
        if state is None or not is_usable(state):
            if state is not None and is_ours(state):  # alive but not answering: replace it
                stop_group(state.pid)
            state = _start(directory, idle_seconds, startup_timeout, server_command)
            started = True
        # Taken before the start lock is released: the watchdog takes that lock before it looks at this one.
        in_use = _lock(directory / "in-use.lock", exclusive=False, wait_seconds=LOCK_WAIT_SECONDS)
        start_lock.close()
    try:
        (directory / "last-used").touch()
        yield PrefectServer(state.api_url, ui_url(state.api_url), None, str(directory / "server.log"),
                            shared=True), started
    finally:
        (directory / "last-used").touch()
        in_use.close()


def stop(prefect_home: str | os.PathLike[str] | None = None) -> ServerState | None:
    """Stop the local server if ours runs; returns the state of the server stopped."""
    directory = state_dir(prefect_home)
    if read_state(directory) is None:
        return None
    with _lock(directory / "start.lock", exclusive=True, wait_seconds=LOCK_WAIT_SECONDS):  # not while one starts
        state = read_state(directory)
        if state is None:
            return None
        ours = is_ours(state)
        if ours:
            stop_group(state.pid)
        _forget_state(directory, state.token)
    return state if ours else None


# The watchdog: `python -m flows.local_server watch ...`, the leader of the server's process group.


def _idle_for(directory: pathlib.Path, since: float) -> float:
    try:
        last = max(since, (directory / "last-used").stat().st_mtime)
    except OSError:
        last = since
    return time.time() - last


def _idle_and_free(directory: pathlib.Path, token: str, idle_seconds: float, since: float) -> bool:
    """True when no run has used the server for `idle_seconds` and none holds it now; then forgets the state.

    Decided under the start lock, and the state is forgotten before it is released: a run that comes later
    starts a new server rather than picking up this one as it stops.
    """
    if _idle_for(directory, since) < idle_seconds:
        return False
    try:
        with _lock(directory / "start.lock", exclusive=True, wait_seconds=LOCK_WAIT_SECONDS), \
                _lock(directory / "in-use.lock", exclusive=True, wait_seconds=0):
            if _idle_for(directory, since) < idle_seconds:
                return False
            _forget_state(directory, token)
            return True
    except TimeoutError:  # a run holds the server
        return False


def _watch(directory: pathlib.Path, port: int, token: str, idle_seconds: float, server_command: list[str]) -> int:
    """Run the server until it has been idle for `idle_seconds`, it exits, or we are told to stop."""
    command = [part.replace("{port}", str(port)) for part in server_command] or [
        prefect_executable(), "server", "start", "--host", DEFAULT_HOST, "--port", str(port), "--analytics-off"]
    server = subprocess.Popen(command, stdin=subprocess.DEVNULL)

    def _on_term(signum: int, frame: object) -> None:
        raise SystemExit(0)

    signal.signal(signal.SIGTERM, _on_term)
    since = time.time()
    poll = max(0.2, min(30.0, idle_seconds / 4))
    try:
        while server.poll() is None:
            time.sleep(poll)
            if _idle_and_free(directory, token, idle_seconds, since):
                break
    finally:
        _forget_state(directory, token)
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
        server.terminate()
        try:
            server.wait(STOP_TIMEOUT_SECONDS)
        except subprocess.TimeoutExpired:
            server.kill()
    return 0


def main(argv: list[str] | None = None) -> int:
    """`status`, `stop`, or (internal) `watch`."""
    ap = argparse.ArgumentParser(prog="python -m flows.local_server", description=__doc__.splitlines()[0])
    sub = ap.add_subparsers(dest="command", required=True)
    sub.add_parser("status", help="say whether the local server runs, and where")
    sub.add_parser("stop", help="stop the local server now")
    watch = sub.add_parser("watch", help="(internal) run the server and stop it when idle")
    watch.add_argument("--dir", required=True)
    watch.add_argument("--port", type=int, required=True)
    watch.add_argument("--token", required=True)
    watch.add_argument("--idle-seconds", type=float, default=IDLE_SECONDS)
    watch.add_argument("server_command", nargs="*")
    args = ap.parse_args(argv)
    if args.command == "watch":
        return _watch(pathlib.Path(args.dir), args.port, args.token, args.idle_seconds, args.server_command)
    if args.command == "stop":
        stopped = stop()
        print(f"stopped the local Prefect server (pid {stopped.pid}, port {stopped.port})" if stopped
              else "no local Prefect server is running")
        return 0
    state = read_state(state_dir())
    if state is not None and is_usable(state):
        print(f"running: pid {state.pid}, UI {ui_url(state.api_url)}, since {state.started_at}")
    else:
        print("not running")
    return 0


if __name__ == "__main__":
    sys.exit(main())
