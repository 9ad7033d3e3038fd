"""Accuracy thresholds for transforms.dates on TempEval-3 (issue 5): regressions fail CI."""

from __future__ import annotations

import pathlib

from evaluation.dates import evaluate


def test_tempeval3_thresholds(shared_dir: pathlib.Path) -> None:
    figures = evaluate(shared_dir)
    tempeval = figures["tempeval3"]
    assert tempeval["gold"] == 1822
    assert tempeval["span"]["f1"] >= 0.90
    assert tempeval["value"]["f1"] >= 0.80
