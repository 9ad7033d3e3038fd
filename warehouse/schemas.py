"""The warehouse's tables: one pyarrow schema each, with its grain, key and column descriptions.

This module is the single place where table and column names are spelled. Writers, expectation suites,
DuckDB views and the data dictionary are all generated from it.
"""

from __future__ import annotations

from dataclasses import dataclass

import pyarrow as pa


def _col(name: str, type_: pa.DataType, doc: str, nullable: bool = True) -> pa.Field:
    return pa.field(name, type_, nullable=nullable, metadata={"description": doc})


@dataclass(frozen=True)
class TableSpec:
    """A warehouse table: its name, grain (one row per ...), primary key and schema."""

    name: str
    grain: str
    key: tuple[str, ...]
    schema: pa.Schema
    description: str
    view_columns: tuple[tuple[str, str], ...] = ()  # (name, description) of columns the view adds to the table
    stored_in: str = "main"  # DuckLake schema of the stored table; `internal` when a view of the name stands in main

    @property
    def stored_name(self) -> str:
        """Qualified name of the stored DuckLake table (`main.paragraphs`, `internal.articles`)."""
        return f"{self.stored_in}.{self.name}"

    @property
    def columns(self) -> list[str]:
        """Column names in schema order."""
        return self.schema.names

    def description_of(self, column: str) -> str:
        """The documented meaning of one column (of the files or added by the view)."""
        added = dict(self.view_columns)
        if column in added:
            return added[column]
        meta = self.schema.field(column).metadata or {}
        return meta.get(b"description", b"").decode()


_TS = pa.timestamp("us", tz="UTC")
_STR = pa.string()
_I32 = pa.int32()
_I64 = pa.int64()
_F64 = pa.float64()
_BOOL = pa.bool_()
_DATE = pa.date32()
_STR_LIST = pa.list_(pa.string())

_RUN_ID = _col("run_id", _STR, "Run that wrote this row (runs.run_id).", nullable=False)


def _mention_columns(kind: str) -> list[pa.Field]:
    return [
        _col("mention_id", _STR, f"Deterministic id of this {kind} mention: paragraph id plus position.", False),
        _col("article_id", _STR, "Article the mention is in (articles.article_id).", False),
        _col("paragraph_id", _STR, "Paragraph the mention is in (paragraphs.paragraph_id).", False),
        _col("char_start", _I32, "Start offset of the mention in paragraphs.text (0-based, inclusive).", False),
        _col("char_end", _I32,
             "End offset in paragraphs.text (exclusive): text = paragraph.text[char_start:char_end].", False),
        _col("text", _STR, "The mention's surface text as printed.", False),
    ]


ARTICLES = TableSpec(
    name="articles",
    grain="one row per article read (per source and content)",
    key=("article_id",),
    description="Every article read from the inputs, after cleaning; the text paragraphs point into.",
    view_columns=(("story_id_source", "How story_id was obtained: input, similarity or singleton."),),
    stored_in="internal",
    schema=pa.schema([
        _col("article_id", _STR, "Deterministic id from (source_uri, content_sha256).", False),
        _col("source_uri", _STR,
             "Input file path or URI; `<file>#<record id>` for a record inside a container file.", False),
        _col("url", _STR, "Canonical URL of the article, when known."),
        _col("source_name", _STR, "Publisher or site name, when known."),
        _col("title", _STR, "Headline."),
        _col("author", _STR, "Author, from metadata or the byline."),
        _col("published_date", _DATE, "Publication date (the anchor for relative dates)."),
        _col("published_date_source", _STR,
             "Where published_date came from: metadata, html, dateline, warc, inferred or none.", False),
        _col("language", _STR, "ISO 639-1 language of the text, from metadata or detection."),
        _col("story_id", _STR, "Story (event) the article belongs to: from the input, else grouped by similarity "
             "(see story_id_source and the article_stories table). The stored table holds the input's value only."),
        _col("input_format", _STR, "Input format: txt, html, jsonl, warc or multinews.", False),
        _col("duplicate_of", _STR, "article_id of the first article with identical cleaned text; null for the first."),
        _col("text", _STR, "Cleaned article text; paragraphs are separated by an empty line.", False),
        _col("n_paragraphs", _I32, "Number of paragraphs.", False),
        _col("n_chars", _I32, "Length of text in characters.", False),
        _col("content_sha256", _STR, "SHA-256 of the cleaned text (hex).", False),
        _col("repairs", _STR, "Comma-separated text repairs made while reading (decoding, mojibake, entities, ...)."),
        _RUN_ID,
        _col("ingested_at", _TS, "When the run that read the article started (UTC).", False),
    ]),
)

