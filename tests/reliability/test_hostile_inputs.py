"""Hostile inputs: every broken file becomes a `rejects` row with stage and reason, and the run completes.

The corpus is generated at test time by `hostile_corpus.build_hostile_corpus` (see README.md beside it).
"""

from __future__ import annotations

import datetime as dt
import os
import pathlib
from collections import defaultdict

import duckdb
import pytest

from flows.batch import process_batch
from flows.inputs import discovered_inputs
from tests.reliability.hostile_corpus import Case, build_hostile_corpus, cleanup
from warehouse.lake import Lake

STARTED = dt.datetime(2024, 1, 2, 3, 4, 5, tzinfo=dt.UTC)


@pytest.fixture
def hostile_small(tmp_path: pathlib.Path):
    """The hostile corpus without its two large cases."""
    root = tmp_path / "hostile"
    cases = build_hostile_corpus(root, huge=False)
    yield root, cases
    cleanup(root)


def _uri(root: pathlib.Path, case: Case) -> str:
    return os.path.join(os.path.abspath(root), case.name)


def _outcomes(root: pathlib.Path, cases: list[Case], rejects: list[tuple[str, str, str]],
              article_uris: list[str]) -> list[str]:
    """Mismatches between the expected outcome of each case and what the pipeline recorded."""
    by_uri: dict[str, set[tuple[str, str]]] = defaultdict(set)
    for uri, stage, reason in rejects:
        by_uri[uri.split("#", 1)[0]].add((stage, reason))
    with_articles = {u.split("#", 1)[0] for u in article_uris}
    problems = []
    for case in cases:
        uri = _uri(root, case)
        if case.outcome == "reject":
            if (case.stage, case.reason) not in by_uri.get(uri, set()):
                problems.append(f"{case.name!r}: expected {case.stage}/{case.reason}, got {by_uri.get(uri)}")
            if uri in with_articles:
                problems.append(f"{case.name!r}: rejected but has articles")
        elif uri not in with_articles:
            problems.append(f"{case.name!r}: expected an article, got rejects {by_uri.get(uri)}")
    return problems


def test_every_case_has_the_expected_outcome_in_one_batch(hostile_small, tmp_path):
    root, cases = hostile_small
    files, found_rejects = discovered_inputs(str(root))
    outcome = process_batch(files, {}, str(tmp_path / "wh"), "run-x", 0, STARTED)
    rejects = [(r.source_uri, r.stage, r.reason) for r in found_rejects + outcome.rejects]
    assert outcome.staged is not None
    articles = duckdb.sql(f"select source_uri from read_parquet('{outcome.staged.paths['articles']}')").fetchall()
    assert _outcomes(root, cases, rejects, [a[0] for a in articles]) == []
    assert all(stage and reason for _, stage, reason in rejects)


def test_malformed_jsonl_keeps_its_good_records(hostile_small, tmp_path):
    root, _ = hostile_small
    files, _ = discovered_inputs(str(root / "jsonl"))
    outcome = process_batch(files, {}, str(tmp_path / "wh"), "run-x", 0, STARTED)
    assert outcome.counts["articles"] == 2
    reasons = sorted(r.reason for r in outcome.rejects)
    assert reasons == ["bad_json"] * 6 + ["no_content"] + ["no_text"] * 2


def test_truncated_warc_keeps_the_records_before_the_damage(hostile_small, tmp_path):
    root, _ = hostile_small
    files, _ = discovered_inputs(str(root / "warc"))
    outcome = process_batch(files, {}, str(tmp_path / "wh"), "run-x", 0, STARTED)
    per_file = defaultdict(list)
    for r in outcome.rejects:
        per_file[r.source_uri.split("#", 1)[0].rsplit("/", 1)[-1]].append(r.reason)
    assert outcome.counts["articles"] == 3  # one from each of mixed, truncated, truncated.gz
    assert per_file["garbage.warc"] == ["bad_warc"]
    assert "not_html" in per_file["mixed.warc"]


def test_discovery_never_follows_links_out_or_into_loops(hostile_small):
    root, _ = hostile_small
    files, rejects = discovered_inputs(str(root))
    uris = [f.uri for f in files]
    assert len(uris) == len(set(uris))
    assert not any("/parent-dir/" in u for u in uris)  # the directory symlink to `..` is not walked
    assert {r.reason for r in rejects} == {"unreadable", "not_a_file", "bad_name", "unsupported"}
    assert all(r.source_uri.encode("utf-8") for r in rejects)  # every uri is storable as UTF-8


@pytest.mark.slow
@pytest.mark.usefixtures("prefect_server")
def test_full_run_over_the_hostile_corpus_completes_and_records_every_reject(tmp_path):
    from flows.pipeline import broadsheet_run

    root = tmp_path / "hostile"
    cases = build_hostile_corpus(root, huge=True)
    try:
        summary = broadsheet_run(input_uri=str(root), warehouse_uri=str(tmp_path / "wh"), batch_files=10)
    finally:
        cleanup(root)
    assert summary["status"] == "completed"
    with Lake(str(tmp_path / "wh")).reader() as con:
        rejects = con.execute("select source_uri, stage, reason from rejects").fetchall()
        articles = [r[0] for r in con.execute("select source_uri from articles").fetchall()]
        missing = con.execute("select count(*) from rejects where stage is null or reason is null").fetchone()
    assert _outcomes(root, cases, rejects, articles) == []
    assert missing == (0,)
    assert len(rejects) == summary["counts"]["rejects"]
