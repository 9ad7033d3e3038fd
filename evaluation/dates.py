"""Accuracy of `transforms.dates` on public gold data: TempEval-3 TBAQ and Recognizers-Text specs.

TempEval-3 scoring as in the official TE3 scorer: a gold and a predicted TIMEX3 match when their
spans overlap (one-to-one); relaxed span P/R/F1 counts matches; value P/R/F1 counts only matches
whose normalized value is identical; type accuracy is over matched pairs.

Recognizers-Text: the English `DateTime/English/Date*`, `Duration*` and `Set*` suites run as an extra
golden suite. A case passes when every expected result is overlapped by one of our mentions and,
where the expected result carries a timex (`Value.Timex` or `Resolution.values[].timex`), one of
those timexes equals our value; a case with no expected result passes when we find nothing.
"""

from __future__ import annotations

import argparse
import datetime
import json
import pathlib
import re
import sys
from collections import Counter
from collections.abc import Iterable
from typing import Any

from transforms.dates import DateMention, date_mentions

_DEFAULT_SHARED = pathlib.Path(__file__).resolve().parent.parent.parent / "shared"
_BLANK_LINES = re.compile(r"\n[ \t]*\n")
_RT_PREFIXES = ("DateTime/English/Date", "DateTime/English/Duration", "DateTime/English/Set")


def _prf(tp: int, n_pred: int, n_gold: int) -> dict[str, float]:
    """Precision, recall and F1 from counts."""
    p = tp / n_pred if n_pred else 0.0
    r = tp / n_gold if n_gold else 0.0
    return {"precision": p, "recall": r, "f1": 2 * p * r / (p + r) if p + r else 0.0}


def _match(gold: list[dict[str, Any]], pred: list[DateMention]) -> list[tuple[dict[str, Any], DateMention]]:
    """One-to-one pairs of overlapping gold and predicted spans, in document order."""
    used: set[int] = set()
    pairs = []
    for g in gold:
        for i, p in enumerate(pred):
            if i not in used and p.start < g["end"] and g["start"] < p.end:
                used.add(i)
                pairs.append((g, p))
                break
    return pairs


def _tempeval(docs: Iterable[dict[str, Any]], errors: list[str] | None = None) -> dict[str, Any]:
    """TE3-style relaxed span, value and type figures over some TempEval documents."""
    n_gold = n_pred = tp = tp_value = tp_type = 0
    for doc in docs:
        anchor = datetime.date.fromisoformat(doc["dct"])
        pred = _document_mentions(doc["text"], anchor)
        gold = doc["timexes"]
        pairs = _match(gold, pred)
        n_gold += len(gold)
        n_pred += len(pred)
        tp += len(pairs)
        tp_value += sum(g["value"] == p.value for g, p in pairs)
        tp_type += sum(g["type"] == p.timex_type for g, p in pairs)
        if errors is not None:
            matched_g = {id(g) for g, _ in pairs}
            matched_p = {id(p) for _, p in pairs}
            for g, p in pairs:
                if g["value"] != p.value:
                    errors.append(f"VALUE {doc['dct']} {g['text']!r}={g['value']} ours {p.text!r}={p.value}")
            errors.extend(
                f"MISS  {doc['dct']} {g['text']!r}={g['value']} | {_around(doc['text'], g['start'], g['end'])}"
                for g in gold
                if id(g) not in matched_g
            )
            errors.extend(
                f"EXTRA {doc['dct']} {p.text!r}={p.value} | {_around(doc['text'], p.start, p.end)}"
                for p in pred
                if id(p) not in matched_p
            )
    return {
        "documents": sum(1 for _ in ()),
        "gold": n_gold,
        "predicted": n_pred,
        "span": _prf(tp, n_pred, n_gold),
        "value": _prf(tp_value, n_pred, n_gold),
        "type_accuracy": tp_type / tp if tp else 0.0,
    }


def _document_mentions(text: str, anchor: datetime.date | None) -> list[DateMention]:
    """Mentions of a whole document, found paragraph by paragraph as the pipeline does.

    Paragraphs are split on blank lines; offsets are shifted back to document offsets.
    """
    out: list[DateMention] = []
    offset = 0
    for paragraph in _BLANK_LINES.split(text):
        start = text.index(paragraph, offset)
        for m in date_mentions(paragraph, anchor):
            out.append(m._replace(start=m.start + start, end=m.end + start))
        offset = start + len(paragraph)
    return out


def _around(text: str, start: int, end: int, width: int = 50) -> str:
    """The match with some context, on one line."""
    return (text[max(0, start - width) : start] + "[" + text[start:end] + "]" + text[end : end + width]).replace(
        "\n", " "
    )


