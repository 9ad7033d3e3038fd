"""`broadsheet serve` with a one-minute cron: it starts its own Prefect server (PREFECT_API_URL unset), the
schedule fires at least once and publishes a run, and stopping serve stops the server too."""

from __future__ import annotations

import os
import re
import shutil
import signal

import pytest

from flows.serve import free_port, port_in_use, server_healthy
from tests.integration import PROJECT_ROOT, VENV_BIN, pid_alive, start_process, stop_processes, wait_until
from warehouse.lake import CatalogUnusable, Lake, NotAWarehouse

pytestmark = [pytest.mark.slow, pytest.mark.timeout(300)]

_SERVER_PID = re.compile(r"Started a local Prefect server \(pid (\d+)\); UI: (http://127\.0\.0\.1:\d+)")


def _completed_runs(warehouse) -> int:
    try:
        with Lake(str(warehouse)).reader() as con:
            return con.execute("select count(*) from runs where status = 'completed'").fetchone()[0]
    except (NotAWarehouse, CatalogUnusable):  # the first run has not created the lake yet
        return 0


def test_serve_with_one_minute_cron_fires_and_stops_its_server(tmp_path):
    corpus = tmp_path / "in"
    shutil.copytree(PROJECT_ROOT / "data" / "demo" / "jsonl", corpus)
    warehouse = tmp_path / "wh"
    port = free_port()
    env = {k: v for k, v in os.environ.items() if k != "PREFECT_API_URL"}
    env["PREFECT_HOME"] = str(tmp_path / "prefect-home")
    log = tmp_path / "serve.log"
    serve = start_process([str(VENV_BIN / "broadsheet"), "serve", "--cron", "* * * * *", "--input", str(corpus),
                           "--warehouse", str(warehouse), "--server-port", str(port)], log, env, tmp_path)
    server_pid = None
    try:
        found = wait_until(lambda: _SERVER_PID.search(log.read_text(errors="replace")), 150,
                           "serve to start its Prefect server", log_path=log)
        server_pid, ui = int(found.group(1)), found.group(2)
        assert ui == f"http://127.0.0.1:{port}" and server_healthy(f"{ui}/api")
        # The next minute boundary, then the runner's poll and the flow run itself.
        wait_until(lambda: _completed_runs(warehouse) >= 1, 180, "a scheduled run to publish", interval=2,
                   log_path=log)
        serve.send_signal(signal.SIGTERM)  # what a supervisor sends; serve stops its server on the way out
        serve.wait(60)
        wait_until(lambda: not pid_alive(server_pid), 30, "the Prefect server to stop", log_path=log)
        assert not port_in_use(port)
    finally:
        stop_processes(serve)
        if server_pid is not None and pid_alive(server_pid):  # only if serve failed to stop it
            os.killpg(server_pid, signal.SIGKILL)
    with Lake(str(warehouse)).reader() as con:
        assert con.execute("select count(*) from articles").fetchone()[0] > 0
