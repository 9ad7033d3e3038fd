"""The expectation suites pass on clean rows and name the right expectation, with example rows, on broken ones."""

from __future__ import annotations

import datetime
import json
import pathlib
import re

import pytest

from expectations import suites
from expectations.validate import ValidationReport, build_data_docs, validate_tables
from warehouse.schemas import TABLES, table_from_rows

PROJECT = pathlib.Path(__file__).resolve().parents[2]
INGESTED = datetime.datetime(2018, 2, 14, 9, 30, tzinfo=datetime.UTC)
RUN = "run-1"
BODY_A = "Rebels shelled Aleppo on Tuesday.\n\nMore than 200 fighters died in 2017."
BODY_B = "Prices rose 3 percent in Paris last week."


def _paragraph_rows(article_id: str, body: str) -> list[dict]:
    rows, start = [], 0
    for ordinal, text in enumerate(body.split("\n\n")):
        rows.append({"paragraph_id": f"{article_id}-p{ordinal}", "article_id": article_id, "ordinal": ordinal,
                     "text": text, "char_start": start, "char_end": start + len(text),
                     "n_words": len(text.split()), "run_id": RUN})
        start += len(text) + 2
    return rows


def _mention(paragraph: dict, surface: str, n: int) -> dict:
    start = paragraph["text"].index(surface)
    return {"mention_id": f"{paragraph['paragraph_id']}-m{n}", "article_id": paragraph["article_id"],
            "paragraph_id": paragraph["paragraph_id"], "char_start": start, "char_end": start + len(surface),
            "text": surface}


def _clean() -> dict[str, list[dict]]:
    """One consistent batch of every table, written by hand."""
    articles = [
        {"article_id": aid, "source_uri": f"in/{aid}.txt", "title": "T", "published_date": datetime.date(2018, 2, 14),
         "published_date_source": "metadata", "language": "en", "input_format": "txt", "text": body,
         "n_paragraphs": body.count("\n\n") + 1, "n_chars": len(body), "content_sha256": "ab" * 32,
         "run_id": RUN, "ingested_at": INGESTED}
        for aid, body in (("a1", BODY_A), ("a2", BODY_B))
    ]
    paragraphs = _paragraph_rows("a1", BODY_A) + _paragraph_rows("a2", BODY_B)
    p0, p1, p2 = paragraphs
    dates = [
        {**_mention(p0, "Tuesday", 0), "timex_type": "DATE", "value": "2018-02-13", "start_date": datetime.date(2018, 2, 13),
         "end_date": datetime.date(2018, 2, 13), "granularity": "day", "is_relative": True,
         "anchor_date": datetime.date(2018, 2, 14), "run_id": RUN},
        {**_mention(p1, "2017", 0), "timex_type": "DATE", "value": "2017", "start_date": datetime.date(2017, 1, 1),
         "end_date": datetime.date(2017, 12, 31), "granularity": "year", "is_relative": False, "run_id": RUN},
        {**_mention(p2, "last week", 0), "timex_type": "DATE", "value": "2018-W06", "start_date": datetime.date(2018, 2, 5),
         "end_date": datetime.date(2018, 2, 11), "granularity": "week", "is_relative": True, "run_id": RUN},
    ]
    quantities = [
        {**_mention(p1, "More than 200 fighters", 0), "low": 200.0, "high": None, "low_inclusive": False,
         "approximate": False, "vague": False, "unit": "count", "noun": "fighters", "qualifier": "more than",
         "run_id": RUN},
        {**_mention(p2, "3 percent", 0), "low": 3.0, "high": 3.0, "low_inclusive": True, "high_inclusive": True,
         "approximate": False, "vague": False, "unit": "percent", "run_id": RUN},
    ]
    locations = [
        {**_mention(p0, "Aleppo", 0), "geonameid": 170063, "name": "Aleppo", "feature": "city", "country_code": "SY",
         "latitude": 36.2, "longitude": 37.16, "confidence": 0.9, "is_modifier": False, "run_id": RUN},
        {**_mention(p2, "Paris", 0), "geonameid": 2988507, "name": "Paris", "feature": "city", "country_code": "FR",
         "latitude": 48.85, "longitude": 2.35, "confidence": 0.95, "is_modifier": False, "run_id": RUN},
    ]
    places = [
        {"geonameid": 170063, "name": "Aleppo", "feature": "city", "country_code": "SY", "latitude": 36.2,
         "longitude": 37.16, "population": 1602264},
        {"geonameid": 2988507, "name": "Paris", "feature": "city", "country_code": "FR", "latitude": 48.85,
         "longitude": 2.35, "population": 2138551},
    ]
    return {
        "articles": articles,
        "paragraphs": paragraphs,
        "removed_lines": [{"article_id": "a1", "line_no": 1, "text": "By Jane Doe", "reason": "byline", "run_id": RUN}],
        "date_mentions": dates,
        "quantity_mentions": quantities,
        "location_mentions": locations,
        "places": places,
        "article_stories": [{"article_id": "a1", "story_id": "story-a1", "story_id_source": "similarity"},
                            {"article_id": "a2", "story_id": "story-a1", "story_id_source": "similarity"}],
        "paragraph_groups": [{"paragraph_id": p["paragraph_id"], "dup_group": p["paragraph_id"]} for p in paragraphs],
        "runs": [{"run_id": RUN, "started_at": INGESTED, "finished_at": INGESTED + datetime.timedelta(seconds=5),
                  "status": "completed", "n_files_seen": 2, "n_files_new": 2, "n_articles": 2, "n_rejected": 1,
                  "code_version": "0.1", "stage_seconds": '{"read": 0.1}'}],
        "rejects": [{"run_id": RUN, "source_uri": "in/bad.jsonl#3", "stage": "parse", "reason": "bad_json"}],
        "inputs": [{"source_uri": f"in/{aid}.txt", "fingerprint": "120:1518600000", "content_sha256": "cd" * 32,
                    "article_ids": [aid], "run_id": RUN} for aid in ("a1", "a2")],
    }


