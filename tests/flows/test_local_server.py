"""The shared local Prefect server: started once, reused, never confused with another process, stopped when idle.

Most tests run a stand-in server (Python's http.server answering `/api/health` from a file) so they take
seconds; the last ones run real flows through a real Prefect server started by `flows.local_server`.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
import time

import pytest

from flows import local_server
from flows.local_server import ServerState, read_state, shared_server, state_dir, stop
from flows.serve import free_port, server_healthy

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="POSIX locks and process groups")


@pytest.fixture
def home(tmp_path):
    """A Prefect home of this test; any server left in it is stopped afterwards."""
    path = tmp_path / "prefect-home"
    yield path
    stop(path)


@pytest.fixture
def fake_server(tmp_path):
    """The command of a stand-in server on `{port}` whose `/api/health` answers 200."""
    root = tmp_path / "www"
    (root / "api").mkdir(parents=True)
    (root / "api" / "health").write_text("true")
    return [sys.executable, "-m", "http.server", "--bind", "127.0.0.1", "--directory", str(root), "{port}"]


def _wait_until(predicate, seconds: float = 20.0) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.1)
    return predicate()


def _gone(pid: int) -> bool:
    return not local_server._alive(pid)


def test_first_run_starts_a_server_and_later_runs_reuse_it(home, fake_server):
    with shared_server(home, server_command=fake_server) as (first, started):
        assert started and server_healthy(first.api_url)
        assert first.pid is None  # the run does not own it: nothing stops it when the run ends
        assert first.shared  # so the CLI says it outlives the run, and how to stop it
    state = read_state(state_dir(home))
    assert state is not None and state.api_url == first.api_url and len(state.token) == 32 and state.started_at
    with shared_server(home, server_command=fake_server) as (again, started_again):
        assert not started_again and again.api_url == first.api_url
    assert server_healthy(first.api_url)  # still up after the run: the next one reuses it

    assert stop(home) == state
    assert _wait_until(lambda: _gone(state.pid)) and not server_healthy(first.api_url)
    assert read_state(state_dir(home)) is None


def test_stale_state_with_a_dead_pid_starts_a_new_server(home, fake_server):
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    directory = state_dir(home)
    directory.mkdir(parents=True)
    stale = ServerState(dead.pid, free_port(), "0" * 32, "2020-01-01T00:00:00+00:00")
    (directory / "state.json").write_text(json.dumps({"pid": stale.pid, "port": stale.port, "token": stale.token,
                                                      "started_at": stale.started_at}))
    with shared_server(home, server_command=fake_server) as (server, started):
        assert started and server_healthy(server.api_url)
    state = read_state(directory)
    assert state is not None and state.pid != dead.pid and state.token != stale.token


def test_someone_elses_process_on_the_recorded_port_is_left_alone(home, fake_server, tmp_path):
    port = free_port()
    # Another program that answers the health check where our server was recorded, with a pid that is alive.
    other = subprocess.Popen([part.replace("{port}", str(port)) for part in fake_server],
                             stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        assert _wait_until(lambda: server_healthy(f"http://127.0.0.1:{port}/api"))
        directory = state_dir(home)
        directory.mkdir(parents=True)
        (directory / "state.json").write_text(json.dumps(
            {"pid": other.pid, "port": port, "token": "f" * 32, "started_at": "2020-01-01T00:00:00+00:00"}))
        with shared_server(home, server_command=fake_server) as (server, started):
            assert started and f":{port}/" not in server.api_url
        assert other.poll() is None  # not ours: never stopped
        stop(home)
        assert other.poll() is None
    finally:
        other.terminate()
        other.wait(10)


def test_a_server_that_stopped_answering_is_replaced(home, fake_server):
    with shared_server(home, server_command=fake_server):
        pass
    hung = read_state(state_dir(home))
    os.killpg(hung.pid, 19)  # SIGSTOP: alive and ours, but silent
    try:
        with shared_server(home, server_command=fake_server) as (server, started):
            assert started and server.api_url != hung.api_url
        assert _wait_until(lambda: _gone(hung.pid))
    finally:
        if not _gone(hung.pid):
            local_server.stop_group(hung.pid)


def test_concurrent_runs_start_one_server(home, fake_server):
    results: list[tuple[str, bool]] = []
    errors: list[BaseException] = []

    def one_run() -> None:
        try:
            with shared_server(home, server_command=fake_server) as (server, started):
                results.append((server.api_url, started))
                time.sleep(0.5)
        except BaseException as exc:  # reported by the assertion below
            errors.append(exc)

    threads = [threading.Thread(target=one_run) for _ in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert not errors
    assert len({url for url, _ in results}) == 1 and sum(started for _, started in results) == 1


def test_an_idle_server_stops_itself_but_never_during_a_run(home, fake_server):
    with shared_server(home, idle_seconds=1, server_command=fake_server) as (server, _):
        state = read_state(state_dir(home))
        time.sleep(2.5)  # longer than the idle time, but this run holds the server
        assert server_healthy(server.api_url)
    assert _wait_until(lambda: _gone(state.pid), 20)
    assert read_state(state_dir(home)) is None and not server_healthy(server.api_url)


@pytest.fixture
def no_api_url(monkeypatch):
    """No PREFECT_API_URL anywhere: not in the environment, nor in settings (`prefect_server` may have set it)."""
    from prefect.settings import PREFECT_API_URL, temporary_settings

    monkeypatch.delenv("PREFECT_API_URL", raising=False)
    with temporary_settings(restore_defaults={PREFECT_API_URL}):
        yield


def test_opt_out_and_a_configured_server_start_nothing(home, monkeypatch, no_api_url):
    from flows.runners import _prefect_for

    monkeypatch.setenv("PREFECT_HOME", str(home))
    monkeypatch.delenv("PREFECT_API_URL", raising=False)
    monkeypatch.setenv("BROADSHEET_PREFECT_SERVER", "temporary")
    with _prefect_for("local", None, None) as api_url:
        assert api_url is None  # Prefect's own temporary server, as before
    monkeypatch.delenv("BROADSHEET_PREFECT_SERVER")
    monkeypatch.setenv("PREFECT_API_URL", "http://127.0.0.1:1/api")
    with _prefect_for("local", None, None) as api_url:
        assert api_url == "http://127.0.0.1:1/api"
    assert not state_dir(home).exists()


def test_a_run_falls_back_to_the_temporary_server_when_the_shared_one_cannot_start(tmp_path, monkeypatch,
                                                                                   no_api_url):
    from flows.runners import _prefect_for

    not_a_folder = tmp_path / "file"
    not_a_folder.write_text("")
    monkeypatch.setenv("PREFECT_HOME", str(not_a_folder))  # no state folder can be made under it
    monkeypatch.delenv("PREFECT_API_URL", raising=False)
    monkeypatch.delenv("BROADSHEET_PREFECT_SERVER", raising=False)
    with _prefect_for("local", None, None) as api_url:
        assert api_url is None


def test_no_new_input_run_reuses_the_server_and_never_imports_great_expectations(small_corpus, tmp_path):
    """Real runs through a real local Prefect server (the session's PREFECT_HOME; conftest stops it)."""
    warehouse = tmp_path / "wh"
    script = (
        "import json, sys\n"
        "from flows.runners import run_flow\n"
        f"s = run_flow({str(small_corpus)!r}, {str(warehouse)!r})\n"
        "print(json.dumps({'status': s['status'], 'new': s['n_files_new'],"
        " 'gx': 'great_expectations' in sys.modules}))\n"
    )
    env = {k: v for k, v in os.environ.items() if k not in ("PREFECT_API_URL", "BROADSHEET_PREFECT_SERVER")}
    env["PREFECT_LOGGING_LEVEL"] = "WARNING"

    def run() -> dict:
        out = subprocess.run([sys.executable, "-c", script], env=env, capture_output=True, text=True, timeout=600)
        assert out.returncode == 0, out.stderr[-3000:]
        return json.loads(out.stdout.strip().splitlines()[-1])

    first = run()
    assert first["status"] == "completed" and first["new"] > 0 and first["gx"]  # it validated
    server = read_state(state_dir())
    assert server is not None and server_healthy(server.api_url)
    again = run()
    assert again == {"status": "completed", "new": 0, "gx": False}
    assert read_state(state_dir()) == server  # the same server, not a second one
