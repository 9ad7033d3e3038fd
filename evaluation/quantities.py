"""Accuracy of `transforms.quantities` on the English number cases of Microsoft Recognizers-Text.

Data: `<shared>/eval/data/recognizers_text_en.dev.jsonl`, suites `Number/English/NumberModel`,
`NumberRangeModel`, `NumberWithUnit/English/CurrencyModel`, `DimensionModel` and `AgeModel`.

Scoring (issue 6): a predicted mention is correct when its span overlaps an expected one and its
`low`/`high` equal the expected value (single value: low == high == value) or the expected interval
endpoints, inclusivity aside. Each expected mention is matched at most once. Precision is over all
predictions, recall over all expected mentions; figures are given per suite and overall.

Each Recognizers model recognizes one type, so every suite is scored on the predictions of that
type (the "typed view": currencies for CurrencyModel, measurement units for DimensionModel, ages for
AgeModel, bounded or qualified intervals for NumberRangeModel, everything but measures and ages for
NumberModel). The same figures over every prediction (the "all" view) are reported too. Cases
are split by index parity so that one half can be kept for checking rules written on the other.
"""

from __future__ import annotations

import argparse
import json
import math
import pathlib
import re
import sys
from collections.abc import Callable, Iterable
from typing import Any

from transforms.quantities import QuantityMention, quantity_mentions

SUITES = (
    "Number/English/NumberModel",
    "Number/English/NumberRangeModel",
    "NumberWithUnit/English/CurrencyModel",
    "NumberWithUnit/English/DimensionModel",
    "NumberWithUnit/English/AgeModel",
)
DATA_FILE = ("eval", "data", "recognizers_text_en.dev.jsonl")
_AGE_UNITS = frozenset({"year", "month", "week", "day"})
_NOT_MEASURES = frozenset({"count", "percent", "percentage point", "fraction"})
_INTERVAL_RE = re.compile(r"^\s*([\[(])\s*([^,]*)\s*,\s*([^\])]*)\s*([\])])\s*$")


def _is_measure(m: QuantityMention) -> bool:
    """True for a measurement (not a count, share, amount of money or age)."""
    return m.unit not in _NOT_MEASURES and not m.unit.startswith("currency:") and m.unit not in _AGE_UNITS


VIEWS: dict[str, Callable[[QuantityMention], bool]] = {
    "Number/English/NumberModel": lambda m: not _is_measure(m) and m.unit not in _AGE_UNITS,
    "Number/English/NumberRangeModel": lambda m: m.qualifier is not None or m.low != m.high,
    "NumberWithUnit/English/CurrencyModel": lambda m: m.unit.startswith("currency:"),
    "NumberWithUnit/English/DimensionModel": _is_measure,
    "NumberWithUnit/English/AgeModel": lambda m: m.unit in _AGE_UNITS,
}


def _expected_interval(expected: dict[str, Any]) -> tuple[float | None, float | None] | None:
    """Expected (low, high) of one Recognizers result; None when it has no number."""
    value = (expected.get("Resolution") or {}).get("value")
    if value is None:
        return None
    text = str(value)
    m = _INTERVAL_RE.match(text)
    if m:
        lo = float(m.group(2)) if m.group(2).strip() else None
        hi = float(m.group(3)) if m.group(3).strip() else None
        return lo, hi
    try:
        number = float(text)
    except ValueError:
        return None
    return number, number


def _same(a: float | None, b: float | None) -> bool:
    """Equal numbers (relative tolerance for rounding in the gold) or both unbounded."""
    if a is None or b is None:
        return a is None and b is None
    return math.isclose(a, b, rel_tol=1e-6, abs_tol=1e-9)


def _case_counts(case: dict[str, Any], predicted: list[QuantityMention]) -> tuple[int, int, int, list[str]]:
    """(true positives, predictions, expected, problems) for one case."""
    gold = []
    for e in case["expected"]:
        start, end = int(e["Start"]), int(e["End"]) + 1  # Recognizers "End" is inclusive
        gold.append((start, end, _expected_interval(e), e["Text"]))
    used: set[int] = set()
    tp = 0
    problems: list[str] = []
    for m in predicted:
        hit = None
        for k, (gs, ge, interval, _) in enumerate(gold):
            if k in used or interval is None or not (m.start < ge and gs < m.end):
                continue
            if _same(m.low, interval[0]) and _same(m.high, interval[1]):
                hit = k
                break
        if hit is None:
            problems.append(f"spurious {m.text!r} -> {m.low}..{m.high} {m.unit}")
        else:
            used.add(hit)
            tp += 1
    for k, (_, _, interval, text) in enumerate(gold):
        if k not in used:
            problems.append(f"missed {text!r} -> {interval}")
    return tp, len(predicted), len(gold), problems


