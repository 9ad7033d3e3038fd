"""Rule handlers: from a pattern match to a TIMEX value (or None to reject it)."""

from __future__ import annotations

import datetime
import re
from collections.abc import Callable
from typing import Any

from transforms.dates.calendar_math import _add_months, _duration, _iso_week, _number, _prev_word, _safe_date
from transforms.dates.lexicon import (
    _AGED_THINGS,
    _AMBIGUOUS_MONTHS,
    _FUNCTION_WORDS,
    _HOLIDAYS,
    _MONTHS,
    _NEXT_TOKEN,
    _ORDINALS,
    _PARTS,
    _REFERENCES,
    _SEASONS,
    _SETS,
    _TIME_UNITS,
    _WEEKDAYS,
)
from transforms.dates.patterns import (
    _COUNT_NOUNS,
    _LOWER_WORD_AFTER,
    _NAME_AFTER,
    _NEXT_WORD,
    _NON_DIGITS,
    _NOT_YEAR_BEFORE,
    _OH,
    _QUARTER_WORD,
    _SPACES,
    _YEAR_BEFORE,
    _named_quarter,
    _names_months_span,
    _word_search,
)
from transforms.dates.resolution import (
    _Context,
    _day_number,
    _month_number,
    _nearest_year,
    _resolve_month,
    _resolve_month_day,
    _resolve_weekday,
)
from transforms.dates.values import _Timex

_Handler = Callable[[re.Match[str], _Context], _Timex | None]


def _abs_day(m: re.Match[str], ctx: _Context) -> _Timex | None:
    """`February 14, 2018`, `14 February 2018`, `Wednesday, Feb. 14, 2018`."""
    when = _safe_date(int(m["y"]), _month_number(m["mon"]), _day_number(m["d"]))
    return _Timex("DATE", when.isoformat(), False) if when else None


def _numeric_day(m: re.Match[str], ctx: _Context) -> _Timex | None:
    """`2018-02-14`, `2/14/2018`, `14/2/2018` (day first only when the first number exceeds 12)."""
    if m["iy"]:
        when = _safe_date(int(m["iy"]), int(m["im"]), int(m["id"]))
    else:
        first, second, year = int(m["a"]), int(m["b"]), int(m["y"])
        if year < 100:
            year += 1900 if year >= 50 else 2000
        month, day = (second, first) if first > 12 else (first, second)
        when = _safe_date(year, month, day)
    return _Timex("DATE", when.isoformat(), False) if when else None


def _month_day(m: re.Match[str], ctx: _Context) -> _Timex | None:
    """`February 7`, `7 February`, `Feb. 7th`, `the 7th of February`."""
    month, day = _month_number(m["mon"]), _day_number(m["d"])
    rel = (m["rel"] or "").lower() if "rel" in m.re.groupindex else ""
    if rel in {"last", "next"} and ctx.anchor is not None:
        # "since last Oct. 23": the latest such day before the anchor (the first after it for next)
        days = [
            d for y in range(ctx.anchor.year - 1, ctx.anchor.year + 2) if (d := _safe_date(y, month, day))
        ]
        if rel == "last":
            when = max((d for d in days if d < ctx.anchor), default=None)
        else:
            when = min((d for d in days if d > ctx.anchor), default=None)
        return _Timex("DATE", when.isoformat(), True) if when else None
    resolved = _resolve_month_day(month, day, ctx)
    if resolved is None:
        return None
    return _Timex("DATE", resolved[0], ctx.anchor is not None)


def _month_year(m: re.Match[str], ctx: _Context) -> _Timex | None:
    """`February 2018`, `early March 2014`."""
    return _Timex("DATE", f"{int(m['y']):04d}-{_month_number(m['mon']):02d}", False)


def _month_rel_year(m: re.Match[str], ctx: _Context) -> _Timex | None:
    """`June last year`, `early October this year`, `April next year`."""
    month = _month_number(m["mon"])
    rel = m["rel"].lower().split()[-1]
    shift = {"last": -1, "previous": -1, "next": 1, "following": 1}.get(rel, 0)
    if ctx.anchor is None or rel == "same":
        return _Timex("DATE", f"XXXX-{month:02d}", True)
    return _Timex("DATE", f"{ctx.anchor.year + shift:04d}-{month:02d}", True)


