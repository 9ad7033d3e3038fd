"""Date and time expressions in one paragraph, normalized to TimeML TIMEX3 values.

The conventions (spans, tense cues, year rollover, publication-date inference) are written down in
`docs/dates.md`; the lexicons live in `data/rules/dates.yaml`.
"""

from __future__ import annotations

import bisect
import datetime
import functools
import operator
import re
from collections import Counter
from collections.abc import Callable, Sequence
from typing import Any, NamedTuple

import ahocorasick

from transforms._data import rules
from transforms.budget import UNLIMITED, Budget

__all__ = [
    "DateMention",
    "date_mentions",
    "story_published_date",
    "validate_rules",
]


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


# ---------------------------------------------------------------------------------------------
# Lexicon validation and loading


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


# ---------------------------------------------------------------------------------------------
# Regular expressions, built once from the lexicons


def _alt(words: Sequence[str]) -> str:
    """A regex alternation of literal phrases, longest first, spaces matching any whitespace.

    Written as a trie ("Ma(?:rch|y)" rather than "March|May"): the regex engine then checks one
    character per branch instead of every phrase in turn, and a greedy `?` after each complete phrase
    still prefers the longest one, as longest-first alternation does. Inside a rule's `(?i:...)` group
    its letters are spelled case by case when the rule is compiled (`_fold_case`).
    """
    trie: dict[str, Any] = {}
    for word in set(words):
        node = trie
        for token in re.findall(r" |[^ ]", word):
            node = node.setdefault(token, {})
        node[""] = {}  # end of a phrase
    regex = _trie_regex(trie)
    _ALT_WORDS.setdefault(regex, set()).update(words)
    return regex


# trie regex -> the phrases it matches: a rule's words (`_pattern_words`) can no longer be read off
# its pattern text once the phrases are split into tries
_ALT_WORDS: dict[str, set[str]] = {}


def _without_lookarounds(pattern: str) -> str:
    """A regex's source with its lookahead and lookbehind groups cut out: the text they test is never part
    of a match, so their words are not words a match can cover."""
    out: list[str] = []
    depth = 0  # nesting depth inside the outermost lookaround being cut (0: not in one)
    i, in_class = 0, False
    while i < len(pattern):
        char = pattern[i]
        if char == "\\":
            if not depth:
                out.append(pattern[i : i + 2])
            i += 2
            continue
        if in_class:
            in_class = char != "]"
        elif char == "[":
            in_class = True
        elif char == "(":
            if depth:
                depth += 1
            elif pattern.startswith(("(?=", "(?!", "(?<=", "(?<!"), i):
                depth = 1
        elif char == ")" and depth:
            depth -= 1
            i += 1
            continue
        if not depth:
            out.append(char)
        i += 1
    return "".join(out)


def _pattern_words(pattern: str) -> frozenset[str]:
    """Lower-case words a rule pattern spells out, in plain text or inside its phrase tries (words that
    only lookarounds test are left out)."""
    pattern = _without_lookarounds(pattern)
    words: set[str] = set()
    for regex, phrases in sorted(_ALT_WORDS.items(), key=lambda item: -len(item[0])):
        if regex in pattern:
            words.update(w for phrase in phrases for w in re.findall(r"[a-z]+", phrase.lower()))
            pattern = pattern.replace(regex, " ")  # its fragments ("m", "inute") are not words
    return frozenset(words | set(re.findall(r"[a-z]+", pattern.lower())))


def _trie_regex(node: dict[str, Any]) -> str:
    """Regex for the phrases below one trie node (see `_alt`)."""
    branches = [
        (r"\s+" if token == " " else re.escape(token)) + _trie_regex(child)
        for token, child in sorted(node.items())
        if token
    ]
    if not branches:
        return ""
    body = branches[0] if len(branches) == 1 else "(?:" + "|".join(branches) + ")"
    if "" not in node:
        return body
    if len(branches) == 1 and len(branches[0]) == 1:
        return body + "?"
    return "(?:" + body + ")?"


def _capitalized(words: Sequence[str]) -> str:
    """Alternation of names in Title case or UPPER case (lower-case 'may', 'march' are words)."""
    forms: list[str] = []
    for word in words:
        forms.extend({word.title(), word.upper()})
    return _alt(forms)


_FULL_MONTHS = [m for m in _MONTHS if len(m) > 3 and m != "sept" or m == "may"]
_ABBR_MONTHS = [m for m in _MONTHS if m not in _FULL_MONTHS]
# A month name: full names end at a word boundary, abbreviations may carry a dot.
_MON = rf"(?:(?:{_capitalized(_FULL_MONTHS)})\b|(?:{_capitalized(_ABBR_MONTHS)})(?:\.|\b))"


def _holiday_alternation(names: Sequence[str]) -> str:
    """Holiday names with capitalized words ("New Year's Day"), any apostrophe, longest first."""
    forms = []
    for name in sorted(names, key=lambda n: (-len(n), n)):
        words = [w[:1].upper() + w[1:] for w in name.split()]
        forms.append(r"\s+".join(re.escape(w).replace("'", "['’]") for w in words))
    return "|".join(forms)


