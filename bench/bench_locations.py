"""Speed of `transforms.locations.location_mentions` (articles/s on one core) against geotext.

Usage: python -m bench.bench_locations [--shared DIR] [--articles N]

Articles are the GeoWebNews, LGL and TR-News texts in `../shared` (real news, about 2 KB each,
split into paragraphs on blank lines), or synthetic articles from `bench.corpus` when the shared
data is absent. The gazetteer load is timed separately: it happens once per worker process.
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


def main(argv: list[str] | None = None) -> int:
    """Time the gazetteer load and the location step; print articles/s and KB/s."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--shared", type=pathlib.Path, default=_DEFAULT_SHARED)
    parser.add_argument("--articles", type=int, default=1000)
    args = parser.parse_args(argv)
    articles = _articles(args.shared, args.articles)
    kb = sum(len(p) for a in articles for p in a) / 1024

    start = time.perf_counter()
    from transforms.gazetteer import gazetteer
    from transforms.locations import location_mentions

    gazetteer()
    location_mentions(["Warm-up in Paris, Texas."])
    print(f"gazetteer load (once per process): {time.perf_counter() - start:.2f} s")

    # CPU time of this process, best of three passes: other jobs on a shared machine do not
    # count against one core.
    elapsed = float("inf")
    for _ in range(3):
        start = time.process_time()
        found = sum(len(ms) for a in articles for ms in location_mentions(a))
        elapsed = min(elapsed, time.process_time() - start)
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
