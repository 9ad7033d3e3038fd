"""Warehouse storage: immutable Parquet parts, and the snapshot that says which parts are live.

Layout under the warehouse root (a local directory or any fsspec URI):

    tables/<table>/<part>.parquet     live data files (immutable once written)
    _state/snapshot.json              the commit point: live parts per table and the input manifest
    _state/staging/<run_id>/          parts written by a run before it publishes
    quarantine/<run_id>/<part>/       batches that failed validation, with their validation result
    broadsheet.duckdb                 views over the live parts (rebuilt and swapped in by `catalog`)

A run stages parts, then `commit` moves them into `tables/` and replaces the snapshot in one write.
Whatever a crash leaves behind is either staged (ignored, cleaned up) or in `tables/` but not in the
snapshot (deleted by `recover`: no catalog ever named it), so the live set is always exactly one snapshot's.

Parts a commit retires stay where they are for a grace period, listed in the snapshot as retired: a
reader holding the previous catalog still reads them by their paths. A later commit deletes them.
"""

from __future__ import annotations

import json
import posixpath
import time
import uuid
from collections.abc import Iterable
from dataclasses import dataclass, field

import fsspec
import pyarrow as pa
import pyarrow.parquet as pq

from warehouse.schemas import TABLES

SNAPSHOT = "_state/snapshot.json"
STAGING = "_state/staging"
QUARANTINE = "quarantine"
TABLES_DIR = "tables"
RETIRED_GRACE_SECONDS = 3600.0  # how long a retired part outlives the catalogs that named it


@dataclass
class InputRecord:
    """What the manifest remembers of one processed input file."""

    sha256: str
    fingerprint: str  # size and modification times; when unchanged the file is not even read
    parts: list[str]  # part ids holding this file's rows
    article_ids: list[str] = field(default_factory=list)


@dataclass
class Snapshot:
    """The live state of a warehouse: parts per table and the manifest of processed inputs."""

    version: int = 0
    tables: dict[str, list[str]] = field(default_factory=lambda: {name: [] for name in TABLES})
    inputs: dict[str, InputRecord] = field(default_factory=dict)
    retired: dict[str, dict[str, float]] = field(default_factory=dict)  # table -> part -> when it was retired

    def to_json(self) -> str:
        """Serialized form (stable key order, so equal snapshots are equal files)."""
        return json.dumps(
            {
                "version": self.version,
                "tables": {k: sorted(v) for k, v in sorted(self.tables.items())},
                "inputs": {k: v.__dict__ for k, v in sorted(self.inputs.items())},
                "retired": {k: dict(sorted(v.items())) for k, v in sorted(self.retired.items()) if v},
            },
            indent=1,
            sort_keys=True,
        )

    @classmethod
    def from_json(cls, text: str) -> Snapshot:
        """Parse a serialized snapshot."""
        raw = json.loads(text)
        tables = {name: [] for name in TABLES}
        tables.update({k: list(v) for k, v in raw.get("tables", {}).items()})
        inputs = {k: InputRecord(**v) for k, v in raw.get("inputs", {}).items()}
        retired = {k: {p: float(t) for p, t in v.items()} for k, v in raw.get("retired", {}).items()}
        return cls(version=int(raw.get("version", 0)), tables=tables, inputs=inputs, retired=retired)


