"""The Broadsheet Prefect flow: discover -> batches -> stage -> publish -> runs row."""

from __future__ import annotations

import contextlib
import dataclasses
import datetime as dt
import json
import time
import uuid
from dataclasses import dataclass, field
from importlib import metadata
from typing import Any

import pyarrow.parquet as pq
from prefect import flow, get_run_logger, task
from prefect.cache_policies import NO_CACHE
from prefect.futures import as_completed
from prefect.runtime import flow_run

from expectations.prepare import PreparedTables, concat_prepared, prepared_tables, read_columns
from expectations.validate import (
    ArticleFault,
    ArticleVerdict,
    ValidationReport,
    build_data_docs,
    validate_articles,
    without_articles,
)
from flows import inputs
from flows.batch import DEFAULT_ARTICLE_BUDGET_SECONDS, BatchOutcome, crashed_batch, process_batch, reject_row
from flows.inputs import InputFile, RecordRange, discovered_inputs, split_jsonl
from flows.progress import RunProgress
from flows.workers import WorkerCrashed, active_pool, batch_workers, worker_count
from transforms.formats import Reject
from transforms.gazetteer import place
from warehouse.catalog import ensure_schema
from warehouse.lake import Lake, Location
from warehouse.manifest import ManifestEntry, read_manifest
from warehouse.mirror import Refresh, refresh
from warehouse.publish import PublishPlan, StagedBatch, publish, writer_lock
from warehouse.schemas import ARTICLE_TABLES, TABLES, table_from_rows
from warehouse.staging import (
    STALE_SECONDS,
    new_part_id,
    quarantine,
    read_part,
    remove_run,
    remove_stale,
    staged_path,
    write_part,
)

DEFAULT_BATCH_FILES = 250
DEFAULT_BATCH_RECORDS = 200  # records per batch of a large JSON-lines file split into ranges (~1 s of work)
# Share of a run's articles that may fail validation (each one a `rejects` row) before the run fails and
# publishes none of its articles: beyond it a transform is broken, not a few inputs odd.
DEFAULT_MAX_REJECT_RATE = 0.10
REJECT_DETAIL_CHARS = 1000


@dataclass
class RunSummary:
    """What a run did, for the CLI and the caller."""

    run_id: str
    warehouse: str
    status: str
    n_files_seen: int
    n_files_new: int
    counts: dict[str, int] = field(default_factory=dict)
    seconds: dict[str, float] = field(default_factory=dict)
    rejects: list[dict[str, Any]] = field(default_factory=list)
    failed_expectations: list[dict[str, Any]] = field(default_factory=list)  # of the quarantined batches
    note: str = ""  # why the run failed validation, when too many articles did
    # batch stage: worker processes, their CPU seconds in batches, batch-stage wall seconds, their peak RSS
    workers: dict[str, float] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        """Plain-dict form."""
        return dataclasses.asdict(self)


def code_version() -> str:
    """The installed Broadsheet version."""
    try:
        return metadata.version("broadsheet")
    except metadata.PackageNotFoundError:
        return "unknown"


def new_run_id(now: dt.datetime) -> str:
    """A sortable, unique run id."""
    return f"{now:%Y%m%dT%H%M%SZ}-{uuid.uuid4().hex[:6]}"


@task(name="discover-inputs", retries=2, retry_delay_seconds=[1, 5])
def discover(input_uri: str) -> tuple[list[InputFile], list[Reject]]:
    """List every input file (IO; retried on flaky storage)."""
    return discovered_inputs(input_uri)


@task(name="process-batch", retries=2, retry_delay_seconds=[1, 5])
def process_batch_task(files: list[InputFile] | list[RecordRange], known: dict[str, str], warehouse_uri: str,
                       run_id: str, batch_no: int, ingested_at: dt.datetime,
                       article_budget_seconds: float = DEFAULT_ARTICLE_BUDGET_SECONDS) -> BatchOutcome:
    """Read, transform and stage one batch of files or record ranges: in a worker of this process's pool
    when the run has one (the local runner), else right here (a Dask worker)."""
    args = (files, known, warehouse_uri, run_id, batch_no, ingested_at, article_budget_seconds)
    pool = active_pool()
    if pool is None:
        return process_batch(*args)
    try:
        return pool.run(process_batch, *args)
    except WorkerCrashed as exc:  # costs this batch only; its inputs are retried by the next run
        return crashed_batch(files, str(exc))


