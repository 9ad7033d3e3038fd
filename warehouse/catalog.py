"""The lake's schema: tables from `warehouse/schemas.py`, views from `warehouse/sql/`, and their comments.

`ensure_schema` creates what is missing (tables, added columns, views, comments) in one DuckLake transaction,
and does nothing at all when the lake already matches this code (a digest of the definitions is kept in
`internal.schema_state`), so a run that changes no data writes no snapshot for the schema.

DuckLake (format 1.0, the one our ducklake extension writes) keeps comments on tables, views and table
columns, but not on view columns (duckdb/ducklake#1239). So every column of every table and view is also a
row of the `dictionary` table, and each view's comment lists its columns.
"""

from __future__ import annotations

import functools
import hashlib
import pathlib
import re

import duckdb
import pyarrow as pa

from warehouse.lake import INTERNAL
from warehouse.schemas import TABLES, TableSpec
from warehouse.state_schemas import PUBLISHES, SCHEMA_STATE, STATE_TABLES

SQL_DIR = pathlib.Path(__file__).resolve().parent / "sql"
MARTS_DIR = SQL_DIR / "marts"
_PLACEHOLDER = re.compile(r"\{(\w+)\}")
_COLUMN_NOTE = re.compile(r"^--\s*column\s+(\w+)\s*:\s*(.+)$")

_DUCKDB_TYPES = {
    pa.string(): "VARCHAR",
    pa.int32(): "INTEGER",
    pa.int64(): "BIGINT",
    pa.float64(): "DOUBLE",
    pa.bool_(): "BOOLEAN",
    pa.date32(): "DATE",
    pa.timestamp("us", tz="UTC"): "TIMESTAMP WITH TIME ZONE",
    pa.list_(pa.string()): "VARCHAR[]",
    pa.list_(pa.int64()): "BIGINT[]",
}


def _duckdb_type_of(type_: pa.DataType) -> str:
    if type_ in _DUCKDB_TYPES:
        return _DUCKDB_TYPES[type_]
    if pa.types.is_list(type_):
        return f"{_duckdb_type_of(type_.value_type)}[]"
    if pa.types.is_struct(type_):
        fields = ", ".join(f"{ident(f.name)} {_duckdb_type_of(f.type)}" for f in type_)
        return f"STRUCT({fields})"
    raise KeyError(f"no DuckDB type for {type_}")

DICTIONARY = TableSpec(
    name="dictionary",
    grain="one row per column of every table and view of the warehouse",
    key=("relation", "column_name"),
    description="The data dictionary: every table and view column with its type and meaning (view columns "
                "cannot carry DuckLake comments of their own, so BI users read them here).",
    schema=pa.schema([
        pa.field("relation", pa.string(), False, {"description": "Table or view name."}),
        pa.field("relation_kind", pa.string(), False, {"description": "table or view."}),
        pa.field("column_name", pa.string(), False, {"description": "Column name."}),
        pa.field("ordinal", pa.int32(), False, {"description": "Position of the column, from 1."}),
        pa.field("description", pa.string(), False, {"description": "What the column means."}),
    ]),
)

def duckdb_type(type_: pa.DataType) -> str:
    """The DuckDB SQL type for an Arrow type used in the schemas (lists and structs of them too)."""
    return _duckdb_type_of(type_)


def quote(s: str) -> str:
    """A SQL string literal."""
    return "'" + s.replace("'", "''") + "'"


def ident(name: str) -> str:
    """A quoted SQL identifier."""
    return '"' + name.replace('"', '""') + '"'


def view_names() -> list[str]:
    """Tables shown through a view of the same name in `main` (`warehouse/sql/<name>.sql`)."""
    return sorted(p.stem for p in SQL_DIR.glob("*.sql"))


def view_sql(name: str) -> str:
    """The SQL of a view or mart, placeholders `{table}` resolved to the stored tables."""
    path = SQL_DIR / f"{name}.sql"
    if not path.exists():
        path = MARTS_DIR / f"{name}.sql"
    text = path.read_text(encoding="utf-8")
    return _PLACEHOLDER.sub(lambda m: TABLES[m.group(1)].stored_name, text)


def _note(sql: str, prefix: str) -> str:
    for line in sql.splitlines():
        if line.startswith(prefix):
            return line.removeprefix(prefix).strip()
    return ""


def view_grain(name: str) -> str:
    """The grain stated on the first line of a view's SQL file."""
    return _note(view_sql(name), "-- grain:")


def mart_names() -> list[str]:
    """Marts (views over the tables), in the order their files sort; a mart may use marts before it."""
    return sorted(p.stem for p in MARTS_DIR.glob("*.sql")) if MARTS_DIR.is_dir() else []


def mart_column_notes(name: str) -> dict[str, str]:
    """Column descriptions of a mart, from its `-- column NAME: meaning` lines."""
    notes = {}
    for line in view_sql(name).splitlines():
        m = _COLUMN_NOTE.match(line.strip())
        if m:
            notes[m.group(1)] = m.group(2).strip()
    return notes


