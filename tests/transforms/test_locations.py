"""Tests for transforms/locations/: lexicon validation, golden articles and the offset contract."""

from __future__ import annotations

import pathlib
from typing import Any

import pytest
import yaml

from transforms._data import rules
from transforms.locations import LocationMention, location_mentions, place, rules_problems

GOLDEN = pathlib.Path(__file__).parent / "golden" / "locations.yaml"
CASES: list[dict[str, Any]] = yaml.safe_load(GOLDEN.read_text(encoding="utf-8"))


def test_lexicon_is_valid() -> None:
    assert rules_problems(rules("locations")) == []


def test_validator_reports_broken_lexicon() -> None:
    broken = {"connectors": ["Of"], "titles": [], "region_abbreviations": {"usa": {"Ky": 1}}, "extra": []}
    problems = rules_problems(broken)
    assert any(p.startswith("connectors") for p in problems)
    assert any(p.startswith("titles") for p in problems)
    assert any("region_abbreviations" in p for p in problems)
    assert any("unknown sections" in p for p in problems)
    assert rules_problems([]) == ["top level must be a mapping"]


def test_validator_reports_bad_streets_and_currencies() -> None:
    broken = dict(rules("locations"))
    broken["streets"] = ["road", "pike"]  # "pike" is not a facility word
    broken["currency_countries"] = {"$": ["usa"]}
    problems = rules_problems(broken)
    assert any(p.startswith("streets") for p in problems)
    assert any(p.startswith("currency_countries") for p in problems)


def _matches(m: LocationMention, want: dict[str, Any]) -> bool:
    for field, value in want.items():
        attr = "admin1_code" if field == "admin1" else field
        if getattr(m, attr) != value:
            return False
    return True


@pytest.mark.parametrize("case", CASES, ids=[c["name"] for c in CASES])
def test_golden(case: dict[str, Any]) -> None:
    found = location_mentions(case["paragraphs"])
    flat = [m for ms in found for m in ms]
    cursor = 0
    for want in case.get("expect", []):
        rest = flat[cursor:]
        hits = [i for i, m in enumerate(rest) if m.text == want["text"]]
        assert hits, f"{want['text']!r} not found in {[m.text for m in flat]}"
        m = rest[hits[0]]
        assert _matches(m, {k: v for k, v in want.items() if k != "text"}), f"{want} != {m}"
        cursor += hits[0] + 1
    for surface in case.get("absent", []):
        assert surface not in {m.text for m in flat}, f"{surface!r} should not be a mention"


def test_offsets_index_the_paragraph() -> None:
    paragraphs = ["Flights from Kaliningrad to Moscow resumed.", "", "Aid reached Aleppo, Syria, on Monday."]
    found = location_mentions(paragraphs)
    assert len(found) == len(paragraphs)
    assert found[1] == []
    for text, mentions in zip(paragraphs, found, strict=True):
        for m in mentions:
            assert text[m.start:m.end] == m.text
            assert 0.0 <= m.confidence <= 1.0
    assert [m.text for m in found[0]] == ["Kaliningrad", "Moscow"]


def test_resolved_mentions_carry_their_place() -> None:
    (mentions,) = location_mentions(["Talks were held in Ukraine."])
    (m,) = mentions
    p = place(m.geonameid) if m.geonameid is not None else None
    assert p is not None
    assert (m.name, m.feature, m.country_code, m.latitude, m.longitude) == (
        p.name, p.feature, p.country_code, p.latitude, p.longitude)


def test_unknown_place_id_raises() -> None:
    with pytest.raises(KeyError):
        place(0)


def test_records_are_frozen() -> None:
    (mentions,) = location_mentions(["Rain fell on Paris."])
    with pytest.raises(AttributeError):
        mentions[0].text = "x"  # type: ignore[misc]


def _hinted(paragraphs: list[str]) -> list[tuple[str, tuple[str, str] | None, bool]]:
    from transforms.gazetteer import gazetteer
    from transforms.locations import _candidates, _lexicon, _share_hints

    cands = [c for i, p in enumerate(paragraphs) for c in _candidates(i, p, gazetteer(), _lexicon())]
    _share_hints(cands)
    return [(c.text, c.region_hint, c.hint_shared) for c in cands if c.text == "Dublin"]


def test_comma_hint_is_shared_by_bare_mentions_of_the_name() -> None:
    got = _hinted(["The parade in Dublin drew crowds.", "It has been held in Dublin, Ohio, since 1988."])
    assert got == [("Dublin", ("US", "OH"), True), ("Dublin", ("US", "OH"), False)]


def test_conflicting_comma_hints_are_not_shared() -> None:
    got = _hinted(["Dublin hosted it.", "Dublin, Ohio, and Dublin, Georgia, both claim the parade."])
    assert got[0] == ("Dublin", None, False)
    assert {g[1] for g in got[1:]} == {("US", "OH"), ("US", "GA")}
