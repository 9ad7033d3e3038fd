"""Large JSON-lines files split into record ranges give the warehouse what the whole file gives, row for row."""

from __future__ import annotations

import json
import pathlib

import pytest

import flows.inputs
from flows.inputs import InputFile, discovered_inputs, split_jsonl
from flows.pipeline import broadsheet_run, with_ranges
from tests.helpers import warehouse_rows
from warehouse.manifest import ManifestEntry

SENTENCES = [
    "Rescue workers in Kharkiv said on Tuesday that more than 300 homes had been damaged.",
    "The ferry from Oban to Mull will run twice a day from March 3, the operator said.",
    "Prices in Lagos rose 12 percent last month, the steepest rise since 2016.",
    "About 40 trucks left Rotterdam for Hamburg on Friday night carrying grain.",
]


def _record(n: int, **extra: object) -> dict:
    text = f"Report number {n}\n\n" + " ".join(SENTENCES[(n + k) % 4] for k in range(3))
    return {"id": f"r{n}", "text": text, **extra}


def _feed(root: pathlib.Path) -> pathlib.Path:
    """Records that only meet in one batch when the split keeps them together, and the odd lines between."""
    lines: list[str] = []
    for n in range(40):
        rec = _record(n, published=f"2021-05-0{1 + n % 9}") if n % 4 else _record(n)
        if n in (2, 8, 12):  # one story: only its last article is dated, the others take its date
            rec = {**_record(n), "story_id": "harbour"}
            if n == 12:
                rec["published"] = "2021-06-11"
        if n in (9, 10):
            rec = {**rec, "story_id": "ferry"}
        if n in (5, 30):  # no id: the line number names the record
            rec.pop("id")
        lines.append(json.dumps(rec))
        if n == 6:
            lines += ["", "{not json", "[1, 2]"]
        if n == 12:
            lines.append(json.dumps(_record(3)))  # a repeat of record 3, same id and text: a duplicate_record
        if n == 14:
            lines.append(json.dumps({**_record(3), "text": "Report number 3 again, with other text."}))
    root.mkdir(parents=True)
    path = root / "feed.jsonl"
    path.write_text("\n".join(lines) + "\n")
    (root / "feed.meta.json").write_text(json.dumps({"source": "Harbour Gazette"}))
    (root / "other.txt").write_text("Storm closes the Skye bridge\n\n" + SENTENCES[0] + "\n")
    return path


def _jsonl_file(root: pathlib.Path) -> InputFile:
    files, _ = discovered_inputs(str(root))
    return next(f for f in files if f.uri.endswith(".jsonl"))


def test_ranges_keep_same_id_and_same_story_records_together(tmp_path):
    path = _feed(tmp_path / "in")
    f = _jsonl_file(tmp_path / "in")
    split = split_jsonl(f, None, 7, min_bytes=0)
    assert split is not None and len(split.ranges) > 1
    data = path.read_bytes()
    assert b"".join(data[r.start:r.end] for r in split.ranges) == data  # every byte once, in order
    holding = {}
    for r in split.ranges:
        chunk = data[r.start:r.end].decode()
        assert data[:r.start].count(b"\n") + 1 == r.first_line
        for key in ('"id": "r3"', '"story_id": "harbour"', '"story_id": "ferry"'):
            if key in chunk:
                holding.setdefault(key, set()).add(r.index)
    assert all(len(v) == 1 for v in holding.values()), holding
    again = split_jsonl(f, split.sha256, 7, min_bytes=0)
    assert again is not None and again.ranges == () and again.sha256 == split.sha256  # unchanged: no batches
    assert split_jsonl(f, None, 7) is None  # small files are batched whole


def test_unchanged_large_file_only_refreshes_its_fingerprint(tmp_path):
    _feed(tmp_path / "in")
    f = _jsonl_file(tmp_path / "in")
    sha = split_jsonl(f, None, 7, min_bytes=0).sha256
    manifest = {f.uri: ManifestEntry(f.uri, "old", sha, ["a1"], "run0")}
    batches, unchanged = with_ranges([[f]], manifest, 250, 7, min_bytes=0)
    assert batches == [] and unchanged[f.uri].fingerprint == f.fingerprint and unchanged[f.uri].sha256 == sha


TABLES = {
    "articles": "run_id, ingested_at", "paragraphs": "run_id", "removed_lines": "run_id",
    "date_mentions": "run_id", "quantity_mentions": "run_id", "location_mentions": "run_id", "rejects": "run_id",
}


def _tables(wh: pathlib.Path) -> dict[str, list[tuple]]:
    out = {t: sorted(warehouse_rows(wh, f"select * exclude ({cols}) from {t}"), key=repr)
           for t, cols in TABLES.items()}
    out["inputs"] = sorted((u, s, sorted(ids)) for u, s, ids in warehouse_rows(
        wh, "select source_uri, content_sha256, article_ids from inputs"))
    return out


@pytest.mark.slow
@pytest.mark.usefixtures("prefect_server")
def test_same_tables_row_for_row_whatever_the_split(tmp_path, monkeypatch):
    _feed(tmp_path / "in")
    monkeypatch.setattr(flows.inputs, "SPLIT_MIN_BYTES", 0)
    results = {}
    for batch_records in (1, 7, 0):  # 0: the whole file in one batch, as before ranges
        wh = tmp_path / f"wh-{batch_records}"
        summary = broadsheet_run(input_uri=str(tmp_path / "in"), warehouse_uri=str(wh), batch_records=batch_records,
                                 workers=2)
        assert summary["status"] == "completed"
        results[batch_records] = _tables(wh)
    whole = results[0]
    assert len(whole["articles"]) == 42  # 40 records, the changed repeat of r3, other.txt; minus nothing
    reasons = sorted(r[2] for r in whole["rejects"])
    assert reasons == ["bad_json", "bad_json", "duplicate_record"]
    dated = {r[1].rsplit("#", 1)[-1]: (str(r[6]), r[7]) for r in warehouse_rows(
        tmp_path / "wh-0", "select article_id, source_uri, title, author, url, source_name, published_date, "
                           "published_date_source from articles")}
    assert dated["r2"] == ("2021-06-11", "inferred") and dated["r8"] == ("2021-06-11", "inferred")
    for batch_records in (1, 7):
        for table, rows in whole.items():
            assert results[batch_records][table] == rows, (batch_records, table)
