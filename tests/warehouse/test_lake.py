"""The warehouse as a DuckLake: publishing, the manifest, refusals, copies, history, rollback, maintenance, repair."""

from __future__ import annotations

import datetime as dt
import json
import os
import pathlib
import shutil

import pytest

from warehouse.catalog import ensure_schema
from warehouse.health import broken_files
from warehouse.lake import CatalogUnusable, Lake, NotAWarehouse
from warehouse.maintenance import RollbackRefused, drop_broken_files, rollback_to, run_history, run_maintenance
from warehouse.schemas import TABLES

from .lakes import BRIDGE, ORCHARD, publish_dir, rows, three_articles, write_article


@pytest.fixture
def inputs(tmp_path: pathlib.Path) -> pathlib.Path:
    return three_articles(tmp_path / "in")


def _listing(folder: pathlib.Path) -> dict[str, tuple[int, int]]:
    return {str(p.relative_to(folder)): (p.stat().st_size, p.stat().st_mtime_ns)
            for p in sorted(folder.rglob("*")) if p.is_file()}


def _counts(lake: Lake) -> dict[str, int]:
    with lake.reader() as con:
        names = [*TABLES, *(r[0] for r in con.execute(
            "SELECT view_name FROM duckdb_views() WHERE database_name = 'broadsheet' AND view_name LIKE 'mart_%'"
        ).fetchall())]
        return {n: con.execute(f'SELECT count(*) FROM "{n}"').fetchone()[0] for n in names}


def test_new_lake_has_typed_tables_comments_and_dictionary(tmp_path):
    lake = Lake(str(tmp_path / "wh"))
    lake.prepare("tests")
    with lake.writer() as con:
        assert ensure_schema(con) is True
        snapshots = con.execute("SELECT count(*) FROM broadsheet.snapshots()").fetchone()[0]
        assert ensure_schema(con) is False  # nothing to do: no new snapshot
        assert con.execute("SELECT count(*) FROM broadsheet.snapshots()").fetchone()[0] == snapshots
    with lake.reader() as con:
        types = dict(con.execute("SELECT column_name, data_type FROM duckdb_columns() WHERE database_name = "
                                 "'broadsheet' AND table_name = 'paragraphs'").fetchall())
        assert types["char_start"] == "INTEGER" and types["paragraph_id"] == "VARCHAR"
        assert con.execute("SELECT count(*) FROM articles").fetchone() == (0,)
        comment = con.execute("SELECT comment FROM duckdb_views() WHERE database_name = 'broadsheet' "
                              "AND view_name = 'articles'").fetchone()[0]
        assert "Grain: one row per article" in comment and "story_id_source:" in comment
        undocumented = con.execute("SELECT table_name, column_name FROM duckdb_columns() WHERE database_name = "
                                   "'broadsheet' AND coalesce(comment, '') = '' AND (schema_name, table_name) IN "
                                   "(SELECT (schema_name, table_name) FROM duckdb_tables() "
                                   "WHERE database_name = 'broadsheet')").fetchall()
        assert undocumented == []
        described = con.execute("SELECT count(*) FROM dictionary WHERE relation = 'paragraphs' "
                                "AND description <> ''").fetchone()[0]
        assert described == len(TABLES["paragraphs"].columns)


def test_publish_manifest_rerun_change_and_prune(inputs, tmp_path):
    lake = Lake(str(tmp_path / "wh"))
    first = publish_dir(lake, inputs, 1)
    assert first.articles_added == 3 and first.articles_removed == 0
    manifest = dict(rows(lake, "SELECT source_uri, len(article_ids) FROM inputs"))
    assert sorted(pathlib.Path(u).name for u in manifest) == ["bridge.txt", "ferry-wire.txt", "ferry.txt"]
    assert set(manifest.values()) == {1}
    # Nothing new: nothing published but the runs row, and no data file is written (inlined in the catalog).
    data_files = sorted(p for p in (tmp_path / "wh" / "data").rglob("*.parquet"))
    again = publish_dir(lake, inputs, 2)
    assert (again.articles_added, again.articles_removed) == (0, 0)
    assert sorted(p for p in (tmp_path / "wh" / "data").rglob("*.parquet")) == data_files
    # A changed file replaces its rows; the others keep theirs (their run id stays the first run's).
    write_article(inputs, "bridge", "Porto bridge closes to trams", BRIDGE + " The work costs 1.4 million euros.",
                  "2024-03-02")
    changed = publish_dir(lake, inputs, 3)
    assert (changed.articles_added, changed.articles_removed) == (1, 1)
    assert rows(lake, "SELECT count(*) FROM articles") == [(3,)]
    assert rows(lake, "SELECT count(*) FROM paragraphs WHERE text LIKE '%1.4 million%'") == [(1,)]
    runs = dict(rows(lake, "SELECT source_uri, run_id FROM inputs"))
    assert sorted(r[-6:] for r in runs.values()) == ["r00001", "r00001", "r00003"]
    # A deleted file keeps its rows unless pruned.
    (inputs / "ferry-wire.txt").unlink()
    publish_dir(lake, inputs, 4)
    assert rows(lake, "SELECT count(*) FROM articles") == [(3,)]
    publish_dir(lake, inputs, 5, prune=True)
    assert rows(lake, "SELECT count(*) FROM articles") == [(2,)]
    assert rows(lake, "SELECT count(*) FROM inputs") == [(2,)]
    orphans = rows(lake, "SELECT count(*) FROM paragraphs WHERE article_id NOT IN (SELECT article_id FROM articles)")
    assert orphans == [(0,)]


