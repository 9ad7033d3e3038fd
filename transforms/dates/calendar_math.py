"""Calendar arithmetic, number words and ISO duration values."""

from __future__ import annotations

import datetime
import functools

from transforms.dates.lexicon import _NUMBERS, _TIME_UNITS, _UNITS
from transforms.dates.patterns import _WORD_SPLIT


def _prev_word(text: str) -> str:
    """The non-digit run of characters that ends `text` before trailing space ("" when it ends in a digit)."""
    text = text.rstrip()
    i = len(text)
    while i and not text[i - 1].isspace() and not text[i - 1].isdigit():
        i -= 1
    return text[i:]


def _iso_week(day: datetime.date) -> str:
    """TIMEX3 ISO week value of a day (`2018-W06`)."""
    iso = day.isocalendar()
    return f"{iso.year}-W{iso.week:02d}"


def _add_months(year: int, month: int, delta: int) -> tuple[int, int]:
    """(year, month) moved by `delta` months."""
    index = year * 12 + (month - 1) + delta
    return index // 12, index % 12 + 1


def _safe_date(year: int, month: int, day: int) -> datetime.date | None:
    """The date, or None when the day does not exist in that month."""
    try:
        return datetime.date(year, month, day)
    except ValueError:
        return None


@functools.lru_cache(maxsize=1024)  # number tokens repeat ("two", "three", "10"): a small domain
def _number(token: str) -> float | None:
    """Numeric value of a digit string or number word; None for vague words ("several") and for
    a fraction that is not one ("2 1/0")."""
    token = token.strip().lower()
    if not token:
        return None
    if token[0].isdigit():
        whole, _, frac = token.partition(" ")
        value = float(whole.replace(",", ""))
        if frac:
            top, _, bottom = frac.partition("/")
            if not int(bottom):
                return None
            value += int(top) / int(bottom)
        return value
    words = _WORD_SPLIT.split(token)
    joined = " ".join(words)
    if joined in _NUMBERS:
        return float(_NUMBERS[joined])
    if len(words) == 2 and words[0] in _NUMBERS and words[1] in _NUMBERS:
        return float(_NUMBERS[words[0]] + _NUMBERS[words[1]])
    return None


def _amount(value: float | None) -> str:
    """Number part of a duration value (`3`, `1.5`, or `X` when unknown)."""
    if value is None:
        return "X"
    return str(int(value)) if value == int(value) else f"{value:g}"


@functools.lru_cache(maxsize=1024)  # (amount, unit) pairs repeat: a small domain
def _duration(value: float | None, unit_word: str) -> str:
    """TIMEX3 duration (`P3D`, `PT2H`, `PXY`) for an amount of a unit word."""
    unit = unit_word.lower().rstrip("s")
    if unit == "centurie" or unit == "century":
        return f"P{_amount(None if value is None else value * 100)}Y" if value else "PXCE"
    code = _UNITS[unit]
    if code == "W2":
        return f"P{_amount(None if value is None else value * 2)}W"
    if code == "DE":
        return f"P{_amount(None if value is None else value * 10)}Y" if value else "PXDE"
    if value is not None and value != int(value) and unit == "minute":
        whole, rest = int(value), round((value - int(value)) * 60)
        return f"PT{whole}M{rest}S" if whole else f"PT{rest}S"
    if value is not None and value != int(value) and code in {"Y", "M", "W", "D", "H"} and unit != "second":
        # TIMEX3 writes fractions as whole smaller units: 2 1/2 years -> P2Y6M, 5 1/2 hours -> PT5H30M
        smaller = {"Y": ("M", 12), "M": ("D", 30), "W": ("D", 7), "D": ("H", 24), "H": ("M", 60)}
        code2, factor = smaller[code]
        whole, rest = int(value), round((value - int(value)) * factor)
        if code == "H":
            return f"PT{whole}H{rest}M" if whole else f"PT{rest}M"
        if code == "D":
            return f"P{whole}DT{rest}H" if whole else f"PT{rest}H"
        return f"P{whole}{code}{rest}{code2}" if whole else f"P{rest}{code2}"
    prefix = "PT" if unit in _TIME_UNITS else "P"
    return f"{prefix}{_amount(value)}{code}"
