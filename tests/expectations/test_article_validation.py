"""Validation by article: a failing row sets its article aside; keys, the column set and parent rows guard the batch."""

from __future__ import annotations

import datetime

import pytest

from expectations import suites
from expectations.validate import ArticleVerdict, validate_articles, without_articles
from tests.expectations.test_suites import INGESTED, _broken, _clean, _tables
from warehouse.schemas import ARTICLE_TABLES, TABLES


def _article_tables(rows: dict[str, list[dict]]) -> dict:
    """The tables a run stages for its articles."""
    return _tables({name: rows[name] for name in ARTICLE_TABLES})


def _both_broken() -> dict[str, list[dict]]:
    rows = _broken("articles", 0, published_date=datetime.date(1884, 3, 17))
    rows["quantity_mentions"][1] = {**rows["quantity_mentions"][1], "low": 5.0, "high": 3.0}
    return rows


CASES = {
    "row-level in two articles": _both_broken,
    "paragraph text off its article": lambda: _broken("paragraphs", 0, text="Rebels shelled Aleppo on Monday."),
    "duplicate key": lambda: _broken("paragraphs", 1, paragraph_id="a1-p0"),
    "orphan paragraph": lambda: _broken("paragraphs", 2, article_id="a9"),
}


@pytest.fixture(scope="module")
def verdicts() -> dict[str, ArticleVerdict]:
    """Every case validated once (GX validation is the slow part)."""
    out = {}
    for desc, make in CASES.items():
        rows = make()
        out[desc] = validate_articles(_article_tables(rows), context_tables=_tables({"places": rows["places"]}),
                                      now=INGESTED)
    return out


def test_clean_batch_rejects_nothing() -> None:
    verdict = validate_articles(_article_tables(_clean()), now=INGESTED)
    assert verdict.publishable and verdict.rejected == {} and verdict.remainder is None


def test_row_level_failures_set_aside_just_their_articles(verdicts: dict[str, ArticleVerdict]) -> None:
    verdict = verdicts["row-level in two articles"]
    assert not verdict.report.success and verdict.report.only_article_failures
    assert set(verdict.rejected) == {"a1", "a2"}
    (date_fault,) = verdict.rejected["a1"]
    assert date_fault.table == "articles"
    assert date_fault.reason == "expect_column_values_to_be_between"
    assert "published_date" in date_fault.expectation and "min=1900-01-01" in date_fault.expectation
    assert "1884-03-17" in date_fault.value
    (range_fault,) = verdict.rejected["a2"]
    assert range_fault.reason == "expect_column_pair_values_a_to_be_greater_than_b"
    assert '"low": 5.0' in range_fault.value and "quantity_mentions" in range_fault.detail()
    # What is left is validated again, and passes: nothing of a1 or a2 remains.
    assert verdict.remainder is not None and verdict.remainder.success, verdict.remainder.message()
    assert verdict.remainder.results["articles"]["row_count"] == 0
    assert verdict.publishable


def test_derived_row_checks_name_their_article_and_evidence(verdicts: dict[str, ArticleVerdict]) -> None:
    verdict = verdicts["paragraph text off its article"]
    assert set(verdict.rejected) == {"a1"} and verdict.publishable
    reasons = {f.reason for f in verdict.rejected["a1"]}
    assert "check_text_matches_article" in reasons
    fault = next(f for f in verdict.rejected["a1"] if f.reason == "check_text_matches_article")
    assert "on Monday" in fault.value and '"char_start": 0' in fault.value
    assert verdict.remainder is not None and verdict.remainder.results["articles"]["row_count"] == 1


@pytest.mark.parametrize("desc", ["duplicate key", "orphan paragraph"])
def test_warehouse_guards_block_the_batch(verdicts: dict[str, ArticleVerdict], desc: str) -> None:
    verdict = verdicts[desc]
    assert not verdict.publishable
    assert verdict.rejected == {} and verdict.remainder is None
    assert not verdict.report.only_article_failures


def test_without_articles_drops_every_table_of_the_article() -> None:
    tables = _tables(_clean())
    kept = without_articles(tables, {"a1"})
    for name in ARTICLE_TABLES:
        assert "a1" not in kept[name]["article_id"].to_pylist(), name
        assert kept[name].num_rows == sum(a != "a1" for a in tables[name]["article_id"].to_pylist())
    assert kept["places"].num_rows == tables["places"].num_rows
    frames = without_articles({"articles": tables["articles"].to_pandas()}, ["a2"])
    assert frames["articles"]["article_id"].tolist() == ["a1"]


def test_guards_are_keys_column_sets_and_parent_checks() -> None:
    """The expectations marked as guarding the warehouse are exactly the structural ones."""
    structural = {"expect_table_columns_to_match_set", "expect_column_values_to_be_unique",
                  "expect_compound_columns_to_be_unique"}
    parents = {c.column for checks in suites.CHECKS.values() for c in checks if c.guards_warehouse}
    assert parents == {"check_article_exists", "check_paragraph_exists", "check_place_exists"}
    for name in TABLES:
        for expectation in suites.SUITES[name](INGESTED).expectations:
            config = expectation.configuration.to_json_dict()
            expected = config["type"] in structural or config["kwargs"].get("column") in parents
            assert suites.guards_warehouse(config) == expected, (name, config)
