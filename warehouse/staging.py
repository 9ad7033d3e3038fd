"""Staging: the Parquet files batch tasks write before a run publishes them in its DuckLake transaction.

Batch tasks may run on other machines (Dask), so they hand their rows to the publishing process as files
under the warehouse's `_state/staging/<run_id>/`. The run removes its staging area when it ends; a killed
run's area is removed by the next run that holds the writer lock, or by `broadsheet maintain` once it is a
day old. Batches that fail validation are moved to `quarantine/<run_id>/<part>/` with their result.
"""

from __future__ import annotations

import posixpath
import time
import uuid

import pyarrow as pa
import pyarrow.parquet as pq

from warehouse.lake import STATE_DIR, Location

STAGING = f"{STATE_DIR}/staging"
QUARANTINE = "quarantine"
STALE_SECONDS = 24 * 3600.0


def new_part_id(run_id: str, label: str) -> str:
    """A part id unique to a run and batch (`<run_id>-<label>`)."""
    return f"{run_id}-{label}"


def staged_path(loc: Location, run_id: str, table: str, part: str) -> str:
    """Where a run stages one table's rows of one batch (a URL DuckDB and fsspec both read)."""
    return loc.url(STAGING, run_id, table, f"{part}.parquet")


def write_part(loc: Location, path: str, table: pa.Table) -> None:
    """Write one Parquet file under a temporary name and move it into place (never seen half-written)."""
    loc.fs.makedirs(posixpath.dirname(path), exist_ok=True)
    tmp = f"{path}.tmp-{uuid.uuid4().hex[:8]}"
    with loc.fs.open(tmp, "wb") as fh:
        pq.write_table(table, fh, compression="zstd")
    loc.fs.mv(tmp, path)


def read_part(loc: Location, path: str, columns: list[str] | None = None) -> pa.Table:
    """Read one staged file, or only some of its columns."""
    with loc.fs.open(path, "rb") as fh:
        return pq.read_table(fh, columns=columns)


def remove_run(loc: Location, run_id: str) -> None:
    """Remove what is left of a run's staging area."""
    d = loc.path(STAGING, run_id)
    if loc.fs.exists(d):
        loc.fs.rm(d, recursive=True)


def remove_stale(loc: Location, older_than_seconds: float | None = STALE_SECONDS, keep: str | None = None) -> list[str]:
    """Remove staging areas of runs that ended without removing theirs; returns the run ids removed.

    Args:
        loc: the warehouse.
        older_than_seconds: only areas whose newest file is at least this old (None: every area, for a caller
            holding the writer lock, when no other run can be staging).
        keep: a run id whose area stays (the caller's own).
    """
    root = loc.path(STAGING)
    if not loc.fs.exists(root):
        return []
    removed = []
    now = time.time()
    for d in loc.fs.ls(root, detail=False):
        run_id = posixpath.basename(d.rstrip("/"))
        if run_id == keep:
            continue
        if older_than_seconds is not None:
            newest = max((_mtime(loc, p) for p in loc.fs.find(d)), default=_mtime(loc, d))
            if now - newest < older_than_seconds:
                continue
        loc.fs.rm(d, recursive=True)
        removed.append(run_id)
    return removed


def _mtime(loc: Location, path: str) -> float:
    try:
        info = loc.fs.info(path)
    except OSError:
        return time.time()
    value = info.get("mtime") or info.get("LastModified") or info.get("created")
    if hasattr(value, "timestamp"):
        return float(value.timestamp())
    return float(value) if value else time.time()


def quarantine(loc: Location, run_id: str, part: str, paths: dict[str, str], validation_json: str) -> str:
    """Move a batch's staged files to `quarantine/<run_id>/<part>/` with its validation result; returns the dir."""
    qdir = loc.path(QUARANTINE, run_id, part)
    loc.fs.makedirs(qdir, exist_ok=True)
    for table, staged in paths.items():
        loc.fs.mv(staged, posixpath.join(qdir, f"{table}.parquet"))
    tmp = posixpath.join(qdir, f"validation.json.tmp-{uuid.uuid4().hex[:8]}")
    with loc.fs.open(tmp, "w", encoding="utf-8") as fh:
        fh.write(validation_json)
    loc.fs.mv(tmp, posixpath.join(qdir, "validation.json"))
    return qdir
