"""A warehouse that runs for a long time: many small runs into one lake, each adding new articles.

Simulates a feed scheduled every 15 minutes: run k adds one JSONL file of `--per-run` real news articles
published at the run's (simulated) time. Real articles come from the shared gold sets (LGL, GeoWebNews,
TR-News, GeoVirus, TempEval-3, the article-extraction benchmark: about 1,570); when they run out, later runs
print them again under other outlets' names (syndicated copies: new articles to the warehouse). Without
../shared the articles are synthetic (bench/corpus.py).

Reports each run's wall time, the mean of runs 5-14 against the mean of the last 10 (per-run cost must
follow the new input, not the size of the warehouse: ratio <= 1.25), the number of data files after each
maintenance pass (live in the current snapshot, and on disk), and whether a run with no new input wrote
any data file. All runs report to one real Prefect server started here (its start-up is excluded).

Usage: python -m bench.bench_runs [--runs 100] [--per-run 25] [--maintain-every 10] [--shared ../shared]
"""

from __future__ import annotations

import argparse
import datetime as dt
import gzip
import json
import os
import pathlib
import random
import shutil
import statistics
import time

os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
os.environ.setdefault("PREFECT_LOGGING_LEVEL", "WARNING")

OUT = pathlib.Path(__file__).resolve().parent.parent / "out" / "bench" / "runs"  # program output: never in bench/
_PROJECT = pathlib.Path(__file__).resolve().parent.parent
_SOURCES = ("lgl", "geowebnews", "trnews", "geovirus", "tempeval3")


def real_articles(shared: pathlib.Path) -> list[dict[str, str]]:
    """Title and text of every article in the shared gold sets (gold annotations are not used)."""
    out = []
    for name in _SOURCES:
        path = shared / "eval" / "data" / f"{name}.dev.jsonl"
        if not path.exists():
            continue
        for line in path.read_text(encoding="utf-8").split("\n"):
            if not line.strip():
                continue
            row = json.loads(line)
            if row.get("text"):
                out.append({"title": row.get("title") or "", "text": row["text"], "url": row.get("url") or ""})
    aeb = shared / "eval" / "data" / "article_extraction_benchmark.dev.jsonl.gz"
    if aeb.exists():
        with gzip.open(aeb, "rt", encoding="utf-8") as fh:
            for line in fh:
                row = json.loads(line)
                if row.get("gold_text"):
                    out.append({"title": "", "text": row["gold_text"], "url": row.get("url") or ""})
    return out


def synthetic_articles(n: int) -> list[dict[str, str]]:
    """Synthetic stand-ins when ../shared is absent."""
    from bench.corpus import synthetic_article

    rng = random.Random(11)
    out = []
    for _ in range(n):
        title, _, body = synthetic_article(rng).partition("\n\n")
        out.append({"title": title, "text": body, "url": ""})
    return out


def write_run_input(folder: pathlib.Path, k: int, articles: list[dict[str, str]], start: dt.datetime) -> None:
    """Run k's feed file: its articles, published at the run's simulated time."""
    published = start + dt.timedelta(minutes=15 * k)
    lines = []
    for i, a in enumerate(articles):
        lines.append(json.dumps({"id": f"{k:04d}-{i:02d}", "title": a["title"], "text": a["text"],
                                 "url": a["url"] or f"https://feed.example/{k}/{i}", "source": a["source"],
                                 "published": published.date().isoformat()}))
    (folder / f"feed-{k:04d}.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")


