"""Speed of `transforms.dates.date_mentions` against `dateparser.search.search_dates` on the same paragraphs.

Usage: python -m bench.bench_dates [--shared DIR] [--paragraphs N] [--baseline-paragraphs M]

Paragraphs come from the TempEval-3 texts split on blank lines (or are generated when `../shared`
is absent). dateparser is slow, so by default it runs on the first 200 paragraphs only; rates are
paragraphs per second on each side, and the ratio compares those rates.
"""

from __future__ import annotations

import argparse
import datetime
import json
import pathlib
import re
import sys
import time
import warnings

from transforms.dates import date_mentions

_DEFAULT_SHARED = pathlib.Path(__file__).resolve().parent.parent.parent / "shared"
_ANCHOR = datetime.date(2018, 2, 14)


def _paragraphs(shared: pathlib.Path, count: int) -> list[str]:
    """About `count` news paragraphs: TempEval-3 text, or generated sentences without shared data."""
    path = shared / "eval" / "data" / "tempeval3.dev.jsonl"
    out: list[str] = []
    if path.exists():
        with path.open(encoding="utf-8") as fh:
            for line in fh:
                out.extend(p.strip() for p in re.split(r"\n\s*\n", json.loads(line)["text"]) if p.strip())
    else:
        templates = [
            "Officials said on Tuesday that {n} people were killed in fighting since February 7.",
            "The company reported third-quarter profit of ${n} million, up from a year earlier.",
            "Talks will resume next week, three days after the {n}-member delegation left Geneva.",
            "Prices have risen {n}% since 2014 and rose again last month, the ministry said daily.",
        ]
        out = [templates[i % len(templates)].format(n=i % 97 + 3) for i in range(count)]
    while len(out) < count:
        out.extend(out[: count - len(out)])
    return out[:count]


def _rate(func: object, paragraphs: list[str]) -> float:
    """Paragraphs per second for one pass of `func` over the paragraphs."""
    start = time.perf_counter()
    for paragraph in paragraphs:
        func(paragraph)  # type: ignore[operator]
    return len(paragraphs) / (time.perf_counter() - start)


def main(argv: list[str] | None = None) -> int:
    """Time both extractors and print paragraphs/s and the ratio."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--shared", type=pathlib.Path, default=_DEFAULT_SHARED)
    parser.add_argument("--paragraphs", type=int, default=2000)
    parser.add_argument("--baseline-paragraphs", type=int, default=200)
    args = parser.parse_args(argv)
    paragraphs = _paragraphs(args.shared, args.paragraphs)
    date_mentions(paragraphs[0], _ANCHOR)  # warm-up: regex and lexicon loading are not per-paragraph costs
    ours = _rate(lambda p: date_mentions(p, _ANCHOR), paragraphs)
    print(f"transforms.dates.date_mentions: {len(paragraphs)} paragraphs, {ours:,.0f} paragraphs/s")
    try:
        from dateparser.search import search_dates
    except ImportError:
        print("dateparser is not installed: no baseline")
        return 0
    settings = {"RELATIVE_BASE": datetime.datetime(2018, 2, 14)}
    sample = paragraphs[: args.baseline_paragraphs]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        search_dates(sample[0], languages=["en"], settings=settings)
        theirs = _rate(lambda p: search_dates(p, languages=["en"], settings=settings), sample)
    print(f"dateparser.search.search_dates: {len(sample)} paragraphs, {theirs:,.1f} paragraphs/s")
    print(f"ratio: ours is {ours / theirs:,.0f}x faster")
    return 0


if __name__ == "__main__":
    sys.exit(main())
