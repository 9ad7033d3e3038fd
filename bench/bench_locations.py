"""Speed of `transforms.locations.location_mentions` (articles/s on one core) against geotext.

Usage: python -m bench.bench_locations [--shared DIR] [--articles N]
       python -m bench.bench_locations --warehouse DIR [--passes 1] [--json]

Articles are the GeoWebNews, LGL and TR-News texts in `../shared` (real news, about 2 KB each,
split into paragraphs on blank lines), or synthetic articles from `bench.corpus` when the shared
data is absent. With `--warehouse`, they are the paragraphs a pipeline run stored there, exactly as
the location step received them (`make bench` uses this on its 10,000-article corpus, one pass,
so every name is new to the caches once, as in a worker). The gazetteer load is timed separately:
it happens once per worker process.
"""

from __future__ import annotations

import argparse
import json
import pathlib
import random
import re
import sys
import time

from bench.corpus import synthetic_article

_DEFAULT_SHARED = pathlib.Path(__file__).resolve().parent.parent.parent / "shared"
_SETS = ("geowebnews", "lgl", "trnews")


def _articles(shared: pathlib.Path, count: int) -> list[list[str]]:
    """About `count` articles as paragraph lists, real news when available."""
    texts: list[str] = []
    for name in _SETS:
        path = shared / "eval" / "data" / f"{name}.dev.jsonl"
        if path.exists():
            with path.open(encoding="utf-8") as fh:
                texts.extend(json.loads(line)["text"] for line in fh if line.strip())
    if not texts:
        rng = random.Random(7)
        texts = [synthetic_article(rng) for _ in range(count)]
    out = [[p for p in re.split(r"\n\s*\n", t) if p.strip()] for t in texts]
    while len(out) < count:
        out.extend(out[: count - len(out)])
    return out[:count]


def _warehouse_articles(warehouse: pathlib.Path) -> list[list[str]]:
    """Every stored article's paragraphs, in order, read from a warehouse's lake."""
    from warehouse.lake import Lake

    with Lake(str(warehouse)).reader() as con:
        rows = con.execute("SELECT article_id, text FROM paragraphs ORDER BY article_id, ordinal").fetchall()
    out: dict[str, list[str]] = {}
    for article_id, text in rows:
        out.setdefault(article_id, []).append(text)
    return list(out.values())


def main(argv: list[str] | None = None) -> int:
    """Time the gazetteer load and the location step; print articles/s and KB/s."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--shared", type=pathlib.Path, default=_DEFAULT_SHARED)
    parser.add_argument("--articles", type=int, default=1000)
    parser.add_argument("--warehouse", type=pathlib.Path, help="time the articles a pipeline run stored here")
    parser.add_argument("--passes", type=int, default=3, help="passes over the articles; the best counts")
    parser.add_argument("--json", action="store_true", help="print one JSON object instead of prose")
    args = parser.parse_args(argv)
    articles = _warehouse_articles(args.warehouse) if args.warehouse else _articles(args.shared, args.articles)
    kb = sum(len(p) for a in articles for p in a) / 1024

    start = time.perf_counter()
    from transforms.gazetteer import gazetteer
    from transforms.locations import location_mentions

    gazetteer()
    location_mentions(["Warm-up in Paris, Texas."])
    load_seconds = time.perf_counter() - start
    if not args.json:
        print(f"gazetteer load (once per process): {load_seconds:.2f} s")

    # CPU time of this process, best of the passes: other jobs on a shared machine do not
    # count against one core.
    elapsed = float("inf")
    for _ in range(max(1, args.passes)):
        start = time.process_time()
        found = sum(len(ms) for a in articles for ms in location_mentions(a))
        elapsed = min(elapsed, time.process_time() - start)
    if args.json:
        print(json.dumps({"articles": len(articles), "passes": max(1, args.passes), "cpu_seconds": round(elapsed, 2),
                          "gazetteer_load_seconds": round(load_seconds, 2),
                          "articles_per_cpu_second": round(len(articles) / elapsed, 1), "mentions": found}))
        return 0
    print(f"transforms.locations.location_mentions: {len(articles)} articles ({kb / len(articles):.1f} KB avg), "
          f"{len(articles) / elapsed:,.0f} articles/s, {kb / elapsed:,.0f} KB/s, {found} mentions")
    try:
        from geotext import GeoText
    except ImportError:
        print("geotext is not installed: no baseline")
        return 0
    sample = articles[: min(len(articles), 300)]
    GeoText("Paris")
    start = time.process_time()
    for a in sample:
        GeoText("\n\n".join(a))
    rate = len(sample) / (time.process_time() - start)
    print(f"geotext.GeoText (baseline, no disambiguation): {rate:,.0f} articles/s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
