"""General filters for candidates: people's names, common lowercase words, headlines."""

from __future__ import annotations

import bisect
import functools
import itertools
import re
from collections.abc import Sequence

from transforms.gazetteer import folded_tokens, gazetteer, key_of_tokens
from transforms.locations.candidates import _FULL_NAME, _IN_PLACE, _LOCATIVE, _SPACE_CAPITALIZED, _big_ids, _Candidate
from transforms.locations.lexicon import _ASCII_WORD, _Lexicon


def _person_surnames(paragraphs: Sequence[str], lex: _Lexicon,
                     cands: list[_Candidate]) -> tuple[frozenset[str], frozenset[str], frozenset[str]]:
    """Words used as a person's surname in the article: all ("Mohamed Salah"); those after a
    common given name or a title ("John Bolton", "Mr. Jordan"), which are surely people; and those
    of a full name followed by an age ("Melton Lewis Paris, 51,"), people even when a capital
    has the name."""
    titled: set[str] = set()
    aged: set[str] = set()
    for text in paragraphs:
        for m in _FULL_NAME.finditer(text):
            first, last = m.group(1).lower(), m.group(2)
            if first in lex.titles or first in lex.given_names:
                titled.add(last)
        if _AGE.search(text):
            aged.update(m.group(1) for m in _AGED_NAME.finditer(text))
    names = {c.text for c in cands if c.single and _inside_name(c, lex)} | titled | aged
    return frozenset(names), frozenset(titled), frozenset(aged)


_AGE = re.compile(r",\s\d{1,3},")
_AGED_NAME = re.compile(r"\b[A-Z][a-z]+\.?\s+(?:[A-Z]\.\s+|[A-Z][a-z]+\s+)?([A-Z][a-z]+),\s+\d{1,3},")
# After a lowercase word or a comma, not after a capitalized word, not before one (see _FULL_NAME).
_LONE_CAPITALIZED = re.compile(r"([A-Z](?<![A-Z][\w.]\s[A-Z])(?<=[a-z,;]\s[A-Z])[a-z]+)(?!\s[A-Z])")


class _LowercaseWords:
    """The words an article also writes in lowercase, as whole words ("Independence" opening a
    sentence is the common word when "independence" appears too).

    Each word asked about is looked for in the text (a few per article) instead of collecting
    every lowercase word of the article up front.
    """

    def __init__(self, paragraphs: Sequence[str]) -> None:
        self._paragraphs = paragraphs
        self._known: dict[str, bool] = {}
        self._all: frozenset[str] | None = None

    def __contains__(self, word: str) -> bool:
        found = self._known.get(word)
        if found is None:
            if _ASCII_WORD.fullmatch(word) is None:
                found = False
            elif len(self._known) < _LOWERCASE_SEARCHES:
                found = any(_has_whole_word(text, word) for text in self._paragraphs)
            else:
                # Past a few words, one pass over the article beats a search per word: a word of
                # letters is a whole word of a text exactly when it is one of the text's \w runs.
                if self._all is None:
                    self._all = frozenset(itertools.chain.from_iterable(map(_WORD_RUN.findall, self._paragraphs)))
                found = word in self._all
            self._known[word] = found
        return found


_LOWERCASE_SEARCHES = 16
_WORD_RUN = re.compile(r"\w+")


_WORD_CHARACTER = re.compile(r"\w")


def _has_whole_word(text: str, word: str) -> bool:
    """Whether `word` occurs in `text` between non-word characters (where `\\bword\\b` matches)."""
    at = text.find(word)
    while at >= 0:
        end = at + len(word)
        if not (at and _WORD_CHARACTER.match(text, at - 1)) and not _WORD_CHARACTER.match(text, end):
            return True
        at = text.find(word, at + 1)
    return False


def _standalone_words(paragraphs: Sequence[str]) -> frozenset[str]:
    """Capitalized words used alone mid-sentence: how articles refer back to people ("Flores said")."""
    return frozenset(itertools.chain.from_iterable(map(_LONE_CAPITALIZED.findall, paragraphs)))


def _inside_name(c: _Candidate, lex: _Lexicon) -> bool:
    """The match ends a longer capitalized name that is not a place ("Mohamed Salah", "Camp Nou")."""
    prev = c.prev_in_run.lower().rstrip(".")
    if len(prev) < 2 or c.after_place or prev in lex.qualifiers or prev in lex.connectors:
        return False  # "R-Westfield": a party letter, not a first name
    # "Although Edmonton ...": a capitalized sentence opener is not part of the name.
    return not (c.prev_initial and (prev in gazetteer().common_words or prev in lex.common or prev.endswith("ly")))


_HEADLINE_WORD = re.compile(r"[A-Za-z][\w'’]*")
_HEADLINE_SMALL = frozenset({"a", "an", "the", "and", "or", "but", "of", "in", "on", "at", "to", "for", "by",
                             "with", "from", "as", "vs", "is", "are", "into", "over", "after"})