def _bare_month(m: re.Match[str], ctx: _Context) -> _Timex | None:
    """`February`, `last December`, `early March`, `mid-June`."""
    name = m["mon"].lower().rstrip(".")
    rel = (m["rel"] or "").lower()
    if not rel and not m["mod"]:
        if name in _AMBIGUOUS_MONTHS:
            prev = _prev_word(ctx.before())
            if not prev or prev not in {
                "in",
                "since",
                "until",
                "till",
                "by",
                "of",
                "from",
                "through",
                "during",
                "to",
                "before",
                "after",
                "and",
                "or",
                "between",
                "last",
                "next",
                "this",
                "early",
                "late",
                "mid",
                "end",
            }:
                return None
        if ctx.after(3).startswith("'s") is False and _NAME_AFTER.match(ctx.text, ctx.end, ctx.end + 3):
            # "June Carter", "August Wilson": a capitalized word after a bare month is a name
            return None
    return _Timex("DATE", _resolve_month(_MONTHS[name], ctx, rel), ctx.anchor is not None)


def _weekday(m: re.Match[str], ctx: _Context) -> _Timex | None:
    """`Tuesday`, `last Friday`, `Sunday night`, `early Monday`."""
    rel_words = (m["rel"] or "").lower().split()
    rel = rel_words[-1] if rel_words else ""
    value, day = _resolve_weekday(_WEEKDAYS[m["wd"].lower().rstrip(".")], ctx, rel)
    if rel_words[:1] == ["the"] and rel in {"previous", "preceding"} and day is not None:
        # "down 4.5% from the previous Friday": the one before the Friday the news is about
        value = (day - datetime.timedelta(days=7)).isoformat()
    part = m["part"] or m["part2"]
    if part:
        return _Timex("TIME", f"{value}T{_PARTS[part.lower()]}", True)
    return _Timex("DATE", value, True)


_DEICTIC_OFFSETS = {
    "today": 0,
    "tonight": 0,
    "yesterday": -1,
    "tomorrow": 1,
    "last night": -1,
    "this morning": 0,
    "this afternoon": 0,
    "this evening": 0,
    "the day before yesterday": -2,
    "the day after tomorrow": 2,
}


def _deictic_day(m: re.Match[str], ctx: _Context) -> _Timex | None:
    """`today`, `yesterday`, `tomorrow`, `tonight`, `last night`, `this morning`, `yesterday afternoon`."""
    word = _SPACES.sub(" ", m["word"].lower())
    part = m["part"].lower() if m["part"] else None
    if word == "tonight" or word == "last night":
        part = "night"
    elif word.startswith("this "):
        part = word.split()[1]
    if ctx.anchor is None:
        value = "XXXX-XX-XX"
    else:
        value = (ctx.anchor + datetime.timedelta(days=_DEICTIC_OFFSETS[word])).isoformat()
    if part:
        return _Timex("TIME", f"{value}T{_PARTS[part]}", True)
    return _Timex("DATE", value, True)


def _clock(m: re.Match[str], ctx: _Context) -> _Timex | None:
    """`3 p.m.`, `10:30 a.m. EST Tuesday`, `noon`, `midnight`."""
    if m["noon"]:
        hour, minute = (12, 0) if m["noon"].lower() in {"noon", "midday"} else (24, 0)
    else:
        hour, minute = int(m["h"]), int(m["mi"] or 0)
        if hour > 12 or minute > 59 or hour == 0:
            return None
        meridiem = m["ap"].lower()[0]
        if meridiem == "p" and hour != 12:
            hour += 12
        elif meridiem == "a" and hour == 12:
            hour = 0
    day_word = (m["dword"] or "").lower()
    if m["mon"]:
        if m["y"]:
            when = _safe_date(int(m["y"]), _month_number(m["mon"]), _day_number(m["d"]))
            value = when.isoformat() if when else ""
        else:
            resolved = _resolve_month_day(_month_number(m["mon"]), _day_number(m["d"]), ctx)
            value = resolved[0] if resolved else ""
        if not value:
            return None
    elif m["wd"]:
        value, _ = _resolve_weekday(_WEEKDAYS[m["wd"].lower().rstrip(".")], ctx, "")
    elif ctx.anchor is None:
        value = "XXXX-XX-XX"
    else:
        shift = {"yesterday": -1, "tomorrow": 1}.get(day_word, 0)
        value = (ctx.anchor + datetime.timedelta(days=shift)).isoformat()
    return _Timex("TIME", f"{value}T{hour:02d}:{minute:02d}", True)


