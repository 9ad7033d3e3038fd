"""One batch of input files: read them, run the pure transforms, stage one Parquet part per table.

This is the body of the per-batch Prefect task, kept free of Prefect so it can run (and be tested)
anywhere: in the flow's process, a Dask worker, or a plain test.
"""

from __future__ import annotations

import datetime as dt
import resource
import time
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from flows.inputs import MAX_FILE_BYTES, MAX_WARC_BYTES, InputFile, RecordRange, input_sha256, read_bytes, read_range
from transforms.budget import Budget, OverBudget
from transforms.formats import (
    RawArticle,
    Reject,
    articles_from_jsonl_range,
    input_format,
    parsed_file,
    sidecar_meta,
)
from transforms.records import (
    PreparedArticle,
    Rows,
    article_id,
    article_rows,
    content_sha256,
    date_rows,
    extracts,
    loaded_models,
    location_rows,
    prepared_article,
    quantity_rows,
    with_story_dates,
)
from warehouse.lake import Location
from warehouse.manifest import ManifestEntry
from warehouse.publish import StagedBatch
from warehouse.schemas import ARTICLE_TABLES, TABLES, table_from_rows
from warehouse.staging import new_part_id, staged_path, write_part


@dataclass
class BatchOutcome:
    """What a batch task returns to the flow (small: paths and counts, never the rows)."""

    staged: StagedBatch | None
    unchanged: dict[str, ManifestEntry]  # inputs whose content hash did not change (fingerprint refresh only)
    counts: dict[str, int] = field(default_factory=dict)
    seconds: dict[str, float] = field(default_factory=dict)
    rejects: list[Reject] = field(default_factory=list)
    peak_rss_mb: float = 0.0  # of the process that ran the batch, so far


def peak_rss_mb() -> float:
    """This process's peak resident memory in MB.

    Linux's VmHWM, not `ru_maxrss`: that one survives fork and exec, so a worker spawned by a large
    process would report its parent's peak.
    """
    try:
        with open("/proc/self/status", encoding="ascii") as fh:
            for line in fh:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def crashed_batch(files: list[InputFile] | list[RecordRange], detail: str) -> BatchOutcome:
    """The outcome of a batch whose worker process died: one reject per input, nothing staged or recorded.

    The inputs get no manifest entry, so the next run tries them again.
    """
    uris = list(dict.fromkeys(f.uri for f in files))
    rejects = [Reject(uri, "transform", "worker_crashed", detail[:500]) for uri in uris]
    return BatchOutcome(None, {}, {"rejects": len(rejects)}, {}, rejects)


# CPU seconds one article may spend in all its transform steps together; past them it is published
# with what the finished steps produced, and a `too_slow` reject names the step that ran over.
DEFAULT_ARTICLE_BUDGET_SECONDS = 2.0
STEPS = ("clean", "dates", "quantities", "locations")
# This thread's CPU time: work of other batches running in other threads does not count against an article.
_ARTICLE_CLOCK = time.thread_time


@dataclass
class Extracted:
    """One article's rows from the steps that finished, and the step that ran past the budget (if any)."""

    tables: Rows
    too_slow: str | None = None
    detail: str = ""
    seconds: dict[str, float] = field(default_factory=dict)  # wall seconds per step
    cpu_seconds: dict[str, float] = field(default_factory=dict)  # this thread's CPU seconds per step


def _too_slow(step: str, budget: Budget, budget_seconds: float) -> str:
    return f"{step}: stopped past the {budget_seconds:g} s budget ({budget_seconds - budget.remaining():.2f} s CPU)"


def prepared_within(raw: RawArticle, ingested_at: dt.datetime, budget_seconds: float
                    ) -> tuple[PreparedArticle | None, float, str]:
    """The cleaned article and the CPU seconds it took; None and a `too_slow` detail when cleaning ran over."""
    budget = Budget(_ARTICLE_CLOCK, budget_seconds)
    try:
        return prepared_article(raw, ingested_at, budget), budget.used(), ""
    except OverBudget:
        return None, budget.used(), _too_slow("clean", budget, budget_seconds)


def extracted(article: PreparedArticle, run_id: str, ingested_at: dt.datetime, budget_seconds: float,
              spent: float = 0.0) -> Extracted:
    """Rows of one article's tables, its extraction steps sharing what is left of the budget.

    Args:
        article: the prepared article.
        run_id: the run.
        ingested_at: the run's start time.
        budget_seconds: the article's CPU budget for all steps together.
        spent: CPU seconds cleaning already used of it.

    Returns:
        The rows of every step that finished; past the budget, the step that ran over is named and the
        steps after it do not run.
    """
    clock, cpu = time.perf_counter, _ARTICLE_CLOCK
    budget = Budget(cpu, budget_seconds - spent)
    out = Extracted(article_rows(article, run_id, ingested_at))
    if not extracts(article):
        return out
    paragraphs = out.tables["paragraphs"]
    step = "dates"
    try:
        for step in STEPS[1:]:
            s0, u0 = clock(), cpu()
            if step == "dates":
                out.tables["date_mentions"], dates = date_rows(paragraphs, article.published, run_id, budget)
            elif step == "quantities":
                out.tables["quantity_mentions"] = quantity_rows(paragraphs, dates, run_id, budget)
            else:
                out.tables["location_mentions"] = location_rows(paragraphs, run_id, budget)
            out.seconds[step], out.cpu_seconds[step] = clock() - s0, cpu() - u0
    except OverBudget:
        out.seconds[step], out.cpu_seconds[step] = clock() - s0, cpu() - u0
        out.too_slow, out.detail = step, _too_slow(step, budget, budget_seconds)
    return out


