"""`make bench`: what validating a run costs per article, and whether its memory follows article text.

Builds the staged Parquet parts of a run directly (no transforms): batches of 250 articles with the row mix the
transforms give the synthetic corpus of bench/corpus.py (about 9 paragraphs and 22 date, 24 quantity and 24
location mentions per article, one removed line), at two article-text sizes with the same rows. Each
measurement runs in a fresh process that first validates a small run (GX's import and context are paid there,
excluded), then times `flows.pipeline.validate_batches` on the whole run as the flow calls it, and reads the
peak RSS above the RSS before the call (Linux: /proc/self/clear_refs resets the peak).

GX costs a fixed amount per expectation, so the time is split into a fixed part and a per-article part from
two run sizes (a straight line through the medians). Memory that follows article text shows as a larger peak at
the larger text size with the same rows.

Usage: python -m bench.validation [--articles 2000 10000] [--chars 3000 30000] [--repeats 3]
Writes out/bench/validation.json (program output: never in bench/).
"""

from __future__ import annotations

import argparse
import datetime as dt
import hashlib
import json
import os
import pathlib
import random
import shutil
import statistics
import subprocess
import sys
import time

os.environ.setdefault("PREFECT_LOGGING_LEVEL", "WARNING")
os.environ.setdefault("GX_ANALYTICS_ENABLED", "false")

_PROJECT = pathlib.Path(__file__).resolve().parent.parent
OUT = _PROJECT / "out" / "bench"
INGESTED = dt.datetime(2018, 2, 14, 9, 30, tzinfo=dt.timezone.utc)
RUN_ID = "bench-validation"
BATCH_ARTICLES = 250  # DEFAULT_BATCH_FILES of one-article files
PARAGRAPHS = 9
MENTIONS = {"date_mentions": 22, "quantity_mentions": 24, "location_mentions": 24}
TARGET_MS_PER_ARTICLE = 0.2
WORDS = ("officials", "in", "Aleppo", "said", "on", "Tuesday", "that", "more", "than", "200", "people", "had",
         "been", "moved", "and", "prices", "rose", "3", "percent", "last", "week", "across", "the", "region")


def _paragraph(rng: random.Random, chars: int) -> str:
    words: list[str] = []
    size = 0
    while size < chars:
        word = rng.choice(WORDS)
        words.append(word)
        size += len(word) + 1
    return " ".join(words)[:chars].rstrip() + "."


