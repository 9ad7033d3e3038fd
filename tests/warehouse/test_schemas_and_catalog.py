import pytest

from warehouse.catalog import view_grain, view_names
from warehouse.schemas import TABLES, SchemaError, table_from_rows

CONTRACT_COLUMNS = {
    "articles": ["article_id", "source_uri", "url", "source_name", "title", "author", "published_date",
                 "published_date_source", "language", "story_id", "input_format", "duplicate_of", "text",
                 "n_paragraphs", "n_chars", "content_sha256", "run_id", "ingested_at"],
    "paragraphs": ["paragraph_id", "article_id", "ordinal", "text", "char_start", "char_end", "n_words"],
    "removed_lines": ["article_id", "line_no", "text", "reason"],
    "places": ["geonameid", "name", "feature", "country_code", "admin1_code", "latitude", "longitude", "population"],
    "runs": ["run_id", "flow_run_id", "started_at", "finished_at", "status", "n_files_seen", "n_files_new",
             "n_articles", "n_rejected", "validation_success", "code_version"],
    "inputs": ["source_uri", "fingerprint", "content_sha256", "article_ids", "run_id"],
    "rejects": ["run_id", "source_uri", "stage", "reason", "detail"],
    "article_stories": ["article_id", "story_id", "story_id_source"],
    "paragraph_groups": ["paragraph_id", "dup_group"],
}
MENTION_COLUMNS = ["mention_id", "article_id", "paragraph_id", "char_start", "char_end", "text", "run_id"]


@pytest.mark.parametrize("table", sorted(TABLES))
def test_contract_columns_present_and_documented(table):
    spec = TABLES[table]
    expected = CONTRACT_COLUMNS.get(table, MENTION_COLUMNS)
    assert set(expected) <= set(spec.columns)
    assert all(spec.description_of(c) for c in spec.columns)
    assert set(spec.key) <= set(spec.columns)


@pytest.mark.parametrize("view", view_names())
def test_view_sql_states_the_schema_grain(view):
    assert view_grain(view) == TABLES[view].grain


def test_unknown_column_is_an_error():
    with pytest.raises(SchemaError, match="not in the schema"):
        table_from_rows(TABLES["rejects"], [{"run_id": "r", "source_uri": "x", "stage": "s", "reason": "r",
                                             "surprise": 1}])


def test_wrong_type_is_an_error():
    with pytest.raises(SchemaError):
        table_from_rows(TABLES["paragraphs"], [{"paragraph_id": "p", "article_id": "a", "ordinal": "first"}])


def test_data_dictionary_is_in_sync_with_the_schemas():
    from warehouse.dictionary import DOC, dictionary_markdown

    assert DOC.read_text(encoding="utf-8") == dictionary_markdown(), "run: python -m warehouse.dictionary"
