"""Tests for transforms.language: offline article language detection."""

from __future__ import annotations

import pytest

from transforms.language import article_language


@pytest.mark.parametrize(
    ("text", "lang"),
    [
        ("The council voted on Tuesday to fund a new bridge across the river, ending years of debate.", "en"),
        ("El ayuntamiento votó el martes a favor de financiar un nuevo puente sobre el río.", "es"),
        ("A câmara aprovou na terça-feira o financiamento de uma nova ponte sobre o rio.", "pt"),
        ("Le conseil municipal a voté mardi le financement d'un nouveau pont sur la rivière.", "fr"),
        ("Der Stadtrat hat am Dienstag beschlossen, eine neue Brücke über den Fluss zu bauen.", "de"),
        ("Il consiglio comunale ha votato martedì per finanziare un nuovo ponte sul fiume.", "it"),
        ("Городской совет во вторник проголосовал за строительство нового моста через реку.", "ru"),
        ("市議会は火曜日、川に新しい橋を架ける予算を可決した。", "ja"),
        ("시의회는 화요일 강을 가로지르는 새 다리 건설 예산을 통과시켰다.", "ko"),
    ],
)
def test_languages(text: str, lang: str) -> None:
    assert article_language(text) == lang


@pytest.mark.parametrize("text", ["", "   ", "OK", "12 345 678", "Hello there"])
def test_too_short_to_tell(text: str) -> None:
    assert article_language(text) is None


def test_dominant_language_of_mixed_text() -> None:
    english = "The minister said the talks had been useful and would continue next week in the capital. " * 6
    spanish = "Ajustar Comentario Impresión"
    assert article_language(f"{spanish}\n\n{english}") == "en"