class Warehouse:
    """A warehouse root on any fsspec filesystem."""

    def __init__(self, root: str):
        self.fs, path = fsspec.core.url_to_fs(root)
        self.protocol = self.fs.protocol if isinstance(self.fs.protocol, str) else self.fs.protocol[0]
        self.is_local = self.protocol in ("file", "local")
        self.root = path.rstrip("/") if not self.is_local else posixpath.abspath(path)
        self.uri = root if not self.is_local else self.root

    # -- paths -------------------------------------------------------------------------------------

    def path(self, *parts: str) -> str:
        """Filesystem path of a location inside the warehouse."""
        return posixpath.join(self.root, *parts)

    def url(self, *parts: str) -> str:
        """Fully qualified URL (what DuckDB is given) of a location inside the warehouse."""
        p = self.path(*parts)
        return p if self.is_local else f"{self.protocol}://{p}"

    def part_path(self, table: str, part: str) -> str:
        """Where a live part of a table lives."""
        return self.path(TABLES_DIR, table, f"{part}.parquet")

    def staged_path(self, run_id: str, table: str, part: str) -> str:
        """Where a run stages a part before publishing it."""
        return self.path(STAGING, run_id, table, f"{part}.parquet")

    # -- snapshot ----------------------------------------------------------------------------------

    def read_snapshot(self) -> Snapshot:
        """The current snapshot (an empty one for a new warehouse)."""
        p = self.path(SNAPSHOT)
        if not self.fs.exists(p):
            return Snapshot()
        with self.fs.open(p, "r", encoding="utf-8") as fh:
            return Snapshot.from_json(fh.read())

    def write_snapshot(self, snap: Snapshot) -> None:
        """Replace the snapshot in one atomic step (write aside, then rename over)."""
        self.write_text_atomic(SNAPSHOT, snap.to_json())

    def write_text_atomic(self, rel: str, text: str) -> None:
        """Write a small text file so readers see the old or the new content, never a mix."""
        final = self.path(rel)
        tmp = f"{final}.tmp-{uuid.uuid4().hex[:8]}"
        self.fs.makedirs(posixpath.dirname(final), exist_ok=True)
        with self.fs.open(tmp, "w", encoding="utf-8") as fh:
            fh.write(text)
        self.fs.mv(tmp, final)

    # -- parts -------------------------------------------------------------------------------------

    def write_part(self, path: str, table: pa.Table) -> None:
        """Write one Parquet file under a temporary name and move it into place."""
        self.fs.makedirs(posixpath.dirname(path), exist_ok=True)
        tmp = f"{path}.tmp-{uuid.uuid4().hex[:8]}"
        with self.fs.open(tmp, "wb") as fh:
            pq.write_table(table, fh, compression="zstd")
        self.fs.mv(tmp, path)

    def read_part(self, path: str, columns: list[str] | None = None) -> pa.Table:
        """Read one Parquet file, or only some of its columns (article text is most of a part's bytes)."""
        with self.fs.open(path, "rb") as fh:
            return pq.read_table(fh, columns=columns)

    def live_part_urls(self, snap: Snapshot, table: str) -> list[str]:
        """URLs of a table's live parts, in a stable order."""
        return [self.url(TABLES_DIR, table, f"{p}.parquet") for p in sorted(snap.tables.get(table, []))]

    # -- publishing --------------------------------------------------------------------------------

    def commit(self, old: Snapshot, new_parts: dict[str, dict[str, str]], dropped: dict[str, Iterable[str]],
               inputs: dict[str, InputRecord | None], now: float | None = None) -> Snapshot:
        """Publish staged parts and retire dropped ones in one snapshot replacement.

        Args:
            old: the snapshot the run started from (the caller holds the warehouse lock).
            new_parts: table -> {part id: staged path} to move into `tables/`.
            dropped: table -> part ids that leave the live set (kept on disk as retired for a grace period).
            inputs: manifest updates; None removes an input.
            now: the clock (seconds since the epoch), for the retirement grace period.

        Returns:
            The snapshot now live.
        """
        now = time.time() if now is None else now
        for table, parts in new_parts.items():
            for part, staged in parts.items():
                dest = self.part_path(table, part)
                self.fs.makedirs(posixpath.dirname(dest), exist_ok=True)
                self.fs.mv(staged, dest)
        tables = {name: set(parts) for name, parts in old.tables.items()}
        retired = {table: dict(parts) for table, parts in old.retired.items()}
        for table, parts in dropped.items():
            for part in parts:
                if part in tables.get(table, set()):
                    tables[table].discard(part)
                    retired.setdefault(table, {})[part] = now
        for table, parts in new_parts.items():
            tables.setdefault(table, set()).update(parts)
        expired = [(table, part) for table, parts in retired.items() for part, when in parts.items()
                   if now - when > RETIRED_GRACE_SECONDS]
        for table, part in expired:
            del retired[table][part]
        manifest = dict(old.inputs)
        for uri, rec in inputs.items():
            if rec is None:
                manifest.pop(uri, None)
            else:
                manifest[uri] = rec
        snap = Snapshot(old.version + 1, {k: sorted(v) for k, v in tables.items()}, manifest,
                        {k: v for k, v in retired.items() if v})
        self.write_snapshot(snap)
        for table, part in expired:  # no catalog younger than the grace period names these
            path = self.part_path(table, part)
            if self.fs.exists(path):
                self.fs.rm(path)
        return snap

    def quarantine(self, run_id: str, part: str, paths: dict[str, str], validation_json: str) -> str:
        """Move a batch's staged parts to `quarantine/<run_id>/<part>/` with its validation result; returns the dir."""
        qdir = self.path(QUARANTINE, run_id, part)
        self.fs.makedirs(qdir, exist_ok=True)
        for table, staged in paths.items():
            self.fs.mv(staged, posixpath.join(qdir, f"{table}.parquet"))
        self.write_text_atomic(posixpath.join(QUARANTINE, run_id, part, "validation.json"), validation_json)
        return qdir

    def clear_staging(self, run_id: str) -> None:
        """Remove what is left of a run's staging area (empty once its parts are published)."""
        d = self.path(STAGING, run_id)
        if self.fs.exists(d):
            self.fs.rm(d, recursive=True)

    def recover(self, snap: Snapshot) -> list[str]:
        """Undo what an interrupted run left: parts in `tables/` that no snapshot names, and its staging area.

        Returns:
            The paths removed.
        """
        touched: list[str] = []
        for table in TABLES:
            d = self.path(TABLES_DIR, table)
            if not self.fs.exists(d):
                continue
            known = set(snap.tables.get(table, [])) | set(snap.retired.get(table, {}))
            for p in self.fs.ls(d, detail=False):
                name = posixpath.basename(p)
                part = name[: -len(".parquet")] if name.endswith(".parquet") else None
                if part is not None and part in known:
                    continue
                if part is None and ".tmp-" not in name:
                    continue  # not ours; leave it alone
                self.fs.rm(p)  # never published, so no catalog can be reading it
                touched.append(p)
        staging = self.path(STAGING)
        if self.fs.exists(staging):
            leftovers = self.fs.find(staging)
            self.fs.rm(staging, recursive=True)
            touched.extend(leftovers)
        return touched


def new_part_id(run_id: str, label: str) -> str:
    """A part id unique to a run and batch (`<run_id>-<label>`)."""
    return f"{run_id}-{label}"

