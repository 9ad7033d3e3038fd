"""What GX is handed: the judged columns only, texts as lengths; a batch read in part validates as a whole one."""

from __future__ import annotations

import pyarrow as pa

from expectations import suites
from expectations.prepare import (
    checked_columns,
    concat_prepared,
    gx_frame,
    prepared_tables,
    read_columns,
    with_id_checks,
)
from expectations.validate import validate_articles, validate_tables
from tests.expectations.test_suites import INGESTED, _broken, _clean, _failure, _tables
from warehouse.schemas import ARTICLE_TABLES, TABLES


def _article_tables(rows: dict[str, list[dict]]) -> dict[str, pa.Table]:
    return _tables({name: rows[name] for name in ARTICLE_TABLES})


def test_no_text_reaches_pandas() -> None:
    tables = _article_tables(_clean())
    texts = {t for name in ARTICLE_TABLES for t in tables[name]["text"].to_pylist()}
    prepared = prepared_tables(tables)
    for name, table in with_id_checks(prepared).items():
        frame = gx_frame(name, table, prepared.columns[name])
        assert list(frame.columns) == [*TABLES[name].columns, *(c.column for c in suites.CHECKS.get(name, ()))]
        assert frame["text"].tolist() == [len(t) for t in tables[name]["text"].to_pylist()], name
        for column in frame.columns:
            values = frame[column].astype(object).tolist()
            assert not texts & {v for v in values if isinstance(v, str)}, (name, column)


def test_columns_no_expectation_reads_are_not_read() -> None:
    assert "title" not in read_columns("articles") and "text" in read_columns("articles")
    assert "noun" not in read_columns("quantity_mentions") and "low" in read_columns("quantity_mentions")
    assert "geonameid" in checked_columns("location_mentions")  # read by check_place_exists


def test_a_batch_read_in_part_validates_like_the_whole() -> None:
    tables = _article_tables(_clean())
    part = {name: t.select(read_columns(name)) for name, t in tables.items()}
    prepared = prepared_tables(part, columns={name: t.column_names for name, t in tables.items()})
    assert validate_tables(prepared, now=INGESTED).success
    # Without the names of the columns left unread, the column-set expectation fails.
    report = validate_tables(prepared_tables(part), now=INGESTED)
    _failure(report, "articles", "expect_table_columns_to_match_set")


def test_a_missing_unjudged_column_fails_the_column_set() -> None:
    tables = _article_tables(_clean())
    tables["articles"] = tables["articles"].drop_columns(["title"])
    report = validate_tables(tables, now=INGESTED)
    assert [f.expectation for f in report.failures] == ["expect_table_columns_to_match_set(<columns>)"]


def test_batches_prepared_apart_validate_as_one_run() -> None:
    rows = _broken("date_mentions", 0, text="Monday")
    first = {name: [r for r in rows[name] if r["article_id"] == "a1"] for name in ARTICLE_TABLES}
    second = {name: [r for r in rows[name] if r["article_id"] == "a2"] for name in ARTICLE_TABLES}
    run = concat_prepared([prepared_tables(_tables(first)), prepared_tables(_tables(second))])
    verdict = validate_articles(run, now=INGESTED)
    assert set(verdict.rejected) == {"a1"} and verdict.publishable
    (fault,) = [f for f in verdict.rejected["a1"] if f.reason == "check_text_matches_span"]
    assert '"text": "Monday"' in fault.value and "date_mentions" in fault.detail()
    assert verdict.remainder is not None and verdict.remainder.results["articles"]["row_count"] == 1
