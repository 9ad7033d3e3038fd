"""`make bench`: end-to-end throughput, per-stage rates and peak memory on a synthetic corpus.

Both runners report to one real Prefect server (PREFECT_API_URL's, or a local one started here: Dask workers
need a real server); its start-up and a warm-up flow are excluded. The Dask figure includes starting the
LocalCluster's worker processes, as a user's run does. Cores used in the batch stage are the CPU seconds the
batches took in their worker processes (each batch measures its process's CPU time) over the stage's wall time;
peak RSS is the flow process's (ru_maxrss) and the largest any worker reported (its VmHWM after a batch;
ru_maxrss would carry over the peak of the process a Dask worker was spawned from).
Usage: python -m bench.pipeline [--articles 10000] [--runner local|dask|both] [--workers N] [--no-rerun]
                                [--dask-scaling]
"""

from __future__ import annotations

import argparse
import json
import os
import pathlib
import resource
import shutil
import subprocess
import sys
import time

os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
os.environ.setdefault("PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS", "120")
os.environ.setdefault("PREFECT_LOGGING_LEVEL", "WARNING")

from bench.corpus import write_corpus  # noqa: E402

OUT = pathlib.Path(__file__).resolve().parent.parent / "out" / "bench"  # program output: never in bench/


def _peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _warm_up() -> None:
    from prefect import flow

    @flow(name="bench-warm-up")
    def warm_up() -> int:
        return 1

    warm_up()


def _bench_runner(corpus: pathlib.Path, runner: str, rerun: bool, workers: int | None = None,
                  label: str = "") -> dict:
    """One full run (and optionally a no-new-input re-run) into a fresh warehouse; returns the figures."""
    from flows.runners import run_flow

    label = label or runner
    warehouse = OUT / f"warehouse-{label}"
    shutil.rmtree(warehouse, ignore_errors=True)
    t = time.perf_counter()
    summary = run_flow(str(corpus), str(warehouse), runner=runner, workers=workers)
    wall = time.perf_counter() - t
    n = summary["counts"]["articles"]
    stage = summary.get("workers") or {}
    batch_wall = stage.get("batches_wall_seconds") or summary["seconds"].get("batches", 0.0)
    batch_cpu = stage.get("batches_cpu_seconds", 0.0)
    report = {
        "runner": label,
        "articles": n,
        "wall_seconds": round(wall, 2),
        "articles_per_second": round(n / wall, 1),
        "batch_stage_seconds": round(batch_wall, 2),
        "batch_stage_cpu_seconds": round(batch_cpu, 2),
        "batch_stage_cores_used": round(batch_cpu / batch_wall, 2) if batch_wall else None,
        "batch_stage_articles_per_second": round(n / batch_wall, 1) if batch_wall else None,
        "stage_seconds": {k: round(v, 2) for k, v in summary["seconds"].items()},
        "stage_articles_per_second": {k: round(n / v, 1) for k, v in summary["seconds"].items() if v > 0},
        "peak_rss_mb": round(_peak_rss_mb(), 1),
        "worker_peak_rss_mb": round(stage.get("peak_rss_mb", 0.0), 1),
        "counts": summary["counts"],
    }
    if rerun:
        t = time.perf_counter()
        again = run_flow(str(corpus), str(warehouse), runner=runner)
        report["rerun_no_new_input_seconds"] = round(time.perf_counter() - t, 2)
        report["rerun_fraction_of_full"] = round(report["rerun_no_new_input_seconds"] / wall, 4)
        assert again["counts"]["articles"] == 0
    print(json.dumps(report, indent=1))
    print(f"BENCH {label}: {report['articles_per_second']} articles/s end to end "
          f"({n} articles in {wall:.1f} s); batch stage {report['batch_stage_articles_per_second']} articles/s, "
          f"cores used {report['batch_stage_cores_used']} ({batch_cpu:.1f} CPU-s in {batch_wall:.1f} s); peak RSS "
          f"{report['peak_rss_mb']} MB flow process, {report['worker_peak_rss_mb']} MB largest worker", flush=True)
    return report


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--articles", type=int, default=10_000)
    ap.add_argument("--runner", default="both", choices=["local", "dask", "both"])
    ap.add_argument("--no-rerun", action="store_true", help="skip the no-new-input re-run")
    ap.add_argument("--workers", type=int, default=None, help="worker processes (default: one per core)")
    ap.add_argument("--dask-scaling", action="store_true",
                    help="also run dask with 1 worker and report the batch stage's speed-up of N workers over 1")
    ap.add_argument("--no-location-step", action="store_true", help="skip the one-core location step figure")
    args = ap.parse_args(argv)

    corpus = OUT / f"corpus-{args.articles}"
    if not corpus.exists():
        t = time.perf_counter()
        write_corpus(corpus.with_suffix(".tmp"), args.articles)
        corpus.with_suffix(".tmp").rename(corpus)
        print(f"generated {args.articles} articles in {time.perf_counter() - t:.1f} s -> {corpus}")

    from flows.serve import prefect_api

    runners = ["local", "dask"] if args.runner == "both" else [args.runner]
    t = time.perf_counter()
    with prefect_api() as server:
        _warm_up()
        print(f"Prefect server {server.api_url} start-up and warm-up (excluded): {time.perf_counter() - t:.1f} s",
              flush=True)
        reports = [_bench_runner(corpus, runner, not args.no_rerun, args.workers) for runner in runners]
        if args.dask_scaling:
            one = _bench_runner(corpus, "dask", False, 1, label="dask-1-worker")
            many = next((r for r in reports if r["runner"] == "dask"), None) or _bench_runner(
                corpus, "dask", False, args.workers)
            print(f"BENCH dask batch stage, {args.workers or 'one per core'} workers vs 1: "
                  f"{many['batch_stage_articles_per_second']} vs {one['batch_stage_articles_per_second']} articles/s "
                  f"({many['batch_stage_articles_per_second'] / one['batch_stage_articles_per_second']:.2f}x)",
                  flush=True)
    if len(reports) == 2:
        local, dask = reports
        same = local["counts"] == dask["counts"]
        print(f"BENCH local vs dask: {local['articles_per_second']} vs {dask['articles_per_second']} articles/s "
              f"(dask/local {dask['articles_per_second'] / local['articles_per_second']:.2f}x); batch stage "
              f"{local['batch_stage_articles_per_second']} vs {dask['batch_stage_articles_per_second']} articles/s "
              f"(dask/local {dask['batch_stage_articles_per_second'] / local['batch_stage_articles_per_second']:.2f}x);"
              f" same row counts: {same}")
    if not args.no_location_step:
        # The location step alone on one core: a fresh process (cold caches, no Prefect threads, no other
        # batch sharing the cores) over the articles the first run stored, one pass.
        step = subprocess.run([sys.executable, "-m", "bench.bench_locations", "--warehouse",
                               str(OUT / f"warehouse-{runners[0]}"), "--passes", "1", "--json"],
                              check=True, capture_output=True, text=True, cwd=OUT.parent.parent)
        one_core = json.loads(step.stdout.strip().splitlines()[-1])
        print(json.dumps({"location_step_one_core": one_core}, indent=1))
        print(f"BENCH location step on one core: {one_core['articles_per_cpu_second']} articles/s "
              f"({one_core['articles']} stored articles, one pass, {one_core['mentions']} mentions)", flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
