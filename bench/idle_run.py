"""`make bench`: the fixed overhead of a run with no new input, timed as a user runs it (`broadsheet run`).

Builds a warehouse of a synthetic corpus (2,000 articles by default; kept between invocations), then times
no-new-input `broadsheet run` commands in fresh processes: the first one starts the shared local Prefect server
(flows/local_server.py) and is reported on its own, the later ones reuse it. With `--temporary-runs N` it also
times N runs on Prefect's per-run temporary server (`BROADSHEET_PREFECT_SERVER=temporary`), the old behaviour.
Prefect's home is out/bench/prefect-home, so the bench neither uses nor stops the user's own server.
CPU seconds are those of the command and the processes it waits for: a temporary server's count, the shared
server's (a detached process) do not. Wall times on a shared machine follow its load, printed alongside.
Usage: python -m bench.idle_run [--articles 2000] [--runs 5] [--temporary-runs 1] [--rebuild]
"""

from __future__ import annotations

import argparse
import json
import os
import pathlib
import resource
import shutil
import statistics
import subprocess
import sys
import time

from bench.corpus import write_corpus

ROOT = pathlib.Path(__file__).resolve().parent.parent
OUT = ROOT / "out" / "bench"  # program output: never in bench/
BROADSHEET = pathlib.Path(sys.executable).parent / "broadsheet"
TARGET_SECONDS = 5.0  # issue 17: fixed overhead of a no-new-input run on a 2,000-article warehouse


def _env(prefect_home: pathlib.Path, temporary: bool) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("PREFECT_API_URL", "BROADSHEET_PREFECT_SERVER")}
    env["PREFECT_HOME"] = str(prefect_home)
    if temporary:
        env["BROADSHEET_PREFECT_SERVER"] = "temporary"
    return env


def _timed_run(corpus: pathlib.Path, warehouse: pathlib.Path, env: dict[str, str]) -> dict[str, float | str]:
    """One `broadsheet run` in its own process: wall seconds, CPU seconds of the command, its summary line."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t = time.perf_counter()
    out = subprocess.run([str(BROADSHEET), "run", "--input", str(corpus), "--warehouse", str(warehouse), "--quiet"],
                         env=env, capture_output=True, text=True)
    wall = time.perf_counter() - t
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if out.returncode != 0:
        raise SystemExit(f"broadsheet run failed ({out.returncode}):\n{out.stdout[-2000:]}\n{out.stderr[-3000:]}")
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return {"wall_seconds": round(wall, 2), "cpu_seconds": round(cpu, 2), "summary": out.stdout.strip()[-200:]}


def _build(corpus: pathlib.Path, warehouse: pathlib.Path, n_articles: int, env: dict[str, str]) -> None:
    """The corpus and its warehouse, unless the ones of an earlier invocation have the same size."""
    marker = warehouse / ".bench-articles"
    if marker.exists() and marker.read_text() == str(n_articles):
        return
    shutil.rmtree(corpus, ignore_errors=True)
    shutil.rmtree(warehouse, ignore_errors=True)
    write_corpus(corpus, n_articles)
    print(f"building a {n_articles:,}-article warehouse (once) ...", flush=True)
    first = _timed_run(corpus, warehouse, env)
    print(f"  built in {first['wall_seconds']} s: {first['summary']}", flush=True)
    marker.write_text(str(n_articles))


def _stop_server(prefect_home: pathlib.Path) -> None:
    from flows.local_server import stop

    stop(prefect_home)


def _figures(runs: list[dict]) -> dict[str, float]:
    return {"median_wall_seconds": round(statistics.median(r["wall_seconds"] for r in runs), 2),
            "median_cpu_seconds": round(statistics.median(r["cpu_seconds"] for r in runs), 2),
            "min_wall_seconds": min(r["wall_seconds"] for r in runs)}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--articles", type=int, default=2000)
    ap.add_argument("--runs", type=int, default=5, help="no-new-input runs that reuse the server")
    ap.add_argument("--temporary-runs", type=int, default=1, help="runs on Prefect's temporary server")
    ap.add_argument("--rebuild", action="store_true", help="rebuild the corpus and warehouse")
    args = ap.parse_args(argv)

    work = OUT / "idle-run"
    corpus, warehouse, prefect_home = work / "corpus", work / "warehouse", OUT / "prefect-home"
    if args.rebuild:
        shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True, exist_ok=True)
    env = _env(prefect_home, temporary=False)
    try:
        _build(corpus, warehouse, args.articles, env)
        _stop_server(prefect_home)  # the first timed run starts it, as a user's first run does
        first = _timed_run(corpus, warehouse, env)
        reuse = [_timed_run(corpus, warehouse, env) for _ in range(args.runs)]
    finally:
        _stop_server(prefect_home)
    temporary = [_timed_run(corpus, warehouse, _env(prefect_home, temporary=True))
                 for _ in range(args.temporary_runs)]

    report = {
        "articles": args.articles,
        "first_run_starts_server": first,
        "reuse_runs": reuse,
        "reuse": _figures(reuse),
        "temporary_server_runs": temporary,
        "temporary": _figures(temporary) if temporary else None,
        "target_wall_seconds": TARGET_SECONDS,
        "cpu_count": os.cpu_count(),
        "load_average_1min": round(os.getloadavg()[0], 2),
    }
    (OUT / "idle_run.json").write_text(json.dumps(report, indent=1))
    r = report["reuse"]
    verdict = "within" if r["median_wall_seconds"] <= TARGET_SECONDS else "OVER"
    print(f"BENCH idle run ({args.articles:,}-article warehouse, no new input): "
          f"{r['median_wall_seconds']} s wall median, {r['median_cpu_seconds']} CPU-s, over {args.runs} runs reusing "
          f"the local Prefect server ({verdict} the {TARGET_SECONDS:g} s target); the first run, which starts the "
          f"server: {first['wall_seconds']} s wall", flush=True)
    if temporary:
        t = report["temporary"]
        print(f"BENCH idle run on Prefect's temporary server (BROADSHEET_PREFECT_SERVER=temporary): "
              f"{t['median_wall_seconds']} s wall median, {t['median_cpu_seconds']} CPU-s", flush=True)
    print(f"  load average {report['load_average_1min']} on {report['cpu_count']} cores; "
          f"figures in {OUT / 'idle_run.json'}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