@task(name="read-manifest", cache_policy=NO_CACHE, retries=2, retry_delay_seconds=[1, 5])
def read_run_manifest(lake: Lake) -> dict[str, ManifestEntry]:
    """Bring the lake's schema up to date (creating the lake on first use) and read the input manifest."""
    with lake.writer() as con:
        ensure_schema(con)
        return read_manifest(con)


@task(name="maintain", cache_policy=NO_CACHE)
def maintain_if_due(lake: Lake, every_hours: float) -> dict[str, int] | None:
    """Compact and clean the lake when the last maintenance is `every_hours` old (None when not due)."""
    from warehouse.maintenance import due_for_maintenance, run_maintenance

    if every_hours <= 0 or not due_for_maintenance(lake, every_hours):
        return None
    return run_maintenance(lake)


@task(name="refresh-copy", cache_policy=NO_CACHE)
def refresh_copy(lake: Lake) -> Refresh:
    """Bring the plain DuckDB copy of the public tables (`broadsheet.duckdb`) up to the new snapshot."""
    return refresh(lake)


@task(name="publish", cache_policy=NO_CACHE)  # retried inside on a concurrent writer's commit; all or nothing
def publish_run(lake: Lake, plan: PublishPlan) -> None:
    """Publish the run's staged batches, manifest and runs row in one DuckLake transaction."""
    publish(lake, plan, place_row)


def place_row(geonameid: int) -> dict[str, Any]:
    """The `places` row of a GeoNames id, from the bundled gazetteer."""
    p = place(geonameid)
    return {"geonameid": p.geonameid, "name": p.name, "feature": p.feature, "country_code": p.country_code,
            "admin1_code": p.admin1_code, "latitude": p.latitude, "longitude": p.longitude,
            "population": p.population}


@dataclass
class ValidatedBatch:
    """A staged batch after validation: without its rejected articles, or not publishable at all."""

    staged: StagedBatch  # parts and manifest entries without the rejected articles' rows
    report: ValidationReport
    publishable: bool  # False: quarantined whole (a key, the column set or a parent row failed)
    rejects: list[Reject] = field(default_factory=list)  # one `validate` reject per rejected article


def article_reject(source_uri: str, faults: list[ArticleFault]) -> Reject:
    """The `rejects` row of an article set aside by validation: its first failure's code, every failure's detail."""
    detail = "; ".join(f.detail() for f in faults)
    return Reject(source_uri, "validate", faults[0].reason, detail[:REJECT_DETAIL_CHARS])


def _without_rejected(loc: Location, run_id: str, batch: StagedBatch, verdict: ArticleVerdict) -> ValidatedBatch:
    """The batch with the rejected articles among its own rows removed: parts rewritten, manifest ids dropped."""
    if not verdict.publishable:
        return ValidatedBatch(batch, verdict.report, False)
    sources: dict[str, str] = {}
    if verdict.rejected and "articles" in batch.paths:
        articles = read_part(loc, batch.paths["articles"], ["article_id", "source_uri"])
        sources = dict(zip(articles["article_id"].to_pylist(), articles["source_uri"].to_pylist(), strict=True))
    dropped = {aid: faults for aid, faults in verdict.rejected.items() if aid in sources}
    if not dropped:
        return ValidatedBatch(batch, verdict.report, True)
    kept = without_articles({t: read_part(loc, p) for t, p in batch.paths.items() if t != "rejects"}, dropped)
    paths = dict(batch.paths)
    counts = dict(batch.counts)
    for table, rows in kept.items():
        paths[table] = staged_path(loc, run_id, table, f"{batch.part}-validated")
        write_part(loc, paths[table], rows)
        counts[table] = rows.num_rows
    inputs = {uri: dataclasses.replace(e, article_ids=[a for a in e.article_ids if a not in dropped])
              for uri, e in batch.inputs.items()}
    rejects = [article_reject(sources[aid], faults) for aid, faults in dropped.items()]
    return ValidatedBatch(StagedBatch(batch.part, paths, inputs, counts), verdict.report, True, rejects)


