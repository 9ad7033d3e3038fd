"""Pathological articles, and the worst seconds per KB each extraction step spends on them.

Usage: python -m bench.pathological [--scale 1.0] [--budget 2.0] [--only NAME ...]

Every case is one adversarial article built to hit a pattern a regex engine or a rule loop may
handle in more than linear time: long runs of capitalized words (a 50,000-word one among them),
long digit runs, `between N and N+1` repeated, a 1 MB single paragraph, long lines without spaces,
deeply repeated punctuation, very many short lines. Each article goes through the steps as a batch
runs them (`flows.batch.prepared_within` and `extracted`, what `process_batch` calls: clean, then
dates, quantities and locations); the report prints CPU seconds per step and the worst seconds per
KB per step. Then every article runs again under the per-article budget, which must finish or stop
each one within the budget plus a small margin (the 50,000-capitalized-word article among them).
Exit status 1 when an article exceeds that.
"""

from __future__ import annotations

import argparse
import datetime as dt
import math
import random
import sys
import time
from collections.abc import Callable

from bench.corpus import PLACES, synthetic_article

_NOW = dt.datetime(2018, 2, 14, tzinfo=dt.timezone.utc)

# Capitalized words that are not place names, and some that are: a gazetteer sees both in headlines.
_CAPITALIZED = (
    "Alpha", "Bravo", "Charlie", "Delta", "Echo", "Foxtrot", "Golf", "Hotel", "India", "Juliett", "Kilo",
    "Lima", "Mike", "November", "Oscar", "Papa", "Quebec", "Romeo", "Sierra", "Tango", "Uniform", "Victor",
    "Whiskey", "Xray", "Yankee", "Zulu", "New", "York", "San", "Jose", "North", "South", "East", "West",
    "Saint", "Port", "Fort", "Lake", "River", "Mount", "Union", "Republic", "Central", "United", "States",
)
_PUNCTUATION = ("!", "?", ".", ",", "-", "(", ")", "\"", "'", ":", ";", "/", "*", "…", "—")


def capitalized_run(n_words: int, seed: int = 1) -> str:
    """One paragraph of `n_words` capitalized words, place names among them, and no sentence end."""
    rng = random.Random(seed)
    pool = _CAPITALIZED + tuple(p for p in PLACES if p[:1].isupper())
    return " ".join(rng.choice(pool) for _ in range(n_words))


def place_list(n_words: int, seed: int = 2) -> str:
    """Place names separated by commas and `and`: a list the location step must disambiguate together."""
    rng = random.Random(seed)
    names = [p for p in PLACES if p[:1].isupper()]
    out: list[str] = []
    words = 0
    while words < n_words:
        name = rng.choice(names)
        out.append(name)
        words += name.count(" ") + 1
    return ", ".join(out[:-1]) + " and " + out[-1] + "."


def distinct_towns(n_names: int) -> str:
    """A list of `n_names` different towns from the gazetteer, each one in a short sentence: every name
    is new to the caches and brings its own readings into the disambiguation."""
    from transforms.gazetteer import gazetteer

    places = gazetteer().places
    names: list[str] = []
    for gid in places:
        p = places[gid]
        if p.feature == "city" and p.name.isascii() and p.name.isalpha():
            names.append(p.name)
            if len(names) == n_names:
                break
    return " ".join(f"They met in {name}." for name in names)


