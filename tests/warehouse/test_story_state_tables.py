"""Tests for warehouse/story_state_tables.py: state rows survive a round trip through Arrow and DuckDB."""

from __future__ import annotations

import dataclasses
import datetime

import duckdb

from transforms.stories import ArticleState, StoryArticle, stories_from_scratch, term_key
from warehouse.story_state_tables import STORY_ARTICLE_TERMS, story_state_rows, story_state_table


def test_state_rows_round_trip_through_arrow_and_duckdb() -> None:
    day = datetime.date(2021, 3, 4)
    rows = stories_from_scratch([
        StoryArticle("a", "Severn floods", "Water reached Bewdley and Frankwell overnight.", day, None),
        StoryArticle("b", None, "", day + datetime.timedelta(days=9), "input-story"),
    ]).state_inserted
    state = story_state_table(rows)
    assert state.schema.equals(STORY_ARTICLE_TERMS.schema, check_metadata=True)
    assert story_state_rows(state) == list(rows)
    # A date-span read, as the incremental update asks for one.
    got = duckdb.sql(f"SELECT * FROM state WHERE date BETWEEN DATE '{day}' AND DATE '{day}'").to_arrow_table()
    assert story_state_rows(got) == [rows[0]]


def test_state_row_fields_are_the_schema_columns_and_keys_follow_the_terms() -> None:
    assert [f.name for f in dataclasses.fields(ArticleState)] == [c for c in STORY_ARTICLE_TERMS.columns
                                                                  if c != "keys"]
    row = stories_from_scratch([StoryArticle("a", "Severn floods", "Water reached Bewdley.", datetime.date(2021, 3, 4),
                                             None)]).state_inserted[0]
    table = story_state_table([row])
    assert table.column("keys").to_pylist() == [[term_key(t.term) for t in row.terms]]
    assert len(row.weights) == len(row.terms) and set(row.indexed) <= set(table.column("keys")[0].as_py())