def _prepared_batch(loc: Location, batch: StagedBatch) -> PreparedTables:
    """A staged batch read for validation: only the columns the suites judge; its texts dropped once checked."""
    tables, columns = {}, {}
    for table, path in batch.paths.items():
        if table == "rejects":
            continue
        with loc.fs.open(path, "rb") as fh:
            part = pq.ParquetFile(fh)
            columns[table] = part.schema_arrow.names  # the column-set expectation judges every name
            tables[table] = part.read(columns=[c for c in read_columns(table) if c in columns[table]])
    return prepared_tables(tables, columns=columns)


@task(name="validate-batches")
def validate_batches(warehouse_uri: str, run_id: str, batches: list[StagedBatch], ingested_at: dt.datetime
                     ) -> list[ValidatedBatch]:
    """Validate a run's staged batches article by article, in one pass; returns one outcome per batch.

    GX's cost is per expectation rather than per row, so the run is validated at once; each batch is read
    (the columns the suites judge) and its texts checked and dropped before the next is read, so memory does not
    follow article text. The articles whose rows fail a row-level expectation are set aside and the rest
    validated again. Only when a key, the column set or a parent row fails is each batch validated on its own,
    to quarantine just the batches at fault.
    """
    loc = Location.of(warehouse_uri)
    per_batch = [_prepared_batch(loc, b) for b in batches]
    verdict = validate_articles(concat_prepared(per_batch), now=ingested_at)
    if verdict.publishable or len(batches) == 1:
        verdicts = [verdict] * len(batches)
    else:
        verdicts = [validate_articles(prepared, now=ingested_at) for prepared in per_batch]
    return [_without_rejected(loc, run_id, b, v) for b, v in zip(batches, verdicts, strict=True)]


def settle_validation(loc: Location, run_id: str, validated: list[ValidatedBatch]
                      ) -> tuple[list[StagedBatch], list[Reject], list[Reject], dict[str, list[str]]]:
    """Quarantine the batches that are not publishable.

    Returns:
        (batches to publish, one `validate` reject per input of a quarantined batch, one `validate` reject per
        rejected article, run-level parts to publish: a quarantined batch's own parse rejects are still
        published).
    """
    passed: list[StagedBatch] = []
    quarantined: list[Reject] = []
    extra: dict[str, list[str]] = {}
    for v in validated:
        batch, report = v.staged, v.report
        if v.publishable:
            passed.append(batch)
            continue
        paths = dict(batch.paths)
        if "rejects" in paths:
            extra.setdefault("rejects", []).append(paths.pop("rejects"))
        detail = "; ".join(f"{f.table}: {f.expectation} ({f.unexpected_count} rows)" for f in report.failures)
        qdir = quarantine(loc, run_id, batch.part, paths, json.dumps(
            {"failures": [dataclasses.asdict(f) for f in report.failures], "results": report.results},
            default=str, indent=1))
        for uri in batch.inputs:
            quarantined.append(Reject(uri, "validate", "quarantined", f"{qdir}: {detail}"[:2000]))
    return passed, quarantined, [r for v in validated for r in v.rejects], extra


def too_many_rejected(n_rejected: int, n_validated: int, max_reject_rate: float) -> str:
    """Why the run fails for its rejected articles ("" when it does not): their share is above the threshold."""
    if n_validated == 0 or n_rejected / n_validated <= max_reject_rate:
        return ""
    return (f"{n_rejected} of {n_validated} articles ({n_rejected / n_validated:.1%}) failed validation, more than "
            f"--max-reject-rate {max_reject_rate:g}: no article of this run was published")


def combined_report(reports: list[ValidationReport]) -> ValidationReport:
    """One report for the whole run from its batches' reports (a group's shared report counts once)."""
    reports = list({id(r): r for r in reports}.values())
    return ValidationReport(
        success=all(r.success for r in reports),
        failures=[f for r in reports for f in r.failures],
        results={str(n): r.results for n, r in enumerate(reports)},
        n_expectations=sum(r.n_expectations for r in reports),
    )


