"""Marts on real small warehouses: the demo-like fixture corpus, and the five seed articles."""

from __future__ import annotations

import pathlib

import pytest

from flows.pipeline import broadsheet_run
from tests.flows.conftest import small_corpus  # noqa: F401 - the flow tests' tiny corpus fixture
from tests.helpers import seed_inputs
from warehouse.catalog import mart_names, view_sql
from warehouse.lake import Lake

pytestmark = [pytest.mark.slow, pytest.mark.usefixtures("prefect_server")]

MARTS = ["mart_articles", "mart_copies", "mart_event_timeline", "mart_figure_classes", "mart_figures",
         "mart_places_by_day", "mart_story_figures"]


def test_every_mart_file_states_grain_and_description() -> None:
    assert mart_names() == MARTS
    for name in MARTS:
        lines = view_sql(name).splitlines()
        assert lines[0].startswith("-- grain: one row per"), name
        assert any(line.startswith("-- description: ") for line in lines), name


def test_marts_on_a_small_warehouse(small_corpus: pathlib.Path, tmp_path: pathlib.Path) -> None:  # noqa: F811
    broadsheet_run(input_uri=str(small_corpus), warehouse_uri=str(tmp_path / "wh"))
    with Lake(str(tmp_path / "wh")).reader() as con:
        _check_small_marts(con)


def _check_small_marts(con) -> None:
    for name in MARTS:
        con.execute(f"SELECT * FROM {name} LIMIT 5").fetchall()
    places = dict(con.execute("SELECT place, sum(n_mentions) FROM mart_places_by_day GROUP BY place").fetchall())
    assert places.get("Antwerp", 0) >= 2 and places.get("Brussels", 0) >= 2  # two copies of the Antwerp story
    # The syndicated copy of the Antwerp article: its paragraphs are copies, so its figures count once.
    ships = con.execute("SELECT count(*), count(*) FILTER (WHERE is_first_copy) FROM mart_figures "
                        "WHERE low = 40 AND counted_noun = 'ships'").fetchone()
    assert ships == (2, 1)
    rows = con.execute("SELECT n_sources, sources FROM mart_story_figures WHERE claim = 'more than 40'").fetchall()
    assert rows and all(n >= 1 for n, _ in rows)
    timeline = con.execute("SELECT event_start, published_day, days_before_publication FROM mart_event_timeline "
                           "WHERE published_day = DATE '2020-02-17' AND granularity = 'day'").fetchall()
    assert timeline and all((p - e).days == d for e, p, d in timeline)


def test_seed_story_figures_side_by_side(shared_dir: pathlib.Path, tmp_path: pathlib.Path) -> None:
    inp = seed_inputs(shared_dir, tmp_path / "in")
    broadsheet_run(input_uri=str(inp), warehouse_uri=str(tmp_path / "wh"))
    with Lake(str(tmp_path / "wh")).reader() as con:
        _check_seed_story_figures(con)


def _check_seed_story_figures(con) -> None:
    columns = {r[0] for r in con.execute("DESCRIBE articles").fetchall()}
    if "story_id_source" not in columns:
        pytest.skip("computed story ids (article_stories) are not published into `articles` yet")
    assert con.execute("SELECT count(DISTINCT story_id), count(*) FROM articles").fetchone() == (1, 5)
    claims = con.execute("SELECT claim, low, high, n_story_articles FROM mart_story_figures "
                         "WHERE counted_noun = 'killed'").fetchall()
    assert {n for *_, n in claims} == {5}
    got = {(c, lo, hi) for c, lo, hi, _ in claims}
    for expected in [("between 100 and over 600", 100, 600), ("more than 200", 200, None), ("dozens", 24, 99),
                     ("scores", 40, 199), ("more than 100", 100, None)]:
        assert expected in got, expected