def test_duplicate_of_names_the_first_copy_and_moves_when_it_leaves(tmp_path):
    folder = tmp_path / "in"
    write_article(folder / "a", "orchard", "Frost cuts the apple harvest", ORCHARD, "2024-05-20")
    lake = Lake(str(tmp_path / "wh"))
    publish_dir(lake, folder, 1)
    write_article(folder / "b", "orchard", "Frost cuts the apple harvest", ORCHARD, "2024-05-20")
    write_article(folder / "c", "orchard", "Frost cuts the apple harvest", ORCHARD, "2024-05-20")
    publish_dir(lake, folder, 2)
    got = rows(lake, "SELECT source_uri, article_id, duplicate_of FROM articles ORDER BY source_uri")
    first = got[0][1]
    assert got[0][2] is None and got[1][2] == first and got[2][2] == first
    shutil.rmtree(folder / "a")
    publish_dir(lake, folder, 3, prune=True)
    got = rows(lake, "SELECT source_uri, article_id, duplicate_of FROM articles ORDER BY source_uri")
    assert got[0][2] is None and got[1][2] == got[0][1]


def test_places_follow_the_mentions(inputs, tmp_path):
    lake = Lake(str(tmp_path / "wh"))
    publish_dir(lake, inputs, 1)
    assert rows(lake, "SELECT count(*) FROM places WHERE name = 'Porto'") == [(1,)]
    (inputs / "bridge.txt").unlink()
    (inputs / "bridge.meta.json").unlink()
    publish_dir(lake, inputs, 2, prune=True)
    assert rows(lake, "SELECT count(*) FROM places WHERE name = 'Porto'") == [(0,)]
    missing = rows(lake, "SELECT count(*) FROM (SELECT DISTINCT geonameid FROM location_mentions "
                         "WHERE geonameid IS NOT NULL) WHERE geonameid NOT IN (SELECT geonameid FROM places)")
    assert missing == [(0,)]


def test_copied_folder_answers_after_the_original_is_deleted(inputs, tmp_path):
    lake = Lake(str(tmp_path / "wh"))
    publish_dir(lake, inputs, 1)
    run_maintenance(lake)  # rows out of the catalog into Parquet files, so the copy must find the files
    assert list((tmp_path / "wh" / "data").rglob("*.parquet"))
    before = _counts(lake)
    shutil.copytree(tmp_path / "wh", tmp_path / "elsewhere" / "copy")
    shutil.rmtree(tmp_path / "wh")
    copy = Lake(str(tmp_path / "elsewhere" / "copy"))
    assert _counts(copy) == before
    # ... and keeps working as a warehouse from its new place.
    write_article(inputs, "orchard", "Frost cuts the apple harvest", ORCHARD, "2024-05-20")
    publish_dir(copy, inputs, 2)
    assert rows(copy, "SELECT count(*) FROM articles") == [(4,)]
    assert not (tmp_path / "wh").exists()


def test_no_stored_path_points_outside_the_warehouse(inputs, tmp_path):
    lake = Lake(str(tmp_path / "wh"))
    publish_dir(lake, inputs, 1)
    run_maintenance(lake)
    with lake.reader() as con:
        meta = "__ducklake_metadata_broadsheet"
        for table in ("ducklake_data_file", "ducklake_delete_file"):
            assert con.execute(f"SELECT count(*) FROM {meta}.{table} WHERE NOT path_is_relative "
                               "OR path LIKE '%..%' OR path LIKE '/%'").fetchone() == (0,)
        assert con.execute(f"SELECT count(*) FROM {meta}.ducklake_table WHERE NOT path_is_relative").fetchone() == (0,)


