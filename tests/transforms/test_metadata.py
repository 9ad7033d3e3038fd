"""Tests for transforms.metadata: typed, valid, capped metadata fields and ISO 639-1 language codes."""

from __future__ import annotations

import pytest
from babel.localedata import locale_identifiers

from transforms._data import rules
from transforms.metadata import CAPS, guarded_language, guarded_text, metadata_rule_errors, valid_unicode


def test_metadata_rules_are_valid() -> None:
    assert metadata_rule_errors(rules("metadata")) == []


def test_validator_catches_broken_rules() -> None:
    data = rules("metadata")
    assert metadata_rule_errors({**data, "caps": {"title": 0}})
    assert metadata_rule_errors({**data, "bidi_fields": ["subtitle"]})  # a field without a cap
    assert metadata_rule_errors({**data, "iso639_1": [*data["iso639_1"], False]})  # an unquoted `no`
    assert metadata_rule_errors({**data, "iso639_1": ["en", "en"]})
    assert metadata_rule_errors({**data, "withdrawn_iso639_1": {"iw": "xx"}})
    assert metadata_rule_errors([])


def test_every_two_letter_language_babel_knows_is_a_code() -> None:
    """The hand-written ISO 639-1 list covers every two-letter language of the CLDR locales."""
    codes = set(rules("metadata")["iso639_1"])
    cldr = {loc.split("_")[0] for loc in locale_identifiers() if len(loc.split("_")[0]) == 2}
    assert cldr <= codes
    assert len(codes) == 184


@pytest.mark.parametrize("value,expected", [
    (None, (None, ())),
    ("  Harbour reopens  ", ("Harbour reopens", ())),
    ("", (None, ())),
    ("   ", (None, ())),
    ([1, 2], (None, ("title:not_string",))),
    ({"a": 1}, (None, ("title:not_string",))),
    (42, (None, ("title:not_string",))),  # never str()-ed
    (True, (None, ("title:not_string",))),
    ("Bad \udfff title", ("Bad \ufffd title", ("title:surrogates",))),
    ("evil \u202egnp.exe", ("evil gnp.exe", ("title:bidi_controls",))),
    ("\u2066isolated\u2069 \u202aembedded\u202c", ("isolated embedded", ("title:bidi_controls",))),
    ("bell\x07 and nul\x00", ("bell and nul", ("title:control_chars",))),
    ("T" * 1001, ("T" * 1000, ("title:truncated",))),
    ("T" * 1000, ("T" * 1000, ())),
])
def test_guarded_title(value: object, expected: tuple[str | None, tuple[str, ...]]) -> None:
    assert guarded_text("title", value) == expected


def test_right_to_left_text_itself_is_kept() -> None:
    """Only the formatting controls go: Hebrew and Arabic letters and the LRM/RLM marks stay."""
    title = "\u05e9\u05dc\u05d5\u05dd \u0645\u0631\u062d\u0628\u0627 \u200f!"
    assert guarded_text("title", title) == (title, ())


def test_caps_of_every_field() -> None:
    assert CAPS["title"] == 1000 and CAPS["author"] == 500 and CAPS["url"] == 2048
    for field, cap in CAPS.items():
        text, repairs = guarded_text(field, "x" * (cap + 5))
        assert text is not None and len(text) == cap and repairs == (f"{field}:truncated",)


def test_two_million_character_title_is_cut() -> None:
    text, repairs = guarded_text("title", "word " * 400_000)
    assert text is not None and len(text) <= 1000 and repairs == ("title:truncated",)


def test_ids_may_be_integers_but_nothing_else_is_printed() -> None:
    assert guarded_text("id", 12345) == ("12345", ())
    assert guarded_text("story_id", 7) == ("7", ())
    assert guarded_text("id", 1.5) == (None, ("id:not_string",))
    assert guarded_text("story_id", False) == (None, ("story_id:not_string",))
    assert guarded_text("url", 12345) == (None, ("url:not_string",))


def test_an_integer_id_too_long_to_print_is_dropped_not_raised() -> None:
    """Regression (property suite): `str()` of an integer past 4,300 digits raised ValueError out of the guard."""
    assert guarded_text("id", 10**5000) == (None, ("id:too_large",))
    assert guarded_text("story_id", -(10**5000)) == (None, ("story_id:too_large",))
    assert guarded_text("id", 10**250) == ("1" + "0" * 199, ("id:truncated",))


@pytest.mark.parametrize("value,expected", [
    ("en", ("en", ())),
    ("EN", ("en", ())),
    (" en-GB ", ("en", ())),
    ("pt_BR", ("pt", ())),
    ("zh-Hant-TW", ("zh", ())),
    ("iw", ("he", ())),  # withdrawn code, as Java still writes it
    ("1x", (None, ("language:invalid",))),
    ("xx", (None, ("language:invalid",))),
    ("eng", (None, ("language:invalid",))),
    ("English", (None, ("language:invalid",))),
    (["en"], (None, ("language:not_string",))),
    (None, (None, ())),
    ("", (None, ())),
    ("e" * 100, (None, ("language:truncated", "language:invalid"))),
])
def test_guarded_language(value: object, expected: tuple[str | None, tuple[str, ...]]) -> None:
    assert guarded_language(value) == expected


def test_valid_unicode() -> None:
    assert valid_unicode("plain") == ("plain", False)
    assert valid_unicode("caf\u00e9") == ("caf\u00e9", False)
    assert valid_unicode("a\ud800b\udfffc") == ("a\ufffdb\ufffdc", True)
    assert valid_unicode("\U0001f600") == ("\U0001f600", False)  # a real astral character is not a surrogate