PARAGRAPHS = TableSpec(
    name="paragraphs",
    grain="one row per paragraph of an article",
    key=("paragraph_id",),
    description="The paragraphs of each article, with offsets into articles.text.",
    schema=pa.schema([
        _col("paragraph_id", _STR, "Deterministic id: article id plus ordinal.", False),
        _col("article_id", _STR, "Article the paragraph belongs to.", False),
        _col("ordinal", _I32, "Position of the paragraph in the article, from 0.", False),
        _col("text", _STR, "Paragraph text.", False),
        _col("char_start", _I32, "Start offset in articles.text (inclusive).", False),
        _col("char_end", _I32,
             "End offset in articles.text (exclusive): text = article.text[char_start:char_end].", False),
        _col("n_words", _I32, "Number of words.", False),
        _RUN_ID,
    ]),
)

REMOVED_LINES = TableSpec(
    name="removed_lines",
    grain="one row per line dropped by cleaning",
    key=("article_id", "line_no"),
    description="Lines of the raw text that cleaning removed (boilerplate, bylines, datelines...), with the reason.",
    schema=pa.schema([
        _col("article_id", _STR, "Article the line was removed from.", False),
        _col("line_no", _I32, "1-based line number in the raw article body.", False),
        _col("text", _STR, "The removed line.", False),
        _col("reason", _STR, "Why it was removed (a reason code; see docs/cleaning.md).", False),
        _RUN_ID,
    ]),
)

DATE_MENTIONS = TableSpec(
    name="date_mentions",
    grain="one row per date or time expression in a paragraph",
    key=("mention_id",),
    description="Date and time expressions normalized to TimeML TIMEX3, resolved against the publication date.",
    schema=pa.schema([
        *_mention_columns("date"),
        _col("timex_type", _STR, "TIMEX3 type: DATE, TIME, DURATION or SET.", False),
        _col("value", _STR, "TIMEX3 value, e.g. 2018-02-07, 2018-W06, P3D, PRESENT_REF, XXXX-02-07.", False),
        _col("start_date", _DATE, "First day of the calendar span the value denotes; null otherwise."),
        _col("end_date", _DATE, "Last day of the calendar span the value denotes; null otherwise."),
        _col("granularity", _STR, "day, week, month, quarter, year, decade or century; null if none."),
        _col("is_relative", _BOOL, "True when the value depended on the anchor date.", False),
        _col("anchor_date", _DATE, "Publication date used to resolve the expression; null if none."),
        _RUN_ID,
    ]),
)

QUANTITY_MENTIONS = TableSpec(
    name="quantity_mentions",
    grain="one row per numeric range (count, amount or measure) in a paragraph",
    key=("mention_id",),
    description="Every number that counts or measures something, as an interval with qualifier, unit and noun.",
    schema=pa.schema([
        *_mention_columns("quantity"),
        _col("low", _F64, "Lower endpoint as stated; null means unbounded below."),
        _col("high", _F64, "Upper endpoint as stated; null means unbounded above."),
        _col("low_inclusive", _BOOL, "Whether low itself is included; null when low is null."),
        _col("high_inclusive", _BOOL, "Whether high itself is included; null when high is null."),
        _col("approximate", _BOOL, "Hedged figure (about, nearly, some, vague words...).", False),
        _col("vague", _BOOL, "The figure came from a vague quantifier word (dozens, hundreds...).", False),
        _col("unit", _STR, "count, percent, currency:ISO, a measurement unit (km, kg...) or year (ages).", False),
        _col("noun", _STR, "The counted thing following the number, e.g. 'contract soldiers'."),
        _col("qualifier", _STR, "Normalized trigger phrase: more than, at least, up to, between, about..."),
        _RUN_ID,
    ]),
)