def reject_row(r: Reject, run_id: str) -> dict[str, Any]:
    """A `rejects` table row."""
    return {"run_id": run_id, "source_uri": r.source_uri, "stage": r.stage, "reason": r.reason, "detail": r.detail}


def _read(f: InputFile, rejects: list[Reject]) -> tuple[bytes, bytes | None] | None:
    limit = MAX_WARC_BYTES if input_format(f.uri) == "warc" else MAX_FILE_BYTES
    if f.size > limit:
        rejects.append(Reject(f.uri, "read", "too_large", f"{f.size} bytes; the limit is {limit}"))
        return None
    try:
        data = read_bytes(f.uri, limit)
    except (OSError, ValueError) as exc:
        rejects.append(Reject(f.uri, "read", "unreadable", str(exc)[:500]))
        return None
    side = None
    if f.sidecar:
        try:
            side = read_bytes(f.sidecar, 1024 * 1024)
        except (OSError, ValueError) as exc:
            rejects.append(Reject(f.sidecar, "read", "unreadable", str(exc)[:500]))
    return data, side


def _parsed_input(f: InputFile, data: bytes, side: bytes | None) -> tuple[list[RawArticle], list[Reject]]:
    """Articles and rejects of one input file and its sidecar."""
    meta = None
    rejects: list[Reject] = []
    if side is not None and f.sidecar:
        meta, bad = sidecar_meta(f.sidecar, side)
        if bad:
            rejects.append(bad)
    articles, file_rejects = parsed_file(f.uri, data, meta)
    return articles, rejects + file_rejects


def _parsed_range(r: RecordRange) -> tuple[list[RawArticle], list[Reject]]:
    """Articles and rejects of one record range (the sidecar's rejects only with the file's first range)."""
    meta = None
    rejects: list[Reject] = []
    if r.file.sidecar:
        try:
            meta, bad = sidecar_meta(r.file.sidecar, read_bytes(r.file.sidecar, 1024 * 1024))
        except (OSError, ValueError) as exc:
            bad = Reject(r.file.sidecar, "read", "unreadable", str(exc)[:500])
        if bad and r.index == 0:
            rejects.append(bad)
    articles, record_rejects = articles_from_jsonl_range(r.uri, read_range(r.uri, r.start, r.end), r.first_line, meta)
    return articles, rejects + record_rejects


def _unstorable_text(row: dict[str, Any]) -> str | None:
    """The first text column of a row that cannot be written as UTF-8 (one such value fails a whole part)."""
    for name, value in row.items():
        if isinstance(value, str) and not value.isascii():
            try:
                value.encode("utf-8")
            except UnicodeEncodeError:
                return name
    return None


