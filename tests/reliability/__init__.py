"""Reliability tests: hostile inputs, kill-and-resume, concurrent writers and readers.

Helpers shared by the tests that start `broadsheet run` as a subprocess. The subprocesses talk to the session's
Prefect test server (the `prefect_server` fixture) through PREFECT_API_URL, so they skip the 15-20 s start-up of a
temporary server of their own.
"""

from __future__ import annotations

import os
import pathlib
import signal
import subprocess
import sys
import time
from collections.abc import Callable

from warehouse.lake import Lake
from warehouse.schemas import TABLES

PROJECT_ROOT = pathlib.Path(__file__).resolve().parent.parent.parent
RUN_TIMEOUT = 240.0
# Columns that legitimately differ between two runs over the same input.
RUN_SPECIFIC = {"run_id", "ingested_at"}


def prefect_api_url() -> str:
    """The API URL of the Prefect server active in this process (call inside the `prefect_server` fixture)."""
    from prefect.settings import PREFECT_API_URL

    url = PREFECT_API_URL.value()
    assert url, "no Prefect API URL: use the prefect_server fixture"
    return str(url)


READY = "warm: waiting for go"
# The CLI process imports everything first (10 s or more on a busy machine), then waits for a line on stdin before
# it runs `broadsheet run`; so a test can start the next run while the current one works, and time kills from "go".
_WARM_CLI = (
    f"import sys\nREADY = {READY!r}\n"
    "import flows.cli, flows.pipeline, flows.runners, prefect.task_runners\n"
    "print(READY, flush=True)\n"
    "if sys.stdin.readline().strip() != 'go':\n"
    "    sys.exit(9)\n"
    "sys.argv = ['broadsheet', *sys.argv[1:]]\n"
    "flows.cli.main()\n"
)


def warm_run(input_dir: pathlib.Path, warehouse: pathlib.Path, api_url: str, log: pathlib.Path,
             *extra: str) -> subprocess.Popen:
    """Start a `broadsheet run` process (own process group, output to `log`) that waits for `go`."""
    env = {**os.environ, "PREFECT_API_URL": api_url, "PREFECT_LOGGING_LEVEL": "WARNING"}
    cmd = [sys.executable, "-c", _WARM_CLI, "run", "--input", str(input_dir), "--warehouse", str(warehouse),
           "--quiet", *extra]
    with open(log, "ab") as out:
        return subprocess.Popen(cmd, cwd=PROJECT_ROOT, env=env, stdin=subprocess.PIPE, stdout=out,
                                stderr=subprocess.STDOUT, start_new_session=True)


def wait_warm(log: pathlib.Path, timeout: float = 120.0) -> None:
    """Wait until a process from `warm_run` (writing to `log`) has imported everything and waits for `go`."""
    deadline = time.monotonic() + timeout
    while READY not in log.read_text(errors="replace"):
        assert time.monotonic() < deadline, f"not warm after {timeout:.0f} s: {log.read_text(errors='replace')}"
        time.sleep(0.05)


def go(proc: subprocess.Popen) -> subprocess.Popen:
    """Let a process from `warm_run` start its run."""
    assert proc.stdin is not None
    proc.stdin.write(b"go\n")
    proc.stdin.close()
    return proc


def start_run(input_dir: pathlib.Path, warehouse: pathlib.Path, api_url: str, log: pathlib.Path,
              *extra: str) -> subprocess.Popen:
    """Start `broadsheet run` now."""
    return go(warm_run(input_dir, warehouse, api_url, log, *extra))


def kill(proc: subprocess.Popen) -> None:
    """SIGKILL a run started by `start_run` (its whole process group) and reap it."""
    if proc.stdin is not None and not proc.stdin.closed:
        proc.stdin.close()
    if proc.poll() is None:
        try:
            os.killpg(proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
    proc.wait(timeout=30)


def finish(proc: subprocess.Popen, timeout: float = RUN_TIMEOUT) -> int:
    """Wait for a run to exit (killing it after `timeout`); returns its exit status."""
    try:
        return proc.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        kill(proc)
        raise


def wait_for(condition: Callable[[], bool], proc: subprocess.Popen | None, timeout: float = 120.0) -> bool:
    """Poll `condition` every 10 ms until it holds (True) or `proc` exits or time runs out (False)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        if proc is not None and proc.poll() is not None:
            return condition()
        time.sleep(0.01)
    return False


def table_rows(warehouse: pathlib.Path, tables: list[str] | None = None) -> dict[str, list[tuple]]:
    """Every row of every table (sorted, run-specific columns left out), read through the catalog."""
    with Lake(str(warehouse)).reader() as con:
        out = {}
        for name in tables or sorted(TABLES):
            cols = [c for c in TABLES[name].columns if c not in RUN_SPECIFIC]
            select = ", ".join(f'"{c}"' for c in cols)
            out[name] = sorted(con.execute(f'select {select} from "{name}"').fetchall(), key=repr)
        return out