def _rt_expected(case: dict[str, Any]) -> list[tuple[int, int, set[str]]]:
    """(start, end, acceptable timexes) of a Recognizers-Text case's expected results."""
    out = []
    for res in case["expected"]:
        start = res.get("Start", 0)
        if "Length" in res:
            end = start + res["Length"]
        elif "End" in res:
            end = res["End"] + 1
        else:
            end = start + len(res.get("Text", ""))
        timexes: set[str] = set()
        value = res.get("Value")
        if isinstance(value, dict) and value.get("Timex"):
            timexes.add(value["Timex"])
        resolution = res.get("Resolution")
        if isinstance(resolution, dict):
            for item in resolution.get("values", []) or []:
                if isinstance(item, dict) and item.get("timex"):
                    timexes.add(item["timex"])
        out.append((start, end, timexes))
    return out


def _recognizers(cases: Iterable[dict[str, Any]], errors: list[str] | None = None) -> dict[str, Any]:
    """Pass rates of the Date*/Duration*/Set* English suites."""
    total: Counter[str] = Counter()
    passed: Counter[str] = Counter()
    for case in cases:
        suite = case["suite"].rsplit("/", 1)[-1]
        anchor = None
        if case.get("context"):
            anchor = datetime.date.fromisoformat(str(case["context"])[:10])
        pred = date_mentions(case["input"], anchor)
        expected = _rt_expected(case)
        ok = True
        if not expected:
            ok = not pred
        for start, end, timexes in expected:
            hits = [p for p in pred if p.start < end and start < p.end]
            if not hits or (timexes and not any(p.value in timexes for p in hits)):
                ok = False
        total[suite] += 1
        passed[suite] += ok
        if errors is not None and not ok:
            got = ", ".join(f"{p.text!r}={p.value}" for p in pred)
            want = "; ".join(f"{case['input'][s:e]!r}={sorted(t)}" for s, e, t in expected)
            errors.append(f"RT {suite}: {case['input']!r} want {want} got {got}")
    suites = {s: {"cases": total[s], "passed": passed[s], "rate": passed[s] / total[s]} for s in sorted(total)}
    n, k = sum(total.values()), sum(passed.values())
    return {"cases": n, "passed": k, "rate": k / n if n else 0.0, "suites": suites}


def _load_jsonl(path: pathlib.Path) -> list[dict[str, Any]]:
    """Rows of a JSON-lines file."""
    with path.open(encoding="utf-8") as fh:
        return [json.loads(line) for line in fh if line.strip()]


def _figures(shared_dir: pathlib.Path, errors: list[str] | None = None) -> dict[str, Any]:
    """All figures, optionally collecting readable error lines."""
    data = shared_dir / "eval" / "data"
    docs = _load_jsonl(data / "tempeval3.dev.jsonl")
    figures: dict[str, Any] = {"tempeval3": _tempeval(docs, errors)}
    for corpus in ("TimeBank", "AQUAINT"):
        figures[f"tempeval3_{corpus.lower()}"] = _tempeval(d for d in docs if d.get("corpus") == corpus)
    figures["tempeval3"]["documents"] = len(docs)
    cases = [c for c in _load_jsonl(data / "recognizers_text_en.dev.jsonl") if c["suite"].startswith(_RT_PREFIXES)]
    figures["recognizers_text"] = _recognizers(cases, errors)
    return figures


def evaluate(shared_dir: pathlib.Path) -> dict[str, Any]:
    """Figures for TempEval-3 (all, TimeBank, AQUAINT) and the Recognizers-Text date suites."""
    return _figures(shared_dir)


def main(argv: list[str] | None = None) -> int:
    """Print a readable report; `--errors N` also lists N error lines."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--shared", type=pathlib.Path, default=_DEFAULT_SHARED)
    parser.add_argument("--errors", type=int, default=0, help="print this many error lines")
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    args = parser.parse_args(argv)
    errors: list[str] | None = [] if args.errors else None
    figures = _figures(args.shared, errors)
    if args.json:
        print(json.dumps(figures, indent=2))
        return 0
    for name in ("tempeval3", "tempeval3_timebank", "tempeval3_aquaint"):
        f = figures[name]
        print(
            f"{name:20s} gold {f['gold']:5d} pred {f['predicted']:5d}  "
            f"span P {f['span']['precision']:.3f} R {f['span']['recall']:.3f} F1 {f['span']['f1']:.3f}  "
            f"value P {f['value']['precision']:.3f} R {f['value']['recall']:.3f} F1 {f['value']['f1']:.3f}  "
            f"type acc {f['type_accuracy']:.3f}"
        )
    rt = figures["recognizers_text"]
    print(f"recognizers-text Date*/Duration*/Set*: {rt['passed']}/{rt['cases']} cases pass ({rt['rate']:.3f})")
    for suite, s in rt["suites"].items():
        print(f"  {suite:28s} {s['passed']:4d}/{s['cases']:4d} ({s['rate']:.3f})")
    if errors:
        print()
        for line in errors[: args.errors]:
            print(line)
    return 0


if __name__ == "__main__":
    sys.exit(main())
