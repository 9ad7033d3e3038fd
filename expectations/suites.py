"""One Great Expectations suite per warehouse table, named after it.

Columns come from `warehouse.schemas`: the generic checks (column set, required columns, key) are generated
from each `TableSpec`, and the few columns named for a specific rule go through `_column`, which fails at import
if the schema no longer has them. Cross-table rules (a paragraph's article exists, a mention lies inside its
paragraph, ...) are derived boolean columns computed by `expectations.prepare` and declared here as `Check`s,
so GX reports them like any other expectation. The enumerated value sets below are the one place the values
documented in `spec/EXTRACTION.md`, `docs/dates.md`, `docs/quantities.md` and `docs/cleaning.md` are listed.

Most expectations judge one row, and a run sets aside just the article of a failing row. The ones that guard the
warehouse as a whole (the column set, unique keys, a child row's parent exists) carry `meta={"guards": "warehouse"}`
(`guards_warehouse`): their failure quarantines the whole batch.
"""

from __future__ import annotations

import datetime
import re
from collections.abc import Callable
from dataclasses import dataclass

import great_expectations as gx
import great_expectations.expectations as gxe
import pyarrow as pa

from transforms._data import rules
from transforms.stories import SOURCES as STORY_SOURCES
from warehouse.schemas import (
    ARTICLE_STORIES,
    ARTICLES,
    DATE_MENTIONS,
    INPUTS,
    LOCATION_MENTIONS,
    PARAGRAPH_GROUPS,
    PARAGRAPHS,
    PLACES,
    QUANTITY_MENTIONS,
    REJECTS,
    REMOVED_LINES,
    RUNS,
    TABLES,
    TableSpec,
)

# Enumerated value sets (documented in the schema descriptions and the docs named above).
PUBLISHED_DATE_SOURCES = ("metadata", "html", "dateline", "warc", "inferred", "none")
INPUT_FORMATS = ("txt", "html", "jsonl", "warc", "multinews")
TIMEX_TYPES = ("DATE", "TIME", "DURATION", "SET")
GRANULARITIES = ("day", "week", "month", "quarter", "year", "decade", "century")
FEATURES = ("country", "admin1", "admin2", "city", "region", "physical")
RUN_STATUSES = ("completed", "failed_validation", "failed", "rollback")
REJECT_STAGES = ("discover", "read", "parse", "transform", "validate")
REMOVAL_REASONS = (
    "repeated_title", "byline", "source_line", "dateline", "timestamp", "article_meta", "link_teaser", "more_from",
    "related_list", "related_headlines", "newsletter", "advertisement", "cookie_notice", "social_follow",
    "contact", "credit", "copyright", "image_credit", "caption", "comments", "call_to_action", "tags",
    "navigation", "interface", "foreign_language",
)
# Units without a data-file entry (docs/quantities.md "Units"); measures and time units (ages) come from
# the quantities module's unit lexicon so a unit added there is accepted here without a second edit.
BASE_UNITS = ("count", "percent", "percentage point", "fraction")
CURRENCY_UNIT_PATTERN = r"currency:[A-Za-z]{2,5}"

# Plausible windows. Mentions reach back to "the 5th century" and forward to "by 2100"; a publication
# date before 1900 is a parsing error. One day of slack absorbs time zones ahead of UTC.
MENTION_DATE_MIN = datetime.date(1, 1, 1)
MENTION_DATE_MAX = datetime.date(2199, 12, 31)
PUBLISHED_DATE_MIN = datetime.date(1900, 1, 1)
TIMEZONE_SLACK = datetime.timedelta(days=1)


# `meta` of an expectation that guards the warehouse as a whole rather than one row.
WAREHOUSE_GUARD = {"guards": "warehouse"}


@dataclass(frozen=True)
class Check:
    """A derived boolean column computed by `expectations.prepare`; null means "not applicable"."""

    table: str
    column: str
    description: str
    evidence: tuple[str, ...]  # schema columns shown next to a failing row
    guards_warehouse: bool = False  # referential integrity (a parent row exists), not a rule of one row


def _column(spec: TableSpec, name: str) -> str:
    """`name`, after checking that the table's schema has it (a renamed column fails at import)."""
    if name not in spec.columns:
        raise KeyError(f"{spec.name} has no column {name!r}")
    return name


def _check(spec: TableSpec, column: str, description: str, *evidence: str) -> Check:
    return Check(spec.name, column, description, tuple(_column(spec, e) for e in evidence))


