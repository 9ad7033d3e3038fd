"""A plain DuckDB copy of the public tables, for tools that open one database file and nothing else.

The warehouse is a DuckLake: reading it needs the `ducklake` extension and an ATTACH (docs/bi.md). Some
tools only open a DuckDB file: a scoring script, a notebook's `duckdb.connect(path)`, a BI driver that
ships no extensions. For them each local warehouse keeps `broadsheet.duckdb` beside its catalog: the
public tables and views as of the newest snapshot, refreshed after every command that commits.

The copy follows the lake, never the other way round: nothing reads it back, and deleting it costs
nothing (the next refresh rebuilds it). A refresh applies the DuckLake change feed (`table_changes`)
between the snapshot the copy holds and the current one, so its cost follows what changed, not the size
of the warehouse; it rebuilds the whole file (into a new file that replaces the old one) when the copy is
missing or unreadable, when the tables or views changed shape, or when the copy's snapshot has expired.
A refresh that cannot run (the file held open for writing by another process, a full disk) is logged
and leaves the warehouse untouched; the copy stays at its older snapshot until the next refresh.

Rows are stored in schema `lake_rows` with the lake's `rowid` (the change feed names rows by it); the
tables users query are views of them without that column, in the lake's own schema names, so the lake's
views (marts, `articles`) are created unchanged on top.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import logging
import os
from collections.abc import Iterator
from dataclasses import dataclass

import duckdb

from warehouse.lake import LAKE, Lake
from warehouse.schemas import TABLES

MIRROR_FILE = "broadsheet.duckdb"
MIRROR = "broadsheet_mirror"
ROWS_SCHEMA = "lake_rows"
STATE_TABLE = f"{ROWS_SCHEMA}.mirror_state"
ROWID = "lake_rowid"
FORMAT = 1  # bump when the copy's own layout changes: every copy is then rebuilt

log = logging.getLogger(__name__)


def _ident(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _literal(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


@dataclass(frozen=True)
class Shape:
    """What the copy mirrors: tables with their columns, and views with their SQL, as of one snapshot."""

    tables: tuple[tuple[str, str, tuple[tuple[str, str], ...]], ...]  # (schema, table, ((column, type), ...))
    views: tuple[tuple[str, str, str], ...]  # (schema, view, CREATE VIEW sql)
    comments: tuple[tuple[str, str, str], ...]  # (schema, table, comment)

    def digest(self) -> str:
        payload = json.dumps([FORMAT, self.tables, self.views, self.comments], sort_keys=True)
        return hashlib.sha256(payload.encode()).hexdigest()


@dataclass(frozen=True)
class Refresh:
    """What one refresh did: `mode` is `current`, `incremental`, `rebuilt`, `skipped` or `failed`."""

    mode: str
    snapshot: int | None = None
    rows_changed: int = 0
    reason: str = ""


def mirror_path(lake: Lake) -> str | None:
    """Where the copy of a local warehouse lives; None for a warehouse on an object store (no copy)."""
    return lake.location.path(MIRROR_FILE) if lake.location.is_local else None


def _mirrored_tables() -> set[tuple[str, str]]:
    """The public tables (schema, name) as stored in the lake, plus every table in `main` (e.g. dictionary)."""
    return {(spec.stored_in, spec.name) for spec in TABLES.values()}


def _shape(con: duckdb.DuckDBPyConnection) -> Shape:
    wanted = _mirrored_tables()
    found = con.execute(
        "SELECT schema_name, table_name, comment FROM duckdb_tables() WHERE database_name = ? "
        "ORDER BY schema_name, table_name", [LAKE]).fetchall()
    # Every column in one query: one per table cost a tenth of a second each on every run.
    columns: dict[tuple[str, str], list[tuple[str, str]]] = {}
    for schema, table, column, data_type in con.execute(
            "SELECT schema_name, table_name, column_name, data_type FROM duckdb_columns() WHERE database_name = ? "
            "ORDER BY schema_name, table_name, column_index", [LAKE]).fetchall():
        columns.setdefault((schema, table), []).append((column, data_type))
    tables, comments = [], []
    for schema, table, comment in found:
        if schema != "main" and (schema, table) not in wanted:
            continue  # internal state (story terms, MinHash bands, ...) is not for readers
        tables.append((schema, table, tuple(columns.get((schema, table), ()))))
        if comment:
            comments.append((schema, table, comment))
    views = con.execute(
        "SELECT schema_name, view_name, sql FROM duckdb_views() WHERE database_name = ? AND NOT internal "
        "ORDER BY schema_name, view_name", [LAKE]).fetchall()
    return Shape(tuple(tables), tuple((s, v, q) for s, v, q in views), tuple(comments))


def _snapshots(con: duckdb.DuckDBPyConnection) -> tuple[int, set[int]]:
    current = con.execute(f"SELECT id FROM {LAKE}.current_snapshot()").fetchone()[0]
    kept = {r[0] for r in con.execute(f"SELECT snapshot_id FROM ducklake_snapshots({_literal(LAKE)})").fetchall()}
    return int(current), kept


def _rows_table(schema: str, table: str) -> str:
    return f"{ROWS_SCHEMA}.{_ident(f'{schema}__{table}')}"


@contextlib.contextmanager
def _attached(con: duckdb.DuckDBPyConnection, path: str) -> Iterator[None]:
    con.execute(f"ATTACH {_literal(path)} AS {MIRROR}")
    try:
        yield
    finally:
        with contextlib.suppress(duckdb.Error):
            con.execute("ROLLBACK")
        con.execute(f"USE {LAKE}")
        con.execute(f"DETACH {MIRROR}")


def _held_state(con: duckdb.DuckDBPyConnection) -> tuple[int, str] | None:
    exists = con.execute("SELECT count(*) FROM duckdb_tables() WHERE database_name = ? AND schema_name = ? "
                         "AND table_name = 'mirror_state'", [MIRROR, ROWS_SCHEMA]).fetchone()[0]
    if not exists:
        return None
    row = con.execute(f"SELECT snapshot_id, shape FROM {MIRROR}.{STATE_TABLE}").fetchone()
    return (int(row[0]), str(row[1])) if row else None


def _build(con: duckdb.DuckDBPyConnection, shape: Shape, snapshot: int) -> int:
    """Fill an empty attached copy with every mirrored table as of `snapshot`; returns the rows copied."""
    n = 0
    con.execute(f"CREATE SCHEMA {MIRROR}.{ROWS_SCHEMA}")
    for schema in sorted({s for s, _, _ in shape.tables} | {s for s, _, _ in shape.views}):
        con.execute(f"CREATE SCHEMA IF NOT EXISTS {MIRROR}.{_ident(schema)}")
    for schema, table, columns in shape.tables:
        cols = ", ".join(_ident(c) for c, _ in columns)
        con.execute(f"CREATE TABLE {MIRROR}.{_rows_table(schema, table)} AS SELECT rowid AS {ROWID}, {cols} "
                    f"FROM {LAKE}.{_ident(schema)}.{_ident(table)} AT (VERSION => {snapshot})")
        n += con.execute(f"SELECT count(*) FROM {MIRROR}.{_rows_table(schema, table)}").fetchone()[0]
    con.execute(f"USE {MIRROR}")
    for schema, table, columns in shape.tables:
        cols = ", ".join(_ident(c) for c, _ in columns)
        con.execute(f"CREATE VIEW {_ident(schema)}.{_ident(table)} AS SELECT {cols} FROM {_rows_table(schema, table)}")
    for schema, table, comment in shape.comments:
        con.execute(f"COMMENT ON VIEW {_ident(schema)}.{_ident(table)} IS {_literal(comment)}")
    _create_views(con, shape.views)
    con.execute(f"CREATE TABLE {STATE_TABLE} (snapshot_id BIGINT, shape VARCHAR)")
    con.execute(f"INSERT INTO {STATE_TABLE} VALUES (?, ?)", [snapshot, shape.digest()])
    return n


def _create_views(con: duckdb.DuckDBPyConnection, views: tuple[tuple[str, str, str], ...]) -> None:
    """Create the lake's views in the copy, in an order that satisfies their dependencies."""
    pending = list(views)
    while pending:
        failed: list[tuple[str, str, str]] = []
        last_error: Exception | None = None
        for schema, view, sql in pending:
            try:
                con.execute(f"USE {MIRROR}.{_ident(schema)}")
                con.execute(sql)
            except duckdb.CatalogException as exc:  # a view it reads is not there yet
                failed.append((schema, view, sql))
                last_error = exc
        if len(failed) == len(pending):
            raise RuntimeError(f"views could not be copied: {last_error}")
        pending = failed
    con.execute(f"USE {MIRROR}")


