"""Candidate scanning: trigger words found in one Aho-Corasick pass pick which rules to try where."""

from __future__ import annotations

import functools
import re
from collections.abc import Sequence
from typing import Any

import ahocorasick

from transforms.budget import UNLIMITED, Budget
from transforms.dates.handlers import (
    _abs_day,
    _ago,
    _bare_month,
    _bare_plural,
    _century,
    _clock,
    _decade,
    _deictic_day,
    _half,
    _holiday,
    _latest_quarter,
    _month_day,
    _month_rel_year,
    _month_year,
    _numeric_day,
    _quarter,
    _reference,
    _relative_period,
    _season,
    _set,
    _short_quarter,
    _span_duration,
    _spelled_year_groups,
    _that_year,
    _the_season,
    _the_year,
    _the_years,
    _week_of,
    _weekday,
    _weekend,
    _year,
    _year_ago,
    _year_end,
)
from transforms.dates.lexicon import _HOLIDAYS, _MONTHS, _REFERENCES, _SEASONS, _SETS, _UNITS, _WEEKDAYS
from transforms.dates.patterns import _pattern_words, _without_lookarounds
from transforms.dates.rules import _RULES, _SOURCES


# Every rule's match contains one of its trigger words (or a digit token of a given shape) and starts
# at most a few tokens before it. So instead of scanning the paragraph with ~35 patterns, each rule is
# only tried (`pattern.match`) at the word starts just before its own triggers. Trigger words are found
# in one Aho-Corasick pass; most paragraphs have two or three triggers, and most words trigger nothing.
def _words(phrases: Sequence[str]) -> list[str]:
    """Lower-case alphabetic tokens of some phrases."""
    return [w.lower() for phrase in phrases for w in re.findall(r"[A-Za-z]+", phrase)]


_UNIT_WORDS = [*_UNITS, *(u + "s" for u in _UNITS), "centuries"]
_PLURAL_UNITS = ["years", "months", "weeks", "days", "decades", "hours", "minutes", "centuries"]
_PERIOD_UNITS = ["week", "weekend", "month", "year", "quarter", "decade", "century", *_SEASONS]
_NUMBER_WORDS = ["thousand", "seventeen", "eighteen", "nineteen", "twenty"]
_REFERENCE_STOP = frozenset(["the", "at", "in", "right", "these", "near", "long", "short", "coming"])
# Digit-token shapes (see `_digit_shapes`): `year` 4 digits, `decade` 1990s / '90s, `numeric` followed
# by / or -, `clock` followed by a.m./pm, `q` right after a capital Q.
# handler -> (trigger words, digit shapes, how many tokens before a trigger the match may start)
_TRIGGER_SPECS: dict[object, tuple[list[str], tuple[str, ...], int]] = {
    _abs_day: (list(_MONTHS), (), 5),
    _numeric_day: ([], ("numeric",), 0),
    _month_day: (list(_MONTHS), (), 5),
    _month_year: (list(_MONTHS), (), 4),
    _month_rel_year: (list(_MONTHS), (), 4),
    _bare_month: (list(_MONTHS), (), 4),
    _weekday: (list(_WEEKDAYS), (), 4),
    _deictic_day: (
        ["today", "yesterday", "tomorrow", "tonight", "night", "morning", "afternoon", "evening"],
        (),
        4,
    ),
    _clock: (["noon", "midnight", "midday"], ("clock",), 3),
    _year: ([], ("year",), 3),
    _decade: ([], ("decade",), 3),
    _century: (["century"], (), 3),
    _year_ago: (["year", "ago", "earlier"], (), 3),
    _ago: (["ago"], (), 10),
    _relative_period: (_PERIOD_UNITS, (), 4),
    _span_duration: (_UNIT_WORDS, (), 7),
    _bare_plural: (_PLURAL_UNITS, (), 0),
    _quarter: (["quarter", "qtr"], (), 6),
    _short_quarter: ([], ("q",), 0),
    _latest_quarter: (["quarter", "period"], (), 4),
    _half: (["half"], (), 2),
    _season: (list(_SEASONS), (), 3),
    _spelled_year_groups: (_NUMBER_WORDS, (), 3),
    _weekend: (["weekend"], (), 1),
    _the_years: (["years", "decades", "months", "weeks"], (), 1),
    _week_of: (["week"], (), 1),
    _holiday: ([max(_words([name]), key=len) for name in _HOLIDAYS], (), 3),
    _the_year: (["year"], (), 2),
    _that_year: (["year"], (), 4),
    _the_season: (list(_SEASONS), (), 3),
    _year_end: (["year"], (), 4),
    _reference: ([w for w in _words(list(_REFERENCES)) if w not in _REFERENCE_STOP], (), 3),
    _set: ([*(_words([p])[0] for p in _SETS), "every", "each"], (), 0),
}


def _takes_digits(pattern: str) -> bool:
    """Whether a rule's match may hold a digit: its pattern (outside lookarounds) names one or `\\d`, or
    has a construct that matches any character."""
    return re.search(r"\d|\\[dwWDS]|\[\^|(?<!\\)\.", _without_lookarounds(pattern)) is not None