def table_ddl(spec: TableSpec, name: str | None = None) -> str:
    """CREATE TABLE for a spec's stored table, or under another name (NOT NULL where the schema says so)."""
    cols = ", ".join(f"{ident(f.name)} {duckdb_type(f.type)}{'' if f.nullable else ' NOT NULL'}"
                     for f in spec.schema)
    return f"CREATE TABLE IF NOT EXISTS {name or spec.stored_name} ({cols})"


def apply_comments(con: duckdb.DuckDBPyConnection, spec: TableSpec) -> None:
    """COMMENT ON the stored table and each of its columns."""
    note = f"{spec.description} Grain: {spec.grain}."
    con.execute(f"COMMENT ON TABLE {spec.stored_name} IS {quote(note)}")
    for f in spec.schema:
        con.execute(f"COMMENT ON COLUMN {spec.stored_name}.{ident(f.name)} IS {quote(spec.description_of(f.name))}")


def all_specs() -> list[TableSpec]:
    """Every stored table: the public ones, the dictionary, and the internal state."""
    return [*TABLES.values(), DICTIONARY, *STATE_TABLES.values()]


@functools.cache
def schema_digest() -> str:
    """A digest of every definition `ensure_schema` applies: equal digests mean nothing to do."""
    h = hashlib.sha256()
    for spec in all_specs():
        h.update(table_ddl(spec).encode())
        h.update(spec.description.encode())
        for f in spec.schema:
            h.update(spec.description_of(f.name).encode())
    for name in [*view_names(), *mart_names()]:
        h.update(name.encode())
        h.update(view_sql(name).encode())
    return h.hexdigest()


def _dictionary_rows(con: duckdb.DuckDBPyConnection) -> list[tuple]:
    rows: list[tuple] = []
    views = set(view_names())
    for spec in [*TABLES.values(), DICTIONARY]:
        kind = "view" if spec.name in views else "table"
        names = [*spec.columns, *(n for n, _ in spec.view_columns)]
        rows += [(spec.name, kind, c, i + 1, spec.description_of(c)) for i, c in enumerate(names)]
    for name in mart_names():
        notes = mart_column_notes(name)
        cols = [d[0] for d in con.execute(f"SELECT * FROM {ident(name)} LIMIT 0").description]
        rows += [(name, "view", c, i + 1, notes.get(c, "")) for i, c in enumerate(cols)]
    return rows


def ensure_schema(con: duckdb.DuckDBPyConnection) -> bool:
    """Bring the attached lake's tables, views and comments up to this code's definitions; True if anything changed.

    Tables are only ever created or widened (new columns are added, nothing is dropped or retyped): column
    names are a public interface. Runs in its own transaction.
    """
    digest = schema_digest()
    con.execute(f"CREATE SCHEMA IF NOT EXISTS {INTERNAL}")
    con.execute(table_ddl(SCHEMA_STATE))
    if con.execute(f"SELECT count(*) FROM {SCHEMA_STATE.stored_name} WHERE digest = ?", [digest]).fetchone()[0]:
        return False
    con.execute("BEGIN")
    try:
        for spec in all_specs():
            con.execute(table_ddl(spec))
            existing = {r[0] for r in con.execute(
                "SELECT column_name FROM duckdb_columns() WHERE database_name = current_database() "
                "AND schema_name = ? AND table_name = ?", [spec.stored_in, spec.name]).fetchall()}
            for f in spec.schema:
                if f.name not in existing:  # a column added by a newer version: old rows read as null
                    con.execute(f"ALTER TABLE {spec.stored_name} ADD COLUMN {ident(f.name)} {duckdb_type(f.type)}")
            apply_comments(con, spec)
        for name in view_names():
            spec = TABLES[name]
            con.execute(f"CREATE OR REPLACE VIEW main.{ident(name)} AS {view_sql(name)}")
            names = [*spec.columns, *(n for n, _ in spec.view_columns)]
            cols = "; ".join(f"{c}: {spec.description_of(c)}" for c in names)
            con.execute(f"COMMENT ON VIEW main.{ident(name)} IS "
                        f"{quote(f'{spec.description} Grain: {spec.grain}. Columns: {cols}')}")
        for name in mart_names():
            sql = view_sql(name)
            con.execute(f"CREATE OR REPLACE VIEW main.{ident(name)} AS {sql}")
            notes = mart_column_notes(name)
            cols = "; ".join(f"{c}: {d}" for c, d in notes.items())
            note = f"{_note(sql, '-- description:')} Grain: {_note(sql, '-- grain:')}. Columns: {cols}"
            con.execute(f"COMMENT ON VIEW main.{ident(name)} IS {quote(note.strip())}")
        con.execute(f"INSERT INTO {PUBLISHES.stored_name} SELECT 0 WHERE NOT EXISTS "
                    f"(SELECT 1 FROM {PUBLISHES.stored_name})")
        con.execute(f"DELETE FROM main.{DICTIONARY.name}")
        con.executemany(f"INSERT INTO main.{DICTIONARY.name} VALUES (?, ?, ?, ?, ?)", _dictionary_rows(con))
        con.execute(f"DELETE FROM {SCHEMA_STATE.stored_name}")
        con.execute(f"INSERT INTO {SCHEMA_STATE.stored_name} VALUES (?)", [digest])
        con.execute("COMMIT")
    except BaseException:
        con.execute("ROLLBACK")
        raise
    return True
