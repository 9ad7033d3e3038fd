"""What validation does to a run: a failing article is a reject, too many of them fail the run, and a batch
breaking a warehouse guard (a key, a parent row) is quarantined whole."""

import json

import pytest
from typer.testing import CliRunner

import flows.batch
from flows.cli import app
from tests.helpers import inverted_quantities, warehouse_rows

# These tests patch flows.batch, which only batches run in the test process see.
pytestmark = [pytest.mark.slow, pytest.mark.usefixtures("prefect_server", "batches_in_this_process")]


def test_every_article_failing_publishes_nothing_then_retries(small_corpus, tmp_path, monkeypatch):
    wh = tmp_path / "wh"
    monkeypatch.setattr(flows.batch, "quantity_rows", inverted_quantities)
    result = CliRunner().invoke(app, ["run", "--input", str(small_corpus), "--warehouse", str(wh)])
    assert result.exit_code == 1, result.output
    assert "4 of 4 articles" in result.output and "--max-reject-rate 0.1" in result.output

    assert warehouse_rows(wh, "select count(*) from articles") == [(0,)]
    assert warehouse_rows(wh, "select count(*) from quantity_mentions") == [(0,)]
    assert warehouse_rows(wh, "select status, validation_success, note like '4 of 4 articles%' from runs") == [
        ("failed_validation", False, True)]
    rejected = warehouse_rows(wh, "select reason, detail from rejects where stage = 'validate'")
    assert len(rejected) == 4
    assert {r[0] for r in rejected} == {"expect_column_pair_values_a_to_be_greater_than_b"}
    assert all('"low": 10.0' in r[1] for r in rejected)
    assert not (wh / "quarantine").exists()
    # Nothing of the run entered the manifest: the next run reads every file again.
    assert warehouse_rows(wh, "select count(*) from inputs where content_sha256 is not null") == [(0,)]

    monkeypatch.undo()
    result = CliRunner().invoke(app, ["run", "--input", str(small_corpus), "--warehouse", str(wh), "--quiet"])
    assert result.exit_code == 0, result.output
    assert warehouse_rows(wh, "select count(*) from articles") == [(4,)]
    assert warehouse_rows(wh, "select count(*) from quantity_mentions where low > high") == [(0,)]


def _twice_counted(paragraphs, dates, run_id, budget=None):
    """A broken quantities step whose rows are valid one by one but share a mention id (a key guard fails)."""
    rows = inverted_quantities(paragraphs[:1], dates, run_id)
    rows = [{**r, "low": 1.0, "high": 1.0} for r in rows]
    return rows + rows


def test_a_broken_key_quarantines_only_its_batch(small_corpus, tmp_path, monkeypatch):
    wh = tmp_path / "wh"
    real = flows.batch.quantity_rows

    def broken_for_york(paragraphs, dates, run_id, budget):
        if any("York" in p["text"] or "Ouse" in p["text"] for p in paragraphs):
            return _twice_counted(paragraphs, dates, run_id)
        return real(paragraphs, dates, run_id, budget)

    monkeypatch.setattr(flows.batch, "quantity_rows", broken_for_york)
    result = CliRunner().invoke(app, ["run", "--input", str(small_corpus), "--warehouse", str(wh),
                                      "--batch-files", "1", "--quiet"])
    assert result.exit_code == 1, result.output
    assert "quarantined" in result.output and "mention_id" in result.output
    assert warehouse_rows(wh, "select count(*) from articles") == [(3,)]
    assert warehouse_rows(wh, "select count(*) from articles where title like '%York%'") == [(0,)]
    assert warehouse_rows(wh, "select status from runs") == [("failed_validation",)]
    quarantined = warehouse_rows(wh, "select source_uri from rejects where stage = 'validate'")
    assert [uri.endswith("york.txt") for (uri,) in quarantined] == [True]
    (batch_dir,) = list((wh / "quarantine").glob("*/*"))
    assert (batch_dir / "quantity_mentions.parquet").exists()
    failures = json.loads((batch_dir / "validation.json").read_text())["failures"]
    assert any(f["table"] == "quantity_mentions" and "unique(mention_id)" in f["expectation"] for f in failures)

    monkeypatch.undo()  # a quarantined batch's inputs are retried
    result = CliRunner().invoke(app, ["run", "--input", str(small_corpus), "--warehouse", str(wh), "--quiet"])
    assert result.exit_code == 0, result.output
    assert warehouse_rows(wh, "select count(*) from articles where title like '%York%'") == [(1,)]