# Snapshot changes that only add or remove rows; any other (a table created, altered, compacted...) means
# every table's change feed is read.
_ROW_CHANGES = frozenset({"tables_inserted_into", "tables_deleted_from", "inlined_insert", "inlined_delete"})


def _tables_with_changed_rows(con: duckdb.DuckDBPyConnection, since: int, snapshot: int) -> set[str] | None:
    """Names of the tables whose rows changed in snapshots (since, snapshot]; None: treat every table as changed."""
    changes = con.execute(f"SELECT changes FROM ducklake_snapshots({_literal(LAKE)}) "
                          "WHERE snapshot_id > ? AND snapshot_id <= ?", [since, snapshot]).fetchall()
    if len(changes) != snapshot - since:
        return None  # a snapshot in between is gone: nothing says what it changed
    ids: set[str] = set()
    for (change,) in changes:
        if not set(change) <= _ROW_CHANGES:
            return None
        for table_ids in change.values():
            ids.update(str(t) for t in table_ids)
    names = {str(tid): name for name, tid in con.execute(
        f"SELECT table_name, table_id FROM ducklake_table_info({_literal(LAKE)})").fetchall()}
    if not ids <= names.keys():
        return None
    return {names[t] for t in ids}


def _apply_changes(con: duckdb.DuckDBPyConnection, shape: Shape, since: int, snapshot: int) -> int:
    """Apply the change feed of (since, snapshot] to the attached copy; returns the rows touched."""
    n = 0
    changed = _tables_with_changed_rows(con, since, snapshot)
    con.execute("BEGIN TRANSACTION")
    for schema, table, columns in shape.tables:
        if changed is not None and table not in changed:
            continue  # its change feed is empty: a run with no new input changes only `runs` and `inputs`
        cols = ", ".join(_ident(c) for c, _ in columns)
        changes = (f"SELECT * FROM ducklake_table_changes({_literal(LAKE)}, {_literal(schema)}, {_literal(table)}, "
                   f"{since + 1}, {snapshot}) "
                   f"WHERE change_type <> 'update_preimage'")
        # The newest change of each row decides: present with its newest values, or gone.
        con.execute(f"CREATE OR REPLACE TEMP TABLE mirror_delta AS SELECT * FROM ({changes}) "
                    "QUALIFY row_number() OVER (PARTITION BY rowid ORDER BY snapshot_id DESC) = 1")
        touched = con.execute("SELECT count(*) FROM mirror_delta").fetchone()[0]
        if not touched:
            continue
        n += touched
        target = f"{MIRROR}.{_rows_table(schema, table)}"
        con.execute(f"DELETE FROM {target} WHERE {ROWID} IN (SELECT rowid FROM mirror_delta)")
        con.execute(f"INSERT INTO {target} SELECT rowid, {cols} FROM mirror_delta "
                    "WHERE change_type IN ('insert', 'update_postimage')")
    con.execute("DROP TABLE IF EXISTS mirror_delta")
    con.execute(f"UPDATE {MIRROR}.{STATE_TABLE} SET snapshot_id = ?", [snapshot])
    con.execute("COMMIT")
    return n


