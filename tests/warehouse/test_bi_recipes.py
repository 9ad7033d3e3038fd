"""docs/bi.md's connection recipes, run as written against warehouses the pipeline built, then against copies.

The text comes out of docs/bi.md itself (its example paths replaced by the test's), so what the page shows is
what runs; a fast test checks the page's recipe blocks are the ones `warehouse.connect` generates (which
`broadsheet connect` prints). Each client runs in a child process whose HOME is a new folder: DuckDB's
extension directory there starts empty and only the page's `INSTALL` lines fill it, so nothing is downloaded
and nothing of this machine's own extension directory is used.

After reading the warehouse, each test copies the folder elsewhere, deletes the original and runs every recipe
again on the copy: the counts of every table and view must not change (the catalog still names the old folder
as its data path; the recipes override it).
"""

from __future__ import annotations

import json
import os
import pathlib
import re
import shutil
import subprocess
import sys
from collections.abc import Callable

import pytest
from typer.testing import CliRunner

from flows.cli import app
from tests.integration.conftest import postgres_database, postgres_server, postgres_uri  # noqa: F401 - fixtures
from warehouse.catalog import ensure_schema
from warehouse.connect import (
    CLIENTS,
    DOC,
    EXAMPLE_EXTENSIONS,
    EXAMPLE_POSTGRES,
    EXAMPLE_WAREHOUSE,
    attach_statements,
    doc_with_recipes,
    recipe,
)
from warehouse.extensions import extension_file
from warehouse.lake import Lake
from warehouse.maintenance import run_history, run_maintenance

PROJECT_ROOT = pathlib.Path(__file__).resolve().parents[2]
DEMO_TXT = PROJECT_ROOT / "data" / "demo" / "txt"
FIRST_RUN = ("syria-convoy-strike", "syria-convoy-wire")  # one story told twice: copies, figures, places
SECOND_RUN = ("ridgeback-fire",)
DUCKDB_SHELL = pathlib.Path(sys.executable).parent / "duckdb"  # the duckdb-cli wheel's shell, same version
_RECIPE_BLOCK = re.compile(r"<!-- recipe: (\w+)( postgres)? -->\n(.*?)<!-- /recipe -->", re.S)
_SNIPPET = re.compile(r"\*(.+?):\*\n\n```(\w+)\n(.*?)\n```\n", re.S)
_EXAMPLE_BLOCK = re.compile(r"<!-- example: ([\w-]+) -->\n```sql\n(.*?)\n```", re.S)

Snippets = dict[str, str]  # where the text goes (the page's label) -> the text


# -- the page ------------------------------------------------------------------------------------------------

def doc_recipes() -> dict[str, Snippets]:
    """Recipe blocks of docs/bi.md, keyed `client` or `client postgres`, read from the page alone."""
    found = {}
    for client, postgres, body in _RECIPE_BLOCK.findall(DOC.read_text(encoding="utf-8")):
        found[client + postgres] = {where: text for where, _language, text in _SNIPPET.findall(body)}
    return found


def doc_example(name: str) -> str:
    """An `<!-- example: NAME -->` SQL block of docs/bi.md."""
    return dict(_EXAMPLE_BLOCK.findall(DOC.read_text(encoding="utf-8")))[name]


def localized(snippets: Snippets, warehouse: pathlib.Path, catalog: str | None = None) -> Snippets:
    """The page's text for a warehouse at `warehouse` (and a PostgreSQL catalog URI) with this machine's wheels."""
    site_packages = str(pathlib.Path(extension_file("ducklake")).parents[3])

    def one(text: str) -> str:
        text = text.replace(EXAMPLE_WAREHOUSE, str(warehouse)).replace(EXAMPLE_EXTENSIONS, site_packages)
        return text.replace(EXAMPLE_POSTGRES, catalog) if catalog else text

    return {where: one(text) for where, text in snippets.items()}


def _only(snippets: Snippets, start: str) -> str:
    (text,) = [text for where, text in snippets.items() if where.startswith(start)]
    return text


# -- running a recipe the way its client would ----------------------------------------------------------------

def _env(home: pathlib.Path) -> dict[str, str]:
    return {**os.environ, "HOME": str(home)}


def _python(code: str, home: pathlib.Path) -> dict:
    """Run `code` in a new Python; its last line of output is JSON."""
    done = subprocess.run([sys.executable, "-c", code], env=_env(home), cwd=home, capture_output=True, text=True,
                          timeout=300)
    assert done.returncode == 0, done.stderr[-3000:]
    return json.loads(done.stdout.strip().splitlines()[-1])


