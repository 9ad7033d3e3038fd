"""Regression thresholds for the numeric-range recognizer on shared gold data (issue 6)."""

from __future__ import annotations

import json
import pathlib
import re

from evaluation.quantities import evaluate
from transforms.quantities import quantity_mentions


def test_recognizers_text_number_suites(shared_dir: pathlib.Path) -> None:
    figures = evaluate(shared_dir)
    assert figures["typed"]["overall"]["f1"] >= 0.85
    # The held-out half must not lag far behind: rules are general, not fitted to cases.
    assert figures["even"]["overall"]["f1"] >= 0.80
    assert figures["odd"]["overall"]["f1"] >= 0.80


def _overlaps(a: str, b: str) -> bool:
    """The seeds scorer's match: one text contains the other as whole words, case-insensitively."""
    short, long_ = sorted((a.lower().strip(), b.lower().strip()), key=len)
    return bool(short) and re.search(r"(?<!\w)" + re.escape(short) + r"(?!\w)", long_) is not None


def test_seed_articles(shared_dir: pathlib.Path) -> None:
    """Seed gold, scored like eval/score_seeds.py on the raw seed lines minus their boilerplate lines."""
    gold_docs = json.loads((shared_dir / "gold" / "seeds.gold.json").read_text(encoding="utf-8"))
    tp = fn = fp = ok = 0
    for doc in gold_docs:
        text = (shared_dir / "corpus" / "seeds" / doc["doc"]).read_text(encoding="utf-8")
        lines = [ln for ln in text.splitlines() if ln.strip() and ln.strip() not in doc["boilerplate"]]
        pred = [m for ln in lines for m in quantity_mentions(ln)]
        used: set[int] = set()
        for g in doc["quantities"]:
            hit = next((i for i, p in enumerate(pred) if i not in used and _overlaps(g["text"], p.text)), None)
            if hit is None:
                fn += 0 if g["optional"] else 1
                continue
            used.add(hit)
            if not g["optional"]:
                tp += 1
                ok += int(pred[hit].low == g["low"] and pred[hit].high == g["high"])
        spurious = [p.text for i, p in enumerate(pred)
                    if i not in used and not any(_overlaps(g["text"], p.text) for g in doc["quantities"])]
        assert spurious == [], doc["doc"]
        assert not any(p.text.strip().lower() == b.lower() for p in pred for b in doc.get("not_quantities", []))
        fp += len(spurious)
    precision = ok / (tp + fp)
    recall = ok / (tp + fn)
    assert 2 * precision * recall / (precision + recall) >= 0.95
