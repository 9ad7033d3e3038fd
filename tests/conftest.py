"""Fixtures shared by the whole suite."""

from __future__ import annotations

import atexit
import os
import pathlib
import shutil
import tempfile

import pytest
from hypothesis import HealthCheck, settings

PROJECT_ROOT = pathlib.Path(__file__).resolve().parent.parent
SHARED_DIR = pathlib.Path(os.environ.get("BROADSHEET_SHARED", PROJECT_ROOT.parent / "shared"))

os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
os.environ.setdefault("GX_ANALYTICS_ENABLED", "false")
os.environ.setdefault("DO_NOT_TRACK", "1")

# The session's own Prefect home: the local Prefect server that runs share (flows/local_server.py) is started
# and recorded there, never in the user's ~/.prefect, and stopped when the session ends. Set before Prefect is
# imported anywhere. Every process the session starts carries the marker, so servers started under another
# PREFECT_HOME (a test's tmp_path) are found and stopped too.
_SESSION_HOME = tempfile.mkdtemp(prefix="broadsheet-test-prefect-home-")
os.environ["PREFECT_HOME"] = _SESSION_HOME
os.environ["BROADSHEET_TEST_SESSION"] = os.path.basename(_SESSION_HOME)

# Hypothesis: CI gets the same examples on every run (derandomized, no example database) and no
# per-example deadline, since CI machines vary; `BROADSHEET_HYPOTHESIS=thorough` searches ten times
# wider with fresh examples each run and keeps failures in the local `.hypothesis` database.
settings.register_profile(
    "ci", max_examples=100, deadline=None, derandomize=True, database=None, print_blob=True,
    suppress_health_check=[HealthCheck.too_slow],
)
settings.register_profile(
    "thorough", max_examples=600, deadline=None, print_blob=True, suppress_health_check=[HealthCheck.too_slow],
)
settings.load_profile(os.environ.get("BROADSHEET_HYPOTHESIS", "ci"))


@pytest.fixture(scope="session")
def shared_dir() -> pathlib.Path:
    """The team's shared gold data (`../shared`); tests using it skip when a clone has none."""
    if not (SHARED_DIR / "eval").is_dir():
        pytest.skip("../shared is not present in this checkout")
    return SHARED_DIR


@pytest.fixture(scope="session")
def prefect_server():
    """One temporary Prefect server (SQLite) for every test that runs a real flow."""
    from prefect.testing.utilities import prefect_test_harness

    with prefect_test_harness(server_startup_timeout=120):
        yield


def _session_watchdogs() -> list[int]:
    """Pids of local-server watchdogs started by this session (Linux: read from /proc)."""
    marker = f"BROADSHEET_TEST_SESSION={os.environ['BROADSHEET_TEST_SESSION']}".encode()
    found = []
    for proc in pathlib.Path("/proc").glob("[0-9]*"):
        try:
            if (b"flows.local_server\0watch" in (proc / "cmdline").read_bytes()
                    and marker in (proc / "environ").read_bytes().split(b"\0")):
                found.append(int(proc.name))
        except OSError:
            continue
    return found


def _stop_session_servers() -> None:
    """Stop every local Prefect server this session started, wherever its PREFECT_HOME was."""
    from flows.local_server import stop, stop_group

    stop(_SESSION_HOME)
    for pid in _session_watchdogs():
        stop_group(pid)
    shutil.rmtree(_SESSION_HOME, ignore_errors=True)


def pytest_sessionfinish(session, exitstatus) -> None:
    _stop_session_servers()


atexit.register(_stop_session_servers)  # also when the session is interrupted before it finishes