def _year_is_date(m: re.Match[str], ctx: _Context) -> bool:
    """Whether a bare 4-digit number reads as a year in its context."""
    year = int(m["y"])
    before = ctx.text[max(0, m.start() - 30) : m.start()]
    prev = _prev_word(before.lower())
    prev_word = prev.strip("\"'(“")
    if prev_word in _NOT_YEAR_BEFORE or before.rstrip().endswith(("©", "#", "$", "€", "£")):
        return False
    if before.rstrip().lower().endswith(("copyright", "(c)")):
        return False
    nxt = _NEXT_WORD.search(ctx.text[m.end() : m.end() + 30].lower())
    next_word = nxt.group(1).strip(".,;:!?\"')") if nxt else ""
    if next_word in _COUNT_NOUNS or ctx.text[m.end() : m.end() + 2].strip().startswith("%"):
        return False
    if m["pre"]:
        return True
    if 1900 <= year <= 2039:
        return True
    return prev_word in _YEAR_BEFORE


def _year(m: re.Match[str], ctx: _Context) -> _Timex | None:
    """`2014`, `fiscal 1989`, `early 2014`, `mid-1990` (bare numbers only in year-like contexts)."""
    if not _year_is_date(m, ctx):
        return None
    return _Timex("DATE", m["y"], False)


def _decade(m: re.Match[str], ctx: _Context) -> _Timex | None:
    """`the 1990s`, `the '90s`, `early 1980s`."""
    if m["dec"]:
        return _Timex("DATE", m["dec"], False)
    century = "19"
    return _Timex("DATE", f"{century}{m['d2']}", False)


def _century(m: re.Match[str], ctx: _Context) -> _Timex | None:
    """`the 20th century`, `this century`."""
    if m["n"]:
        return _Timex("DATE", f"{int(m['n']) - 1:02d}", False)
    if ctx.anchor is None:
        return _Timex("DATE", "XX", True)
    return _Timex("DATE", f"{ctx.anchor.year // 100:02d}", True)


_REL_SHIFT = {
    "last": -1,
    "past": -1,
    "previous": -1,
    "preceding": -1,
    "prior": -1,
    "this": 0,
    "current": 0,
    "present": 0,
    "the": 0,
    "next": 1,
    "coming": 1,
    "following": 1,
    "upcoming": 1,
}


def _season_value(code: str, year: int) -> str:
    """TIMEX3 season value (`2018-SU`)."""
    return f"{year:04d}-{code}"


def _relative_period(m: re.Match[str], ctx: _Context) -> _Timex | None:
    """`last week`, `this year`, `next month`, `earlier this month`, `last summer`, `this weekend`."""
    if (
        m["rel"][0].isupper()
        and m["unit"][0].isupper()
        and not ctx.paragraph.opens_sentence(ctx.start)
    ):
        return None  # "ABC's \"This Week\" program": capitalized mid-sentence it is a title
    rel = m["rel"].lower().split()[-1]
    shift = _REL_SHIFT[rel]
    unit = m["unit"].lower()
    anchor = ctx.anchor
    if unit in _SEASONS:
        code = _SEASONS[unit]
        if anchor is None:
            return _Timex("DATE", f"XXXX-{code}", True)
        start_month = {"SP": 3, "SU": 6, "FA": 9, "WI": 12}[code]
        year = anchor.year
        if shift < 0 and anchor.month < start_month + 3:
            year -= 1
        elif shift > 0 and anchor.month >= start_month:
            year += 1
        return _Timex("DATE", _season_value(code, year), True)
    if unit == "year" and shift and m["rel"].lower().startswith("the "):
        # "the following year", "the previous year": next to the year the paragraph last named
        named = ctx.paragraph.year_before(ctx.start)
        if named is not None:
            return _Timex("DATE", f"{int(named) + shift:04d}", False)
    if anchor is None:
        unknown = {
            "week": "XXXX-WXX",
            "weekend": "XXXX-WXX-WE",
            "month": "XXXX-XX",
            "year": "XXXX",
            "quarter": "XXXX-QX",
            "decade": "XXX",
            "century": "XX",
        }
        return _Timex("DATE", unknown[unit], True)
    if unit in {"week", "weekend"}:
        value = _iso_week(anchor + datetime.timedelta(weeks=shift))
        return _Timex("DATE", value + ("-WE" if unit == "weekend" else ""), True)
    if unit == "month":
        year, month = _add_months(anchor.year, anchor.month, shift)
        return _Timex("DATE", f"{year:04d}-{month:02d}", True)
    if unit == "quarter":
        year, month = _add_months(anchor.year, anchor.month, 3 * shift)
        return _Timex("DATE", f"{year:04d}-Q{(month - 1) // 3 + 1}", True)
    if unit == "decade":
        return _Timex("DATE", f"{anchor.year // 10 + shift:03d}", True)
    if unit == "century":
        return _Timex("DATE", f"{anchor.year // 100 + shift:02d}", True)
    return _Timex("DATE", f"{anchor.year + shift:04d}", True)


