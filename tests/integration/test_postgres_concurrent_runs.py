"""Two `broadsheet run`s on different inputs into one PostgreSQL-catalog lake at the same time: both land.

A PostgreSQL catalog takes writers on several machines, so no lock keeps them apart: both runs stage and
validate side by side and publish at about the same time. Every publish bumps `internal.publishes`, so the two
transactions conflict and the later one publishes again on top of the earlier (warehouse/publish.py). Nothing
may be lost: every article of both inputs is there once, the manifest lists both input sets, both runs rows
exist, the derived tables cover every article, and every table equals what the same two inputs give when run
one after the other into a SQLite-catalog lake.
"""

from __future__ import annotations

import pathlib

import pytest

from bench.corpus import write_corpus
from tests.reliability import RUN_SPECIFIC, finish, go, kill, prefect_api_url, table_rows, wait_warm, warm_run
from warehouse.lake import Lake
from warehouse.schemas import TABLES

pytestmark = [pytest.mark.slow, pytest.mark.timeout(600), pytest.mark.usefixtures("prefect_server")]

N_EACH = 60


def _inputs(root: pathlib.Path) -> set[str]:
    return {str(p) for p in root.rglob("*.txt")}


def test_two_runs_into_one_postgres_catalog_at_once_both_land(postgres_uri, tmp_path):
    api = prefect_api_url()
    inputs = {name: write_corpus(tmp_path / "in" / name, N_EACH, seed=seed) for name, seed in (("a", 21), ("b", 22))}
    wh = tmp_path / "wh"
    logs = tmp_path / "logs"
    logs.mkdir()
    batch = ("--batch-files", "15")
    Lake(str(wh), postgres_uri).prepare("test")  # what every run does first
    # The lake is created first (one writer); the test is about two runs publishing into an existing one.
    (tmp_path / "in" / "none").mkdir()
    procs = [warm_run(tmp_path / "in" / "none", wh, api, logs / "create.log", "--catalog", postgres_uri)]
    procs += [warm_run(inputs[name], wh, api, logs / f"{name}.log", "--catalog", postgres_uri, *batch)
              for name in ("a", "b")]
    ref = tmp_path / "wh-ref"
    try:
        assert finish(go(procs[0])) == 0, (logs / "create.log").read_text()
        for name in ("a", "b"):
            wait_warm(logs / f"{name}.log")
        go(procs[1])
        go(procs[2])
        codes = [finish(p) for p in procs[1:3]]
        assert codes == [0, 0], [(logs / f"{n}.log").read_text()[-3000:] for n in ("a", "b")]
        for name in ("a", "b"):  # the reference: the same inputs one after the other, SQLite catalog
            procs.append(warm_run(inputs[name], ref, api, logs / f"ref-{name}.log", *batch))
            assert finish(go(procs[-1])) == 0, (logs / f"ref-{name}.log").read_text()
    finally:
        for p in procs:
            kill(p)

    expected_inputs = _inputs(inputs["a"]) | _inputs(inputs["b"])
    assert len(expected_inputs) == 2 * N_EACH
    with Lake(str(wh)).reader() as con:
        articles = con.execute("select count(*), count(distinct article_id), count(distinct source_uri) "
                               "from articles").fetchone()
        sources = {r[0] for r in con.execute("select source_uri from articles").fetchall()}
        manifest = {r[0] for r in con.execute("select source_uri from inputs where content_sha256 is not null")
                    .fetchall()}
        manifest_ids = con.execute("select count(distinct id) from (select unnest(article_ids) as id from inputs)"
                                   ).fetchone()[0]
        runs = con.execute("select input_uri, status, n_articles, started_at, finished_at from runs "
                           "where n_files_seen > 0 order by input_uri").fetchall()
        uncovered = con.execute("""select
            (select count(*) from articles where article_id not in (select article_id from article_stories)),
            (select count(*) from paragraphs where paragraph_id not in (select paragraph_id from paragraph_groups)),
            (select count(*) from location_mentions where geonameid is not null
                                                    and geonameid not in (select geonameid from places))
        """).fetchone()
    assert articles == (2 * N_EACH,) * 3
    assert sources == expected_inputs
    assert manifest == expected_inputs and manifest_ids == 2 * N_EACH
    assert [(r[0], r[1], r[2]) for r in runs] == [(str(inputs["a"]), "completed", N_EACH),
                                                 (str(inputs["b"]), "completed", N_EACH)]
    (_, _, _, start_a, end_a), (_, _, _, start_b, end_b) = runs
    assert max(start_a, start_b) < min(end_a, end_b), "the two runs should have overlapped in time"
    assert uncovered == (0, 0, 0)

    # Nothing lost or doubled anywhere: the same tables as the two inputs run one after the other.
    got, expected = table_rows(wh), table_rows(ref)
    for name in sorted(TABLES):
        if name != "runs":
            assert got[name] == expected[name], f"table {name} differs ({', '.join(sorted(RUN_SPECIFIC))} aside)"
