"""Numeric ranges: every number that counts or measures something, as an interval with its qualifier.

The contract is `spec/EXTRACTION.md` ("Numeric ranges"); conventions it leaves open are in
`docs/quantities.md`. Rules and lexicons are data (`data/rules/quantities*.yaml`).

The recognizer works on a flat token list (digits, words, single symbols with character offsets):
1. tokens that cannot be quantities are masked (date parts, clock times, phone numbers, model
   numbers and other labels, list markers, and anything inside the caller's `blocked` spans);
2. number cores are read (digits with separators, number words, scale words, fractions, vague words);
3. each core takes its currency, unit, age or duration words, then ranges are joined and the
   qualifiers before and after are read;
4. the counted noun after a count is attached and the surface text is cut from the paragraph.
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from transforms._data import rules
from transforms.budget import UNLIMITED, Budget

__all__ = ["QuantityMention", "quantity_mentions", "rule_errors"]


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


# ---------------------------------------------------------------------------------------------
# Rule data: validated, then compiled into lookup tables once at import.
# ---------------------------------------------------------------------------------------------

_QUALIFIER_KINDS = (
    "lower_exclusive",
    "lower_inclusive",
    "upper_inclusive",
    "upper_exclusive",
    "approx_upper_exclusive",
    "approx_lower_exclusive",
    "approx_point",
    "exact",
)
_POSTFIX_KINDS = ("lower_inclusive", "upper_inclusive", "approx_point")


def _is_number(value: Any) -> bool:
    """True for an int or float that is not a bool."""
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _string_list_errors(where: str, value: Any) -> list[str]:
    """Errors for a value that must be a non-empty list of non-empty strings."""
    if not isinstance(value, list) or not value:
        return [f"{where}: expected a non-empty list"]
    return [f"{where}: bad entry {v!r}" for v in value if not isinstance(v, str) or not v.strip()]


def _number_map_errors(where: str, value: Any) -> list[str]:
    """Errors for a value that must map strings to numbers."""
    if not isinstance(value, dict) or not value:
        return [f"{where}: expected a non-empty mapping"]
    return [f"{where}: bad entry {k!r}: {v!r}" for k, v in value.items() if not isinstance(k, str) or not _is_number(v)]


def rule_errors(name: str, data: Any) -> list[str]:
    """Problems found in one of the quantity rule files.

    Args:
        name: `quantities`, `quantities_units` or `quantities_words`.
        data: the parsed YAML.

    Returns:
        Human-readable errors; empty when the data is usable.
    """
    if not isinstance(data, dict):
        return [f"{name}: top level must be a mapping"]
    errors: list[str] = []
    if name == "quantities":
        words = data.get("number_words", {})
        for key in ("units", "tens", "scales", "abbreviated_scales", "letter_scales", "money_letter_scales",
                    "dozens", "fractions"):
            errors += _number_map_errors(f"number_words.{key}", words.get(key))
        errors += _string_list_errors("number_words.negative", words.get("negative"))
        quals = data.get("qualifiers", {})
        for kind in _QUALIFIER_KINDS:
            errors += _string_list_errors(f"qualifiers.{kind}", quals.get(kind))
        errors += [f"qualifiers: unknown kind {k!r}" for k in quals if k not in _QUALIFIER_KINDS]
        seen: dict[str, str] = {}
        for kind in _QUALIFIER_KINDS:
            for phrase in quals.get(kind) or []:
                if phrase in seen and seen[phrase] != kind:
                    errors.append(f"qualifier {phrase!r} is both {seen[phrase]} and {kind}")
                seen[phrase] = kind
        post = data.get("postfix_qualifiers", {})
        for kind in _POSTFIX_KINDS:
            errors += _string_list_errors(f"postfix_qualifiers.{kind}", post.get(kind))
        joiners = data.get("range_joiners", {})
        for key in ("between", "from", "bare"):
            errors += _string_list_errors(f"range_joiners.{key}", joiners.get(key))
        vague = data.get("vague")
        if not isinstance(vague, list) or not vague:
            errors.append("vague: expected a non-empty list")
        else:
            for entry in vague:
                if not isinstance(entry, dict) or not isinstance(entry.get("phrase"), str):
                    errors.append(f"vague: bad entry {entry!r}")
                elif not (_is_number(entry.get("low")) and _is_number(entry.get("high"))) \
                        or entry["low"] > entry["high"]:
                    errors.append(f"vague {entry['phrase']!r}: needs numbers low <= high")
    elif name == "quantities_units":
        for key in ("currency_prefixes", "currency_suffixes", "currency_code_aliases", "million_codes"):
            table = data.get(key)
            if not isinstance(table, dict) or not table:
                errors.append(f"{key}: expected a non-empty mapping")
                continue
            errors += [f"{key}: bad entry {k!r}" for k, v in table.items()
                       if not isinstance(k, str) or not isinstance(v, str)]
        codes = data.get("currency_codes")
        errors += _string_list_errors("currency_codes", codes)
        errors += [f"currency_codes: {c!r} is not three upper-case letters" for c in codes or []
                   if not (isinstance(c, str) and re.fullmatch(r"[A-Z]{3}", c))]
        for key in ("pounds_word", "percent", "percentage_points", "glued_only", "age_suffixes", "age_prefixes",
                    "age_abbreviations"):
            errors += _string_list_errors(key, data.get(key))
        for key in ("measures", "time_units"):
            table = data.get(key)
            if not isinstance(table, dict) or not table:
                errors.append(f"{key}: expected a non-empty mapping")
                continue
            owner: dict[str, str] = {}
            for unit, spellings in table.items():
                errors += _string_list_errors(f"{key}.{unit}", spellings)
                for s in spellings or []:
                    if s.lower() in owner and owner[s.lower()] != unit:
                        errors.append(f"{key}: {s!r} spells both {owner[s.lower()]} and {unit}")
                    owner[s.lower()] = unit
        for s in data.get("percentage_points") or []:
            if s not in (data.get("percent") or []):
                errors.append(f"percentage_points: {s!r} is not listed under percent")
    elif name == "quantities_words":
        for key in ("noun_stops", "not_plural", "irregular_plurals", "pronoun_one_before", "identifier_heads",
                    "not_identifier_capitals", "duration_heads", "ambiguous_months", "year_before", "time_suffixes"):
            errors += _string_list_errors(key, data.get(key))
            errors += [f"{key}: {v!r} is not lower-case" for v in data.get(key) or []
                       if isinstance(v, str) and v != v.lower()]
        months = data.get("months")
        if not isinstance(months, dict) or not all(isinstance(v, int) and 1 <= v <= 12 for v in months.values()):
            errors.append("months: expected names mapped to 1..12")
        else:
            errors += [f"ambiguous_months: {m!r} is not a month" for m in data.get("ambiguous_months") or []
                       if m not in months]
    else:
        errors.append(f"unknown rule file {name!r}")
    return errors


def _loaded(name: str) -> Any:
    """A rule file, refusing to start with broken rules."""
    data = rules(name)
    errors = rule_errors(name, data)
    if errors:
        raise ValueError(f"data/rules/{name}.yaml: " + "; ".join(errors[:5]))
    return data


_NUM = _loaded("quantities")
_UNITS = _loaded("quantities_units")
_WORDS = _loaded("quantities_words")

# The token pattern also defines how phrases in the rule files are split into tokens.
_TOKEN_RE = re.compile(
    r"(\d{1,3}(?:,\d{3})+(?:\.\d+)?(?![\d,]\d)|\d+(?:\.\d+)?(?:[eE][-+]?\d+(?![\w.]))?|(?<![\w.])\.\d+)"
    r"|([^\W\d_]+(?:['’][^\W\d_]+)?)"
    r"|(\S)"
)
_KIND_DIGIT, _KIND_WORD, _KIND_SYMBOL = 1, 2, 3


def _phrase(text: str) -> tuple[str, ...]:
    """Lower-case token tuple of a rule phrase."""
    return tuple(m.group(0).lower() for m in _TOKEN_RE.finditer(text))


def _phrase_table(entries: Iterable[tuple[str, Any]]) -> dict[str, list[tuple[tuple[str, ...], Any]]]:
    """Phrases indexed by first token, longest first, for forward matching."""
    table: dict[str, list[tuple[tuple[str, ...], Any]]] = {}
    for text, value in entries:
        toks = _phrase(text)
        if toks:
            table.setdefault(toks[0], []).append((toks, value))
    for options in table.values():
        options.sort(key=lambda item: -len(item[0]))
    return table


def _suffix_table(entries: Iterable[tuple[str, Any]]) -> dict[str, list[tuple[tuple[str, ...], Any]]]:
    """Phrases indexed by last token, longest first, for matching backwards from a number."""
    table: dict[str, list[tuple[tuple[str, ...], Any]]] = {}
    for text, value in entries:
        toks = _phrase(text)
        if toks:
            table.setdefault(toks[-1], []).append((toks, value))
    for options in table.values():
        options.sort(key=lambda item: -len(item[0]))
    return table


_NW = _NUM["number_words"]
_UNIT_WORDS: dict[str, int] = {k: int(v) for k, v in _NW["units"].items()}
_TENS_WORDS: dict[str, int] = {k: int(v) for k, v in _NW["tens"].items()}
_SCALE_WORDS: dict[str, float] = {k: float(v) for k, v in _NW["scales"].items()}
_ABBR_SCALES: dict[str, float] = {k: float(v) for k, v in _NW["abbreviated_scales"].items()}
_LETTER_SCALES: dict[str, float] = {k: float(v) for k, v in _NW["letter_scales"].items()}
_MONEY_LETTER_SCALES: dict[str, float] = {k: float(v) for k, v in _NW["money_letter_scales"].items()}
_DOZENS: dict[str, float] = {k: float(v) for k, v in _NW["dozens"].items()}
_FRACTIONS: dict[str, float] = {k: float(v) for k, v in _NW["fractions"].items()}
_NEGATIVE_WORDS = frozenset(_NW["negative"])

_QUALIFIERS = _suffix_table((p, kind) for kind in _QUALIFIER_KINDS for p in _NUM["qualifiers"][kind])
_POSTFIX = _phrase_table((p, kind) for kind in _POSTFIX_KINDS for p in _NUM["postfix_qualifiers"][kind])
_JOINERS: dict[str, frozenset[str]] = {k: frozenset(v) for k, v in _NUM["range_joiners"].items()}
_VAGUE = _phrase_table(
    (e["phrase"], (float(e["low"]), float(e["high"]), bool(e.get("needs_of")), bool(e.get("needs_noun"))))
    for e in _NUM["vague"]
)

_CURRENCY_PREFIX = _suffix_table((p, code) for p, code in _UNITS["currency_prefixes"].items())
_CURRENCY_SUFFIX = _phrase_table((p, code) for p, code in _UNITS["currency_suffixes"].items())
_CODE_ALIASES: dict[str, str] = dict(_UNITS["currency_code_aliases"])
_CURRENCY_CODES: dict[str, str] = {c: _CODE_ALIASES.get(c, c) for c in _UNITS["currency_codes"]}
_MILLION_CODES: dict[str, str] = dict(_UNITS["million_codes"])
_POUNDS = frozenset(_UNITS["pounds_word"])
_PERCENT = _phrase_table(
    (p, "percentage point" if p in _UNITS["percentage_points"] else "percent") for p in _UNITS["percent"]
)
_MEASURES = _phrase_table((s, unit) for unit, spellings in _UNITS["measures"].items() for s in spellings)
_GLUED_ONLY = frozenset(s.lower() for s in _UNITS["glued_only"])
_TIME_UNITS = _phrase_table((s, unit) for unit, spellings in _UNITS["time_units"].items() for s in spellings)
_AGE_SUFFIX = _phrase_table((p, True) for p in _UNITS["age_suffixes"])
_AGE_PREFIX = _suffix_table((p, True) for p in _UNITS["age_prefixes"])
_AGE_ABBR = _phrase_table((p, True) for p in _UNITS["age_abbreviations"])

_NOUN_STOPS = frozenset(_WORDS["noun_stops"])
_NOT_PLURAL = frozenset(_WORDS["not_plural"])
_IRREGULAR_PLURALS = frozenset(_WORDS["irregular_plurals"])
_PRONOUN_ONE_BEFORE = frozenset(_WORDS["pronoun_one_before"])
_IDENTIFIER_HEADS = frozenset(_WORDS["identifier_heads"])
_NOT_IDENTIFIER_CAPITALS = frozenset(_WORDS["not_identifier_capitals"])
_DURATION_HEADS = frozenset(_WORDS["duration_heads"])
_MONTHS: dict[str, int] = dict(_WORDS["months"])
_AMBIGUOUS_MONTHS = frozenset(_WORDS["ambiguous_months"])
_YEAR_BEFORE = _suffix_table((p, True) for p in _WORDS["year_before"])
_TIME_SUFFIX = _phrase_table((p, True) for p in _WORDS["time_suffixes"])

_NUMBER_START_WORDS = frozenset(
    set(_UNIT_WORDS) | set(_TENS_WORDS) | {"a", "an", "half", "quarter"} | set(_VAGUE)
)
# A paragraph with no digit and none of these words cannot hold a quantity: skip it untokenized.
_TRIGGER_WORDS = frozenset((_NUMBER_START_WORDS - {"a", "an"}) | set(_FRACTIONS) | {"dozen", "couple", "few"})
_CHECK_EVERY = 0x3F  # look at the budget once per 64 numbers
_DIGIT_RE = re.compile(r"\d")
_LOWER_WORD_RE = re.compile(r"[a-z]+")
# Runs of digits that are phone numbers, version strings, IP addresses or numeric dates.
_NON_QUANTITY_RE = re.compile(
    # The lookahead lets the scan skip every position that cannot start one of these quickly.
    r"(?=[+(\d])(?:(?<![\w.])\+\d[\d\-\u2013 ().]{6,}\d"
    r"|(?<![\w.\-])\(?\d{3}\)?[-. ]\d{3}[-.]\d{4}(?![\w-])"
    r"|(?<![\w.\-])\d{1,5}(?:-\d{1,5}){2,}(?![\w-])"
    r"|(?<![\w.])\d+(?:\.\d+){2,}(?![\w])"
    r"|(?<![\w/])\d{1,4}/\d{1,2}/\d{1,4}(?![\w/])"
    r"|(?<![\w:])\d{1,2}:\d{2}(?::\d{2})?(?![\w:]))"
)
# "1." or "2)" opening a line is a list marker.
_LIST_MARKER_RE = re.compile(r"(?m)^[ \t]*(\(?\d{1,2}[.)])[ \t]+(?=\S)")
_ORDINAL_SUFFIX = frozenset({"st", "nd", "rd", "th"})
_QUOTES = frozenset('"“”‘’\'«»')
_DASHES = frozenset({"-", "–", "—"})
_PLURAL_NOT_S_END = ("ss", "us", "is", "ous")


# ---------------------------------------------------------------------------------------------
# Tokens
# ---------------------------------------------------------------------------------------------


class _Tokens:
    """Parallel arrays describing the tokens of one paragraph."""

    __slots__ = ("ends", "kind", "low", "masked", "n", "raw", "starts", "text")

    def __init__(self, text: str) -> None:
        self.text = text
        # One pass of the regex, then flat comprehensions: the cheapest tokenizer in pure Python.
        found = list(_TOKEN_RE.finditer(text))
        spans = [m.span() for m in found]
        self.starts: list[int] = [a for a, _ in spans]
        self.ends: list[int] = [b for _, b in spans]
        self.raw: list[str] = [text[a:b] for a, b in spans]
        self.kind: list[int] = [m.lastindex or _KIND_SYMBOL for m in found]
        lowered = text.lower()
        # str.lower() keeps the length for the scripts news is written in; fall back per token otherwise.
        self.low = self.raw if lowered == text else (
            [lowered[a:b] for a, b in spans] if len(lowered) == len(text) else [t.lower() for t in self.raw])
        self.n = len(self.raw)
        self.masked = [False] * self.n

    def glued(self, i: int) -> bool:
        """True when token i starts exactly where token i-1 ends."""
        return 0 < i < self.n and self.starts[i] == self.ends[i - 1]

    def match_forward(self, table: dict[str, list[tuple[tuple[str, ...], Any]]], i: int) -> tuple[int, Any] | None:
        """Longest phrase of `table` starting at token i: (end index, value)."""
        if i >= self.n:
            return None
        for toks, value in table.get(self.low[i], ()):
            j = i + len(toks)
            if j <= self.n and tuple(self.low[i:j]) == toks:
                return j, value
        return None

    def match_backward(self, table: dict[str, list[tuple[tuple[str, ...], Any]]], j: int) -> tuple[int, Any] | None:
        """Longest phrase of `table` ending just before token j: (start index, value)."""
        if j <= 0:
            return None
        for toks, value in table.get(self.low[j - 1], ()):
            i = j - len(toks)
            if i >= 0 and tuple(self.low[i:j]) == toks:
                return i, value
        return None


def _digit_value(raw: str) -> float:
    """Value of a digit token ("1,234.5", ".08", "1e10")."""
    return float(raw.replace(",", ""))


def _is_capitalized(word: str) -> bool:
    """True for a word starting with an upper-case letter."""
    return word[:1].isupper()


def _month_at(t: _Tokens, i: int) -> bool:
    """True when token i names a month (ambiguous names only when capitalised)."""
    if i < 0 or i >= t.n or t.kind[i] != _KIND_WORD or t.low[i] not in _MONTHS:
        return False
    return t.low[i] not in _AMBIGUOUS_MONTHS or _is_capitalized(t.raw[i])


def _mask_non_quantities(t: _Tokens, blocked: Sequence[tuple[int, int]], budget: Budget = UNLIMITED) -> None:
    """Mark digit tokens that are date parts, times, labels, phone numbers or list markers."""
    text = t.text
    spans: list[tuple[int, int]] = [(int(a), int(b)) for a, b in blocked]
    spans += [m.span() for m in _NON_QUANTITY_RE.finditer(text)]
    spans += [m.span(1) for m in _LIST_MARKER_RE.finditer(text)]
    for a, b in spans:
        # Tokens are sorted: mask from the first token ending after the span start.
        for i in range(bisect.bisect_right(t.ends, a), t.n):
            if t.starts[i] >= b:
                break
            t.masked[i] = True
    low, raw, kind = t.low, t.raw, t.kind
    for n, i in enumerate([k for k in range(t.n) if kind[k] == _KIND_DIGIT]):
        if not n & _CHECK_EVERY:
            budget.check()
        if t.masked[i]:
            continue
        is_int = raw[i].isdigit()
        nxt = i + 1
        # Glued letters: ordinals ("7th"), decades ("1990s") and codes ("MH17", "11a", "24703L202").
        if nxt < t.n and t.glued(nxt) and kind[nxt] == _KIND_WORD:
            word = low[nxt]
            if word in _ORDINAL_SUFFIX or (word == "s" and is_int):
                t.masked[i] = True
                continue
            if nxt + 1 < t.n and t.glued(nxt + 1) and kind[nxt + 1] == _KIND_DIGIT:
                t.masked[i] = t.masked[nxt + 1] = True
                continue
            if not _glued_word_known(t, nxt):
                t.masked[i] = True  # "5G", "3D", "11a": names and codes
                continue
        if (nxt < t.n and low[nxt] == "^" and t.glued(nxt)) or (i > 0 and low[i - 1] == "^" and t.glued(i)):
            t.masked[i] = True  # powers are notation, not news quantities
            continue
        if i > 0 and t.glued(i) and kind[i - 1] == _KIND_WORD and raw[i - 1] not in _CURRENCY_CODES \
                and low[i - 1] not in ("us", "hk", "aud", "cad", "nzd") and raw[i - 1] not in _MILLION_CODES:
            t.masked[i] = True  # "G20", "MH17"
            continue
        # Model numbers: letters, a hyphen, digits ("T-72", "F-16", "COVID-19", "S-400").
        if i > 1 and low[i - 1] in _DASHES and t.glued(i) and t.glued(i - 1) and kind[i - 2] == _KIND_WORD \
                and low[i - 2] not in _UNIT_WORDS and low[i - 2] not in _TENS_WORDS:
            t.masked[i] = True
            continue
        # Labels: "No. 5", "#3", "page 12", "World War 3", "Boeing 737".
        if i > 0 and is_int:
            prev = i - 1
            if low[prev] in (".", "#") and prev > 0 and low[prev - 1] in _IDENTIFIER_HEADS:
                t.masked[i] = True
                continue
            if low[prev] == "#":
                t.masked[i] = True
                continue
            if kind[prev] == _KIND_WORD and not t.glued(i):
                if low[prev] in _IDENTIFIER_HEADS and raw[prev].islower():
                    t.masked[i] = True
                    continue
                if _is_capitalized(raw[prev]) and low[prev] not in _NOT_IDENTIFIER_CAPITALS \
                        and low[prev] not in _MONTHS and not _sentence_start(t, prev) \
                        and t.match_backward(_QUALIFIERS, i) is None and t.match_backward(_CURRENCY_PREFIX, i) is None \
                        and raw[prev] not in _CURRENCY_CODES and not _unit_follows(t, i + 1):
                    t.masked[i] = True
                    continue
        # Dates: "7 February", "February 7", "Feb. 7, 2018", "sept . 30".
        value = _digit_value(raw[i]) if is_int else -1.0
        if is_int and 1 <= value <= 31:
            j = i - 1
            if j >= 0 and low[j] == ".":
                j -= 1
            if _month_at(t, j) or (_month_at(t, i + 1)) or (low[i + 1:i + 2] == ["of"] and _month_at(t, i + 2)):
                t.masked[i] = True
                continue
        if is_int and len(raw[i]) == 4 and 1000 <= value <= 2100:
            # A year after a month ("February 14, 2018"), or after the words that introduce years.
            j = i - 1
            if j >= 0 and low[j] == ",":
                j -= 1
            if j >= 0 and kind[j] == _KIND_DIGIT and t.masked[j] and _month_at(t, j - 1) or _month_at(t, j) \
                    or (j >= 1 and _month_at(t, j - 2)):
                t.masked[i] = True
                continue
            if t.match_backward(_YEAR_BEFORE, i) is not None and not _count_follows(t, i + 1):
                t.masked[i] = True
                continue
        # Clock times: "3 pm", "10 a.m.".
        if t.match_forward(_TIME_SUFFIX, i + 1) is not None and value <= 12:
            t.masked[i] = True


def _glued_word_known(t: _Tokens, j: int) -> bool:
    """True when the word glued to a number is a unit, scale or currency ("5km", "3k", "USD115")."""
    w, r = t.low[j], t.raw[j]
    if w in _ABBR_SCALES or r in _LETTER_SCALES or w in _MONEY_LETTER_SCALES or r in _CURRENCY_CODES \
            or r in _MILLION_CODES:
        return True
    return any(t.match_forward(tab, j) is not None
               for tab in (_MEASURES, _PERCENT, _CURRENCY_SUFFIX, _TIME_UNITS, _AGE_ABBR))


def _sentence_start(t: _Tokens, i: int) -> bool:
    """True when token i opens a sentence or a line."""
    if i == 0:
        return True
    prev = t.low[i - 1]
    if prev in (".", "!", "?", ":", ";", "(", "[", "\n") or prev in _QUOTES:
        return True
    return "\n" in t.text[t.ends[i - 1]:t.starts[i]]


def _unit_follows(t: _Tokens, i: int) -> bool:
    """True when a unit, currency or percent word starts at token i."""
    return any(t.match_forward(tab, i) is not None for tab in (_PERCENT, _CURRENCY_SUFFIX, _MEASURES))


def _count_follows(t: _Tokens, i: int) -> bool:
    """True when a unit or a plural count noun starts at token i ("2000 people", "1500 km")."""
    if i >= t.n:
        return False
    if _unit_follows(t, i) or t.low[i] in _SCALE_WORDS:
        return True
    return t.kind[i] == _KIND_WORD and t.raw[i].islower() and _is_plural(t.low[i]) and t.low[i] not in _NOUN_STOPS


def _is_plural(word: str) -> bool:
    """Rough plural test for a lower-case noun."""
    if word in _IRREGULAR_PLURALS:
        return True
    return len(word) > 2 and word.endswith("s") and not word.endswith(_PLURAL_NOT_S_END) and word not in _NOT_PLURAL


# ---------------------------------------------------------------------------------------------
# Number cores
# ---------------------------------------------------------------------------------------------


@dataclass(slots=True)
class _Core:
    """A number read from tokens [i, j), before qualifiers; mutable while it is being built."""

    i: int
    j: int
    low: float
    high: float
    unit: str = "count"
    scaled: bool = False
    word_one: bool = False
    approximate: bool = False
    vague: bool = False
    needs_noun: bool = False
    year_like: bool = False
    fraction: bool = False
    negated: bool = False


def _number_at(t: _Tokens, i: int, money: bool) -> tuple[float, int, bool, bool] | None:
    """Read one number starting at token i.

    Returns (value, end index, whether a scale word multiplied it, whether it was a bare "one"),
    or None when no number starts there.
    """
    low, kind, raw = t.low, t.kind, t.raw
    n = t.n
    total = 0.0
    cur: float | None = None
    last = ""  # category of the previous token: a, d, u, t, h (hundred), b (big scale), and, frac
    last_scale = 1.0
    scaled = False
    j = i
    words_only = True
    while j < n and not t.masked[j]:
        w = low[j]
        k = kind[j]
        if k == _KIND_DIGIT:
            if last not in ("", "b", "and") or (last and t.glued(j)):
                break
            if last in ("b", "and") and (_digit_value(raw[j]) >= min(last_scale, 1000.0) or not raw[j].isdigit()):
                break
            cur = (cur or 0.0) + _digit_value(raw[j])
            last, words_only = "d", False
            j += 1
            # Glued or spaced abbreviations: "3k", "$2bn", "10 bln", "1,674.5 M", "$5m".
            if j < n and kind[j] == _KIND_WORD:
                scale = _ABBR_SCALES.get(w2 := low[j]) or _LETTER_SCALES.get(raw[j])
                if scale is None and money and t.glued(j):
                    scale = _MONEY_LETTER_SCALES.get(w2)
                if scale is not None and (w2 not in ("k",) or t.glued(j)):
                    total += cur * scale
                    cur, last, last_scale, scaled = None, "b", scale, True
                    j += 1
            continue
        if k != _KIND_WORD:
            # "twenty-five", "fifty - two": a dash between tens and a unit word.
            if w in _DASHES and last == "t" and j + 1 < n and low[j + 1] in _UNIT_WORDS \
                    and 0 < _UNIT_WORDS[low[j + 1]] < 10:
                j += 1
                continue
            break
        if w in ("a", "an") and last == "":
            if j + 1 < n and (low[j + 1] in _SCALE_WORDS or low[j + 1] in _DOZENS):
                cur, last = 1.0, "a"
                j += 1
                continue
            break
        if w in _UNIT_WORDS:
            v = float(_UNIT_WORDS[w])
            if last in ("", "b", "h", "and") or (last == "t" and 0 < v < 10):
                if last in ("b", "and") and v >= last_scale > 1:
                    break
                cur = (cur or 0.0) + v
                last = "u"
                j += 1
                continue
            break
        if w in _TENS_WORDS:
            if last in ("", "b", "h", "and"):
                cur = (cur or 0.0) + _TENS_WORDS[w]
                last = "t"
                j += 1
                continue
            break
        if w == "hundred" and last in ("a", "d", "u", "t"):
            cur = (cur or 1.0) * 100
            last, scaled, last_scale = "h", True, 100.0
            j += 1
            continue
        if w in _SCALE_WORDS and last in ("a", "d", "u", "t", "h"):
            scale = _SCALE_WORDS[w]
            total += (cur or 1.0) * scale
            cur, last, last_scale, scaled = None, "b", scale, True
            j += 1
            continue
        if w in _DOZENS and last in ("a", "d", "u", "t"):
            cur = (cur or 1.0) * _DOZENS[w]
            last, scaled = "h", True
            j += 1
            break
        if w == "and" and last in ("h", "b", "d", "u", "t") and j + 1 < n:
            nxt = low[j + 1]
            # "one and a half", "five and a quarter", "one million and a half".
            if nxt in ("a", "an") and j + 2 < n and low[j + 2] in _FRACTIONS and low[j + 2] not in ("second",):
                frac = 1.0 / _FRACTIONS[low[j + 2]]
                if last == "b":
                    total += frac * last_scale
                else:
                    cur = (cur or 0.0) + frac
                j += 3
                last = "frac"
                if j < n and low[j] in _SCALE_WORDS and low[j] != "hundred":
                    total = (total + (cur or 0.0)) * _SCALE_WORDS[low[j]]
                    cur, scaled = None, True
                    j += 1
                break
            mixed = _fraction_at(t, j + 1) if nxt in _UNIT_WORDS or nxt in _TENS_WORDS else None
            if mixed is not None and mixed[0] < 1:
                if last == "b":
                    total += mixed[0] * last_scale
                else:
                    cur = (cur or 0.0) + mixed[0]
                j, last = mixed[1], "frac"
                break
            if last in ("h", "b") and (nxt in _UNIT_WORDS or nxt in _TENS_WORDS or kind[j + 1] == _KIND_DIGIT):
                last = "and"
                j += 1
                continue
            break
        if w == "point" and last in ("u", "t", "d", "h", "b") and j + 1 < n and (low[j + 1] in _UNIT_WORDS
                or low[j + 1] in _TENS_WORDS):
            digits = ""
            j += 1
            while j < n and (low[j] in _UNIT_WORDS or low[j] in _TENS_WORDS or low[j] in _DASHES):
                if low[j] in _DASHES:
                    j += 1
                    continue
                if low[j] in _TENS_WORDS:
                    tens = _TENS_WORDS[low[j]]
                    if j + 2 < n and low[j + 1] in _DASHES and low[j + 2] in _UNIT_WORDS \
                            and _UNIT_WORDS[low[j + 2]] < 10:
                        digits += str(tens + _UNIT_WORDS[low[j + 2]])
                        j += 3
                        continue
                    digits += str(tens)
                else:
                    if _UNIT_WORDS[low[j]] > 9:
                        break
                    digits += str(_UNIT_WORDS[low[j]])
                j += 1
            cur = (cur or 0.0) + float("0." + digits) if digits else cur
            last = "frac"
            break
        break
    if j == i or last in ("a", "and"):
        return None
    value = total + (cur or 0.0)
    # A fraction read with a denominator word ("two thirds", "a quarter million" is handled by the caller).
    is_one = words_only and j == i + 1 and low[i] == "one"
    return value, j, scaled, is_one


def _fraction_at(t: _Tokens, i: int) -> tuple[float, int] | None:
    """A spoken fraction at token i: "a half", "two thirds", "one twenty-fifth", "half a million"."""
    low, n = t.low, t.n
    w = low[i]
    if w in ("half", "quarter") and i + 1 < n and low[i + 1] in _SCALE_WORDS and low[i + 1] != "hundred":
        return _SCALE_WORDS[low[i + 1]] / _FRACTIONS[w], i + 2
    if w == "half" and i + 2 < n and low[i + 1] in ("a", "an") and low[i + 2] in _SCALE_WORDS:
        return _SCALE_WORDS[low[i + 2]] / 2, i + 3
    numerator: float | None = None
    j = i
    if w in ("a", "an") or w == "one":
        numerator, j = 1.0, i + 1
    elif w in _UNIT_WORDS or w in _TENS_WORDS or t.kind[i] == _KIND_DIGIT:
        got = _number_at(t, i, False)
        if got is None:
            return None
        numerator, j = got[0], got[1]
    if numerator is None or j >= n or t.masked[j]:
        return None
    if low[j] in _DASHES and j + 1 < n and low[j + 1] in _FRACTIONS and numerator != 1.0:
        j += 1  # "five - eighths"
    denom_word = low[j]
    # Compound denominators: "twenty-fifth", "twenty-first".
    base = 0.0
    if denom_word in _TENS_WORDS and j + 2 < n and low[j + 1] in _DASHES and t.glued(j + 1) \
            and (low[j + 2] in _FRACTIONS or low[j + 2] in ("first", "second")):
        base, j = float(_TENS_WORDS[denom_word]), j + 2
        denom_word = low[j]
        if denom_word == "first":
            denom = base + 1
        elif denom_word == "second":
            denom = base + 2
        elif denom_word in _FRACTIONS and _FRACTIONS[denom_word] < 10:
            denom = base + _FRACTIONS[denom_word]
        else:
            return None
    elif denom_word in _FRACTIONS:
        denom = _FRACTIONS[denom_word]
    else:
        return None
    j += 1
    singular = not denom_word.endswith("s") or denom_word == "halves"
    if numerator == 1.0 and not singular and denom_word != "halves":
        return None
    if numerator != 1.0 and singular and denom_word != "half":
        return None
    # "a third" is a fraction before "of", a scale word or the end of a phrase, not in "a third time".
    if numerator == 1.0 and singular:
        nxt = low[j] if j < n else ""
        if not (nxt in ("of", "") or t.kind[j] == _KIND_SYMBOL or nxt in _SCALE_WORDS):
            return None
    value = numerator / denom
    if j < n and low[j] in _SCALE_WORDS and low[j] != "hundred":
        value *= _SCALE_WORDS[low[j]]
        j += 1
    return value, j


def _vague_at(t: _Tokens, i: int) -> tuple[float, float, int, bool] | None:
    """A vague quantifier at token i: (low, high, end index, needs a noun)."""
    hit = t.match_forward(_VAGUE, i)
    if hit is None:
        return None
    j, (lo, hi, needs_of, needs_noun) = hit
    k = j + 1 if j < t.n and t.low[j] == "," else j
    if needs_of and not (k < t.n and t.low[k] == "of"):
        return None
    # "a few" / "several" / "a couple" right after a number are not counts ("the past few years").
    if i > 0 and t.low[i - 1] in ("past", "last", "next", "first", "these", "those", "the", "every"):
        return None
    return lo, hi, j, needs_noun


def _cores(t: _Tokens) -> list[_Core]:
    """Every number core in the paragraph, left to right, not overlapping."""
    out: list[_Core] = []
    low, kind = t.low, t.kind
    n = t.n
    starts = [k for k in range(n) if kind[k] == _KIND_DIGIT or low[k] in _NUMBER_START_WORDS]
    i = 0
    for candidate in starts:
        if candidate < i:
            continue
        i = candidate
        if t.masked[i]:
            continue
        vague = _vague_at(t, i) if kind[i] == _KIND_WORD else None
        if vague is not None:
            lo, hi, j, needs_noun = vague
            approximate = True
            out.append(_Core(i, j, lo, hi, approximate=approximate, vague=True, needs_noun=needs_noun))
            i = j
            continue
        frac = _fraction_at(t, i)
        if frac is not None:
            value, j = frac
            out.append(_Core(i, j, value, value, unit="fraction" if value < 1 else "count", scaled=value >= 1000,
                             fraction=value < 1))
            i = j
            continue
        if kind[i] == _KIND_DIGIT and i + 2 < n and low[i + 1] == "/" and kind[i + 2] == _KIND_DIGIT \
                and t.glued(i + 1) and t.glued(i + 2):
            num, den = _digit_value(t.raw[i]), _digit_value(t.raw[i + 2])
            if t.raw[i].isdigit() and t.raw[i + 2].isdigit() and 0 < num < den <= 16:
                core = _Core(i, i + 3, num / den, num / den, unit="fraction", fraction=True)
                if i > 0 and low[i - 1] in ("-", "−") and t.glued(i) and (i == 1 or not t.glued(i - 1)):
                    core.i, core.low, core.high, core.negated = i - 1, -core.low, -core.high, True
                out.append(core)
            i += 3  # other slashed numbers are dates or scores
            continue
        money = t.match_backward(_CURRENCY_PREFIX, i) is not None
        got = _number_at(t, i, money)
        if got is None:
            i += 1
            continue
        value, j, scaled, is_one = got
        core = _Core(i, j, value, value, scaled=scaled, word_one=is_one)
        if low[i] in ("a", "an") and j > i + 1 and low[i + 1] in _DOZENS:
            core.approximate = True  # "a dozen" is a round figure
        raw = t.raw[i]
        core.year_like = j == i + 1 and kind[i] == _KIND_DIGIT and raw.isdigit() and len(raw) == 4 \
                and 1000 <= value <= 2100
        # A sign: "-9.5", "minus five", but not the hyphen of a range or a label ("T-72").
        if i > 0 and low[i - 1] in ("-", "−") and t.glued(i) and (i == 1 or not t.glued(i - 1)
                or kind[i - 2] == _KIND_SYMBOL and low[i - 2] not in _DASHES):
            if not (i >= 2 and kind[i - 2] == _KIND_DIGIT):
                core.low = core.high = -value
                core.i, core.negated = i - 1, True
        elif i > 0 and low[i - 1] in _NEGATIVE_WORDS:
            core.low = core.high = -value
            core.i, core.negated = i - 1, True
        out.append(core)
        i = j
    return out


# ---------------------------------------------------------------------------------------------
# Units around a core
# ---------------------------------------------------------------------------------------------


def _attach_units(t: _Tokens, core: _Core) -> bool:
    """Read currency, percent, measurement and age words around a core; False when it is a duration."""
    low, n = t.low, t.n
    # Money before the number: "$", "US$", "£", "USD".
    pre = t.match_backward(_CURRENCY_PREFIX, core.i)
    if pre is not None:
        start, code = pre
        # Currency words before a number only in "dollar 22.5 million" style, never "dollars 50" after a number.
        if low[start] not in ("dollar", "dollars", "euro", "euros") or start == 0 or t.kind[start - 1] != _KIND_DIGIT:
            core.unit, core.i = f"currency:{code}", start
    elif core.i > 0 and t.raw[core.i - 1] in _CURRENCY_CODES:
        core.unit, core.i = f"currency:{_CURRENCY_CODES[t.raw[core.i - 1]]}", core.i - 1
    j = core.j
    if core.unit == "count":
        # Money after the number: "5 million yen", "30 MUSD", "200 EUR", "50 cents".
        if j < n and t.raw[j] in _MILLION_CODES:
            core.low *= 1e6
            core.high *= 1e6
            core.unit, core.j = f"currency:{_MILLION_CODES[t.raw[j]]}", j + 1
            return True
        if j < n and t.raw[j] in _CURRENCY_CODES and not (j + 1 < n and t.glued(j + 1)
                and t.kind[j + 1] == _KIND_DIGIT):
            core.unit, core.j = f"currency:{_CURRENCY_CODES[t.raw[j]]}", j + 1
            if core.j < n and low[core.j] in _SCALE_WORDS and not core.scaled:  # "75 USD million"
                core.low *= _SCALE_WORDS[low[core.j]]
                core.high = core.low
                core.j += 1
                core.scaled = True
            _attach_minor(t, core)
            return True
        if j < n and t.kind[j] == _KIND_SYMBOL and (symbol := _CURRENCY_PREFIX.get(low[j])) \
                and len(symbol[-1][0]) == 1 \
                and not (j + 1 < n and (t.kind[j + 1] == _KIND_DIGIT or low[j + 1] in _NUMBER_START_WORDS)):
            core.unit, core.j = f"currency:{symbol[-1][1]}", j + 1  # "10 €", "100 ₡"
            return True
        hit = t.match_forward(_CURRENCY_SUFFIX, j)
        if hit is not None:
            end, code = hit
            core.unit = f"currency:{code}" if code not in ("cent",) else "currency:cent"
            core.j = end
            _attach_minor(t, core)
            return True
        if j < n and low[j] in _POUNDS:
            sterling = j + 1 < n and low[j + 1] == "sterling"
            if core.scaled or sterling:
                core.unit, core.j = "currency:GBP", j + 2 if sterling else j + 1
                return True
            core.unit, core.j = "lb", j + 1
            return True
        hit = t.match_forward(_PERCENT, j)
        if hit is not None:
            core.j, core.unit = hit
            return True
        # Units may hang on a hyphen: "3-inch", "six-mile trip".
        k = j + 1 if j < n and low[j] in _DASHES and t.glued(j) and t.glued(j + 1) else j
        bracket = j + 2 < n and low[j] in ("(", "{", "[") and low[j + 2] in (")", "}", "]")
        hit = t.match_forward(_MEASURES, j + 1) if bracket else None
        if hit is not None and hit[0] == j + 2:
            core.j, core.unit = j + 3, hit[1]  # "20 (kg)"
            return True
        hit = t.match_forward(_MEASURES, k)
        if hit is not None:
            end, unit = hit
            spelled = low[k]
            glued = t.glued(k)
            if not (spelled in _GLUED_ONLY and not glued) and not (end < n and t.glued(end)
                    and t.kind[end] == _KIND_DIGIT):
                core.j, core.unit = end, unit
                if unit == "ft":
                    _attach_inches(t, core)
                return True
        hit = t.match_forward(_TIME_UNITS, k)
        if hit is not None:
            end, unit = hit
            # Adjectival ages: "a 66-year-old", "28 - year - old".
            if end + 1 < n and low[end] in _DASHES and low[end + 1] == "old":
                head = _noun_tokens(t, end + 2, core)
                if head and any(t.low[h] in _DURATION_HEADS for h in head):
                    return False  # "a seven-year-old war" is how long the war has lasted
                core.j, core.unit = end + 2, unit
                return True
            age = t.match_forward(_AGE_SUFFIX, end)
            if age is not None:
                core.j, core.unit = age[0], unit
                return True
            return False  # "three days": a duration, which the date recognizer owns
        age = t.match_forward(_AGE_ABBR, j)
        if age is not None:
            core.j, core.unit = age[0], "year"
            return True
        if t.match_backward(_AGE_PREFIX, core.i) is not None and not core.scaled:
            core.unit = "year"
            return True
        if j < n and low[j] in ("times", "time"):
            return False  # frequencies and multipliers ("3 times") are not counts of things
    elif core.unit.startswith("currency:"):
        # "$ 280 million" is read by the number; "US$ 5 million dollars" repeats the currency.
        hit = t.match_forward(_CURRENCY_SUFFIX, j)
        if hit is not None and hit[1] == core.unit.split(":", 1)[1]:
            core.j = hit[0]
    return True


def _attach_inches(t: _Tokens, core: _Core) -> None:
    """Fold inches into feet: "5 ft 2 in", "six feet four inches"."""
    j = core.j
    if j >= t.n or t.masked[j]:
        return
    got = _number_at(t, j, False)
    if got is None or got[2] or not 0 <= got[0] < 12:
        return
    end = got[1]
    if end < t.n and t.low[end] in ("in", "inch", "inches", '"'):
        core.low = core.high = core.low + got[0] / 12
        core.j = end + 1


def _attach_minor(t: _Tokens, core: _Core) -> None:
    """Fold minor units into a major amount: "3 dollars 50 cents", "thirteen dollars and forty-five"."""
    if core.unit in ("currency:cent", "currency:GBp") or core.scaled:
        return
    j = core.j
    if j < t.n and t.low[j] == "and":
        j += 1
    if j >= t.n or t.masked[j]:
        return
    got = _number_at(t, j, False)
    if got is None:
        return
    cents, end, scaled, _ = got
    if scaled or not 0 < cents < 100 or cents != int(cents):
        return
    if end < t.n and t.match_forward(_CURRENCY_SUFFIX, end) is not None:
        hit = t.match_forward(_CURRENCY_SUFFIX, end)
        assert hit is not None
        if hit[1] not in ("cent", "GBp"):
            return  # "50 dollar 40 rmb": two amounts
        end = hit[0]
    elif end < t.n and (t.kind[end] == _KIND_WORD and t.low[end] not in _NOUN_STOPS or t.low[end] in _DASHES):
        return
    core.low = core.high = core.low + cents / 100
    core.j = end


# ---------------------------------------------------------------------------------------------
# Counted nouns
# ---------------------------------------------------------------------------------------------


def _noun_tokens(t: _Tokens, j: int, core: _Core) -> list[int]:
    """Token indices of the counted noun starting at token j ("contract soldiers", "Russian men")."""
    low, raw, kind, n = t.low, t.raw, t.kind, t.n
    picked: list[int] = []
    k = j
    single = core.low == 1 and core.high == 1
    while k < n and len(picked) < 4 and not t.masked[k]:
        w = low[k]
        if kind[k] == _KIND_SYMBOL:
            if w in _QUOTES and not picked or (w in _QUOTES and k + 2 < n and low[k + 2] in _QUOTES):
                # Scare quotes inside the noun phrase ('25 "Syrian" fighters') are skipped.
                close = next((m for m in range(k + 1, min(k + 4, n)) if low[m] in _QUOTES), -1)
                if close < 0 or close + 1 >= n or kind[close + 1] != _KIND_WORD:
                    break
                k = close + 1
                continue
            break
        if kind[k] != _KIND_WORD or w in _NOUN_STOPS or w in _MONTHS and _is_capitalized(raw[k]):
            break
        if picked and w.endswith(("ed", "ing")) and w not in _IRREGULAR_PLURALS:
            break
        if picked and len(w) > 4 and w.endswith("ly") and raw[k].islower():
            break
        picked.append(k)
        # Hyphenated compounds stay whole: "pro-government", "Russian-made".
        while k + 2 < n and low[k + 1] in _DASHES and t.glued(k + 1) and t.glued(k + 2) and kind[k + 2] == _KIND_WORD:
            k += 2
            picked.append(k)
        last_word = low[k]
        if not single and raw[k].islower() and _is_plural(last_word):
            break
        if single and raw[k].islower() and not last_word.endswith(("al", "an", "ish", "ese")) and k + 1 < n \
                and (kind[k + 1] != _KIND_WORD or low[k + 1] in _NOUN_STOPS):
            break
        k += 1
    # Do not end on an adjective-like capital followed by nothing ("two Russian") — keep as is; drop
    # trailing compound-only hyphen parts.
    return picked


def _noun_after(t: _Tokens, core: _Core) -> tuple[str | None, int]:
    """The counted noun after a count and the token index where the mention ends."""
    j = core.j
    n = t.n
    if core.unit != "count" or core.fraction:
        return None, j
    k = j
    if k < n and t.low[k] == "of":
        k += 1
        if k < n and t.low[k] in ("the", "its", "his", "her", "their", "our", "these", "those", "my", "your",
                "them", "us"):
            if t.low[k] in ("them", "us"):
                return None, j
            k += 1
    picked = _noun_tokens(t, k, core)
    if not picked:
        return None, j
    words: list[str] = []
    prev_end = -1
    for p in picked:
        if prev_end >= 0 and t.starts[p] > prev_end and not (t.low[p - 1] in _DASHES and t.glued(p)):
            words.append(" ")
        elif prev_end >= 0:
            words.append(t.text[prev_end:t.starts[p]])
        words.append(t.raw[p])
        prev_end = t.ends[p]
    return "".join(words), picked[-1] + 1


# ---------------------------------------------------------------------------------------------
# Mentions: ranges, qualifiers, filters
# ---------------------------------------------------------------------------------------------


@dataclass(slots=True)
class _Draft:
    """A mention being assembled from one or two cores."""

    i: int
    j: int
    low: float | None
    high: float | None
    low_inc: bool | None
    high_inc: bool | None
    approximate: bool
    vague: bool
    unit: str
    qualifier: str | None
    first: _Core
    last: _Core


def _qualified(t: _Tokens, core: _Core) -> tuple[str | None, str | None, int]:
    """The qualifier kind and phrase before a core, and where it starts."""
    hit = t.match_backward(_QUALIFIERS, core.i)
    if hit is None:
        return None, None, core.i
    start, kind = hit
    phrase = " ".join(t.low[start:core.i])
    # "over" and "under" only qualify when nothing binds them to the word before ("won over 5 votes" aside).
    return kind, phrase, start


def _apply_kind(d: _Draft, kind: str | None, value_low: float, value_high: float) -> None:
    """Set the interval of a draft from a qualifier kind."""
    if kind in (None, "exact"):
        d.low, d.high, d.low_inc, d.high_inc = value_low, value_high, True, True
    elif kind == "lower_exclusive":
        d.low, d.high, d.low_inc, d.high_inc = value_low, None, False, None
    elif kind == "lower_inclusive":
        d.low, d.high, d.low_inc, d.high_inc = value_low, None, True, None
    elif kind == "upper_inclusive":
        d.low, d.high, d.low_inc, d.high_inc = None, value_high, None, True
    elif kind == "upper_exclusive":
        d.low, d.high, d.low_inc, d.high_inc = None, value_high, None, False
    elif kind == "approx_upper_exclusive":
        d.low, d.high, d.low_inc, d.high_inc = None, value_high, None, False
        d.approximate = True
    elif kind == "approx_lower_exclusive":
        d.low, d.high, d.low_inc, d.high_inc = value_low, None, False, None
        d.approximate = True
    elif kind == "approx_point":
        d.low, d.high, d.low_inc, d.high_inc = value_low, value_high, True, True
        d.approximate = True


def _draft(t: _Tokens, core: _Core) -> _Draft:
    """A single-core mention with its qualifiers before and after."""
    d = _Draft(core.i, core.j, core.low, core.high, True, True, core.approximate, core.vague, core.unit, None,
               core, core)
    kind, phrase, start = _qualified(t, core)
    if kind is not None:
        if core.vague:
            d.approximate = True
            d.qualifier, d.i = phrase, start
            if kind in ("lower_exclusive", "lower_inclusive", "approx_lower_exclusive"):
                d.high, d.high_inc = None, None
                d.low_inc = kind == "lower_inclusive"
            elif kind in ("upper_inclusive", "upper_exclusive", "approx_upper_exclusive"):
                d.low, d.low_inc = None, None
                d.high_inc = kind == "upper_inclusive"
        else:
            _apply_kind(d, kind, core.low, core.high)
            d.approximate = d.approximate or core.approximate
            d.qualifier, d.i = phrase, start
    post = t.match_forward(_POSTFIX, core.j)
    if post is not None and not core.vague:
        end, pkind = post
        if end < t.n and (t.low[end] in ("than", "to") or t.kind[end] == _KIND_DIGIT
                or t.low[end] in _NUMBER_START_WORDS
                          or t.match_forward(_CURRENCY_PREFIX, end) is not None):
            return d  # "equal to 5000 or less than 6000": the next phrase qualifies another number
        if pkind == "lower_inclusive" and d.high is not None:
            d.low, d.high, d.low_inc, d.high_inc = core.low, None, True, None
        elif pkind == "upper_inclusive" and d.low is not None:
            d.low, d.high, d.low_inc, d.high_inc = None, core.high, None, True
        elif pkind == "approx_point":
            d.approximate = True
        phrase = " ".join(t.low[core.j:end])
        d.qualifier = f"{d.qualifier} {phrase}" if d.qualifier else phrase
        d.j = end
    # "more than 5000 or equal to": the bound becomes inclusive.
    if d.j + 3 <= t.n and t.low[d.j:d.j + 3] == ["or", "equal", "to"] and not (d.j + 3 < t.n
            and t.kind[d.j + 3] == _KIND_DIGIT):
        if d.low is not None and d.high is None:
            d.low_inc = True
        elif d.high is not None and d.low is None:
            d.high_inc = True
        d.j += 3
    return d


def _range_between(t: _Tokens, a: _Draft, b: _Draft) -> _Draft | None:
    """Join two neighbouring drafts into one range when words between them say so."""
    if a.first.vague or b.first.vague:
        return None
    gap = t.low[a.j:b.i]
    opener_at = a.i - 1
    opener = t.low[opener_at] if opener_at >= 0 else ""
    qualifier_b = b.qualifier is not None and b.qualifier.split()[0] not in ("or",)
    if len(gap) != 1:
        return None
    joiner = gap[0]
    if opener in ("between", "from") and a.qualifier is None and joiner in _JOINERS[opener]:
        pass
    elif (a.qualifier is None or a.approximate and a.low == a.high) and b.qualifier is None \
            and joiner in _JOINERS["bare"]:
        if joiner in _DASHES and not (t.glued(a.j) and t.glued(b.i)) and t.kind[b.i] != _KIND_DIGIT:
            return None
        opener = ""
    else:
        return None
    if opener and opener != "between" and qualifier_b:
        return None
    lo_core, hi_core = a.first, b.last
    lo, hi = lo_core.low, hi_core.high
    # Scale and unit are often stated once: "between 5 and 10 million", "$5 to $10", "5-10 km".
    if not lo_core.scaled and hi_core.scaled:
        for scale in (1e12, 1e9, 1e6, 1e3, 100.0):
            if hi_core.high >= scale and lo * scale <= hi:
                lo *= scale
                break
    unit = a.unit if a.unit != "count" else b.unit
    if a.unit != "count" and b.unit != "count" and a.unit != b.unit:
        return None
    if lo >= hi:
        return None  # "3-1 win", "5 to 4 vote": scores and tallies, not ranges
    if lo_core.year_like and hi_core.year_like and unit == "count":
        return None  # "2014-2016" is a date span
    qualifier = opener or a.qualifier
    if b.qualifier:
        qualifier = f"{qualifier or ''} ... {joiner} {b.qualifier}".strip()
    return _Draft(a.i - (1 if opener and a.qualifier is None else 0), b.j, lo, hi, True, True,
                  a.approximate or b.approximate, False, unit,
                  qualifier, lo_core, hi_core)


def _ratio_joined(t: _Tokens, a: _Draft, b: _Draft) -> _Draft | None:
    """Join "one out of three", "1 in 5", "one over twenty" into one fraction."""
    if a.unit != "count" or b.unit != "count" or a.first is not a.last or b.first is not b.last:
        return None
    if a.qualifier is not None or a.first.vague or b.first.vague or b.first.year_like:
        return None
    gap = t.low[a.j:b.first.i]
    over = b.qualifier == "over" and a.j == b.i
    if not over and (b.qualifier is not None or gap not in (["out", "of"], ["in"])):
        return None
    num, den = a.first.low, b.first.low
    if not (0 < num <= den) and not over or den == 0:
        return None
    value = num / den
    frac = _Core(a.first.i, b.first.j, value, value, fraction=True)
    return _Draft(a.i, b.j, value, value, True, True, a.approximate, False, "fraction", None, frac, frac)


def _bounds_joined(t: _Tokens, a: _Draft, b: _Draft) -> _Draft | None:
    """Join "more than 30 and less than 40" (or the reverse order) into one interval."""
    if b.i - a.j != 1 or t.low[a.j] not in ("and", "but", ",") or "count" not in (a.unit, b.unit) and a.unit != b.unit:
        return None
    unit = b.unit if a.unit == "count" else a.unit
    if a.low is not None and a.high is None and b.low is None and b.high is not None:
        lower, upper = a, b
    elif a.low is None and a.high is not None and b.low is not None and b.high is None:
        lower, upper = b, a
    else:
        return None
    assert lower.low is not None and upper.high is not None
    if lower.low >= upper.high:
        return None
    return _Draft(a.i, b.j, lower.low, upper.high, lower.low_inc, upper.high_inc, a.approximate or b.approximate,
                  False, unit, f"{a.qualifier} ... {t.low[a.j]} {b.qualifier}", a.first, b.last)


def _keep_core(t: _Tokens, core: _Core) -> bool:
    """False for cores that are not quantities even though they read as numbers."""
    low, n = t.low, t.n
    if core.word_one and core.unit == "count" and not core.negated:
        before = low[core.i - 1] if core.i > 0 else ""
        before2 = " ".join(low[max(0, core.i - 2):core.i])
        nxt = core.j
        followed_by_of = nxt < n and low[nxt] == "of"
        if (before in _PRONOUN_ONE_BEFORE or before2 in _PRONOUN_ONE_BEFORE) and not (
                followed_by_of and before not in ("no", "the", "any", "every", "each")):
            return False
        if nxt >= n or t.kind[nxt] != _KIND_WORD:
            return False  # "working as one." / "one, ..."
        ratio = low[nxt] in ("over", "out", "in") and nxt + 1 < n and (
            t.kind[nxt + 1] == _KIND_DIGIT or low[nxt + 1] in _NUMBER_START_WORDS or low[nxt + 1] == "of")
        if low[nxt] != "of" and not ratio and (low[nxt] in _NOUN_STOPS or low[nxt].endswith("ed")
                or low[nxt] == "another"):
            return False  # "One cannot", "one even though", "one said"
    if core.needs_noun:
        nxt = core.j
        if nxt >= n or t.kind[nxt] != _KIND_WORD or (low[nxt] != "of" and low[nxt] in _NOUN_STOPS):
            return False  # "the couple", "a couple said"
    return True


def _is_year(t: _Tokens, d: _Draft, noun: str | None) -> bool:
    """True for a bare four-digit number with nothing that makes it a count: a year."""
    if not (d.first is d.last and d.first.year_like and d.unit == "count" and d.qualifier is None):
        return False
    return noun is None or not any(_is_plural(w.lower()) for w in noun.split() if w.islower())


def quantity_mentions(text: str, blocked: Sequence[tuple[int, int]] = (),
                      budget: Budget = UNLIMITED) -> list[QuantityMention]:
    """Every number that counts or measures something in one paragraph.

    Args:
        text: the paragraph.
        blocked: character spans that hold no quantity (the date recognizer's mentions); a number
            inside one is never reported, and a counted noun stops before one.
        budget: checked every few dozen numbers; raises `OverBudget` once spent.

    Returns:
        Mentions in text order, with offsets into `text` (`text[m.start:m.end] == m.text`).
    """
    if not text or (_DIGIT_RE.search(text) is None and _TRIGGER_WORDS.isdisjoint(_LOWER_WORD_RE.findall(text.lower()))):
        return []
    budget.check()
    t = _Tokens(text)
    budget.check()
    _mask_non_quantities(t, blocked, budget)
    budget.check()
    drafts: list[_Draft] = []
    consumed = 0  # a core swallowed by the previous one ("3 dollars 50 cents") is not read again
    for n, core in enumerate(_cores(t)):
        if not n & _CHECK_EVERY:
            budget.check()
        if core.i < consumed:
            continue
        if not _attach_units(t, core) or not _keep_core(t, core):
            continue
        draft = _draft(t, core)
        consumed = draft.j
        drafts.append(draft)
    # Ranges first ("between 100 and over 600"), then paired bounds ("above 10 and below 20").
    joined: list[_Draft] = []
    for d in drafts:
        if joined:
            merged = _range_between(t, joined[-1], d) or _bounds_joined(t, joined[-1], d) \
                or _ratio_joined(t, joined[-1], d)
            if merged is not None:
                joined[-1] = merged
                continue
        joined.append(d)
    out: list[QuantityMention] = []
    for n, d in enumerate(joined):
        if not n & _CHECK_EVERY:
            budget.check()
        noun, end = _noun_after(t, d.last) if d.j == d.last.j else (None, d.j)
        if noun is not None and n + 1 < len(joined) and end > joined[n + 1].i:
            noun = None  # the "noun" is the next quantity ("12 hundreds"): mentions never overlap
        if noun is None:
            end = d.j
        if _is_year(t, d, noun):
            continue
        if d.unit == "count" and d.first is d.last and t.kind[d.first.i] == _KIND_WORD and d.first.i > 0 \
                and t.low[d.first.i - 1] in _DASHES and t.glued(d.first.i):
            continue  # "one-time", "Su-two": compounds, not counts
        start_c, end_c = t.starts[d.i], t.ends[end - 1]
        low_inc = d.low_inc if d.low is not None else None
        high_inc = d.high_inc if d.high is not None else None
        out.append(QuantityMention(start_c, end_c, text[start_c:end_c], d.low, d.high, low_inc, high_inc,
                                   d.approximate, d.vague, d.unit, noun, d.qualifier))
    return out
