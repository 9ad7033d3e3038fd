"""Tests for transforms/paragraph_groups.py: near-duplicate paragraph groups, all at once and incrementally.

The all-at-once groups must equal the frozen copy of the function from before the move; the incremental
index must give the groups of a full recompute, and the very state of a rebuild, after every batch.
"""

from __future__ import annotations

import json
import pathlib
import re
from collections.abc import Collection
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.transforms import paragraph_dup_groups_frozen as frozen
from transforms.paragraph_groups import (
    RULE_PARAMS,
    BandRow,
    DupParams,
    GroupRow,
    MemberRow,
    MemoryDupIndex,
    NodeRow,
    dup_groups_update,
    dup_index_rows,
    paragraph_dup_groups,
)

GOLDEN = pathlib.Path(__file__).parent / "golden" / "paragraph_groups.yaml"
CASES: list[dict[str, Any]] = yaml.safe_load(GOLDEN.read_text(encoding="utf-8"))
DEMO = pathlib.Path(__file__).resolve().parents[2] / "data" / "demo"
# Few bands of few rows: buckets collide often, so re-headed buckets and split groups are common.
TINY = DupParams(jaccard=0.5, containment=0.8, min_shingles=2, bands=4, rows=2)
ROWS_1 = DupParams(jaccard=0.5, containment=0.8, min_shingles=2, bands=3, rows=1)
VOCAB = ["alder", "birch", "cedar", "dune", "ember", "fjord", "grove", "heath"]


def _assert_matches_rebuild(index: MemoryDupIndex, current: dict[str, str], params: DupParams) -> None:
    """Groups equal the full recompute; every state table equals a from-scratch build."""
    paragraphs = sorted(current.items())
    assert index.groups() == paragraph_dup_groups(paragraphs, params)
    fresh = MemoryDupIndex()
    fresh.apply(dup_index_rows(paragraphs, params))
    assert index.node_rows == fresh.node_rows
    assert index.band_rows == fresh.band_rows
    assert index.member_rows == fresh.member_rows
    assert index.group_rows == fresh.group_rows


# --- all at once: unchanged by the move ------------------------------------------------------------------

_words = st.sampled_from(VOCAB + ["the", "said", "Bewdley", "BIRCH", "2021", "x", "río", "it's", "state-run"])
_seps = st.sampled_from([" ", " ", ", ", ". ", "! ", " - ", "\n"])
_text = st.lists(st.tuples(_words, _seps), max_size=14).map(lambda ws: "".join(w + s for w, s in ws))


@settings(max_examples=200, deadline=None)
@given(st.dictionaries(st.from_regex(r"p[0-9]{2}", fullmatch=True), _text, max_size=25))
def test_full_groups_equal_the_frozen_copy(paragraphs: dict[str, str]) -> None:
    items = list(paragraphs.items())
    assert paragraph_dup_groups(items) == frozen.paragraph_dup_groups(items)


def _demo_paragraphs() -> list[tuple[str, str]]:
    texts = [p.read_text(encoding="utf-8") for p in sorted(DEMO.glob("txt/**/*.txt"))]
    for line in (DEMO / "jsonl" / "wire-feed.jsonl").read_text(encoding="utf-8").split("\n"):
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


# --- incremental: golden cases ---------------------------------------------------------------------------

@pytest.mark.parametrize("case", CASES, ids=[c["name"] for c in CASES])
def test_golden_case(case: dict[str, Any]) -> None:
    params = DupParams(**case["params"]) if "params" in case else RULE_PARAMS
    index = MemoryDupIndex()
    current: dict[str, str] = {}
    for n, step in enumerate(case["steps"]):
        added = [(pid, case["texts"][name]) for pid, name in (step.get("add") or {}).items()]
        removed = step.get("remove") or []
        index.apply(dup_groups_update(index, added, removed, params))
        for pid in removed:
            del current[pid]
        current.update(added)
        assert index.groups() == step["expect"], f"step {n}"
        _assert_matches_rebuild(index, current, params)


# --- incremental: random batches -------------------------------------------------------------------------

_pid = st.integers(0, 19).map(lambda i: f"p{i:02d}")
_base = st.lists(st.sampled_from(VOCAB), min_size=3, max_size=8)
# (operation, position, word): delete, insert, replace a word, or trim the ends.
_edits = st.lists(st.tuples(st.integers(0, 3), st.integers(0, 9), st.sampled_from(VOCAB)), max_size=2)


def _edited(base: list[str], edits: list[tuple[int, int, str]]) -> str:
    """A light rewording of `base`: variants of a few bases make near-duplicates and shared buckets common."""
    w = list(base)
    for op, at, word in edits:
        if op == 0 and w:
            del w[at % len(w)]
        elif op == 1:
            w.insert(at % (len(w) + 1), word)
        elif op == 2 and w:
            w[at % len(w)] = word
        elif op == 3 and len(w) > 2:
            w = w[at % 2:len(w) - at // 5]
    return " ".join(w)


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.data(), st.sampled_from([TINY, ROWS_1, RULE_PARAMS]))
def test_incremental_groups_equal_the_full_recompute_after_every_batch(data: st.DataObject,
                                                                        params: DupParams) -> None:
    bases = data.draw(st.lists(_base, min_size=1, max_size=3), label="bases")
    index = MemoryDupIndex()
    current: dict[str, str] = {}
    for _ in range(data.draw(st.integers(1, 8), label="batches")):
        removed = data.draw(st.sets(st.sampled_from(sorted(current)), max_size=3), label="removed") if current \
            else set()
        drawn = data.draw(st.dictionaries(_pid, st.tuples(st.integers(0, len(bases) - 1), _edits), max_size=4),
                          label="added")
        added = {pid: _edited(bases[b], e) for pid, (b, e) in drawn.items() if pid not in current or pid in removed}
        index.apply(dup_groups_update(index, list(added.items()), removed, params))
        for pid in removed:
            del current[pid]
        current.update(added)
        _assert_matches_rebuild(index, current, params)