def _batch_rows(rng: random.Random, first: int, n: int, chars: int) -> dict[str, dict[str, list]]:
    """Column lists of every article table for articles first..first+n, consistent with each other."""
    cols: dict[str, dict[str, list]] = {}

    def add(table: str, **row: object) -> None:
        for k, v in row.items():
            cols.setdefault(table, {}).setdefault(k, []).append(v)

    # A few distinct paragraph texts per batch: building 300 MB of random text would dominate the bench.
    bodies = [_paragraph(rng, chars // PARAGRAPHS) for _ in range(20)]
    for i in range(first, first + n):
        aid = f"a{i:07d}"
        paras = [rng.choice(bodies) for _ in range(PARAGRAPHS)]
        text = "\n\n".join(paras)
        add("articles", article_id=aid, source_uri=f"in/{i % 100:03d}/article-{i:06d}.txt",
            url=f"https://news{i % 37}.example/{i}", source_name=f"Outlet {i % 37}", title=f"Story {i}",
            author=None, published_date=dt.date(2018, 1, 1) + dt.timedelta(days=i % 40),
            published_date_source="metadata", language="en", story_id=None, input_format="txt",
            duplicate_of=None, text=text, n_paragraphs=PARAGRAPHS, n_chars=len(text),
            content_sha256=hashlib.sha256(text.encode()).hexdigest(), repairs=None, run_id=RUN_ID,
            ingested_at=INGESTED)
        add("removed_lines", article_id=aid, line_no=1, text="By Staff Reporter", reason="byline", run_id=RUN_ID)
        start = 0
        for o, body in enumerate(paras):
            pid = f"{aid}-p{o:03d}"
            add("paragraphs", paragraph_id=pid, article_id=aid, ordinal=o, text=body, char_start=start,
                char_end=start + len(body), n_words=body.count(" ") + 1, run_id=RUN_ID)
            start += len(body) + 2
        for table, per_article in MENTIONS.items():
            for m in range(per_article):
                o = m % PARAGRAPHS
                body = paras[o]
                cs = rng.randrange(0, len(body) - 12)
                ce = cs + rng.randint(3, 12)
                row = {"mention_id": f"{aid}-p{o:03d}-{table[0]}{m:03d}", "article_id": aid,
                       "paragraph_id": f"{aid}-p{o:03d}", "char_start": cs, "char_end": ce, "text": body[cs:ce],
                       "run_id": RUN_ID}
                if table == "date_mentions":
                    day = dt.date(2018, 2, 1) + dt.timedelta(days=m)
                    row |= {"timex_type": "DATE", "value": day.isoformat(), "start_date": day, "end_date": day,
                            "granularity": "day", "is_relative": True, "anchor_date": dt.date(2018, 2, 14)}
                elif table == "quantity_mentions":
                    row |= {"low": float(m), "high": float(m + 5), "low_inclusive": True, "high_inclusive": True,
                            "approximate": False, "vague": False, "unit": "count", "noun": "people",
                            "qualifier": None}
                else:
                    row |= {"geonameid": 170063, "name": "Aleppo", "feature": "city", "country_code": "SY",
                            "admin1_code": None, "latitude": 36.2, "longitude": 37.16, "confidence": 0.9,
                            "is_modifier": False}
                add(table, **row)
    return cols


def staged_run(root: pathlib.Path, n_articles: int, chars: int, seed: int = 7) -> tuple[str, list]:
    """Stage a run of `n_articles` (about `chars` characters of text each) under root; returns (uri, batches)."""
    import pyarrow as pa

    from warehouse.lake import Location
    from warehouse.publish import StagedBatch
    from warehouse.schemas import ARTICLE_TABLES, TABLES
    from warehouse.staging import staged_path, write_part

    loc = Location.of(str(root))
    rng = random.Random(seed)
    batches = []
    for b, first in enumerate(range(0, n_articles, BATCH_ARTICLES)):
        n = min(BATCH_ARTICLES, n_articles - first)
        cols = _batch_rows(rng, first, n, chars)
        part = f"{RUN_ID}-b{b:05d}"
        paths, counts = {}, {}
        for table in ARTICLE_TABLES:
            schema = TABLES[table].schema
            data = cols[table]
            rows = pa.table({f.name: pa.array(data.get(f.name, [None] * len(data["article_id"])), f.type)
                             for f in schema}, schema=schema)
            paths[table] = staged_path(loc, RUN_ID, table, part)
            write_part(loc, paths[table], rows)
            counts[table] = rows.num_rows
        batches.append(StagedBatch(part, paths, {}, counts))
    return loc.uri, batches


def _staged(n_articles: int, chars: int) -> tuple[str, list]:
    """The staged run for these sizes, built once and kept under out/bench/ (its batch list as JSON)."""
    from warehouse.lake import Location
    from warehouse.publish import StagedBatch

    root = OUT / "validation" / f"run-{n_articles}-{chars}"
    listing = root / "batches.json"
    if not listing.exists():
        shutil.rmtree(root, ignore_errors=True)
        uri, batches = staged_run(root, n_articles, chars)
        # Paths relative to the run's root, so the listing holds wherever out/ is reached from.
        listing.write_text(json.dumps([[b.part, {t: p.removeprefix(uri) for t, p in b.paths.items()}, b.counts]
                                       for b in batches]))
    uri = Location.of(str(root)).uri
    return uri, [StagedBatch(part, {t: uri + p for t, p in paths.items()}, {}, counts)
                 for part, paths, counts in json.loads(listing.read_text())]


def _rss_kb(field: str) -> int:
    for line in pathlib.Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    raise RuntimeError(f"no {field} in /proc/self/status")


def _validated(uri: str, batches: list) -> list:
    """Validate a staged run as the flow does (the starting commit validated groups of 20 batches)."""
    import flows.pipeline as pipeline

    group = getattr(pipeline, "VALIDATION_GROUP", 0) or len(batches)
    out = []
    for i in range(0, len(batches), group):
        out.extend(pipeline.validate_batches.fn(uri, RUN_ID, batches[i:i + group], INGESTED))
    return out


def measure(n_articles: int, chars: int, repeats: int) -> dict:
    """Seconds (wall and CPU) of validating a staged run, and the peak RSS above the RSS before the call."""
    warm_uri, warm = _staged(BATCH_ARTICLES, 3000)
    _validated(warm_uri, warm[:1])  # GX import and context: once per process, not part of the figures
    uri, batches = _staged(n_articles, chars)
    walls, cpus, peaks = [], [], []
    for _ in range(repeats):
        pathlib.Path("/proc/self/clear_refs").write_text("5")  # reset the peak RSS to the current RSS
        before = _rss_kb("VmRSS")
        t, c = time.perf_counter(), time.process_time()
        validated = _validated(uri, batches)
        walls.append(time.perf_counter() - t)
        cpus.append(time.process_time() - c)
        peaks.append((_rss_kb("VmHWM") - before) / 1024)
        assert all(v.publishable and not v.rejects for v in validated), "the synthetic run must pass validation"
        del validated
    return {"articles": n_articles, "chars_per_article": chars, "batches": len(batches),
            "wall_seconds": walls, "cpu_seconds": cpus, "peak_rss_delta_mb": peaks,
            "median_wall_seconds": statistics.median(walls), "median_cpu_seconds": statistics.median(cpus),
            "median_peak_rss_delta_mb": statistics.median(peaks)}


def _line(a: dict, b: dict, key: str) -> tuple[float, float]:
    """(fixed seconds, ms per article) of the straight line through two measurements."""
    per = (b[key] - a[key]) / (b["articles"] - a["articles"])
    return a[key] - per * a["articles"], per * 1000


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--articles", type=int, nargs=2, default=[2000, 10_000])
    ap.add_argument("--chars", type=int, nargs=2, default=[3000, 30_000], help="article text sizes")
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--one", type=int, nargs=2, help=argparse.SUPPRESS)  # child process: articles, chars
    ap.add_argument("--out", default=str(OUT / "validation.json"))
    args = ap.parse_args(argv)
    if args.one:
        print(json.dumps(measure(*args.one, args.repeats)))
        return 0

    figures = []
    for chars in args.chars:
        for n in args.articles:
            _staged(n, chars)  # built here, once, so no child pays for it
            child = subprocess.run([sys.executable, "-m", "bench.validation", "--one", str(n), str(chars),
                                    "--repeats", str(args.repeats)], check=True, capture_output=True, text=True,
                                   cwd=pathlib.Path.cwd())
            m = json.loads(child.stdout.strip().splitlines()[-1])
            figures.append(m)
            print(f"{n:>6} articles x {chars:>6} chars: {m['median_wall_seconds']:6.2f} s wall, "
                  f"{m['median_cpu_seconds']:6.2f} s CPU ({1000 * m['median_cpu_seconds'] / n:.3f} ms/article), "
                  f"peak RSS +{m['median_peak_rss_delta_mb']:.0f} MB", flush=True)
    summary = {}
    for chars in args.chars:
        small, large = (f for f in figures if f["chars_per_article"] == chars)
        fixed_wall, per_wall = _line(small, large, "median_wall_seconds")
        fixed_cpu, per_cpu = _line(small, large, "median_cpu_seconds")
        summary[str(chars)] = {"fixed_wall_seconds": round(fixed_wall, 3), "ms_per_article_wall": round(per_wall, 4),
                               "fixed_cpu_seconds": round(fixed_cpu, 3), "ms_per_article_cpu": round(per_cpu, 4)}
        print(f"BENCH validation, {chars} chars/article: fixed {fixed_wall:.2f} s + {per_wall:.3f} ms/article wall "
              f"(CPU: {fixed_cpu:.2f} s + {per_cpu:.3f} ms/article; target <= {TARGET_MS_PER_ARTICLE} ms/article)")
    n = max(args.articles)
    peaks = {c: next(f["median_peak_rss_delta_mb"] for f in figures
                     if f["chars_per_article"] == c and f["articles"] == n) for c in args.chars}
    print(f"BENCH validation memory at {n} articles: peak RSS +{peaks[min(args.chars)]:.0f} MB at "
          f"{min(args.chars)} chars/article, +{peaks[max(args.chars)]:.0f} MB at {max(args.chars)} chars/article")
    out = pathlib.Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps({"figures": figures, "fit": summary, "peak_rss_delta_mb_by_chars": peaks,
                               "target_ms_per_article": TARGET_MS_PER_ARTICLE}, indent=1))
    print(f"wrote {out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
