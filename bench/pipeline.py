"""`make bench`: end-to-end throughput, per-stage rates and peak memory on a synthetic corpus.

The Prefect server start-up is excluded: a warm-up flow starts the temporary server first, then the
timed run reuses it. Usage: python -m bench.pipeline [--articles 10000] [--runner local|dask] [--no-rerun]
"""

from __future__ import annotations

import argparse
import json
import os
import pathlib
import resource
import shutil
import time

os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
os.environ.setdefault("PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS", "120")
os.environ.setdefault("PREFECT_LOGGING_LEVEL", "WARNING")

from bench.corpus import write_corpus  # noqa: E402

OUT = pathlib.Path(__file__).resolve().parent / "out"


def _peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _warm_up() -> None:
    from prefect import flow

    @flow(name="bench-warm-up")
    def warm_up() -> int:
        return 1

    warm_up()


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--articles", type=int, default=10_000)
    ap.add_argument("--runner", default="local", choices=["local", "dask"])
    ap.add_argument("--no-rerun", action="store_true", help="skip the no-new-input re-run")
    args = ap.parse_args(argv)

    corpus = OUT / f"corpus-{args.articles}"
    if not corpus.exists():
        t = time.perf_counter()
        write_corpus(corpus.with_suffix(".tmp"), args.articles)
        corpus.with_suffix(".tmp").rename(corpus)
        print(f"generated {args.articles} articles in {time.perf_counter() - t:.1f} s -> {corpus}")
    warehouse = OUT / f"warehouse-{args.runner}"
    shutil.rmtree(warehouse, ignore_errors=True)

    from flows.runners import run_flow

    t = time.perf_counter()
    _warm_up()
    print(f"Prefect server start-up (excluded): {time.perf_counter() - t:.1f} s")

    t = time.perf_counter()
    summary = run_flow(str(corpus), str(warehouse), runner=args.runner)
    wall = time.perf_counter() - t
    n = summary["counts"]["articles"]
    report = {
        "runner": args.runner,
        "articles": n,
        "wall_seconds": round(wall, 2),
        "articles_per_second": round(n / wall, 1),
        "stage_seconds": {k: round(v, 2) for k, v in summary["seconds"].items()},
        "stage_articles_per_second": {k: round(n / v, 1) for k, v in summary["seconds"].items() if v > 0},
        "peak_rss_mb": round(_peak_rss_mb(), 1),
    }
    if not args.no_rerun:
        t = time.perf_counter()
        again = run_flow(str(corpus), str(warehouse), runner=args.runner)
        report["rerun_no_new_input_seconds"] = round(time.perf_counter() - t, 2)
        report["rerun_fraction_of_full"] = round(report["rerun_no_new_input_seconds"] / wall, 4)
        assert again["counts"]["articles"] == 0
    print(json.dumps(report, indent=1))
    print(f"BENCH {args.runner}: {report['articles_per_second']} articles/s end to end "
          f"({n} articles in {wall:.1f} s), peak RSS {report['peak_rss_mb']} MB")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