def _parent_check(spec: TableSpec, column: str, description: str, *evidence: str) -> Check:
    """A check that a row's parent exists: it guards the warehouse (an orphan is a bug, not a bad article)."""
    return Check(spec.name, column, description, tuple(_column(spec, e) for e in evidence), guards_warehouse=True)


def guards_warehouse(config: dict) -> bool:
    """Whether an expectation (its JSON config) guards the warehouse as a whole rather than one row."""
    return (config.get("meta") or {}).get("guards") == WAREHOUSE_GUARD["guards"]


def _guard(expectation: gxe.Expectation) -> gxe.Expectation:
    expectation.meta = dict(WAREHOUSE_GUARD)
    return expectation


_MENTION_SPECS = (DATE_MENTIONS, QUANTITY_MENTIONS, LOCATION_MENTIONS)

ARTICLE_HAS_PARAGRAPH = _check(ARTICLES, "check_has_paragraph", "the article has at least one paragraph",
                               "article_id", "n_paragraphs")
ARTICLE_PARAGRAPH_COUNT = _check(ARTICLES, "check_paragraph_count", "n_paragraphs equals its paragraph rows",
                                 "article_id", "n_paragraphs")
ARTICLE_N_CHARS = _check(ARTICLES, "check_n_chars", "n_chars equals the length of text", "article_id", "n_chars")
ARTICLE_NOT_AFTER_INGESTION = _check(ARTICLES, "check_published_not_after_ingestion",
                                     "published_date is not after ingested_at (one day of slack)",
                                     "published_date", "ingested_at")
PARAGRAPH_ARTICLE_EXISTS = _parent_check(PARAGRAPHS, "check_article_exists", "the paragraph's article exists",
                                  "article_id")
PARAGRAPH_TEXT_MATCHES = _check(PARAGRAPHS, "check_text_matches_article",
                                "text == article.text[char_start:char_end]", "article_id", "char_start", "char_end",
                                "text")
REMOVED_LINE_ARTICLE_EXISTS = _parent_check(REMOVED_LINES, "check_article_exists", "the removed line's article exists",
                                     "article_id")
MENTION_CHECKS: dict[str, tuple[Check, ...]] = {
    spec.name: (
        _parent_check(spec, "check_paragraph_exists", "the mention's paragraph exists", "paragraph_id"),
        _check(spec, "check_same_article", "article_id equals its paragraph's article_id",
               "article_id", "paragraph_id"),
        _check(spec, "check_span_inside_paragraph", "0 <= char_start < char_end <= len(paragraph.text)",
               "paragraph_id", "char_start", "char_end"),
        _check(spec, "check_text_matches_span", "text == paragraph.text[char_start:char_end]",
               "paragraph_id", "char_start", "char_end", "text"),
    )
    for spec in _MENTION_SPECS
}
LOCATION_PLACE_EXISTS = _parent_check(LOCATION_MENTIONS, "check_place_exists", "the resolved geonameid is in places",
                               "geonameid")

CHECKS: dict[str, tuple[Check, ...]] = {
    ARTICLES.name: (ARTICLE_HAS_PARAGRAPH, ARTICLE_PARAGRAPH_COUNT, ARTICLE_N_CHARS, ARTICLE_NOT_AFTER_INGESTION),
    PARAGRAPHS.name: (PARAGRAPH_ARTICLE_EXISTS, PARAGRAPH_TEXT_MATCHES),
    REMOVED_LINES.name: (REMOVED_LINE_ARTICLE_EXISTS,),
    DATE_MENTIONS.name: MENTION_CHECKS[DATE_MENTIONS.name],
    QUANTITY_MENTIONS.name: MENTION_CHECKS[QUANTITY_MENTIONS.name],
    LOCATION_MENTIONS.name: (*MENTION_CHECKS[LOCATION_MENTIONS.name], LOCATION_PLACE_EXISTS),
}


def unit_pattern() -> str:
    """Regex a `quantity_mentions.unit` must match: base units, known measures and time units, or currency:CODE."""
    lexicon = rules("quantities_units")
    names = sorted({*BASE_UNITS, *lexicon["measures"], *lexicon["time_units"]}, key=len, reverse=True)
    return rf"^(?:{CURRENCY_UNIT_PATTERN}|{'|'.join(re.escape(n) for n in names)})$"


def _described(expectation: gxe.Expectation, text: str) -> gxe.Expectation:
    expectation.description = text
    return expectation