def digit_run(n_chars: int) -> str:
    """One unbroken run of digits."""
    return ("1234567890" * (n_chars // 10 + 1))[:n_chars]


def spaced_numbers(n_chars: int) -> str:
    """Numbers separated by single spaces, like a table flattened into one line."""
    out, size, i = [], 0, 0
    while size < n_chars:
        token = f"{(i * 7919) % 100000:,}"
        out.append(token)
        size += len(token) + 1
        i += 1
    return " ".join(out)


def comma_groups(n_chars: int) -> str:
    """A number with thousands separators that never ends, then a unit."""
    groups = max(1, n_chars // 4)
    return "1" + ",000" * groups + " people"


def range_phrases(repeats: int) -> str:
    """`between N and N+1` repeated: each phrase can open a range the next one closes."""
    return " ".join(f"between {n} and {n + 1}" for n in range(1, repeats + 1))


def date_phrases(repeats: int, seed: int = 3) -> str:
    """Dates, weekdays and relative phrases back to back without a verb between them."""
    rng = random.Random(seed)
    phrases = ("January 5, 2019", "last Tuesday", "the 1990s", "2 p.m.", "next month", "March", "this week",
               "three years ago", "on Friday", "in 2016", "between 2010 and 2012", "from May to June")
    return " ".join(rng.choice(phrases) for _ in range(repeats))


def one_mb_paragraph(n_chars: int = 1_000_000, seed: int = 4) -> str:
    """News sentences (dates, numbers, places) joined into a single paragraph of `n_chars`."""
    rng = random.Random(seed)
    out: list[str] = []
    size = 0
    while size < n_chars:
        article = synthetic_article(rng).split("\n\n", 1)[1]
        text = " ".join(article.split())
        out.append(text)
        size += len(text) + 1
    return " ".join(out)[:n_chars]


def one_mb_wrapped(n_chars: int = 1_000_000, seed: int = 4) -> str:
    """The same single paragraph hard-wrapped at 72 columns, as plain-text wires send it."""
    import textwrap

    return "\n".join(textwrap.wrap(one_mb_paragraph(n_chars, seed), 72))


def no_spaces(n_chars: int) -> str:
    """One line of letters, digits and dots without a space: a pasted token, base64 or a URL."""
    chunk = "AbcDefGhi.jkl/Mno-123_pqr.Stu,vwx;Yz"
    return (chunk * (n_chars // len(chunk) + 1))[:n_chars]


def repeated_punctuation(n_chars: int) -> str:
    """Runs of each punctuation mark, spaced and unspaced, between a few words."""
    per = max(1, n_chars // (2 * len(_PUNCTUATION)))
    parts = []
    for p in _PUNCTUATION:
        parts.append(p * per)
        parts.append(" ".join(p * (per // 2 + 1)))
    return " Word ".join(parts)


def many_lines(n_lines: int, seed: int = 5) -> str:
    """Very many short lines: a body the line-by-line cleaning passes must each see once."""
    rng = random.Random(seed)
    words = ("Share", "Home", "News", "Read more", "Related:", "By Jane Doe", "Updated 3 p.m.", "Sign up",
             "Tags: a, b, c, d", "- Item", "Paris", "12", "March 3, 2019")
    return "\n".join(rng.choice(words) for _ in range(n_lines))


# name -> (builder taking a size, the size for scale 1.0)
CASES: dict[str, tuple[Callable[[int], str], int]] = {
    "capitalized_8k_words": (capitalized_run, 8_000),
    "capitalized_50k_words": (capitalized_run, 50_000),
    "place_list": (place_list, 20_000),
    "distinct_towns": (distinct_towns, 40_000),
    "digit_run": (digit_run, 200_000),
    "spaced_numbers": (spaced_numbers, 200_000),
    "comma_groups": (comma_groups, 200_000),
    "range_phrases": (range_phrases, 10_000),
    "date_phrases": (date_phrases, 10_000),
    "one_mb_paragraph": (one_mb_paragraph, 1_000_000),
    "one_mb_wrapped": (one_mb_wrapped, 1_000_000),
    "no_spaces": (no_spaces, 1_000_000),
    "repeated_punctuation": (repeated_punctuation, 300_000),
    "many_lines": (many_lines, 50_000),
}


def pathological_article(name: str, scale: float = 1.0) -> str:
    """The body of case `name` at `scale` times its default size."""
    build, size = CASES[name]
    return build(max(1, int(size * scale)))


def article_steps(body: str, budget_seconds: float = math.inf) -> tuple[str | None, dict[str, float]]:
    """Run one article through the steps as a batch does; (the step that ran over the budget or None,
    CPU seconds per step)."""
    from flows.batch import extracted, prepared_within
    from transforms.formats import RawArticle

    # stated English, as a feed's metadata may say: detection would skip the extractors on some cases
    raw = RawArticle("bench://pathological", "txt", body, language="en")
    article, spent, _ = prepared_within(raw, _NOW, budget_seconds)
    seconds = {"clean": spent}
    if article is None:
        return "clean", seconds
    result = extracted(article, "bench", _NOW, budget_seconds, spent)
    seconds.update(result.cpu_seconds)
    return result.too_slow, seconds


def main(argv: list[str] | None = None) -> int:
    """Time each step on each case, print the worst seconds per KB, check the budget holds."""
    from flows.batch import STEPS
    from transforms.records import loaded_models

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=float, default=1.0, help="multiply every case's size")
    parser.add_argument("--budget", type=float, default=2.0, help="per-article CPU budget, seconds")
    parser.add_argument("--margin", type=float, default=0.25, help="allowed overrun of the budget, seconds")
    parser.add_argument("--only", nargs="*", default=None, help="case names to run")
    parser.add_argument("--no-unbounded", action="store_true", help="skip the runs without a budget")
    args = parser.parse_args(argv)
    names = args.only or list(CASES)
    loaded_models()  # once per process, as a batch does before its first article
    worst: dict[str, tuple[float, str]] = {step: (0.0, "") for step in STEPS}
    if not args.no_unbounded:
        print(f"{'case':24} {'KB':>7} " + " ".join(f"{s:>10}" for s in STEPS) + "   (CPU seconds, no budget)")
        for name in names:
            body = pathological_article(name, args.scale)
            kb = len(body.encode()) / 1024
            _, seconds = article_steps(body)
            print(f"{name:24} {kb:7.0f} " + " ".join(f"{seconds.get(s, 0.0):10.3f}" for s in STEPS), flush=True)
            for step in STEPS:
                per_kb = seconds.get(step, 0.0) / kb
                if per_kb > worst[step][0]:
                    worst[step] = (per_kb, name)
        print("worst seconds per KB: " + ", ".join(f"{s} {v * 1000:.2f} ms/KB ({n})" for s, (v, n) in worst.items()))
    over: list[str] = []
    print(f"\nunder a {args.budget:g} s budget (allowed overrun {args.margin:g} s):")
    for name in names:
        body = pathological_article(name, args.scale)
        start = time.thread_time()
        too_slow, _ = article_steps(body, args.budget)
        used = time.thread_time() - start
        if used > args.budget + args.margin:
            over.append(name)
        stopped = f"stopped in {too_slow}" if too_slow else "finished"
        verdict = "ok" if name not in over else "OVER BUDGET"
        print(f"  {name:24} {used:6.2f} s  {stopped:22} {verdict}", flush=True)
    big = "capitalized_50k_words"
    if big in names:
        print(f"the 50,000-capitalized-word article {'ran over' if big in over else 'kept within'} its budget")
    return 1 if over else 0


if __name__ == "__main__":
    sys.exit(main())