LOCATION_MENTIONS = TableSpec(
    name="location_mentions",
    grain="one row per toponym in a paragraph",
    key=("mention_id",),
    description="Place names resolved to GeoNames places.",
    schema=pa.schema([
        *_mention_columns("location"),
        _col("geonameid", _I64, "GeoNames id of the resolved place; null when recognized but not resolvable."),
        _col("name", _STR, "Canonical (GeoNames main) name of the place."),
        _col("feature", _STR, "country, admin1, admin2, city, region or physical."),
        _col("country_code", _STR, "ISO 3166-1 alpha-2 country code."),
        _col("admin1_code", _STR, "GeoNames admin1 code, when known."),
        _col("latitude", _F64, "Latitude of the resolved place (WGS84 degrees)."),
        _col("longitude", _F64, "Longitude of the resolved place (WGS84 degrees)."),
        _col("confidence", _F64, "Confidence of the resolution, 0..1.", False),
        _col("is_modifier", _BOOL, "Used adjectivally before a noun ('US officials').", False),
        _RUN_ID,
    ]),
)

PLACES = TableSpec(
    name="places",
    grain="one row per GeoNames place referenced by a location mention",
    key=("geonameid",),
    description="Dimension of the places the mentions resolve to.",
    schema=pa.schema([
        _col("geonameid", _I64, "GeoNames id.", False),
        _col("name", _STR, "GeoNames main name.", False),
        _col("feature", _STR, "country, admin1, admin2, city, region or physical.", False),
        _col("country_code", _STR, "ISO 3166-1 alpha-2 country code."),
        _col("admin1_code", _STR, "GeoNames admin1 code."),
        _col("latitude", _F64, "Latitude (WGS84 degrees).", False),
        _col("longitude", _F64, "Longitude (WGS84 degrees).", False),
        _col("population", _I64, "Population per GeoNames, when known."),
    ]),
)

ARTICLE_STORIES = TableSpec(
    name="article_stories",
    grain="one row per article",
    key=("article_id",),
    description="The story (event) of every article: from the input, or grouped by text similarity within a "
                "publication-date window. Updated for the articles each run adds or removes; "
                "articles.story_id reads it.",
    schema=pa.schema([
        _col("article_id", _STR, "The article.", False),
        _col("story_id", _STR,
             "Story id: the input's story_id, or story-<first article id> for a grouped story.", False),
        _col("story_id_source", _STR, "How the story id was obtained: input, similarity or singleton.", False),
    ]),
)

PARAGRAPH_GROUPS = TableSpec(
    name="paragraph_groups",
    grain="one row per paragraph",
    key=("paragraph_id",),
    description="Near-duplicate paragraphs across articles (syndicated or reworded copies) share a dup_group, "
                "so a sentence printed by five outlets can be counted once. Updated for the paragraphs each run adds "
                "or removes.",
    schema=pa.schema([
        _col("paragraph_id", _STR, "The paragraph.", False),
        _col("dup_group", _STR, "paragraph_id of the first paragraph of its near-duplicate group (itself if unique).",
             False),
    ]),
)

