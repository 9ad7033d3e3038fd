"""Keeping a lake healthy for years: maintenance, history, rollback, rebuild and repair.

- `run_maintenance`: flush inlined rows to Parquet, merge small files, rewrite files that are mostly
  deleted rows, expire snapshots older than the retention, delete the files no remaining snapshot needs,
  and the files of killed runs (never anything but DuckLake's own `ducklake-*.parquet` names under `data/`).
- `run_history`: runs with the snapshot each committed.
- `rollback_to`: the data as it was right after a run, as a new snapshot; the old ones stay.
- `rebuild_derived`: recompute places, stories and near-duplicate groups from the stored articles.
- `drop_broken_files`: the first half of `broadsheet repair` (the second re-runs the affected inputs).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import os
import posixpath
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import duckdb
import pyarrow as pa

from warehouse import derived
from warehouse.catalog import all_specs, apply_comments, ident, table_ddl
from warehouse.health import BrokenFile, broken_files, run_id_filter
from warehouse.lake import DATA_DIR, LAKE, Lake, utc_now
from warehouse.schemas import (
    ARTICLE_TABLES,
    INPUTS,
    LOCATION_MENTIONS,
    PLACES,
    RUNS,
    TABLES,
    TableSpec,
    table_from_rows,
)
from warehouse.staging import STALE_SECONDS, remove_stale
from warehouse.state_schemas import MAINTENANCE, PUBLISHES

DEFAULT_RETENTION_DAYS = 30.0
CLEANUP_GRACE = dt.timedelta(hours=1)  # no read transaction lasts longer than this
ORPHAN_GRACE = dt.timedelta(hours=24)  # a run still writing is never this old
_OURS = re.compile(r"^ducklake-[0-9a-f-]{36}\.parquet$")
# Tables whose contents a rollback restores: the data, the manifest and the state derived from them.
_LOGS = {RUNS.name, "rejects", "dictionary", PUBLISHES.name, MAINTENANCE.name, "schema_state"}


class RollbackRefused(RuntimeError):
    """The run is unknown, or its snapshot has expired."""


def _run_commit(run_id: str) -> str:
    return f"run {run_id}"


def run_history(con: duckdb.DuckDBPyConnection, limit: int = 30) -> list[dict[str, Any]]:
    """The most recent runs, newest first, each with the snapshot it committed (None once expired)."""
    rows = con.execute(f"""
        WITH snaps AS (
            SELECT snapshot_id, commit_message FROM {LAKE}.snapshots() WHERE author = 'broadsheet'
        )
        SELECT r.run_id, s.snapshot_id AS snapshot, r.status, r.started_at, r.finished_at, r.n_files_new,
               r.n_articles, r.n_rejected
        FROM {RUNS.stored_name} AS r LEFT JOIN snaps AS s ON s.commit_message = 'run ' || r.run_id
        ORDER BY r.started_at DESC, r.run_id DESC LIMIT ?
    """, [limit]).fetchall()
    names = ["run_id", "snapshot", "status", "started_at", "finished_at", "n_files_new", "n_articles", "n_rejected"]
    return [dict(zip(names, r, strict=True)) for r in rows]


def _restored_specs() -> list[TableSpec]:
    return [s for s in all_specs() if s.name not in _LOGS]


def rollback_to(lake: Lake, run_id: str) -> dict[str, int]:
    """Restore every data table, the manifest and the incremental state to their state right after `run_id`.

    Row lineage makes this cheap: rows added since are deleted by row id, rows deleted since are copied
    back from the old snapshot. The runs and rejects logs keep every row, plus one `rollback` run.

    Returns:
        Net change of row count per table.
    """
    with lake.writer() as con:
        snap = con.execute(f"SELECT snapshot_id FROM {LAKE}.snapshots() WHERE author = 'broadsheet' "
                           "AND commit_message = ?", [_run_commit(run_id)]).fetchone()
        if snap is None:
            known = con.execute(f"SELECT count(*) FROM {RUNS.stored_name} WHERE run_id = ?", [run_id]).fetchone()[0]
            if known:
                raise RollbackRefused(f"run {run_id} is older than the snapshot retention (its snapshot has "
                                      "expired); `broadsheet history` lists the runs you can return to")
            raise RollbackRefused(f"no run {run_id} in {lake.display}; `broadsheet history` lists the runs")
        version = int(snap[0])
        changes: dict[str, int] = {}
        con.execute("BEGIN")
        try:
            con.execute(f"UPDATE {PUBLISHES.stored_name} SET version = version + 1")
            for spec in _restored_specs():
                old_cols = _columns_at(con, spec, version)
                before = con.execute(f"SELECT count(*) FROM {spec.stored_name}").fetchone()[0]
                if old_cols is None:
                    con.execute(f"DELETE FROM {spec.stored_name}")
                else:
                    at = f"{spec.stored_name} AT (VERSION => {version})"
                    cols = ", ".join(ident(c) for c in old_cols)
                    con.execute(f"DELETE FROM {spec.stored_name} WHERE rowid NOT IN (SELECT rowid FROM {at})")
                    con.execute(f"INSERT INTO {spec.stored_name} ({cols}) SELECT {cols} FROM {at} "
                                f"WHERE rowid NOT IN (SELECT rowid FROM {spec.stored_name})")
                after = con.execute(f"SELECT count(*) FROM {spec.stored_name}").fetchone()[0]
                changes[spec.name] = int(after) - int(before)
            now = utc_now()
            new_id = f"{now:%Y%m%dT%H%M%SZ}-rollback"
            con.register("rollback_run", table_from_rows(RUNS, [{
                "run_id": new_id, "flow_run_id": None, "started_at": now, "finished_at": now,
                "status": "rollback", "note": f"rolled back to run {run_id}", "n_files_seen": 0,
                "n_files_new": 0, "n_articles": 0, "n_rejected": 0, "validation_success": None,
                "code_version": "", "input_uri": None, "stage_seconds": None}]))
            con.execute(f"INSERT INTO {RUNS.stored_name} SELECT * FROM rollback_run")
            con.unregister("rollback_run")
            con.execute(f"CALL {LAKE}.set_commit_message('broadsheet', ?, extra_info => ?)",
                        [f"rollback to run {run_id}", json.dumps({"rollback_to": run_id, "snapshot": version})])
            con.execute("COMMIT")
        except BaseException:
            with contextlib.suppress(duckdb.Error):
                con.execute("ROLLBACK")
            raise
    return changes


def _columns_at(con: duckdb.DuckDBPyConnection, spec: TableSpec, version: int) -> list[str] | None:
    """The columns a table had at a snapshot, None when it did not exist then."""
    try:
        cur = con.execute(f"SELECT * FROM {spec.stored_name} AT (VERSION => {version}) LIMIT 0")
    except duckdb.Error:
        return None
    return [d[0] for d in cur.description]


def rebuild_derived(lake: Lake, place_of: Callable[[int], dict]) -> dict[str, int]:
    """Recompute `places`, `article_stories`, `paragraph_groups` and their state from every stored article."""
    with lake.writer() as con:
        con.execute("BEGIN")
        try:
            counts = _rebuild_in_transaction(con, place_of)
            con.execute(f"CALL {LAKE}.set_commit_message('broadsheet', 'rebuild', extra_info => '{{}}')")
            con.execute("COMMIT")
        except BaseException:
            with contextlib.suppress(duckdb.Error):
                con.execute("ROLLBACK")
            raise
    return counts


def _rebuild_in_transaction(con: duckdb.DuckDBPyConnection, place_of: Callable[[int], dict]) -> dict[str, int]:
    con.execute(f"UPDATE {PUBLISHES.stored_name} SET version = version + 1")
    ids = [int(r[0]) for r in con.execute(f"SELECT DISTINCT geonameid FROM {LOCATION_MENTIONS.stored_name} "
                                          "WHERE geonameid IS NOT NULL ORDER BY 1").fetchall()]
    con.execute(f"DELETE FROM {PLACES.stored_name}")
    if ids:
        con.register("rebuilt_places", table_from_rows(PLACES, [place_of(g) for g in ids]))
        con.execute(f"INSERT INTO {PLACES.stored_name} SELECT * FROM rebuilt_places")
        con.unregister("rebuilt_places")
    derived.rebuild(con)
    return {name: int(con.execute(f"SELECT count(*) FROM {TABLES[name].stored_name}").fetchone()[0])
            for name in ("places", "article_stories", "paragraph_groups")}


def run_maintenance(lake: Lake, retention_days: float = DEFAULT_RETENTION_DAYS,
                    now: dt.datetime | None = None, cleanup_grace: dt.timedelta = CLEANUP_GRACE) -> dict[str, int]:
    """Compact and clean the lake; returns what was done (counts).

    Every file with deleted rows is rewritten without them, then adjacent small files are merged, so each
    table ends with about one data file (more only past DuckLake's target file size) whatever the number of
    runs. Files that expired snapshots alone needed are deleted once `cleanup_grace` has passed since they
    were scheduled for deletion.

    Refuses nothing and deletes nothing while a data file is missing or unreadable (`repair` first): the
    merge would fail on it, and orphan detection cannot be trusted then.
    """
    now = now or utc_now()
    done: dict[str, int] = {}
    with lake.writer() as con:
        broken = broken_files(con)
        if broken:
            raise RuntimeError(f"{len(broken)} data file(s) are missing or unreadable "
                               f"({broken[0].path}, ...): run `broadsheet repair` before maintenance")
        done["rows_flushed"] = _total(con, f"SELECT sum(rows_flushed) FROM ducklake_flush_inlined_data('{LAKE}')")
        # Rewrite first: a file with a delete file is never merged, and derived tables get deletes every run.
        done["files_rewritten"] = _total(con, f"SELECT sum(files_processed) FROM ducklake_rewrite_data_files("
                                              f"'{LAKE}', delete_threshold => 0.0)")
        done["files_merged"] = _total(con, f"SELECT sum(files_processed) FROM ducklake_merge_adjacent_files('{LAKE}')")
        cutoff = now - dt.timedelta(days=retention_days)
        done["snapshots_expired"] = _total(
            con, f"SELECT count(*) FROM ducklake_expire_snapshots('{LAKE}', older_than => ?::TIMESTAMPTZ)", [cutoff])
        done["files_deleted"] = _total(
            con, f"SELECT count(*) FROM ducklake_cleanup_old_files('{LAKE}', older_than => ?::TIMESTAMPTZ)",
            [now - cleanup_grace])
        done["orphans_deleted"] = _delete_orphans(lake, con, now)
        con.register("maintenance_row", pa.table({
            "maintained_at": pa.array([now], pa.timestamp("us", tz="UTC")),
            "report": pa.array([json.dumps(done)], pa.string())}))
        con.execute(f"INSERT INTO {MAINTENANCE.stored_name} SELECT * FROM maintenance_row")
        con.unregister("maintenance_row")
    done["staging_areas_removed"] = len(remove_stale(lake.location, STALE_SECONDS))
    return done


def _total(con: duckdb.DuckDBPyConnection, sql: str, params: list | None = None) -> int:
    # fetchall: a maintenance function commits only once its result has been read to the end
    value = con.execute(sql, params or []).fetchall()[0][0]
    return int(value or 0)


def _delete_orphans(lake: Lake, con: duckdb.DuckDBPyConnection, now: dt.datetime) -> int:
    """Delete data files no snapshot names (a killed run's), older than a day, with DuckLake's own file names.

    The catalog's every data, delete and scheduled file (of any snapshot) is compared by name with the
    `ducklake-<uuid>.parquet` files under `data/`, through the warehouse's own filesystem (local or object
    store). When more files look orphaned than the catalog tracks, the catalog is probably older than the data
    (restored from a backup without its data folder): nothing is deleted then.
    """
    meta = f"__ducklake_metadata_{LAKE}"
    known = {posixpath.basename(r[0]) for r in con.execute(
        f"SELECT path FROM {meta}.ducklake_data_file UNION ALL SELECT path FROM {meta}.ducklake_delete_file "
        f"UNION ALL SELECT path FROM {meta}.ducklake_files_scheduled_for_deletion").fetchall()}
    fs, root = lake.location.fs, lake.location.path(DATA_DIR)
    try:
        found = fs.find(root, detail=True) if fs.exists(root) else {}
    except OSError:
        return 0
    cutoff = (now - ORPHAN_GRACE).timestamp()
    orphans = [path for path, info in found.items()
               if _OURS.match(posixpath.basename(path)) and posixpath.basename(path) not in known
               and _modified(info) < cutoff]
    if len(orphans) > max(len(known), 10):
        return 0
    for path in orphans:
        with contextlib.suppress(FileNotFoundError):
            fs.rm(path)
    return len(orphans)


def _modified(info: dict[str, Any]) -> float:
    """Modification time of a file from fsspec's listing (local: mtime; S3: LastModified)."""
    value = info.get("mtime") or info.get("LastModified") or info.get("last_modified") or info.get("created")
    if hasattr(value, "timestamp"):
        return float(value.timestamp())
    return float(value) if value else float("inf")


def due_for_maintenance(lake: Lake, every_hours: float, now: dt.datetime | None = None) -> bool:
    """True when the last maintenance (or the lake's creation) is at least `every_hours` old."""
    now = now or utc_now()
    with lake.reader() as con:
        last = con.execute(f"SELECT max(maintained_at) FROM {MAINTENANCE.stored_name}").fetchone()[0]
        if last is None:
            last = con.execute(f"SELECT min(snapshot_time) FROM {LAKE}.snapshots()").fetchone()[0]
    return last is None or now - last >= dt.timedelta(hours=every_hours)


@dataclass
class RepairOutcome:
    """What `drop_broken_files` did: the broken files, the inputs to process again, and the --input roots."""

    broken: list[BrokenFile]
    inputs: list[str] = field(default_factory=list)
    input_roots: list[str] = field(default_factory=list)

    def lost_inputs(self, exists: Callable[[str], bool]) -> list[str]:
        """Affected inputs that no longer exist (their rows cannot come back)."""
        return [u for u in self.inputs if not exists(u)]


def drop_broken_files(lake: Lake) -> RepairOutcome:
    """Drop what missing or unreadable data files held, and the rest of the affected inputs' rows, in one snapshot.

    Each table with a broken file is rebuilt from its readable rows (the rows outside the broken files'
    `run_id` ranges, read without opening those files); tables without `run_id` (derived ones) are recomputed.
    The affected inputs leave the manifest, so the next run over their --input processes them again.
    """
    with lake.writer() as con:
        broken = broken_files(con)
        if not broken:
            return RepairOutcome([])
        inputs = sorted({u for b in broken for u in b.inputs})
        roots = _input_roots(con, inputs, broken)
        con.execute("BEGIN")
        try:
            con.execute(f"UPDATE {PUBLISHES.stored_name} SET version = version + 1")
            by_table: dict[str, list[BrokenFile]] = {}
            for b in broken:
                by_table.setdefault(b.table, []).append(b)
            specs = {s.stored_name: s for s in all_specs()}
            ids = _affected_article_ids(con, inputs, by_table)
            for qualified, files in by_table.items():
                _rebuild_table(con, specs[qualified], [f.run_range for f in files])
            if inputs:
                con.register("repair_inputs", pa.table({"source_uri": pa.array(inputs, pa.string())}))
                con.register("repair_articles", pa.table({"article_id": pa.array(ids, pa.string())}))
                for table in ARTICLE_TABLES:
                    con.execute(f"DELETE FROM {TABLES[table].stored_name} "
                                "WHERE article_id IN (SELECT article_id FROM repair_articles)")
                con.execute(f"DELETE FROM {INPUTS.stored_name} WHERE source_uri IN "
                            "(SELECT source_uri FROM repair_inputs)")
            from flows.pipeline import place_row  # the gazetteer lookup the pipeline uses

            _rebuild_in_transaction(con, place_row)
            con.execute(f"CALL {LAKE}.set_commit_message('broadsheet', 'repair', extra_info => ?)",
                        [json.dumps({"files": [b.path for b in broken], "inputs": len(inputs)})])
            con.execute("COMMIT")
        except BaseException:
            with contextlib.suppress(duckdb.Error):
                con.execute("ROLLBACK")
            raise
    return RepairOutcome(broken, inputs, roots)


def _affected_article_ids(con: duckdb.DuckDBPyConnection, inputs: list[str],
                          by_table: dict[str, list[BrokenFile]]) -> list[str]:
    """The article ids of the affected inputs, read before any table is rebuilt (from the manifest, and from
    the articles outside the broken files' run ranges when the articles table itself is damaged)."""
    if not inputs:
        return []
    ids: set[str] = set()
    if INPUTS.stored_name not in by_table:
        ids.update(aid for (aids,) in con.execute(
            f"SELECT article_ids FROM {INPUTS.stored_name} WHERE source_uri IN (SELECT unnest(?::VARCHAR[]))",
            [inputs]).fetchall() for aid in aids)
    articles = TABLES["articles"].stored_name
    ranges = [f.run_range for f in by_table.get(articles, [])]
    where, params = run_id_filter(ranges, inside=False) if ranges else ("true", [])
    ids.update(r[0] for r in con.execute(
        f"SELECT article_id FROM {articles} WHERE ({where}) AND split_part(source_uri, '#', 1) IN "
        "(SELECT unnest(?::VARCHAR[]))", [*params, inputs]).fetchall())
    return sorted(ids)


def _rebuild_table(con: duckdb.DuckDBPyConnection, spec: TableSpec, ranges: list[tuple[str, str] | None]) -> None:
    """Replace a table by its rows outside the broken files (read by statistics alone), as a new table."""
    temp = f"{spec.stored_in}.{ident(spec.name + '__repair')}"
    if "run_id" in spec.columns:
        where, params = run_id_filter(ranges, inside=False)
    else:
        where, params = "false", []
    cols = ", ".join(ident(c) for c in spec.columns)
    con.execute(table_ddl(spec, temp))
    con.execute(f"INSERT INTO {temp} ({cols}) SELECT {cols} FROM {spec.stored_name} WHERE {where}", params)
    con.execute(f"DROP TABLE {spec.stored_name}")
    con.execute(f"ALTER TABLE {temp} RENAME TO {ident(spec.name)}")
    apply_comments(con, spec)


def _input_roots(con: duckdb.DuckDBPyConnection, inputs: list[str], broken: list[BrokenFile]) -> list[str]:
    """The --input of the runs that published the affected inputs (from the runs log)."""
    if not inputs or any(b.table == RUNS.stored_name for b in broken):
        return []
    rows = con.execute(f"""SELECT DISTINCT r.input_uri FROM {RUNS.stored_name} AS r
                           WHERE r.input_uri IS NOT NULL AND r.status = 'completed'""").fetchall()
    roots = [r[0] for r in rows]
    return sorted({root for root in roots for u in inputs if _under(u, root)})


def _under(uri: str, root: str) -> bool:
    root = root.rstrip("/")
    return uri == root or uri.startswith(root + "/") or uri.startswith(os.path.abspath(root) + "/")
