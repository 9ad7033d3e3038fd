"""The whole article path on hostile input: read, prepare, extract; every row's offsets and ids hold."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

from hypothesis import example, given, settings
from hypothesis import strategies as st

from flows.batch import extracted
from tests.property.checks import storable
from tests.property.strategies import article_body, encoded, examples, meta_records
from transforms.formats import parsed_file
from transforms.publication import EARLIEST, FUTURE_TOLERANCE
from transforms.records import prepared_article, with_story_dates

INGESTED = dt.datetime(2024, 1, 2, 3, 4, 5, tzinfo=dt.UTC)
_ID_COLUMNS = {"articles": "article_id", "paragraphs": "paragraph_id", "date_mentions": "mention_id",
               "quantity_mentions": "mention_id", "location_mentions": "mention_id"}


@st.composite
def _input_file(draw: st.DrawFn) -> tuple[str, bytes, dict[str, Any] | None]:
    """A txt file with a sidecar's metadata, or a JSONL file whose records carry the metadata."""
    bodies = draw(st.lists(article_body, min_size=1, max_size=3))
    metas = [draw(meta_records) for _ in bodies]
    if draw(st.booleans()):
        return "/in/a.txt", encoded(bodies[0]), metas[0]
    lines = [json.dumps({**meta, "text": body}) for meta, body in zip(metas, bodies, strict=True)]
    return "/in/a.jsonl", "\n".join(lines).encode(), None


def _check_rows(tables: dict[str, list[dict[str, Any]]]) -> None:
    [article] = tables["articles"]
    text = article["text"]
    paragraphs = {}
    for p in tables["paragraphs"]:
        assert text[p["char_start"]:p["char_end"]] == p["text"], p
        paragraphs[p["paragraph_id"]] = p["text"]
    for table in ("date_mentions", "quantity_mentions", "location_mentions"):
        for m in tables.get(table, []):
            assert paragraphs[m["paragraph_id"]][m["char_start"]:m["char_end"]] == m["text"], (table, m)
            assert m["article_id"] == article["article_id"]
    for m in tables.get("quantity_mentions", []):
        if m["low"] is not None and m["high"] is not None:
            assert m["low"] <= m["high"], m
    for table, column in _ID_COLUMNS.items():
        ids = [row[column] for row in tables.get(table, [])]
        assert len(ids) == len(set(ids)), (table, ids)
    for rows in tables.values():
        for row in rows:
            for name, value in row.items():
                assert not isinstance(value, str) or storable(value), (name, value)
    published = article["published_date"]
    assert published is None or EARLIEST <= published <= INGESTED.date() + FUTURE_TOLERANCE, published


@settings(max_examples=examples(0.75))
@given(_input_file())
@example(("/in/a.txt", b"Harbour reopens\n\nBy Jane Doe\nFebruary 14, 2018\n\nIt began 2,019 years ago. About 12 "
          b"hundreds of homes in Paris, Texas lost power on Tuesday.", {"published": "9999-12-31", "id": 1}))
def test_every_row_of_every_article_holds(case: tuple[str, bytes, dict[str, Any] | None]) -> None:
    uri, data, meta = case
    articles, _ = parsed_file(uri, data, meta)
    prepared = with_story_dates([prepared_article(raw, INGESTED) for raw in articles])
    seen: dict[str, tuple[str, str]] = {}  # article id -> what it identifies
    for article in prepared:
        if not article.text:
            continue  # the batch rejects it as `no_content`
        result = extracted(article, "run-p", INGESTED, budget_seconds=600.0)
        assert result.too_slow is None, result.detail
        _check_rows(result.tables)
        article_id = result.tables["articles"][0]["article_id"]
        assert seen.setdefault(article_id, (article.raw.source_uri, article.text)) == (article.raw.source_uri,
                                                                                       article.text)
