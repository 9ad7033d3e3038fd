"""The calendar span (first day, last day, granularity) of a TIMEX value."""

from __future__ import annotations

import datetime
import functools
import re

from transforms.dates.calendar_math import _add_months

_DAY_VALUE = re.compile(r"(\d{4})-(\d{2})-(\d{2})")
_WEEK_VALUE = re.compile(r"(\d{4})-W(\d{2})(-WE)?")
_MONTH_VALUE = re.compile(r"(\d{4})-(\d{2})")
_QUARTER_VALUE = re.compile(r"(\d{4})-Q([1-4])")
_HALF_VALUE = re.compile(r"(\d{4})-H([12])")
# values with unknown (X) parts still have a granularity
_UNKNOWN_SHAPES = tuple(
    (re.compile(shape), granularity)
    for shape, granularity in (
        (r"[\dX]{4}-[\dX]{2}-[\dX]{2}.*|[\dX]{4}-WXX-\d", "day"),
        (r"[\dX]{4}-W[\dX]{2}(-WE)?", "week"),
        (r"[\dX]{4}-[\dX]{2}", "month"),
        (r"[\dX]{4}-Q[\dX]", "quarter"),
        (r"[\dX]{4}", "year"),
        (r"[\dX]{3}", "decade"),
        (r"[\dX]{2}", "century"),
    )
)


@functools.lru_cache(maxsize=4096)
def _value_span(value: str) -> tuple[datetime.date | None, datetime.date | None, str | None]:
    """First day, last day and granularity of a DATE/TIME value (None where not a calendar span)."""
    try:
        return _calendar_span(value)
    except (ValueError, OverflowError):  # year 0 ("2,019 years ago" in 2019) or past 9999: no date holds it
        return None, None, None


def _calendar_span(value: str) -> tuple[datetime.date | None, datetime.date | None, str | None]:
    m = _DAY_VALUE.match(value)
    if m:
        day = datetime.date(int(m[1]), int(m[2]), int(m[3]))
        return day, day, "day"
    m = _WEEK_VALUE.fullmatch(value)
    if m:
        monday = datetime.date.fromisocalendar(int(m[1]), int(m[2]), 1)
        if m[3]:
            return monday + datetime.timedelta(days=5), monday + datetime.timedelta(days=6), "week"
        return monday, monday + datetime.timedelta(days=6), "week"
    m = _MONTH_VALUE.fullmatch(value)
    if m:
        year, month = int(m[1]), int(m[2])
        nyear, nmonth = _add_months(year, month, 1)
        return (
            datetime.date(year, month, 1),
            datetime.date(nyear, nmonth, 1) - datetime.timedelta(days=1),
            "month",
        )
    m = _QUARTER_VALUE.fullmatch(value)
    if m:
        year, quarter = int(m[1]), int(m[2])
        nyear, nmonth = _add_months(year, 3 * quarter - 2, 3)
        last = datetime.date(nyear, nmonth, 1) - datetime.timedelta(days=1)
        return datetime.date(year, 3 * quarter - 2, 1), last, "quarter"
    m = _HALF_VALUE.fullmatch(value)
    if m:
        year = int(m[1])
        if m[2] == "1":
            return datetime.date(year, 1, 1), datetime.date(year, 6, 30), None
        return datetime.date(year, 7, 1), datetime.date(year, 12, 31), None
    if value.isdigit() and 2 <= len(value) <= 4:
        if len(value) == 4:
            year = int(value)
            return datetime.date(year, 1, 1), datetime.date(year, 12, 31), "year"
        if len(value) == 3:
            year = int(value) * 10
            return datetime.date(max(year, 1), 1, 1), datetime.date(year + 9, 12, 31), "decade"
        year = int(value) * 100
        return datetime.date(max(year, 1), 1, 1), datetime.date(year + 99, 12, 31), "century"
    for shape, granularity in _UNKNOWN_SHAPES:
        if shape.fullmatch(value):
            return None, None, granularity
    return None, None, None