def _suite(spec: TableSpec, extra: list[gxe.Expectation], checks: tuple[Check, ...] = ()) -> gx.ExpectationSuite:
    """The generic expectations every table gets from its spec, then `extra`, then one per derived check."""
    suite = gx.ExpectationSuite(name=spec.name)
    suite.add_expectation(_guard(gxe.ExpectTableColumnsToMatchSet(
        column_set=[*spec.columns, *(c.column for c in checks)], exact_match=True)))
    for field in spec.schema:
        if not field.nullable:
            suite.add_expectation(gxe.ExpectColumnValuesToNotBeNull(column=field.name))
    suite.add_expectation(_unique(list(spec.key)))
    for expectation in extra:
        suite.add_expectation(expectation)
    for check in checks:
        expectation = _described(gxe.ExpectColumnValuesToBeInSet(column=check.column, value_set=[True]),
                                 check.description)
        suite.add_expectation(_guard(expectation) if check.guards_warehouse else expectation)
    return suite


def _unique(columns: list[str]) -> gxe.Expectation:
    """The columns are unique together: a key, which guards the warehouse."""
    if len(columns) == 1:
        return _guard(gxe.ExpectColumnValuesToBeUnique(column=columns[0]))
    return _guard(gxe.ExpectCompoundColumnsToBeUnique(column_list=columns))


def _in_set(spec: TableSpec, name: str, values: tuple[str, ...]) -> gxe.Expectation:
    return gxe.ExpectColumnValuesToBeInSet(column=_column(spec, name), value_set=list(values))


_Bound = float | datetime.date | None


def _between(spec: TableSpec, name: str, low: _Bound, high: _Bound) -> gxe.Expectation:
    return gxe.ExpectColumnValuesToBeBetween(column=_column(spec, name), min_value=low, max_value=high)


def _not_below(spec: TableSpec, high: str, low: str) -> gxe.Expectation:
    """`high >= low` on rows where both are set."""
    return gxe.ExpectColumnPairValuesAToBeGreaterThanB(
        column_A=_column(spec, high), column_B=_column(spec, low), or_equal=True,
        ignore_row_if="either_value_is_missing")


def _dates_in_window(spec: TableSpec, low: datetime.date, high: datetime.date) -> list[gxe.Expectation]:
    """Every date column of the table within [low, high]."""
    return [_between(spec, f.name, low, high) for f in spec.schema if f.type == pa.date32()]


def _mention_span(spec: TableSpec) -> list[gxe.Expectation]:
    return [_between(spec, "char_start", 0, None), _not_below(spec, "char_end", "char_start")]


def articles(now: datetime.datetime | None = None) -> gx.ExpectationSuite:
    """Suite for `articles`; `now` (the ingestion time) bounds published_date from above."""
    latest = (now + TIMEZONE_SLACK).date() if now is not None else None
    return _suite(ARTICLES, [
        _between(ARTICLES, "published_date", PUBLISHED_DATE_MIN, latest),
        _in_set(ARTICLES, "published_date_source", PUBLISHED_DATE_SOURCES),
        _in_set(ARTICLES, "input_format", INPUT_FORMATS),
        gxe.ExpectColumnValuesToMatchRegex(column=_column(ARTICLES, "language"), regex=r"^[a-z]{2}$"),
        gxe.ExpectColumnValuesToMatchRegex(column=_column(ARTICLES, "content_sha256"), regex=r"^[0-9a-f]{64}$"),
        _between(ARTICLES, "n_paragraphs", 1, None),
        _between(ARTICLES, "n_chars", 1, None),
    ], CHECKS[ARTICLES.name])


def paragraphs(now: datetime.datetime | None = None) -> gx.ExpectationSuite:
    """Suite for `paragraphs`."""
    return _suite(PARAGRAPHS, [
        _unique([_column(PARAGRAPHS, "article_id"), _column(PARAGRAPHS, "ordinal")]),
        _between(PARAGRAPHS, "ordinal", 0, None),
        _between(PARAGRAPHS, "char_start", 0, None),
        _not_below(PARAGRAPHS, "char_end", "char_start"),
        _between(PARAGRAPHS, "n_words", 0, None),
    ], CHECKS[PARAGRAPHS.name])


def removed_lines(now: datetime.datetime | None = None) -> gx.ExpectationSuite:
    """Suite for `removed_lines`."""
    return _suite(REMOVED_LINES, [
        _between(REMOVED_LINES, "line_no", 1, None),
        _in_set(REMOVED_LINES, "reason", REMOVAL_REASONS),
    ], CHECKS[REMOVED_LINES.name])


