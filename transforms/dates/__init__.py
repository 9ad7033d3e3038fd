"""Date and time expressions in one paragraph, normalized to TimeML TIMEX3 values.

The conventions (spans, tense cues, year rollover, publication-date inference) are written down in
`docs/dates.md`; the lexicons live in `data/rules/dates.yaml`.
"""

from __future__ import annotations

from transforms.dates.api import date_mentions, story_published_date
from transforms.dates.lexicon import validate_rules
from transforms.dates.patterns import _EARLIER_YEAR as _EARLIER_YEAR
from transforms.dates.patterns import _SENTENCE_END as _SENTENCE_END
from transforms.dates.resolution import _Paragraph as _Paragraph
from transforms.dates.values import DateMention

__all__ = [
    "DateMention",
    "date_mentions",
    "story_published_date",
    "validate_rules",
]