def _figures(tp: int, npred: int, ngold: int) -> dict[str, float | int]:
    """Precision, recall and F1 with their counts."""
    p = tp / npred if npred else 0.0
    r = tp / ngold if ngold else 0.0
    f = 2 * p * r / (p + r) if p + r else 0.0
    return {"tp": tp, "predicted": npred, "expected": ngold, "precision": round(p, 4), "recall": round(r, 4),
            "f1": round(f, 4)}


def load_cases(shared_dir: pathlib.Path) -> list[dict[str, Any]]:
    """The cases of the scored suites, in file order, each with its index within its suite."""
    cases = []
    with shared_dir.joinpath(*DATA_FILE).open(encoding="utf-8") as fh:
        for line in fh:
            case = json.loads(line)
            if case["suite"] in SUITES:
                case["index"] = int(case["doc_id"].rsplit("#", 1)[1])
                cases.append(case)
    return cases


def _score(cases: Iterable[dict[str, Any]], typed: bool) -> tuple[dict[str, Any], list[str]]:
    """Per-suite and overall figures for a set of cases."""
    per: dict[str, list[int]] = {s: [0, 0, 0] for s in SUITES}
    problems: list[str] = []
    for case in cases:
        predicted = quantity_mentions(case["input"])
        if typed:
            predicted = [m for m in predicted if VIEWS[case["suite"]](m)]
        tp, npred, ngold, probs = _case_counts(case, predicted)
        row = per[case["suite"]]
        row[0] += tp
        row[1] += npred
        row[2] += ngold
        problems += [f"{case['doc_id']}: {p} | {case['input'][:90]!r}" for p in probs]
    out: dict[str, Any] = {s: _figures(*row) for s, row in per.items()}
    out["overall"] = _figures(*(sum(row[k] for row in per.values()) for k in range(3)))
    return out, problems


def evaluate(shared_dir: pathlib.Path) -> dict[str, Any]:
    """Figures on the Recognizers-Text English number suites.

    Args:
        shared_dir: the team's shared data folder (`../shared`).

    Returns:
        {"typed": {suite|"overall": figures}, "all": {...}, "even": {...}, "odd": {...}, "cases": n},
        where figures hold tp, predicted, expected, precision, recall, f1; "even"/"odd" are the typed
        view on cases with even/odd indices.
    """
    cases = load_cases(shared_dir)
    typed, _ = _score(cases, typed=True)
    every, _ = _score(cases, typed=False)
    even, _ = _score((c for c in cases if c["index"] % 2 == 0), typed=True)
    odd, _ = _score((c for c in cases if c["index"] % 2 == 1), typed=True)
    return {"typed": typed, "all": every, "even": even, "odd": odd, "cases": len(cases)}


def main(argv: list[str] | None = None) -> int:
    """Print the evaluation report; `--errors N` lists up to N mistakes."""
    default_shared = pathlib.Path(__file__).resolve().parent.parent.parent / "shared"
    ap = argparse.ArgumentParser(description="Numeric ranges vs Recognizers-Text (English number suites)")
    ap.add_argument("--shared", type=pathlib.Path, default=default_shared, help="shared data folder")
    ap.add_argument("--errors", type=int, default=0, help="list this many mistakes (typed view)")
    ap.add_argument("--json", action="store_true", help="print the figures as JSON")
    args = ap.parse_args(argv)
    if not args.shared.joinpath(*DATA_FILE).exists():
        print(f"no Recognizers data under {args.shared}")
        return 2
    figures = evaluate(args.shared)
    if args.json:
        print(json.dumps(figures, indent=2))
        return 0
    print(f"Recognizers-Text English number suites: {figures['cases']} cases")
    for view in ("typed", "all", "even", "odd"):
        print(f"\n[{view}]  {'suite':<40} {'P':>6} {'R':>6} {'F1':>6}  tp/pred/exp")
        for name, f in figures[view].items():
            print(f"  {name:<46} {f['precision']:6.3f} {f['recall']:6.3f} {f['f1']:6.3f}  "
                  f"{f['tp']}/{f['predicted']}/{f['expected']}")
    if args.errors:
        _, problems = _score(load_cases(args.shared), typed=True)
        print(f"\nfirst {args.errors} of {len(problems)} mistakes:")
        for p in problems[: args.errors]:
            print("  ", p)
    return 0


if __name__ == "__main__":
    sys.exit(main())