def _year_ago(m: re.Match[str], ctx: _Context) -> _Timex | None:
    """`a year ago`, `a year earlier`, `the year-earlier period`: the year before the anchor."""
    if ctx.anchor is None:
        return _Timex("DATE", "XXXX", True)
    period = "period" in m.group(0).lower()  # "the year-ago period" of an earnings report is a quarter
    if not period and not ctx.paragraph.says_quarter():
        return _Timex("DATE", f"{ctx.anchor.year - 1:04d}", True)  # no quarter anywhere: the cheap answer
    sentence = (ctx.sentence() + " " + m.group(0)).lower()
    if _word_search(_QUARTER_WORD, sentence):
        quarter, months, named = True, _names_months_span(sentence), _named_quarter(sentence)
    else:  # the paragraph may have named the quarter in an earlier sentence
        quarter, months, named = ctx.paragraph.quarter_facts()
    if (period or quarter) and not months:
        # business news compares a quarter with the same quarter a year before
        if named:
            number = _ORDINALS.get(named) or int(named[0])
        else:
            _, month = _add_months(ctx.anchor.year, ctx.anchor.month, -3)
            number = (month - 1) // 3 + 1
        return _Timex("DATE", f"{ctx.anchor.year - 1:04d}-Q{number}", True)
    return _Timex("DATE", f"{ctx.anchor.year - 1:04d}", True)


def _ago(m: re.Match[str], ctx: _Context) -> _Timex | None:
    """`three days ago`, `six weeks ago`, `two years ago`, `a decade ago`."""
    amount = _number(m["n"])
    unit = m["unit"].lower().rstrip("s")
    unit = "century" if unit == "centurie" else unit
    anchor = ctx.anchor
    if unit in _TIME_UNITS:
        # "three hours ago" is still the anchor's day at day precision
        value = anchor.isoformat() if anchor else "XXXX-XX-XX"
        return _Timex("DATE", value, True)
    if amount is None or anchor is None or amount != int(amount):
        vague = {"day": "XXXX-XX-XX", "week": "XXXX-WXX", "month": "XXXX-XX", "year": "XXXX"}
        if anchor is None or unit not in vague:
            return _Timex("DATE", "PAST_REF", True)
        return _Timex("DATE", "PAST_REF", True)
    n = int(amount)
    if unit == "day":
        return _Timex("DATE", (anchor - datetime.timedelta(days=n)).isoformat(), True)
    if unit == "week":
        return _Timex("DATE", _iso_week(anchor - datetime.timedelta(weeks=n)), True)
    if unit == "fortnight":
        return _Timex("DATE", _iso_week(anchor - datetime.timedelta(weeks=2 * n)), True)
    if unit == "month":
        year, month = _add_months(anchor.year, anchor.month, -n)
        return _Timex("DATE", f"{year:04d}-{month:02d}", True)
    if unit == "quarter":
        year, month = _add_months(anchor.year, anchor.month, -3 * n)
        return _Timex("DATE", f"{year:04d}-Q{(month - 1) // 3 + 1}", True)
    if unit == "decade":
        return _Timex("DATE", f"{anchor.year - 10 * n:04d}", True)
    if unit == "century":
        return _Timex("DATE", f"{(anchor.year - 100 * n) // 100:02d}", True)
    return _Timex("DATE", f"{anchor.year - n:04d}", True)


_BEFORE_A_DURATION = _FUNCTION_WORDS | {"than", "about", "nearly", "almost", "within"}


