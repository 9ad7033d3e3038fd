"""Cleaning and paragraph splitting on any text: exact offsets, every line accounted for, stable output."""

from __future__ import annotations

import re
import unicodedata

from hypothesis import example, given, settings
from hypothesis import strategies as st

from tests.property.checks import storable
from tests.property.strategies import any_text, article_body, examples, news_text, valid_text
from transforms.clean import clean_article
from transforms.encoding import repaired_text
from transforms.paragraphs import article_text, paragraph_spans

_LINE_BREAK = re.compile(r"\r\n?|\n|[\u2028\u2029\x85]")  # the line breaks cleaning splits on
_text_with_breaks = st.lists(st.one_of(any_text, st.sampled_from(["\n", "\n\n", "\r\n", " \n ", "\u2028"])),
                             max_size=12).map("".join)


@given(_text_with_breaks)
@example("a\n \nb\n\n\n c \n")
def test_paragraph_spans_index_the_text(text: str) -> None:
    spans = paragraph_spans(text)
    assert [s.ordinal for s in spans] == list(range(len(spans)))
    previous_end = 0
    for s in spans:
        assert text[s.start:s.end] == s.text
        assert s.text and s.text == s.text.strip()
        assert s.start >= previous_end and s.n_words >= 0
        previous_end = s.end


@given(st.lists(st.one_of(any_text, news_text), max_size=8))
def test_article_text_round_trips_through_its_spans(paragraphs: list[str]) -> None:
    text = article_text(paragraphs)
    again = article_text([s.text for s in paragraph_spans(text)])
    assert article_text([s.text for s in paragraph_spans(again)]) == again
    if not any("\n" in p for p in paragraphs):  # one line each: the spans are exactly the paragraphs
        assert [s.text for s in paragraph_spans(text)] == [p.strip() for p in paragraphs if p.strip()]


@settings(max_examples=examples(2.0))
@given(st.one_of(article_body, _text_with_breaks), st.one_of(st.none(), valid_text), st.booleans())
@example("Title\n\nBy Jane Doe\nFebruary 14, 2018\n\nBody text here.\n\nFollow us on Twitter", None, True)
def test_every_line_is_the_title_a_paragraph_or_removed(body: str, title: str | None, title_in_body: bool) -> None:
    result = clean_article(body, title, title_in_body=title_in_body)
    lines = _LINE_BREAK.split(unicodedata.normalize("NFC", body))
    for removed in result.removed:
        assert 1 <= removed.line_no <= len(lines)
        assert " ".join(lines[removed.line_no - 1].split()) == removed.text, removed
    for p in result.paragraphs:
        assert p and p == p.strip() and "\n" not in p
    if title is None:  # with a title from metadata, a line repeating it may go without being counted here
        words = sum(len(p.split()) for p in result.paragraphs) + sum(len(r.text.split()) for r in result.removed)
        title_words = len((result.title or "").split()) if title_in_body else 0
        assert words + title_words == len(unicodedata.normalize("NFC", body).split())


@settings(max_examples=examples(1.0))
@given(article_body)
def test_cleaning_cleaned_text_keeps_its_paragraphs(body: str) -> None:
    """Cleaning is a fixed point after the first pass: what survives a second pass once survives it again."""
    once = clean_article(article_text(clean_article(body).paragraphs)).paragraphs
    twice = clean_article(article_text(once)).paragraphs
    assert twice == once


@given(st.one_of(any_text, news_text))
def test_repaired_text_is_storable_apart_from_lone_surrogates(text: str) -> None:
    fixed, repairs = repaired_text(text)
    assert storable(fixed) or not storable(text)
    assert unicodedata.is_normalized("NFC", fixed)
    if fixed != text:
        assert repairs, "text changed without a repair note"