_HOLIDAY_NAMES = _holiday_alternation(list(_HOLIDAYS))
_FULL_WD = [w for w in _WEEKDAYS if w not in _LEX["weekday_abbreviations"]]
_WD = rf"(?:(?:{_capitalized(_FULL_WD)})\b|(?:{_capitalized(_LEX['weekday_abbreviations'])})\.)"
_TENS = "twenty|thirty|forty|fifty|sixty|seventy|eighty|ninety"
_ONES = "one|two|three|four|five|six|seven|eight|nine"
_NUMWORD = rf"(?:(?:{_TENS})[- ](?:{_ONES})|{_alt(list(_NUMBERS))})"
_DIGITS = r"\d{1,3}(?:,\d{3})*(?:\.\d+)?(?:\s+\d/\d)?"
_VAGUE = _alt(_LEX["vague_numbers"])
_NUM = rf"(?:{_DIGITS}|(?i:{_NUMWORD})|(?i:{_VAGUE}))"
_UNIT = rf"(?i:{_alt([*_UNITS, 'centuries'])})"
_ORD = rf"(?i:{_alt(list(_ORDINALS))})"
_DAYNUM = r"(?:[12]\d|3[01]|0?[1-9])(?:st|nd|rd|th)?"
_YEAR = r"(?:1[0-9]{3}|20[0-9]{2})"
_PART = rf"(?i:{_alt(list(_PARTS))})"
_SEASON = rf"(?i:{_alt(list(_SEASONS))})"
_B = r"(?<![\w'-])"  # start of a word that is not glued to a hyphen or apostrophe
_E = r"(?![\w])"
_HEDGE = "(?i:" + _alt(
    [
        "about", "nearly", "almost", "some", "more than", "less than", "fewer than", "at least", "at most",
        "up to", "over", "under", "roughly", "around", "approximately", "just", "only", "another",
        "an additional", "no more than", "well over", "barely",
    ]
) + ")"  # fmt: skip
_THE_SPAN = "(?i:" + _alt(
    [
        *(
            "the " + word
            for word in [
                "past", "last", "next", "first", "final", "previous", "following", "coming", "latest", "same",
                "entire", "whole", "full", "initial", "remaining", "preceding", "ensuing", "most recent",
            ]
        ),
        "past", "last", "next", "the", "these", "those", "its", "their", "his", "her", "a period of",
    ]
) + ")"  # fmt: skip

# How far back (in characters) a tense cue may sit and still govern a date: measured on TempEval-3,
# a whole-sentence window picks up reported speech ("said they would appeal Wednesday's ruling").
_TENSE_WINDOW = 40
# A date this many days on the wrong side of the anchor for its tense moves to the other year.
_TENSE_SLACK_DAYS = 14
# News mostly reports the past: without a future cue a date ahead of the anchor counts as farther away.
_FORWARD_WEIGHT = 1.5
_SPACES = re.compile(r"\s+")
_NON_DIGITS = re.compile(r"\D")
_NAME_AFTER = re.compile(r"\s+[A-Z][a-z]")
_LOWER_WORD_AFTER = re.compile(r"\s+[a-z]")
_OH = re.compile(r"^oh[\s-]")
_SENTENCE_END = re.compile(r"[.!?;][\"'”’)\]]*\s+|\n")
# Tense cues are matched on the lead's words (a regex alternation of ~40 phrases cost more than the
# rest of a match's resolution): phrases are word tuples, looked up at every word of the lead.
_SENTENCE_MARK = re.compile(r"[.!?;][\"'”’)\]]*")  # a sentence end without its white space
_NOT_OPENER = re.compile(r"[^\"'“‘( ]")  # what a sentence's opening quotes and brackets do not hold
_SENTENCE_WINDOW = 1000
_TENSE_WORD = re.compile(r"[a-z']+")
_FUTURE_CUES = frozenset(tuple(_TENSE_WORD.findall(cue.lower())) for cue in _LEX["future_cues"])
_PAST_CUES = frozenset(tuple(_TENSE_WORD.findall(cue.lower())) for cue in _LEX["past_cues"])
_FRAMING_WORDS = frozenset(["had"])


def _cue_index() -> dict[str, tuple[tuple[tuple[str, ...], bool, bool], ...]]:
    """First word of a cue -> (cue words, is a future cue, is a past cue) for every cue starting with it."""
    index: dict[str, list[tuple[tuple[str, ...], bool, bool]]] = {}
    for cue in _FUTURE_CUES | _PAST_CUES:
        index.setdefault(cue[0], []).append((cue, cue in _FUTURE_CUES, cue in _PAST_CUES))
    return {word: tuple(cues) for word, cues in index.items()}


_CUES_BY_FIRST_WORD = _cue_index()
_CUE_FIRST_WORDS = frozenset(_CUES_BY_FIRST_WORD)


def _tense_cues(lead: str) -> tuple[bool, bool, bool]:
    """(future cue not framed in the past, any future cue, past cue) among the words of a lead."""
    words = _TENSE_WORD.findall(lead.lower())
    if _CUE_FIRST_WORDS.isdisjoint(words):
        return False, False, False  # most leads hold no cue at all
    future = any_future = past = False
    for i, word in enumerate(words):
        for cue, is_future, is_past in _CUES_BY_FIRST_WORD.get(word, ()):
            if len(cue) > 1 and tuple(words[i : i + len(cue)]) != cue:
                continue
            if is_future:
                any_future = True
                # "had been scheduled to", "had planned to": a plan seen from a past moment (only the
                # pluperfect: "were planning to march on Monday" still looks forward)
                framed = (i and words[i - 1] in _FRAMING_WORDS) or words[max(0, i - 2) : i] == ["had", "been"]
                future = future or not framed
            past = past or is_past
    return future, any_future, past