def _span_duration(m: re.Match[str], ctx: _Context) -> _Timex | None:
    """`three days`, `the past two months`, `seven-year-old`, `27-year`, `several weeks`."""
    n_text = m["n"].lower()
    unit = m["unit"].lower()
    base = unit.rstrip("s")
    if base in {"quarter", "second"} and n_text in {"a", "an"}:
        # "a quarter of the vote" and "a second attack" are not durations
        return None
    if base == "second" and not unit.endswith("s") and n_text not in {"one", "1"}:
        return None
    if base == "quarter" and ctx.after(4).lstrip().startswith("of") and _number(n_text) is not None:
        return None  # "three-quarters of its food" is a fraction
    if n_text in {"a", "an"} and not m["q"]:
        prev = _prev_word(ctx.before(20))
        if prev and prev not in _BEFORE_A_DURATION:
            return None  # "$1.76 a year", "four flights a week": a rate, not a duration
    if m["tail"] and "old" in m["tail"].lower() and _is_age(m, ctx):
        return None
    lead = _SPACES.sub(" ", ((m["q"] or "") + " " + n_text).lower()).strip()
    if lead.endswith("recent") or lead in {
        "the past few",
        "the last few",
        "the past several",
        "the last several",
    }:
        return _Timex("DATE", "PAST_REF", False)  # TimeML: "recent weeks" points at the past, not a length
    if lead.endswith("coming"):
        return _Timex("DATE", "FUTURE_REF", False)
    amount = _number(n_text)
    if amount is not None and m["half"]:
        amount += 0.5  # "a year and a half", "two hours and a half"
    if amount is not None and amount > 10000:
        return None
    return _Timex("DURATION", _duration(amount, unit), False)


def _is_age(m: re.Match[str], ctx: _Context) -> bool:
    """Whether "N-year-old" / "N years old" gives a person's age (not a date mention)."""
    if "-" not in m["tail"]:
        return True  # predicative "he is 52 years old" is always an age
    word = _NEXT_TOKEN.match(ctx.text, ctx.end)
    following = (word.group(1) or "") if word else ""
    # only an explicit thing noun ("a seven-year-old war") makes it a duration: people's ages are
    # far more common and follow with any noun or adjective ("a 44-year-old anti-abortion protester")
    return following.lower() not in _AGED_THINGS


def _is_adjective(ctx: _Context) -> bool:
    """Whether the match sits before a noun ("quarterly dividend", "daily newspaper")."""
    word = _NEXT_TOKEN.match(ctx.text, ctx.end)
    following = (word.group(1) or "") if word else ""
    if not following or ctx.text[ctx.end : ctx.end + 1] not in (" ", "\t"):
        return False
    # a capitalized word after it is a name ("the party daily Granma", "The Daily Example")
    return following[0].isupper() or following not in _FUNCTION_WORDS


def _bare_plural(m: re.Match[str], ctx: _Context) -> _Timex | None:
    """`for years`, `within days`, `decades-long`: an unknown number of units."""
    return _Timex("DURATION", _duration(None, m["unit"]), False)


def _quarter(m: re.Match[str], ctx: _Context) -> _Timex | None:
    """`the third quarter`, `third-quarter`, `the fourth quarter of 2017`, `Q3 2018`, `last quarter`."""
    number = _ORDINALS.get((m["ord"] or "").lower()) or int(_NON_DIGITS.sub("", m["ord"] or m["q"]))
    if not 1 <= number <= 4:
        return None
    year_text = m["y1"] or m["y2"] or m["y3"]
    if year_text:
        return _Timex("DATE", f"{year_text}-Q{number}", False)
    if ctx.anchor is None:
        return _Timex("DATE", f"XXXX-Q{number}", True)
    year = ctx.anchor.year
    rel = _SPACES.sub(" ", (m["rel"] or "").lower())
    if (
        rel in {"last", "previous", "year-ago", "year-earlier", "last year's"}
        or (ctx.anchor.month - 1) // 3 + 1 < number
        and ctx.is_past()
    ):
        year -= 1
    elif rel in {"next", "next year's"}:
        year += 1
    return _Timex("DATE", f"{year:04d}-Q{number}", True)


def _short_quarter(m: re.Match[str], ctx: _Context) -> _Timex | None:
    """`Q3`, `Q4 2017` (its own rule: it is triggered by the digit after the Q)."""
    return _quarter(m, ctx)


