"""The output record (`LocationMention`) and the limits the scanning and resolution steps share."""

from __future__ import annotations

from dataclasses import dataclass

_MAX_NGRAM = 6
_CHECK_EVERY = 0x3F  # look at the budget once per 64 words or names
_RULES_NAME = "locations"


@dataclass(frozen=True, slots=True)
class LocationMention:
    start: int  # offsets into that paragraph's text; paragraph[start:end] == self.text
    end: int
    text: str
    geonameid: int | None  # None when recognized but not resolvable
    name: str | None
    feature: str | None
    country_code: str | None
    admin1_code: str | None
    latitude: float | None
    longitude: float | None
    confidence: float  # 0..1
    is_modifier: bool
