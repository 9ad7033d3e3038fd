"""One batch over hostile files: no input costs another file, every good record is staged (issue 16, part 3)."""

from __future__ import annotations

import datetime as dt
import json
import pathlib

import pyarrow.parquet as pq
import pytest

import flows.batch
from flows.batch import process_batch
from flows.inputs import discovered_inputs
from transforms.formats import RawArticle

NOW = dt.datetime(2025, 1, 1, tzinfo=dt.UTC)
GOOD = "The harbour reopened on Tuesday after three weeks of repairs, the port authority said."


def _write(root: pathlib.Path, rel: str, data: bytes) -> None:
    path = root / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)


@pytest.fixture
def hostile_tree(tmp_path: pathlib.Path) -> pathlib.Path:
    root = tmp_path / "in"
    lines = [
        json.dumps({"id": "good", "title": "Harbour reopens", "text": GOOD}),
        '{"id": "big", "text": "x", "n": ' + "9" * 5000 + "}",
        "[" * 200_000 + "]" * 200_000,
        '{"id": "surrogate", "title": "Bad \\udfff title", "text": "' + GOOD + '"}',
        json.dumps({"id": "typed", "text": GOOD, "url": [1, 2], "title": "T" * 2_000_000, "language": "1x",
                    "published": "2999-01-01", "source": "Example \u202eNews"}),
    ]
    _write(root, "feed.jsonl", "\n".join(lines).encode())
    _write(root, "big-int.txt", f"Ferries return\n\n{GOOD}\n".encode())
    _write(root, "big-int.meta.json", b'{"published": "2020-01-01", "views": ' + b"9" * 5000 + b"}")
    _write(root, "deep.txt", f"Bridge reopens\n\n{GOOD}\n".encode())
    _write(root, "deep.meta.json", b"[" * 200_000 + b"]" * 200_000)
    _write(root, "fine.txt", f"Library opens\n\n{GOOD}\n".encode())
    return root


def test_hostile_files_cost_only_their_bad_records(hostile_tree: pathlib.Path, tmp_path: pathlib.Path) -> None:
    files, _ = discovered_inputs(str(hostile_tree))
    out = process_batch(files, {}, str(tmp_path / "wh"), "run1", 0, NOW)
    rows = {r["source_uri"].rsplit("/", 1)[-1]: r for r in pq.read_table(out.staged.paths["articles"]).to_pylist()}
    assert set(rows) == {"feed.jsonl#good", "feed.jsonl#surrogate", "feed.jsonl#typed", "big-int.txt", "deep.txt",
                         "fine.txt"}
    reasons = sorted((r.source_uri.rsplit("/", 1)[-1], r.reason) for r in out.rejects)
    assert reasons == [("big-int.meta.json", "bad_sidecar"), ("deep.meta.json", "bad_sidecar"),
                       ("feed.jsonl#2", "bad_json"), ("feed.jsonl#3", "bad_json")]
    assert rows["feed.jsonl#surrogate"]["title"] == "Bad \ufffd title"
    typed = rows["feed.jsonl#typed"]
    assert typed["url"] is None and len(typed["title"]) == 1000 and typed["source_name"] == "Example News"
    assert typed["published_date"] is None and typed["language"] == "en"
    assert set(typed["repairs"].split(",")) == {
        "url:not_string", "title:truncated", "language:invalid", "published:future", "source:bidi_controls",
    }


def test_a_reader_bug_costs_one_file(hostile_tree: pathlib.Path, tmp_path: pathlib.Path,
                                     monkeypatch: pytest.MonkeyPatch) -> None:
    real = flows.batch.parsed_file

    def flaky(uri: str, data: bytes, meta: object = None) -> tuple[list[RawArticle], list[object]]:
        if uri.endswith("fine.txt"):
            raise RecursionError("a bug in a reader")
        return real(uri, data, meta)

    monkeypatch.setattr(flows.batch, "parsed_file", flaky)
    files, _ = discovered_inputs(str(hostile_tree))
    out = process_batch(files, {}, str(tmp_path / "wh"), "run1", 0, NOW)
    assert out.counts["articles"] == 5
    (bug,) = [r for r in out.rejects if r.source_uri.endswith("fine.txt")]
    assert (bug.stage, bug.reason) == ("parse", "error") and "RecursionError" in bug.detail


def test_an_unstorable_row_costs_one_article(hostile_tree: pathlib.Path, tmp_path: pathlib.Path,
                                             monkeypatch: pytest.MonkeyPatch) -> None:
    """If a surrogate ever slipped past the guards, the article is a reject, not the batch's whole part."""
    real = flows.batch.article_rows

    def leaky(article, run_id, ingested_at):  # type: ignore[no-untyped-def]
        rows = real(article, run_id, ingested_at)
        if article.raw.source_uri.endswith("fine.txt"):
            rows["articles"][0]["author"] = "bad \udfff"
        return rows

    monkeypatch.setattr(flows.batch, "article_rows", leaky)
    files, _ = discovered_inputs(str(hostile_tree))
    out = process_batch(files, {}, str(tmp_path / "wh"), "run1", 0, NOW)
    assert out.counts["articles"] == 5
    (bad,) = [r for r in out.rejects if r.source_uri.endswith("fine.txt")]
    assert (bad.stage, bad.reason) == ("transform", "bad_text") and "author" in bad.detail


def test_metadata_dates_are_bounded_by_the_run_time(tmp_path: pathlib.Path) -> None:
    root = tmp_path / "in"
    _write(root, "a.txt", f"Ferries return\n\n{GOOD}\n".encode())
    _write(root, "a.meta.json", json.dumps({"published": "2025-01-10"}).encode())
    files, _ = discovered_inputs(str(root))
    early = process_batch(files, {}, str(tmp_path / "w1"), "run1", 0, NOW)
    late = process_batch(files, {}, str(tmp_path / "w2"), "run2", 0, dt.datetime(2025, 1, 9, tzinfo=dt.UTC))
    (a,) = pq.read_table(early.staged.paths["articles"]).to_pylist()
    (b,) = pq.read_table(late.staged.paths["articles"]).to_pylist()
    assert (a["published_date"], a["repairs"]) == (None, "published:future")
    assert (str(b["published_date"]), b["repairs"]) == ("2025-01-10", None)
