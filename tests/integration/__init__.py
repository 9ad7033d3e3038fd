"""Integration tests that start real components on 127.0.0.1 (Prefect server, Dask, moto S3) and stop them.

Helpers shared by the modules: every process is started in its own session with its output in a file,
and stopped (with everything it started) by process group in a `finally`.
"""

from __future__ import annotations

import os
import pathlib
import subprocess
import sys
import time
from collections.abc import Callable
from typing import Any

from flows.serve import stop_process_group

PROJECT_ROOT = pathlib.Path(__file__).resolve().parents[2]
VENV_BIN = pathlib.Path(sys.executable).parent


def start_process(args: list[str], log_path: pathlib.Path, env: dict[str, str] | None = None,
                  cwd: pathlib.Path | None = None, **popen_kwargs: Any) -> subprocess.Popen:
    """Start a command in its own session (so its whole group can be stopped), output to `log_path`.

    `popen_kwargs` go to `subprocess.Popen` as they are (`user=`/`group=` to run as another user).
    """
    with open(log_path, "wb") as log:
        return subprocess.Popen(args, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                                env=env if env is not None else dict(os.environ), cwd=cwd,
                                start_new_session=True, **popen_kwargs)


def stop_processes(*procs: subprocess.Popen | None) -> None:
    """Stop processes started by `start_process`, last started first."""
    for proc in reversed(procs):
        if proc is not None:
            stop_process_group(proc, timeout=15)


def wait_until(check: Callable[[], Any], timeout: float, what: str, interval: float = 0.5,
               log_path: pathlib.Path | None = None) -> Any:
    """Poll `check` until it returns something truthy; fail the test with `what` (and a log tail) on timeout."""
    deadline = time.monotonic() + timeout
    while True:
        value = check()
        if value:
            return value
        if time.monotonic() > deadline:
            tail = log_path.read_text(errors="replace")[-3000:] if log_path and log_path.exists() else ""
            raise AssertionError(f"timed out after {timeout:.0f} s waiting for {what}\n{tail}")
        time.sleep(interval)


def pid_alive(pid: int) -> bool:
    """True while a process with this id exists (and is not a zombie)."""
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii") as fh:
            return fh.read().split(") ", 1)[1][:1] != "Z"
    except (FileNotFoundError, IndexError):
        return False