RUNS = TableSpec(
    name="runs",
    grain="one row per pipeline run",
    key=("run_id",),
    description="Every run of the pipeline against this warehouse, with its counts and outcome.",
    schema=pa.schema([
        _col("run_id", _STR, "Id of the run.", False),
        _col("flow_run_id", _STR, "Prefect flow run id."),
        _col("started_at", _TS, "When the run started (UTC).", False),
        _col("finished_at", _TS, "When the run finished (UTC).", False),
        _col("status", _STR, "completed, failed_validation, failed, or rollback (`broadsheet rollback`: see note).",
             False),
        _col("n_files_seen", _I64, "Input files discovered.", False),
        _col("n_files_new", _I64, "Input files new or changed since the last run.", False),
        _col("n_articles", _I64, "Articles published by this run.", False),
        _col("n_rejected", _I64, "Rejects recorded by this run.", False),
        _col("validation_success", _BOOL, "Whether every article passed validation (false when any article was "
             "rejected by an expectation or a batch was quarantined); null when nothing was validated."),
        _col("code_version", _STR, "Broadsheet version (and git commit, when known) that ran.", False),
        _col("input_uri", _STR, "The --input of the run."),
        _col("stage_seconds", _STR, "JSON object: seconds spent per stage, summed over batches (wall time; "
             "`clean_cpu`, `dates_cpu`, `quantities_cpu`, `locations_cpu`: CPU seconds of the batch workers, "
             "one core's work; `batches`: wall seconds of the whole batch stage, `batches_cpu`: the workers' CPU "
             "seconds in it, so `batches_cpu / batches` is the cores used)."),
        _col("note", _STR, "What else the run did, e.g. `rolled back to run <run_id>`."),
    ]),
)

INPUTS = TableSpec(
    name="inputs",
    grain="one row per input file processed (the manifest of what the warehouse has read)",
    key=("source_uri",),
    description="The input manifest: every input file read, its fingerprint and content hash, and the articles "
                "it produced. A file whose fingerprint is unchanged is not read again; one whose content hash is "
                "unchanged is not processed again.",
    schema=pa.schema([
        _col("source_uri", _STR, "The input file's path or URI.", False),
        _col("fingerprint", _STR, "Size and modification times of the file and its sidecar when last seen.",
             False),
        _col("content_sha256", _STR, "SHA-256 of the file's bytes and its sidecar's; null when it could not be "
             "read (retried at the next run)."),
        _col("article_ids", _STR_LIST, "The articles (articles.article_id) this file's current content produced.",
             False),
        _col("run_id", _STR, "Run that published this file's current rows (runs.run_id).", False),
        _col("rejected_reason", _STR, "Why discovery refused the file (not retried until it changes); null when "
             "it was read."),
    ]),
)

REJECTS = TableSpec(
    name="rejects",
    grain="one row per input or record that could not be processed, per run",
    key=("run_id", "source_uri", "stage", "reason"),
    description="Inputs and records that could not be processed, with where and why.",
    schema=pa.schema([
        _RUN_ID,
        _col("source_uri", _STR, "The input file, or `<file>#<record id>` for a record inside one.", False),
        _col("stage", _STR, "Where it failed: discover, read, parse, transform or validate.", False),
        _col("reason", _STR, "A reason code (bad_json, binary, too_large, bad_gzip, ...).", False),
        _col("detail", _STR, "Human-readable detail."),
    ]),
)

TABLES: dict[str, TableSpec] = {
    t.name: t
    for t in (ARTICLES, PARAGRAPHS, REMOVED_LINES, DATE_MENTIONS, QUANTITY_MENTIONS, LOCATION_MENTIONS, PLACES,
              ARTICLE_STORIES, PARAGRAPH_GROUPS, RUNS, REJECTS, INPUTS)
}

# Tables derived from the article tables, updated for the articles a run adds or removes.
DERIVED_TABLES = ("places", "article_stories", "paragraph_groups")

# Tables whose rows belong to one input file's articles (replaced when that file changes).
ARTICLE_TABLES = ("articles", "paragraphs", "removed_lines", "date_mentions", "quantity_mentions", "location_mentions")


class SchemaError(ValueError):
    """Rows do not fit their table's schema."""


def table_from_rows(spec: TableSpec, rows: list[dict]) -> pa.Table:
    """An Arrow table of `rows` in the spec's schema; a column the schema does not list is an error."""
    if rows:
        extra = set().union(*(r.keys() for r in rows)) - set(spec.columns)
        if extra:
            raise SchemaError(f"{spec.name}: columns not in the schema: {sorted(extra)}")
    columns = {name: [r.get(name) for r in rows] for name in spec.columns}
    try:
        return pa.Table.from_pydict(columns, schema=spec.schema)
    except (pa.ArrowInvalid, pa.ArrowTypeError) as exc:
        raise SchemaError(f"{spec.name}: {exc}") from exc