def _trigger_tables() -> dict[str, tuple[tuple[int, int, frozenset[str]], ...]]:
    """Trigger key (lower-case word, or `#shape` for digits) -> (rule index, tokens back, its words).

    The words are those the rule's pattern spells out, plus "0" when its match may hold a number.
    """
    table: dict[str, list[tuple[int, int, frozenset[str]]]] = {}
    for index, (pattern, handler) in enumerate(_RULES):
        words, shapes, back = _TRIGGER_SPECS[handler]
        source = _SOURCES[pattern]
        own = _pattern_words(source) | ({"0"} if _takes_digits(source) else set())
        for key in [*dict.fromkeys(words), *(f"#{shape}" for shape in shapes)]:
            table.setdefault(key, []).append((index, back, own))
    return {key: tuple(rules_) for key, rules_ in table.items()}


_TRIGGERED = _trigger_tables()
# Rules whose match never begins with their trigger word ("the year", "two weeks", "three days ago",
# "the third quarter"): they are only tried on the words before it.
_NEVER_FIRST = frozenset(
    [
        _relative_period, _span_duration, _the_year, _that_year, _the_season, _the_years, _week_of,
        _weekend, _latest_quarter, _half, _century, _ago, _quarter,
    ]
)  # fmt: skip
# trigger key -> (the most tokens back any of its rules may start, the rules that may start on it)
_TRIGGERS = {
    key: (
        max(b for _, b, _ in rules_),
        tuple(i for i, _, _ in rules_ if _RULES[i][1] not in _NEVER_FIRST or key.startswith("#")),
    )
    for key, rules_ in _TRIGGERED.items()
}


_Triggered = tuple[tuple[int, int, frozenset[str]], ...]


@functools.lru_cache(maxsize=16384)
def _rules_reaching(rules_: _Triggered, size: int, word: str) -> _Triggered:
    """Those of a trigger's `rules_` (each already able to cover the `size - 1` words before the trigger
    nearest to it) that may start `size` tokens before it, the farthest of those words being `word`.

    A match starting there covers every word between its start and the trigger, so each of them must
    be one the rule's pattern spells out (or a plural of one, "years"; or any number, when the rule
    may hold one). The walk back narrows the trigger's rules word by word (a step is kept: the words
    around triggers repeat, "on", "the", "last", ...).
    """
    number = word[0].isdigit()
    return tuple(
        rule for rule in rules_
        if rule[1] >= size and (word in rule[2] or word[:-1] in rule[2] or (number and "0" in rule[2]))
    )


# Rules whose every match holds a whole run of four digits (a year): in a paragraph without one (most
# paragraphs) they are not tried at all.
_NEED_YEAR = frozenset(i for i, (_, handler) in enumerate(_RULES) if handler in {_abs_day, _month_year, _season})


# Month, weekday and holiday names only match capitalized ("may", "march", "sun" are words), so a
# lower-case occurrence of a word that triggers nothing else is skipped, and a lower-case "year" or
# "day" is not tried as part of a holiday's name.
_CAPITALIZED_RULES = frozenset(
    [_abs_day, _month_day, _month_year, _month_rel_year, _bare_month, _weekday, _holiday]
)
_NEED_CAPITAL = frozenset(i for i, (_, handler) in enumerate(_RULES) if handler in _CAPITALIZED_RULES)


@functools.lru_cache(maxsize=4096)
def _usable(indices: tuple[int, ...], year: bool, capital: bool) -> tuple[int, ...]:
    """The rules among `indices` that can still match, given whether the paragraph holds a four-digit
    number and whether the trigger word is capitalized."""
    return tuple(i for i in indices if (year or i not in _NEED_YEAR) and (capital or i not in _NEED_CAPITAL))


def _automaton() -> Any:
    """Aho-Corasick automaton over the lower-case trigger words: (length, capitalized only, key, reach, rules)."""
    automaton = ahocorasick.Automaton()
    for key, (reach, indices) in _TRIGGERS.items():
        if key.startswith("#"):
            continue
        capital = all(_RULES[index][1] in _CAPITALIZED_RULES for index, _, _ in _TRIGGERED[key])
        some = any(_RULES[index][1] in _CAPITALIZED_RULES for index, _, _ in _TRIGGERED[key])
        lower = _usable(indices, True, False)
        without_year, lower_without_year = _usable(indices, False, True), _usable(lower, False, False)
        # the same object when nothing is dropped: the scan tells them apart with `is`
        variants = (
            indices if without_year == indices else without_year,
            lower,
            lower if lower_without_year == lower else lower_without_year,
        )
        automaton.add_word(key, (len(key), capital, some, key, reach, indices, variants))
    for digit in "0123456789":
        automaton.add_word(digit, None)  # None marks a digit: runs are rebuilt from them
    automaton.make_automaton()
    return automaton


_AUTOMATON = _automaton()
_CLOCK_TAIL = re.compile(r"(?:[:.]\d\d)?\s*(?:[ap]\.m|[AP]\.M|[ap]m\b|[AP]M\b)")
_CLOCK_NEXT = frozenset(":. \t\u00a0aApP")
_LETTERS = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ")