def process_batch(
    files: list[InputFile] | list[RecordRange],
    known: dict[str, str],
    warehouse_uri: str,
    run_id: str,
    batch_no: int,
    ingested_at: dt.datetime,
    article_budget_seconds: float = DEFAULT_ARTICLE_BUDGET_SECONDS,
) -> BatchOutcome:
    """Read, transform and stage one batch of input files.

    Args:
        files: the inputs of this batch: whole files, or the record ranges of a large file (the file's
            manifest entry then holds this range's articles; the flow combines its ranges' entries).
        known: content hash the manifest holds for inputs seen before (uri -> sha256).
        warehouse_uri: where to stage the parts.
        run_id: the run.
        batch_no: position of the batch in the run (names the part).
        ingested_at: the run's start time, stamped on every article.
        article_budget_seconds: CPU seconds one article's transform steps may take together; an
            article past them is published with what the finished steps produced, plus a
            `transform` / `too_slow` reject naming the step (an article whose cleaning ran over is
            only the reject: there is no text to publish).

    Returns:
        Staged part paths, manifest entries, counts and seconds per stage.
    """
    clock, cpu = time.perf_counter, time.thread_time
    t0, process_cpu = clock(), time.process_time()
    rejects: list[Reject] = []
    raws: list[tuple[str, RawArticle]] = []
    unchanged: dict[str, ManifestEntry] = {}
    fresh: dict[str, ManifestEntry] = {}
    for item in files:
        if isinstance(item, RecordRange):
            try:
                articles, file_rejects = _parsed_range(item)
            except Exception as exc:  # an unreadable range: the file is not published this run (no entry)
                rejects.append(Reject(item.uri, "read", "unreadable", f"{type(exc).__name__}: {exc}"[:500]))
                continue
            rejects.extend(file_rejects)
            raws.extend((item.uri, a) for a in articles)
            fresh[item.uri] = ManifestEntry(item.uri, item.file.fingerprint, item.sha256, [], run_id)
            continue
        f = item
        got = _read(f, rejects)
        if got is None:
            fresh[f.uri] = ManifestEntry(f.uri, f.fingerprint, None, [], run_id)
            continue
        data, side = got
        sha = input_sha256(data, side)
        if known.get(f.uri) == sha:
            unchanged[f.uri] = ManifestEntry(f.uri, f.fingerprint, sha, [], run_id)
            continue
        try:
            articles, file_rejects = _parsed_input(f, data, side)
        except Exception as exc:  # a reader bug costs this file, never the others of the batch
            articles, file_rejects = [], [Reject(f.uri, "parse", "error", f"{type(exc).__name__}: {exc}"[:500])]
        rejects.extend(file_rejects)
        raws.extend((f.uri, a) for a in articles)
        fresh[f.uri] = ManifestEntry(f.uri, f.fingerprint, sha, [], run_id)
    if raws:
        loaded_models()  # once per process, before any article's budget starts
    t1 = clock()
    c1 = cpu()

    prepared: list[tuple[str, PreparedArticle, float]] = []
    for uri, raw in raws:
        try:
            article, spent, too_slow = prepared_within(raw, ingested_at, article_budget_seconds)
        except Exception as exc:  # one article's bug must not lose the batch
            rejects.append(Reject(raw.source_uri, "transform", "clean_error", f"{type(exc).__name__}: {exc}"[:500]))
            continue
        if article is None:
            rejects.append(Reject(raw.source_uri, "transform", "too_slow", too_slow))
        else:
            prepared.append((uri, article, spent))
    dated = with_story_dates([p for _, p, _ in prepared])
    rows: Rows = defaultdict(list)
    ids_by_input: dict[str, list[str]] = defaultdict(list)
    # wall seconds per extraction phase, and the CPU seconds of this thread in it ("*_cpu": one core's
    # work, which wall time overstates when batches share the cores)
    phase = {"clean": clock() - t1, "dates": 0.0, "quantities": 0.0, "locations": 0.0}
    phase_cpu = {"clean_cpu": cpu() - c1, "dates_cpu": 0.0, "quantities_cpu": 0.0, "locations_cpu": 0.0}
    seen: set[str] = set()
    for (uri, _, spent), article in zip(prepared, dated, strict=False):
        if not article.text:
            rejects.append(Reject(article.raw.source_uri, "transform", "no_content", "nothing left after cleaning"))
            continue
        # The same record twice in one file (a repeated JSONL line, the same `id` and text): one article.
        key = article_id(article.raw.source_uri, content_sha256(article.text))
        if key in seen:
            rejects.append(Reject(article.raw.source_uri, "transform", "duplicate_record",
                                  "the same record, with the same text, appears earlier in this file"))
            continue
        seen.add(key)
        try:
            result = extracted(article, run_id, ingested_at, article_budget_seconds, spent)
        except Exception as exc:  # an extractor bug costs this article, not the batch
            rejects.append(Reject(article.raw.source_uri, "transform", "extract_error",
                                  f"{type(exc).__name__}: {exc}"[:500]))
            continue
        for step, seconds in result.seconds.items():
            phase[step] += seconds
            phase_cpu[f"{step}_cpu"] += result.cpu_seconds[step]
        if result.too_slow:
            rejects.append(Reject(article.raw.source_uri, "transform", "too_slow", result.detail))
        tables = result.tables
        if (column := _unstorable_text(tables["articles"][0])) is not None:
            rejects.append(Reject(article.raw.source_uri, "transform", "bad_text", f"{column} is not valid Unicode"))
            continue
        for table, table_rows in tables.items():
            rows[table].extend(table_rows)
        ids_by_input[uri].append(tables["articles"][0]["article_id"])
    t2 = clock()

    loc = Location.of(warehouse_uri)
    part = new_part_id(run_id, f"b{batch_no:05d}")
    paths: dict[str, str] = {}
    if rows.get("articles"):
        for table in ARTICLE_TABLES:
            path = staged_path(loc, run_id, table, part)
            write_part(loc, path, table_from_rows(TABLES[table], rows.get(table, [])))
            paths[table] = path
    if rejects:
        path = staged_path(loc, run_id, "rejects", part)
        write_part(loc, path, table_from_rows(TABLES["rejects"], [reject_row(r, run_id) for r in rejects]))
        paths["rejects"] = path
    for uri, rec in fresh.items():
        fresh[uri] = ManifestEntry(uri, rec.fingerprint, rec.sha256, ids_by_input.get(uri, []), run_id)
    t3 = clock()
    counts = {table: len(rows.get(table, [])) for table in ARTICLE_TABLES}
    counts["rejects"] = len(rejects)
    staged = StagedBatch(part, paths, fresh, counts) if (paths or fresh) else None
    # "cpu": this process's CPU seconds in the batch (a worker process runs one batch at a time)
    seconds = {"read": t1 - t0, "transform": t2 - t1, "write": t3 - t2, **phase, **phase_cpu,
               "cpu": time.process_time() - process_cpu}
    return BatchOutcome(staged, unchanged, counts, seconds, rejects, peak_rss_mb())
