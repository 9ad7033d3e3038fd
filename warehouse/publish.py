"""Publishing a run: one DuckLake transaction over every table, the input manifest and the runs log.

Readers see all of a run or none of it. A run killed before its commit leaves only Parquet files that no
snapshot names (removed by `broadsheet maintain`) and its staging area (removed by the next run); nothing
has to be cleaned by hand.

Every publishing transaction bumps `internal.publishes`, so two runs publishing into one lake at the same
time (a PostgreSQL catalog with writers on several machines) conflict; the later one rolls back and
publishes again on top of the earlier one, re-reading the manifest: an input the other run has published
with the same content is then left as it is, and derived tables see both runs' articles.
"""

from __future__ import annotations

import contextlib
import errno
import fcntl
import json
import os
import random
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

import duckdb
import pyarrow as pa

from warehouse import derived
from warehouse.catalog import quote
from warehouse.lake import LAKE, Lake
from warehouse.manifest import ManifestEntry, manifest_table, read_manifest
from warehouse.schemas import (
    ARTICLE_TABLES,
    ARTICLES,
    LOCATION_MENTIONS,
    PARAGRAPHS,
    PLACES,
    REJECTS,
    RUNS,
    TABLES,
    table_from_rows,
)
from warehouse.state_schemas import PUBLISHES

LOCK = "lock"
MAX_ATTEMPTS = 8


class WarehouseBusy(RuntimeError):
    """Another run holds the warehouse's writer lock."""


@contextlib.contextmanager
def writer_lock(lake: Lake, wait_seconds: float = 0.0) -> Iterator[bool]:
    """Hold the single-writer lock of a local SQLite-catalog warehouse; yields whether a lock is held.

    A PostgreSQL catalog takes concurrent writers (they settle at commit), and object stores have no
    advisory locks, so neither is locked here.
    """
    if not lake.location.is_local or lake.catalog().kind != "sqlite":
        yield False
        return
    os.makedirs(lake.state_path(), exist_ok=True)
    fd = os.open(lake.state_path(LOCK), os.O_RDWR | os.O_CREAT, 0o644)
    deadline = time.monotonic() + wait_seconds
    try:
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except OSError as exc:
                if exc.errno not in (errno.EAGAIN, errno.EACCES):
                    raise
                if time.monotonic() >= deadline:
                    holder = os.pread(fd, 200, 0).decode(errors="replace").strip() or "another process"
                    raise WarehouseBusy(
                        f"warehouse {lake.display} is being written by {holder}; wait for that run to finish"
                    ) from None
                time.sleep(0.5)
        os.ftruncate(fd, 0)
        os.pwrite(fd, f"run pid {os.getpid()}".encode(), 0)
        yield True
    finally:
        os.close(fd)  # closing the descriptor releases the lock, also when the process is killed


@dataclass
class StagedBatch:
    """What a batch task staged: part id, staged paths per table, and manifest entries for its inputs."""

    part: str
    paths: dict[str, str]
    inputs: dict[str, ManifestEntry]
    counts: dict[str, int] = field(default_factory=dict)


@dataclass
class PublishPlan:
    """Everything one run publishes.

    `manifest` holds the run's manifest updates (None removes an input: pruned); entries of staged inputs
    come from the batches. `prune` lists inputs whose rows leave the warehouse.
    """

    run_id: str
    staged: list[StagedBatch]
    manifest: dict[str, ManifestEntry | None]
    run_row: dict[str, Any]
    extra_parts: dict[str, list[str]] = field(default_factory=dict)  # table -> staged paths (run-level rejects)


@dataclass(frozen=True)
class Published:
    """What the commit did."""

    articles_added: int
    articles_removed: int
    inputs_skipped: list[str]  # published meanwhile by another run with the same content


def _is_conflict(exc: duckdb.Error) -> bool:
    text = str(exc).lower()
    return any(s in text for s in ("conflict", "database is locked", "could not serialize", "retry"))


def publish(lake: Lake, plan: PublishPlan, place_of: Callable[[int], dict] | None) -> Published:
    """Publish a run in one transaction, retrying on top of a concurrent writer's commit.

    Args:
        lake: the warehouse (the caller holds its writer lock, if it has one).
        plan: what the run publishes.
        place_of: geonameid -> `places` row, when locations are extracted.

    Returns:
        What changed.
    """
    for attempt in range(MAX_ATTEMPTS):
        try:
            with lake.writer() as con:
                return _publish(con, plan, place_of)
        except duckdb.Error as exc:
            if attempt == MAX_ATTEMPTS - 1 or not _is_conflict(exc):
                raise
            time.sleep(min(10.0, 0.2 * 2 ** attempt) * (0.5 + random.random()))
    raise AssertionError("unreachable")


def _files(paths: Sequence[str]) -> str:
    return "[" + ", ".join(quote(p) for p in paths) + "]"


