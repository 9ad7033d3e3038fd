"""Acceptance on the five real seed articles in ../shared (skipped when a clone has no ../shared)."""

import json

import pytest

from flows.pipeline import broadsheet_run
from tests.helpers import seed_inputs
from warehouse.lake import Lake

pytestmark = [pytest.mark.slow, pytest.mark.shared, pytest.mark.usefixtures("prefect_server")]


def test_seed_articles_titles_offsets_and_dates(shared_dir, tmp_path):
    gold = {g["doc"]: g for g in json.loads((shared_dir / "gold" / "seeds.gold.json").read_text())}
    inp = seed_inputs(shared_dir, tmp_path / "in")
    summary = broadsheet_run(input_uri=str(inp), warehouse_uri=str(tmp_path / "wh"))
    assert summary["counts"]["articles"] == 5 and summary["counts"]["rejects"] == 0
    with Lake(str(tmp_path / "wh")).reader() as con:
        _check_against_gold(con, gold)


def _check_against_gold(con, gold: dict) -> None:
    articles = con.execute("select article_id, source_uri, title, text, published_date, published_date_source, "
                           "author, language from articles").fetchall()
    assert len(articles) == 5
    for aid, uri, title, text, published, source, author, language in articles:
        g = gold[uri.rsplit("/", 1)[-1]]
        assert title == g["title"]
        assert language == "en"
        paragraphs = con.execute("select text, char_start, char_end from paragraphs where article_id = ? "
                                 "order by ordinal", [aid]).fetchall()
        lo, hi = g["content_paragraphs"]
        assert lo <= len(paragraphs) <= hi
        for ptext, start, end in paragraphs:
            assert text[start:end] == ptext
        assert str(published) == (g["published"] or g["dct"])
        if g["published"]:
            assert source == "dateline" and author == g["author"]
    bad = con.execute("select count(*) from date_mentions m join paragraphs p using (paragraph_id) "
                      "where substr(p.text, m.char_start + 1, m.char_end - m.char_start) <> m.text").fetchone()
    assert bad == (0,)