def _rebuild(con: duckdb.DuckDBPyConnection, path: str, shape: Shape, snapshot: int) -> int:
    """Write a whole new copy beside the old one, then put it in place in one rename."""
    fresh = f"{path}.new-{os.getpid()}"
    for leftover in (fresh, fresh + ".wal"):
        with contextlib.suppress(FileNotFoundError):
            os.remove(leftover)
    try:
        with _attached(con, fresh):
            n = _build(con, shape, snapshot)
        os.replace(fresh, path)
        with contextlib.suppress(FileNotFoundError):
            os.remove(path + ".wal")  # a WAL of the replaced file must not be replayed into the new one
        return n
    finally:
        for leftover in (fresh, fresh + ".wal"):
            with contextlib.suppress(FileNotFoundError):
                os.remove(leftover)


def refresh(lake: Lake) -> Refresh:
    """Bring the warehouse's `broadsheet.duckdb` to the lake's newest snapshot; never raises.

    Returns:
        What was done; `failed` carries the reason, which the caller logs (the copy stays as it was).
    """
    path = mirror_path(lake)
    if path is None:
        return Refresh("skipped", reason="the warehouse is on an object store")
    try:
        with lake.reader() as con:
            snapshot, kept = _snapshots(con)
            shape = _shape(con)
            held = None
            if os.path.exists(path):
                try:
                    with _attached(con, path):
                        held = _held_state(con)
                        if held is not None and held[0] == snapshot and held[1] == shape.digest():
                            return Refresh("current", snapshot)
                        if held is not None and held[1] == shape.digest() and held[0] in kept:
                            changed = _apply_changes(con, shape, held[0], snapshot)
                            return Refresh("incremental", snapshot, changed)
                except duckdb.Error as exc:
                    if "lock" in str(exc).lower():
                        raise  # held open by another process: try again at the next refresh
                    log.warning("the DuckDB copy %s is rebuilt: %s", path, str(exc).splitlines()[0][:200])
            reason = ("no copy yet" if held is None else "tables or views changed"
                      if held[1] != shape.digest() else "its snapshot expired")
            rows = _rebuild(con, path, shape, snapshot)
            return Refresh("rebuilt", snapshot, rows, reason)
    except Exception as exc:  # the copy is a convenience: it never fails the command that committed
        reason = f"{type(exc).__name__}: {str(exc).splitlines()[0][:300] if str(exc) else ''}"
        log.warning("the DuckDB copy of %s was not refreshed (%s); it stays at its older snapshot until the "
                    "next refresh", lake.display, reason)
        return Refresh("failed", reason=reason)