def _cols(table: str) -> str:
    return ", ".join(f'"{c}"' for c in TABLES[table].columns)


def _publish(con: duckdb.DuckDBPyConnection, plan: PublishPlan, place_of: Callable[[int], dict] | None
             ) -> Published:
    con.execute("BEGIN")
    try:
        result = _publish_in_transaction(con, plan, place_of)
        con.execute("COMMIT")
    except BaseException:
        with contextlib.suppress(duckdb.Error):
            con.execute("ROLLBACK")
        raise
    return result


def _publish_in_transaction(con: duckdb.DuckDBPyConnection, plan: PublishPlan,
                            place_of: Callable[[int], dict] | None) -> Published:
    run_id = plan.run_id
    con.execute(f"UPDATE {PUBLISHES.stored_name} SET version = version + 1")

    staged_entries = {uri: e for b in plan.staged for uri, e in b.inputs.items()}
    touched = set(plan.manifest) | set(staged_entries)
    current = read_manifest(con, touched, with_articles=True)
    skipped = sorted(uri for uri, e in staged_entries.items()
                     if uri in current and current[uri].sha256 == e.sha256 and current[uri].run_id != run_id
                     and e.sha256 is not None)
    excluded = [aid for uri in skipped for aid in staged_entries[uri].article_ids]
    leaving = {uri for uri, e in plan.manifest.items() if e is None} | (set(staged_entries) - set(skipped))
    gone = sorted({aid for uri in leaving if uri in current for aid in current[uri].article_ids})

    con.register("gone_ids", pa.table({"article_id": pa.array(gone, pa.string())}))
    con.register("excluded_ids", pa.table({"article_id": pa.array(excluded, pa.string())}))
    try:
        gone_places = _places_of(con, gone)
        gone_paragraphs = [r[0] for r in con.execute(
            f"SELECT paragraph_id FROM {TABLES['paragraphs'].stored_name} WHERE article_id IN "
            "(SELECT article_id FROM gone_ids)").fetchall()] if gone else []
        if gone:
            for table in ARTICLE_TABLES:
                con.execute(f"DELETE FROM {TABLES[table].stored_name} WHERE article_id IN "
                            "(SELECT article_id FROM gone_ids)")
        added, sources = _insert_staged(con, plan)
        _settle_duplicates(con, gone)
        if place_of is not None:
            _update_places(con, plan, gone_places, place_of)
        if added or gone:
            derived.update(con, sources.get(ARTICLES.name), sources.get(PARAGRAPHS.name), gone, gone_paragraphs)

        updates: dict[str, ManifestEntry | None] = {}
        for uri, entry in plan.manifest.items():
            cur = current.get(uri)
            # Not re-published (same content, unreadable, refused): the stored rows and their run stay.
            updates[uri] = entry if entry is None or cur is None else replace(
                entry, article_ids=cur.article_ids, run_id=cur.run_id)
        for uri, e in staged_entries.items():
            if uri not in skipped:
                updates[uri] = e
        if updates:
            con.register("manifest_uris", pa.table({"source_uri": pa.array(sorted(updates), pa.string())}))
            con.execute("DELETE FROM main.inputs WHERE source_uri IN (SELECT source_uri FROM manifest_uris)")
            con.register("manifest_rows", manifest_table(e for e in updates.values() if e is not None))
            con.execute(f"INSERT INTO main.inputs ({_cols('inputs')}) SELECT {_cols('inputs')} FROM manifest_rows")
        for path in plan.extra_parts.get("rejects", []) + [b.paths["rejects"] for b in plan.staged
                                                            if "rejects" in b.paths]:
            con.execute(f"INSERT INTO {REJECTS.stored_name} ({_cols('rejects')}) "
                        f"SELECT {_cols('rejects')} FROM read_parquet({quote(path)})")
        con.register("run_row", table_from_rows(RUNS, [plan.run_row]))
        con.execute(f"INSERT INTO {RUNS.stored_name} ({_cols('runs')}) SELECT {_cols('runs')} FROM run_row")
        extra = json.dumps({"run_id": run_id, "articles_added": added, "articles_removed": len(gone)})
        con.execute(f"CALL {LAKE}.set_commit_message('broadsheet', ?, extra_info => ?)", [f"run {run_id}", extra])
    finally:
        for name in ("gone_ids", "excluded_ids", "manifest_uris", "manifest_rows", "run_row"):
            with contextlib.suppress(duckdb.Error):
                con.unregister(name)
    return Published(added, len(gone), skipped)