def _files(root: pathlib.Path) -> list[tuple[str, int]]:
    return sorted((str(p.relative_to(root)), p.stat().st_mtime_ns) for p in root.rglob("*.parquet"))


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=100)
    ap.add_argument("--per-run", type=int, default=25)
    ap.add_argument("--maintain-every", type=int, default=10, help="runs between maintenance passes")
    ap.add_argument("--shared", type=pathlib.Path, default=_PROJECT.parent / "shared")
    args = ap.parse_args(argv)

    from flows.runners import run_flow
    from flows.serve import prefect_api
    from warehouse.lake import Lake
    from warehouse.maintenance import run_maintenance

    pool = real_articles(args.shared) or synthetic_articles(args.runs * args.per_run)
    kind = "real" if (args.shared / "eval").is_dir() else "synthetic"
    rng = random.Random(3)
    rng.shuffle(pool)
    needed = args.runs * args.per_run
    stream = [{**pool[i % len(pool)], "source": f"Outlet {i // len(pool)}-{i % 29}"} for i in range(needed)]

    shutil.rmtree(OUT, ignore_errors=True)
    inputs, warehouse = OUT / "input", OUT / "warehouse"
    inputs.mkdir(parents=True)
    start = dt.datetime(2024, 3, 1, 6, 0, tzinfo=dt.timezone.utc)
    times: list[float] = []
    files_after_maintenance: list[dict[str, int]] = []
    lake = Lake(str(warehouse))
    with prefect_api():
        for k in range(args.runs):
            write_run_input(inputs, k, stream[k * args.per_run:(k + 1) * args.per_run], start)
            t = time.perf_counter()
            summary = run_flow(str(inputs), str(warehouse), maintain_every_hours=0)
            times.append(time.perf_counter() - t)
            assert summary["status"] == "completed", summary
            if (k + 1) % args.maintain_every == 0:
                # The bench packs a day of runs into minutes: retention and grace shrink with it.
                run_maintenance(lake, retention_days=0, cleanup_grace=dt.timedelta(0))
                with lake.reader() as con:
                    live = sum(con.execute("SELECT count(*) FROM ducklake_list_files('broadsheet', ?, "
                                           "schema => ?)", [t_, s_]).fetchone()[0]
                               for t_, s_ in con.execute("SELECT table_name, schema_name FROM duckdb_tables() "
                                                         "WHERE database_name = 'broadsheet'").fetchall())
                files_after_maintenance.append({"after_run": k + 1, "live": live,
                                                "on_disk": len(list((warehouse / "data").rglob("*.parquet")))})
            print(f"run {k + 1:3d}: {times[-1]:.2f} s", flush=True)
        before = _files(warehouse)
        t = time.perf_counter()
        again = run_flow(str(inputs), str(warehouse), maintain_every_hours=0)
        idle = time.perf_counter() - t
        untouched = _files(warehouse) == before and again["counts"]["articles"] == 0
    with lake.reader() as con:
        n_articles = con.execute("SELECT count(*) FROM articles").fetchone()[0]
        n_tables = con.execute("SELECT count(*) FROM duckdb_tables() WHERE database_name = 'broadsheet'").fetchone()[0]
    early = statistics.mean(times[4:14])
    late = statistics.mean(times[-10:])
    report = {
        "articles": kind, "runs": args.runs, "per_run": args.per_run, "articles_stored": n_articles,
        "mean_runs_5_14_s": round(early, 3), "mean_last_10_s": round(late, 3), "ratio": round(late / early, 3),
        "median_s": round(statistics.median(times), 3), "max_s": round(max(times), 3),
        "files_after_maintenance": files_after_maintenance, "tables": n_tables,
        "rerun_no_new_input_s": round(idle, 2), "rerun_wrote_no_data_file": untouched,
    }
    print(json.dumps(report, indent=1))
    worst = max((f["on_disk"] for f in files_after_maintenance), default=0)
    print(f"BENCH runs: {args.runs} runs x {args.per_run} {kind} articles: mean of runs 5-14 {early:.2f} s, "
          f"last 10 {late:.2f} s (ratio {late / early:.2f}, target <= 1.25); data files after maintenance <= "
          f"{worst} ({n_tables} tables); re-run with no new input {idle:.1f} s, wrote no data file: {untouched}",
          flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
