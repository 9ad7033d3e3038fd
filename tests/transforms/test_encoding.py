"""Tests for transforms.encoding: decoding legacy bytes and repairing text, with the repairs recorded."""

from __future__ import annotations

import pytest

from transforms.encoding import UndecodableError, decoded_text, looks_binary, repaired_text

WESTERN = "Le café de la gare a rouvert ses portes, a déclaré la propriétaire. « Nous sommes ravis », a-t-elle dit."
RUSSIAN = "Президент заявил во вторник, что переговоры продолжатся на следующей неделе в Москве. " * 3


def test_utf8_passes_through_untouched() -> None:
    assert decoded_text("Zürich – “quoted”".encode()) == ("Zürich – “quoted”", ())


def test_utf8_bom_is_dropped() -> None:
    assert decoded_text(b"\xef\xbb\xbfHello") == ("Hello", ())


@pytest.mark.parametrize("encoding", ["cp1252", "latin_1"])
def test_western_legacy_bytes(encoding: str) -> None:
    text, repairs = decoded_text(WESTERN.encode(encoding))
    assert text == WESTERN
    assert repairs == ("decoded:cp1252",)


@pytest.mark.parametrize("encoding", ["cp1251", "koi8_r"])
def test_cyrillic_legacy_bytes(encoding: str) -> None:
    text, repairs = decoded_text(RUSSIAN.encode(encoding))
    assert text == RUSSIAN
    assert repairs == (f"decoded:{encoding}",)


def test_binary_is_rejected() -> None:
    assert looks_binary(b"\x00\x01\x02PK\x03\x04")
    assert not looks_binary(b"plain text\n")
    with pytest.raises(UndecodableError):
        decoded_text(b"\xff\xfe\x00\x00\x01\x02\x03" * 50)


@pytest.mark.parametrize(
    ("broken", "fixed", "repair"),
    [
        ("The cafÃ© opened on Monday.", "The café opened on Monday.", "mojibake"),
        ("He said â€œnoâ€\x9d to the plan.", "He said “no” to the plan.", "mojibake"),
        ("Prices rose &gt; 5% at AT&amp;T.", "Prices rose > 5% at AT&T.", "html_entities"),
        ("zero\u200bwidth and soft\u00adhyphen", "zerowidth and softhyphen", "invisible_chars"),
        ("bell\x07 and nul\x00 gone", "bell and nul gone", "invisible_chars"),
        ("Cafe\u0301 au lait", "Café au lait", "nfc"),
        ("the ﬁrst ofﬁcial", "the first official", "ligatures"),
    ],
)
def test_repairs(broken: str, fixed: str, repair: str) -> None:
    text, repairs = repaired_text(broken)
    assert text == fixed
    assert repair in repairs


def test_clean_text_has_no_repairs() -> None:
    text = "A normal sentence with “curly quotes”, an em dash — and café."
    assert repaired_text(text) == (text, ())


def test_ampersand_without_entity_is_kept() -> None:
    assert repaired_text("Marks & Spencer and R&D") == ("Marks & Spencer and R&D", ())
