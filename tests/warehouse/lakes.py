"""Publishing into a lake without Prefect: the flow's steps called directly, for fast warehouse tests."""

from __future__ import annotations

import datetime as dt
import pathlib

from flows.batch import process_batch, reject_row
from flows.inputs import discovered_inputs
from flows.pipeline import manifest_changes, place_row, plan_batches
from warehouse.catalog import ensure_schema
from warehouse.lake import Lake
from warehouse.manifest import read_manifest
from warehouse.publish import Published, PublishPlan, publish
from warehouse.schemas import REJECTS, table_from_rows
from warehouse.staging import remove_run, staged_path, write_part

T0 = dt.datetime(2024, 5, 1, 8, 0, tzinfo=dt.timezone.utc)


def publish_dir(lake: Lake, input_dir: pathlib.Path, run_no: int, prune: bool = False) -> Published:
    """One run over `input_dir` (no validation): what the flow publishes, run id `r<run_no>`."""
    started = T0 + dt.timedelta(minutes=15 * run_no)
    run_id = f"{started:%Y%m%dT%H%M%SZ}-r{run_no:05d}"
    lake.prepare("tests")
    with lake.writer() as con:
        ensure_schema(con)
        manifest = read_manifest(con)
    files, found = discovered_inputs(str(input_dir))
    batches, _ = plan_batches(files, manifest, 250)
    outcomes = []
    for n, batch in enumerate(batches):
        known = {f.uri: manifest[f.uri].sha256 or "" for f in batch if f.uri in manifest}
        outcomes.append(process_batch(batch, known, lake.location.uri, run_id, n, started))
    staged = [o.staged for o in outcomes if o.staged is not None]
    fresh = [r for r in found if (e := manifest.get(r.source_uri)) is None or e.rejected_reason != r.reason]
    updates = manifest_changes(manifest, outcomes, fresh, files, found, prune, run_id)
    extra: dict[str, list[str]] = {}
    if fresh:
        path = staged_path(lake.location, run_id, "rejects", f"{run_id}-run")
        write_part(lake.location, path, table_from_rows(REJECTS, [reject_row(r, run_id) for r in fresh]))
        extra["rejects"] = [path]
    run_row = {"run_id": run_id, "flow_run_id": None, "started_at": started, "finished_at": started,
               "status": "completed", "n_files_seen": len(files), "n_files_new": len(staged),
               "n_articles": sum(o.counts.get("articles", 0) for o in outcomes), "n_rejected": 0,
               "validation_success": None, "code_version": "tests", "input_uri": str(input_dir),
               "stage_seconds": "{}"}
    try:
        return publish(lake, PublishPlan(run_id, staged, updates, run_row, extra), place_row)
    finally:
        remove_run(lake.location, run_id)


def write_article(folder: pathlib.Path, name: str, title: str, body: str, published: str | None = None) -> pathlib.Path:
    """A plain-text input file (first line the title), with a sidecar when a date is given."""
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{name}.txt"
    path.write_text(f"{title}\n\n{body}\n", encoding="utf-8")
    if published:
        (folder / f"{name}.meta.json").write_text(f'{{"published": "{published}"}}', encoding="utf-8")
    return path


def rows(lake: Lake, sql: str) -> list[tuple]:
    """Rows of a query through a read-only attach."""
    with lake.reader() as con:
        return con.execute(sql).fetchall()


FERRY = ("The island ferry to Lewis was cancelled for a third day on Tuesday after gusts of 70 mph closed the "
         "harbour at Ullapool, leaving about 40 lorries queued on the pier.")
FERRY_2 = ("Hauliers at Ullapool said on Tuesday that the cancelled Lewis ferry had stranded some 40 lorries, as "
           "the harbour stayed shut in winds that reached 70 mph.")
BRIDGE = ("Engineers in Porto closed the lower deck of the Luiz I bridge to trams for two weeks so that 120 "
          "corroded rivets could be replaced before the summer.")
ORCHARD = ("A cider maker near Hereford said a late frost in April had cut this year's apple harvest by more than "
           "a third, the worst since 2017.")


def three_articles(folder: pathlib.Path) -> pathlib.Path:
    """An input folder of two reports of one ferry story and an unrelated bridge story."""
    write_article(folder, "ferry", "Lewis ferry cancelled again", FERRY, "2024-01-16")
    write_article(folder, "ferry-wire", "Lorries stranded at Ullapool", FERRY_2, "2024-01-16")
    write_article(folder, "bridge", "Porto bridge closes to trams", BRIDGE, "2024-03-02")
    return folder
