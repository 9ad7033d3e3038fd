"""The local runner's worker pool: preloaded processes without Prefect, GX or pandas; crashes cost one batch."""

from __future__ import annotations

import contextlib
import datetime as dt
import os

import pytest

import flows.pipeline
from flows import workers
from flows.batch import BatchOutcome
from flows.inputs import discovered_inputs
from flows.pipeline import broadsheet_run, process_batch_task
from flows.workers import WorkerCrashed, WorkerPool, batch_workers, worker_state
from tests.flows import crashing
from tests.helpers import warehouse_rows

NOW = dt.datetime(2024, 1, 1, tzinfo=dt.timezone.utc)
FORBIDDEN = {"prefect", "great_expectations", "pandas"}


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


class _Exit:
    """Unpickling this in a worker ends the worker on the spot (as a segfault would)."""

    def __reduce__(self):  # noqa: ANN204
        return os._exit, (11,)


def test_workers_start_preloaded_without_prefect_gx_or_pandas():
    with WorkerPool(2) as pool:
        states = [pool.run(worker_state) for _ in range(6)]
        pids = set(pool.pids)
    assert {s["pid"] for s in states} <= pids and len(pids) == 2
    assert all(s["models_loaded"] for s in states)  # before the first batch: loaded when the worker started
    assert not FORBIDDEN & set(states[0]["modules"])
    assert not any(_alive(p) for p in pids)


def test_workers_see_the_environment_of_their_pool_not_of_the_fork_server(monkeypatch):
    # The fork server lives as long as this process; storage credentials set after it started (a moto
    # endpoint in a test, a rotated key in a long-lived serve) must still reach the batches of a new pool.
    with WorkerPool(1) as pool:
        pool.run(os.getpid)
    monkeypatch.setenv("BROADSHEET_TEST_SET_LATER", "seen")
    with WorkerPool(1) as pool:
        assert pool.run(os.getenv, "BROADSHEET_TEST_SET_LATER") == "seen"


def test_a_crashed_worker_costs_its_call_only_and_is_replaced():
    with WorkerPool(2) as pool:
        with pytest.raises(WorkerCrashed, match="exit code 11"):
            pool.run(worker_state, _Exit())
        with pytest.raises(ValueError):  # an exception in the call is raised here, the worker lives on
            pool.run(int, "not a number")
        assert len({pool.run(worker_state)["pid"] for _ in range(6)}) <= 2
        assert pool.crashes == 1 and len(pool.pids) == 2


def test_batch_task_turns_a_crash_into_rejects(small_corpus, tmp_path):
    files, _ = discovered_inputs(str(small_corpus))
    with batch_workers(1):
        crashed = process_batch_task.fn(files, {"x": _Exit()}, str(tmp_path / "wh"), "run1", 0, NOW)
        fine = process_batch_task.fn(files, {}, str(tmp_path / "wh"), "run1", 1, NOW)
    assert isinstance(crashed, BatchOutcome) and crashed.staged is None
    assert sorted(r.reason for r in crashed.rejects) == ["worker_crashed"] * len(files)
    assert fine.counts["articles"] == 4 and fine.seconds["cpu"] > 0


@pytest.mark.slow
@pytest.mark.usefixtures("prefect_server")
def test_a_run_survives_crashing_workers_and_leaves_no_process(small_corpus, tmp_path, monkeypatch):
    (small_corpus / "crash.txt").write_text("This file takes its worker down.\n\nIt is never published.\n")
    lines = [f'{{"id": "n{i}", "text": "Ferries to Mull ran {i} times on Monday, the operator said."}}'
             for i in range(12)]
    (small_corpus / "split.jsonl").write_text("\n".join(lines) + "\n")
    monkeypatch.setattr(flows.pipeline, "process_batch", crashing.process_batch)
    monkeypatch.setattr(flows.inputs, "SPLIT_MIN_BYTES", 0)
    pools: list[WorkerPool] = []
    real = flows.pipeline.batch_workers

    @contextlib.contextmanager
    def recorded(n: int):
        with real(n) as pool:
            pools.append(pool)
            yield pool

    monkeypatch.setattr(flows.pipeline, "batch_workers", recorded)
    wh = tmp_path / "wh"
    summary = broadsheet_run(input_uri=str(small_corpus), warehouse_uri=str(wh), batch_files=1, batch_records=5,
                             workers=2)
    assert summary["status"] == "completed"
    reasons = sorted((r["reason"], r["source_uri"].rsplit("/", 1)[-1]) for r in summary["rejects"])
    assert ("worker_crashed", "crash.txt") in reasons and ("worker_crashed", "split.jsonl") in reasons
    assert ("incomplete", "split.jsonl") in reasons
    # the other files are published; the crashed ones have no manifest entry, so the next run retries them
    assert warehouse_rows(wh, "select count(*) from articles") == [(4,)]
    uris = {r[0].rsplit("/", 1)[-1] for r in warehouse_rows(wh, "select source_uri from inputs")}
    assert "crash.txt" not in uris and "split.jsonl" not in uris and "york.txt" in uris
    stored = {r[0] for r in warehouse_rows(wh, "select reason from rejects")}
    assert {"worker_crashed", "incomplete"} <= stored
    assert summary["workers"]["crashed_batches"] == 2
    assert len(pools) == 1 and pools[0].crashes == 2
    assert workers.active_pool() is None
    assert not any(w.process.is_alive() for w in pools[0]._all)
