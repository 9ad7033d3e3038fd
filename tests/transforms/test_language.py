"""Tests for transforms.language: offline article language detection."""

from __future__ import annotations

import random
from typing import Any

import numpy as np
import pytest

from transforms.language import _AUTOMATON_MEMORY, article_language, language_model


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


def _reference_identifier() -> Any:
    from py3langid.langid import MODEL_FILE, LanguageIdentifier

    return LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=True)


def _texts() -> list[str]:
    rng = random.Random(17)
    news = ("The council voted on Tuesday to fund a new bridge across the river. El ayuntamiento votó el martes. "
            "Городской совет во вторник проголосовал. 市議会は火曜日、川に新しい橋を架ける予算を可決した。 "
            "ALL CAPS HEADLINE SAYS 45% ROSE; naïve café “quoted” — 10,000 €")
    texts = ["", "a", "ab", "abcdef", "ABCDEFG", " ", "\n\n", "\ud800 lone surrogate", news]
    texts += [news[i:i + n] for i in range(0, len(news), 7) for n in (1, 5, 6, 7, 40, 700)]
    for _ in range(300):
        texts.append("".join(chr(rng.randrange(32, 0x3000)) for _ in range(rng.randrange(0, 80))))
        texts.append("".join(rng.choice(" abcdefghijklmnopqrstuvwxyzTHE.,'") for _ in range(rng.randrange(0, 800))))
    return texts


def test_model_scores_equal_py3langids_to_the_bit() -> None:
    """The array walk of the model's automaton gives py3langid's own scores, bit for bit."""
    ours, reference = language_model(), _reference_identifier()
    for text in _texts():
        assert ours._decide(text).tobytes() == reference._decide(text).tobytes(), text
        assert ours.classify(text) == reference.classify(text), text


def test_automaton_state_depends_on_its_last_bytes_only() -> None:
    """Every state of the model's automaton is within `_AUTOMATON_MEMORY` bytes of the start state (the
    walk over each byte's last bytes relies on it)."""
    model = language_model()
    moves, rows = model._moves, model._rows
    depth = np.full(len(rows), -1)
    depth[0], frontier, steps = 0, np.array([0]), 0
    while len(frontier):
        reached = np.unique(moves[(rows[frontier][:, None] + np.arange(256)[None, :]).ravel()])
        frontier = reached[depth[reached] < 0]
        steps += 1
        depth[frontier] = steps
    assert depth.min() == 0
    assert depth.max() <= _AUTOMATON_MEMORY
