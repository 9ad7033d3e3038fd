"""Data files the catalog names but that are gone or unreadable, and the inputs whose rows they held.

Each live data file is checked against the catalog's record of it: it must exist, have the recorded size,
and have a readable Parquet footer. The rows a broken file held are identified by the catalog's column
statistics of that file, which outlive the file: the smallest and largest `run_id` in it. Runs publish only
their own inputs' rows, so the inputs whose manifest `run_id` falls in that range are the ones affected (a
merged file may span many runs, so the list can hold more inputs than the file did: re-processing them is
harmless).
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field

import duckdb
import fsspec
import pyarrow.parquet as pq

from warehouse.catalog import all_specs
from warehouse.lake import LAKE
from warehouse.schemas import INPUTS, TableSpec

_META = f"__ducklake_metadata_{LAKE}"


@dataclass(frozen=True)
class BrokenFile:
    """A live data (or delete) file that cannot be read, with what it held."""

    table: str  # qualified: main.paragraphs
    path: str
    problem: str
    rows: int
    run_range: tuple[str, str] | None  # smallest and largest run_id in the file, when the catalog knows them
    inputs: list[str] = field(default_factory=list)


def _problem(path: str, size: int | None) -> str | None:
    """Why a file cannot be read, or None when it can."""
    try:
        fs, p = fsspec.core.url_to_fs(path)
        info = fs.info(p)
    except FileNotFoundError:
        return "missing"
    except OSError as exc:
        return f"unreachable: {exc}"
    if size is not None and info.get("size") is not None and int(info["size"]) != int(size):
        return f"size {info['size']} bytes, the catalog recorded {size}"
    try:
        with fs.open(p, "rb") as fh:
            pq.read_metadata(fh)
    except Exception as exc:  # any parse failure means the file is unusable
        return f"unreadable: {type(exc).__name__}: {str(exc)[:200]}"
    return None


def _run_ranges(con: duckdb.DuckDBPyConnection, spec: TableSpec) -> dict[str, tuple[int, tuple[str, str] | None]]:
    """file name -> (record count, (min run_id, max run_id) or None) for a table's live data files."""
    rows = con.execute(f"""
        SELECT df.path, df.record_count, cs.min_value, cs.max_value
        FROM {_META}.ducklake_data_file AS df
        JOIN {_META}.ducklake_table AS t ON t.table_id = df.table_id AND t.end_snapshot IS NULL
        JOIN {_META}.ducklake_schema AS s ON s.schema_id = t.schema_id AND s.end_snapshot IS NULL
        LEFT JOIN {_META}.ducklake_column AS c
            ON c.table_id = df.table_id AND c.column_name = 'run_id' AND c.end_snapshot IS NULL
        LEFT JOIN {_META}.ducklake_file_column_stats AS cs
            ON cs.data_file_id = df.data_file_id AND cs.column_id = c.column_id
        WHERE df.end_snapshot IS NULL AND t.table_name = ? AND s.schema_name = ?
    """, [spec.name, spec.stored_in]).fetchall()
    out = {}
    for path, count, lo, hi in rows:
        out[os.path.basename(path)] = (int(count or 0), (lo, hi) if lo is not None and hi is not None else None)
    return out


def broken_files(con: duckdb.DuckDBPyConnection) -> list[BrokenFile]:
    """Every live data or delete file of the lake that is missing or unreadable, with the affected inputs."""
    broken: list[BrokenFile] = []
    for spec in all_specs():
        files = con.execute(f"SELECT data_file, data_file_size_bytes, delete_file, delete_file_size_bytes "
                            f"FROM ducklake_list_files('{LAKE}', ?, schema => ?)",
                            [spec.name, spec.stored_in]).fetchall()
        ranges: dict[str, tuple[int, tuple[str, str] | None]] | None = None
        for data_file, size, delete_file, delete_size in files:
            problem = _problem(data_file, size)
            if problem is None and delete_file:
                problem = _problem(delete_file, delete_size)
                problem = None if problem is None else f"its delete file {delete_file} is {problem}"
            if problem is None:
                continue
            if ranges is None:
                ranges = _run_ranges(con, spec)
            count, run_range = ranges.get(os.path.basename(data_file), (0, None))
            broken.append(BrokenFile(spec.stored_name, data_file, problem, count, run_range))
    return [BrokenFile(b.table, b.path, b.problem, b.rows, b.run_range, affected_inputs(con, b, broken))
            for b in broken]


def affected_inputs(con: duckdb.DuckDBPyConnection, b: BrokenFile, broken: list[BrokenFile]) -> list[str]:
    """Inputs whose rows a broken file may have held (none for derived tables: they are recomputed)."""
    if "run_id" not in _columns(b.table) or b.table in ("main.runs", "main.rejects"):
        return []
    manifest_broken = [x for x in broken if x.table == INPUTS.stored_name]
    where, params = run_id_filter([b.run_range] if b.run_range else [None], inside=True)
    if b.table == INPUTS.stored_name or manifest_broken:
        # The manifest rows themselves are unreadable: the articles' own source says which inputs they are.
        rows = con.execute(f"SELECT DISTINCT split_part(source_uri, '#', 1) FROM internal.articles WHERE {where}",
                           params).fetchall()
    else:
        rows = con.execute(f"SELECT source_uri FROM {INPUTS.stored_name} WHERE {where}", params).fetchall()
    return sorted(r[0] for r in rows)


def _columns(qualified: str) -> list[str]:
    for spec in all_specs():
        if spec.stored_name == qualified:
            return spec.columns
    return []


def run_id_filter(ranges: list[tuple[str, str] | None], inside: bool) -> tuple[str, list[str]]:
    """A WHERE clause on run_id that DuckLake can answer from file statistics alone.

    `inside`: rows within any of the ranges; else rows outside all of them (written with < and > so that
    files whose statistics lie within a range are skipped without being opened). A None range is everything.
    """
    if any(r is None for r in ranges):
        return ("true", []) if inside else ("false", [])
    clauses, params = [], []
    for lo, hi in ranges:  # type: ignore[misc]
        if inside:
            clauses.append("(run_id >= ? AND run_id <= ?)")
        else:
            clauses.append("(run_id < ? OR run_id > ?)")
        params += [lo, hi]
    return (" OR " if inside else " AND ").join(clauses) or ("false" if inside else "true"), params