def write_data_docs(loc: Location, report: ValidationReport) -> None:
    """Build the validation Data Docs into `WAREHOUSE/docs/` (local warehouses; remote ones get them via validate)."""
    if loc.is_local:
        build_data_docs(report, loc.path("docs"))


def manifest_changes(manifest: dict[str, ManifestEntry], outcomes: list[BatchOutcome],
                     discover_rejects: list[Reject], files: list[InputFile], found_rejects: list[Reject],
                     prune: bool, run_id: str) -> dict[str, ManifestEntry | None]:
    """Manifest updates of a run besides its published inputs (those come with their batches).

    Inputs whose content did not change get their new fingerprint; inputs refused at discovery are recorded
    so they are not reported again until they change; with `prune`, inputs that disappeared leave (None).
    Inputs of a quarantined batch are left out, so their old rows stay and the next run retries them.
    """
    updates: dict[str, ManifestEntry | None] = {}
    for o in outcomes:
        updates.update(o.unchanged)
    for r in discover_rejects:
        updates[r.source_uri] = ManifestEntry(r.source_uri, "", None, [], run_id, r.reason)
    if prune:
        present = {f.uri for f in files} | {r.source_uri for r in found_rejects}
        for uri in manifest:
            if uri not in present:
                updates[uri] = None
    return updates