def _shell(sql: str, home: pathlib.Path) -> str:
    """Paste `sql` into the duckdb shell (started without a database file, as the recipe says); its output."""
    done = subprocess.run([str(DUCKDB_SHELL), "-bail", "-json"], input=sql, env=_env(home), cwd=home,
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0 and not done.stderr.strip(), done.stderr[-3000:]
    return done.stdout


def _shell_rows(sql: str, home: pathlib.Path) -> list[dict]:
    """The rows of the one query in `sql` that returns any, pasted into the duckdb shell."""
    return json.loads(_shell(sql, home))


def _counts_sql(relations: list[str]) -> str:
    return " UNION ALL ".join(f"SELECT '{r}' AS relation, count(*) AS n FROM \"{r}\"" for r in relations)


def run_duckdb(s: Snippets, relations: list[str], home: pathlib.Path) -> dict:
    rows = _shell_rows(_only(s, "Paste at the prompt") + "\n" + _counts_sql(relations) + ";\n", home)
    return {r["relation"]: r["n"] for r in rows}


def run_python(s: Snippets, relations: list[str], home: pathlib.Path) -> dict:
    code = _only(s, "A script") + f"\nimport json\nprint(json.dumps(dict(con.execute({_counts_sql(relations)!r})" \
        ".fetchall())))\n"
    return _python(code, home)


def run_sqlalchemy(s: Snippets, relations: list[str], home: pathlib.Path) -> dict:
    # A real sqlalchemy.create_engine("duckdb:///:memory:", ...), from the recipe. The pool is emptied first, so
    # the counts come from a new DBAPI connection: the listener attaches on each one, not once per engine.
    code = _only(s, "A script") + f"""
import json
from sqlalchemy import inspect
engine.dispose()
with engine.connect() as c:
    counts = dict(c.execute(text({_counts_sql(relations)!r})).fetchall())
inspector = inspect(engine)  # what a BI tool lists: the tables and views of schema main, with table comments
listed = sorted(inspector.get_table_names(schema="main") + inspector.get_view_names(schema="main"))
assert listed == sorted(counts), (listed, sorted(counts))
assert all(c["comment"] for c in inspector.get_columns("paragraphs", schema="main"))
print(json.dumps(counts))
"""
    return _python(code, home)


def run_superset(s: Snippets, relations: list[str], home: pathlib.Path) -> dict:
    # superset_config.py as written, then the engine Superset makes from the URI and the Engine Parameters
    # (it passes them to sqlalchemy.create_engine). A DuckDB database file in the same process stays untouched.
    code = _only(s, "superset_config.py") + f"""
import json
from sqlalchemy import create_engine, text
engine = create_engine({_only(s, "SQLAlchemy URI")!r}, **json.loads({_only(s, "Advanced > Other")!r}))
with engine.connect() as c:
    counts = dict(c.execute(text({_counts_sql(relations)!r})).fetchall())
other = create_engine("duckdb:///other.duckdb")
with other.connect() as c:
    assert c.execute(text("SELECT count(*) FROM duckdb_databases() WHERE database_name = 'broadsheet'")).scalar() == 0
print(json.dumps(counts))
"""
    return _python(code, home)


def run_metabase(s: Snippets, relations: list[str], home: pathlib.Path) -> dict:
    # Metabase is a Java application the tests cannot start: its DuckDB driver opens the "Database file" and runs
    # the "Init SQL" as one text; here DuckDB's Python API does the same with exactly that text, twice (the driver
    # may run it more than once per database).
    code = f"""
import duckdb, json
con = duckdb.connect({_only(s, "Database file")!r})
con.execute({_only(s, "Init SQL")!r})
con.execute({_only(s, "Init SQL")!r})
print(json.dumps(dict(con.execute({_counts_sql(relations)!r}).fetchall())))
"""
    return _python(code, home)


def run_dbeaver(s: Snippets, relations: list[str], home: pathlib.Path) -> dict:
    # DBeaver is a Java application the tests cannot start: `jdbc:duckdb:` is an in-memory database and each
    # bootstrap query runs on its own; here DuckDB's Python API runs each line of the recipe the same way.
    assert _only(s, "JDBC URL") == "jdbc:duckdb:"
    code = f"""
import duckdb, json
con = duckdb.connect(":memory:")
for query in {_only(s, "Connection settings").splitlines()!r}:
    con.execute(query)
print(json.dumps(dict(con.execute({_counts_sql(relations)!r}).fetchall())))
"""
    return _python(code, home)


RUNNERS: dict[str, Callable[[Snippets, list[str], pathlib.Path], dict]] = {
    "duckdb": run_duckdb, "python": run_python, "sqlalchemy": run_sqlalchemy, "superset": run_superset,
    "metabase": run_metabase, "dbeaver": run_dbeaver,
}


# -- warehouses ------------------------------------------------------------------------------------------------

def _demo_files(names: tuple[str, ...], dest: pathlib.Path) -> pathlib.Path:
    dest.mkdir(parents=True, exist_ok=True)
    for name in names:
        for src in DEMO_TXT.glob(f"{name}.*"):
            shutil.copy(src, dest / src.name)
    return dest


def _reference_counts(lake: Lake) -> dict[str, int]:
    """Rows of every table and view of `main`, read through Broadsheet's own reader."""
    with lake.reader() as con:
        relations = [r for (r,) in con.execute(
            "SELECT table_name FROM duckdb_tables() WHERE database_name = 'broadsheet' AND schema_name = 'main' "
            "UNION ALL SELECT view_name FROM duckdb_views() WHERE database_name = 'broadsheet' "
            "AND schema_name = 'main'").fetchall()]
        return dict(con.execute(_counts_sql(sorted(relations))).fetchall())


def _move(src: pathlib.Path, dest: pathlib.Path) -> pathlib.Path:
    """Copy a warehouse folder to `dest`, then delete the original."""
    shutil.copytree(src, dest)
    shutil.rmtree(src)
    return dest


@pytest.fixture(scope="module")
def home(tmp_path_factory: pytest.TempPathFactory) -> pathlib.Path:
    """A HOME whose DuckDB extension directory holds only what the page's INSTALL lines put there."""
    home = tmp_path_factory.mktemp("home")
    install = localized(doc_recipes()["install"], home)
    _shell(_only(install, "Once per OS user"), home)
    installed = sorted(p.name for p in home.glob(".duckdb/extensions/v*/*/*.duckdb_extension"))
    assert installed == ["ducklake.duckdb_extension", "postgres_scanner.duckdb_extension",
                         "sqlite_scanner.duckdb_extension"]
    return home


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory, prefect_server) -> dict:
    """A warehouse of two runs, maintained so its rows sit in Parquet files under data/ (not inlined)."""
    from flows.runners import run_flow

    root = tmp_path_factory.mktemp("built")
    warehouse = root / "warehouse"
    inputs = _demo_files(FIRST_RUN, root / "in")
    assert run_flow(str(inputs), str(warehouse))["status"] == "completed"
    lake = Lake(str(warehouse))
    first = _reference_counts(lake)
    _demo_files(SECOND_RUN, inputs)
    assert run_flow(str(inputs), str(warehouse))["status"] == "completed"
    with lake.reader() as con:
        history = run_history(con)
    run_maintenance(lake)  # flushes the rows DuckLake inlined into the catalog out to Parquet
    assert list(warehouse.glob("data/**/*.parquet"))
    counts = _reference_counts(lake)
    assert counts["articles"] > first["articles"] > 0 and counts["mart_figures"] > 0
    return {"warehouse": warehouse, "counts": counts, "first_counts": first, "history": history}