_SENTENCE_BREAK = re.compile(r"[.!?]\s")


_SHORT_PARAGRAPH = 2000


@functools.lru_cache(maxsize=8)
def _headline_index(text: str) -> tuple[list[int], list[int], list[int], list[int]]:
    """Sentence breaks of a paragraph, and for its words (`_HEADLINE_WORD`): their starts, and running
    counts of those outside `_HEADLINE_SMALL` and of those among them that are capitalized.

    Every candidate of a paragraph asks about its sentence; a paragraph with thousands of candidates
    and no full stop would rescan the same long sentence for each of them.
    """
    breaks = [m.start() for m in _SENTENCE_BREAK.finditer(text)]
    starts: list[int] = []
    counted, capitals = [0], [0]
    n = up = 0
    for m in _HEADLINE_WORD.finditer(text):
        word = m.group()
        starts.append(m.start())
        if word.lower() not in _HEADLINE_SMALL:
            n += 1
            up += word[0].isupper()
        counted.append(n)
        capitals.append(up)
    return breaks, starts, counted, capitals


def _in_headline(text: str, pos: int) -> bool:
    """Whether the sentence around `pos` is written in title case ("Senior Official Visits
    Georgia"), where capitalized neighbours say nothing about people's names."""
    # The sentence starts after the last break ending before pos within 200 characters (else at the
    # paragraph's start) and ends at the next break. Breaks (".", "!" or "?" then a space) never
    # overlap and words never hold one, so both are read off the paragraph's index.
    if len(text) <= _SHORT_PARAGRAPH:  # reading the sentence costs less than indexing the paragraph
        start = 0
        for m in _SENTENCE_BREAK.finditer(text, max(0, pos - 200), pos):
            start = m.end()
        end_match = _SENTENCE_BREAK.search(text, pos)
        end = end_match.start() if end_match else len(text)
        words = [w for w in _HEADLINE_WORD.findall(text, start, end) if w.lower() not in _HEADLINE_SMALL]
        return len(words) >= 4 and sum(w[0].isupper() for w in words) >= 0.9 * len(words)
    breaks, starts, counted, capitals = _headline_index(text)
    last = bisect.bisect_right(breaks, pos - 2) - 1
    start = breaks[last] + 2 if last >= 0 and breaks[last] >= pos - 200 else 0
    following = bisect.bisect_left(breaks, pos)
    end = breaks[following] if following < len(breaks) else len(text)
    lo, hi = bisect.bisect_left(starts, start), bisect.bisect_left(starts, end)
    n = counted[hi] - counted[lo]
    return n >= 4 and capitals[hi] - capitals[lo] >= 0.9 * n


def _is_city_only(ids: tuple[int, ...]) -> bool:
    """Whether every reading of a name is a town ("Bolton"; not "Jordan" or "Georgia")."""
    places = gazetteer().places
    return all(places[g].feature == "city" for g in ids)


def _looks_like_person(c: _Candidate, text: str, lex: _Lexicon,
                       surnames: tuple[frozenset[str], frozenset[str], frozenset[str]],
                       big: bool, standalone: frozenset[str]) -> bool:
    prev = c.prev_word.rstrip(".").lower()
    prev_cap = bool(c.prev_word) and c.prev_word[0].isupper()
    if prev in lex.titles and prev_cap:
        return True
    if prev_cap and prev in lex.given_names and text[c.start - 1:c.start] == " ":
        return True
    if _inside_name(c, lex) and not _in_headline(text, c.start):
        return True
    follower = c.next_in_run.lower().rstrip(".")
    if c.single and c.text.lower() in lex.qualifiers and follower:
        return True  # "Glenrock Lagoon", "Royal Street", "West Wales": a different, smaller feature
    if c.single and follower and not big and c.next_in_run in standalone and not _in_headline(text, c.start):
        return True  # "Kristina Flores ... Flores said": a small-town name used as a given name
    # "hiring Bolton" after "John Bolton": the person, even when a big town has the name
    prev_low = c.prev_word.lower()
    if c.single and (c.text in surnames[0] and not big and prev_low not in _LOCATIVE
                     or c.text in surnames[1] and prev_low not in _IN_PLACE and _is_city_only(c.ids)
                     or c.text in surnames[2] and prev_low not in _IN_PLACE):
        return True
    nxt = c.next_word.rstrip(".,;:'’s")
    if c.text.lower() in lex.given_names and nxt[:1].isupper() and nxt.lower() not in lex.institutions \
            and _SPACE_CAPITALIZED.match(text, c.end) and not _in_headline(text, c.start):
        following = key_of_tokens(folded_tokens(nxt))
        gaz = gazetteer()
        return following not in gaz.names or not _big_ids(gaz.names[following], gaz)
    return False
