import datetime as dt

import duckdb
import pytest

from warehouse.catalog import CATALOG, build_catalog, view_grain
from warehouse.schemas import TABLES, SchemaError, table_from_rows
from warehouse.store import InputRecord, Snapshot, Warehouse

CONTRACT_COLUMNS = {
    "articles": ["article_id", "source_uri", "url", "source_name", "title", "author", "published_date",
                 "published_date_source", "language", "story_id", "input_format", "duplicate_of", "text",
                 "n_paragraphs", "n_chars", "content_sha256", "run_id", "ingested_at"],
    "paragraphs": ["paragraph_id", "article_id", "ordinal", "text", "char_start", "char_end", "n_words"],
    "removed_lines": ["article_id", "line_no", "text", "reason"],
    "places": ["geonameid", "name", "feature", "country_code", "admin1_code", "latitude", "longitude", "population"],
    "runs": ["run_id", "flow_run_id", "started_at", "finished_at", "status", "n_files_seen", "n_files_new",
             "n_articles", "n_rejected", "validation_success", "code_version"],
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


@pytest.mark.parametrize("table", sorted(TABLES))
def test_view_sql_states_the_schema_grain(table):
    assert view_grain(table) == TABLES[table].grain


def test_unknown_column_is_an_error():
    with pytest.raises(SchemaError, match="not in the schema"):
        table_from_rows(TABLES["rejects"], [{"run_id": "r", "source_uri": "x", "stage": "s", "reason": "r",
                                             "surprise": 1}])


def test_wrong_type_is_an_error():
    with pytest.raises(SchemaError):
        table_from_rows(TABLES["paragraphs"], [{"paragraph_id": "p", "article_id": "a", "ordinal": "first"}])


def test_empty_warehouse_has_typed_empty_views(tmp_path):
    wh = Warehouse(str(tmp_path))
    build_catalog(wh, Snapshot())
    con = duckdb.connect(str(tmp_path / CATALOG), read_only=True)
    assert con.execute("select count(*) from articles").fetchone() == (0,)
    types = dict(con.execute("select column_name, data_type from information_schema.columns "
                             "where table_name = 'articles'").fetchall())
    assert types["published_date"] == "DATE" and types["n_chars"] == "INTEGER"
    comment = con.execute("select comment from duckdb_views() where view_name = 'articles'").fetchone()[0]
    assert "Grain: one row per article" in comment


def test_commit_publishes_and_recover_sets_aside_unpublished_parts(tmp_path):
    wh = Warehouse(str(tmp_path))
    snap = Snapshot()
    row = {"run_id": "r1", "source_uri": "a.txt", "stage": "parse", "reason": "empty", "detail": None}
    staged = wh.staged_path("r1", "rejects", "p1")
    wh.write_part(staged, table_from_rows(TABLES["rejects"], [row]))
    snap = wh.commit(snap, {"rejects": {"p1": staged}}, {}, {"a.txt": InputRecord("abc", "1:2:None", [], [])})
    assert snap.version == 1 and snap.tables["rejects"] == ["p1"]
    assert wh.read_snapshot().to_json() == snap.to_json()
    # A crash after moving a part into tables/ but before the snapshot write leaves an orphan.
    orphan = wh.part_path("rejects", "p2")
    wh.write_part(orphan, table_from_rows(TABLES["rejects"], [row]))
    moved = wh.recover(wh.read_snapshot())
    assert moved == [orphan]
    assert not (tmp_path / "tables" / "rejects" / "p2.parquet").exists()
    assert (tmp_path / "tables" / "rejects" / "p1.parquet").exists()


def test_catalog_views_read_live_parts_only(tmp_path):
    wh = Warehouse(str(tmp_path))
    now = dt.datetime(2020, 1, 1, tzinfo=dt.timezone.utc)
    run = {"run_id": "r1", "started_at": now, "finished_at": now, "status": "completed", "n_files_seen": 1,
           "n_files_new": 1, "n_articles": 0, "n_rejected": 0, "code_version": "test"}
    paths = {}
    for part in ("a", "b"):
        p = wh.staged_path("r1", "runs", part)
        wh.write_part(p, table_from_rows(TABLES["runs"], [{**run, "run_id": part}]))
        paths[part] = p
    snap = wh.commit(Snapshot(), {"runs": paths}, {}, {})
    snap = wh.commit(snap, {}, {"runs": ["a"]}, {})
    build_catalog(wh, snap)
    con = duckdb.connect(str(tmp_path / CATALOG), read_only=True)
    assert con.execute("select run_id from runs").fetchall() == [("b",)]


def test_data_dictionary_is_in_sync_with_the_schemas():
    from warehouse.dictionary import DOC, dictionary_markdown

    assert DOC.read_text(encoding="utf-8") == dictionary_markdown(), "run: python -m warehouse.dictionary"


def test_retired_parts_outlive_the_previous_catalog_then_expire(tmp_path):
    from warehouse.store import RETIRED_GRACE_SECONDS

    wh = Warehouse(str(tmp_path))
    row = {"run_id": "r1", "source_uri": "a.txt", "stage": "parse", "reason": "empty", "detail": None}

    def staged(part):
        path = wh.staged_path("r", "rejects", part)
        wh.write_part(path, table_from_rows(TABLES["rejects"], [row]))
        return path

    snap = wh.commit(Snapshot(), {"rejects": {"old": staged("old")}}, {}, {}, now=1000.0)
    snap = wh.commit(snap, {"rejects": {"new": staged("new")}}, {"rejects": ["old"]}, {}, now=1001.0)
    old_file = tmp_path / "tables" / "rejects" / "old.parquet"
    assert snap.tables["rejects"] == ["new"] and snap.retired == {"rejects": {"old": 1001.0}}
    assert old_file.exists()  # a reader of the previous catalog may still be reading it
    assert wh.recover(snap) == []  # retired parts are not crash leftovers
    snap = wh.commit(snap, {}, {}, {}, now=1001.0 + RETIRED_GRACE_SECONDS + 1)
    assert snap.retired == {} and not old_file.exists()