_OPEN_END = re.compile(r"(?<![\w'])(?:to|until|till|through)\s+$")
_NOT_YEAR_BEFORE = frozenset(w.lower() for w in _LEX["not_year_preceders"])
_YEAR_BEFORE = frozenset(w.lower() for w in _LEX["year_preceders"])
_COUNT_NOUNS = frozenset(w.lower() for w in _LEX["count_nouns"])
_NEXT_WORD = re.compile(r"^\s*([^\s]+)")
_NUMBER_TOKEN = re.compile(r"[\d,.]+")
_WORD_SPLIT = re.compile(r"[\s-]+")


# ---------------------------------------------------------------------------------------------
# Calendar helpers


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


# ---------------------------------------------------------------------------------------------
# Context: anchor and tense of the clause around a mention


class _Paragraph:
    """Facts about one paragraph that matches consult, each found once, on first use.

    A paragraph may hold thousands of matches; a fact that costs a scan of the text (where the
    sentence of an offset begins, the last year named before it, whether a quarter is named) is
    read off an index built in one pass instead of scanning again for each match.
    """

    __slots__ = ("_first_kept", "_lower", "_quarter", "_quarter_facts", "_sentence_ends", "_years", "text")

    def __init__(self, text: str) -> None:
        self.text = text
        self._lower: str | None = None
        self._sentence_ends: tuple[list[int], list[int]] | None = None
        self._years: tuple[list[int], list[str]] | None = None
        self._first_kept: dict[int, int] = {}
        self._quarter: bool | None = None
        self._quarter_facts: tuple[bool, bool, str | None] | None = None

    def lower(self) -> str:
        """The paragraph, lower-cased."""
        if self._lower is None:
            self._lower = self.text.lower()
        return self._lower

    def says_quarter(self) -> bool:
        """Whether "quarter" occurs anywhere in the paragraph, in any case."""
        if self._quarter is None:
            self._quarter = "quarter" in self.lower()
        return self._quarter

    def sentence_start(self, pos: int) -> int:
        """Where the sentence holding offset `pos` begins: the end of the last sentence end before it.

        Equal to scanning `_SENTENCE_END` over `text[:pos]`: a sentence end found in the whole text
        that runs past `pos` ends at `pos` when its white space begins before `pos`, else it does not
        count there (and nothing else matches inside it).
        """
        if self._sentence_ends is None:
            found = [m.span() for m in _SENTENCE_END.finditer(self.text)]
            self._sentence_ends = [a for a, _ in found], [b for _, b in found]
        starts, ends = self._sentence_ends
        i = bisect.bisect_left(starts, pos) - 1  # the last sentence end starting before pos
        if i < 0:
            return 0
        if ends[i] <= pos:
            return ends[i]
        if _SENTENCE_MARK.match(self.text, starts[i]).end() < pos:  # type: ignore[union-attr]
            return pos
        return ends[i - 1] if i else 0

    def opens_sentence(self, pos: int) -> bool:
        """Whether only quotes, brackets and spaces stand between the sentence's start and `pos`."""
        left = self.sentence_start(pos)
        first = self._first_kept.get(left)
        if first is None:
            m = _NOT_OPENER.search(self.text, left)
            first = self._first_kept[left] = m.start() if m else len(self.text)
        return first >= pos

    def year_before(self, pos: int) -> str | None:
        """The last year `_EARLIER_YEAR` finds in `text[:pos]`, or None."""
        # A year ending within two characters of pos is judged on the cut text (its lookahead sees
        # the cut); any earlier one the same in the whole text, where the index finds it.
        near = _EARLIER_YEAR.findall(self.text, max(0, pos - 6), pos)
        if near:
            return str(near[-1])
        if self._years is None:
            found = list(_EARLIER_YEAR.finditer(self.text))
            self._years = [m.start() for m in found], [m.group(1) for m in found]
        starts, years = self._years
        i = bisect.bisect_left(starts, pos - 6) - 1
        return years[i] if i >= 0 else None

    def quarter_facts(self) -> tuple[bool, bool, str | None]:
        """Of the whole lower-cased paragraph: (names a quarter, speaks of a span of months, the first
        ordinal quarter it names)."""
        if self._quarter_facts is None:
            lower = self.lower()
            self._quarter_facts = (
                _word_search(_QUARTER_WORD, lower) is not None, _names_months_span(lower), _named_quarter(lower),
            )
        return self._quarter_facts


class _Context:
    """What a rule may consult: the paragraph, the anchor and the tense around a match."""

    __slots__ = ("anchor", "end", "lead", "paragraph", "start", "tense", "text")

    def __init__(self, paragraph: _Paragraph, anchor: datetime.date | None, start: int, end: int) -> None:
        self.paragraph = paragraph
        self.text = paragraph.text
        self.anchor = anchor
        self.start = start
        self.end = end
        self.lead: str | None = None
        self.tense: tuple[bool, bool, bool] | None = None

    def sentence(self) -> str:
        """The sentence holding the match, with the match itself left out (at most `_SENTENCE_WINDOW`
        characters on each side of it: news sentences are far shorter, a text without full stops is not)."""
        left = max(self.paragraph.sentence_start(self.start), self.start - _SENTENCE_WINDOW)
        m = _SENTENCE_END.search(self.text, self.end, self.end + _SENTENCE_WINDOW)
        right = m.start() if m else min(len(self.text), self.end + _SENTENCE_WINDOW)
        return self.text[left : self.start] + " " + self.text[self.end : right]

    def _lead(self) -> str:
        """The few words of the same sentence right before the match: the clause that governs it."""
        if self.lead is None:
            left = max(0, self.start - _TENSE_WINDOW)
            lead = self.text[left : self.start]
            if "." in lead or "\n" in lead or ";" in lead or "?" in lead or "!" in lead:
                for m in _SENTENCE_END.finditer(self.text, left, self.start):
                    left = m.end()
                lead = self.text[left : self.start]
            self.lead = lead
        return self.lead

    def is_future(self) -> bool:
        """True when the clause leading to the match speaks about the future ("will meet on").

        A cue in the pluperfect ("had been scheduled to", "had been due to") looked forward from a past
        moment: the plan's date is usually already behind the anchor, so it does not count.
        """
        return self._tense()[0]

    def is_past(self) -> bool:
        """True when the clause leading to the match has a past-tense cue and no future cue."""
        _, any_future, past = self._tense()
        return past and not any_future

    def _tense(self) -> tuple[bool, bool, bool]:
        """(unframed future cue, any future cue, past cue) in the lead, computed once per match."""
        if self.tense is None:
            self.tense = _tense_cues(self._lead())
        return self.tense

    def before(self, chars: int = 40) -> str:
        """Lower-cased text just before the match."""
        return self.text[max(0, self.start - chars) : self.start].lower()

    def after(self, chars: int = 40) -> str:
        """Lower-cased text just after the match."""
        return self.text[self.end : self.end + chars].lower()


