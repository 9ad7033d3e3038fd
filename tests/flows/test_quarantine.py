"""A batch that fails validation is quarantined: nothing of it reaches the views, and the run says so."""

import json

import pytest
from typer.testing import CliRunner

import flows.batch
from flows.cli import app
from tests.helpers import warehouse_rows

pytestmark = [pytest.mark.slow, pytest.mark.usefixtures("prefect_server")]


def _inverted_quantities(paragraphs, dates, run_id, budget=None):
    """A broken transform: every paragraph gets a figure whose low is above its high."""
    return [{
        "mention_id": f"{p['paragraph_id']}-q000", "article_id": p["article_id"], "paragraph_id": p["paragraph_id"],
        "char_start": 0, "char_end": 1, "text": p["text"][:1], "run_id": run_id, "low": 10.0, "high": 1.0,
        "low_inclusive": True, "high_inclusive": True, "approximate": False, "vague": False, "unit": "count",
        "noun": None, "qualifier": None,
    } for p in paragraphs]




def test_corrupted_batch_is_quarantined_then_retried(small_corpus, tmp_path, monkeypatch):
    wh = tmp_path / "wh"
    monkeypatch.setattr(flows.batch, "quantity_rows", _inverted_quantities)
    result = CliRunner().invoke(app, ["run", "--input", str(small_corpus), "--warehouse", str(wh)])
    assert result.exit_code == 1, result.output
    assert "failed validation" in result.output and "low" in result.output

    assert warehouse_rows(wh, "select count(*) from articles") == [(0,)]
    assert warehouse_rows(wh, "select count(*) from quantity_mentions") == [(0,)]
    assert warehouse_rows(wh, "select status, validation_success from runs") == [("failed_validation", False)]
    quarantined = warehouse_rows(wh, "select count(*) from rejects where stage = 'validate' and reason = 'quarantined'")
    assert quarantined[0][0] >= 1
    (batch_dir,) = list((wh / "quarantine").glob("*/*"))
    assert (batch_dir / "quantity_mentions.parquet").exists()
    failures = json.loads((batch_dir / "validation.json").read_text())["failures"]
    assert any(f["table"] == "quantity_mentions" and "low" in f["expectation"] for f in failures)

    monkeypatch.undo()
    result = CliRunner().invoke(app, ["run", "--input", str(small_corpus), "--warehouse", str(wh), "--quiet"])
    assert result.exit_code == 0, result.output
    assert warehouse_rows(wh, "select count(*) from articles") == [(4,)]
    assert warehouse_rows(wh, "select count(*) from quantity_mentions where low > high") == [(0,)]


def test_only_the_failing_batch_is_quarantined(small_corpus, tmp_path, monkeypatch):
    wh = tmp_path / "wh"
    real = flows.batch.quantity_rows

    def broken_for_york(paragraphs, dates, run_id, budget):
        if any("York" in p["text"] or "Ouse" in p["text"] for p in paragraphs):
            return _inverted_quantities(paragraphs, dates, run_id)
        return real(paragraphs, dates, run_id, budget)

    monkeypatch.setattr(flows.batch, "quantity_rows", broken_for_york)
    result = CliRunner().invoke(app, ["run", "--input", str(small_corpus), "--warehouse", str(wh),
                                      "--batch-files", "1", "--quiet"])
    assert result.exit_code == 1, result.output
    assert warehouse_rows(wh, "select count(*) from articles") == [(3,)]
    assert warehouse_rows(wh, "select count(*) from articles where title like '%York%'") == [(0,)]
    assert len(list((wh / "quarantine").glob("*/*"))) == 1
