"""Rule data (`data/rules/stories.yaml`) with its validator, and the name words of a text."""

from __future__ import annotations

import re
from typing import Any

from transforms._data import rules
from transforms.words import STOPWORDS, WORD

# A capitalized word not at the start of a sentence or line.
_NAME = re.compile(r"(?:(?<=[^\W_] )|(?<=[^\W_][,;:] ))([A-ZÀ-ÖØ-Þ][^\W_]+(?:['’-][^\W_]+)*)")

# The dup_* and minhash_* keys are read by transforms/paragraph_groups.py; the file is validated here as a whole.
_NUMBER_KEYS = ("max_posting", "story_similarity", "title_weight", "name_weight", "idf_prior_articles", "top_terms",
                "neighbours", "min_shared_top_terms", "dup_jaccard", "dup_containment", "dup_min_shingles",
                "minhash_bands", "minhash_rows")

SOURCES = ("input", "similarity", "singleton")


def rule_errors(data: Any) -> list[str]:
    """Problems in the stories rule data (empty when valid)."""
    errors: list[str] = []
    if not isinstance(data, dict):
        return ["stories: top level must be a mapping"]
    for key in _NUMBER_KEYS:
        value = data.get(key)
        if not isinstance(value, (int, float)) or isinstance(value, bool) or value <= 0:
            errors.append(f"stories.{key}: must be a positive number, got {value!r}")
    for key in ("story_similarity", "dup_jaccard", "dup_containment"):
        value = data.get(key)
        if isinstance(value, (int, float)) and not 0 < value <= 1:
            errors.append(f"stories.{key}: must be in (0, 1], got {value!r}")
    words = data.get("stopwords")
    if not isinstance(words, list) or not words:
        errors.append("stories.stopwords: must be a non-empty list")
    else:
        for w in words:
            if not isinstance(w, str) or w != w.lower() or not WORD.fullmatch(w):
                errors.append(f"stories.stopwords: {w!r} is not a lowercase word (quote YAML booleans)")
        if len(set(map(str, words))) != len(words):
            errors.append("stories.stopwords: duplicates")
    return errors


_RULES: dict[str, Any] = rules("stories")


def _name_words(text: str) -> set[str]:
    """Lowercased content words printed capitalized inside a sentence: names, which pin down an event."""
    return {w.lower() for w in _NAME.findall(text)} - STOPWORDS
