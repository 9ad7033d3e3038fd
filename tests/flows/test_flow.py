"""Real flow runs on a Prefect test server: idempotence, changed inputs, pruning, duplicates, rejects."""

import pytest

from flows.pipeline import broadsheet_run
from tests.helpers import warehouse_rows

pytestmark = [pytest.mark.slow, pytest.mark.usefixtures("prefect_server")]





def _snapshot_rows(wh):
    excluded = {"articles": "run_id, ingested_at", "paragraphs": "run_id", "removed_lines": "run_id"}
    return {t: sorted(warehouse_rows(wh, f"select * exclude ({cols}) from {t}")) for t, cols in excluded.items()}


def test_full_run_then_idempotent_rerun_then_change_then_prune(small_corpus, tmp_path):
    wh = tmp_path / "wh"
    first = broadsheet_run(input_uri=str(small_corpus), warehouse_uri=str(wh))
    assert first["status"] == "completed"
    assert first["counts"]["articles"] == 4
    assert warehouse_rows(wh, "select count(*) from articles") == [(4,)]
    assert sorted(r[0] for r in warehouse_rows(wh, "select reason from rejects")) == ["bad_json", "unsupported"]
    # the same text from two sources: two articles, the later one points at the first
    dups = warehouse_rows(wh, "select a.source_uri, b.source_uri from articles a "
                              "join articles b on a.duplicate_of = b.article_id")
    assert [(x.rsplit("/", 1)[-1], y.rsplit("/", 1)[-1]) for x, y in dups] == [("syndicated.txt", "antwerp.txt")]
    rows_before = _snapshot_rows(wh)

    again = broadsheet_run(input_uri=str(small_corpus), warehouse_uri=str(wh))
    assert again["n_files_new"] == 0 and again["counts"]["articles"] == 0
    assert _snapshot_rows(wh) == rows_before
    assert warehouse_rows(wh, "select count(*), count(distinct run_id) from runs") == [(2, 2)]
    assert warehouse_rows(wh, "select count(*) from rejects") == [(2,)]  # rejects are history, not repeated

    york = small_corpus / "york.txt"
    york.write_text(york.read_text().replace("4.9 metres", "5.1 metres"))
    changed = broadsheet_run(input_uri=str(small_corpus), warehouse_uri=str(wh))
    assert changed["n_files_new"] == 1
    assert warehouse_rows(wh, "select count(*) from articles") == [(4,)]
    assert warehouse_rows(wh, "select count(*) from paragraphs where text like '%4.9 metres%'") == [(0,)]
    assert warehouse_rows(wh, "select count(*) from paragraphs where text like '%5.1 metres%'") == [(1,)]
    assert warehouse_rows(wh, "select count(*) - count(distinct paragraph_id) from paragraphs") == [(0,)]

    (small_corpus / "feed.jsonl").unlink()
    broadsheet_run(input_uri=str(small_corpus), warehouse_uri=str(wh))
    assert warehouse_rows(wh, "select count(*) from articles") == [(4,)]  # removed files keep their rows by default
    broadsheet_run(input_uri=str(small_corpus), warehouse_uri=str(wh), prune=True)
    assert warehouse_rows(wh, "select count(*) from articles where source_uri like '%feed.jsonl%'") == [(0,)]
    assert warehouse_rows(wh, "select count(*) from articles") == [(3,)]


def test_a_new_copy_never_points_at_a_retired_article(small_corpus, tmp_path):
    wh = tmp_path / "wh"
    antwerp = small_corpus / "nested dir" / "antwerp.txt"
    original = antwerp.read_text()
    broadsheet_run(input_uri=str(small_corpus), warehouse_uri=str(wh))
    antwerp.write_text(original.replace("more than 40 ships", "more than 50 ships"))
    (small_corpus / "zz-copy.txt").write_text(original)  # the old text again, from a new source
    broadsheet_run(input_uri=str(small_corpus), warehouse_uri=str(wh))
    (pointer,) = warehouse_rows(wh, "select duplicate_of from articles where source_uri like '%zz-copy.txt'")
    assert pointer[0] is not None
    assert warehouse_rows(wh, f"select source_uri from articles where article_id = '{pointer[0]}'") != []
