"""The HTML extraction evaluation: our metric on tiny cases, and the benchmark threshold on the shared data."""

from __future__ import annotations

import pathlib

import pytest

from evaluation.html import averaged, evaluate, page_scores, shingles


def test_shingles_are_lower_cased_word_4grams() -> None:
    assert shingles("One two, THREE four five") == {("one", "two", "three", "four"), ("two", "three", "four", "five")}
    assert shingles("too short here") == set()


def test_page_scores() -> None:
    gold = "a b c d e f"
    assert page_scores("a b c d e f", gold) == (1.0, 1.0)
    p, r = page_scores("a b c d x y", gold)
    assert p == pytest.approx(1 / 3) and r == pytest.approx(1 / 3)
    assert page_scores("", gold) == (None, 0.0)


def test_averaged_skips_undefined_pages() -> None:
    figures = averaged([(1.0, 0.5), (None, 1.0)])
    assert figures["precision"] == 1.0 and figures["recall"] == 0.75
    assert figures["f1"] == pytest.approx(2 * 0.75 / 1.75)


def test_benchmark_threshold(shared_dir: pathlib.Path) -> None:
    figures = evaluate(shared_dir)
    assert figures["pages"] == 92
    assert figures["ours"]["f1"] >= 0.955
    # Cleaning must not cost recall worth speaking of: trafilatura already kept the story.
    assert figures["ours"]["recall"] >= figures["trafilatura"]["recall"] - 0.01