# -- fast: the page, the generator and the command agree ----------------------------------------------------

def test_doc_recipe_blocks_are_generated() -> None:
    doc = DOC.read_text(encoding="utf-8")
    assert doc == doc_with_recipes(doc), "run: python -m warehouse.connect"
    assert set(doc_recipes()) == {*CLIENTS, "duckdb postgres"}


def test_attach_quotes_paths_and_never_prints_a_password() -> None:
    attach, use = attach_statements("/data/it's here", "postgresql://ann:s3cret@db:5432/lake?sslmode=require")
    assert "s3cret" not in attach and "postgresql://ann@db:5432/lake?sslmode=require" in attach
    assert "DATA_PATH '/data/it''s here/data/'" in attach and use == "USE broadsheet"
    assert "'ducklake:sqlite:/w/catalog.sqlite'" in attach_statements("/w/")[0]
    with pytest.raises(ValueError, match="unknown client"):
        recipe("tableau", "/w")


def test_connect_prints_the_recipes_for_a_warehouse(tmp_path: pathlib.Path, monkeypatch) -> None:
    lake = Lake(str(tmp_path / "wh"))
    lake.prepare("test")
    with lake.writer() as con:
        ensure_schema(con)
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(app, ["connect", "--warehouse", "wh", "--client", "metabase"])
    assert result.exit_code == 0, result.output
    assert attach_statements(str(tmp_path / "wh"))[0] + ";\nUSE broadsheet;" in result.output
    assert f"INSTALL '{extension_file('ducklake')}';" in result.output
    assert "Superset" not in result.output
    everything = CliRunner().invoke(app, ["connect", "--warehouse", "wh"]).output
    assert all(recipe(c, str(tmp_path / "wh")).title in everything for c in CLIENTS)
    assert CliRunner().invoke(app, ["connect", "--warehouse", "wh", "--client", "excel"]).exit_code == 2
    assert CliRunner().invoke(app, ["connect", "--warehouse", "missing"]).exit_code == 2