@pytest.mark.parametrize("setup, message", [
    (lambda d: (d / "notes.txt").write_text("mine"), "not a Broadsheet warehouse"),
    (lambda d: (d / "broadsheet.json").write_text(json.dumps({"format": "broadsheet-warehouse", "version": 99})),
     "newer Broadsheet"),
    (lambda d: ((d / "_state").mkdir(), (d / "_state" / "snapshot.json").write_text("{}")), "older Broadsheet"),
    (lambda d: (d / "broadsheet.json").write_text('{"format": "something-else"}'), "not ours"),
])
def test_a_folder_that_is_not_a_warehouse_is_refused_untouched(tmp_path, setup, message):
    folder = tmp_path / "wh"
    folder.mkdir()
    setup(folder)
    before = _listing(folder)
    with pytest.raises(NotAWarehouse, match=message):
        Lake(str(folder)).prepare("tests")
    with pytest.raises(NotAWarehouse, match=message):
        with Lake(str(folder)).reader():
            pass
    assert _listing(folder) == before


def test_a_file_is_not_a_warehouse(tmp_path):
    (tmp_path / "README.md").write_text("hello")
    with pytest.raises(NotAWarehouse, match="is a file"):
        Lake(str(tmp_path / "README.md")).prepare("tests")


@pytest.mark.parametrize("damage", ["delete", "garbage", "empty"])
def test_a_missing_or_corrupt_catalog_is_refused_and_nothing_is_deleted(inputs, tmp_path, damage):
    lake = Lake(str(tmp_path / "wh"))
    publish_dir(lake, inputs, 1)
    run_maintenance(lake)
    catalog = tmp_path / "wh" / "catalog.sqlite"
    if damage == "delete":
        catalog.unlink()
    elif damage == "garbage":
        catalog.write_bytes(b"this is not a database " * 100)
    else:
        catalog.write_bytes(b"")
    before = _listing(tmp_path / "wh")
    with pytest.raises(CatalogUnusable, match="restore"):
        Lake(str(tmp_path / "wh")).prepare("tests")
    with pytest.raises(CatalogUnusable):
        with Lake(str(tmp_path / "wh")).reader():
            pass
    with pytest.raises(CatalogUnusable):
        publish_dir(Lake(str(tmp_path / "wh")), inputs, 2)
    assert _listing(tmp_path / "wh") == before


def test_history_and_rollback_restore_a_run_as_a_new_snapshot(inputs, tmp_path):
    lake = Lake(str(tmp_path / "wh"))
    publish_dir(lake, inputs, 1)
    after_first = _counts(lake)
    write_article(inputs, "orchard", "Frost cuts the apple harvest", ORCHARD, "2024-05-20")
    write_article(inputs, "bridge", "Porto bridge closes to trams", BRIDGE + " Trams return in June.", "2024-03-02")
    publish_dir(lake, inputs, 2)
    run_maintenance(lake)  # merged and flushed files must not stop a rollback
    with lake.reader() as con:
        history = run_history(con)
    assert [h["run_id"][-6:] for h in history] == ["r00002", "r00001"]
    assert all(h["snapshot"] is not None for h in history)
    first_run = history[1]["run_id"]
    snapshots = rows(lake, "SELECT count(*) FROM broadsheet.snapshots()")[0][0]
    changes = rollback_to(lake, first_run)
    assert changes["articles"] == -1
    now = _counts(lake)
    assert {k: v for k, v in now.items() if k not in ("runs",)} == \
        {k: v for k, v in after_first.items() if k not in ("runs",)}
    assert now["runs"] == 3  # the log keeps every run, plus the rollback
    assert rows(lake, "SELECT count(*) FROM broadsheet.snapshots()")[0][0] == snapshots + 1
    # Time travel still reaches the rolled-back state: nothing was deleted.
    version = history[0]["snapshot"]
    assert rows(lake, f"SELECT count(*) FROM articles AT (VERSION => {version})") == [(4,)]
    # The next run processes again what the restored manifest does not know.
    publish_dir(lake, inputs, 3)
    assert rows(lake, "SELECT count(*) FROM articles") == [(4,)]
    with pytest.raises(RollbackRefused, match="no run"):
        rollback_to(lake, "nope")


def test_maintenance_keeps_the_number_of_files_bounded(inputs, tmp_path):
    lake = Lake(str(tmp_path / "wh"))
    for n in range(12):
        write_article(inputs, f"note-{n}", f"Council note {n}", f"The council met {n + 2} times about the "
                      f"harbour wall in Ullapool, costing {n + 3} thousand pounds.", "2024-02-01")
        publish_dir(lake, inputs, n + 1)
        if n % 4 == 3:
            run_maintenance(lake, retention_days=0)
    done = run_maintenance(lake, retention_days=0, cleanup_grace=dt.timedelta(0))
    assert done["snapshots_expired"] >= 1
    with lake.reader() as con:
        live = sum(con.execute(f"SELECT count(*) FROM ducklake_list_files('broadsheet', '{s}', schema => '{sch}')")
                   .fetchone()[0] for s, sch in con.execute(
                       "SELECT table_name, schema_name FROM duckdb_tables() WHERE database_name = 'broadsheet'")
                   .fetchall())
    on_disk = len(list((tmp_path / "wh" / "data").rglob("*.parquet")))
    n_tables = len(rows(lake, "SELECT 1 FROM duckdb_tables() WHERE database_name = 'broadsheet'"))
    assert live <= n_tables  # one data file per table (no delete files: rewritten away)
    assert on_disk == live  # with no retention and no grace, nothing else stays
    assert rows(lake, "SELECT count(*) FROM articles") == [(15,)]


