"""Choose where batch tasks run and start the flow."""

from __future__ import annotations

from typing import Any


def task_runner(runner: str, dask_address: str | None = None, n_workers: int | None = None):
    """The Prefect task runner for `--runner local|dask`."""
    if runner == "local":
        from prefect.task_runners import ThreadPoolTaskRunner

        return ThreadPoolTaskRunner(max_workers=2)
    if runner == "dask":
        from prefect_dask import DaskTaskRunner

        if dask_address:
            return DaskTaskRunner(address=dask_address)
        return DaskTaskRunner(cluster_kwargs={"n_workers": n_workers or 2, "threads_per_worker": 1,
                                              "processes": True, "dashboard_address": None})
    raise ValueError(f"unknown runner {runner!r}: use local or dask")


def run_flow(input_uri: str, warehouse_uri: str, runner: str = "local", dask_address: str | None = None,
             **params: Any) -> dict[str, Any]:
    """Run the Broadsheet flow with the chosen task runner; returns the run summary."""
    from flows.pipeline import broadsheet_run

    flow = broadsheet_run.with_options(task_runner=task_runner(runner, dask_address))
    return flow(input_uri=input_uri, warehouse_uri=warehouse_uri, **params)
