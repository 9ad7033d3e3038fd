"""Words and content words: the one tokenizer and stopword list of story grouping and near-duplicate paragraphs.

The stopwords are `stopwords` in `data/rules/stories.yaml` (validated by `transforms.stories.rule_errors`).
"""

from __future__ import annotations

import re

from transforms._data import rules

WORD = re.compile(r"[^\W_]+(?:['’-][^\W_]+)*")
STOPWORDS: frozenset[str] = frozenset(rules("stories")["stopwords"])


def content_words(text: str) -> list[str]:
    """Lowercase words of `text` that can carry topic: no function words, no bare numbers, no single letters."""
    stop = STOPWORDS
    return [w for w in WORD.findall(text.lower()) if len(w) > 1 and w not in stop and not w.isdigit()]


def normalized_words(text: str) -> str:
    """Every lowercase word of `text`, single-spaced: what stays equal between copies that differ in punctuation."""
    return " ".join(WORD.findall(text.lower()))
