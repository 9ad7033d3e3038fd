"""Tests for transforms/stories/: rule data and story grouping."""

from __future__ import annotations

import datetime

from transforms._data import rules
from transforms.stories import StoryArticle, rule_errors, story_assignments

D = datetime.date(2021, 3, 4)
FLOOD = ("Floodwater from the Severn reached homes in Shrewsbury and Bewdley on Tuesday as the Environment Agency "
         "issued severe warnings. Residents of Frankwell were moved to a leisure centre, and sandbags were handed "
         "out at the Bewdley quay. The agency said the river would peak at Bewdley on Wednesday.")
FLOOD_2 = ("The river Severn burst its banks in Bewdley and Shrewsbury, the Environment Agency said, with severe "
           "flood warnings in place. Frankwell residents spent the night in a leisure centre while sandbags were "
           "stacked along the quay. Bewdley expects the peak on Wednesday.")
CHESS = ("A 14-year-old from Tromsø won the Nordic junior chess championship in Reykjavik, beating the top seed "
         "with the black pieces in a Sicilian defence that lasted 61 moves.")


def _a(aid: str, text: str, date: datetime.date | None = D, story: str | None = None,
       title: str | None = None) -> StoryArticle:
    return StoryArticle(aid, title, text, date, story)


def test_rule_file_is_valid() -> None:
    assert rule_errors(rules("stories")) == []


def test_validator_reports_broken_rules() -> None:
    errors = rule_errors({"story_similarity": 2, "stopwords": [False, "The"]})
    assert any("story_similarity" in e for e in errors)
    assert any("False" in e for e in errors) and any("'The'" in e for e in errors)
    assert any("minhash_bands" in e for e in errors)


def test_same_event_from_two_outlets_is_one_story_and_others_are_singletons() -> None:
    got = {s.article_id: s for s in story_assignments([_a("b", FLOOD_2), _a("a", FLOOD), _a("c", CHESS)])}
    assert got["a"].story_id == got["b"].story_id == "story-a"
    assert got["a"].story_id_source == got["b"].story_id_source == "similarity"
    assert got["c"].story_id != got["a"].story_id and got["c"].story_id_source == "singleton"


def test_ids_do_not_depend_on_input_order() -> None:
    arts = [_a("x1", FLOOD), _a("x2", FLOOD_2), _a("x3", CHESS)]
    assert story_assignments(arts) == story_assignments(arts[::-1])


def test_date_window_separates_same_words_far_apart() -> None:
    later = D + datetime.timedelta(days=30)
    got = {s.article_id: s.story_id for s in story_assignments([_a("a", FLOOD), _a("b", FLOOD_2, later)])}
    assert got["a"] != got["b"]
    undated = {s.article_id: s.story_id for s in story_assignments([_a("a", FLOOD), _a("b", FLOOD_2, None)])}
    assert undated["a"] == undated["b"]


def test_input_story_ids_are_kept_and_adopted_but_never_merged() -> None:
    got = {s.article_id: s for s in story_assignments(
        [_a("a", FLOOD, story="severn-floods"), _a("b", FLOOD_2), _a("c", FLOOD, story="other-id")])}
    assert got["a"].story_id == "severn-floods" and got["a"].story_id_source == "input"
    assert got["c"].story_id == "other-id"
    assert got["b"].story_id in ("severn-floods", "other-id") and got["b"].story_id_source == "similarity"

