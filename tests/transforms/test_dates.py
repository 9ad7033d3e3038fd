"""Tests for transforms.dates: lexicon validity, golden cases, invariants, publication-date inference."""

from __future__ import annotations

import copy
import datetime
import itertools
import json
import pathlib
from typing import Any

import pytest
import yaml

from transforms._data import rules
from transforms.dates import (
    DateMention,
    date_mentions,
    story_published_date,
    validate_rules,
)

GOLDEN = pathlib.Path(__file__).parent / "golden" / "dates.yaml"
CASES: list[dict[str, Any]] = yaml.safe_load(GOLDEN.read_text(encoding="utf-8"))
ANCHOR = datetime.date(2018, 2, 14)


def _anchor(value: Any) -> datetime.date | None:
    """YAML gives dates as `datetime.date` already; null stays None."""
    return value if isinstance(value, datetime.date) or value is None else datetime.date.fromisoformat(value)


def test_dates_rules_are_valid() -> None:
    assert validate_rules(rules("dates")) == []


def test_validator_reports_broken_lexicons() -> None:
    broken = copy.deepcopy(rules("dates"))
    broken["months"]["smarch"] = 13
    broken["sets"]["fortnightly"] = "every two weeks"
    broken["holidays"]["leap day"] = [2, 30]
    broken["holidays"]["harvest day"] = [9, 8, 1, 1]
    del broken["future_cues"]
    problems = validate_rules(broken)
    assert any("smarch" in p for p in problems)
    assert any("fortnightly" in p for p in problems)
    assert any("leap day" in p for p in problems)
    assert any("harvest day" in p for p in problems)
    assert any("future_cues" in p for p in problems)
    assert validate_rules(["not", "a", "mapping"]) == ["top level must be a mapping"]


@pytest.mark.parametrize("case", CASES, ids=[c["text"][:50] for c in CASES])
def test_golden_case(case: dict[str, Any]) -> None:
    found = date_mentions(case["text"], _anchor(case["anchor"]))
    got = [[m.text, m.timex_type, m.value] for m in found]
    assert got == [[str(x) for x in e] for e in case["expected"]]


@pytest.mark.parametrize("case", CASES, ids=[c["text"][:50] for c in CASES])
def test_offsets_sorted_and_disjoint(case: dict[str, Any]) -> None:
    found = date_mentions(case["text"], _anchor(case["anchor"]))
    for m in found:
        assert case["text"][m.start : m.end] == m.text
    for a, b in itertools.pairwise(found):
        assert a.end <= b.start


def test_calendar_span_and_granularity() -> None:
    text = "It happened last week, in February 2018, in 2017, in the first quarter and in the 1990s."
    by_value = {m.value: m for m in date_mentions(text, ANCHOR)}
    week = by_value["2018-W06"]
    assert (week.start_date, week.end_date, week.granularity) == (
        datetime.date(2018, 2, 5),
        datetime.date(2018, 2, 11),
        "week",
    )
    assert week.is_relative and week.anchor_date == ANCHOR
    month = by_value["2018-02"]
    assert (month.start_date, month.end_date, month.granularity) == (
        datetime.date(2018, 2, 1),
        datetime.date(2018, 2, 28),
        "month",
    )
    assert not month.is_relative
    year = by_value["2017"]
    assert (year.start_date, year.end_date, year.granularity) == (
        datetime.date(2017, 1, 1),
        datetime.date(2017, 12, 31),
        "year",
    )
    quarter = by_value["2018-Q1"]
    assert (quarter.start_date, quarter.end_date, quarter.granularity) == (
        datetime.date(2018, 1, 1),
        datetime.date(2018, 3, 31),
        "quarter",
    )
    decade = by_value["199"]
    assert (decade.start_date, decade.end_date, decade.granularity) == (
        datetime.date(1990, 1, 1),
        datetime.date(1999, 12, 31),
        "decade",
    )


def test_no_anchor_never_guesses_dates() -> None:
    found = date_mentions("The clash on Tuesday followed talks on February 7 and yesterday's raid.", None)
    assert [m.value for m in found] == ["XXXX-WXX-2", "XXXX-02-07", "XXXX-XX-XX"]
    assert all(m.start_date is None and m.end_date is None and m.anchor_date is None for m in found)
    assert not any(m.is_relative for m in found)


def test_durations_and_sets_have_no_calendar_span() -> None:
    found = date_mentions("The siege lasted three days; patrols run daily.", ANCHOR)
    assert [(m.timex_type, m.start_date, m.granularity) for m in found] == [
        ("DURATION", None, None),
        ("SET", None, None),
    ]


def test_records_are_frozen() -> None:
    mention = date_mentions("on Tuesday", ANCHOR)[0]
    assert isinstance(mention, DateMention)
    with pytest.raises(AttributeError):
        mention.value = "2018"  # type: ignore[misc]


def test_story_published_date_is_the_most_common_then_earliest() -> None:
    d1, d2 = datetime.date(2018, 2, 13), datetime.date(2018, 2, 14)
    assert story_published_date([d2, None, d1, d2]) == d2
    assert story_published_date([d2, d1]) == d1
    assert story_published_date([None, None]) is None
    assert story_published_date([]) is None


def _rt_cases(shared_dir: pathlib.Path) -> list[dict[str, Any]]:
    path = shared_dir / "eval" / "data" / "recognizers_text_en.dev.jsonl"
    prefixes = ("DateTime/English/Date", "DateTime/English/Duration", "DateTime/English/Set")
    with path.open(encoding="utf-8") as fh:
        return [c for c in map(json.loads, fh) if c["suite"].startswith(prefixes)]


def test_recognizers_text_suite_pass_rate(shared_dir: pathlib.Path) -> None:
    """Extra golden suite: Recognizers-Text English Date*/Duration*/Set* cases (see evaluation/dates.py)."""
    from evaluation.dates import _recognizers

    figures = _recognizers(_rt_cases(shared_dir))
    assert figures["cases"] > 1000
    assert figures["rate"] >= RT_MIN_RATE


# Measured pass rate at the time of writing, minus a small margin: a drop means a regression.
RT_MIN_RATE = 0.30


def test_relative_dates_outside_the_calendar_do_not_raise() -> None:
    """Regression (property suite): date arithmetic past year 1 or 9999 raised out of `date_mentions`.

    "2,019 years ago" in 2019 is year 0 (ValueError); "800,000 days ago" and "tomorrow" from 9999-12-31
    leave `datetime.date`'s range (OverflowError).
    """
    anchor = datetime.date(2019, 6, 1)
    [m] = date_mentions("It began 2,019 years ago.", anchor)
    assert (m.text, m.value, m.start_date, m.end_date) == ("2,019 years ago", "0000", None, None)
    for text in ("800,000 days ago", "150,000 weeks ago", "24,228 months ago", "8,076 quarters ago"):
        assert all(text[d.start:d.end] == d.text for d in date_mentions(text, anchor))
    assert date_mentions("tomorrow", datetime.date.max) == []
    assert date_mentions("yesterday", datetime.date.min) == []
    # a bare month compared with the years around an anchor in year 1 or 9999 built year 0 or 10000
    assert [m.value for m in date_mentions("of Feb. 29", datetime.date(9999, 12, 31))] == ["9999-02"]
    assert [m.value for m in date_mentions("of Feb. 29", datetime.date.min)] == ["0001-02"]