def _tables(rows: dict[str, list[dict]]) -> dict:
    return {name: table_from_rows(TABLES[name], r) for name, r in rows.items()}


def _failure(report: ValidationReport, table: str, expectation: str):
    """The failure of `table` whose readable name starts with `expectation`; fails the test if absent."""
    found = [f for f in report.failures if f.table == table and f.expectation.startswith(expectation)]
    assert found, f"{expectation} did not fail on {table}: {report.message()}"
    return found[0]


def test_clean_batch_passes_every_suite() -> None:
    report = validate_tables(_tables(_clean()), now=INGESTED)
    assert report.success, report.message()
    assert set(report.results) == set(TABLES)
    assert report.n_expectations > 100
    json.dumps(report.results)  # the quarantine folder stores it as JSON


def test_every_table_has_a_suite_named_after_it() -> None:
    for name in TABLES:
        assert suites.SUITES[name](None).name == name


def _broken(table: str, index: int, **changes: object) -> dict[str, list[dict]]:
    rows = _clean()
    rows[table][index] = {**rows[table][index], **changes}
    return rows


CASES = [
    # (description, rows, table, expectation, a column the example rows must show)
    ("duplicate key", lambda: _broken("paragraphs", 1, paragraph_id="a1-p0"),
     "paragraphs", "expect_column_values_to_be_unique(paragraph_id)", "paragraph_id"),
    ("duplicate compound key", lambda: _broken("rejects", 0) | {"rejects": _clean()["rejects"] * 2},
     "rejects", "expect_compound_columns_to_be_unique(run_id, source_uri, stage, reason)", "source_uri"),
    ("null key", lambda: _broken("date_mentions", 0, mention_id=None),
     "date_mentions", "expect_column_values_to_not_be_null(mention_id)", "mention_id"),
    ("null required column", lambda: _broken("runs", 0, started_at=None),
     "runs", "expect_column_values_to_not_be_null(started_at)", "run_id"),
    ("orphan paragraph", lambda: _broken("paragraphs", 2, article_id="a9"),
     "paragraphs", "expect_column_values_to_be_in_set(check_article_exists)", "article_id"),
    ("paragraph text not the article slice", lambda: _broken("paragraphs", 0, text="Rebels shelled Aleppo on Monday."),
     "paragraphs", "expect_column_values_to_be_in_set(check_text_matches_article)", "char_start"),
    ("mention span outside paragraph", lambda: _broken("location_mentions", 0, char_start=100, char_end=106),
     "location_mentions", "expect_column_values_to_be_in_set(check_span_inside_paragraph)", "char_end"),
    ("mention text not its span", lambda: _broken("date_mentions", 0, text="Monday"),
     "date_mentions", "expect_column_values_to_be_in_set(check_text_matches_span)", "text"),
    ("orphan mention", lambda: _broken("quantity_mentions", 0, paragraph_id="a1-p7"),
     "quantity_mentions", "expect_column_values_to_be_in_set(check_paragraph_exists)", "paragraph_id"),
    ("low > high", lambda: _broken("quantity_mentions", 1, low=5.0, high=3.0),
     "quantity_mentions", "expect_column_pair_values_a_to_be_greater_than_b(high, low)", "low"),
    ("latitude 123", lambda: _broken("location_mentions", 1, latitude=123.0),
     "location_mentions", "expect_column_values_to_be_between(latitude)", "latitude"),
    ("place latitude 123", lambda: _broken("places", 1, latitude=123.0),
     "places", "expect_column_values_to_be_between(latitude)", "geonameid"),
    ("start_date > end_date", lambda: _broken("date_mentions", 1, start_date=datetime.date(2018, 1, 1)),
     "date_mentions", "expect_column_pair_values_a_to_be_greater_than_b(end_date, start_date)", "start_date"),
    ("implausible date", lambda: _broken("date_mentions", 1, end_date=datetime.date(2999, 12, 31)),
     "date_mentions", "expect_column_values_to_be_between(end_date)", "end_date"),
    ("published_date after ingestion", lambda: _broken("articles", 0, published_date=datetime.date(2018, 3, 1)),
     "articles", "expect_column_values_to_be_between(published_date)", "published_date"),
    ("unknown timex_type", lambda: _broken("date_mentions", 2, timex_type="INTERVAL"),
     "date_mentions", "expect_column_values_to_be_in_set(timex_type)", "timex_type"),
    ("unknown feature", lambda: _broken("location_mentions", 0, feature="town"),
     "location_mentions", "expect_column_values_to_be_in_set(feature)", "feature"),
    ("unknown unit prefix", lambda: _broken("quantity_mentions", 1, unit="money:USD"),
     "quantity_mentions", "expect_column_values_to_match_regex(unit)", "unit"),
    ("unknown reason code", lambda: _broken("removed_lines", 0, reason="junk"),
     "removed_lines", "expect_column_values_to_be_in_set(reason)", "line_no"),
    ("unknown run status", lambda: _broken("runs", 0, status="done"),
     "runs", "expect_column_values_to_be_in_set(status)", "status"),
    ("article with no paragraph", lambda: _clean() | {"paragraphs": _paragraph_rows("a1", BODY_A)},
     "articles", "expect_column_values_to_be_in_set(check_has_paragraph)", "article_id"),
    ("n_paragraphs disagrees", lambda: _broken("articles", 0, n_paragraphs=3),
     "articles", "expect_column_values_to_be_in_set(check_paragraph_count)", "n_paragraphs"),
    ("mention's place missing", lambda: _clean() | {"places": _clean()["places"][:1]},
     "location_mentions", "expect_column_values_to_be_in_set(check_place_exists)", "geonameid"),
]


