"""The output record: one quantity as an interval (`QuantityMention`)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class QuantityMention:
    """One quantity in a paragraph, stored as an interval."""

    start: int
    end: int
    text: str
    low: float | None
    high: float | None
    low_inclusive: bool | None
    high_inclusive: bool | None
    approximate: bool
    vague: bool
    unit: str
    noun: str | None
    qualifier: str | None