def _resolve_weekday(weekday: int, ctx: _Context, rel: str) -> tuple[str, datetime.date | None]:
    """Value and date of a weekday name, following the news rule in EXTRACTION.md."""
    anchor = ctx.anchor
    if anchor is None:
        return f"XXXX-WXX-{weekday}", None
    today = anchor.isoweekday()
    if rel in {"last", "past", "previous"}:
        day = anchor - datetime.timedelta(days=((today - weekday) % 7) or 7)
    elif rel in {"next", "coming"}:
        day = anchor + datetime.timedelta(days=((weekday - today) % 7) or 7)
    elif rel == "this" or ctx.is_future():
        day = anchor + datetime.timedelta(days=(weekday - today) % 7)
    else:
        day = anchor - datetime.timedelta(days=(today - weekday) % 7)
    return day.isoformat(), day


def _nearest_year(candidates: dict[int, datetime.date], ctx: _Context) -> int:
    """Year whose candidate date lies nearest the anchor, biased by the clause's tense."""
    assert ctx.anchor is not None
    near = candidates.get(ctx.anchor.year)
    if near is not None and abs(near.toordinal() - ctx.anchor.toordinal()) <= _TENSE_SLACK_DAYS:
        # within the slack of the anchor no penalty applies and every other year is 350+ days away:
        # the anchor's own year wins whatever the tense, so the clause is not read
        return ctx.anchor.year
    future, past = ctx.is_future(), ctx.is_past()
    if past and _OPEN_END.search(ctx.before(12)):
        past = False  # "the offer was extended to Nov. 16": a past clause naming a later deadline
    anchor, anchor_year = ctx.anchor.toordinal(), ctx.anchor.year
    best_year, best_cost = 0, 0
    for year, when in candidates.items():
        gap = when.toordinal() - anchor
        penalty = 366 if (future and gap < -_TENSE_SLACK_DAYS) or (past and gap > _TENSE_SLACK_DAYS) else 0
        if gap > 0 and not future:
            gap = int(gap * _FORWARD_WEIGHT)
        cost = 2 * (abs(gap) + penalty) + (year != anchor_year)  # distance first, then the anchor's own year
        if not best_year or cost < best_cost:
            best_year, best_cost = year, cost
    return best_year


def _resolve_month_day(month: int, day: int, ctx: _Context) -> tuple[str, bool] | None:
    """Value of a month-day without a year: the occurrence nearest the anchor, biased by tense."""
    if ctx.anchor is None:
        return (f"XXXX-{month:02d}-{day:02d}", True) if _safe_date(2000, month, day) else None
    candidates = {}
    for year in (ctx.anchor.year - 1, ctx.anchor.year, ctx.anchor.year + 1):
        when = _safe_date(year, month, day)
        if when is not None:
            candidates[year] = when
    if not candidates:
        return None
    year = _nearest_year(candidates, ctx)
    return f"{year:04d}-{month:02d}-{day:02d}", True


def _resolve_month(month: int, ctx: _Context, rel: str) -> str:
    """Value of a month name without a year."""
    anchor = ctx.anchor
    if anchor is None:
        return f"XXXX-{month:02d}"
    year = anchor.year
    if rel in {"last", "past", "previous"}:
        year = year if month < anchor.month else year - 1
    elif rel in {"next", "coming"}:
        year = year if month > anchor.month else year + 1
    elif rel != "this" and month != anchor.month:
        # compare mid-months so that the anchor's own month never moves
        candidates = {y: datetime.date(y, month, 15) for y in (year - 1, year, year + 1)
                      if datetime.MINYEAR <= y <= datetime.MAXYEAR}  # an anchor in year 1 or 9999
        year = _nearest_year(candidates, ctx)
    return f"{year:04d}-{month:02d}"


def _month_number(name: str) -> int:
    """Month number of a month name or abbreviation."""
    return _MONTHS[name.lower().rstrip(".")]


def _day_number(token: str) -> int:
    """Day of month from `7`, `07`, `7th` or an ordinal word."""
    token = token.lower()
    if token in _ORDINALS:
        return _ORDINALS[token]
    return int(token.rstrip("stndrh"))  # "7th", "22nd": digits and a lower-case suffix (see _DAYNUM)


# ---------------------------------------------------------------------------------------------
# Rules: each is a compiled pattern and a function from the match to a value (or None = reject)

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


