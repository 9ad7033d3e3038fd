"""The flat token list of a paragraph, and the masking of tokens that cannot be quantities."""

from __future__ import annotations

import bisect
import operator
import re
from collections.abc import Sequence
from typing import Any

from transforms.budget import UNLIMITED, Budget
from transforms.quantities.rule_data import (
    _ABBR_SCALES,
    _AGE_ABBR,
    _AMBIGUOUS_MONTHS,
    _ASCII_TOKEN_RE,
    _CHECK_EVERY,
    _CURRENCY_CODES,
    _CURRENCY_PREFIX,
    _CURRENCY_SUFFIX,
    _DASHES,
    _IDENTIFIER_HEADS,
    _IRREGULAR_PLURALS,
    _KIND_DIGIT,
    _KIND_WORD,
    _LETTER_SCALES,
    _LIST_MARKER_RE,
    _MEASURES,
    _MILLION_CODES,
    _MONEY_LETTER_SCALES,
    _MONTHS,
    _NON_QUANTITY_RE,
    _NOT_IDENTIFIER_CAPITALS,
    _NOT_PLURAL,
    _NOUN_STOPS,
    _ORDINAL_SUFFIX,
    _PERCENT,
    _PLURAL_NOT_S_END,
    _QUALIFIERS,
    _QUOTES,
    _SCALE_WORDS,
    _TENS_WORDS,
    _TIME_SUFFIX,
    _TIME_UNITS,
    _TOKEN_RE,
    _UNIT_WORDS,
    _YEAR_BEFORE,
)

_LAST_GROUP = operator.attrgetter("lastindex")


class _Tokens:
    """Parallel arrays describing the tokens of one paragraph."""

    __slots__ = ("ends", "kind", "low", "masked", "n", "raw", "starts", "text")

    def __init__(self, text: str) -> None:
        self.text = text
        # One pass of the regex, then the match methods mapped over its matches (no Python loop per token).
        found = list((_ASCII_TOKEN_RE if text.isascii() else _TOKEN_RE).finditer(text))
        self.starts: list[int] = list(map(re.Match.start, found))
        self.ends: list[int] = list(map(re.Match.end, found))
        self.raw: list[str] = list(map(re.Match.group, found))
        # every alternative of the pattern is a group, so the last one matched is the token's kind
        self.kind: list[int] = list(map(_LAST_GROUP, found))
        lowered = text.lower()
        # str.lower() keeps the length for the scripts news is written in; fall back per token otherwise.
        self.low = self.raw if lowered == text else (
            list(map(lowered.__getitem__, map(slice, self.starts, self.ends))) if len(lowered) == len(text)
            else [t.lower() for t in self.raw])
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