def test_repair_drops_a_lost_file_and_the_inputs_come_back(inputs, tmp_path):
    lake = Lake(str(tmp_path / "wh"))
    publish_dir(lake, inputs, 1)
    run_maintenance(lake)
    before = rows(lake, "SELECT paragraph_id, text FROM paragraphs ORDER BY 1")
    lost = next((tmp_path / "wh" / "data" / "main" / "paragraphs").glob("*.parquet"))
    lost.unlink()
    with lake.reader() as con:
        broken = broken_files(con)
    assert [(b.table, b.problem) for b in broken] == [("main.paragraphs", "missing")]
    assert sorted(pathlib.Path(u).name for u in broken[0].inputs) == ["bridge.txt", "ferry-wire.txt", "ferry.txt"]
    outcome = drop_broken_files(lake)
    assert outcome.input_roots == [str(inputs)]
    with lake.reader() as con:
        assert broken_files(con) == []
    assert rows(lake, "SELECT count(*) FROM inputs") == [(0,)]
    publish_dir(lake, inputs, 2)
    assert rows(lake, "SELECT paragraph_id, text FROM paragraphs ORDER BY 1") == before


def test_a_truncated_file_is_named(inputs, tmp_path):
    lake = Lake(str(tmp_path / "wh"))
    publish_dir(lake, inputs, 1)
    run_maintenance(lake)
    victim = next((tmp_path / "wh" / "data" / "main" / "date_mentions").glob("*.parquet"))
    victim.write_bytes(victim.read_bytes()[:100])
    with lake.reader() as con:
        broken = broken_files(con)
    assert len(broken) == 1 and broken[0].path.endswith(victim.name) and "size" in broken[0].problem
    assert os.path.exists(victim)  # validate names it; it deletes nothing


DEMO = pathlib.Path(__file__).resolve().parent.parent.parent / "data" / "demo"


def _derived(lake: Lake) -> dict[str, list[tuple]]:
    with lake.reader() as con:
        return {t: sorted(con.execute(f"SELECT * FROM {t}").fetchall()) for t in
                ("article_stories", "paragraph_groups", "places", "internal.story_article_terms",
                 "internal.dup_nodes", "internal.dup_bands", "internal.dup_members")}


def test_incremental_derived_tables_equal_a_rebuild(tmp_path):
    """Runs that add, change and prune inputs leave stories, groups and places as a full recompute would."""
    from flows.pipeline import place_row
    from warehouse.maintenance import rebuild_derived

    inputs = tmp_path / "in"
    lake = Lake(str(tmp_path / "wh"))
    stages = [["txt"], ["html", "jsonl"], ["multinews", "warc"]]
    for n, folders in enumerate(stages):
        for folder in folders:
            shutil.copytree(DEMO / folder, inputs / folder)
        publish_dir(lake, inputs, n + 1)
    # A syndicated copy changes; one outlet's article disappears.
    copy = inputs / "txt" / "syndicated" / "ridgeback-fire.txt"
    copy.write_text(copy.read_text(encoding="utf-8") + "\nCrews stayed on the ridge overnight.\n", encoding="utf-8")
    (inputs / "txt" / "syria-convoy-wire.txt").unlink()
    publish_dir(lake, inputs, 4, prune=True)
    incremental = _derived(lake)
    assert len(incremental["article_stories"]) == rows(lake, "SELECT count(*) FROM articles")[0][0]
    assert any(source == "similarity" for _, _, source in incremental["article_stories"])
    rebuild_derived(lake, place_row)
    assert _derived(lake) == incremental


def test_changed_story_rules_rebuild_the_state_instead_of_updating_it(inputs, tmp_path):
    lake = Lake(str(tmp_path / "wh"))
    publish_dir(lake, inputs, 1)
    with lake.writer() as con:  # as if the state had been built with other rules
        con.execute("UPDATE internal.derived_rules SET digest = 'built-with-other-rules'")
        con.execute("DELETE FROM internal.dup_members")
    write_article(inputs, "orchard", "Frost cuts the apple harvest", ORCHARD, "2024-05-20")
    publish_dir(lake, inputs, 2)
    from warehouse.derived import rules_digest

    assert rows(lake, "SELECT digest FROM internal.derived_rules") == [(rules_digest(),)]
    assert rows(lake, "SELECT count(*) FROM internal.dup_members") == rows(lake, "SELECT count(*) FROM paragraphs")