# Searched in lower-cased text, starting with a literal (a leading \b makes the regex engine try every
# position, 30x slower); `_word_search` checks the word boundary before the match instead.
_QUARTER_WORD = re.compile(r"quarter(?:ly)?\b")
_QUARTER_ONLY = re.compile(r"quarter\b")
_ORDINAL_BEFORE = re.compile(
    r"(?<![a-z0-9_])(first|second|third|fourth|1st|2nd|3rd|4th)[\s-]+(?:fiscal[\s-]+)?$"
)
_MONTHS_WORD = re.compile(r"months\b")
_COUNT_BEFORE = re.compile(r"(?<![a-z0-9_])(?:six|nine|twelve|\d+)\s+$")
_YEAR_TO_DATE = re.compile(r"year-to-date\b")


def _named_quarter(text: str) -> str | None:
    """The ordinal of the first "third quarter" / "fiscal-first quarter" in lower-cased text."""
    for m in _QUARTER_ONLY.finditer(text):
        ordinal = _ORDINAL_BEFORE.search(text, max(0, m.start() - 24), m.start())
        if ordinal:
            return ordinal.group(1)
    return None


def _names_months_span(text: str) -> bool:
    """Whether lower-cased text speaks of a span of months ("nine months", "year-to-date")."""
    if _word_search(_YEAR_TO_DATE, text):
        return True
    return any(
        _COUNT_BEFORE.search(text, max(0, m.start() - 16), m.start()) for m in _MONTHS_WORD.finditer(text)
    )


def _word_search(pattern: re.Pattern[str], text: str) -> re.Match[str] | None:
    """First match of `pattern` in `text` that starts a word (not glued to a letter, digit or _ before it)."""
    for m in pattern.finditer(text):
        start = m.start()
        if not start or not (text[start - 1].isalnum() or text[start - 1] == "_"):
            return m
    return None


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


_EARLIER_YEAR = re.compile(r"(?<![\w$#€£.,/:-])(1[6-9]\d\d|20\d\d)(?![\w%]|[.,/:]\d|-\d)")


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


_GROUP_HEADER = re.compile(r"\((?:\?(?:P<\w+>|[:=!]|<[=!]))?")


def _fold_case(pattern: str) -> str:
    """The same regex with its `(?i:...)` groups spelled case by case (`(?i:of)` -> `(?:[oO][fF])`).

    The regex engine skips an alternation branch on its first character only when that is a plain
    literal or a class; a case-insensitive literal is always entered. Rules try many branches at each
    start, so spelling out the cases makes a failing try several times cheaper.
    """
    out: list[str] = []
    stack: list[bool] = []  # for each open group: whether folding was on outside it
    folding = in_class = False
    i = 0
    while i < len(pattern):
        char = pattern[i]
        if char == "\\":
            out.append(pattern[i : i + 2])
            i += 2
            continue
        if in_class:
            if char == "]":
                in_class = False
            elif folding and char.isascii() and char.isalpha():
                if "-" in (pattern[i - 1], pattern[i + 1]):
                    raise ValueError(f"letter range in a case-insensitive class: {pattern!r}")
                char += char.swapcase()
            out.append(char)
        elif pattern.startswith("(?i:", i):
            stack.append(folding)
            folding = True
            out.append("(?:")
            i += 4
            continue
        elif char == "(":
            header = _GROUP_HEADER.match(pattern, i)
            assert header is not None
            stack.append(folding)
            out.append(header.group(0))
            i = header.end()
            continue
        elif char == ")":
            folding = stack.pop()
            out.append(char)
        elif char == "[":
            in_class = True
            out.append(char)
            if pattern.startswith("[^", i) or pattern.startswith("[]", i):
                out.append(pattern[i + 1])
                i += 1
        elif folding and char.isascii() and char.isalpha():
            out.append(f"[{char.lower()}{char.upper()}]")
        else:
            out.append(char)
        i += 1
    return "".join(out)


# compiled rule pattern -> the source it was written as (its words are read off that)
_SOURCES: dict[re.Pattern[str], str] = {}


def _rule(pattern: str, handler: _Handler, flags: int = 0) -> tuple[re.Pattern[str], _Handler]:
    """One rule: a pattern compiled at import (case-insensitive groups folded) and its normalizer."""
    compiled = re.compile(_fold_case(pattern), flags)
    _SOURCES[compiled] = pattern
    return compiled, handler


