"""Validation per article: one bad article is a reject, every other article is published, the run succeeds."""

from __future__ import annotations

import datetime
import json
import pathlib

import pytest
from typer.testing import CliRunner

import flows.batch
from flows.cli import app
from tests.helpers import inverted_quantities, warehouse_rows

# These tests patch flows.batch, which only batches run in the test process see.
pytestmark = [pytest.mark.slow, pytest.mark.usefixtures("prefect_server", "batches_in_this_process")]

TOWNS = ("Ashby", "Bexley", "Carlow", "Dunmore", "Elgin", "Fenwick", "Garforth", "Hexham", "Ilkley", "Jarrow",
         "Keswick", "Louth", "Malton", "Nairn", "Oakham", "Penrith", "Quorn", "Ripon", "Selby", "Thirsk",
         "Ulverston", "Ventnor", "Wigton", "Yarm")
BROKEN = "Quarrington"  # the town whose articles the broken transform corrupts
VALIDATE_REJECTS = "select source_uri, reason, detail from rejects where stage = 'validate'"


def _story(n: int, town: str) -> str:
    """A short council story of our own, different for every n."""
    return (f"{town} council backs plan number {n}\n\n"
            f"Councillors in {town} approved {n + 3} new bus shelters on Tuesday, the transport officer said.\n\n"
            f"About {n * 10 + 120} residents signed the petition, and work starts in {town} next spring.\n")


def _newsroom(root: pathlib.Path, n: int, broken: int) -> pathlib.Path:
    """`n` plain-text articles, the first `broken` of them set in the town the broken transform corrupts."""
    root.mkdir(parents=True)
    for i in range(n):
        town = BROKEN if i < broken else TOWNS[i % len(TOWNS)]
        (root / f"story{i:03d}.txt").write_text(_story(i, town))
    return root


def _broken_for(town: str):
    """quantity_rows, inverted (low above high) for the articles that mention `town`."""
    real = flows.batch.quantity_rows

    def quantity_rows(paragraphs, dates, run_id, budget):
        if any(town in p["text"] for p in paragraphs):
            return inverted_quantities(paragraphs, dates, run_id)
        return real(paragraphs, dates, run_id, budget)

    return quantity_rows


def _run(input_dir: pathlib.Path, wh: pathlib.Path, *options: str):
    return CliRunner().invoke(app, ["run", "--input", str(input_dir), "--warehouse", str(wh), "--quiet", *options])


def test_one_bad_article_is_rejected_and_never_retried(tmp_path, monkeypatch):
    inputs, wh = _newsroom(tmp_path / "in", 20, broken=1), tmp_path / "wh"
    monkeypatch.setattr(flows.batch, "quantity_rows", _broken_for(BROKEN))
    # One file per batch: the group is validated at once, and the bad article's batch is left with no rows.
    result = _run(inputs, wh, "--batch-files", "1")
    assert result.exit_code == 0, result.output
    assert warehouse_rows(wh, "select count(*) from articles") == [(19,)]
    assert warehouse_rows(wh, f"select count(*) from articles where text like '%{BROKEN}%'") == [(0,)]
    assert warehouse_rows(wh, f"select count(*) from paragraphs where text like '%{BROKEN}%'") == [(0,)]
    assert warehouse_rows(wh, "select count(*) from quantity_mentions where low > high") == [(0,)]
    ((uri, reason, detail),) = warehouse_rows(wh, VALIDATE_REJECTS)
    assert uri.endswith("story000.txt")
    assert reason == "expect_column_pair_values_a_to_be_greater_than_b"
    assert "quantity_mentions" in detail and "(high, low)" in detail and '"low": 10.0' in detail
    assert warehouse_rows(wh, "select status, n_articles, validation_success from runs") == [
        ("completed", 19, False)]
    assert not (wh / "quarantine").exists()
    # The rejected article's file is recorded as read (its hash), with no article published from it.
    ((sha, ids),) = warehouse_rows(wh, "select content_sha256, article_ids from inputs "
                                       "where source_uri like '%story000.txt'")
    assert sha is not None and ids == []

    # The next run reads only the new file: the rejected article is not retried until its file changes.
    (inputs / "late.txt").write_text(_story(99, "Whitby"))
    result = _run(inputs, wh)
    assert result.exit_code == 0, result.output
    assert warehouse_rows(wh, "select count(*) from articles") == [(20,)]
    assert warehouse_rows(wh, "select count(*) from articles where text like '%Whitby%'") == [(1,)]
    assert len(warehouse_rows(wh, VALIDATE_REJECTS)) == 1
    assert warehouse_rows(wh, "select n_files_new, n_articles from runs order by started_at") == [(20, 19), (1, 1)]