def _insert_staged(con: duckdb.DuckDBPyConnection, plan: PublishPlan) -> tuple[int, dict[str, str]]:
    """Insert every staged article table (articles with `duplicate_of` settled).

    Returns:
        The number of articles added, and per table a SQL relation of the rows inserted (their staged rows),
        for the derived tables.
    """
    added, sources = 0, {}
    for table in ARTICLE_TABLES:
        paths = [b.paths[table] for b in plan.staged if table in b.paths]
        if not paths:
            continue
        spec = TABLES[table]
        source = f"(SELECT * FROM read_parquet({_files(paths)}) WHERE article_id NOT IN " \
                 "(SELECT article_id FROM excluded_ids))"
        sources[table] = source
        if table == ARTICLES.name:
            added = _insert_articles(con, source)
            continue
        con.execute(f"INSERT INTO {spec.stored_name} ({_cols(table)}) SELECT {_cols(table)} FROM {source}")
    return added, sources


def _insert_articles(con: duckdb.DuckDBPyConnection, source: str) -> int:
    """Insert new articles with `duplicate_of`: the first article (by ingestion, then source) with the same text."""
    stored = ARTICLES.stored_name
    cols = [c for c in ARTICLES.columns if c != "duplicate_of"]
    select = ", ".join(f'n."{c}"' for c in cols)
    con.execute(f"""
        INSERT INTO {stored} ({', '.join(f'"{c}"' for c in cols)}, duplicate_of)
        WITH new AS {source},
        candidates AS (
            SELECT article_id, content_sha256, ingested_at, source_uri FROM {stored}
            WHERE content_sha256 IN (SELECT content_sha256 FROM new)
            UNION ALL
            SELECT article_id, content_sha256, ingested_at, source_uri FROM new
        ),
        firsts AS (
            SELECT content_sha256, arg_min(article_id, (ingested_at, source_uri, article_id)) AS first_id
            FROM candidates GROUP BY content_sha256
        )
        SELECT {select}, CASE WHEN f.first_id <> n.article_id THEN f.first_id END
        FROM new AS n JOIN firsts AS f USING (content_sha256)
    """)
    return int(con.execute(f"SELECT count(*) FROM {source}").fetchone()[0])


def _settle_duplicates(con: duckdb.DuckDBPyConnection, gone: list[str]) -> None:
    """Articles whose first copy left the warehouse point at the new first one (or become the first)."""
    if not gone:
        return
    stored = ARTICLES.stored_name
    con.execute(f"""
        UPDATE {stored} AS a SET duplicate_of = CASE WHEN f.first_id <> a.article_id THEN f.first_id END
        FROM (
            SELECT content_sha256, arg_min(article_id, (ingested_at, source_uri, article_id)) AS first_id
            FROM {stored}
            WHERE content_sha256 IN (SELECT content_sha256 FROM {stored}
                                     WHERE duplicate_of IN (SELECT article_id FROM gone_ids))
            GROUP BY content_sha256
        ) AS f
        WHERE a.content_sha256 = f.content_sha256 AND a.duplicate_of IN (SELECT article_id FROM gone_ids)
    """)


def _places_of(con: duckdb.DuckDBPyConnection, article_ids: list[str]) -> list[int]:
    """GeoNames ids mentioned by some articles (before they leave)."""
    if not article_ids:
        return []
    rows = con.execute(f"SELECT DISTINCT geonameid FROM {LOCATION_MENTIONS.stored_name} WHERE geonameid IS NOT NULL "
                       "AND article_id IN (SELECT article_id FROM gone_ids)").fetchall()
    return [int(r[0]) for r in rows]


def _update_places(con: duckdb.DuckDBPyConnection, plan: PublishPlan, gone_places: list[int],
                   place_of: Callable[[int], dict]) -> None:
    """Add the places new mentions refer to; drop the ones no mention refers to any more."""
    paths = [b.paths[LOCATION_MENTIONS.name] for b in plan.staged if LOCATION_MENTIONS.name in b.paths]
    stored = PLACES.stored_name
    if paths:
        new = [int(r[0]) for r in con.execute(
            f"SELECT DISTINCT geonameid FROM read_parquet({_files(paths)}) WHERE geonameid IS NOT NULL "
            f"AND geonameid NOT IN (SELECT geonameid FROM {stored}) ORDER BY 1").fetchall()]
        if new:
            con.register("new_places", table_from_rows(PLACES, [place_of(g) for g in new]))
            try:
                con.execute(f"INSERT INTO {stored} ({_cols('places')}) SELECT {_cols('places')} FROM new_places")
            finally:
                con.unregister("new_places")
    if gone_places:
        con.register("maybe_gone", pa.table({"geonameid": pa.array(gone_places, pa.int64())}))
        try:
            con.execute(f"""DELETE FROM {stored} WHERE geonameid IN (SELECT geonameid FROM maybe_gone)
                            AND geonameid NOT IN (SELECT geonameid FROM {LOCATION_MENTIONS.stored_name}
                                                  WHERE geonameid IN (SELECT geonameid FROM maybe_gone))""")
        finally:
            con.unregister("maybe_gone")