@pytest.fixture(scope="module")
def reports() -> dict[str, ValidationReport]:
    """Every broken batch validated once (GX validation is the slow part)."""
    out = {}
    for desc, make, table, *_ in CASES:
        # Only the broken table is validated; the rest of the batch serves as its context (keeps the run short).
        rows = _tables(make())
        out[desc] = validate_tables({table: rows.pop(table)}, context_tables=rows, now=INGESTED)
    return out


@pytest.mark.parametrize(("desc", "table", "expectation", "shown"),
                         [(c[0], c[2], c[3], c[4]) for c in CASES], ids=[c[0] for c in CASES])
def test_broken_rows_fail_the_right_expectation(reports: dict[str, ValidationReport], desc: str, table: str,
                                                expectation: str, shown: str) -> None:
    report = reports[desc]
    assert not report.success
    assert set(report.results) == {table}
    failure = _failure(report, table, expectation)
    assert failure.unexpected_count >= 1
    assert failure.examples, "a failure must come with example rows"
    assert all(shown in row for row in failure.examples)
    for key in TABLES[table].key:
        assert key in failure.examples[0]


def test_published_date_after_ingestion_fails_without_now() -> None:
    report = validate_tables(_tables(_broken("articles", 1, published_date=datetime.date(2018, 2, 20))))
    failure = _failure(report, "articles", "expect_column_values_to_be_in_set(check_published_not_after_ingestion)")
    assert failure.examples[0]["article_id"] == "a2"


def test_context_tables_supply_parents_a_batch_lacks() -> None:
    rows = _clean()
    parents = {name: table_from_rows(TABLES[name], rows[name]) for name in ("articles", "paragraphs", "places")}
    mentions = {name: table_from_rows(TABLES[name], rows[name])
                for name in ("date_mentions", "quantity_mentions", "location_mentions")}
    assert validate_tables(mentions, context_tables=parents).success
    orphans = validate_tables(mentions)
    _failure(orphans, "date_mentions", "expect_column_values_to_be_in_set(check_paragraph_exists)")


