"""Accuracy thresholds of issue 7 on the public geoparsing gold data (GeoWebNews, LGL, TR-News)."""

from __future__ import annotations

import pathlib

import pytest

from evaluation.locations import DATASETS, evaluate


@pytest.fixture(scope="module")
def figures(shared_dir: pathlib.Path) -> dict:
    return evaluate(shared_dir)


@pytest.mark.parametrize("dataset", DATASETS)
def test_recognition_f1(figures: dict, dataset: str) -> None:
    assert figures[dataset]["all"]["f1"] >= 0.80


@pytest.mark.parametrize("dataset", DATASETS)
def test_accuracy_on_recognized(figures: dict, dataset: str) -> None:
    assert figures[dataset]["all"]["acc161_recognized"] >= 0.90


@pytest.mark.parametrize("dataset", DATASETS)
def test_end_to_end_accuracy(figures: dict, dataset: str) -> None:
    assert figures[dataset]["all"]["acc161_end_to_end"] >= 0.70
