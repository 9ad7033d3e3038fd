import datetime as dt

import pyarrow.parquet as pq

from flows.batch import process_batch
from flows.inputs import discovered_inputs

NOW = dt.datetime(2024, 1, 1, tzinfo=dt.timezone.utc)


def test_discovery_finds_inputs_and_rejects_unsupported(small_corpus):
    files, rejects = discovered_inputs(str(small_corpus))
    names = [f.uri.rsplit("/", 1)[-1] for f in files]
    assert names == ["feed.jsonl", "antwerp.txt", "syndicated.txt", "york.txt"]
    york = files[-1]
    assert york.sidecar and york.sidecar.endswith("york.meta.json")
    assert [r.reason for r in rejects] == ["unsupported"]


def test_batch_stages_every_article_table(small_corpus, tmp_path):
    files, _ = discovered_inputs(str(small_corpus))
    out = process_batch(files, {}, str(tmp_path / "wh"), "run1", 0, NOW)
    assert out.counts["articles"] == 4
    assert out.counts["rejects"] == 1  # the broken JSONL line
    articles = pq.read_table(out.staged.paths["articles"]).to_pylist()
    paragraphs = pq.read_table(out.staged.paths["paragraphs"]).to_pylist()
    by_id = {a["article_id"]: a for a in articles}
    for p in paragraphs:
        assert by_id[p["article_id"]]["text"][p["char_start"]:p["char_end"]] == p["text"]
    york = next(a for a in articles if a["source_uri"].endswith("york.txt"))
    assert york["title"] == "Flood defences hold as river peaks in York"
    assert str(york["published_date"]) == "2020-02-17" and york["published_date_source"] == "metadata"
    assert york["source_name"] == "Ouse Valley Post"
    feed = next(a for a in articles if a["source_uri"].endswith("#w1"))
    assert feed["title"] == "Wind farm approved" and feed["n_paragraphs"] == 2


def test_batch_ids_are_deterministic(small_corpus, tmp_path):
    files, _ = discovered_inputs(str(small_corpus))
    a = process_batch(files, {}, str(tmp_path / "w1"), "run1", 0, NOW)
    b = process_batch(files, {}, str(tmp_path / "w2"), "run2", 7, NOW)
    for table in ("articles", "paragraphs"):
        key = "article_id" if table == "articles" else "paragraph_id"
        ids_a = sorted(r[key] for r in pq.read_table(a.staged.paths[table]).to_pylist())
        ids_b = sorted(r[key] for r in pq.read_table(b.staged.paths[table]).to_pylist())
        assert ids_a == ids_b


def test_known_unchanged_content_is_not_reprocessed(small_corpus, tmp_path):
    files, _ = discovered_inputs(str(small_corpus))
    first = process_batch(files, {}, str(tmp_path / "w"), "run1", 0, NOW)
    known = {uri: rec.sha256 for uri, rec in first.staged.inputs.items()}
    again = process_batch(files, known, str(tmp_path / "w"), "run2", 0, NOW)
    assert set(again.unchanged) == set(known) and again.counts["articles"] == 0