# --- incremental: what an update reads and writes --------------------------------------------------------

class _CountingIndex(MemoryDupIndex):
    """Counts the rows each read returns."""

    def __init__(self) -> None:
        super().__init__()
        self.rows_read = 0

    def _count(self, rows: Collection[Any]) -> Any:
        self.rows_read += len(rows)
        return rows

    def nodes(self, node_keys: Collection[str]) -> list[NodeRow]:
        return self._count(super().nodes(node_keys))

    def nodes_in_groups(self, dup_groups: Collection[str]) -> list[NodeRow]:
        return self._count(super().nodes_in_groups(dup_groups))

    def members(self, paragraph_ids: Collection[str]) -> list[MemberRow]:
        return self._count(super().members(paragraph_ids))

    def members_of_nodes(self, node_keys: Collection[str]) -> list[MemberRow]:
        return self._count(super().members_of_nodes(node_keys))

    def smallest_members(self, node_keys: Collection[str], excluding: Collection[str]) -> dict[str, str]:
        return self._count(super().smallest_members(node_keys, excluding))

    def bucket_heads(self, band_keys: Collection[str], excluding: Collection[str]) -> list[BandRow]:
        return self._count(super().bucket_heads(band_keys, excluding))

    def bucket_members(self, band_keys: Collection[str]) -> list[BandRow]:
        return self._count(super().bucket_members(band_keys))


def _survey(i: int) -> str:
    words = ["alder", "birch", "cedar", "dune", "ember", "fjord", "grove", "heath", "inlet", "juniper", "kelp",
             "larch", "moor", "nettle", "oak", "peat", "quartz", "reed", "sedge", "thorn"]
    return "Survey of " + " ".join(f"{w}{i}" for w in words[i % 7:i % 7 + 8]) + "."


def test_an_update_reads_and_writes_rows_in_proportion_to_its_input() -> None:
    boiler = "Sign up for the Valley Post newsletter to get headlines from Bewdley and Stourport every morning."
    paragraphs = [(f"p{i:05d}", _survey(i)) for i in range(2000)] + [(f"b{i:05d}", boiler) for i in range(500)]
    index = _CountingIndex()
    index.apply(dup_index_rows(paragraphs))
    delta = dup_groups_update(index, [("q00000", _survey(5)), ("q00001", "A new paragraph about a new event."),
                                      ("q00002", boiler)], ["p00007"])
    assert index.rows_read < 60
    assert delta.paragraph_groups.delete == ("p00007",)
    assert [r.paragraph_id for r in delta.paragraph_groups.insert] == ["q00000", "q00001", "q00002"]
    assert delta.paragraph_groups.insert[0].dup_group == "p00005"
    assert delta.paragraph_groups.insert[2].dup_group == "b00000"
    index.apply(delta)
    assert index.groups()["q00000"] == "p00005"


def test_a_new_copy_with_the_smallest_id_rewrites_only_its_group() -> None:
    boiler = "Sign up for the Valley Post newsletter to get headlines from Bewdley and Stourport every morning."
    paragraphs = [(f"p{i:05d}", _survey(i)) for i in range(300)] + [(f"b{i:05d}", boiler) for i in range(1, 40)]
    index = MemoryDupIndex()
    index.apply(dup_index_rows(paragraphs))
    delta = dup_groups_update(index, [("b00000", boiler)], [])
    assert {r.dup_group for r in delta.paragraph_groups.insert} == {"b00000"}
    assert len(delta.paragraph_groups.insert) == 40
    assert [r.node_key for r in delta.nodes.insert] == list(delta.nodes.delete)


def test_update_rejects_ids_it_cannot_apply() -> None:
    index = MemoryDupIndex()
    index.apply(dup_index_rows([("p1", "Floods hit the quay at Bewdley.")]))
    with pytest.raises(ValueError, match="not in the index"):
        dup_groups_update(index, [], ["p9"])
    with pytest.raises(ValueError, match="already in the index"):
        dup_groups_update(index, [("p1", "Other text about the quay.")], [])
    with pytest.raises(ValueError, match="unique"):
        dup_groups_update(index, [("p2", "a"), ("p2", "b")], [])


def test_keys_are_stable_across_processes() -> None:
    rows = dup_index_rows([("p1", "The agency said the river would peak at Bewdley on Wednesday and more rain is "
                                  "due on Friday."), ("p2", "Thank you.")])
    by_id = {r.node_id: r for r in rows.nodes.insert}
    assert by_id["p1"].node_key == "6f8aa06025d7add363adb2b016d78abb"
    assert by_id["p1"].band_keys[:2] == ("0:414ea26a423f076c3d3ab200", "1:5539a93b1cd60c364d2afeac")
    assert by_id["p1"].shingles[:3] == (90609361, 833936069, 2772826377)
    assert by_id["p2"].node_key == "9d3c7c377090b38a6a6f69e5dc415785"
    assert by_id["p2"].band_keys == () and by_id["p2"].shingles == (1558786320,)
    assert rows.paragraph_groups.insert == (GroupRow("p1", "p1"), GroupRow("p2", "p2"))
