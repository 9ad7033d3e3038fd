"""Accuracy thresholds of issue 7 on the public geoparsing gold data (GeoWebNews, LGL, TR-News)."""

from __future__ import annotations

import pathlib

import pytest

from evaluation.locations import DATASETS, evaluate

# Geocoding accuracy on recognized toponyms meets the issue's 0.90 on all three sets. The floors
# catch regressions from today's level (GeoWebNews 0.913, LGL 0.903, TR-News 0.902).
_RECOGNIZED_FLOOR = {"geowebnews": 0.910, "lgl": 0.90, "trnews": 0.90}


@pytest.fixture(scope="module")
def figures(shared_dir: pathlib.Path) -> dict:
    return evaluate(shared_dir)


@pytest.mark.parametrize("dataset", DATASETS)
def test_recognition_f1(figures: dict, dataset: str) -> None:
    assert figures[dataset]["all"]["f1"] >= 0.80


@pytest.mark.parametrize("dataset", DATASETS)
def test_end_to_end_accuracy(figures: dict, dataset: str) -> None:
    assert figures[dataset]["all"]["acc161_end_to_end"] >= 0.70


@pytest.mark.parametrize("dataset", DATASETS)
def test_accuracy_on_recognized_does_not_regress(figures: dict, dataset: str) -> None:
    assert figures[dataset]["all"]["acc161_recognized"] >= _RECOGNIZED_FLOOR[dataset]


@pytest.mark.parametrize("dataset", DATASETS)
def test_accuracy_on_recognized_meets_issue_target(figures: dict, dataset: str) -> None:
    assert figures[dataset]["all"]["acc161_recognized"] >= 0.90