_REVERSED_TOKEN = re.compile(r"[^A-Za-z\d]{0,16}([a-z]+|\d+)")


def _digit_triggers(text: str, runs: list[tuple[int, int]]) -> list[tuple[int, str]]:
    """(start, trigger key) for the digit runs (start, end) whose shape can begin or anchor a date."""
    found: list[tuple[int, str]] = []
    for start, end in runs:
        size, after = end - start, text[end : end + 1]
        if size == 4:
            found.append((start, "#year"))
            if after == "s" or text[end : end + 2] == "'s":
                found.append((start, "#decade"))
        elif size == 2 and after == "s" and start and text[start - 1] == "'":
            found.append((start - 1, "#decade"))  # "the '90s" starts at the apostrophe
        if after == "/" or after == "-":
            found.append((start, "#numeric"))
        if (
            size <= 2
            and after in _CLOCK_NEXT
            # "3 people": one space and no a/p after it cannot start a clock tail, no need for the regex
            and (after != " " or ((n := text[end + 1 : end + 2]) != "" and (n in "aApP" or n.isspace())))
            and _CLOCK_TAIL.match(text, end)
        ):
            found.append((start, "#clock"))
        if size == 1 and start and text[start - 1] == "Q":
            found.append((start - 1, "#q"))
    return found


def _rule_starts(text: str, budget: Budget = UNLIMITED) -> list[tuple[int, tuple[int, ...]]]:
    """(offset, rule indices) where rules may match: word starts up to their reach before their triggers."""
    lower = text.lower()
    if len(lower) != len(text):  # a few non-ASCII letters lower-case to two characters
        lower = text.encode("ascii", "replace").decode("ascii").lower()
    last = len(text) - 1
    starts: list[tuple[int, tuple[int, ...]]] = []
    # (trigger start, key, reach, trigger capitalized) of triggers with words before them
    walks: list[tuple[int, str, int, bool]] = []
    runs: list[tuple[int, int]] = []  # digit runs (start, end), from the single-digit keywords
    run_start = run_end = -1  # the run being read
    # (position in `starts`, its rules without those needing a year) where the two differ
    year_rules: list[tuple[int, tuple[int, ...]]] = []
    for n, (end, value) in enumerate(_AUTOMATON.iter(lower)):
        if not n & _CHECK_EVERY:
            budget.check()
        if value is None:
            if end != run_end:
                if run_end >= 0:
                    runs.append((run_start, run_end))
                run_start = end
            run_end = end + 1
            continue
        size, capital, some_capital, key, reach, indices, variants = value
        start = end - size + 1
        if (start and lower[start - 1] in _LETTERS) or (end < last and lower[end + 1] in _LETTERS):
            continue  # part of a longer word ("may" in "mayor", "day" in "holiday")
        upper = True
        without_year = variants[0]
        if some_capital and text[start].islower():
            if capital:
                continue
            upper = False
            indices, without_year = variants[1], variants[2]
        if indices:
            if without_year is not indices:
                year_rules.append((len(starts), without_year))
            starts.append((start, indices))
        if reach:
            walks.append((start, key, reach, upper))
    if run_end >= 0:
        runs.append((run_start, run_end))
    has_year = False
    for start, end in runs:
        if end - start == 4:
            has_year = True
            break
    if not has_year:
        for position, without_year in year_rules:
            starts[position] = (starts[position][0], without_year)
    if runs:
        for start, key in _digit_triggers(text, runs):
            reach, indices = _TRIGGERS[key]
            starts.append((start, indices))
            if reach:
                walks.append((start, key, reach, True))
    reverse = ""  # the reversed text, made when a walk first needs it
    for n, (start, key, reach, upper) in enumerate(walks):
        if not n & _CHECK_EVERY:
            budget.check()
        # walk back over the words a match could start on
        pos = start  # where the last word read begins
        size = 0  # words read
        alive = _TRIGGERED[key]  # the trigger's rules that may cover every word read
        while size < reach:
            # Most words are separated by one space: find the word with `rfind`. Otherwise read the
            # next token off the reversed text with a regex (up to 16 non-alphanumeric characters, then
            # a run of letters or of digits).
            word = ""
            if pos > 1 and lower[pos - 1] == " ":
                left = lower.rfind(" ", 0, pos - 1) + 1
                word = lower[left : pos - 1]
                if not (word.isascii() and (word.isalpha() or word.isdigit())):
                    word = ""
            if not word:
                if not reverse:
                    reverse = lower[::-1]
                m = _REVERSED_TOKEN.match(reverse, last + 1 - pos)
                if m is None:
                    break
                word, left = m.group(1)[::-1], last + 1 - m.end()
            size += 1
            alive = _rules_reaching(alive, size, word)
            reaching = _usable(tuple(index for index, _, _ in alive), has_year, upper) if alive else ()
            if not reaching:
                break  # no rule can cover this word, so none starts further back either
            pos = left
            starts.append((pos, reaching))
    return starts


_CHECK_EVERY = 0xFF  # look at the budget once per 256 candidates (a clock read costs as much as a few)