def test_above_max_reject_rate_the_run_fails_and_publishes_nothing(tmp_path, monkeypatch):
    inputs, wh = _newsroom(tmp_path / "in", 20, broken=3), tmp_path / "wh"
    monkeypatch.setattr(flows.batch, "quantity_rows", _broken_for(BROKEN))
    result = _run(inputs, wh)
    assert result.exit_code == 1, result.output
    assert "3 of 20 articles" in result.output and "--max-reject-rate 0.1" in result.output
    assert warehouse_rows(wh, "select count(*) from articles") == [(0,)]
    assert warehouse_rows(wh, "select status from runs") == [("failed_validation",)]
    assert len(warehouse_rows(wh, VALIDATE_REJECTS)) == 3

    # A higher threshold lets the same inputs through: nothing of the failed run was recorded as read.
    result = _run(inputs, wh, "--max-reject-rate", "0.2")
    assert result.exit_code == 0, result.output
    assert warehouse_rows(wh, "select count(*) from articles") == [(17,)]
    assert len(warehouse_rows(wh, VALIDATE_REJECTS)) == 6


@pytest.mark.parametrize("rate", ["1.5", "-0.1"])
def test_max_reject_rate_must_be_a_share(tmp_path, rate):
    result = CliRunner().invoke(app, ["run", "--input", str(tmp_path), "--warehouse", str(tmp_path / "wh"),
                                      "--max-reject-rate", rate])
    assert result.exit_code == 2
    assert not (tmp_path / "wh").exists()


BORN = "was born on March 17, 1884"
LGL_ARTICLES = 200
LGL_BIRTH = 57  # the record whose lead mentions a birth date before 1900


def _lgl_feed(root: pathlib.Path) -> pathlib.Path:
    """A JSONL file of local news with no publication dates, in the style of the LGL corpus."""
    root.mkdir(parents=True)
    lines = []
    for i in range(LGL_ARTICLES):
        town = TOWNS[i % len(TOWNS)]
        if i == LGL_BIRTH:
            text = (f"Samuel Whitcombe, the founder of the {town} lending library, {BORN} in a cottage by the "
                    f"mill race, and the town will mark his birthday with a reading on Saturday.\n\n"
                    f"The library holds {i + 1200} of his letters.")
        else:
            text = (f"Volunteers in {town} cleared {i % 9 + 2} miles of riverbank on Saturday, the parish "
                    f"council said.\n\nThe next clean-up, number {i}, is planned for the autumn.")
        lines.append(json.dumps({"id": f"lgl-{i:04d}", "title": f"{town} news {i}", "text": text}))
    (root / "lgl.jsonl").write_text("\n".join(lines) + "\n")
    return root


@pytest.fixture(scope="module")
def lgl_feed(tmp_path_factory) -> pathlib.Path:
    return _lgl_feed(tmp_path_factory.mktemp("lgl") / "in")


def test_lgl_birth_date_does_not_cost_the_other_articles(lgl_feed, tmp_path):
    """The publication-date rules already refuse 1884 as a publication date: every article is published."""
    wh = tmp_path / "wh"
    result = _run(lgl_feed, wh)
    assert result.exit_code == 0, result.output
    assert warehouse_rows(wh, "select count(*) from articles") == [(LGL_ARTICLES,)]
    ((published,),) = warehouse_rows(wh, f"select published_date from articles where text like '%{BORN}%'")
    assert published is None or published >= datetime.date(1900, 1, 1)
    assert warehouse_rows(wh, VALIDATE_REJECTS) == []


def test_lgl_article_with_an_invalid_publication_date_is_rejected_alone(lgl_feed, tmp_path, monkeypatch):
    """Should a transform still give that article 1884, validation rejects it and publishes the others."""
    wh = tmp_path / "wh"
    real = flows.batch.article_rows

    def article_rows(article, run_id, ingested_at):
        rows = real(article, run_id, ingested_at)
        if BORN in article.text:
            rows["articles"][0]["published_date"] = datetime.date(1884, 3, 17)
        return rows

    monkeypatch.setattr(flows.batch, "article_rows", article_rows)
    result = _run(lgl_feed, wh)
    assert result.exit_code == 0, result.output
    assert warehouse_rows(wh, "select count(*) from articles") == [(LGL_ARTICLES - 1,)]
    assert warehouse_rows(wh, f"select count(*) from articles where text like '%{BORN}%'") == [(0,)]
    ((uri, reason, detail),) = warehouse_rows(wh, VALIDATE_REJECTS)
    assert uri.endswith(f"lgl.jsonl#lgl-{LGL_BIRTH:04d}")
    assert reason == "expect_column_values_to_be_between"
    assert "published_date" in detail and "1884-03-17" in detail and "min=1900-01-01" in detail
    ((sha, ids),) = warehouse_rows(wh, "select content_sha256, article_ids from inputs")
    assert sha is not None and len(ids) == LGL_ARTICLES - 1
