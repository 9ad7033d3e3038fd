"""The language of an article, detected offline (py3langid's bundled model, with a stopword check for short text)."""

from __future__ import annotations

import functools
import re
import string
from typing import Any

from transforms._data import rules

_LETTERS = re.compile(r"[^\W\d_]")
_ASCII_LETTERS = string.ascii_letters.encode("ascii")  # the ASCII characters `_LETTERS` matches
_WORD = re.compile(r"[^\W\d_]+(?:['’][^\W\d_]+)?")
_MIN_LETTERS = 20  # below this neither the model nor the stopwords can tell
_SAMPLE_CHARS = 700  # a few sentences give a stable answer; more text only costs time (about 0.4 ms per 1000 chars)
# Han, kana and hangul carry a word's worth of meaning in one or two characters.
_DENSE_SCRIPT = re.compile(r"[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af]")
_MIN_PROBABILITY = 0.5
_SHORT_TEXT_LETTERS = 200


# The model's byte automaton (Aho-Corasick over its byte n-grams) forgets: its deepest state is 6 bytes from
# the start, so after any 6 bytes its state no longer depends on where it started (also checked exhaustively,
# over every state and every 6-byte string, when this was written). The state at byte i is therefore the state
# reached from the start over bytes i-5..i alone, and the states of all bytes come out of 6 array steps
# instead of one Python step per byte.
_AUTOMATON_MEMORY = 6


@functools.cache
def _identifier() -> Any:
    """py3langid's model, loaded on first use (it takes most of a second), scoring with array operations."""
    import numpy as np
    from py3langid.langid import MODEL_FILE, LanguageIdentifier

    class _ArrayIdentifier(LanguageIdentifier):  # type: ignore[misc]
        """py3langid's classifier, same scores to the bit; only how its raw score is computed differs."""

        __slots__ = ("_half_to_single", "_moves", "_outputs", "_rows")

        def _raw_score(self, text: bytes) -> Any:
            symbols = np.frombuffer(text, dtype=np.uint8)
            states = np.zeros(len(symbols), dtype=np.intp)
            for back in range(min(_AUTOMATON_MEMORY, len(symbols)) - 1, -1, -1):
                # every byte i >= back takes one step on byte i - back; earlier ones have not started yet
                states[back:] = self._moves[self._rows[states[back:]] + symbols[: len(symbols) - back]]
            features = self._outputs[states]
            features = features[features >= 0]
            if not len(features):
                return super()._raw_score(b"")  # py3langid's answer for text without features
            # features and their counts in first-seen order, as py3langid sums them (float sums depend on order)
            found, first, counts = np.unique(features, return_index=True, return_counts=True)
            order = np.argsort(first)
            # the float16 table's rows widened through a lookup table: the same values numpy's cast gives, faster
            rows = np.take(self._half_to_single, self.nb_ptc[found[order]].view(np.uint16))
            return np.log1p(counts[order].astype(np.float32)) @ rows + self.nb_pc

    identifier = _ArrayIdentifier.from_model_file(MODEL_FILE, norm_probs=True)
    if identifier.nb_ptc.dtype != np.float16:
        raise TypeError(f"py3langid's model table is {identifier.nb_ptc.dtype}, expected float16")
    identifier._half_to_single = np.arange(1 << 16, dtype=np.uint16).view(np.float16).astype(np.float32)
    identifier._moves = np.frombuffer(identifier.tk_nextmove, dtype=identifier.tk_nextmove.typecode)
    identifier._rows = np.asarray(identifier._rowbase, dtype=np.intp)
    identifier._outputs = np.asarray(identifier.tk_output, dtype=np.intp)
    return identifier


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


def _letter_weight(sample: str) -> int:
    """Letters in the sample, those of dense scripts counting three times."""
    if sample.isascii():  # the usual case: its letters are a-z and A-Z, counted without a regex
        return len(sample) - len(sample.encode("ascii").translate(None, _ASCII_LETTERS))
    return len(_LETTERS.findall(sample)) + 2 * len(_DENSE_SCRIPT.findall(sample))


def article_language(text: str) -> str | None:
    """ISO 639-1 code of the text's language, or None when the text is too short or too mixed to tell.

    Args:
        text: the article text (title and paragraphs).

    Returns:
        A two-letter code such as `en`, or None.
    """
    sample = _sample(text)
    letters = _letter_weight(sample)
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
