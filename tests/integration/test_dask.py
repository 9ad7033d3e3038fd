"""`--runner dask` on a real cluster: a `dask scheduler` and two `dask worker` processes on 127.0.0.1, all
reporting to one real Prefect server; same output as the local runner; tasks ran in the worker processes."""

from __future__ import annotations

import os

import pytest

from flows.runners import WorkersMisconfigured, check_dask_workers, run_flow
from flows.serve import free_port, local_prefect_server, using_api
from tests.helpers import warehouse_rows
from tests.integration import PROJECT_ROOT, VENV_BIN, pid_alive, start_process, stop_processes

pytestmark = [pytest.mark.slow, pytest.mark.timeout(420)]

DEMO = PROJECT_ROOT / "data" / "demo"
TABLES = ("articles", "paragraphs", "removed_lines", "date_mentions", "quantity_mentions", "location_mentions",
          "rejects")


def _worker_state(dask_worker) -> tuple[int, int]:
    """Runs on a worker: (its process id, tasks it executed)."""
    return os.getpid(), dask_worker.state.executed_count




def _contents(warehouse) -> dict[str, object]:
    out: dict[str, object] = {t: warehouse_rows(warehouse, f"select count(*) from {t}")[0][0] for t in TABLES}
    out["article_ids"] = sorted(warehouse_rows(warehouse, "select article_id, source_uri from articles"))
    out["paragraph_ids"] = sorted(warehouse_rows(warehouse, "select paragraph_id from paragraphs"))
    out["mentions"] = sorted(warehouse_rows(
        warehouse, "select paragraph_id, char_start, char_end, text from date_mentions"))
    return out


def test_dask_cluster_runs_batches_in_worker_processes_with_local_runner_output(tmp_path, monkeypatch):
    from distributed import Client

    monkeypatch.setenv("PREFECT_HOME", str(tmp_path / "prefect-home"))
    monkeypatch.setenv("DASK_LOGGING__DISTRIBUTED", "warning")
    monkeypatch.delenv("PREFECT_API_URL", raising=False)
    scheduler = workers = None
    with local_prefect_server() as server, using_api(server.api_url):
        try:
            port = free_port()
            address = f"tcp://127.0.0.1:{port}"
            env = dict(os.environ)  # carries PREFECT_API_URL: the workers report to this test's server
            scheduler = start_process([str(VENV_BIN / "dask"), "scheduler", "--host", "127.0.0.1", "--port",
                                       str(port), "--no-dashboard"], tmp_path / "scheduler.log", env, PROJECT_ROOT)
            # --no-nanny: the worker is the process we started, so its pid tells where a task ran.
            workers = [start_process([str(VENV_BIN / "dask"), "worker", address, "--nthreads", "1", "--no-nanny",
                                      "--no-dashboard", "--name", f"w{n}"], tmp_path / f"worker{n}.log", env,
                                     PROJECT_ROOT) for n in range(2)]
            with Client(address, timeout=60) as client:
                client.wait_for_workers(2, timeout=120)
            assert check_dask_workers(address, server.api_url) == 2
            with pytest.raises(WorkersMisconfigured, match="report to"):
                check_dask_workers(address, "http://127.0.0.1:1/api")

            on_dask = run_flow(str(DEMO), str(tmp_path / "wh-dask"), runner="dask", dask_address=address,
                               batch_files=4)
            on_local = run_flow(str(DEMO), str(tmp_path / "wh-local"), runner="local", batch_files=4)
            assert on_dask["status"] == on_local["status"] == "completed"
            assert on_dask["counts"] == on_local["counts"] and on_dask["counts"]["articles"] > 10

            with Client(address, timeout=60) as client:
                executed = client.run(_worker_state)
            pids = {pid: n for pid, n in executed.values()}
            assert set(pids) == {w.pid for w in workers} and os.getpid() not in pids
            n_batches = -(-on_dask["n_files_seen"] // 4)
            assert sum(pids.values()) >= n_batches  # every batch task (and the validation tasks) ran there
        finally:
            stop_processes(scheduler, *(workers or []))
    assert _contents(tmp_path / "wh-dask") == _contents(tmp_path / "wh-local")
    for proc in [scheduler, *workers]:
        assert not pid_alive(proc.pid)
