"""Choose where batch tasks run and start the flow."""

from __future__ import annotations

import contextlib
import logging
import os
from collections.abc import Callable, Iterator
from typing import Any

RUNNERS = ("local", "dask")
PRELOAD = "flows.preload"  # imported by every Dask worker of a LocalCluster: the transforms and models, once


class WorkersMisconfigured(RuntimeError):
    """The Dask workers would report to another Prefect server than this run."""


def task_runner(runner: str, dask_address: str | None = None, n_workers: int | None = None):
    """The Prefect task runner for `--runner local|dask` with `n_workers` worker processes (None: one per core).

    Local: one thread per worker process of the run's pool (`flows.workers`), each handing its batch to a
    worker; the threads only wait, the processes work. Dask: a LocalCluster of single-threaded worker
    processes that import `flows.preload` when they start, so no task pays for the models.
    """
    from flows.workers import worker_count

    n = worker_count(n_workers)
    if runner == "local":
        from prefect.task_runners import ThreadPoolTaskRunner

        return ThreadPoolTaskRunner(max_workers=n)
    if runner == "dask":
        # Scheduler and nanny chatter at INFO would bury the run summary; workers inherit this at spawn.
        os.environ.setdefault("DASK_LOGGING__DISTRIBUTED", "warning")
        from prefect_dask import DaskTaskRunner

        if dask_address:
            return DaskTaskRunner(address=dask_address)
        # Worker processes (not threads): the transforms are pure Python and would share one GIL.
        return DaskTaskRunner(cluster_kwargs={"n_workers": n, "threads_per_worker": 1, "processes": True,
                                              "dashboard_address": ":0", "preload": [PRELOAD]})
    raise ValueError(f"unknown runner {runner!r}: use {' or '.join(RUNNERS)}")


def _worker_api_url() -> str | None:
    """Runs on a Dask worker: the Prefect API it reports task runs to."""
    return os.environ.get("PREFECT_API_URL")


def check_dask_workers(address: str, api_url: str, timeout: float = 30.0) -> int:
    """Refuse to run on a cluster whose workers would report to another Prefect server; returns the worker count.

    Workers without `PREFECT_API_URL` would each start a temporary server of their own, so their task runs
    would be lost to this run's server.
    """
    from distributed import Client

    with Client(address, timeout=timeout) as client:
        urls = client.run(_worker_api_url)
    wrong = {w: u for w, u in urls.items() if (u or "").rstrip("/") != api_url.rstrip("/")}
    if not urls:
        raise WorkersMisconfigured(f"the Dask scheduler at {address} has no workers")
    if wrong:
        raise WorkersMisconfigured(
            f"{len(wrong)} of {len(urls)} Dask workers at {address} report to "
            f"{sorted({u or 'no Prefect server (PREFECT_API_URL unset)' for u in wrong.values()})}, not {api_url}; "
            f"start them with PREFECT_API_URL={api_url} dask worker {address}")
    return len(urls)


def _configured_api_url() -> str | None:
    """PREFECT_API_URL from the environment, the active Prefect profile or a test harness's settings."""
    from prefect.settings import get_current_settings

    return os.environ.get("PREFECT_API_URL") or get_current_settings().api.url


@contextlib.contextmanager
def _prefect_for(runner: str, dask_address: str | None,
                 on_server: Callable[[Any], None] | None) -> Iterator[str | None]:
    """The Prefect server a run reports to; yields its API URL (None: Prefect's temporary server).

    A configured server is used as it is. A Dask cluster given by address gets the server `serve` uses (port
    4200 when free), whose address its workers are started with. Otherwise runs share one long-lived local
    server (`flows.local_server`), started by the first and stopped after 30 idle minutes;
    `BROADSHEET_PREFECT_SERVER=temporary` gives the local runner Prefect's per-run temporary server instead.
    """
    from flows.local_server import MODE_ENV, shared_server
    from flows.serve import prefect_api, using_api

    configured = _configured_api_url()
    temporary = os.environ.get(MODE_ENV, "").strip().lower() == "temporary"
    if configured and runner != "dask":
        yield configured
    elif runner == "dask" and (configured or dask_address or temporary):
        with prefect_api(on_start=on_server) as server:
            yield server.api_url
    elif temporary or os.name != "posix":  # the shared server needs POSIX file locks and process groups
        yield None
    else:
        with contextlib.ExitStack() as stack:
            try:
                server, started = stack.enter_context(shared_server())
            except (OSError, RuntimeError) as exc:  # a run never fails for want of the shared server
                logging.getLogger(__name__).warning(
                    "could not start or reach the shared local Prefect server, using a temporary one: %s", exc)
                if runner == "dask":
                    raise
                yield None
                return
            stack.enter_context(using_api(server.api_url))
            if on_server is not None and (started or runner == "dask"):
                on_server(server)
            yield server.api_url


def run_flow(input_uri: str, warehouse_uri: str, runner: str = "local", dask_address: str | None = None,
             on_server: Callable[[Any], None] | None = None, workers: int | None = None,
             **params: Any) -> dict[str, Any]:
    """Run the Broadsheet flow with the chosen task runner; returns the run summary.

    Args:
        input_uri: directory or URI of raw input files.
        warehouse_uri: warehouse root (directory or URI).
        runner: `local` (threads in this process) or `dask` (a Dask cluster).
        dask_address: `tcp://HOST:PORT` of a Dask scheduler; None starts a LocalCluster of worker processes.
        on_server: called with the Prefect server a Dask run uses, or the local one a run starts (to say where
            its UI is).
        workers: worker processes for the batches (None: one per core); with `dask_address`, the
            cluster's own workers are used.
        **params: further flow parameters (batch_files, prune, lock_wait_seconds).

    Returns:
        The flow's run summary.
    """
    from flows.pipeline import broadsheet_run

    if runner not in RUNNERS:
        raise ValueError(f"unknown runner {runner!r}: use {' or '.join(RUNNERS)}")
    with _prefect_for(runner, dask_address, on_server) as api_url:
        if runner == "dask" and dask_address and api_url:
            check_dask_workers(dask_address, api_url)
        flow = broadsheet_run.with_options(task_runner=task_runner(runner, dask_address, workers))
        # Dask runs each batch task on its own (preloaded) workers: no pool of the flow's own.
        return flow(input_uri=input_uri, warehouse_uri=warehouse_uri, workers=0 if runner == "dask" else workers,
                    **params)
