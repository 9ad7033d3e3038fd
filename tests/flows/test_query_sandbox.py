"""`broadsheet query` is read-only: no statement writes a file or reads one outside the warehouse."""

from __future__ import annotations

import csv
import io
import json
import pathlib

import duckdb
import pytest
from typer.testing import CliRunner

from flows.cli import app
from tests.integration.conftest import postgres_database, postgres_server, postgres_uri  # noqa: F401 - fixtures
from tests.warehouse.lakes import publish_dir, write_article
from warehouse.extensions import cursor
from warehouse.lake import Lake
from warehouse.maintenance import run_maintenance

SECRET = "not-for-query-4f1c"


def _inputs(folder: pathlib.Path) -> pathlib.Path:
    write_article(folder, "york", "Flood defences hold in York", "The River Ouse peaked at 4.9 metres on Sunday.",
                  "2020-02-17")
    write_article(folder, "antwerp", "Port strike enters second week", "Dock workers at Antwerp walked out on "
                  "Monday, leaving 40 ships at anchor.", "2021-06-03")
    return folder


@pytest.fixture(scope="module")
def lake(tmp_path_factory: pytest.TempPathFactory) -> Lake:
    """A small warehouse whose rows are in Parquet files (maintenance flushed the inlined rows)."""
    root = tmp_path_factory.mktemp("sandbox")
    lake = Lake(str(root / "wh"))
    publish_dir(lake, _inputs(root / "in"), 1)
    run_maintenance(lake)
    return lake


@pytest.fixture
def outside(tmp_path: pathlib.Path) -> pathlib.Path:
    """A folder beside the warehouse holding a file no query may read."""
    (tmp_path / "secret.csv").write_text(f"word\n{SECRET}\n", encoding="utf-8")
    return tmp_path


def _tree(root: pathlib.Path) -> dict[str, tuple[int, int]]:
    """Every file under `root` with its size and modification time, to tell whether anything was written."""
    return {str(p.relative_to(root)): (p.stat().st_size, p.stat().st_mtime_ns) for p in sorted(root.rglob("*"))}


def _query(lake: Lake, *args: str):
    return CliRunner().invoke(app, ["query", "--warehouse", lake.location.root, *args])


def _a_data_file(lake: Lake) -> pathlib.Path:
    return next(pathlib.Path(lake.location.root, "data").rglob("*.parquet"))


def test_the_warehouse_under_test_has_parquet_data_files(lake):
    assert _a_data_file(lake).stat().st_size > 0


REFUSED = {
    "copy to a new file": "COPY (SELECT * FROM articles) TO '{out}/copy.csv'",
    "copy over a data file": "COPY (SELECT 1 AS x) TO '{data_file}' (FORMAT parquet)",
    "copy into the data folder": "COPY (SELECT 1 AS x) TO '{data_dir}/extra.parquet' (FORMAT parquet)",
    "export database": "EXPORT DATABASE '{out}/export'",
    "attach a new database": "ATTACH '{out}/new.duckdb' AS other",
    "attach the lake for writing": "ATTACH 'ducklake:sqlite:{wh}/catalog.sqlite' AS rw (DATA_PATH '{data_dir}/')",
    "install": "INSTALL httpfs",
    "load": "LOAD httpfs",
    "set": "SET enable_external_access = true",
    "reset": "RESET allowed_directories",
    "call expire": "CALL ducklake_expire_snapshots('broadsheet', older_than => now())",
    "expire in select": "SELECT * FROM ducklake_expire_snapshots('broadsheet', older_than => now())",
    "cleanup in select": "SELECT * FROM ducklake_cleanup_old_files('broadsheet', cleanup_all => true)",
    "merge in a subquery": "SELECT count(*) FROM (SELECT * FROM ducklake_merge_adjacent_files('broadsheet'))",
    "flush in a cte": "WITH f AS (SELECT * FROM ducklake_flush_inlined_data('broadsheet')) SELECT * FROM f",
    "rewrite": "SELECT * FROM ducklake_rewrite_data_files('broadsheet')",
    "delete orphans": "SELECT * FROM ducklake_delete_orphaned_files('broadsheet', cleanup_all => true)",
    "query() hides a call": "SELECT * FROM query('SELECT * FROM ducklake_cleanup_old_files(''broadsheet'')')",
    "sqlite scanner": "SELECT * FROM sqlite_scan('{wh}/catalog.sqlite', 'ducklake_snapshot')",
    "insert": "INSERT INTO runs SELECT * FROM runs",
    "create": "CREATE TABLE copy_of_runs AS SELECT * FROM runs",
    "explain a copy": "EXPLAIN COPY (SELECT 1) TO '{out}/x.csv'",
    "a write after a query": "SELECT 1; COPY (SELECT 1) TO '{out}/second.csv'",
}


@pytest.mark.parametrize("sql", REFUSED.values(), ids=REFUSED.keys())
def test_a_statement_that_writes_is_refused_in_one_line_and_nothing_is_written(lake, outside, sql):
    root = pathlib.Path(lake.location.root)
    sql = sql.format(out=outside, wh=root, data_dir=root / "data", data_file=_a_data_file(lake))
    before, outside_before = _tree(root), _tree(outside)
    result = _query(lake, sql)
    assert result.exit_code == 2, result.output
    assert len(result.output.strip().splitlines()) == 1, result.output
    assert "statement" in result.output and "Traceback" not in result.output
    assert _tree(root) == before
    assert _tree(outside) == outside_before