def spread(files: list[InputFile], batch_files: int, min_batches: int = 1) -> list[list[InputFile]]:
    """Files in order, in batches of at most `batch_files`, and in at least `min_batches` when there are enough
    files (a few files must not all land in one batch while other workers idle); sizes differ by one at most."""
    n = len(files)
    if n == 0:
        return []
    k = max(-(-n // batch_files), min(n, min_batches))
    return [files[i * n // k:(i + 1) * n // k] for i in range(k)]


def plan_batches(files: list[InputFile], manifest: dict[str, ManifestEntry], batch_files: int,
                 min_batches: int = 1) -> tuple[list[list[InputFile]], int]:
    """Split the files that may have changed into batches; returns (batches, number of files skipped unread)."""
    todo = []
    skipped = 0
    for f in files:
        entry = manifest.get(f.uri)
        if entry is not None and entry.sha256 and entry.fingerprint == f.fingerprint:
            skipped += 1
            continue
        todo.append(f)
    return spread(todo, batch_files, min_batches), skipped


def with_ranges(batches: list[list[InputFile]], manifest: dict[str, ManifestEntry], batch_files: int,
                batch_records: int, min_bytes: int | None = None, min_batches: int = 1
                ) -> tuple[list[list[InputFile]] | list[list[RecordRange]], dict[str, ManifestEntry]]:
    """Split the large JSON-lines files of some batches into record ranges, one batch per range.

    The ranges come first (the longest work starts first); the other files stay in batches of `batch_files`,
    spread over enough batches that ranges and batches together make `min_batches` when there are files enough.
    Files smaller than `min_bytes` (None: `flows.inputs.SPLIT_MIN_BYTES`) are not scanned.

    Returns:
        (batches, manifest entries of the large files whose content hash did not change: fingerprint refresh).
    """
    if batch_records <= 0:
        return batches, {}
    min_bytes = inputs.SPLIT_MIN_BYTES if min_bytes is None else min_bytes
    ranged: list[list[RecordRange]] = []
    whole: list[InputFile] = []
    unchanged: dict[str, ManifestEntry] = {}
    for f in (f for b in batches for f in b):
        entry = manifest.get(f.uri)
        split = split_jsonl(f, entry.sha256 if entry else None, batch_records, min_bytes)
        if split is None:
            whole.append(f)
        elif not split.ranges and split.sha256 is not None and entry is not None:
            unchanged[f.uri] = dataclasses.replace(entry, fingerprint=f.fingerprint, article_ids=[])
        else:
            ranged.extend([r] for r in split.ranges)
    return [*ranged, *spread(whole, batch_files, max(1, min_batches - len(ranged)))], unchanged


def combined_ranges(passed: list[StagedBatch], ranges: dict[str, RecordRange], run_id: str
                    ) -> tuple[list[StagedBatch], list[Reject]]:
    """One manifest entry per split file, from all its ranges' batches; a file with a range missing is left out.

    Each range's batch holds an entry with its own articles; the combined entry (the file's content hash,
    every range's articles in file order) goes on the batch of its first range. A file one of whose ranges
    was not staged or did not pass validation publishes none of its ranges and gets no entry, so the next
    run reads it again; it gets one `incomplete` reject.

    Args:
        passed: the batches that passed validation.
        ranges: part id -> the record range its batch read, for every range batch of the run.
        run_id: the run.

    Returns:
        (batches to publish, one reject per split file left out).
    """
    by_file: dict[str, list[RecordRange]] = {}
    for r in ranges.values():
        by_file.setdefault(r.uri, []).append(r)
    parts_of = {uri: {p for p, r in ranges.items() if r.uri == uri} for uri in by_file}
    staged = {b.part: b for b in passed}
    out = {b.part: b for b in passed}
    rejects = []
    for uri, file_ranges in by_file.items():
        count = file_ranges[0].count
        got = sorted((ranges[p].index, staged[p]) for p in parts_of[uri] if p in staged and uri in staged[p].inputs)
        if len(got) != count:
            for p in parts_of[uri]:
                out.pop(p, None)
            rejects.append(Reject(uri, "transform", "incomplete",
                                  f"{len(got)} of its {count} record ranges were staged and passed validation; "
                                  "none is published and the next run reads the file again"))
            continue
        first = file_ranges[0]
        entry = ManifestEntry(uri, first.file.fingerprint, first.sha256,
                              [a for _, b in got for a in b.inputs[uri].article_ids], run_id)
        for n, b in got:
            inputs = {u: e for u, e in b.inputs.items() if u != uri}
            if n == 0:
                inputs[uri] = entry
            out[b.part] = dataclasses.replace(b, inputs=inputs)
    return [out[b.part] for b in passed if b.part in out], rejects


@flow(name="broadsheet-run", log_prints=False)
def broadsheet_run(
    input_uri: str,
    warehouse_uri: str = "broadsheet-warehouse",
    batch_files: int = DEFAULT_BATCH_FILES,
    prune: bool = False,
    lock_wait_seconds: float = 0.0,
    catalog: str | None = None,
    maintain_every_hours: float = 24.0,
    article_budget_seconds: float = DEFAULT_ARTICLE_BUDGET_SECONDS,
    max_reject_rate: float = DEFAULT_MAX_REJECT_RATE,
    workers: int | None = None,
    batch_records: int = DEFAULT_BATCH_RECORDS,
) -> dict[str, Any]:
    """Process every new or changed input file under `input_uri` into the warehouse at `warehouse_uri`.

    Args:
        input_uri: directory or URI of raw input files (searched recursively).
        warehouse_uri: warehouse root (directory or URI).
        batch_files: input files per batch task.
        prune: drop the rows of input files that no longer exist.
        lock_wait_seconds: how long to wait for another run on the same warehouse to finish.
        catalog: `sqlite` or a `postgresql://` URI without password (PGPASSWORD or ~/.pgpass supply it);
            None: what the warehouse already uses (SQLite for a new one).
        maintain_every_hours: after publishing, run `broadsheet maintain` when the last pass is this old
            (0: never; scheduled runs keep the file count bounded this way).
        article_budget_seconds: CPU seconds one article's transform steps may take together; past them
            it is published with what the finished steps produced, plus a transform/too_slow reject.
        max_reject_rate: share of the run's articles (0..1) that may fail validation; each is a `rejects` row
            and the rest is published. Above it the run publishes no article and ends `failed_validation`.
        workers: worker processes that run the batches (None: one per core); 0: none, the batches run in
            the task runner's own workers (Dask) or threads.
        batch_records: records per batch when a large JSON-lines file is split into record ranges (0: never
            split; such a file is one batch).

    Returns:
        The run summary as a dict.
    """
    if not 0.0 <= max_reject_rate <= 1.0:
        raise ValueError(f"max_reject_rate must be between 0 and 1, not {max_reject_rate}")
    log = get_run_logger()
    started = dt.datetime.now(dt.timezone.utc).replace(microsecond=0)
    run_id = new_run_id(started)
    lake = Lake(warehouse_uri, catalog)
    lake.prepare(code_version())
    loc = lake.location
    seconds: dict[str, float] = {}
    with writer_lock(lake, lock_wait_seconds) as locked:
        t0 = time.perf_counter()
        # Staging areas of runs killed before they ended: with the lock held, no other run can be staging.
        stale = remove_stale(loc, None if locked else STALE_SECONDS, keep=run_id)
        if stale:
            log.warning("removed the staging areas of %d interrupted run(s): %s", len(stale), ", ".join(stale))
        manifest = read_run_manifest(lake)
        files, found_rejects = discover(input_uri)
        # A file refused at discovery is reported once, not on every scheduled run.
        discover_rejects = [r for r in found_rejects
                            if (e := manifest.get(r.source_uri)) is None or e.rejected_reason != r.reason]
        n_workers = worker_count(workers) if workers != 0 else 0
        # Two batches per worker at least, when there are files enough: a worker that finishes early takes
        # another, so the stage does not wait on one worker's single big batch.
        min_batches = 2 * n_workers if n_workers else 1
        batches, skipped = plan_batches(files, manifest, batch_files, min_batches)
        batches, split_unchanged = with_ranges(batches, manifest, batch_files, batch_records,
                                               min_batches=min_batches)
        seconds["discover"] = time.perf_counter() - t0
        log.info("%d input files, %d unchanged, %d batches to process", len(files), skipped, len(batches))

        known = {f.uri: manifest[f.uri].sha256 or "" for b in batches for f in b if f.uri in manifest}
        range_parts = {new_part_id(run_id, f"b{n:05d}"): b[0] for n, b in enumerate(batches)
                       if b and isinstance(b[0], RecordRange)}
        try:
            t1 = time.perf_counter()
            pool = batch_workers(n_workers) if n_workers and batches else contextlib.nullcontext()
            with pool:
                futures = [
                    process_batch_task.submit(b, {f.uri: known[f.uri] for f in b if f.uri in known}, loc.uri,
                                              run_id, n, started, article_budget_seconds)
                    for n, b in enumerate(batches)
                ]
                outcomes_by_future: dict[int, BatchOutcome] = {}
                with RunProgress(sum(len(b) for b in batches), log) as progress:
                    for fut in as_completed(futures):
                        # only paths, counts and rejects: the rows stay in the staged parts
                        outcome = fut.result()
                        outcomes_by_future[id(fut)] = outcome
                        n_files = len(outcome.unchanged) + (len(outcome.staged.inputs) if outcome.staged else 0)
                        progress.advance(n_files, outcome.counts.get("articles", 0))
            outcomes: list[BatchOutcome] = [outcomes_by_future[id(f)] for f in futures]
            seconds["batches"] = time.perf_counter() - t1
            worker_figures = {
                "workers": float(n_workers), "batches_wall_seconds": round(seconds["batches"], 3),
                "batches_cpu_seconds": round(sum(o.seconds.get("cpu", 0.0) for o in outcomes), 3),
                "peak_rss_mb": max((o.peak_rss_mb for o in outcomes), default=0.0),
                "crashed_batches": float(sum(o.staged is None and bool(o.rejects) for o in outcomes)),
            }
            seconds["batches_cpu"] = worker_figures["batches_cpu_seconds"]
            for stage in ("read", "transform", "write", "clean", "dates", "quantities", "locations",
                          "clean_cpu", "dates_cpu", "quantities_cpu", "locations_cpu"):
                seconds[stage] = sum(o.seconds.get(stage, 0.0) for o in outcomes)

            t1 = time.perf_counter()
            staged = [o.staged for o in outcomes if o.staged is not None]
            validated = validate_batches(loc.uri, run_id, staged, started) if staged else []
            reports = [v.report for v in validated]
            seconds["validate"] = time.perf_counter() - t1
            passed, quarantine_rejects, article_rejects, extra = settle_validation(loc, run_id, validated)
            before = {b.part for b in passed}
            passed, incomplete = combined_ranges(passed, range_parts, run_id)
            left_out = before - {b.part for b in passed}
            for part in {q.source_uri for q in quarantine_rejects}:
                log.error("quarantined input %s (failed validation)", part)
            for r in article_rejects:
                log.warning("rejected article %s: %s", r.source_uri, r.detail[:300])
            note = too_many_rejected(len(article_rejects), sum(b.counts.get("articles", 0) for b in staged),
                                     max_reject_rate)
            if note:
                # Publish none of the run's articles; the batches' own rejects are still recorded, and their
                # inputs stay out of the manifest so the next run retries them.
                log.error(note)
                extra.setdefault("rejects", []).extend(b.paths["rejects"] for b in passed if "rejects" in b.paths)
                passed = []
            updates = manifest_changes(manifest, outcomes, discover_rejects, files, found_rejects, prune, run_id)
            updates.update(split_unchanged)
            validate_rejects = quarantine_rejects + article_rejects
            # rejects no staged part holds: of crashed batches, and of split files left out whole
            unstaged = [r for o in outcomes if o.staged is None for r in o.rejects] + incomplete
            all_rejects = list(discover_rejects) + [r for o in outcomes if o.staged is None or o.staged.part
                                                    not in left_out for r in o.rejects] + incomplete + validate_rejects
            if discover_rejects or validate_rejects or unstaged:
                path = staged_path(loc, run_id, "rejects", f"{run_id}-run")
                rows = [reject_row(r, run_id) for r in discover_rejects + validate_rejects + unstaged]
                write_part(loc, path, table_from_rows(TABLES["rejects"], rows))
                extra.setdefault("rejects", []).append(path)
            run_report = combined_report(reports)
            failures = combined_report([v.report for v in validated if not v.publishable]).failures
            t1 = time.perf_counter()
            counts = {t: sum(b.counts.get(t, 0) for b in passed) for t in ARTICLE_TABLES}
            counts["rejects"] = len(all_rejects)
            counts["rejected_articles"] = len(article_rejects)
            counts["quarantined_batches"] = sum(not v.publishable for v in validated)
            n_new = len({f.uri for b in batches for f in b}) - sum(len(o.unchanged) for o in outcomes)
            status = "failed_validation" if note or counts["quarantined_batches"] else "completed"
            run_row = {
                "run_id": run_id,
                "flow_run_id": str(flow_run.get_id() or "") or None,
                "started_at": started,
                "finished_at": dt.datetime.now(dt.timezone.utc),
                "status": status,
                "n_files_seen": len(files),
                "n_files_new": n_new,
                "n_articles": counts["articles"],
                "n_rejected": counts["rejects"],
                "validation_success": run_report.success if staged else None,
                "code_version": code_version(),
                "input_uri": input_uri,
                "stage_seconds": json.dumps({k: round(v, 3) for k, v in seconds.items()}),
                "note": note or None,
            }
            publish_run(lake, PublishPlan(run_id, passed, updates, run_row, extra))
            if staged:
                write_data_docs(loc, run_report)
            seconds["publish"] = time.perf_counter() - t1
            t1 = time.perf_counter()
            maintained = maintain_if_due(lake, maintain_every_hours)
            if maintained is not None:
                seconds["maintain"] = time.perf_counter() - t1
                log.info("maintenance: %s", json.dumps(maintained))
            t1 = time.perf_counter()
            copied = refresh_copy(lake)
            seconds["copy"] = time.perf_counter() - t1
            if copied.mode == "failed":
                log.warning("broadsheet.duckdb not refreshed: %s", copied.reason)
        finally:
            remove_run(loc, run_id)
    summary = RunSummary(
        run_id, lake.display, status, len(files), n_new, counts, seconds,
        [reject_row(r, run_id) for r in all_rejects], [dataclasses.asdict(f) for f in failures], note,
        worker_figures,
    )
    log.info("run %s: %s", run_id, json.dumps(summary.counts))
    return summary.to_dict()
