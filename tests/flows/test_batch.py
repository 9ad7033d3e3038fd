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


def test_a_repeated_record_is_one_article_and_a_reject(tmp_path):
    import json

    lines = [{"id": "w7", "title": "Harbour wall mended", "published": "2023-11-02",
              "text": "Masons in Ullapool finished mending the harbour wall on Thursday after storm damage."},
             {"id": "w8", "title": "Ferry timetable", "published": "2023-11-03",
              "text": "The Stornoway ferry will sail twice a day from Monday, the operator said."}]
    feed = tmp_path / "in" / "feed.jsonl"
    feed.parent.mkdir()
    # the first record twice (same id and text), then the same id with other text: only the exact repeat goes
    changed = {**lines[0], "text": lines[0]["text"] + " The quay reopens next week."}
    feed.write_text("\n".join(json.dumps(r) for r in (lines[0], lines[0], changed, lines[1])) + "\n")
    files, _ = discovered_inputs(str(tmp_path / "in"))
    out = process_batch(files, {}, str(tmp_path / "wh"), "run1", 0, NOW)
    articles = pq.read_table(out.staged.paths["articles"]).to_pylist()
    assert len(articles) == 3 and len({a["article_id"] for a in articles}) == 3
    assert [(r.reason, r.source_uri.rsplit("#", 1)[-1]) for r in out.rejects] == [("duplicate_record", "w7")]


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


class _SteppedClock:
    """A CPU clock for the budget that stands still until a test moves it past any deadline."""

    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def test_an_article_past_its_budget_keeps_the_finished_steps(small_corpus, tmp_path, monkeypatch):
    import flows.batch as batch

    clock = _SteppedClock()
    monkeypatch.setattr(batch, "_ARTICLE_CLOCK", clock)
    real_location_rows = batch.location_rows

    def slow_location_rows(*args, **kwargs):
        clock.now += 10.0  # the locations step of every article runs far past its budget
        return real_location_rows(*args, **kwargs)

    monkeypatch.setattr(batch, "location_rows", slow_location_rows)
    files, _ = discovered_inputs(str(small_corpus))
    out = process_batch(files, {}, str(tmp_path / "wh"), "run1", 0, NOW, article_budget_seconds=2.0)
    assert out.counts["articles"] == 4  # published all the same
    assert out.counts["date_mentions"] > 0 and out.counts["quantity_mentions"] > 0
    assert out.counts["location_mentions"] == 0
    slow = [r for r in out.rejects if r.reason == "too_slow"]
    assert len(slow) == 4
    assert {(r.stage, r.detail.split(":")[0]) for r in slow} == {("transform", "locations")}
    rejects = pq.read_table(out.staged.paths["rejects"]).to_pylist()
    assert sum(r["reason"] == "too_slow" for r in rejects) == 4


def test_an_article_whose_cleaning_runs_over_is_only_a_reject(small_corpus, tmp_path, monkeypatch):
    import flows.batch as batch

    clock = _SteppedClock()
    monkeypatch.setattr(batch, "_ARTICLE_CLOCK", clock)
    real_prepared = batch.prepared_article

    def slow_prepared(raw, ingested_at, budget):
        clock.now += 10.0
        return real_prepared(raw, ingested_at, budget)

    monkeypatch.setattr(batch, "prepared_article", slow_prepared)
    files, _ = discovered_inputs(str(small_corpus))
    out = process_batch(files, {}, str(tmp_path / "wh"), "run1", 0, NOW)
    assert out.counts["articles"] == 0
    assert sorted(r.detail.split(":")[0] for r in out.rejects if r.reason == "too_slow") == ["clean"] * 4


def test_a_real_budget_stops_a_pathological_article_in_time(tmp_path):
    """A 40,000-town article needs seconds of location work; a 0.3 s budget stops it near 0.3 s of CPU."""
    import time

    from bench.pathological import distinct_towns
    from flows.batch import extracted, prepared_within
    from transforms.formats import RawArticle
    from transforms.records import loaded_models

    loaded_models()
    raw = RawArticle("bench://towns", "txt", distinct_towns(40_000), language="en")
    start = time.thread_time()
    article, spent, _ = prepared_within(raw, NOW, 0.3)
    stopped = "clean" if article is None else extracted(article, "run1", NOW, 0.3, spent).too_slow
    used = time.thread_time() - start
    assert stopped is not None
    assert used < 0.3 + 1.0  # CPU seconds, with a generous margin: checks come every few milliseconds


def test_spread_keeps_order_caps_size_and_feeds_every_worker():
    from flows.pipeline import spread

    files = list(range(5))
    assert spread(files, 250) == [[0, 1, 2, 3, 4]]  # one worker's worth: one batch
    assert spread(files, 250, min_batches=4) == [[0], [1], [2], [3, 4]]
    assert spread(files, 2) == [[0], [1, 2], [3, 4]]  # at most batch_files each, as even as can be
    assert all(len(b) <= 2 for b in spread(files, 2, min_batches=2))
    assert spread(files[:2], 250, min_batches=4) == [[0], [1]]  # never an empty batch
    assert spread([], 250, min_batches=4) == []
    big = list(range(1000))
    parts = spread(big, 250, min_batches=4)
    assert [x for b in parts for x in b] == big and max(map(len, parts)) - min(map(len, parts)) <= 1
