"""Publishing a run: settle cross-batch columns, retire replaced rows, commit the snapshot, swap the catalog."""

from __future__ import annotations

import contextlib
import errno
import fcntl
import os
import time
from collections import defaultdict
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field

import pyarrow as pa
import pyarrow.compute as pc

from warehouse.catalog import build_catalog
from warehouse.schemas import ARTICLE_TABLES, TABLES, table_from_rows
from warehouse.store import InputRecord, Snapshot, Warehouse, new_part_id

LOCK = "_state/lock"


class WarehouseBusy(RuntimeError):
    """Another run holds the warehouse's writer lock."""


@contextlib.contextmanager
def writer_lock(wh: Warehouse, wait_seconds: float = 0.0) -> Iterator[None]:
    """Hold the single-writer lock of a local warehouse; raise WarehouseBusy if another run keeps it."""
    if not wh.is_local:
        yield  # object stores have no advisory locks: schedule runs of one warehouse so they cannot overlap
        return
    os.makedirs(wh.path("_state"), exist_ok=True)
    fd = os.open(wh.path(LOCK), os.O_RDWR | os.O_CREAT, 0o644)
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
                        f"warehouse {wh.uri} is being written by {holder}; wait for that run to finish"
                    ) from None
                time.sleep(0.5)
        os.ftruncate(fd, 0)
        os.pwrite(fd, f"run pid {os.getpid()}".encode(), 0)
        yield
    finally:
        os.close(fd)  # closing the descriptor releases the lock, also when the process is killed


@dataclass
class StagedBatch:
    """What a batch task staged: part id, staged paths per table, and manifest entries for its inputs."""

    part: str
    paths: dict[str, str]
    inputs: dict[str, InputRecord]
    counts: dict[str, int] = field(default_factory=dict)


def _final_paths(wh: Warehouse, snap: Snapshot, table: str, new_parts: dict[str, dict[str, str]],
                 dropped: dict[str, set[str]]) -> list[str]:
    """Paths of the parts a table will have once this publish commits (live - dropped + new)."""
    gone = dropped.get(table, set())
    paths = [wh.part_path(table, p) for p in snap.tables.get(table, []) if p not in gone]
    return paths + [path for _, path in sorted(new_parts.get(table, {}).items())]


def _read_columns(wh: Warehouse, paths: list[str], columns: list[str]) -> pa.Table | None:
    tables = [wh.read_part(p, columns) for p in paths]
    return pa.concat_tables(tables) if tables else None


def settle_duplicates(wh: Warehouse, kept_paths: list[str], staged: Sequence[StagedBatch]) -> None:
    """Fill `duplicate_of` in staged articles: the first article (by ingestion, then source) with the same text.

    Args:
        wh: the warehouse.
        kept_paths: the articles parts that stay live after this publish (old ones minus retired ones).
        staged: the batches being published.
    """
    first: dict[str, tuple] = {}
    kept = _read_columns(wh, kept_paths, ["content_sha256", "ingested_at", "source_uri", "article_id"])
    keys = [] if kept is None else list(zip(*(kept.column(c).to_pylist() for c in kept.column_names), strict=True))
    for sha, ingested, uri, aid in sorted(keys, key=lambda k: (str(k[1]), k[2])):
        first.setdefault(sha, (str(ingested), uri, aid))
    tables = {b.part: wh.read_part(b.paths["articles"]) for b in staged if "articles" in b.paths}
    new_keys = []
    for part, t in tables.items():
        cols = t.select(["content_sha256", "source_uri", "article_id"]).to_pydict()
        new_keys.extend((sha, uri, aid, part) for sha, uri, aid in
                        zip(cols["content_sha256"], cols["source_uri"], cols["article_id"], strict=False))
    for sha, uri, aid, _ in sorted(new_keys, key=lambda k: k[1]):
        first.setdefault(sha, ("", uri, aid))
    for b in staged:
        if b.part not in tables:
            continue
        t = tables[b.part]
        dup = [
            (first[sha][2] if first[sha][2] != aid else None)
            for sha, aid in zip(t.column("content_sha256").to_pylist(), t.column("article_id").to_pylist(),
                                strict=True)
        ]
        if any(d is not None for d in dup):
            idx = t.schema.get_field_index("duplicate_of")
            t = t.set_column(idx, t.schema.field(idx), pa.array(dup, type=pa.string()))
            wh.write_part(b.paths["articles"], t)


