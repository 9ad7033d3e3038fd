"""Tests for transforms.publication: rules validity, golden cases, URL dates, and the records precedence."""

from __future__ import annotations

import datetime as dt
import pathlib
from typing import Any

import pytest
import yaml

from transforms._data import rules
from transforms.formats import RawArticle, parsed_file
from transforms.publication import (
    inferred_publication,
    publication_rule_errors,
    stated_date_problem,
    url_date_span,
)
from transforms.records import prepared_article, with_story_dates

GOLDEN = yaml.safe_load((pathlib.Path(__file__).parent / "golden" / "publication.yaml").read_text(encoding="utf-8"))
INGESTED = dt.datetime(2025, 1, 1, 12, 0, tzinfo=dt.UTC)


def _at(value: Any) -> dt.datetime:
    if value is None:
        return INGESTED
    if isinstance(value, dt.datetime):
        return value
    return dt.datetime.combine(value, dt.time(12), tzinfo=dt.UTC)


def test_publication_rules_are_valid() -> None:
    assert publication_rule_errors(rules("publication")) == []


def test_validator_catches_broken_rules() -> None:
    data = rules("publication")
    assert publication_rule_errors({**data, "earliest": "1800"})
    assert publication_rule_errors({**data, "inference": {**data["inference"], "clause": ["Born"]}})
    assert publication_rule_errors({**data, "inference": {**data["inference"], "labels": ["posted"]}})
    assert publication_rule_errors({**data, "inference": {**data["inference"], "in_sentence": [True]}})
    assert publication_rule_errors([])


@pytest.mark.parametrize("case", GOLDEN["inferred"], ids=[c["name"] for c in GOLDEN["inferred"]])
def test_golden_inferred(case: dict[str, Any]) -> None:
    got = inferred_publication(case["paragraphs"], url=case.get("url"), crawled=case.get("crawled"),
                               ingested_at=_at(case.get("ingested_at")))
    assert got.date == case["date"]
    if case["date"] is None:
        assert got.refused == case["refused"]


@pytest.mark.parametrize("case", GOLDEN["articles"], ids=[c["name"] for c in GOLDEN["articles"]])
def test_golden_articles(case: dict[str, Any]) -> None:
    (raw,), rejects = parsed_file("golden.txt", case["body"].encode(), case.get("meta"))
    assert rejects == []
    prepared = prepared_article(raw, _at(case.get("ingested_at")))
    assert prepared.published == case["published_date"]
    assert prepared.published_source == case["source"]
    assert list(prepared.repairs) == case["repairs"]


def test_the_deep_golden_date_is_past_the_lead() -> None:
    (case,) = [c for c in GOLDEN["inferred"] if c["name"] == "deep in a long first paragraph"]
    assert case["paragraphs"][0].index("March 27, 2009") > rules("publication")["inference"]["lead_chars"]


@pytest.mark.parametrize("url,span", [
    ("http://www.example.com/articles/2009/03/18/news/x.txt", ("2009-03-18", "2009-03-18")),
    ("https://news.example/article/20090324/NEWS01/903240327/1002", ("2009-03-24", "2009-03-24")),
    ("https://news.example/2018-04-06/story", ("2018-04-06", "2018-04-06")),
    ("https://news.example/news/2018/02/story.html", ("2018-02-01", "2018-02-28")),
    ("https://news.example/news/2016/12/", ("2016-12-01", "2016-12-31")),
    ("https://news.example/story?id=1236103153890", None),  # a long id is not a date
    ("https://2009.example/03/18/x", None),  # the host does not count
    ("https://news.example/2009/03/18/a-2010/06/01", None),  # two dates: no evidence
    ("https://news.example/20091340/x", None),  # not a calendar date
    (None, None),
])
def test_url_date_span(url: str | None, span: tuple[str, str] | None) -> None:
    expected = None if span is None else (dt.date.fromisoformat(span[0]), dt.date.fromisoformat(span[1]))
    assert url_date_span(url) == expected


def test_stated_date_problem_bounds() -> None:
    assert stated_date_problem(dt.date(1799, 12, 31), INGESTED) == "too_old"
    assert stated_date_problem(dt.date(1800, 1, 1), INGESTED) is None
    assert stated_date_problem(dt.date(2025, 1, 3), INGESTED) is None  # two days of tolerance
    assert stated_date_problem(dt.date(2025, 1, 4), INGESTED) == "future"
    assert stated_date_problem(dt.date(2999, 1, 1), None) is None  # no run time, no future bound
    assert stated_date_problem(dt.date(1970, 1, 1), INGESTED) == "placeholder"
    assert stated_date_problem(dt.date(1970, 1, 1), INGESTED, machine=False) is None  # a dateline may say so


def test_inference_never_reads_the_clock() -> None:
    """Without a run time the future is unbounded: the result depends on the arguments only."""
    lead = ["Harbour Times Staff March 27, 2099 The ferry fleet will be replaced, owners said."]
    assert inferred_publication(lead).date == dt.date(2099, 3, 27)
    assert inferred_publication(lead, ingested_at=INGESTED).refused == "future"


def test_story_date_must_fit_the_articles_own_url() -> None:
    def article(uri: str, url: str | None, published: str | None) -> RawArticle:
        return RawArticle(uri, "jsonl", "Ferries return\n\nThe ferries returned to the harbour on Monday, "
                          "the operator said in a statement.", url=url, story_id="s1",
                          published=dt.date.fromisoformat(published) if published else None,
                          published_source="metadata" if published else None)

    prepared = [prepared_article(a, INGESTED) for a in (
        article("a", None, "2019-03-05"),
        article("b", "https://news.example/2019/03/06/ferries", None),
        article("c", "https://news.example/2021/07/01/ferries", None),
    )]
    dated = with_story_dates(prepared)
    assert [(d.published, d.published_source) for d in dated] == [
        (dt.date(2019, 3, 5), "metadata"), (dt.date(2019, 3, 5), "inferred"), (None, "none"),
    ]
