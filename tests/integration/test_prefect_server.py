"""`flows.serve`: a real `prefect server` on 127.0.0.1, flows reporting to it, and nothing left after stop."""

from __future__ import annotations

import os
import urllib.request

import pytest

from flows.serve import free_port, local_prefect_server, port_in_use, prefect_api, server_healthy, using_api
from tests.integration import pid_alive


def test_prefect_api_uses_the_configured_server_without_starting_one(monkeypatch):
    monkeypatch.setenv("PREFECT_API_URL", "http://127.0.0.1:1/api")
    seen = []
    with prefect_api(on_start=seen.append) as server:
        assert server.pid is None and server.ui_url == "http://127.0.0.1:1"
    assert seen == [server]


def test_local_server_refuses_a_busy_port():
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        s.listen()
        with pytest.raises(RuntimeError, match="already in use"), local_prefect_server(s.getsockname()[1]):
            pass


@pytest.mark.slow
@pytest.mark.timeout(240)
def test_local_server_runs_flows_and_stops(tmp_path, monkeypatch):
    from prefect import flow
    from prefect.client.orchestration import get_client

    monkeypatch.setenv("PREFECT_HOME", str(tmp_path / "prefect-home"))  # the server's database lives here
    monkeypatch.delenv("PREFECT_API_URL", raising=False)
    port = free_port()
    with local_prefect_server(port) as server:
        assert server.api_url == f"http://127.0.0.1:{port}/api" and server.pid is not None
        assert server_healthy(server.api_url)
        with urllib.request.urlopen(server.ui_url, timeout=10) as resp:  # the UI is served too
            assert resp.status == 200

        @flow(name="ops-test-flow")
        def answer() -> int:
            return 42

        with using_api(server.api_url):
            assert os.environ["PREFECT_API_URL"] == server.api_url  # what Dask workers and flow runs inherit
            assert answer() == 42
            with get_client(sync_client=True) as client:
                runs = client.read_flow_runs()
            assert [(r.name != "", r.state_type.value) for r in runs] == [(True, "COMPLETED")]
        assert "PREFECT_API_URL" not in os.environ
    assert not pid_alive(server.pid)
    assert not port_in_use(port)
