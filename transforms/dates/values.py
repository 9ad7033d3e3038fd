"""The output record (`DateMention`) and the normalized value a rule returns (`_Timex`)."""

from __future__ import annotations

import datetime
from typing import NamedTuple


class DateMention(NamedTuple):
    """One TIMEX3 expression found in a paragraph (an immutable record; `_replace` makes a moved copy).

    A named tuple rather than a frozen dataclass: paragraphs yield about one mention each, and a frozen
    dataclass's `__init__` (one `object.__setattr__` per field) cost as much as resolving the value.
    """

    start: int
    end: int
    text: str
    timex_type: str
    value: str
    start_date: datetime.date | None
    end_date: datetime.date | None
    granularity: str | None
    is_relative: bool
    anchor_date: datetime.date | None


class _Timex(NamedTuple):
    """A normalized value before it is placed at its offsets (a tuple: rules make many of them)."""

    timex_type: str
    value: str
    is_relative: bool
