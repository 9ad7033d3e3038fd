"""Tests for transforms/quantities/: rule data, golden cases and the blocked-span contract."""

from __future__ import annotations

import pathlib
import random
from typing import Any

import pytest
import yaml

from transforms._data import rules
from transforms.quantities import QuantityMention, quantity_mentions, rule_errors
from transforms.quantities.rule_data import _ASCII_TOKEN_RE, _TOKEN_RE

GOLDEN = pathlib.Path(__file__).parent / "golden" / "quantities.yaml"
CASES: list[dict[str, Any]] = yaml.safe_load(GOLDEN.read_text(encoding="utf-8"))


@pytest.mark.parametrize("name", ["quantities", "quantities_units", "quantities_words"])
def test_rule_files_are_valid(name: str) -> None:
    assert rule_errors(name, rules(name)) == []


def test_validator_reports_broken_rules() -> None:
    broken = {"number_words": {"units": {"one": "x"}}, "qualifiers": {"lower_exclusive": ["over"], "upper_exclusive": ["over"]}}
    errors = rule_errors("quantities", broken)
    assert any("number_words.units" in e for e in errors)
    assert any("'over' is both" in e for e in errors)
    assert rule_errors("quantities_units", {"currency_codes": ["usd"]})
    assert rule_errors("quantities_words", {"noun_stops": ["The"]})


def _check(mention: QuantityMention, expected: dict[str, Any]) -> None:
    for field, value in expected.items():
        got = getattr(mention, field)
        if isinstance(value, float) or (isinstance(value, int) and not isinstance(value, bool) and got is not None):
            assert got == pytest.approx(value), field
        else:
            assert got == value, field


@pytest.mark.parametrize("case", CASES, ids=[c["text"][:40] for c in CASES])
def test_golden(case: dict[str, Any]) -> None:
    mentions = quantity_mentions(case["text"])
    assert len(mentions) == len(case["expect"]), [m.text for m in mentions]
    for mention, expected in zip(mentions, case["expect"]):
        _check(mention, expected)
        assert case["text"][mention.start:mention.end] == mention.text


def test_blocked_spans_are_never_quantities() -> None:
    text = "On 14 March 2018, 25 soldiers and 3 medics arrived."
    assert [m.text for m in quantity_mentions(text)] == ["25 soldiers", "3 medics"]
    start = text.index("25 soldiers")
    assert [m.text for m in quantity_mentions(text, blocked=[(start, start + 2)])] == ["3 medics"]


def test_offsets_hold_on_unicode_text() -> None:
    text = "Café owners — “about 40 workers” left; €5m was spent."
    for m in quantity_mentions(text):
        assert text[m.start:m.end] == m.text
    assert [(m.low, m.unit) for m in quantity_mentions(text)] == [(40, "count"), (5_000_000, "currency:EUR")]


def test_empty_and_numberless_text() -> None:
    assert quantity_mentions("") == []
    assert quantity_mentions("Nothing to count here.") == []


@pytest.mark.parametrize("text", ["12 hundreds", "About 12 hundreds of homes were lost.", "3 millions",
                                  "five hundreds"])
def test_a_counted_noun_never_swallows_the_next_quantity(text: str) -> None:
    """Regression (property suite): in "12 hundreds" the noun of "12" was "hundreds", itself a quantity,
    so the two mentions overlapped (0-11 and 3-11)."""
    mentions = quantity_mentions(text)
    assert all(a.end <= b.start for a, b in zip(mentions, mentions[1:], strict=False)), mentions
    assert all(text[m.start:m.end] == m.text for m in mentions)


def test_ascii_token_pattern_tokenizes_ascii_text_as_the_unicode_one() -> None:
    """`_ASCII_TOKEN_RE` stands in for `_TOKEN_RE` on ASCII paragraphs: same tokens, same kinds."""
    rng = random.Random(4)
    alphabet = "aZx09 .,'-+eE$%\t\n\x1c_"
    texts = ["", "12,500.5 km", "1e10 .08 3,4 o'clock", "x_1 A_b __ 5_000"]
    texts += ["".join(rng.choice(alphabet) for _ in range(rng.randrange(60))) for _ in range(3000)]
    for text in texts:
        assert text.isascii()
        want = [(m.span(), m.lastindex) for m in _TOKEN_RE.finditer(text)]
        assert [(m.span(), m.lastindex) for m in _ASCII_TOKEN_RE.finditer(text)] == want, text
