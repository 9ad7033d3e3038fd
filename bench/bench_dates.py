"""Speed of `transforms.dates.date_mentions` against `dateparser.search.search_dates` on the same paragraphs.

Usage: python -m bench.bench_dates [--shared DIR] [--paragraphs N] [--repeat R] [--cold]

Paragraphs come from the TempEval-3 texts split on blank lines (or are generated when `../shared`
is absent); N of them (default 400) are taken evenly across the corpus, and both extractors run on
exactly those paragraphs. Time is CPU time of this process, so other jobs on the machine do not
count. Passes over all the paragraphs alternate between ours and dateparser, timed in chunks of 10;
each chunk's time is its fastest of R passes (default 5), which removes most of the noise of a
shared machine the same way for both. Each timed pass follows an untimed warm-up pass of the same
function (steady state; `--cold` leaves it out). Rates are paragraphs per second.
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
    """News paragraphs: all of TempEval-3's, or `count` generated sentences without shared data."""
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
    return out


_CHUNK = 10


def _chunk_time(func: object, chunk: list[str]) -> float:
    """CPU seconds of `func` over one chunk of paragraphs."""
    start = time.process_time()
    for paragraph in chunk:
        func(paragraph)  # type: ignore[operator]
    return time.process_time() - start


def _rates(funcs: list[object], paragraphs: list[str], repeat: int, warm: bool = True) -> list[float]:
    """Paragraphs per CPU second of each function, in alternating passes over all the paragraphs.

    Each pass runs every function over all the chunks in turn (a function's own caches stay warm, as
    in a pipeline run), so each function's passes are spread over the same stretch of machine load; a
    chunk's time is its fastest of `repeat` passes, and a rate sums those times.

    With `warm`, each timed pass is preceded by an untimed one of the same function: the other
    library's pass evicts the processor's caches, and the first chunks after the switch would otherwise
    be timed cold. That costs the faster function most (ours ran ~8% slower than its steady state; a
    dateparser chunk is long enough to warm up within itself), so both are measured in steady state.
    """
    chunks = [paragraphs[i : i + _CHUNK] for i in range(0, len(paragraphs), _CHUNK)]
    best = [[float("inf")] * len(chunks) for _ in funcs]
    for _ in range(repeat):
        for k, func in enumerate(funcs):
            if warm:
                for chunk in chunks:
                    _chunk_time(func, chunk)
            for n, chunk in enumerate(chunks):
                best[k][n] = min(best[k][n], _chunk_time(func, chunk))
    return [len(paragraphs) / max(sum(times), 1e-9) for times in best]


def _sample(paragraphs: list[str], count: int) -> list[str]:
    """`count` paragraphs spread evenly over the list (the corpus mixes wire, business and broadcast text)."""
    if count >= len(paragraphs):
        return paragraphs
    step = len(paragraphs) / count
    return [paragraphs[int(i * step)] for i in range(count)]


def main(argv: list[str] | None = None) -> int:
    """Time both extractors on the same paragraphs and print paragraphs/s and the ratio."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--shared", type=pathlib.Path, default=_DEFAULT_SHARED)
    parser.add_argument("--paragraphs", type=int, default=400)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument(
        "--cold", action="store_true", help="time each pass right after the other library's (no warm-up pass)"
    )
    args = parser.parse_args(argv)
    corpus = _paragraphs(args.shared, args.paragraphs)
    paragraphs = _sample(corpus, args.paragraphs)
    chars = sum(map(len, paragraphs)) / len(paragraphs)
    print(f"paragraphs: {len(paragraphs)} of {len(corpus)} (mean {chars:.0f} characters)")

    def ours(paragraph: str) -> None:
        date_mentions(paragraph, _ANCHOR)

    ours(paragraphs[0])  # warm-up: regex and lexicon loading are not per-paragraph costs
    try:
        from dateparser.search import search_dates
    except ImportError:
        (rate,) = _rates([ours], paragraphs, args.repeat, not args.cold)
        print(f"transforms.dates.date_mentions: {rate:,.0f} paragraphs/s (CPU)")
        print("dateparser is not installed: no baseline")
        return 0
    settings = {"RELATIVE_BASE": datetime.datetime(2018, 2, 14)}

    def theirs(paragraph: str) -> None:
        search_dates(paragraph, languages=["en"], settings=settings)

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        theirs(paragraphs[0])
        rate, baseline = _rates([ours, theirs], paragraphs, args.repeat, not args.cold)
    print(
        f"transforms.dates.date_mentions: {rate:,.0f} paragraphs/s (CPU, fastest of {args.repeat} per chunk)"
    )
    print(
        f"dateparser.search.search_dates: {baseline:,.1f} paragraphs/s (CPU, fastest of {args.repeat} per chunk)"
    )
    print(f"ratio: ours is {rate / baseline:,.0f}x faster")
    return 0


if __name__ == "__main__":
    sys.exit(main())