def date_mentions(now: datetime.datetime | None = None) -> gx.ExpectationSuite:
    """Suite for `date_mentions`."""
    return _suite(DATE_MENTIONS, [
        *_mention_span(DATE_MENTIONS),
        _in_set(DATE_MENTIONS, "timex_type", TIMEX_TYPES),
        _in_set(DATE_MENTIONS, "granularity", GRANULARITIES),
        _not_below(DATE_MENTIONS, "end_date", "start_date"),
        *_dates_in_window(DATE_MENTIONS, MENTION_DATE_MIN, MENTION_DATE_MAX),
    ], CHECKS[DATE_MENTIONS.name])


def quantity_mentions(now: datetime.datetime | None = None) -> gx.ExpectationSuite:
    """Suite for `quantity_mentions`."""
    return _suite(QUANTITY_MENTIONS, [
        *_mention_span(QUANTITY_MENTIONS),
        _not_below(QUANTITY_MENTIONS, "high", "low"),
        gxe.ExpectColumnValuesToMatchRegex(column=_column(QUANTITY_MENTIONS, "unit"), regex=unit_pattern()),
    ], CHECKS[QUANTITY_MENTIONS.name])


def _coordinates(spec: TableSpec) -> list[gxe.Expectation]:
    return [
        _between(spec, "latitude", -90.0, 90.0),
        _between(spec, "longitude", -180.0, 180.0),
        _in_set(spec, "feature", FEATURES),
        gxe.ExpectColumnValuesToMatchRegex(column=_column(spec, "country_code"), regex=r"^[A-Z]{2}$"),
    ]


def location_mentions(now: datetime.datetime | None = None) -> gx.ExpectationSuite:
    """Suite for `location_mentions`."""
    return _suite(LOCATION_MENTIONS, [
        *_mention_span(LOCATION_MENTIONS),
        *_coordinates(LOCATION_MENTIONS),
        _between(LOCATION_MENTIONS, "confidence", 0.0, 1.0),
    ], CHECKS[LOCATION_MENTIONS.name])


def places(now: datetime.datetime | None = None) -> gx.ExpectationSuite:
    """Suite for `places`."""
    return _suite(PLACES, [*_coordinates(PLACES), _between(PLACES, "population", 0, None)])


def article_stories(now: datetime.datetime | None = None) -> gx.ExpectationSuite:
    """Suite for `article_stories`."""
    return _suite(ARTICLE_STORIES, [_in_set(ARTICLE_STORIES, "story_id_source", STORY_SOURCES)])


def paragraph_groups(now: datetime.datetime | None = None) -> gx.ExpectationSuite:
    """Suite for `paragraph_groups`."""
    return _suite(PARAGRAPH_GROUPS, [])


def runs(now: datetime.datetime | None = None) -> gx.ExpectationSuite:
    """Suite for `runs`."""
    counts = [f.name for f in RUNS.schema if f.name.startswith("n_")]
    return _suite(RUNS, [
        _in_set(RUNS, "status", RUN_STATUSES),
        _not_below(RUNS, "finished_at", "started_at"),
        *(_between(RUNS, name, 0, None) for name in counts),
        gxe.ExpectColumnValuesToBeJsonParseable(column=_column(RUNS, "stage_seconds")),
    ])


def rejects(now: datetime.datetime | None = None) -> gx.ExpectationSuite:
    """Suite for `rejects`."""
    return _suite(REJECTS, [_in_set(REJECTS, "stage", REJECT_STAGES)])


def inputs(now: datetime.datetime | None = None) -> gx.ExpectationSuite:
    """Suite for `inputs` (the manifest)."""
    return _suite(INPUTS, [
        gxe.ExpectColumnValuesToMatchRegex(column=_column(INPUTS, "content_sha256"), regex=r"^[0-9a-f]{64}$"),
    ])


SUITES: dict[str, Callable[[datetime.datetime | None], gx.ExpectationSuite]] = {
    ARTICLES.name: articles,
    PARAGRAPHS.name: paragraphs,
    REMOVED_LINES.name: removed_lines,
    DATE_MENTIONS.name: date_mentions,
    QUANTITY_MENTIONS.name: quantity_mentions,
    LOCATION_MENTIONS.name: location_mentions,
    PLACES.name: places,
    ARTICLE_STORIES.name: article_stories,
    PARAGRAPH_GROUPS.name: paragraph_groups,
    RUNS.name: runs,
    REJECTS.name: rejects,
    INPUTS.name: inputs,
}

if set(SUITES) != set(TABLES):  # a table added to the schemas must get a suite
    raise RuntimeError(f"suites and tables differ: {sorted(set(SUITES) ^ set(TABLES))}")
