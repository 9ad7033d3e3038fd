"""Regular expressions and tense cues, built once at import from the lexicons."""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

from transforms.dates.lexicon import _HOLIDAYS, _LEX, _MONTHS, _NUMBERS, _ORDINALS, _PARTS, _SEASONS, _UNITS, _WEEKDAYS


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


_EARLIER_YEAR = re.compile(r"(?<![\w$#€£.,/:-])(1[6-9]\d\d|20\d\d)(?![\w%]|[.,/:]\d|-\d)")