_REL_WORDS = r"(?i:last|this|next|past|previous|preceding|prior|coming|following|upcoming|current|present)"
_RULES: list[tuple[re.Pattern[str], _Handler]] = [
    _rule(
        rf"{_B}(?:{_WD},?\s+)?(?P<mon>{_MON})\s*(?P<d>{_DAYNUM}),?\s+(?P<y>{_YEAR})(?![\d-])",
        _abs_day,
    ),
    _rule(
        rf"{_B}(?:{_WD},?\s+)?(?P<d>{_DAYNUM})\s+(?i:of\s+)?(?P<mon>{_MON}),?\s+(?P<y>{_YEAR})(?![\d-])",
        _abs_day,
    ),
    _rule(
        r"(?<![\w/.-])(?:(?P<iy>(?:1[5-9]|20)\d{2})-(?P<im>0[1-9]|1[0-2])-(?P<id>[0-2]\d|3[01])"
        r"|(?P<a>\d{1,2})/(?P<b>\d{1,2})/(?P<y>\d{4}|\d{2}))(?![\w/-]|[.,]\d)",
        _numeric_day,
    ),
    _rule(
        rf"{_B}(?:(?P<rel>(?i:last|next|this))\s+)?(?:{_WD},?\s+)?(?P<mon>{_MON})\s*(?P<d>{_DAYNUM}|(?i:{_ORD})){_E}(?![:.,]\d)",
        _month_day,
    ),
    _rule(
        rf"{_B}(?:{_WD},?\s+)?(?:(?i:the)\s+)?(?P<d>{_DAYNUM}|(?i:{_ORD}))\s+(?i:of\s+)?(?P<mon>{_MON})",
        _month_day,
    ),
    _rule(
        rf"{_B}(?:(?i:(?:the\s+)?(?:early|late|mid|end\s+of|beginning\s+of|middle\s+of|start\s+of))[\s-]+)?"
        rf"(?P<mon>{_MON}),?\s+(?i:of\s+)?(?P<y>{_YEAR})(?![\d-])",
        _month_year,
    ),
    _rule(
        rf"{_B}(?:(?i:(?:the\s+)?(?:early|late|mid|end\s+of|beginning\s+of|middle\s+of|start\s+of))[\s-]+)?"
        rf"(?P<mon>{_MON})\s+(?:(?i:of\s+))?(?P<rel>(?i:this|last|next|the\s+same|the\s+previous|the\s+following))\s+(?i:year){_E}",
        _month_rel_year,
    ),
    _rule(
        rf"{_B}(?:(?P<mod>(?i:(?:the\s+)?(?:early|late|mid|end\s+of|beginning\s+of|middle\s+of|start\s+of)))[\s-]+)?"
        rf"(?:(?P<rel>(?i:last|next|this|past))\s+)?(?P<mon>{_MON})(?!\w)",
        _bare_month,
    ),
    _rule(
        rf"{_B}(?:(?P<rel>(?i:(?:early|late|earlier|later)\s+(?:last|next|this)|last|next|this|"
        rf"coming|previous|past|early|late|earlier|later|(?:the\s+)?day\s+before|the\s+previous|the\s+preceding|"
        rf"the\s+following))\s+)?(?:(?P<part2>{_PART})\s+)?(?P<wd>{_WD})(?:'s)?"
        rf"(?:\s+(?P<part>{_PART})(?![\w-]))?",
        _weekday,
    ),
    _rule(
        rf"{_B}(?:(?i:early|late|later|earlier)\s+)?(?P<word>(?i:the\s+day\s+before\s+yesterday|"
        rf"the\s+day\s+after\s+tomorrow|today|yesterday|tomorrow|tonight|last\s+night|"
        rf"this\s+morning|this\s+afternoon|this\s+evening))(?:\s+(?P<part>{_PART}))?{_E}",
        _deictic_day,
    ),
    _rule(
        rf"{_B}(?:(?i:around|about|approximately|at\s+about|shortly\s+(?:before|after))\s+)?"
        rf"(?:(?<!\d[:.])(?P<h>\d{{1,2}})(?:[:.](?P<mi>\d{{2}}))?\s*(?P<ap>[ap]\.m\.?|[AP]\.M\.?|[ap]m\b|[AP]M\b)"
        rf"|(?P<noon>(?i:noon|midnight|midday))\b)"
        rf"(?:\s+(?:[ECMP][SD]T|GMT|UTC|local\s+time)\b)?"
        rf"(?:,?\s+(?:(?i:on)\s+)?(?:(?P<wd>{_WD})|(?P<dword>(?i:today|yesterday|tomorrow))\b|"
        rf"(?P<mon>{_MON})\s*(?P<d>{_DAYNUM})(?:,?\s+(?P<y>{_YEAR}))?(?![\d:])))?",
        _clock,
    ),
    _rule(
        rf"(?<![\w$€£#.,/:-])(?:(?P<pre>(?i:fiscal|(?:the\s+)?(?:early|late|mid|end\s+of|beginning\s+of|"
        rf"middle\s+of|start\s+of))[\s-]+))?(?P<y>{_YEAR})(?![\w%]|[.,:/]\d|-\d)",
        _year,
    ),
    _rule(
        rf"{_B}(?:(?i:the)\s+)?(?:(?i:early|late|mid)[\s-]+)?(?:(?P<dec>1\d{{2}}|20\d)0'?s|'(?P<d2>\d)0s){_E}",
        _decade,
    ),
    _rule(
        rf"{_B}(?i:the\s+)?(?:(?P<n>\d{{1,2}})(?:st|nd|rd|th)\s+(?i:century)|(?i:this|the\s+current)\s+(?i:century)){_E}",
        _century,
    ),
    _rule(
        rf"{_B}(?i:(?:the\s+)?(?:year-earlier|year-ago|year\s+earlier|prior-year|previous-year)"
        rf"(?:\s+(?:period|quarter|level|levels|results|figure|figures))?|(?:about\s+|nearly\s+|almost\s+)?"
        rf"(?:a|one)\s+year\s+(?:ago|earlier|before)|last\s+year's){_E}",
        _year_ago,
    ),
    _rule(
        rf"{_B}(?:{_HEDGE}\s+)?(?P<n>{_NUM}|(?i:a\s+few|several|many|some))\s+(?:(?i:more)\s+)?"
        rf"(?P<unit>{_UNIT})s?\s+(?i:or\s+so\s+)?(?i:ago){_E}",
        _ago,
    ),
    _rule(
        rf"{_B}(?P<rel>(?i:(?:(?:earlier|later|early|late)\s+)?(?:last|this|next)|(?:the\s+)?past|"
        rf"the\s+previous|the\s+preceding|the\s+coming|the\s+following|the\s+current|the\s+present|"
        rf"(?:earlier|later)\s+this|(?:earlier|later)\s+in\s+the|the\s+upcoming|the\s+prior))\s+"
        rf"(?P<unit>(?i:week|weekend|month|year|quarter|decade|century|{_alt(list(_SEASONS))})){_E}(?!-)",
        _relative_period,
    ),
    _rule(
        rf"{_B}(?:(?P<q>{_HEDGE}|{_THE_SPAN})\s+)?(?P<n>{_NUM})(?:\s+(?i:more|additional|straight|"
        rf"consecutive|full|long|trading|business|working|calendar))?(?:\s+|-)(?P<unit>{_UNIT})s?"
        rf"(?P<half>\s+(?i:and\s+a\s+half))?(?P<tail>-old|-long|\s+old|\s+or\s+so)?{_E}",
        _span_duration,
    ),
    _rule(
        rf"(?:(?<=\b(?i:for)\s)|(?<=\b(?i:in)\s)|(?<=\b(?i:within)\s)|(?<=\b(?i:over)\s)|(?<=\b(?i:took)\s)|"
        rf"(?<=\b(?i:after)\s)|{_B}(?=\w+s-long))(?P<unit>(?i:years|months|weeks|days|decades|hours|minutes|"
        rf"centuries))(?:-long)?{_E}",
        _bare_plural,
    ),
    _rule(
        rf"{_B}(?:(?i:the|its|their|a)\s+)?(?:(?P<y1>{_YEAR})\s+|(?i:fiscal)\s+|(?P<rel>(?i:this|last|next|"
        rf"current|latest|previous|same|year-ago|year-earlier|(?:this|last|next)\s+year's))\s+)?(?:(?i:fiscal)[\s-]+)?(?P<ord>(?i:first|second|"
        rf"third|fourth|1st|2nd|3rd|4th))[\s-]+(?i:fiscal[\s-]+)?(?i:quarter|qtr\.?)(?:\s+(?i:of\s+)?(?:(?i:fiscal)\s+)?"
        rf"(?P<y2>{_YEAR})|,?\s+(?P<y3>{_YEAR}))?(?!\w)(?![\s-]+(?i:of\s+(?:the|a|an|this|its|their)))",
        _quarter,
    ),
    _rule(
        rf"{_B}(?P<q>Q[1-4])(?:\s+(?P<y3>{_YEAR}))?(?P<ord>)(?P<y1>)(?P<y2>)(?P<rel>){_E}",
        _short_quarter,
    ),
    _rule(
        rf"{_B}(?i:the\s+(?:latest|most\s+recent|just-ended|just\s+ended|recent)?\s*quarter|"
        rf"the\s+(?:latest|most\s+recent|just-ended)\s+period){_E}(?!-)(?![\s-]+(?i:of\s+(?:a|the|an)\b|century|mile|point))",
        _latest_quarter,
    ),
    _rule(
        rf"{_B}(?i:the\s+)?(?P<ord>(?i:first|second))\s+(?i:half)(?:\s+(?i:of)\s+(?P<y>{_YEAR}))?{_E}"
        rf"(?![\s-]+(?i:of\s+(?:the|a|an|this|its|their)|century))",
        _half,
    ),
    _rule(
        rf"{_B}(?:(?i:the)\s+)?(?:(?i:early|late|mid)[\s-]+)?(?P<season>{_SEASON})(?:\s+(?i:of\s+)?(?P<y>{_YEAR}))(?![\d-])",
        _season,
    ),
    _rule(
        rf"{_B}(?i:(?:the\s+)?year\s+)?(?:(?P<thousand>(?i:two\s+thousand))(?:\s+(?i:and\s+)?(?P<rest>(?i:{_NUMWORD})))?"
        rf"|(?P<cent>(?i:nineteen|eighteen|seventeen|twenty))[\s-]+(?:(?i:hundred\s+and)\s+)?"
        rf"(?P<rest2>(?i:(?:{_TENS})(?:[\s-](?:{_ONES}))?|ten|eleven|twelve|thirteen|fourteen|fifteen|sixteen|"
        rf"seventeen|eighteen|nineteen|oh[\s-](?:{_ONES})))){_E}",
        _spelled_year_groups,
    ),
    _rule(rf"{_B}(?i:the\s+(?:years|decades|months|weeks))(?![\w'-])", _the_years),
    _rule(
        rf"{_B}(?i:the\s+week\s+of)\s+(?P<mon>{_MON})\s*(?P<d>{_DAYNUM})(?:,?\s+(?P<y>{_YEAR}))?{_E}(?![:.,]\d)",
        _week_of,
    ),
    _rule(rf"{_B}(?i:the\s+weekend){_E}", _weekend),
    _rule(
        rf"{_B}(?:(?P<rel>(?i:last|next|this))\s+)?(?P<name>{_HOLIDAY_NAMES})"
        rf"(?:,?\s+(?i:of\s+)?(?P<y>{_YEAR})(?![\w%]|[.,]\d))?{_E}",
        _holiday,
    ),
    _rule(
        rf"{_B}(?i:the\s+(?:(?:full|fiscal|entire|whole|calendar)\s+)?year){_E}(?!-|'s?\s+end)"
        rf"(?!\s+(?i:ago|earlier|before|after|later|two\s+thousand|nineteen)\b|\s+\d)",
        _the_year,
    ),
    _rule(
        rf"{_B}(?:(?i:earlier|later)\s+(?:(?i:in|that)\s+)?)?(?i:that|the\s+same)\s+(?i:year){_E}(?!-)",
        _that_year,
    ),
    _rule(
        rf"{_B}(?i:the)\s+(?:(?i:early|late|mid)[\s-]+)?(?P<season>{_SEASON}){_E}(?![\s-]+(?i:of)\b|-)",
        _the_season,
    ),
    _rule(rf"{_B}(?i:(?:the\s+)?(?:year-end|year\s+end|year's\s+end|end\s+of\s+the\s+year)){_E}", _year_end),
    _rule(rf"{_B}(?P<ref>(?i:{_alt(list(_REFERENCES))})){_E}", _reference),
    _rule(
        rf"{_B}(?:(?P<setword>(?i:{_alt(list(_SETS))}))|(?i:every|each)\s+(?:(?P<wd>{_WD})|(?P<mon>{_MON})|"
        rf"(?P<unit>(?i:day|week|month|year|quarter|hour|night|morning|evening|summer|winter|spring|fall))))"
        rf"{_E}",
        _set,
    ),
]


