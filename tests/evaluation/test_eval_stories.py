"""Story grouping on the Multi-News style evaluation file (issue 10): regressions fail CI."""

from __future__ import annotations

import pathlib

from evaluation.stories import pairwise, parts


def test_story_grouping_thresholds(shared_dir: pathlib.Path) -> None:
    ps = parts(shared_dir)
    seeds = pairwise(ps["B"], None)
    assert seeds["true_pairs"] == 10 and seeds["recall"] == 1.0  # the five seeds are one story
    assert seeds["precision"] >= 0.10
    demo = pairwise(ps["A"], None)
    assert demo["recall"] >= 0.5 and demo["precision"] >= 0.3
