"""The language of an article, detected offline (py3langid's bundled model, with a stopword check for short text)."""

from __future__ import annotations

import functools
import re
from typing import Any

from transforms._data import rules

_LETTERS = re.compile(r"[^\W\d_]")
_WORD = re.compile(r"[^\W\d_]+(?:['’][^\W\d_]+)?")
_MIN_LETTERS = 20  # below this neither the model nor the stopwords can tell
_SAMPLE_CHARS = 700  # a few sentences give a stable answer; more text only costs time (about 0.4 ms per 1000 chars)
# Han, kana and hangul carry a word's worth of meaning in one or two characters.
_DENSE_SCRIPT = re.compile(r"[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af]")
_MIN_PROBABILITY = 0.5
_SHORT_TEXT_LETTERS = 200


@functools.cache
def _identifier() -> Any:
    """py3langid's model, loaded on first use (it takes most of a second)."""
    from py3langid.langid import MODEL_FILE, LanguageIdentifier

    return LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=True)


def language_model() -> Any:
    """The language model `article_language` uses, loaded once per process (a caller timing each
    article loads it before the first)."""
    return _identifier()


@functools.cache
def _stopword_index() -> dict[str, frozenset[str]]:
    table: dict[str, set[str]] = {}
    for lang, words in rules("clean_languages")["stopwords"].items():
        for word in words:
            table.setdefault(word, set()).add(lang)
    return {w: frozenset(langs) for w, langs in table.items()}


def _sample(text: str) -> str:
    """The first `_SAMPLE_CHARS` characters, cut at a space so no word is split."""
    if len(text) <= _SAMPLE_CHARS:
        return text
    cut = text.rfind(" ", 0, _SAMPLE_CHARS)
    return text[: cut if cut > 0 else _SAMPLE_CHARS]


def _stopword_language(text: str) -> tuple[str | None, int]:
    """The language most of the text's function words belong to, with how many were seen."""
    index = _stopword_index()
    counts: dict[str, int] = {}
    for word in _WORD.findall(text.lower()):
        for lang in index.get(word, ()):
            counts[lang] = counts.get(lang, 0) + 1
    if not counts:
        return None, 0
    lang, best = max(counts.items(), key=lambda kv: kv[1])
    return lang, best


def article_language(text: str) -> str | None:
    """ISO 639-1 code of the text's language, or None when the text is too short or too mixed to tell.

    Args:
        text: the article text (title and paragraphs).

    Returns:
        A two-letter code such as `en`, or None.
    """
    sample = _sample(text)
    letters = len(_LETTERS.findall(sample)) + 2 * len(_DENSE_SCRIPT.findall(sample))
    if letters < _MIN_LETTERS:
        return None
    lang, probability = _identifier().classify(sample)
    if letters >= _SHORT_TEXT_LETTERS and probability >= _MIN_PROBABILITY:
        return str(lang)
    # Short text: the model alone is unreliable, so it must agree with the function words when they speak.
    stop_lang, seen = _stopword_language(sample)
    if stop_lang is not None and seen >= 3:
        return stop_lang if stop_lang == lang or probability < 0.9 else str(lang)
    return str(lang) if probability >= 0.9 else None
