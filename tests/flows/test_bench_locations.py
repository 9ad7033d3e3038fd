"""`make bench` times the location step on the articles a run stored: check it reads them all."""

import json

import pytest

from bench.bench_locations import main as bench_locations
from flows.pipeline import broadsheet_run
from tests.helpers import warehouse_rows

pytestmark = [pytest.mark.slow, pytest.mark.usefixtures("prefect_server")]


def test_one_core_figure_covers_every_stored_article(small_corpus, tmp_path, capsys):
    wh = tmp_path / "wh"
    assert broadsheet_run(input_uri=str(small_corpus), warehouse_uri=str(wh))["status"] == "completed"
    capsys.readouterr()
    assert bench_locations(["--warehouse", str(wh), "--passes", "1", "--json"]) == 0
    figure = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    articles_with_text = warehouse_rows(wh, "select count(distinct article_id) from paragraphs")[0][0]
    stored_mentions = warehouse_rows(wh, "select count(*) from location_mentions")[0][0]
    assert figure["articles"] == articles_with_text > 0
    assert figure["mentions"] == stored_mentions > 0
    assert figure["articles_per_cpu_second"] > 0
