"""Tests for transforms.clean: boilerplate removal, bylines, datelines, repeated titles, hard wraps."""

from __future__ import annotations

import datetime as dt
import json
import pathlib
from typing import Any

import pytest
import yaml

from transforms import clean
from transforms._data import rules
from transforms.clean import CleanArticle, boilerplate_rule_errors, clean_article, language_rule_errors

HERE = pathlib.Path(__file__).resolve().parent
GOLDEN = yaml.safe_load((HERE / "golden" / "clean_lines.yaml").read_text(encoding="utf-8"))
FIXTURES = HERE.parent / "fixtures" / "boilerplate"
FIXTURE_NAMES = sorted(p.stem for p in FIXTURES.glob("*.txt"))

STORY = [
    "The regional council met on Tuesday to discuss the budget for the coming year, officials said.",
    "Members argued for three hours about spending on roads, schools and the hospital before voting.",
    "A final decision is expected next month, after a public consultation that opens on Friday.",
    "Residents can send comments by post or in person at the town hall until the end of the month.",
]


def _article(line: str) -> str:
    return "\n\n".join(["Council debates the budget", STORY[0], STORY[1], line, STORY[2], STORY[3]])


def _reasons(result: CleanArticle) -> dict[str, str]:
    return {r.text: r.reason for r in result.removed}


def test_boilerplate_rules_are_valid() -> None:
    assert boilerplate_rule_errors(rules("boilerplate")) == []


def test_language_rules_are_valid() -> None:
    assert language_rule_errors(rules("clean_languages")) == []


def test_validators_catch_broken_rules() -> None:
    assert boilerplate_rule_errors({"rules": [{"reason": "x", "kind": "line", "max_words": 3, "patterns": ["("]}]})
    assert boilerplate_rule_errors({"rules": [{"reason": "x", "kind": "any", "max_words": 3, "patterns": ["a"]}]})
    assert boilerplate_rule_errors({"rules": [{"reason": "x", "kind": "search", "max_words": 3, "patterns": [".*"]}]})
    assert language_rule_errors({"stopwords": {"en": [True]}, "interface": {}, "weekdays": {}})


@pytest.mark.parametrize("case", GOLDEN, ids=[c["line"][:40] for c in GOLDEN])
def test_line_in_story(case: dict[str, Any]) -> None:
    result = clean_article(_article(case["line"]), title_in_body=True)
    assert result.title == "Council debates the budget"
    assert all(p in result.paragraphs for p in STORY)  # the story is never lost
    if case["reason"] is None:
        assert case["line"] in result.paragraphs
    else:
        assert _reasons(result).get(case["line"]) == case["reason"]
        assert case["line"] not in result.paragraphs


@pytest.mark.parametrize("name", FIXTURE_NAMES)
def test_fixture_corpus(name: str) -> None:
    body = (FIXTURES / f"{name}.txt").read_text(encoding="utf-8")
    expected = yaml.safe_load((FIXTURES / f"expected_{name}.yaml").read_text(encoding="utf-8"))
    result = clean_article(body, title_in_body=True)
    assert result.title == expected["title"]
    assert result.author == expected["author"]
    assert result.dateline == expected["dateline"]
    assert len(result.paragraphs) == expected["paragraphs"], result.paragraphs
    text = "\n".join(result.paragraphs)
    for snippet in expected["keep"]:
        assert snippet in text
    reasons = _reasons(result)
    for line, reason in expected["removed"].items():
        assert reasons.get(line) == reason, (line, reasons.get(line))


def test_every_line_is_kept_or_removed_with_its_number() -> None:
    body = (FIXTURES / "newsletter_footer.txt").read_text(encoding="utf-8")
    result = clean_article(body, title_in_body=True)
    raw = body.split("\n")
    for removed in result.removed:
        assert raw[removed.line_no - 1].strip() == removed.text
    kept_words = sum(len(p.split()) for p in result.paragraphs)
    removed_words = sum(len(r.text.split()) for r in result.removed)
    title_words = len((result.title or "").split())
    assert kept_words + removed_words + title_words == len(body.split())


@pytest.mark.parametrize(
    ("top", "author", "date"),
    [
        ("By Jane Doe\nFebruary 14, 2018", "Jane Doe", dt.date(2018, 2, 14)),
        ("By Ana María de la Cruz and Tom Reed | Reuters", "Ana María de la Cruz and Tom Reed", None),
        ("Frederick Owens\n14 February 2018", "Frederick Owens", dt.date(2018, 2, 14)),
        ("Published: 2019-11-18 10:32 GMT", None, dt.date(2019, 11, 18)),
        ("Monday, Nov. 18, 2019", None, dt.date(2019, 11, 18)),
        ("22 de janeiro de 2018 às 0:13", None, dt.date(2018, 1, 22)),
        ("By Lee Kim, Staff Writer - March 3, 2021", "Lee Kim", dt.date(2021, 3, 3)),
    ],
)
def test_byline_and_dateline(top: str, author: str | None, date: dt.date | None) -> None:
    body = "\n\n".join(["A headline about a harbour", top, STORY[0], STORY[1]])
    result = clean_article(body, title_in_body=True)
    assert result.author == author
    assert result.dateline == date
    assert result.paragraphs == (STORY[0], STORY[1])


