"""Loading and validation of the date lexicons in `data/rules/dates.yaml`."""

from __future__ import annotations

import re
from typing import Any

from transforms._data import rules

_TIMEX_TOKENS = {"PRESENT_REF", "PAST_REF", "FUTURE_REF"}
_LIST_KEYS = (
    "ambiguous_months",
    "weekday_abbreviations",
    "vague_numbers",
    "time_units",
    "future_cues",
    "past_cues",
    "year_preceders",
    "not_year_preceders",
    "count_nouns",
    "age_nouns",
    "function_words",
    "aged_things",
)
_MAP_KEYS = (
    "months",
    "weekdays",
    "number_words",
    "ordinals",
    "units",
    "parts_of_day",
    "seasons",
    "references",
    "sets",
    "holidays",
)


def _holiday_rule_ok(rule: Any) -> bool:
    """Whether a `holidays` entry has one of the three shapes documented in dates.yaml."""
    if not isinstance(rule, list) or not rule:
        return False
    if rule[0] == "easter":
        return len(rule) == 2 and isinstance(rule[1], int) and -60 <= rule[1] <= 60
    if not all(isinstance(x, int) for x in rule) or not 1 <= rule[0] <= 12:
        return False
    if len(rule) == 2:
        return 1 <= rule[1] <= (29 if rule[0] == 2 else 30 if rule[0] in {4, 6, 9, 11} else 31)
    return len(rule) == 4 and 1 <= rule[1] <= 7 and rule[2] in {-1, 1, 2, 3, 4, 5} and 1 <= rule[3] <= 28


_UNIT_CODE = re.compile(r"[SMHDWYQ]|DE|CE|W2")
_SET_CODE = re.compile(r"PT?\d+[SMHDWYQ]")


def validate_rules(data: Any) -> list[str]:
    """Problems in a parsed `dates.yaml` (an empty list means it is valid).

    Args:
        data: the parsed YAML document.

    Returns:
        One readable message per problem found.
    """
    if not isinstance(data, dict):
        return ["top level must be a mapping"]
    problems: list[str] = []
    for key in _MAP_KEYS:
        if not isinstance(data.get(key), dict) or not data[key]:
            problems.append(f"{key}: must be a non-empty mapping")
    for key in _LIST_KEYS:
        items = data.get(key)
        if not isinstance(items, list) or not all(isinstance(i, str) and i for i in items):
            problems.append(f"{key}: must be a list of non-empty strings")
    # check the contents of whatever is well-formed, so one run reports every problem
    data = {
        **{k: data[k] if isinstance(data.get(k), dict) else {} for k in _MAP_KEYS},
        **{k: data[k] if isinstance(data.get(k), list) else [] for k in _LIST_KEYS},
    }
    for name, num in data["months"].items():
        if not (isinstance(num, int) and 1 <= num <= 12):
            problems.append(f"months.{name}: {num!r} is not 1..12")
    for name, num in data["weekdays"].items():
        if not (isinstance(num, int) and 1 <= num <= 7):
            problems.append(f"weekdays.{name}: {num!r} is not 1..7")
    for name, num in {**data["number_words"], **data["ordinals"]}.items():
        if not isinstance(num, int | float) or num <= 0:
            problems.append(f"number {name!r}: {num!r} is not a positive number")
    for name in data["ambiguous_months"]:
        if name not in data["months"]:
            problems.append(f"ambiguous_months: {name!r} is not a month")
    for name in data["weekday_abbreviations"]:
        if name not in data["weekdays"]:
            problems.append(f"weekday_abbreviations: {name!r} is not a weekday")
    for name in data["time_units"]:
        if name not in data["units"]:
            problems.append(f"time_units: {name!r} is not a unit")
    for name, code in data["units"].items():
        if not _UNIT_CODE.fullmatch(str(code)):
            problems.append(f"units.{name}: {code!r} is not a TIMEX3 unit")
    for name, code in data["parts_of_day"].items():
        if code not in {"MO", "AF", "EV", "NI", "DT"}:
            problems.append(f"parts_of_day.{name}: {code!r} is not a TIMEX3 part of day")
    for name, code in data["seasons"].items():
        if code not in {"SP", "SU", "FA", "WI"}:
            problems.append(f"seasons.{name}: {code!r} is not a TIMEX3 season")
    for name, code in data["references"].items():
        if code not in _TIMEX_TOKENS:
            problems.append(f"references.{name}: {code!r} is not a reference token")
    for name, code in data["sets"].items():
        if not _SET_CODE.fullmatch(str(code)):
            problems.append(f"sets.{name}: {code!r} is not a TIMEX3 period")
    for name, rule in data["holidays"].items():
        if not _holiday_rule_ok(rule):
            problems.append(
                f"holidays.{name}: {rule!r} is not [month, day], [month, weekday, n, from_day] or [easter, offset]"
            )
    for key in _MAP_KEYS:
        for name in data[key]:
            if not isinstance(name, str) or name != name.lower():
                problems.append(f"{key}: key {name!r} must be a lower-case string")
    return problems


_LEX: dict[str, Any] = rules("dates")
_PROBLEMS = validate_rules(_LEX)
if _PROBLEMS:
    raise ValueError("data/rules/dates.yaml is invalid: " + "; ".join(_PROBLEMS))

_MONTHS: dict[str, int] = _LEX["months"]
_WEEKDAYS: dict[str, int] = _LEX["weekdays"]
_NUMBERS: dict[str, float] = _LEX["number_words"]
_ORDINALS: dict[str, int] = _LEX["ordinals"]
_UNITS: dict[str, str] = _LEX["units"]
_TIME_UNITS = frozenset(_LEX["time_units"])
_PARTS: dict[str, str] = _LEX["parts_of_day"]
_SEASONS: dict[str, str] = _LEX["seasons"]
_REFERENCES: dict[str, str] = _LEX["references"]
_SETS: dict[str, str] = _LEX["sets"]
_AMBIGUOUS_MONTHS = frozenset(_LEX["ambiguous_months"])
_AGE_NOUNS = frozenset(_LEX["age_nouns"])
_FUNCTION_WORDS = frozenset(_LEX["function_words"])
_AGED_THINGS = frozenset(_LEX["aged_things"])
_HOLIDAYS: dict[str, list[Any]] = _LEX["holidays"]
_NEXT_TOKEN = re.compile(r"\s*([A-Za-z]+)?")
