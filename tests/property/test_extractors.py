"""Dates, quantities and places on any text: exact spans in order, coherent values, no exception."""

from __future__ import annotations

import datetime as dt
import math

from hypothesis import example, given, settings
from hypothesis import strategies as st

from tests.property.strategies import anchors, any_text, examples, news_paragraph, news_text
from transforms.dates import date_mentions
from transforms.locations import location_mentions
from transforms.quantities import quantity_mentions

paragraphs = st.one_of(news_text, news_paragraph, any_text)


def _check_spans(text: str, mentions: list) -> None:
    """Mentions index `text` exactly, are non-empty, and come in text order without overlapping."""
    previous_end = 0
    for m in mentions:
        assert 0 <= m.start < m.end <= len(text), m
        assert text[m.start:m.end] == m.text, m
        assert m.start >= previous_end, (m, mentions)
        previous_end = m.end


@settings(max_examples=examples(3.0))
@given(paragraphs, anchors)
@example("The day after December 31, 9999 and the year before January 1, 0001.", dt.date(9999, 12, 31))
@example("next year, in 10 years, 3 centuries later, the following decade", dt.date.max)
@example("last year, 3 centuries ago, the previous decade, yesterday", dt.date.min)
@example("It began 2,019 years ago, 800,000 days ago.", dt.date(2019, 6, 1))
def test_date_mentions(text: str, anchor: dt.date | None) -> None:
    mentions = date_mentions(text, anchor)
    _check_spans(text, mentions)
    for m in mentions:
        assert m.value and m.timex_type in {"DATE", "TIME", "DURATION", "SET"}, m
        if m.start_date is not None and m.end_date is not None:
            assert m.start_date <= m.end_date, m
        assert m.anchor_date == anchor
        assert not m.is_relative or anchor is not None, m


@st.composite
def _text_and_blocked(draw: st.DrawFn) -> tuple[str, list[tuple[int, int]]]:
    text = draw(paragraphs)
    bounds = st.integers(0, len(text))
    spans = draw(st.lists(st.tuples(bounds, bounds).map(sorted).filter(lambda s: s[0] < s[1]), max_size=3))
    return text, [(a, b) for a, b in spans]


@settings(max_examples=examples(3.0))
@given(_text_and_blocked())
@example(("Costs rose 1e999 per cent to 10^400 dollars, between 9 and 3 million.", []))
@example(("more than " + "9" * 400 + " people", []))
def test_quantity_mentions(case: tuple[str, list[tuple[int, int]]]) -> None:
    text, blocked = case
    mentions = quantity_mentions(text, blocked)
    _check_spans(text, mentions)
    for m in mentions:
        for bound in (m.low, m.high):
            assert bound is None or not math.isnan(bound), m
        if m.low is not None and m.high is not None:
            assert m.low <= m.high, m
        assert (m.low is None) == (m.low_inclusive is None) or m.vague, m
        assert m.unit, m


@settings(max_examples=examples(1.0))
@given(st.lists(paragraphs, max_size=5))
@example(["Paris, Texas and Paris, France", "London, Ontario; Sydney, Nova Scotia", "Georgia " * 50])
def test_location_mentions(texts: list[str]) -> None:
    per_paragraph = location_mentions(texts)
    assert len(per_paragraph) == len(texts)
    for text, mentions in zip(texts, per_paragraph, strict=True):
        _check_spans(text, mentions)
        for m in mentions:
            assert 0.0 <= m.confidence <= 1.0, m
            assert m.latitude is None or -90 <= m.latitude <= 90, m
            assert m.longitude is None or -180 <= m.longitude <= 180, m
            assert (m.geonameid is None) == (m.name is None), m