# -- slow: every recipe on a real warehouse, then on its copy elsewhere ------------------------------------------

@pytest.mark.slow
@pytest.mark.timeout(900)
def test_every_recipe_reads_the_warehouse_and_its_copy(built: dict, home: pathlib.Path,
                                                       tmp_path: pathlib.Path) -> None:
    expected, relations = built["counts"], sorted(built["counts"])
    recipes = doc_recipes()
    first = tmp_path / "first place"  # a space in the path, as users' folders have
    shutil.copytree(built["warehouse"], first)
    for client, run in RUNNERS.items():
        assert run(localized(recipes[client], first), relations, home) == expected, client
    moved = _move(first, tmp_path / "moved" / "elsewhere")
    for client, run in RUNNERS.items():
        assert run(localized(recipes[client], moved), relations, home) == expected, f"{client}, after the move"


@pytest.mark.slow
def test_the_old_recipe_no_longer_reads_a_moved_warehouse(built: dict, home: pathlib.Path,
                                                          tmp_path: pathlib.Path) -> None:
    old = tmp_path / "old"
    shutil.copytree(built["warehouse"], old)
    stale = localized(doc_recipes()["duckdb"], old)
    _move(old, tmp_path / "new")
    done = subprocess.run([str(DUCKDB_SHELL), "-bail", "-json"], env=_env(home), cwd=home, capture_output=True,
                          text=True, timeout=300, input=_only(stale, "Paste") + "\nSELECT count(*) FROM paragraphs;\n")
    assert done.returncode != 0


@pytest.mark.slow
def test_time_travel_to_the_snapshot_history_lists(built: dict, home: pathlib.Path, tmp_path: pathlib.Path) -> None:
    moved = _move(shutil.copytree(built["warehouse"], tmp_path / "a"), tmp_path / "b")
    first_run = built["history"][-1]  # newest first
    attach = _only(localized(doc_recipes()["duckdb"], moved), "Paste")
    assert "FROM articles AT (VERSION => " in doc_example("time-travel")
    travel = re.sub(r"VERSION => \d+", f"VERSION => {first_run['snapshot']}", doc_example("time-travel"))
    (row,) = _shell_rows(f"{attach}\n{travel}\n", home)
    assert list(row.values()) == [built["first_counts"]["articles"]]
    snapshots = _shell_rows(f"{attach}\n{doc_example('snapshots')}\n", home)
    assert {r["snapshot_id"] for r in snapshots} >= {h["snapshot"] for h in built["history"]}


@pytest.mark.slow
def test_report_queries_run(built: dict, home: pathlib.Path) -> None:
    attach = _only(localized(doc_recipes()["duckdb"], built["warehouse"]), "Paste")
    output = _shell(f"{attach}\n{doc_example('report-queries')}\n", home)
    assert output.count('"mentions":') > 1  # the map and the timeline queries returned rows


@pytest.mark.slow
@pytest.mark.timeout(900)
def test_every_recipe_with_a_postgresql_catalog(postgres_uri: str, prefect_server, home: pathlib.Path,  # noqa: F811
                                                tmp_path: pathlib.Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from flows.runners import run_flow

    warehouse = tmp_path / "pg-warehouse"
    inputs = _demo_files(FIRST_RUN, tmp_path / "in")
    assert run_flow(str(inputs), str(warehouse), catalog=postgres_uri)["status"] == "completed"
    lake = Lake(str(warehouse), postgres_uri)
    run_maintenance(lake)
    expected = _reference_counts(lake)
    moved = _move(warehouse, tmp_path / "moved" / "it's here")  # the generated text quotes it for SQL and Python
    relations = sorted(expected)
    shown = localized(doc_recipes()["duckdb postgres"], tmp_path / "moved" / "it''s here", postgres_uri)
    assert run_duckdb(shown, relations, home) == expected
    for client, run in RUNNERS.items():
        generated = {s.where: s.text for s in recipe(client, str(moved), postgres_uri).snippets}
        assert run(generated, relations, home) == expected, client