def _latest_quarter(m: re.Match[str], ctx: _Context) -> _Timex | None:
    """`the quarter`, `the latest quarter`: in business news, the last completed quarter."""
    if ctx.anchor is None:
        return _Timex("DATE", "XXXX-QX", True)
    year, month = _add_months(ctx.anchor.year, ctx.anchor.month, -3)
    return _Timex("DATE", f"{year:04d}-Q{(month - 1) // 3 + 1}", True)


def _half(m: re.Match[str], ctx: _Context) -> _Timex | None:
    """`the first half of 2018`, `the second half`."""
    number = 1 if m["ord"].lower() == "first" else 2
    if m["y"]:
        return _Timex("DATE", f"{m['y']}-H{number}", False)
    if ctx.anchor is None:
        return _Timex("DATE", f"XXXX-H{number}", True)
    return _Timex("DATE", f"{ctx.anchor.year}-H{number}", True)


def _season(m: re.Match[str], ctx: _Context) -> _Timex | None:
    """`the summer of 2014`, `spring 2018`, `the winter`."""
    code = _SEASONS[m["season"].lower()]
    if m["y"]:
        return _Timex("DATE", _season_value(code, int(m["y"])), False)
    if ctx.anchor is None:
        return _Timex("DATE", f"XXXX-{code}", True)
    return _Timex("DATE", _season_value(code, ctx.anchor.year), True)


def _reference(m: re.Match[str], ctx: _Context) -> _Timex | None:
    """`now`, `currently`, `recently`, `the future`: TIMEX3 reference tokens."""
    phrase = _SPACES.sub(" ", m["ref"].lower())
    if phrase in {"current", "recent", "future"} and not _LOWER_WORD_AFTER.match(
        ctx.text, ctx.end, ctx.end + 2
    ):
        return None  # adjectives count only before a noun ("current talks"), not "electric current"
    if phrase == "now" and _is_reduced_relative(ctx):
        return None
    return _Timex("DATE", _REFERENCES[phrase], False)


_AUXILIARIES = frozenset(
    [
        "is",
        "are",
        "was",
        "were",
        "be",
        "been",
        "am",
        "'s",
        "'re",
        "has",
        "have",
        "had",
        "will",
        "would",
        "can",
        "could",
        "may",
        "might",
    ]
)


def _is_reduced_relative(ctx: _Context) -> bool:
    """ "the wars now being waged": `now` inside a noun's modifier describes it, it dates no event."""
    following = _NEXT_TOKEN.match(ctx.text, ctx.end)
    if not following or (following.group(1) or "").lower() != "being":
        return False
    prev = _prev_word(ctx.before(30))
    return prev.isalpha() and prev not in _AUXILIARIES


_FREQUENCY_ADJECTIVES = frozenset(["daily", "weekly", "hourly", "nightly"])


def _set(m: re.Match[str], ctx: _Context) -> _Timex | None:
    """`daily`, `every week`, `each year`, `twice a month`, `every Monday`."""
    if m["setword"]:
        word = m["setword"]
        if word.lower() in _FREQUENCY_ADJECTIVES and word.islower():
            # TimeML marks "daily tally", "weekly address", "hourly earnings"; but "the party daily
            # Granma" is a newspaper, and "quarterly dividend" / "annual" stay adjectives (see docs)
            following = _NEXT_TOKEN.match(ctx.text, ctx.end)
            name = (following.group(1) or "") if following else ""
            if name[:1].isupper():
                return None
        elif " " not in word and _is_adjective(ctx):
            return None  # "quarterly dividend"; phrases ("every day", "per month") are never adjectives
        return _Timex("SET", _SETS[_SPACES.sub(" ", m["setword"].lower())], False)
    if m["wd"]:
        return _Timex("SET", f"XXXX-WXX-{_WEEKDAYS[m['wd'].lower().rstrip('.')]}", False)
    if m["mon"]:
        return _Timex("SET", f"XXXX-{_month_number(m['mon']):02d}", False)
    unit = m["unit"].lower()
    if unit in _SEASONS:
        return _Timex("SET", f"XXXX-{_SEASONS[unit]}", False)
    if unit in _PARTS:
        return _Timex("SET", f"XXXX-XX-XXT{_PARTS[unit]}", False)
    return _Timex("SET", _duration(1, unit), False)