def retire_inputs(wh: Warehouse, snap: Snapshot, replaced: set[str], run_id: str
                  ) -> tuple[dict[str, set[str]], dict[str, dict[str, str]], dict[str, InputRecord]]:
    """Remove the rows of replaced (changed or pruned) inputs from live parts, copying parts that keep other rows.

    Returns:
        (parts to drop per table, rewritten parts to add per table, manifest updates for inputs that moved part).
    """
    dropped: dict[str, set[str]] = defaultdict(set)
    added: dict[str, dict[str, str]] = defaultdict(dict)
    moved: dict[str, InputRecord] = {}
    inputs_by_part: dict[str, set[str]] = defaultdict(set)
    for uri, rec in snap.inputs.items():
        for part in rec.parts:
            inputs_by_part[part].add(uri)
    affected = {part for uri in replaced if uri in snap.inputs for part in snap.inputs[uri].parts}
    gone_ids = {aid for uri in replaced if uri in snap.inputs for aid in snap.inputs[uri].article_ids}
    for n, part in enumerate(sorted(affected)):
        keep_inputs = inputs_by_part[part] - replaced
        new_part = new_part_id(run_id, f"r{n:05d}") if keep_inputs else None
        for table in ARTICLE_TABLES:
            if part not in snap.tables.get(table, []):
                continue
            dropped[table].add(part)
            if new_part is None:
                continue
            t = wh.read_part(wh.part_path(table, part))
            kept = t.filter(pc.invert(pc.is_in(t.column("article_id"), pa.array(sorted(gone_ids), pa.string()))))
            path = wh.staged_path(run_id, table, new_part)
            wh.write_part(path, kept)
            added[table][new_part] = path
        for uri in keep_inputs:
            rec = moved.get(uri) or snap.inputs[uri]
            moved[uri] = InputRecord(rec.sha256, rec.fingerprint,
                                     sorted({new_part if p == part else p for p in rec.parts}), rec.article_ids)
    return dropped, added, moved


def derived_parts(wh: Warehouse, snap: Snapshot, run_id: str, new_parts: dict[str, dict[str, str]],
                  dropped: dict[str, set[str]], place_of: Callable[[int], dict] | None) -> dict[str, str]:
    """Stage the tables recomputed from the whole warehouse: places, article_stories, paragraph_groups."""
    from transforms.paragraph_groups import paragraph_dup_groups
    from transforms.stories import StoryArticle, story_assignments

    out: dict[str, str] = {}

    def stage(table: str, rows: list[dict]) -> None:
        path = wh.staged_path(run_id, table, new_part_id(run_id, table))
        wh.write_part(path, table_from_rows(TABLES[table], rows))
        out[table] = path

    if place_of is not None:
        mentions = _read_columns(wh, _final_paths(wh, snap, "location_mentions", new_parts, dropped), ["geonameid"])
        ids = [] if mentions is None else pc.unique(mentions.column("geonameid").drop_null()).to_pylist()
        stage("places", [place_of(int(g)) for g in sorted(ids)])
    articles = _read_columns(wh, _final_paths(wh, snap, "articles", new_parts, dropped),
                             ["article_id", "title", "text", "published_date", "story_id"])
    stories = [] if articles is None else story_assignments(
        [StoryArticle(*row) for row in zip(*(articles.column(c).to_pylist() for c in articles.column_names),
                                           strict=True)])
    stage("article_stories", [{"article_id": s.article_id, "story_id": s.story_id,
                               "story_id_source": s.story_id_source} for s in stories])
    paragraphs = _read_columns(wh, _final_paths(wh, snap, "paragraphs", new_parts, dropped), ["paragraph_id", "text"])
    groups = {} if paragraphs is None else paragraph_dup_groups(
        list(zip(paragraphs.column("paragraph_id").to_pylist(), paragraphs.column("text").to_pylist(), strict=False)))
    stage("paragraph_groups", [{"paragraph_id": p, "dup_group": g} for p, g in sorted(groups.items())])
    return out


def commit_run(
    wh: Warehouse,
    snap: Snapshot,
    staged: Sequence[StagedBatch],
    run_id: str,
    run_row: dict,
    extra_parts: dict[str, dict[str, str]],
    replaced: set[str],
    manifest_updates: dict[str, InputRecord | None],
    place_of: Callable[[int], dict] | None = None,
) -> Snapshot:
    """Publish a run's staged batches in one snapshot replacement, then swap in a new catalog.

    Args:
        wh: the warehouse (the caller holds its writer lock).
        snap: the snapshot the run started from.
        staged: the batches that passed validation.
        run_id: the run.
        run_row: this run's row of the `runs` table.
        extra_parts: run-level staged parts (table -> {part id: path}), e.g. discovery rejects.
        replaced: inputs whose earlier rows must leave the live set (changed or pruned files).
        manifest_updates: new manifest entries (None removes an input).
        place_of: geonameid -> `places` row, when locations are extracted.

    Returns:
        The snapshot now live.
    """
    dropped, added, moved = retire_inputs(wh, snap, replaced, run_id)
    dropped = defaultdict(set, dropped)
    settle_duplicates(wh, _final_paths(wh, snap, "articles", added, dropped), staged)
    new_parts: dict[str, dict[str, str]] = defaultdict(dict)
    for table, parts in added.items():
        new_parts[table].update(parts)
    for b in staged:
        for table, path in b.paths.items():
            new_parts[table][b.part] = path
    for table, parts in extra_parts.items():
        new_parts[table].update(parts)
    runs_path = wh.staged_path(run_id, "runs", run_id)
    wh.write_part(runs_path, table_from_rows(TABLES["runs"], [run_row]))
    new_parts["runs"][run_id] = runs_path
    if any(new_parts.get(t) or dropped.get(t) for t in ARTICLE_TABLES):
        for table, path in derived_parts(wh, snap, run_id, new_parts, dropped, place_of).items():
            dropped[table].update(snap.tables.get(table, []))
            new_parts[table][new_part_id(run_id, table)] = path
    updates: dict[str, InputRecord | None] = {**moved, **manifest_updates}
    new_snap = wh.commit(snap, new_parts, dropped, updates)
    build_catalog(wh, new_snap)
    wh.clear_staging(run_id)
    return new_snap
