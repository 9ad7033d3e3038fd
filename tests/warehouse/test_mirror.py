"""The plain DuckDB copy (`broadsheet.duckdb`) equals the lake after runs, changes, rollback and maintenance."""

from __future__ import annotations

import datetime as dt
import os
import pathlib
import subprocess
import sys

import duckdb
import pytest

from warehouse.lake import Lake
from warehouse.maintenance import rollback_to, run_history, run_maintenance
from warehouse.mirror import MIRROR_FILE, refresh

from .lakes import BRIDGE, ORCHARD, publish_dir, three_articles, write_article

RELATIONS = ("articles", "paragraphs", "removed_lines", "date_mentions", "quantity_mentions", "location_mentions",
             "places", "article_stories", "paragraph_groups", "runs", "rejects", "inputs", "dictionary",
             "mart_articles", "mart_figures", "mart_story_figures", "mart_places_by_day", "mart_event_timeline")


@pytest.fixture
def inputs(tmp_path: pathlib.Path) -> pathlib.Path:
    return three_articles(tmp_path / "in")


def _content(con: duckdb.DuckDBPyConnection, relation: str) -> list[tuple]:
    return sorted(con.execute(f'SELECT * FROM "{relation}"').fetchall(), key=repr)


def _assert_copy_equals_lake(lake: Lake, folder: pathlib.Path) -> None:
    with lake.reader() as con:
        expected = {r: _content(con, r) for r in RELATIONS}
    copy = duckdb.connect(str(folder / MIRROR_FILE), read_only=True)  # what a tool without DuckLake opens
    try:
        for relation in RELATIONS:
            assert _content(copy, relation) == expected[relation], relation
        assert copy.execute("SELECT count(*) FROM articles").fetchone()[0] > 0
    finally:
        copy.close()


def test_copy_follows_runs_changes_rollback_and_maintenance_incrementally(inputs, tmp_path):
    folder = tmp_path / "wh"
    lake = Lake(str(folder))
    publish_dir(lake, inputs, 1)
    first = refresh(lake)
    assert first.mode == "rebuilt" and first.reason == "no copy yet"
    _assert_copy_equals_lake(lake, folder)
    assert refresh(lake).mode == "current"

    write_article(inputs, "orchard", "Frost cuts the apple harvest", ORCHARD, "2024-05-20")
    write_article(inputs, "bridge", "Porto bridge closes to trams", BRIDGE + " Trams return in June.", "2024-03-02")
    publish_dir(lake, inputs, 2)
    second = refresh(lake)
    assert second.mode == "incremental" and second.rows_changed > 0
    _assert_copy_equals_lake(lake, folder)

    (inputs / "ferry-wire.txt").unlink()  # a gone input's articles leave the warehouse
    publish_dir(lake, inputs, 3, prune=True)
    run_maintenance(lake)  # merged files and flushed inlined rows are not changes to the rows
    assert refresh(lake).mode == "incremental"
    _assert_copy_equals_lake(lake, folder)

    with lake.reader() as con:
        first_run = run_history(con)[-1]["run_id"]
    rollback_to(lake, first_run)
    assert refresh(lake).mode == "incremental"
    _assert_copy_equals_lake(lake, folder)


def test_copy_is_rebuilt_when_missing_unreadable_or_expired(inputs, tmp_path):
    folder = tmp_path / "wh"
    lake = Lake(str(folder))
    publish_dir(lake, inputs, 1)
    refresh(lake)
    (folder / MIRROR_FILE).write_bytes(b"not a database")
    assert refresh(lake).mode == "rebuilt"
    _assert_copy_equals_lake(lake, folder)

    write_article(inputs, "orchard", "Frost cuts the apple harvest", ORCHARD, "2024-05-20")
    publish_dir(lake, inputs, 2)
    run_maintenance(lake, retention_days=0, cleanup_grace=dt.timedelta(0))  # the copy's snapshot expires
    again = refresh(lake)
    assert again.mode == "rebuilt" and again.reason == "its snapshot expired"
    _assert_copy_equals_lake(lake, folder)
    assert not [p for p in os.listdir(folder) if ".new-" in p]  # no half-written copy left behind


def test_a_copy_held_open_elsewhere_fails_the_refresh_not_the_caller(inputs, tmp_path):
    folder = tmp_path / "wh"
    lake = Lake(str(folder))
    publish_dir(lake, inputs, 1)
    refresh(lake)
    write_article(inputs, "orchard", "Frost cuts the apple harvest", ORCHARD, "2024-05-20")
    publish_dir(lake, inputs, 2)
    # A dashboard process reading the copy holds DuckDB's file lock: this process cannot write it meanwhile.
    reader = subprocess.Popen(
        [sys.executable, "-c", "import duckdb, sys; c = duckdb.connect(sys.argv[1], read_only=True); "
         "print('open', flush=True); sys.stdin.read()", str(folder / MIRROR_FILE)],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    try:
        assert reader.stdout.readline().strip() == "open"
        outcome = refresh(lake)
    finally:
        reader.communicate("", timeout=30)
    assert outcome.mode == "failed" and "lock" in outcome.reason.lower()
    assert refresh(lake).mode == "incremental"  # caught up at the next refresh
    _assert_copy_equals_lake(lake, folder)


def test_no_copy_for_a_warehouse_on_an_object_store():
    assert refresh(Lake("memory://bucket/wh")).mode == "skipped"
