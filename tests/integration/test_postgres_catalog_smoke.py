"""DuckLake with a PostgreSQL catalog on a real server (the `postgres_server` fixture), offline: the ducklake and
postgres DuckDB extensions come from their registry wheels through a private extension directory.

A table written by one process reads back in another, and two processes committing inserts into one table at
the same time both land. Both libpq forms work after `ducklake:postgres:` (URI and key=value).
"""

from __future__ import annotations

import contextlib
import json
import pathlib
import subprocess
import sys

import duckdb
import pytest

from tests.integration.postgres import PostgresDatabase

pytestmark = [pytest.mark.slow, pytest.mark.timeout(120)]

EXTENSIONS = ("ducklake", "postgres")  # the postgres wheel's file installs as `postgres_scanner`
PARQUET_ROWS = 1000  # more rows than DuckLake inlines into the catalog: written as a Parquet file
WRITES_PER_WRITER = 10

# Run in child processes: argv = extension dir, ATTACH target, data path, [writer id]. Nothing is installed
# there: the known extensions autoload from the extension directory the parent filled.
_CONNECT = """
import json, sys
import duckdb
con = duckdb.connect(config={"extension_directory": sys.argv[1], "autoinstall_known_extensions": False})
quoted = ["'" + arg.replace("'", "''") + "'" for arg in sys.argv[2:4]]
con.execute(f"ATTACH {quoted[0]} AS lake (DATA_PATH {quoted[1]})")
"""
_READER = _CONNECT + """
print(json.dumps(con.execute("SELECT count(*), sum(id) FROM lake.items").fetchone()))
"""
_WRITER = _CONNECT + """
import time
writer = int(sys.argv[4])
print("ready", flush=True)
sys.stdin.readline()  # the parent says go once every writer is attached
started = time.time()
for i in range(WRITES):
    con.execute("INSERT INTO lake.items SELECT ? * 1000000 + ? * 1000 + range, ? FROM range(?)",
                [writer, i, f"writer {writer}", 1 + (i % 2) * PARQUET])  # alternately inlined and Parquet
print(json.dumps([started, time.time()]), flush=True)
""".replace("WRITES", str(WRITES_PER_WRITER)).replace("PARQUET", str(PARQUET_ROWS))


@pytest.fixture(scope="module")
def extension_dir(tmp_path_factory) -> pathlib.Path:
    """A DuckDB extension directory holding the ducklake and postgres extensions from the installed wheels."""
    directory = tmp_path_factory.mktemp("duckdb_extensions")
    con = _connect(directory)
    for name in EXTENSIONS:
        package = __import__(f"duckdb_extension_{name}")
        path = (pathlib.Path(package.__file__).parent / "extensions" / f"v{duckdb.__version__}"
                / f"{name}.duckdb_extension")
        con.execute(f"INSTALL '{path}'")
    con.close()
    return directory


def _connect(extension_dir: pathlib.Path) -> duckdb.DuckDBPyConnection:
    """An in-memory DuckDB that only ever loads extensions from `extension_dir` and never downloads one."""
    return duckdb.connect(config={"extension_directory": str(extension_dir), "autoinstall_known_extensions": False})


def _attach(con: duckdb.DuckDBPyConnection, target: str, data_path: str, read_only: bool = False) -> None:
    """ATTACH a DuckLake as `lake` (ATTACH takes no prepared parameters, so the strings are quoted here)."""
    target_sql, data_path_sql = (f"'{text.replace(chr(39), chr(39) * 2)}'" for text in (target, data_path))
    con.execute(f"ATTACH {target_sql} AS lake (DATA_PATH {data_path_sql}{', READ_ONLY' if read_only else ''})")


def _attach_target(database: PostgresDatabase, form: str) -> str:
    """`ducklake:postgres:` followed by the database's libpq URI or key=value string."""
    return "ducklake:postgres:" + (database.uri if form == "uri" else database.conninfo)


def _run_child(script: str, *args: str) -> str:
    result = subprocess.run([sys.executable, "-c", script, *args], capture_output=True, text=True, timeout=60,
                            check=False)
    assert result.returncode == 0, result.stderr
    return result.stdout


def test_server_answers_on_loopback_only(postgres_server, postgres_database):
    out = postgres_server.run_client("psql", "-d", postgres_database.name, "-Atc",
                                     "SELECT current_setting('listen_addresses'), "
                                     "current_setting('unix_socket_directories'), "
                                     "(SELECT count(*) FROM pg_tables WHERE schemaname = 'public')").stdout
    assert out.strip() == "127.0.0.1||0"


@pytest.mark.parametrize("form", ["uri", "keyvalue"])
def test_table_written_in_one_process_reads_back_in_another(postgres_database, extension_dir, tmp_path, form):
    target, data_path = _attach_target(postgres_database, form), f"{tmp_path / 'data'}/"
    con = _connect(extension_dir)
    _attach(con, target, data_path)
    con.execute("CREATE TABLE lake.items (id BIGINT, source VARCHAR)")
    con.execute("INSERT INTO lake.items SELECT range, 'parquet' FROM range(?)", [PARQUET_ROWS])
    con.execute("INSERT INTO lake.items VALUES (-1, 'inlined')")
    loaded = dict(con.execute("SELECT extension_name, install_path FROM duckdb_extensions() WHERE loaded").fetchall())
    con.close()

    assert all(loaded[name].startswith(str(extension_dir)) for name in ("ducklake", "postgres_scanner"))
    assert list((tmp_path / "data").rglob("*.parquet")), "the large insert should be a Parquet file"
    count, total = json.loads(_run_child(_READER, str(extension_dir), target, data_path))
    assert (count, total) == (PARQUET_ROWS + 1, sum(range(PARQUET_ROWS)) - 1)


def test_two_processes_commit_into_one_table_at_once(postgres_database, extension_dir, tmp_path):
    target, data_path = _attach_target(postgres_database, "uri"), f"{tmp_path / 'data'}/"
    con = _connect(extension_dir)
    _attach(con, target, data_path)
    con.execute("CREATE TABLE lake.items (id BIGINT, source VARCHAR)")
    con.close()

    writers = [subprocess.Popen([sys.executable, "-c", _WRITER, str(extension_dir), target, data_path, str(n)],
                                stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
               for n in (1, 2)]
    try:
        ready = [writer.stdout.readline().strip() for writer in writers]  # each has attached
        for writer in writers:
            with contextlib.suppress(BrokenPipeError):  # a writer that failed to attach has exited
                writer.stdin.write("go\n")
                writer.stdin.flush()
        outcomes = [writer.communicate(timeout=60) for writer in writers]
    finally:
        for writer in writers:
            if writer.poll() is None:
                writer.kill()
    assert ready == ["ready", "ready"], [err for _, err in outcomes]
    assert [writer.returncode for writer in writers] == [0, 0], [err for _, err in outcomes]
    (start_1, end_1), (start_2, end_2) = (json.loads(out) for out, _ in outcomes)
    assert max(start_1, start_2) < min(end_1, end_2), "the two writers' commits should overlap in time"

    per_writer = WRITES_PER_WRITER // 2 * (1 + 1 + PARQUET_ROWS)
    con = _connect(extension_dir)
    _attach(con, target, data_path, read_only=True)
    counts = dict(con.execute("SELECT source, count(*) FROM lake.items GROUP BY source").fetchall())
    assert counts == {"writer 1": per_writer, "writer 2": per_writer}