def _spelled_year(m: re.Match[str], ctx: _Context) -> _Timex | None:
    """`nineteen ninety-six`, `the year two thousand`, `two thousand and one`."""
    if m["thousand"]:
        rest = _number(m["rest"]) if m["rest"] else 0
        return _Timex("DATE", f"{2000 + int(rest or 0):04d}", False)
    century = int(_number(m["cent"]) or 0)
    rest = _number(m["rest"])
    if rest is None or not 10 <= century <= 20:
        return None
    return _Timex("DATE", f"{century * 100 + int(rest):04d}", False)


def _spelled_year_groups(m: re.Match[str], ctx: _Context) -> _Timex | None:
    """Adapter: the spelled-year pattern names its tail `rest2` after a century word."""
    if m["thousand"]:
        return _spelled_year(m, ctx)
    rest_text = _OH.sub("", m["rest2"].lower())
    century = int(_number(m["cent"]) or 0)
    rest = _number(rest_text)
    if rest is None or not 10 <= century <= 20 or rest >= 100:
        return None
    return _Timex("DATE", f"{century * 100 + int(rest):04d}", False)


def _week_of(m: re.Match[str], ctx: _Context) -> _Timex | None:
    """`the week of March 6`: the ISO week holding that day."""
    month, day = _month_number(m["mon"]), _day_number(m["d"])
    if m["y"]:
        when = _safe_date(int(m["y"]), month, day)
    elif ctx.anchor is None:
        return _Timex("DATE", "XXXX-WXX", True)
    else:
        resolved = _resolve_month_day(month, day, ctx)
        when = datetime.date.fromisoformat(resolved[0]) if resolved else None
    return _Timex("DATE", _iso_week(when), m["y"] is None) if when else None


_STRETCH_PREPOSITIONS = frozenset(["over", "through", "throughout", "during", "across"])


def _the_years(m: re.Match[str], ctx: _Context) -> _Timex | None:
    """`over the years`, `in the years that followed`: a stretch of unknown length (`PXY`)."""
    prev = _prev_word(ctx.before(16))
    following = _NEXT_TOKEN.match(ctx.text, ctx.end)
    after = ((following.group(1) or "") if following else "").lower()
    if prev not in _STRETCH_PREPOSITIONS and not (
        prev == "in" and after in {"that", "since", "ahead", "following"}
    ):
        return None  # "the years of war", "the months' figures": a noun phrase, not a stretch of time
    return _Timex("DURATION", _duration(None, m.group(0).split()[-1]), False)


def _weekend(m: re.Match[str], ctx: _Context) -> _Timex | None:
    """`the weekend`, `over the weekend`: the nearest weekend, past unless the clause is future."""
    if ctx.anchor is None:
        return _Timex("DATE", "XXXX-WXX-WE", True)
    anchor = ctx.anchor
    if anchor.isoweekday() < 6 and not ctx.is_future():
        anchor -= datetime.timedelta(weeks=1)
    return _Timex("DATE", _iso_week(anchor) + "-WE", True)


def _easter(year: int) -> datetime.date:
    """Western (Gregorian) Easter Sunday of a year, by the anonymous Gregorian computus."""
    golden = year % 19
    century, years = divmod(year, 100)
    leap_c, rest_c = divmod(century, 4)
    moon_fix = (century + 8) // 25
    sun_fix = (century - moon_fix + 1) // 3
    epact = (19 * golden + century - leap_c - sun_fix + 15) % 30
    leap_y, rest_y = divmod(years, 4)
    weekday = (32 + 2 * rest_c + 2 * leap_y - epact - rest_y) % 7
    correction = (golden + 11 * epact + 22 * weekday) // 451
    month, day = divmod(epact + weekday - 7 * correction + 114, 31)
    return datetime.date(year, month, day + 1)


def _holiday_date(rule: list[Any], year: int) -> datetime.date | None:
    """The day a `holidays` rule gives in one year."""
    if rule[0] == "easter":
        return _easter(year) + datetime.timedelta(days=rule[1])
    if len(rule) == 2:
        return _safe_date(year, rule[0], rule[1])
    month, weekday, nth, from_day = rule
    if nth == -1:
        nyear, nmonth = _add_months(year, month, 1)
        last = datetime.date(nyear, nmonth, 1) - datetime.timedelta(days=1)
        return last - datetime.timedelta(days=(last.isoweekday() - weekday) % 7)
    first = datetime.date(year, month, from_day)
    day = first + datetime.timedelta(days=(weekday - first.isoweekday()) % 7 + 7 * (nth - 1))
    return day if day.month == month else None


