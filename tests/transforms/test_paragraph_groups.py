"""Tests for transforms/paragraph_groups.py: near-duplicate paragraph groups, unchanged by the move out of stories."""

from __future__ import annotations

import json
import pathlib
import re

from hypothesis import given, settings
from hypothesis import strategies as st

from tests.transforms import paragraph_dup_groups_frozen as frozen
from transforms.paragraph_groups import paragraph_dup_groups

DEMO = pathlib.Path(__file__).resolve().parents[2] / "data" / "demo"
VOCAB = ["alder", "birch", "cedar", "dune", "ember", "fjord", "grove", "heath"]


# --- all at once: unchanged by the move ------------------------------------------------------------------

_words = st.sampled_from(VOCAB + ["the", "said", "Bewdley", "BIRCH", "2021", "x", "río", "it's", "state-run"])
_seps = st.sampled_from([" ", " ", ", ", ". ", "! ", " - ", "\n"])
_text = st.lists(st.tuples(_words, _seps), max_size=14).map(lambda ws: "".join(w + s for w, s in ws))


@settings(max_examples=300, deadline=None)
@given(st.dictionaries(st.from_regex(r"p[0-9]{2}", fullmatch=True), _text, max_size=25))
def test_full_groups_equal_the_frozen_copy(paragraphs: dict[str, str]) -> None:
    items = list(paragraphs.items())
    assert paragraph_dup_groups(items) == frozen.paragraph_dup_groups(items)


def _demo_paragraphs() -> list[tuple[str, str]]:
    texts = [p.read_text(encoding="utf-8") for p in sorted(DEMO.glob("txt/**/*.txt"))]
    for line in (DEMO / "jsonl" / "wire-feed.jsonl").read_text(encoding="utf-8").splitlines():
        try:
            texts.append(json.loads(line)["text"])
        except (ValueError, KeyError, TypeError):
            continue  # the demo feed holds broken records on purpose
    paragraphs = [p.strip() for t in texts for p in re.split(r"\n\s*\n", t) if p.strip()]
    return [(f"d{i:04d}", p) for i, p in enumerate(paragraphs)]


def test_full_groups_equal_the_frozen_copy_on_demo_paragraphs() -> None:
    paragraphs = _demo_paragraphs()
    assert len(paragraphs) > 50
    groups = paragraph_dup_groups(paragraphs)
    assert groups == frozen.paragraph_dup_groups(paragraphs)
    assert len(set(groups.values())) < len(paragraphs)  # the syndicated demo article shares paragraphs


def test_paragraph_copies_and_rewordings_share_a_group() -> None:
    groups = paragraph_dup_groups([
        ("p2", "The agency said the river would peak at Bewdley on Wednesday, and more rain is due on Friday."),
        ("p1", "The agency said the river would peak at Bewdley on Wednesday and more rain is due on Friday."),
        ("p3", "The agency said the river would peak at Bewdley on Wednesday, with more rain due Friday."),
        ("p4", "A 14-year-old from Tromsø won the Nordic junior chess championship in Reykjavik."),
        ("p5", "Thank you."),
        ("p6", "Thank you!"),
    ])
    assert groups["p1"] == groups["p2"] == groups["p3"] == "p1"
    assert groups["p4"] == "p4"
    assert groups["p5"] == groups["p6"] == "p5"


def test_many_paragraphs_are_grouped_without_comparing_all_pairs() -> None:
    words = ["alder", "birch", "cedar", "dune", "ember", "fjord", "grove", "heath", "inlet", "juniper", "kelp",
             "larch", "moor", "nettle", "oak", "peat", "quartz", "reed", "sedge", "thorn"]

    def text(i: int) -> str:
        return "Survey of " + " ".join(f"{w}{i}" for w in words[i % 7:i % 7 + 8]) + "."

    paras = [(f"p{i:05d}", text(i)) for i in range(3000)]
    paras += [("q00000", paras[5][1])]
    groups = paragraph_dup_groups(paras)
    assert groups["q00000"] == "p00005"
    assert len(set(groups.values())) == 3000