def test_bare_name_without_dateline_stays() -> None:
    # Alone, a two-word Title Case line could be a subhead: it is only a byline beside a dateline.
    body = "\n\n".join(["A headline", "Harbour Works", STORY[0], STORY[1]])
    result = clean_article(body, title_in_body=True)
    assert result.author is None
    assert "Harbour Works" in result.paragraphs


def test_dateline_inside_story_is_not_taken() -> None:
    body = "\n\n".join(["A headline", STORY[0], "March 3, 2021", STORY[1]])
    result = clean_article(body, title_in_body=True)
    assert result.dateline is None
    assert "March 3, 2021" in result.paragraphs


def test_html_title_with_site_name_takes_the_page_heading() -> None:
    body = "\n\n".join(["Harbour reopens after storm", STORY[0], STORY[1]])
    result = clean_article(body, "Harbour reopens after storm | The Coastal Herald")
    assert result.title == "Harbour reopens after storm"
    assert result.paragraphs == (STORY[0], STORY[1])
    assert result.removed[0].reason == "repeated_title"


def test_repeated_title_variant_near_top() -> None:
    body = "\n\n".join(["Harbour finally reopens after the big storm", STORY[0], STORY[1]])
    result = clean_article(body, "Harbour reopens after storm")
    assert result.paragraphs == (STORY[0], STORY[1])


def test_metadata_title_wins_over_first_line() -> None:
    result = clean_article("First line title\n\n" + STORY[0], "Metadata title", title_in_body=True)
    assert result.title == "Metadata title"
    assert result.paragraphs == (STORY[0],)


def test_hard_wrapped_paragraphs_are_joined() -> None:
    paragraph = " ".join(STORY * 2)
    lines: list[str] = []
    current = ""
    for word in paragraph.split():
        if len(current) + 1 + len(word) > 70:
            lines.append(current)
            current = word
        else:
            current = f"{current} {word}".strip()
    lines.append(current)
    body = "Title line\n\n" + "\n".join(lines) + "\n\nA second paragraph that is short."
    result = clean_article(body, title_in_body=True)
    assert result.paragraphs == (paragraph, "A second paragraph that is short.")


def test_one_paragraph_per_line_is_not_joined() -> None:
    body = "Title\n\n" + "\n".join(STORY)
    result = clean_article(body, title_in_body=True)
    assert result.paragraphs == tuple(STORY)


def test_tail_headlines_removed_but_not_a_story_list() -> None:
    links = "Farmers count the cost of a wet summer\nValley rail line reopens after landslip"
    result = clean_article("\n\n".join(["T", STORY[0], STORY[1], links]), title_in_body=True)
    assert result.paragraphs == (STORY[0], STORY[1])
    steps = "- Boil the fruit for ten minutes\n- Add the sugar and stir\n- Pour into jars"
    result = clean_article("\n\n".join(["T", STORY[0], steps]), title_in_body=True)
    assert len(result.paragraphs) == 4


def test_non_english_article_keeps_its_lines() -> None:
    body = "Greve no porto entra na segunda semana\n\nOs trabalhadores do porto continuaram em greve nesta segunda-feira, e mais de 60 navios esperam ao largo.\n\nO sindicato disse que as negociações com a empresa foram interrompidas por causa dos salários.\n\nAjustar o horário dos turnos\n\nA empresa não comentou a greve, que já afeta a entrega de combustível e de cereais na região."
    result = clean_article(body, title_in_body=True)
    assert len(result.paragraphs) == 4


def test_empty_and_blank_bodies() -> None:
    assert clean_article("").paragraphs == ()
    assert clean_article("\n\n  \n", "T").title == "T"


def test_seeds_pass_cleaning_checks(shared_dir: pathlib.Path) -> None:
    from transforms.formats import articles_from_txt

    gold = json.loads((shared_dir / "gold" / "seeds.gold.json").read_text(encoding="utf-8"))
    for g in gold:
        data = (shared_dir / "corpus" / "seeds" / g["doc"]).read_bytes()
        [raw], _ = articles_from_txt(g["doc"], data)
        result = clean_article(raw.body, raw.title, title_in_body=raw.title_in_body)
        body = "\n".join(result.paragraphs)
        assert result.title == g["title"]
        lo, hi = g["content_paragraphs"]
        assert lo <= len(result.paragraphs) <= hi, g["doc"]
        assert not any(line in body for line in g["boilerplate"]), g["doc"]
        assert all(snippet in body for snippet in g["keep"]), g["doc"]
        assert not any(p in g.get("byline_and_dateline_not_paragraphs", []) for p in result.paragraphs)
        if g.get("title_repeats_removed"):
            assert g["title"] not in result.paragraphs
        if g["published"]:
            assert str(result.dateline) == g["published"]
        if g["author"]:
            assert result.author == g["author"]


def test_module_compiles_rules_once() -> None:
    assert clean._BOILERPLATE and all(hasattr(r.pattern, "search") for r in clean._BOILERPLATE)