@pytest.mark.parametrize("sql", [
    "SELECT * FROM read_text('{secret}')",
    "SELECT * FROM read_csv('{secret}')",
    "SELECT * FROM '{secret}'",
    "SELECT * FROM glob('{folder}/*')",
    "SELECT * FROM read_text('{wh}/broadsheet.json')",
])
def test_a_file_outside_the_warehouse_data_cannot_be_read(lake, outside, sql):
    root = pathlib.Path(lake.location.root)
    result = _query(lake, sql.format(secret=outside / "secret.csv", folder=outside, wh=root))
    assert result.exit_code == 1, result.output
    assert SECRET not in result.output and "secret.csv\n" not in result.output
    assert "reads only the warehouse" in result.output


def test_the_sandbox_itself_refuses_writes_reads_and_settings(lake, outside):
    """The second wall: even a statement the command would refuse cannot write or escape in the sandbox."""
    with lake.query_reader() as con:
        for sql in (f"COPY (SELECT 1) TO '{outside}/direct.csv'", f"SELECT * FROM read_text('{outside}/secret.csv')",
                    f"ATTACH '{outside}/direct.duckdb' AS d", f"EXPORT DATABASE '{outside}/export'"):
            with pytest.raises(duckdb.PermissionException):
                con.execute(sql)
        for sql in ("SET enable_external_access = true", "SET allowed_directories = ['/']", "LOAD httpfs",
                    "SELECT * FROM ducklake_expire_snapshots('broadsheet', older_than => now())"):
            with pytest.raises(duckdb.Error):
                con.execute(sql)
        assert con.execute("SELECT count(*) FROM articles").fetchone()[0] == 2
    assert sorted(p.name for p in outside.iterdir()) == ["secret.csv"]


def test_the_process_shared_database_keeps_its_access(lake, outside):
    with lake.query_reader() as con:
        con.execute("SELECT count(*) FROM runs").fetchall()
    shared = cursor()
    try:
        assert shared.execute("SELECT current_setting('enable_external_access')").fetchone()[0] is True
        assert SECRET in shared.execute(f"SELECT content FROM read_text('{outside}/secret.csv')").fetchone()[0]
    finally:
        shared.close()


JOIN = ("SELECT a.title, a.published_date, count(p.paragraph_id) AS paragraphs FROM articles a "
        "JOIN paragraphs p USING (article_id) GROUP BY ALL ORDER BY a.published_date")


def test_a_select_across_views_prints_a_table(lake):
    result = _query(lake, JOIN)
    assert result.exit_code == 0, result.output
    assert "Flood defences hold in York" in result.output and "2021-06-03" in result.output


def test_csv_is_a_header_and_rows_on_stdout(lake):
    result = _query(lake, "--format", "csv", JOIN)
    assert result.exit_code == 0, result.output
    rows = list(csv.DictReader(io.StringIO(result.stdout)))
    assert [r["published_date"] for r in rows] == ["2020-02-17", "2021-06-03"]
    assert rows[0]["title"] == "Flood defences hold in York" and int(rows[0]["paragraphs"]) >= 1


def test_json_is_one_array_of_objects_with_iso_dates_and_exact_decimals(lake):
    sql = JOIN.replace("SELECT ", "SELECT 12345678901234567.89::DECIMAL(38, 2) AS big, 1.5::DECIMAL(4, 1) AS half, ", 1)
    result = _query(lake, "--format", "json", sql)
    assert result.exit_code == 0, result.output
    rows = json.loads(result.stdout)
    assert [r["published_date"] for r in rows] == ["2020-02-17", "2021-06-03"]
    assert rows[0]["big"] == "12345678901234567.89" and rows[0]["half"] == 1.5
    assert rows[1]["title"] == "Port strike enters second week"


def test_every_statement_is_printed_under_its_number(lake):
    result = _query(lake, "SELECT count(*) AS n_articles FROM articles; SHOW TABLES; DESCRIBE runs")
    assert result.exit_code == 0, result.output
    for heading in ("statement 1: SELECT count(*) AS n_articles FROM articles", "statement 2: SHOW TABLES",
                    "statement 3: DESCRIBE runs"):
        assert heading in result.output
    as_json = json.loads(_query(lake, "--format", "json", "SELECT 1 AS a; SELECT 2 AS b").stdout)
    assert as_json == [{"statement": 1, "sql": "SELECT 1 AS a", "rows": [{"a": 1}]},
                       {"statement": 2, "sql": "SELECT 2 AS b", "rows": [{"b": 2}]}]


def test_max_rows_cuts_every_format_and_says_so_apart_from_the_data(lake):
    result = _query(lake, "--format", "json", "--max-rows", "1", "SELECT * FROM range(5) t(i)")
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout) == [{"i": 0}]
    assert "first 1 rows" in result.stderr


def test_read_only_catalog_functions_still_work(lake):
    result = _query(lake, "--format", "json", "SELECT count(*) AS n FROM ducklake_snapshots('broadsheet')")
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)[0]["n"] >= 1


@pytest.mark.slow
def test_a_postgresql_catalog_reads_its_data_files_in_the_sandbox(postgres_uri, tmp_path):  # noqa: F811
    lake = Lake(str(tmp_path / "wh"), postgres_uri)
    publish_dir(lake, _inputs(tmp_path / "in"), 1)
    run_maintenance(lake)
    assert any((tmp_path / "wh" / "data").rglob("*.parquet"))
    result = CliRunner().invoke(app, ["query", "--warehouse", str(tmp_path / "wh"), "--catalog", postgres_uri,
                                      "--format", "csv", "SELECT count(*) AS n FROM paragraphs"])
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines() == ["n", "2"]
    before = _tree(tmp_path / "wh")
    refused = CliRunner().invoke(app, ["query", "--warehouse", str(tmp_path / "wh"), "--catalog", postgres_uri,
                                       f"COPY (SELECT 1) TO '{tmp_path}/wh/data/x.parquet'"])
    assert refused.exit_code == 2 and _tree(tmp_path / "wh") == before
