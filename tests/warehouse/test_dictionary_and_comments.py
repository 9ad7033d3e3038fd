"""Every table, view and mart of a new lake explains itself: comments in the catalog, rows in `dictionary`.

DuckLake 1.5.5 keeps no comments on view columns (duckdb/ducklake#1239), so for views and marts the
`dictionary` table is where a BI user reads what a column means; these tests hold it to exactly the
columns each relation returns.
"""

from __future__ import annotations

import pathlib
from collections.abc import Iterator

import duckdb
import pytest

from warehouse.catalog import ensure_schema, mart_column_notes, mart_names
from warehouse.lake import LAKE, Lake


@pytest.fixture(scope="module")
def lake_con(tmp_path_factory: pytest.TempPathFactory) -> Iterator[duckdb.DuckDBPyConnection]:
    """A read-only connection to a new, empty lake whose schema `ensure_schema` created."""
    lake = Lake(str(tmp_path_factory.mktemp("lake") / "warehouse"))
    lake.prepare("test")
    with lake.writer() as con:
        ensure_schema(con)
    with lake.reader() as con:
        yield con


def _rows(con: duckdb.DuckDBPyConnection, sql: str) -> list[tuple]:
    return con.execute(sql, [LAKE]).fetchall()


def _relations(con: duckdb.DuckDBPyConnection) -> dict[str, str]:
    """Tables and views of schema `main` (the public ones), name -> table or view."""
    tables = _rows(con, "SELECT table_name FROM duckdb_tables() WHERE database_name = ? AND schema_name = 'main'")
    views = _rows(con, "SELECT view_name FROM duckdb_views() WHERE database_name = ? AND schema_name = 'main'")
    return {**{t: "table" for (t,) in tables}, **{v: "view" for (v,) in views}}


def _columns(con: duckdb.DuckDBPyConnection, relation: str) -> list[str]:
    """The columns a relation returns, in order."""
    return [d[0] for d in con.execute(f'SELECT * FROM "{relation}" LIMIT 0').description]


def test_every_table_view_and_mart_has_a_comment(lake_con: duckdb.DuckDBPyConnection) -> None:
    tables = _rows(lake_con, "SELECT schema_name || '.' || table_name, comment FROM duckdb_tables() "
                             "WHERE database_name = ?")
    views = _rows(lake_con, "SELECT schema_name || '.' || view_name, comment FROM duckdb_views() "
                            "WHERE database_name = ?")
    assert {f"main.{m}" for m in mart_names()} <= {name for name, _ in views}
    assert "main.articles" in {name for name, _ in views}
    missing = [name for name, comment in tables + views if not (comment or "").strip()]
    assert not missing, f"no COMMENT on {missing}"


def test_every_table_column_has_a_comment(lake_con: duckdb.DuckDBPyConnection) -> None:
    missing = _rows(lake_con, """
        SELECT c.schema_name || '.' || c.table_name || '.' || c.column_name
        FROM duckdb_columns() AS c
        JOIN duckdb_tables() AS t USING (database_name, schema_name, table_name)
        WHERE c.database_name = ? AND coalesce(trim(c.comment), '') = ''""")
    assert not missing, f"no COMMENT on columns {missing}"


def test_every_dictionary_row_has_a_description(lake_con: duckdb.DuckDBPyConnection) -> None:
    empty = lake_con.execute("SELECT relation, column_name FROM dictionary "
                             "WHERE coalesce(trim(description), '') = ''").fetchall()
    assert not empty, f"dictionary rows without a description: {empty}"


def test_dictionary_lists_exactly_the_columns_of_every_relation(lake_con: duckdb.DuckDBPyConnection) -> None:
    relations = _relations(lake_con)
    listed: dict[str, list[tuple]] = {}
    for relation, kind, column, ordinal in lake_con.execute(
            "SELECT relation, relation_kind, column_name, ordinal FROM dictionary ORDER BY relation, ordinal"
    ).fetchall():
        listed.setdefault(relation, []).append((kind, column, ordinal))
    assert sorted(listed) == sorted(relations)
    for relation, kind in relations.items():
        expected = [(kind, column, i + 1) for i, column in enumerate(_columns(lake_con, relation))]
        assert listed[relation] == expected, relation


@pytest.mark.parametrize("mart", mart_names())
def test_mart_column_notes_match_the_columns(lake_con: duckdb.DuckDBPyConnection, mart: str) -> None:
    """One `-- column NAME: meaning` line per output column, in order, and none for a column that is gone."""
    notes = mart_column_notes(mart)
    assert list(notes) == _columns(lake_con, mart)
    assert all(len(meaning) >= 10 for meaning in notes.values()), notes


@pytest.mark.parametrize("mart", mart_names())
def test_mart_comment_lists_its_columns(lake_con: duckdb.DuckDBPyConnection, mart: str) -> None:
    comment = lake_con.execute("SELECT comment FROM duckdb_views() WHERE database_name = ? AND view_name = ?",
                               [LAKE, mart]).fetchone()[0]
    for column, meaning in mart_column_notes(mart).items():
        assert f"{column}: {meaning}" in comment


def test_marts_doc_names_every_mart() -> None:
    doc = (pathlib.Path(__file__).resolve().parents[2] / "docs" / "marts.md").read_text(encoding="utf-8")
    for mart in mart_names():
        assert f"| `{mart}` |" in doc, mart
