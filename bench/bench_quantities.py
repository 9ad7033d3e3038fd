"""Speed of `transforms.quantities.quantity_mentions` against quantulum3 on the same paragraphs.

Paragraphs come from the TempEval-3 news text in `../shared` when present, else from generated
news-like sentences. Prints paragraphs per second for both and the ratio.

Usage: python bench/bench_quantities.py [--shared DIR] [--limit N]
"""

from __future__ import annotations

import argparse
import json
import pathlib
import random
import sys
import time
import warnings
from collections.abc import Callable

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent.parent))

from transforms.quantities import quantity_mentions

_TEMPLATES = (
    "More than {n} people were killed and about {m} wounded in {place}, officials said on Tuesday.",
    "The company reported revenue of ${x} million, up {p} percent from a year earlier.",
    "Between {n} and {m} soldiers crossed the border, some {k} km north of the capital.",
    "Dozens of villagers fled as the storm hit; nearly {n} homes lost power for two days.",
    "The ministry said it would spend £{x}bn over the next decade on {k} new schools.",
)


def paragraphs(shared: pathlib.Path, limit: int) -> list[str]:
    """News paragraphs: TempEval-3 texts split on blank lines, or generated ones."""
    source = shared / "eval" / "data" / "tempeval3.dev.jsonl"
    out: list[str] = []
    if source.exists():
        with source.open(encoding="utf-8") as fh:
            for line in fh:
                text = json.loads(line).get("text") or ""
                out += [p.strip() for p in text.split("\n") if len(p.strip()) > 20]
    if not out:
        rng = random.Random(7)
        out = [rng.choice(_TEMPLATES).format(n=rng.randint(2, 900), m=rng.randint(2, 900), k=rng.randint(2, 90),
                                             x=round(rng.uniform(1, 99), 1), p=rng.randint(1, 40), place="the city")
               for _ in range(limit)]
    return out[:limit]


def rate(fn: Callable[[str], object], paras: list[str], min_seconds: float) -> float:
    """Paragraphs per CPU second for `fn`, repeating the set until `min_seconds` have passed.

    CPU time of this process, not wall time: the machine is shared, and other people's jobs must
    not decide the ratio.
    """
    done = 0
    start = time.process_time()
    while True:
        for p in paras:
            fn(p)
        done += len(paras)
        elapsed = time.process_time() - start
        if elapsed >= min_seconds:
            return done / elapsed


def main(argv: list[str] | None = None) -> int:
    """Run both recognizers and print their speeds."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--shared", type=pathlib.Path, default=pathlib.Path(__file__).resolve().parent.parent.parent / "shared")
    ap.add_argument("--limit", type=int, default=600, help="paragraphs timed, the same for both")
    args = ap.parse_args(argv)
    paras = paragraphs(args.shared, args.limit)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        from quantulum3 import parser as q3  # a benchmark baseline only, never a runtime dependency

        q3.parse(paras[0])  # load its unit tables outside the timing
        theirs = rate(q3.parse, paras, 5.0)
    quantity_mentions(paras[0])
    ours = rate(quantity_mentions, paras, 5.0)
    chars = sum(len(p) for p in paras) / len(paras)
    print(f"paragraphs: {len(paras)} (mean {chars:.0f} chars), the same for both; CPU time")
    print(f"quantulum3.parser.parse   {theirs:10.1f} paragraphs/s")
    print(f"quantity_mentions         {ours:10.1f} paragraphs/s")
    print(f"ratio                     {ours / theirs:10.1f}x")
    return 0


if __name__ == "__main__":
    sys.exit(main())