# ---------------------------------------------------------------------------------------------
# Calendar span of a value


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


# ---------------------------------------------------------------------------------------------
# Public API


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


@functools.lru_cache(maxsize=8192)
def _rules_reaching(key: str, words: tuple[str, ...], year: bool, capital: bool) -> tuple[int, ...]:
    """Rules of a trigger that may start `len(words)` tokens before it, across exactly these words.

    A match starting there covers every word between its start and the trigger, so each of them must
    be one the rule's pattern spells out (or a plural of one, "years"; or any number, when the rule
    may hold one). `year` and `capital` are as for `_usable`.
    """
    return _usable(
        tuple(
            index
            for index, back, own in _TRIGGERED[key]
            if back >= len(words)
            and all(w in own or w[:-1] in own or (w[0].isdigit() and "0" in own) for w in words)
        ),
        year,
        capital,
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
        words: tuple[str, ...] = ()
        while len(words) < reach:
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
            words += (word,)
            reaching = _rules_reaching(key, words, has_year, upper)
            if not reaching:
                break  # no rule can cover this word, so none starts further back either
            pos = left
            starts.append((pos, reaching))
    return starts


_LONGEST_FIRST = operator.itemgetter(0, 1, 2)  # (minus length, rule order, start)
_SET = b"\x01"
_CHECK_EVERY = 0xFF  # look at the budget once per 256 candidates (a clock read costs as much as a few)
_PATTERNS = tuple(pattern for pattern, _ in _RULES)
_HANDLERS = tuple(handler for _, handler in _RULES)


def date_mentions(text: str, anchor_date: datetime.date | None, budget: Budget = UNLIMITED) -> list[DateMention]:
    """All date/time expressions in one paragraph, sorted by start, non-overlapping.

    Args:
        text: one paragraph of article text.
        anchor_date: the article's publication date, used to resolve relative expressions
            ("on Tuesday", "last week"); None keeps unknown parts as `X`.
        budget: checked every few hundred candidates; raises `OverBudget` once spent.

    Returns:
        The mentions, longest match first among overlapping candidates, then sorted by offset.
    """
    found: list[tuple[int, int, int, int, re.Match[str]]] = []
    starts = _rule_starts(text, budget)
    for n, (offset, orders) in enumerate(starts):
        if not n & _CHECK_EVERY:
            budget.check()
        for order in orders:
            # a rule reached twice at one offset ("a year ago" from "year" and "ago") finds the same
            # match twice; the copy is covered by the first below, cheaper than remembering pairs
            m = _PATTERNS[order].match(text, offset)
            if m is not None:
                end = m.end()
                if end > offset:
                    found.append((offset - end, order, offset, end, m))
    # Longest match first, ties to the earlier rule; a rule's normalizer only runs on a match that no
    # longer one has already covered (normalizers are pure, so skipping the covered ones changes nothing).
    found.sort(key=_LONGEST_FIRST)
    taken: list[tuple[int, int, _Timex]] = []
    # One byte per character, set where a taken span lies: a candidate overlaps a taken span exactly when
    # a byte of its own span is set (spans are never empty), which costs its length, not the number taken.
    covered = bytearray(len(text) if found else 0)
    paragraph = _Paragraph(text)
    for n, (_, order, start, end, m) in enumerate(found):
        if not n & _CHECK_EVERY:
            budget.check()
        if covered.find(1, start, end) < 0:
            try:
                timex = _HANDLERS[order](m, _Context(paragraph, anchor_date, start, end))
            except OverflowError:  # date arithmetic past year 9999 or before year 1 ("800,000 days ago")
                timex = None
            if timex is not None:
                taken.append((start, end, timex))
                covered[start:end] = _SET * (end - start)
    taken.sort()  # by start: the spans taken never overlap, so no two share a start
    mentions = []
    for start, end, timex in taken:
        if timex.timex_type in {"DATE", "TIME"}:
            first, last, granularity = _value_span(timex.value)
        else:
            first, last, granularity = None, None, None
        relative = timex.is_relative and anchor_date is not None
        # positional arguments, in field order: keyword passing cost a third of the record's creation
        mentions.append(
            DateMention(
                start,
                end,
                text[start:end],
                timex.timex_type,
                timex.value,
                first,
                last,
                granularity,
                relative,
                anchor_date,
            )
        )
    return mentions


def story_published_date(dates: Sequence[datetime.date | None]) -> datetime.date | None:
    """The publication date to infer for undated articles of one story from its dated articles.

    Args:
        dates: publication dates of the story's other articles (None for undated ones).

    Returns:
        The most common known date (the story's main news day); ties go to the earliest date.
        None when no article of the story is dated.
    """
    counts = Counter(d for d in dates if d is not None)
    if not counts:
        return None
    return min(counts, key=lambda d: (-counts[d], d))
