"""The DuckDB catalog: a small database file of views over the live Parquet parts.

The catalog is rebuilt from the snapshot into a new file and renamed over the old one, so a BI tool that
holds the old file open read-only keeps a consistent (old) warehouse and is never locked out, and every
new connection sees all tables of the new snapshot at once.
"""

from __future__ import annotations

import os
import pathlib
import re
import tempfile
import uuid

import duckdb
import pyarrow as pa

from warehouse.schemas import TABLES, TableSpec
from warehouse.store import Snapshot, Warehouse

CATALOG = "broadsheet.duckdb"
SQL_DIR = pathlib.Path(__file__).resolve().parent / "sql"
MARTS_DIR = SQL_DIR / "marts"
_PLACEHOLDER = re.compile(r"\{(\w+)\}")

_DUCKDB_TYPES = {
    pa.string(): "VARCHAR",
    pa.int32(): "INTEGER",
    pa.int64(): "BIGINT",
    pa.float64(): "DOUBLE",
    pa.bool_(): "BOOLEAN",
    pa.date32(): "DATE",
    pa.timestamp("us", tz="UTC"): "TIMESTAMP WITH TIME ZONE",
}


def duckdb_type(type_: pa.DataType) -> str:
    """The DuckDB SQL type for an Arrow type used in the schemas."""
    return _DUCKDB_TYPES[type_]


def _quote(s: str) -> str:
    return "'" + s.replace("'", "''") + "'"


def table_source(spec: TableSpec, urls: list[str]) -> str:
    """SQL relation over a table's parts; a typed empty relation when it has none yet."""
    if urls:
        files = ", ".join(_quote(u) for u in urls)
        return f"read_parquet([{files}], union_by_name = true)"
    cols = ", ".join(f"CAST(NULL AS {duckdb_type(f.type)}) AS \"{f.name}\"" for f in spec.schema)
    return f"(SELECT {cols} WHERE false)"


def view_sql(name: str) -> str:
    """The SQL body of a view, from its file in `warehouse/sql/`."""
    return (SQL_DIR / f"{name}.sql").read_text(encoding="utf-8")


def view_grain(name: str) -> str:
    """The grain stated on the first line of a view's SQL file."""
    first = view_sql(name).splitlines()[0]
    return first.removeprefix("-- grain:").strip()


def mart_names() -> list[str]:
    """Marts (views over the base views), in the order their files sort; a mart may use marts before it."""
    return sorted(p.stem for p in MARTS_DIR.glob("*.sql")) if MARTS_DIR.is_dir() else []


def mart_sql(name: str) -> str:
    """The SQL body of a mart, from `warehouse/sql/marts/<name>.sql`."""
    return (MARTS_DIR / f"{name}.sql").read_text(encoding="utf-8")


def _sql_comment(sql: str, prefix: str) -> str:
    for line in sql.splitlines():
        if line.startswith(prefix):
            return line.removeprefix(prefix).strip()
    return ""


def build_catalog(wh: Warehouse, snap: Snapshot, register: callable | None = None) -> str:
    """Write a new catalog for `snap` and swap it in; returns the catalog's path or URL."""
    sources = {name: table_source(spec, wh.live_part_urls(snap, name)) for name, spec in TABLES.items()}
    tmp_dir = wh.path() if wh.is_local else tempfile.mkdtemp(prefix="broadsheet-catalog-")
    tmp = os.path.join(tmp_dir, f".{CATALOG}.tmp-{uuid.uuid4().hex[:8]}")
    con = duckdb.connect(tmp)
    try:
        if register is not None:
            register(con)
        elif not wh.is_local:
            # CREATE VIEW reads each Parquet footer: DuckDB must reach the object store through the same fsspec
            # filesystem (credentials from the environment), with no httpfs secret to manage.
            con.register_filesystem(wh.fs)
        for name in TABLES:
            body = _PLACEHOLDER.sub(lambda m: sources[m.group(1)], view_sql(name))
            con.execute(f'CREATE VIEW "{name}" AS {body}')
            spec = TABLES[name]
            con.execute(f'COMMENT ON VIEW "{name}" IS {_quote(spec.description + " Grain: " + spec.grain + ".")}')
            for col in [*spec.columns, *(name for name, _ in spec.view_columns)]:
                con.execute(f'COMMENT ON COLUMN "{name}"."{col}" IS {_quote(spec.description_of(col))}')
        for name in mart_names():
            body = mart_sql(name)
            con.execute(f'CREATE VIEW "{name}" AS {body}')
            note = f"{_sql_comment(body, '-- description:')} Grain: {_sql_comment(body, '-- grain:')}."
            con.execute(f'COMMENT ON VIEW "{name}" IS {_quote(note.strip())}')
        con.execute("CHECKPOINT")
    finally:
        con.close()
    final = wh.path(CATALOG)
    if wh.is_local:
        os.replace(tmp, final)
    else:
        wh.fs.put_file(tmp, final)
        os.unlink(tmp)
    return wh.url(CATALOG)