def test_batch_rows_win_over_context_rows() -> None:
    rows = _clean()
    stale = [{**a, "text": a["text"].upper()} for a in rows["articles"]]
    report = validate_tables(_tables({"paragraphs": rows["paragraphs"], "articles": rows["articles"]}),
                             context_tables={"articles": table_from_rows(TABLES["articles"], stale)})
    assert report.success, report.message()


def test_unknown_table_is_an_error() -> None:
    with pytest.raises(ValueError, match="unknown tables"):
        validate_tables({"nonsense": table_from_rows(TABLES["runs"], [])})


def test_message_names_failed_expectations_and_rows() -> None:
    report = validate_tables(_tables(_broken("quantity_mentions", 1, low=5.0, high=3.0)))
    text = report.message()
    assert "quantity_mentions: expect_column_pair_values_a_to_be_greater_than_b(high, low)" in text
    assert "a2-p0-m0" in text


def test_data_docs_are_written(tmp_path: pathlib.Path) -> None:
    report = validate_tables(_tables(_broken("places", 0, longitude=200.0)))
    index = pathlib.Path(build_data_docs(report, str(tmp_path / "docs")))
    page = index.read_text(encoding="utf-8")
    assert "expect_column_values_to_be_between(longitude)" in page
    assert "FAILED" in page and "170063" in page and "places (2 rows)" in page
    assert json.loads((index.parent / "results.json").read_text(encoding="utf-8"))["places"]["success"] is False


def test_value_sets_match_the_schema_descriptions() -> None:
    """The enumerated sets are the ones the schema documents (drift in either place fails here)."""
    described = {
        ("articles", "published_date_source"): suites.PUBLISHED_DATE_SOURCES,
        ("articles", "input_format"): suites.INPUT_FORMATS,
        ("date_mentions", "timex_type"): suites.TIMEX_TYPES,
        ("date_mentions", "granularity"): suites.GRANULARITIES,
        ("location_mentions", "feature"): suites.FEATURES,
        ("places", "feature"): suites.FEATURES,
        ("runs", "status"): suites.RUN_STATUSES,
        ("rejects", "stage"): suites.REJECT_STAGES,
    }
    for (table, column), values in described.items():
        words = set(re.findall(r"[A-Za-z_0-9]+", TABLES[table].description_of(column)))
        assert set(values) <= words, (table, column, set(values) - words)


def test_removal_reasons_match_docs_and_rules() -> None:
    """Every reason code in docs/cleaning.md and in the boilerplate rules is accepted, and no other."""
    doc = (PROJECT / "docs" / "cleaning.md").read_text(encoding="utf-8")
    section = doc.split("## Reason codes", 1)[1].split("\n## ", 1)[0]
    documented = set(re.findall(r"^\| `([a-z_]+)` \|", section, flags=re.MULTILINE))
    assert documented == set(suites.REMOVAL_REASONS)
    from transforms._data import rules

    assert {r["reason"] for r in rules("boilerplate")["rules"]} <= documented


def test_unit_pattern_accepts_documented_units() -> None:
    pattern = re.compile(suites.unit_pattern())
    for unit in ("count", "percent", "percentage point", "fraction", "currency:USD", "currency:cent",
                 "currency:GBp", "km", "tonne", "km/h", "year", "month"):
        assert pattern.match(unit), unit
    for unit in ("money:USD", "currency:", "kilometres", "", "Count"):
        assert not pattern.match(unit), unit


def test_pandas_frames_with_datetime64_dates_are_validated_as_dates() -> None:
    """DuckDB's `.df()` returns date columns as datetime64; the date rules must still apply."""
    import pandas as pd

    rows = _clean()
    frames = {name: table_from_rows(TABLES[name], rows[name]).to_pandas() for name in ("articles", "paragraphs")}
    frames["articles"]["published_date"] = pd.to_datetime(frames["articles"]["published_date"])
    assert validate_tables(frames, now=INGESTED).success
    frames["articles"].loc[0, "published_date"] = pd.Timestamp("2018-03-01")
    failed = validate_tables(frames, now=INGESTED)
    assert _failure(failed, "articles", "expect_column_values_to_be_between(published_date)").examples[0][
        "published_date"] == "2018-03-01"


def test_unknown_story_source_fails() -> None:
    report = validate_tables(_tables(_broken("article_stories", 0, story_id_source="guessed")), now=INGESTED)
    assert not report.success
    assert _failure(report, "article_stories", "expect_column_values_to_be_in_set")