def _holiday(m: re.Match[str], ctx: _Context) -> _Timex | None:
    """`Thanksgiving`, `last Christmas`, `Election Day`, `Easter 1999`: named days of the calendar."""
    rule = _HOLIDAYS[_SPACES.sub(" ", m["name"].lower().replace("’", "'"))]
    if m["y"]:
        when = _holiday_date(rule, int(m["y"]))
        return _Timex("DATE", when.isoformat(), False) if when else None
    anchor = ctx.anchor
    if anchor is None:
        if rule[0] != "easter" and len(rule) == 2:
            return _Timex("DATE", f"XXXX-{rule[0]:02d}-{rule[1]:02d}", False)
        return _Timex("DATE", "XXXX-XX-XX", False)
    candidates = {
        y: d for y in (anchor.year - 1, anchor.year, anchor.year + 1) if (d := _holiday_date(rule, y))
    }
    rel = _SPACES.sub(" ", (m["rel"] or "").lower())
    if rel == "last":
        year = max(y for y, d in candidates.items() if d < anchor)
    elif rel == "next":
        year = min(y for y, d in candidates.items() if d > anchor)
    elif rel == "this":
        year = anchor.year
    else:
        year = _nearest_year(candidates, ctx)
    return _Timex("DATE", candidates[year].isoformat(), True)


_YEAR_DURATION_AFTER = re.compile(r"\s+(?:that\s+|which\s+)?(?:ended|ending|ends|to\s+date)\b", re.IGNORECASE)


def _the_year(m: re.Match[str], ctx: _Context) -> _Timex | None:
    """`the year`, `the full year`, `the fiscal year`: the anchor's year; a duration before `ended`."""
    if _YEAR_DURATION_AFTER.match(ctx.text, ctx.end):
        return _Timex("DURATION", "P1Y", False)  # "the year ended Sept. 30" is a twelve-month period
    if ctx.anchor is None:
        return _Timex("DATE", "XXXX", True)
    return _Timex("DATE", f"{ctx.anchor.year:04d}", True)


def _that_year(m: re.Match[str], ctx: _Context) -> _Timex | None:
    """`that year`, `later that year`, `the same year`: the last year named before it in the paragraph."""
    year = ctx.paragraph.year_before(ctx.start)
    return _Timex("DATE", year, False) if year is not None else None


_SEASON_PREPOSITIONS = frozenset(
    [
        "in",
        "during",
        "over",
        "through",
        "throughout",
        "into",
        "since",
        "until",
        "till",
        "by",
        "before",
        "after",
    ]
)
_SEASON_START = {"SP": 3, "SU": 6, "FA": 9, "WI": 12}


def _the_season(m: re.Match[str], ctx: _Context) -> _Timex | None:
    """`over the summer`, `into the early summer`: the latest such season, the next one when future."""
    prev = _prev_word(ctx.before(20))
    if not prev or prev not in _SEASON_PREPOSITIONS:
        return None  # "the fall in prices", "blamed the spring floods"
    code = _SEASONS[m["season"].lower()]
    if ctx.anchor is None:
        return _Timex("DATE", f"XXXX-{code}", True)
    year, month = ctx.anchor.year, ctx.anchor.month
    start = _SEASON_START[code]
    if ctx.is_future():
        year += 1 if month >= start + 3 else 0  # the season is over this year: next year's
    elif code == "WI":
        year -= 0 if month == 12 else 1
    elif month < start:
        year -= 1
    return _Timex("DATE", _season_value(code, year), True)


def _year_end(m: re.Match[str], ctx: _Context) -> _Timex | None:
    """`year-end`, `by year's end`, `the end of the year`: the anchor's year (`since year-end`: the last)."""
    if _is_adjective(ctx):
        return None  # "year-end net", "year-end bonus" describe a figure, they date nothing
    if ctx.anchor is None:
        return _Timex("DATE", "XXXX", True)
    prev = _prev_word(ctx.before(12))
    shift = -1 if prev and prev == "since" else 0
    return _Timex("DATE", f"{ctx.anchor.year + shift:04d}", True)
