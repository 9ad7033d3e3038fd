"""Toponyms in article paragraphs, resolved to GeoNames places (EXTRACTION.md, "Locations").

Recognition has no statistical model: capitalized word runs are looked up n-gram by n-gram in
the gazetteer's normalized-name index (longest match first), then filtered by general rules for
people, organizations, common words and demonyms. Resolution scores every candidate place by
feature type, population and article context (countries and first-level divisions mentioned
elsewhere, "Town, State" pairs, feature words such as "province").
"""

from __future__ import annotations

import bisect
import functools
import itertools
import math
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

import ahocorasick

from transforms._data import rules
from transforms.budget import UNLIMITED, Budget
from transforms.gazetteer import Gazetteer, Place, folded_tokens, gazetteer, key_of_tokens, place

__all__ = ["LocationMention", "Place", "location_mentions", "place", "rules_problems"]

_MAX_NGRAM = 6
_CHECK_EVERY = 0x3F  # look at the budget once per 64 words or names
_RULES_NAME = "locations"


@dataclass(frozen=True, slots=True)
class LocationMention:
    start: int  # offsets into that paragraph's text; paragraph[start:end] == self.text
    end: int
    text: str
    geonameid: int | None  # None when recognized but not resolvable
    name: str | None
    feature: str | None
    country_code: str | None
    admin1_code: str | None
    latitude: float | None
    longitude: float | None
    confidence: float  # 0..1
    is_modifier: bool


_ASCII_WORD = re.compile(r"[a-z]+")


def rules_problems(data: Any) -> list[str]:
    """Problems in the locations lexicon (empty when valid)."""
    problems: list[str] = []
    if not isinstance(data, dict):
        return ["top level must be a mapping"]
    lists = ("connectors", "admin1_words", "city_words", "titles", "given_names", "organizations",
             "common_capitalized", "not_modifier_followers", "qualifiers", "facilities", "streets", "institutions",
             "calendar", "settlements")
    for key in lists:
        value = data.get(key)
        if not isinstance(value, list) or not value:
            problems.append(f"{key}: must be a non-empty list")
        elif not all(isinstance(v, str) and v.strip() for v in value):
            problems.append(f"{key}: entries must be non-empty strings")
        elif key != "organizations" and any(v != v.lower() for v in value):
            problems.append(f"{key}: entries must be lowercase")
        elif key == "connectors" and not all(_ASCII_WORD.fullmatch(v) for v in value):
            problems.append(f"{key}: entries must be lowercase ASCII words")  # `_tokens` relies on it
    abbrevs = data.get("region_abbreviations")
    if not isinstance(abbrevs, dict):
        problems.append("region_abbreviations: must map country codes to {abbreviation: admin1 code}")
    else:
        for cc, table in abbrevs.items():
            if not (isinstance(cc, str) and len(cc) == 2 and cc.isupper()) or not isinstance(table, dict):
                problems.append(f"region_abbreviations.{cc}: bad country code or table")
                continue
            for abbr, code in table.items():
                if not str(abbr).endswith(".") or not isinstance(code, str):
                    problems.append(f"region_abbreviations.{cc}.{abbr}: must end with '.' and map to a code")
    if isinstance(data.get("streets"), list) and isinstance(data.get("facilities"), list) \
            and not set(data["streets"]) <= set(data["facilities"]):
        problems.append("streets: every entry must also be a facility word")
    currencies = data.get("currency_countries")
    if not isinstance(currencies, dict) or not all(
            isinstance(sym, str) and sym and isinstance(ccs, list) and ccs
            and all(isinstance(cc, str) and len(cc) == 2 and cc.isupper() for cc in ccs)
            for sym, ccs in currencies.items()):
        problems.append("currency_countries: must map currency symbols to lists of country codes")
    extra = set(data) - set(lists) - {"region_abbreviations", "currency_countries"}
    if extra:
        problems.append(f"unknown sections: {sorted(extra)}")
    return problems


@dataclass(frozen=True, slots=True)
class _Lexicon:
    connectors: frozenset[str]
    admin1_words: frozenset[str]
    city_words: frozenset[str]
    titles: frozenset[str]
    given_names: frozenset[str]
    organizations: Any  # ahocorasick.Automaton over the organization names
    common: frozenset[str]
    not_modifier: frozenset[str]
    qualifiers: frozenset[str]
    facilities: frozenset[str]
    streets: frozenset[str]  # the facility words of roads: "Campbell Branch Road" is one street
    calendar: frozenset[str]  # weekdays and months: never places, whatever the preposition
    settlements: frozenset[str]  # "Colony", "Heights": after a state's name, a town the gazetteer lacks
    institutions: frozenset[str]
    connector_re: re.Pattern[str]  # a joiner, then a lowercase connector inside a name (group 1)
    abbreviations: dict[str, tuple[str, str]]  # "Ky." -> ("US", "KY")
    currencies: tuple[tuple[re.Pattern[str], tuple[str, ...]], ...]  # amount pattern -> countries


@functools.cache
def _lexicon() -> _Lexicon:
    data = rules(_RULES_NAME)
    problems = rules_problems(data)
    if problems:
        raise ValueError(f"data/rules/{_RULES_NAME}.yaml: " + "; ".join(problems))
    orgs = ahocorasick.Automaton()
    for name in data["organizations"]:
        orgs.add_word(name, len(name))
    orgs.make_automaton()
    connectors = "|".join(sorted(map(re.escape, data["connectors"]), key=len, reverse=True))
    abbrevs = {abbr: (cc, code) for cc, table in data["region_abbreviations"].items() for abbr, code in table.items()}
    return _Lexicon(
        connectors=frozenset(data["connectors"]),
        admin1_words=frozenset(data["admin1_words"]),
        city_words=frozenset(data["city_words"]),
        titles=frozenset(data["titles"]),
        given_names=frozenset(data["given_names"]),
        organizations=orgs,
        common=frozenset(data["common_capitalized"]),
        not_modifier=frozenset(data["not_modifier_followers"]),
        qualifiers=frozenset(data["qualifiers"]),
        facilities=frozenset(data["facilities"]),
        streets=frozenset(data["streets"]),
        calendar=frozenset(data["calendar"]),
        settlements=frozenset(data["settlements"]),
        # a lowercase connector only matters between words of a name ("Isle of Man", "ez-Zor")
        connector_re=re.compile(rf"[ \-‐‑]((?:{connectors})\b(?=[ \-‐‑](?:[^\W\d_a-z]|(?:{connectors})\b)))"),
        institutions=frozenset(data["institutions"]) | frozenset(data["facilities"])
        | frozenset(data["admin1_words"]) | frozenset(data["city_words"]),
        abbreviations=abbrevs,
        currencies=tuple((re.compile(re.escape(symbol) + r"\s?\d"), tuple(ccs))
                         for symbol, ccs in data["currency_countries"].items()),
    )


# Words of names: dotted abbreviations ("U.S.", "B.C.", "W.Va."), "ST." before a name, then
# letter runs starting with a capital (hyphens split words so "ez-Zor" is two tokens joined by
# "-"). Every alternative starts with the same character class, so the regex engine skips
# straight to the letters that can start a word of a name instead of trying each alternative at
# every position of the paragraph; lookbehinds then restate what an alternative needs of that
# first letter (an ASCII capital, or a word boundary before it). The class lists lowercase
# letters and the space first: most characters are one of those, and the engine tests the
# members of a class in order.
_NAME_WORD = re.compile(
    r"[^a-z \W\d_](?:"
    r"(?<=[A-Z])\.(?:[A-Z]\.)+"
    r"|(?<=[A-Z])[a-z]{1,4}\.(?:[A-Z][a-z]?\.)?"
    r"|(?<!\w.)(?:(?<=S)TE?|(?<=[FM])T)\.(?= [A-Z])"
    r"|(?<!\w.)[^\W\d_]*)")
_NEXT_WORD = re.compile(r"\s+([\w.'’-]+)")
# Matched against the 40 characters before a name, reversed: the space before the name, the word
# before it (which must end with a letter, digit or dot) and, past any punctuation, the word
# before that. Reversing lets one anchored match replace a scan of the whole window.
_WORDS_BEFORE = re.compile(r"\s+(?=[\w.])([\w.'’]+)(?:[^\w.'’]+([\w.'’]+))?")
_COMMA_HINT = re.compile(r",\s+((?:[A-Z][\w.]*\.?)(?:[ -](?:[A-Z][\w.]*))?(?:[ -](?:[A-Z][\w.]*))?)")
# Patterns scanned over whole articles start with a plain character class, with any word
# boundary or context test moved into a lookbehind after it: the regex engine then skips
# straight to the capitals instead of trying the pattern at every character. The second word is
# only looked ahead at, so matches overlap: "The Rev. Al Meredith" yields "Rev. Al" and "Al Meredith".
_FULL_NAME = re.compile(r"([A-Z](?<!\w[A-Z])[a-z]+)(?=\.?\s+(?:[A-Z]\.\s+)?([A-Z][a-z]+)\b)")  # \b before it
_SPACE_CAPITALIZED = re.compile(r"\s[A-Z][a-z]+\b")
_DOTTED_WORDS = frozenset({"St.", "Ft.", "Mt.", "Ste.", "ST.", "FT.", "MT.", "STE."})
_JOINERS = frozenset({" ", "-", "‐", "‑"})
_SENTENCE_END = re.compile(r"(?:^|[.!?:;\"“”'‘’()\[\]•|—–-]\s*|\n\s*)$")
_COMPASS = frozenset({"western", "eastern", "northern", "southern", "central", "north", "south", "east", "west"})
_LOCATIVE = frozenset({"in", "at", "near", "from", "to", "into", "outside", "across", "throughout",
                        "towards", "toward", "around", "via", "of", "between", "within", "inside"})
# "the grace of God", "a sense of Hope": after "of" a common word stays a common word.
_COMMON_LOCATIVE = _LOCATIVE - {"of"}
# Prepositions that put what follows on the map ("in Bolton"); "to"/"from" also take people.
_IN_PLACE = frozenset({"in", "at", "near", "outside", "inside", "across", "throughout", "around", "within"})
_DATELINE_END = re.compile(r"\s*(?:,|\(|—|–|-|:)")


@dataclass(slots=True)
class _Token:
    start: int
    end: int
    text: str
    cap: bool


@dataclass(slots=True)
class _Candidate:
    para: int
    start: int
    end: int
    text: str
    key: str
    ids: tuple[int, ...]
    next_word: str
    prev_word: str
    prev2_word: str
    sentence_initial: bool
    single: bool
    region_hint: tuple[str, str] | None  # (cc, admin1) from ", State" after the name
    country_hint: str | None  # from ", Country" after the name
    feature_hint: str | None  # "admin1" / "city" from a feature word after the name
    abbreviation: tuple[str, str] | None = None
    prev_in_run: str = ""  # capitalized word just before the match inside the same name run
    prev_initial: bool = False  # that word starts a sentence
    after_place: bool = False  # the word before is itself the end of a matched major place
    next_in_run: str = ""  # capitalized word right after the match inside the same run
    facility: bool = False  # a street or site name: recognized, not resolvable to a place
    hint_shared: bool = False  # the hints come from another mention of the same name
    listed_county: bool = False  # a member of "Douglas, Sarpy and Lancaster counties"


@functools.cache
def _folded(token: str) -> tuple[str, ...]:
    return tuple(folded_tokens(token))


def _tokens(text: str, lex: _Lexicon, budget: Budget = UNLIMITED) -> list[_Token]:
    """Words of names, each followed by the lowercase connectors chained right after it, in text order.

    A connector only matters joined to the word before it ("Isle of Man", "ez-Zor"): one that
    follows no word would only end a run that ends there anyway, so it is looked for after each
    word rather than all over the paragraph. Connectors start with a-z after a joiner, where no
    word of a name starts, so the two never compete for the same text.
    """
    out = []
    abbreviations = lex.abbreviations
    connector_at = lex.connector_re.match
    for n, m in enumerate(_NAME_WORD.finditer(text)):
        if not n & _CHECK_EVERY:
            budget.check()
        word = m.group()
        start, end = m.span()
        if word[-1] == "." and word.count(".") == 1 and word not in abbreviations and word not in _DOTTED_WORDS:
            word, end = word[:-1], end - 1  # a sentence-final period, not part of the name
        out.append(_Token(start, end, word, word[0].isupper()))
        while (c := connector_at(text, end)) is not None:
            end = c.end(1)
            out.append(_Token(c.start(1), end, c.group(1), False))
    return out


@functools.lru_cache(maxsize=200_000)
def _key_of_words(words: tuple[str, ...]) -> str:
    folded: list[str] = []
    for w in words:
        folded.extend(_folded(w))
    return key_of_tokens(folded)


@functools.lru_cache(maxsize=200_000)
def _name_lookup(words: tuple[str, ...]) -> tuple[str, tuple[int, ...] | None]:
    """The lookup key of a word sequence and the gazetteer's ids for it (None: no such name).

    Every capitalized word of every paragraph is looked up this way, often several times (longest
    n-gram first), so the answer is kept with the key.
    """
    key = _key_of_words(words)
    names = gazetteer().names
    return key, (names[key] if key in names else None)


@functools.cache
def _name_lengths() -> dict[tuple[str, str], int]:
    """For the first two words of every gazetteer name of three words or more, the most words a
    name starting with them has: a longer run of words needs no lookup."""
    longest: dict[tuple[str, str], int] = {}
    for key in gazetteer().names:
        parts = key.split(" ")
        if len(parts) >= 3 and longest.get((pair := (parts[0], parts[1])), 0) < len(parts):
            longest[pair] = len(parts)
    return longest


@functools.cache
def _longest_name() -> int:
    """The most words a gazetteer name has."""
    return max(key.count(" ") + 1 for key in gazetteer().names)


@functools.lru_cache(maxsize=50_000)
def _key_head(first: str, second: str) -> tuple[str, str]:
    """The first two words of the key of any name whose folded words begin `first second` and go on."""
    words = key_of_tokens((first, second, "")).split(" ")
    return words[0], words[1]


def _longest_lookup(words: tuple[str, ...], i: int, limit: int) -> int:
    """How many words from `words[i]` on may still name a place, at most `limit`: a name's key has
    at least as many words as its folded words, so past the longest name that starts like these
    words (`_name_lengths`), no lookup can succeed."""
    folded: list[str] = []
    for j in range(i, limit):
        folded.extend(_folded(words[j]))
        if len(folded) >= 3:
            most = _name_lengths().get(_key_head(folded[0], folded[1]), 0)
            size = len(folded)
            k = j
            while k < limit and size <= most:
                k += 1
                if k < limit:
                    size += len(_folded(words[k]))
            return max(k, i + 1)  # a single word is always looked at (abbreviations need no key)
    return limit


def _sentence_initial(text: str, start: int) -> bool:
    return _SENTENCE_END.search(text[max(0, start - 4):start]) is not None


def _word_after(text: str, end: int) -> str:
    m = _NEXT_WORD.match(text, end)
    return m.group(1) if m else ""


def _words_before(text: str, start: int) -> tuple[str, str]:
    """The word before `start` and the one before that, when a space separates the first from it."""
    m = _WORDS_BEFORE.match(text[max(0, start - 40):start][::-1])
    if m is None:
        return "", ""
    return m.group(1)[::-1], (m.group(2) or "")[::-1]


_WORD_CHAR = re.compile(r"[\w.]")


def _blocked_spans(text: str, lex: _Lexicon) -> list[tuple[int, int]]:
    """Organization names in the text ("Islamic State", "Kremlin"), whole words only, leftmost
    and then longest first, not overlapping."""
    found = []
    for last, size in lex.organizations.iter(text):
        start, end = last + 1 - size, last + 1
        if (start and _WORD_CHAR.match(text, start - 1)) or (end < len(text) and text[end] != "."
                                                             and _WORD_CHAR.match(text, end)):
            continue
        found.append((start, -size))
    spans: list[tuple[int, int]] = []
    for start, neg in sorted(found):
        if not spans or start >= spans[-1][1]:
            spans.append((start, start - neg))
    return spans


def _runs(tokens: list[_Token], text: str, lex: _Lexicon) -> list[list[_Token]]:
    """Maximal runs of capitalized words joined by spaces/hyphens, with lowercase connectors inside."""
    runs: list[list[_Token]] = []
    cur: list[_Token] = []
    for tok in tokens:
        joined = bool(cur) and text[cur[-1].end:tok.start] in _JOINERS  # a space after "St." too
        if tok.cap or (joined and tok.text.lower() in lex.connectors):
            if cur and not joined:
                runs.append(cur)
                cur = []
            cur.append(tok)
        else:
            if cur:
                runs.append(cur)
            cur = []
    if cur:
        runs.append(cur)
    trimmed = []
    for run in runs:
        last = len(run)
        while last and not run[last - 1].cap:  # trailing connectors: cut once, however many
            last -= 1
        if last:
            trimmed.append(run if last == len(run) else run[:last])
    return trimmed


def _big_ids(ids: tuple[int, ...], gaz: Gazetteer) -> bool:
    """Whether a name can denote a major place (country, division, region or a city of 100k+)."""
    for gid in ids:
        p = gaz.places[gid]
        if p.feature in ("country", "admin1", "region", "physical") or (p.population or 0) >= 100_000:
            return True
    return False


def _hint_after(text: str, end: int, gaz: Gazetteer, lex: _Lexicon) -> tuple[tuple[str, str] | None, str | None]:
    """", Ky." / ", Texas" / ", Syria" right after a name: the division or country it lies in."""
    m = _COMMA_HINT.match(text, end)
    if not m:
        return None, None
    words = m.group(1)
    # the whole, then cut before each space or hyphen, longest first (at most three words, but a
    # word may be any length)
    cuts = [len(words)] + [cut for cut in range(len(words) - 1, 0, -1) if words[cut] in " -"]
    for cut in cuts:
        part = words[:cut]
        if part in lex.abbreviations:
            return lex.abbreviations[part], None
        key = key_of_tokens(folded_tokens(part))
        if key in gaz.names:
            for gid in gaz.names[key]:
                p = gaz.places[gid]
                if p.feature == "admin1" and p.country_code and p.admin1_code:
                    return (p.country_code, p.admin1_code), None
            for gid in gaz.names[key]:
                p = gaz.places[gid]
                if p.feature == "country" and p.country_code:
                    return None, p.country_code
    return None, None


def _division_body(key: str, after: str, gaz: Gazetteer) -> bool:
    """A road, court or patrol of the division it is named after: the division is the toponym.

    "Douglas County Road 12", "Platte County Court": a county's own. "Florida Highway Patrol",
    "Kentucky Court of Appeals": a first-level division's body (a capitalized word or "of"
    follows); a bare "Ohio Street" stays a street that may lie anywhere.
    """
    if key.endswith((" county", " parish")):
        return True
    if not (after[:1].isupper() or after == "of"):
        return False
    return any(gaz.places[g].feature == "admin1" for g in gaz.names.get(key, ()))


def _feature_hint(next_word: str, lex: _Lexicon) -> str | None:
    low = next_word.lower().rstrip(".,;:")
    if low in lex.admin1_words:
        return "admin1"
    if low in lex.city_words:
        return "city"
    return None


def _town_of_hint(prev: str, prev2: str, lex: _Lexicon) -> str | None:
    """"the city of Turkey", "Town of Lebanon": only a town reading fits."""
    if prev == "of" and prev2.lower() in lex.city_words:
        return "town"
    return None


def _article_hint(prev: str, prev2: str) -> str | None:
    """"the Atlantic", "the tropical Pacific": towns rarely take the article, seas and regions do."""
    if prev.lower() == "the" or (prev2.lower() == "the" or prev2 in _COMPASS) and prev.isalpha() and prev.islower():
        return "area"
    return None


def _site_end(run: list[_Token], j: int, key: str, text: str, gaz: Gazetteer, lex: _Lexicon) -> int | None:
    """Index of the run's last word when the place name at run[:j] starts the name of a street,
    a site or an unlisted settlement (the whole is then one unresolvable name), else None."""
    # "Washington Drive", "Glenrock Lagoon", "Campbell Branch Road": a street or site named after
    # the place (up to two more capitalized words before a road word).
    k = j
    while k < len(run) and k < j + 2 and run[k].cap and run[k].text.lower().rstrip(".") not in lex.facilities \
            and text[run[k - 1].end:run[k].start] == " ":
        k += 1
    if k > j and (k == len(run) or run[k].text.lower().rstrip(".") not in lex.streets):
        k = j  # only a road takes extra words: "Wood Green Crown Court" is Wood Green's court
    if k == len(run) or text[run[k - 1].end:run[k].start] != " ":
        return None
    follower = run[k].text.lower().rstrip(".")  # "Memphis St.": the dot of the abbreviation
    if follower in lex.facilities:
        return None if _division_body(key, _word_after(text, run[k].end), gaz) else k
    # "Tennessee Colony", "Texas Heights": a settlement the gazetteer lacks, not the state
    # ("Madison Township", "Las Vegas Valley" stay with the town they are named after)
    if k == j and follower in lex.settlements and _is_division(key):
        return k
    return None


def _candidates(pi: int, text: str, gaz: Gazetteer, lex: _Lexicon, budget: Budget = UNLIMITED) -> list[_Candidate]:
    tokens = _tokens(text, lex, budget)
    budget.check()
    blocked = _blocked_spans(text, lex)
    budget.check()
    # sorted and never overlapping, so their ends are sorted too: the first ending after a start is
    # the only one that may overlap a name from there
    blocked_starts, blocked_ends = [bs for bs, _ in blocked], [be for _, be in blocked]
    out: list[_Candidate] = []
    runs = _runs(tokens, text, lex)
    budget.check()
    for run in runs:
        words = tuple(t.text for t in run)  # sliced for each n-gram looked up
        i = 0
        while i < len(run):
            if not i & _CHECK_EVERY:
                budget.check()
            if not run[i].cap:
                i += 1
                continue
            found = None
            for j in range(_longest_lookup(words, i, min(len(run), i + _MAX_NGRAM)), i, -1):
                if not run[j - 1].cap:
                    continue
                key, known = _name_lookup(words[i:j])
                if known is not None or run[i].text in lex.abbreviations and j == i + 1:
                    found = (j, key, known or ())
                    break
            if found is None:
                i += 1
                continue
            j, key, ids = found
            if j - i >= 2 and run[j - 1].text in ("City", "Town") and key not in gaz.main_names:
                # "Springfield City Schools", "Dublin City Council": the town's own name plus a
                # feature word, not the alternate name "Springfield City" that one Springfield
                # carries (which would also vote for that one a second time).
                shorter, shorter_ids = _name_lookup(words[i:j - 1])
                if shorter_ids is not None:
                    j, key, ids = j - 1, shorter, shorter_ids
            start, end = run[i].start, run[j - 1].end
            site = _site_end(run, j, key, text, gaz, lex) if j < len(run) else None
            if site is not None:
                last = run[site]
                out.append(_Candidate(
                    para=pi, start=start, end=last.end, text=text[start:last.end], key="", ids=(),
                    next_word=_word_after(text, last.end), prev_word="", prev2_word="",
                    sentence_initial=False, single=False, region_hint=None, country_hint=None,
                    feature_hint=None, facility=True,
                ))
                i = site + 1
                continue
            surface = text[start:end]
            if blocked and (k := bisect.bisect_right(blocked_ends, start)) < len(blocked) and blocked_starts[k] < end:
                i = j
                continue
            prev, prev2 = _words_before(text, start)
            nxt = _word_after(text, end)
            region_hint, country_hint = _hint_after(text, end, gaz, lex) if text[end:end + 1] == "," else (None, None)
            if region_hint is not None and _is_division(key):
                region_hint = None  # "Missouri, New York and Virginia": a list of states, not a town "in" one
            abbreviation = lex.abbreviations.get(surface) if j == i + 1 else None
            prev_in_run = run[i - 1].text if i > 0 and run[i - 1].cap else ""
            prev_initial = bool(prev_in_run) and _sentence_initial(text, run[i - 1].start)
            after_place = bool(out) and out[-1].end == (run[i - 1].end if i > 0 else -1) and _big_ids(out[-1].ids, gaz)
            next_in_run = run[j].text if j < len(run) and run[j].cap and text[end:run[j].start] == " " else ""
            out.append(_Candidate(
                para=pi, start=start, end=end, text=surface, key=key, ids=ids,
                next_word=nxt, prev_word=prev, prev2_word=prev2,
                sentence_initial=_sentence_initial(text, start), single=(j == i + 1),
                region_hint=region_hint, country_hint=country_hint,
                feature_hint=_feature_hint(nxt, lex) or _town_of_hint(prev, prev2, lex) or _article_hint(prev, prev2),
                abbreviation=abbreviation,
                prev_in_run=prev_in_run, prev_initial=prev_initial, after_place=after_place,
                next_in_run=next_in_run,
            ))
            i = j
    return out


_LIST_NAME = r"[A-Z][\w'’.]*(?:[ -][A-Z][\w'’.]*)*"
_LIST_SEP = r"(?:,\s+|,?\s+(?:and|or|&)\s+)"
# "Douglas, Sarpy and Lancaster counties": the list right before the plural.
_LIST_BEFORE_PLURAL = re.compile(rf"(?:{_LIST_NAME}{_LIST_SEP})*{_LIST_NAME}\s+$")
# "the state's three largest counties: Douglas, Lancaster and Sarpy": the list right after it.
_LIST_AFTER_PLURAL = re.compile(rf"\s*(?:[:—–”“\"]|\s-|\s(?:of|including|like|such as))\s*"
                                rf"((?:{_LIST_NAME}{_LIST_SEP})*{_LIST_NAME})")
_ONE_NAME = re.compile(_LIST_NAME)
_DIVISION_PLURALS = {"counties": "county", "parishes": "parish"}
_DIVISION_PLURAL = re.compile(r"\b(counties|parishes)\b")


def _county_lists(pi: int, text: str, cands: list[_Candidate], gaz: Gazetteer, lex: _Lexicon) -> list[_Candidate]:
    """Names listed before or after "counties" / "parishes" are those counties.

    "Jackson and Barrow counties", "Dakota, Otoe and Washington counties": the bare names are the
    counties "Jackson County", "Barrow County", ..., not the towns (often far away) that share the
    name; names no town has ("Otoe") become mentions too. After the plural only a list introduced
    by ":", a dash, a quote, "of" or "including" counts, and a name that is also a state or country
    keeps that reading ("counties of Georgia").
    """
    found: list[tuple[int, int, str]] = []
    for m in _DIVISION_PLURAL.finditer(text):
        suffix = _DIVISION_PLURALS[m.group(1)]
        window_start = max(0, m.start() - 200)
        before = _LIST_BEFORE_PLURAL.search(text, window_start, m.start())
        spans = [(n.start(), n.end(), False) for n in _ONE_NAME.finditer(text, before.start(), before.end())] \
            if before else []
        after = _LIST_AFTER_PLURAL.match(text, m.end())
        if after:
            spans += [(n.start(), n.end(), True) for n in _ONE_NAME.finditer(text, after.start(1), after.end(1))]
        for start, end, trailing in spans:
            words = list(re.finditer(r"\S+", text[start:end]))
            # folded words from each word to the end: a tail with more than the longest name's
            # (its key has at least as many) names no county, and a long list has many such tails
            left = sum(len(_folded(w.group())) for w in words)
            for w in words:  # "Small Hitchcock": the longest tail that names a county
                tail_size, left = left, left - len(_folded(w.group()))
                if tail_size >= _longest_name():
                    continue
                s0 = start + w.start()
                name = _key_of_words(tuple(text[s0:end].split()))
                key = name + " " + suffix
                if key not in gaz.names:
                    continue
                ids = tuple(g for g in gaz.names[key] if gaz.places[g].feature == "admin2")
                bare = gaz.names.get(name, ())
                if ids and not (trailing and any(gaz.places[g].feature in ("admin1", "country") for g in bare)):
                    found.append((s0, end, key))
                break
    if not found:
        return cands
    kept = [c for c in cands if not any(c.start < e and s0 < c.end for s0, e, _ in found)]
    for s0, e, key in found:
        prev, prev2 = _words_before(text, s0)
        kept.append(_Candidate(
            para=pi, start=s0, end=e, text=text[s0:e], key=key, ids=gaz.names[key],
            next_word=_word_after(text, e), prev_word=prev, prev2_word=prev2,
            sentence_initial=_sentence_initial(text, s0), single=" " not in text[s0:e],
            region_hint=None, country_hint=None, feature_hint=None, listed_county=True,
        ))
    kept.sort(key=lambda c: c.start)
    return kept


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


def _prior(p: Place, key: str, gaz: Gazetteer) -> float:
    """Context-free plausibility of a place for a name: feature type, size, main-name match."""
    if p.feature == "country":
        score = 11.0
    elif p.feature == "admin1":
        # a parish of a small island state is no match for a city of 300,000 ("St. Paul")
        score = 6.5 - 0.8 * max(0.0, 5.0 - math.log10((p.population or 100_000) + 10))
    elif p.feature in ("region", "physical"):
        score = 6.0
    elif p.feature == "admin2":
        # bigger counties first among same-named ones ("Madison County" is in 20 states)
        score = (4.0 if " " in key else 3.0) + 0.2 * math.log10((p.population or 0) + 10)
    else:
        score = 1.6 * math.log10((p.population or 0) + 10) - 2.5
        if p.geonameid in gaz.capitals:
            score += 1.0  # "Washington", "Rome", "Damascus" in news mean the capital
    if key in gaz.main_names and p.geonameid in gaz.main_names[key]:
        score += 2.5  # alternate names include odd historical and foreign forms
    return score


_WITHIN_80_KM = (80.0 / 111.2) ** 2  # squared degrees of latitude
_WITHIN_250_KM = (250.0 / 111.2) ** 2


_GRID_DEGREES = 0.5  # cell size of the grid `nearness` searches
_FEW_POINTS = 64  # up to this many points, `nearness` looks at each


@dataclass(slots=True)
class _Context:
    """Evidence per country / division, split by the name that gave it (so a name never supports itself)."""

    countries: dict[str, dict[str, float]]
    admin1: dict[tuple[str, str], dict[str, float]]
    points: list[tuple[str, float, float]] = field(default_factory=list)  # (key, lat, lon) of sure mentions
    memo: dict[tuple[Any, ...], list[tuple[float, Place]]] = field(default_factory=dict)  # rankings
    totals: dict[str, float] = field(default_factory=dict)  # all evidence but one name's (names that gave some)
    cohesion: dict[tuple[str, int], float] = field(default_factory=dict)  # (key, id) -> bonus
    locale: dict[str, float] = field(default_factory=dict)  # country -> weight of the article's own cues
    locale_weight: float = 0.0  # what the cues add to the article's total evidence
    locale_key: tuple[tuple[str, float], ...] = ()  # the cues in a cache key's form
    cohesion_keys: frozenset[str] = frozenset()  # names with a cohesion bonus
    # Evidence totals per country and division, and of the whole article: the tables never change,
    # and every place scored asks for them.
    country_sums: dict[str, float] = field(default_factory=dict)
    division_sums: dict[tuple[str, str], float] = field(default_factory=dict)
    grand_total: float = 0.0
    # The points on a grid of half-degree cells (rows of columns), so `nearness` looks only at the
    # cells that can be near: a latitude band alone holds a whole zone's worth of points.
    grid: dict[int, dict[int, list[tuple[str, float, float]]]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.locale_weight = max(self.locale.values(), default=0.0)
        self.locale_key = tuple(sorted(self.locale.items()))
        self.cohesion_keys = frozenset(key for key, _ in self.cohesion)
        self.country_sums = {cc: sum(per_key.values()) for cc, per_key in self.countries.items()}
        self.division_sums = {div: sum(per_key.values()) for div, per_key in self.admin1.items()}
        self.grand_total = sum(self.country_sums.values())
        own: dict[str, float] = {}  # each name's evidence, summed country by country
        for per_key in self.countries.values():
            for key, weight in per_key.items():
                own[key] = own.get(key, 0.0) + weight
        self.totals = {key: self.grand_total - weight for key, weight in own.items()}
        for point in self.points if len(self.points) > _FEW_POINTS else ():
            _, lat, lon = point
            row = self.grid.setdefault(math.floor(lat / _GRID_DEGREES), {})
            row.setdefault(math.floor(lon / _GRID_DEGREES), []).append(point)

    def nearness(self, p: Place, key: str) -> float:
        """Bonus for lying close to places the article surely mentions (local news clusters)."""
        if p.feature in ("country", "region", "physical") or not self.points:
            return 0.0
        plat, plon = p.latitude, p.longitude
        coslat2 = math.cos(math.radians(plat)) ** 2
        if len(self.points) <= _FEW_POINTS:  # an ordinary article: fewer points than grid cells to visit
            near = False
            for k, lat, lon in self.points:
                # squared equirectangular distance in degrees: plenty for a 80/250 km test
                d = (lat - plat) ** 2 + (lon - plon) ** 2 * coslat2
                if d <= _WITHIN_250_KM and k != key:
                    if d <= _WITHIN_80_KM:
                        return 3.5
                    near = True
            return 1.2 if near else 0.0
        # The cells that can hold a point within 80 km first: a dense area answers there. Only when
        # none is that near do the cells out to 250 km matter, and the first near point settles them.
        inner = self._window(plat, plon, coslat2, _WITHIN_80_KM)
        near = False
        for points in self._cells(inner):
            for k, lat, lon in points:
                # squared equirectangular distance in degrees: plenty for a 80/250 km test
                d = (lat - plat) ** 2 + (lon - plon) ** 2 * coslat2
                if d <= _WITHIN_250_KM and k != key:
                    if d <= _WITHIN_80_KM:
                        return 3.5
                    near = True
        if near:
            return 1.2
        for points in self._cells(self._window(plat, plon, coslat2, _WITHIN_250_KM), inner):
            for k, lat, lon in points:
                if k != key and (lat - plat) ** 2 + (lon - plon) ** 2 * coslat2 <= _WITHIN_250_KM:
                    return 1.2
        return 0.0

    @staticmethod
    def _window(plat: float, plon: float, coslat2: float, within: float) -> tuple[int, int, int, int]:
        """Grid rows and columns (first, last of each) that hold every point within `within`
        squared degrees of a place (a little slack for rounding)."""
        dlat = math.sqrt(within) + 0.01
        dlon = math.sqrt(within / coslat2) + 0.01 if coslat2 > 1e-9 else 360.0
        return (math.floor((plat - dlat) / _GRID_DEGREES), math.floor((plat + dlat) / _GRID_DEGREES),
                math.floor((plon - dlon) / _GRID_DEGREES), math.floor((plon + dlon) / _GRID_DEGREES))

    def _cells(self, window: tuple[int, int, int, int],
               skip: tuple[int, int, int, int] | None = None) -> Iterator[list[tuple[str, float, float]]]:
        """The points of each occupied cell in `window`, but those in `skip`."""
        r0, r1, c0, c1 = window
        for r in range(r0, r1 + 1):
            row = self.grid.get(r)
            if not row:
                continue
            cols = range(c0, c1 + 1)
            keys = [c for c in cols if c in row] if len(cols) <= len(row) else sorted(c for c in row if c0 <= c <= c1)
            for c in keys:
                if skip is not None and skip[0] <= r <= skip[1] and skip[2] <= c <= skip[3]:
                    continue
                yield row[c]

    def country(self, cc: str | None, key: str) -> float:
        per_key = self.countries.get(cc or "")
        return self.country_sums[cc or ""] - per_key.get(key, 0.0) if per_key else 0.0

    def total(self, key: str) -> float:
        return self.totals.get(key, self.grand_total)

    def division(self, cc: str | None, a1: str | None, key: str) -> float:
        div = (cc or "", a1 or "")
        per_key = self.admin1.get(div)
        return self.division_sums[div] - per_key.get(key, 0.0) if per_key else 0.0


@functools.lru_cache(maxsize=200_000)
def _main_ids(key: str) -> tuple[int, ...]:
    """Ids whose main name is `key`."""
    mains = gazetteer().main_names
    return mains.get(key, ())


@functools.lru_cache(maxsize=100_000)
def _size_scale(population: int | None) -> float:
    """How much of the article's context a town of this size may use (1 from ~16,000 people)."""
    return min(1.0, math.log10((population or 0) + 10) / 4.2)


def _score(prior: float, p: Place, c: _Candidate, ctx: _Context, mains: tuple[int, ...] = (),
           local_towns: bool = True, division_towns: bool = True) -> float:
    """A place's score for a candidate name; `mains` are the ids whose main name it is;
    `local_towns` false keeps nearness and cohesion bonuses from towns (the name is a big state's),
    `division_towns` false keeps division bonuses from them too (the name means that state unless
    told otherwise: "Florida" in a New York story is still the state, not the village there)."""
    # Called for every place of every ranking: fields are read once into locals.
    score = prior
    cc = p.country_code
    feature = p.feature
    key = c.key
    countries = ctx.countries
    bonus = 0.0
    weight = 0.0
    if cc and (countries or ctx.locale):
        per_key = countries.get(cc)
        if per_key:
            weight = ctx.country_sums[cc] - per_key.get(key, 0.0)
        # "Georgia": when a name is both a country and a division, the country context decides.
        strong = weight > 0 and feature == "admin1" and key in gazetteer().country_keys
        if ctx.locale:  # the article's currency counts as one more sure mention of its countries
            weight += ctx.locale.get(cc, 0.0)
        if weight:
            # Scaled by the country's share of the article: local news leans on it, world news less.
            total = (ctx.total(key) if countries else 0.0) + ctx.locale_weight
            share = weight / max(total, 1.0)
            bonus += (3.75 if strong else 0.9 + 2.6 * share * share) * min(weight, 1.0)
        a1 = p.admin1_code
        if a1 and ctx.admin1 and (division_towns or feature != "city"):
            per_key = ctx.admin1.get((cc, a1))
            division = ctx.division_sums[(cc, a1)] - per_key.get(key, 0.0) if per_key else 0.0
            if division:
                # One region per article: the more of the article's evidence lies in this division,
                # the more it counts ("Dakota, Otoe and Washington counties" in a Nebraska story).
                share = min(1.0, division / max(ctx.total(key), 1.0))
                bonus += 1.5 * min(division, 2.0) + 2.5 * share * share
        if bonus and feature == "city":
            # A hamlet sharing a famous name needs more than "the same country was mentioned".
            bonus *= _size_scale(p.population)
    if (ctx.points or ctx.cohesion) and feature in ("city", "admin2", "admin1") \
            and p.geonameid in mains and (local_towns or feature != "city"):
        # only for a place's own name, never an alias
        # cohesion only within a country the article's other names already point to
        together = ctx.cohesion.get((key, p.geonameid), 0.0) if weight else 0.0
        bonus += max(ctx.nearness(p, key) if ctx.points else 0.0, together)
    if feature == "admin1" and countries and not weight and (p.population or 0) < 1_000_000:
        score -= 1.5  # a minor foreign division whose country the article never mentions
    score += bonus
    if c.region_hint is not None:
        score += 6.0 if (cc, p.admin1_code) == c.region_hint else -2.0
    if c.country_hint is not None:
        score += 5.0 if cc == c.country_hint else -1.0
    hint = c.feature_hint
    if hint is None:
        return score
    if hint == "admin1" and feature == "admin1":
        score += 4.0
    if hint == "city" and feature == "city":
        score += 2.0
    if hint == "town":
        # a country is never "the city of"; a division named after its seat may still be meant
        score += 2.0 if feature == "city" else -8.0 if feature == "country" else 0.0
    if hint == "area" and feature in ("physical", "region"):
        score += 3.0
    return score


_MAX_SCORED = 15


@functools.lru_cache(maxsize=200_000)
def _shortlist(key: str) -> tuple[tuple[float, Place], ...]:
    """Places worth scoring for a name: the ones with the highest priors.

    Context bonuses are bounded, so a town far down the prior order rarely wins; cutting the
    list keeps names like "Springfield" (hundreds of towns) cheap. `_local_tail` brings back the
    few that the article's own countries or hints make worth a look.
    """
    return _all_ranked(key)[:_MAX_SCORED]


_TAIL_PER_COUNTRY = 3


def _local_tail(key: str, c: _Candidate, ctx: _Context) -> list[tuple[float, Place]]:
    """Readings beyond the shortlist that lie in the hinted division, in a division the article's
    other names point to, or in a country the article names ("Newport" in an Irish story: the
    small Irish town, not only the 15 biggest Newports)."""
    ranked = _all_ranked(key)
    if len(ranked) <= _MAX_SCORED:
        return []
    out: list[tuple[float, Place]] = []
    taken: dict[str, int] = {}
    for prior, p in ranked[_MAX_SCORED:]:
        cc = p.country_code or ""
        hinted = c.region_hint == (cc, p.admin1_code) or c.country_hint == cc or (cc, p.admin1_code) in ctx.admin1
        if hinted or (cc in ctx.countries and taken.get(cc, 0) < _TAIL_PER_COUNTRY):
            taken[cc] = taken.get(cc, 0) + 1
            out.append((prior, p))
    return out


_ALIAS_ONLY_MIN_POPULATION = 50_000


@functools.lru_cache(maxsize=50_000)
def _all_ranked(key: str) -> tuple[tuple[float, Place], ...]:
    """Every place of a name with its prior, best first."""
    gaz = gazetteer()
    places = [gaz.places[g] for g in gaz.names[key]] if key in gaz.names else []
    # A division named after its main city ("Kaliningrad", "Geneva", "Deir ez-Zor"): the bare
    # name means the city unless a feature word follows (that bonus comes later).
    city_seats = {(p.country_code, p.admin1_code) for p in places
                  if p.feature == "city" and (p.population or 0) >= 50_000}
    scored = [(_prior(p, key, gaz)
               - (2.5 if p.feature == "admin1" and (p.country_code, p.admin1_code) in city_seats else 0.0), p)
              for p in places]
    scored.sort(key=lambda sp: (-sp[0], sp[1].geonameid))
    return tuple(scored)


# Most that article context can add to one place's score: country, division (3 + 2.5 for its
# share), nearness.
_MAX_DIVISION_BONUS = 3.0 + 2.5
_MAX_CONTEXT_BONUS = 3.75 + _MAX_DIVISION_BONUS + 3.5


@functools.lru_cache(maxsize=200_000)
def _contenders(key: str) -> tuple[tuple[float, Place], ...]:
    """The shortlist without places too far behind on prior for any context to lift them."""
    shortlist = _shortlist(key)
    if not shortlist:
        return shortlist
    floor = shortlist[0][0] - 1.5  # the leader may lose 1.5 (foreign minor division)

    def reach(prior: float, p: Place) -> float:
        if p.feature != "city":
            return prior + _MAX_CONTEXT_BONUS
        scale = _size_scale(p.population)
        return prior + (3.75 + _MAX_DIVISION_BONUS) * scale + 3.5

    return tuple(sp for sp in shortlist if reach(*sp) >= floor)


def _probe(memo_key: tuple[str, tuple[str, str] | None, str | None, str | None]) -> _Candidate:
    """A stand-in candidate with only what rankings read of one: its name and hints."""
    key, region_hint, country_hint, feature_hint = memo_key
    return _Candidate(para=0, start=0, end=0, text="", key=key, ids=(), next_word="", prev_word="",
                      prev2_word="", sentence_initial=False, single=True, region_hint=region_hint,
                      country_hint=country_hint, feature_hint=feature_hint)


@functools.lru_cache(maxsize=100_000)
def _prior_ranking(memo_key: tuple[str, tuple[str, str] | None, str | None, str | None]) -> list[tuple[float, Place]]:
    """Ranking of a name's places without article context (cached across articles)."""
    probe = _probe(memo_key)
    empty = _Context({}, {})
    ranked = [(_score(prior, p, probe, empty), p)
              for prior, p in (*_shortlist(probe.key), *_local_tail(probe.key, probe, empty))]
    ranked.sort(key=lambda sp: (-sp[0], sp[1].geonameid))
    return ranked


def _ranked(c: _Candidate, ctx: _Context, gaz: Gazetteer) -> list[tuple[float, Place]]:
    if c.abbreviation is not None:
        gid = gaz.admin1_by_code.get(c.abbreviation)
        return [(9.0, gaz.places[gid])] if gid is not None else []
    memo_key = (c.key, c.region_hint, c.country_hint, c.feature_hint)
    if not ctx.countries and not ctx.points:
        # No article context yet: the ranking is the same for every article, or for every
        # article of the same currency unless the name pairs with another (cohesion).
        if not ctx.locale:
            return _prior_ranking(memo_key)
        if not ctx.cohesion or c.key not in ctx.cohesion_keys:
            return _locale_ranking(memo_key, ctx.locale_key)
    hit = ctx.memo.get(memo_key)
    if hit is None:
        hit = ctx.memo[memo_key] = _context_ranking(c, ctx)
    return hit


def _context_ranking(c: _Candidate, ctx: _Context) -> list[tuple[float, Place]]:
    if c.region_hint is None and c.country_hint is None and c.feature_hint is None:
        shortlist = _contenders(c.key)
    else:
        shortlist = _shortlist(c.key)
    mains = _main_ids(c.key)
    # "Kansas", "Florida": a hamlet of a big division's name near the article's other places
    # is still far less likely than the division, unless "city"/"town" or ", State" says so.
    local_towns = not _names_big_division(c.key) or c.region_hint is not None \
        or c.feature_hint in ("city", "town")
    # Nor does such a hamlet get its division's bonus while the state's own country is in the story
    # ("flew to Florida" in a New York story); in an Irish story "Virginia" may be the Cavan village.
    division_towns = local_towns or not _is_division(c.key) \
        or not ctx.country(_shortlist(c.key)[0][1].country_code, c.key)
    hit = [(_score(prior, p, c, ctx, mains, local_towns, division_towns), p)
           for prior, p in (*shortlist, *_local_tail(c.key, c, ctx))]
    hit.sort(key=lambda sp: (-sp[0], sp[1].geonameid))
    return hit


@functools.lru_cache(maxsize=100_000)
def _locale_ranking(memo_key: tuple[str, tuple[str, str] | None, str | None, str | None],
                    locale: tuple[tuple[str, float], ...]) -> list[tuple[float, Place]]:
    """Ranking of a name's places when the article's currency is its only context (cached)."""
    return _context_ranking(_probe(memo_key), _Context({}, {}, locale=dict(locale)))


def _evidence(cands: list[_Candidate], ctx: _Context, gaz: Gazetteer, budget: Budget = UNLIMITED) -> _Context:
    """Countries and divisions the article talks about, weighted by how sure each mention is."""
    countries: dict[str, dict[str, float]] = {}
    admin1: dict[tuple[str, str], dict[str, float]] = {}
    points: dict[tuple[str, int], tuple[str, float, float]] = {}  # repeated mentions count once
    for i, c in enumerate(cands):
        if not i & _CHECK_EVERY:
            budget.check()
        ranked = _ranked(c, ctx, gaz)
        if not ranked:
            continue
        best_score, best = ranked[0]
        margin = best_score - ranked[1][0] if len(ranked) > 1 else 3.0
        weight = 1.0 if margin >= 1.5 else 0.5 if margin >= 0.5 else 0.0
        if weight >= 1.0 and best.feature in ("city", "admin2", "admin1"):
            points[(c.key, best.geonameid)] = (c.key, best.latitude, best.longitude)
        if weight and best.country_code:
            per_key = countries.setdefault(best.country_code, {})
            per_key[c.key] = per_key.get(c.key, 0.0) + weight
            if best.admin1_code and best.feature != "country":
                per_div = admin1.setdefault((best.country_code, best.admin1_code), {})
                per_div[c.key] = per_div.get(c.key, 0.0) + weight
    return _Context(countries, admin1, list(points.values()), cohesion=ctx.cohesion, locale=ctx.locale)


_COHESION_NEAR_KM = 50.0
_AREA_FEATURES = frozenset({"country", "admin1", "region", "physical"})
_COHESION_BONUS = 3.0


@functools.lru_cache(maxsize=50_000)
def _pairable_readings(key: str) -> tuple[tuple[int, float, float], ...]:
    """The town and county readings of a name that `_cohesion` may pair: (id, latitude, longitude)
    of its contenders under their own main name; none for a name that means more than a town."""
    gaz = gazetteer()
    contenders = _contenders(key)
    leader = contenders[0][1].feature if contenders else ""
    # a bare county name ("Kent", "Fife") is as likely the county as a town: no pairing
    if not (leader == "city" or leader == "admin2" and " " in key) \
            or any(gaz.places[g].feature in _AREA_FEATURES for g in gaz.names.get(key, ())):
        return ()  # "Indiana", "Fife": a name of a state or county means that, not a town
    own = gaz.main_names.get(key, ())
    return tuple((p.geonameid, p.latitude, p.longitude) for _, p in contenders
                 if p.feature in ("city", "admin2") and p.geonameid in own)


def _cohesion(cands: list[_Candidate], budget: Budget = UNLIMITED) -> dict[tuple[str, int], float]:
    """Readings of a name that lie near some reading of another name of the same article.

    Local news names several places of one area ("Athens" and "Decatur" in Alabama); when two
    ambiguous names each have a candidate close to the other's, that pair is the likely reading.
    Towns are bucketed on a one-degree grid, so the check stays linear in the number of readings.
    """
    grid: dict[tuple[int, int], list[tuple[str, int, float, float]]] = {}
    keys = {c.key for c in cands if c.abbreviation is None and c.key}
    if len(keys) < 2:
        return {}
    for i, key in enumerate(keys):
        if not i & _CHECK_EVERY:
            budget.check()
        for gid, lat, lon in _pairable_readings(key):
            cell = (int(math.floor(lat)), int(math.floor(lon)))
            grid.setdefault(cell, []).append((key, gid, lat, lon))
    limit = (_COHESION_NEAR_KM / 111.2) ** 2
    out: dict[tuple[str, int], float] = {}
    for (ci, cj), members in grid.items():
        budget.check()
        for key, gid, lat, lon in members:
            if (key, gid) in out:
                continue
            coslat2 = math.cos(math.radians(lat)) ** 2
            found = False
            for di in (-1, 0, 1):
                for dj in (-1, 0, 1):
                    for k2, _, lat2, lon2 in grid.get((ci + di, cj + dj), ()):
                        if k2 != key and (lat2 - lat) ** 2 + (lon2 - lon) ** 2 * coslat2 <= limit:
                            found = True
                            break
                    if found:
                        break
                if found:
                    break
            if found:
                out[(key, gid)] = _COHESION_BONUS
    return out


def _plausible(c: _Candidate, best: Place, text: str, lex: _Lexicon, gaz: Gazetteer,
               surnames: tuple[frozenset[str], frozenset[str], frozenset[str]], lowercase_words: _LowercaseWords,
               standalone: frozenset[str]) -> bool:
    """General precision rules: common words, people, demonyms, all-caps acronyms.

    The verdict depends on the candidate and its best place, never on article context; a kept
    name also needs a supported reading (`_leaders`), which abbreviations and listed counties
    are spared.
    """
    if c.abbreviation is not None or c.listed_county:
        return True
    if c.text in gaz.demonyms:
        return False
    if c.single and c.text.lower().rstrip(".") in lex.titles:
        return False  # "Secretary", "Governor": titles before a name
    low = c.text.lower()
    big = best.feature in ("country", "admin1", "region", "physical") or (best.population or 0) >= 100_000
    if c.single:
        if low in gaz.common_words and not (big and not c.sentence_initial and c.text[0].isupper() and low != "us") \
                and not (c.text.isupper() and best.feature == "country"):
            return False
        if c.text.isupper() and len(c.text.replace(".", "")) <= 3 and best.feature not in ("country", "region") \
                and "." not in c.text:
            return False  # acronyms (NGO, CIA) that happen to be short place names
        dateline = c.start < 3 and _DATELINE_END.match(text, c.end) is not None
        if c.text.isupper() and len(c.text) > 3 and not big and not dateline:
            return False
        if low in lex.calendar:
            return False  # "from Monday to Thursday", "in March"
        if low in lex.common and best.feature != "country" and c.prev_word.lower() not in _COMMON_LOCATIVE \
                and (c.region_hint is None and c.country_hint is None or c.hint_shared):
            return False
        if c.sentence_initial and low in lowercase_words and not big:
            return False
    return not _looks_like_person(c, text, lex, surnames, big, standalone)


def _supported(c: _Candidate, p: Place, ctx: _Context) -> bool:
    """A town under 5,000 people needs support: its country in context, a hint, or "in X".
    A town under 50,000 that has this name only as a variant or old name ("Rocky Hill" for a Rock
    Hill, "Ten Mile" for a Holbrook) needs a hint or its own division in context."""
    if p.feature != "city":
        return True
    population = p.population or 0
    alias_only = population < _ALIAS_ONLY_MIN_POPULATION and p.geonameid not in _main_ids(c.key)
    if population >= 5000 and not alias_only:
        return True
    if (c.region_hint is not None or c.country_hint is not None) and not c.hint_shared:
        return True
    if alias_only:
        return ctx.division(p.country_code, p.admin1_code, c.key) > 0
    if ctx.country(p.country_code, c.key) > 0:
        return True
    return c.prev_word.lower() in _LOCATIVE


def _is_modifier(c: _Candidate, text: str, lex: _Lexicon) -> bool:
    after = text[c.end:c.end + 2]
    if not after.startswith(" ") or not c.next_word:
        return False
    word = c.next_word.rstrip(".,;:!?")
    if not word or not word[0].isalpha():
        return False
    if word[0].islower():
        return word.lower() not in lex.not_modifier and not word.endswith("ly")
    return False


def _leaders(c: _Candidate, ranked: list[tuple[float, Place]], ctx: _Context) -> list[tuple[float, Place]]:
    """The best two supported readings (all that the output and its confidence depend on); empty
    when no reading is supported.

    An unsupported hamlet gives way to the best supported reading of the same name, and an
    all-capitals abbreviation ("EU", "UK", "US") names a country or region, not a town.
    """
    supported = (sp for sp in ranked if _supported(c, sp[1], ctx))
    if c.single and c.text.isupper() and len(c.text.replace(".", "")) <= 3:
        every = list(supported)
        return ([sp for sp in every if sp[1].feature in ("country", "region")] or every)[:2]
    return list(itertools.islice(supported, 2))


def _confidence(ranked: list[tuple[float, Place]]) -> float:
    if len(ranked) == 1:
        return 0.9
    margin = ranked[0][0] - ranked[1][0]
    return round(min(0.95, 0.5 + 0.45 * (1 - math.exp(-margin))), 3)


_LIST_JOIN = re.compile(r"(?:,\s*|,?\s+(?:and|or)\s+)")


def _list_hints(cands: list[_Candidate], paragraphs: Sequence[str]) -> None:
    """Names listed together are alike: "California or Washington", "Missouri, New York and
    Virginia" make the ambiguous member a division too."""
    prev: _Candidate | None = None
    for a, b in zip(cands, cands[1:], strict=False):
        text = paragraphs[a.para]
        if a.para != b.para or not _LIST_JOIN.fullmatch(text, a.end, b.start):
            prev = a
            continue
        # "Missouri, New York, North Carolina": after a listed state, ", North Carolina" continues
        # the list rather than saying where New York lies (unless the state itself was such a hint,
        # as "Ill." in "Springfield, Ill., and Columbus, Ohio").
        a_is_hint = prev is not None and prev.para == a.para and prev.region_hint is not None \
            and text[prev.end:a.start].strip() == ","
        if b.region_hint is not None and not b.hint_shared and a.key and _is_division(a.key) and not a_is_hint:
            b.region_hint = None
        prev = a
        for one, other in ((a, b), (b, a)):
            if one.feature_hint is None and one.region_hint is None and other.key and _is_division(other.key):
                one.feature_hint = "admin1"


@functools.lru_cache(maxsize=50_000)
def _names_big_division(key: str) -> bool:
    """Whether a name is the main name of a first-level division of a million people or more."""
    gaz = gazetteer()
    return any(gaz.places[g].feature == "admin1" and (gaz.places[g].population or 0) >= 1_000_000
               for g in gaz.main_names.get(key, ()))


@functools.lru_cache(maxsize=50_000)
def _is_division(key: str) -> bool:
    """Whether a name's best context-free reading is a first-level division ("California")."""
    ranked = _shortlist(key)
    return bool(ranked) and ranked[0][1].feature == "admin1"


def _share_hints(cands: list[_Candidate]) -> None:
    """One sense per article: "Paris, Mo." once makes every bare "Paris" of the article that Paris.

    A name hinted with two different divisions or countries ("Paris, Texas" and "Paris, France")
    keeps each hint where it stands and shares neither.
    """
    hints: dict[str, set[tuple[tuple[str, str] | None, str | None]]] = {}
    for c in cands:
        if c.region_hint is not None or c.country_hint is not None:
            hints.setdefault(c.key, set()).add((c.region_hint, c.country_hint))
    if not hints:
        return
    for c in cands:
        found = hints.get(c.key)
        if found and len(found) == 1 and c.region_hint is None and c.country_hint is None:
            c.region_hint, c.country_hint = next(iter(found))
            c.hint_shared = True


def _locale(paragraphs: Sequence[str], lex: _Lexicon) -> dict[str, float]:
    """Countries an article is written for, from the currency of its amounts ("$2.4 million":
    the dollar countries), when only one currency appears. Worth one sure mention of each."""
    found = [ccs for cue, ccs in lex.currencies if any(cue.search(t) for t in paragraphs)]
    return dict.fromkeys(found[0], 1.0) if len(found) == 1 else {}


_COMPASS_PREFIXES = ("north ", "south ", "east ", "west ")


def _compass_parts(cands: list[_Candidate], gaz: Gazetteer) -> None:
    """"North Arlington" in a story that also says "Arlington": the north of that town, not the
    New Jersey borough called North Arlington."""
    keys = {c.key for c in cands}
    for c in cands:
        if c.key.startswith(_COMPASS_PREFIXES) and not c.facility:
            rest = c.key.split(" ", 1)[1]
            if rest not in keys or not _is_city_only(c.ids):
                continue
            biggest = max((gaz.places[g].population or 0) for g in c.ids)
            top = _shortlist(rest)
            # only a small compound town, against a town many times its size ("North Platte",
            # 24,000 people, is no quarter of the Platte)
            if top and biggest < 20_000 and top[0][1].feature == "city" \
                    and (top[0][1].population or 0) >= 5 * biggest:
                c.key, c.ids = rest, gaz.names[rest]


def location_tables() -> tuple[Gazetteer, int]:
    """The gazetteer and the name tables `location_mentions` uses, loaded on first use (about a second,
    once per process): a caller that times each article loads them before the first."""
    _lexicon()
    _name_lengths()
    return gazetteer(), _longest_name()


def location_mentions(paragraphs: Sequence[str], budget: Budget = UNLIMITED) -> list[list[LocationMention]]:
    """Toponyms of one article, per paragraph (article-wide context drives disambiguation).

    Args:
        paragraphs: the article's cleaned paragraphs, in order.
        budget: checked between paragraphs and every few dozen names; raises `OverBudget` once spent.

    Returns:
        One list per paragraph of LocationMention records, in text order; offsets index into
        that paragraph's text.
    """
    gaz = gazetteer()
    lex = _lexicon()
    cands = []
    for pi, text in enumerate(paragraphs):
        budget.check()
        found = _candidates(pi, text, gaz, lex, budget)
        if "counties" in text or "parishes" in text:
            found = _county_lists(pi, text, found, gaz, lex)
        cands.extend(found)
    budget.check()
    _share_hints(cands)
    _list_hints(cands, paragraphs)
    _compass_parts(cands, gaz)
    surnames = _person_surnames(paragraphs, lex, cands)
    lowercase_words = _LowercaseWords(paragraphs)
    standalone = _standalone_words(paragraphs)
    # Only names that pass the precision rules (judged without context) may vote for context.
    no_context = _Context({}, {})
    plausible = []
    verdicts: dict[int, tuple[int, bool]] = {}  # candidate index -> (its best place then, verdict)
    for i, c in enumerate(cands):
        if not i & _CHECK_EVERY:
            budget.check()
        if c.facility:
            continue
        ranked = _ranked(c, no_context, gaz)
        if ranked:
            best = ranked[0][1]
            verdict = _plausible(c, best, paragraphs[c.para], lex, gaz, surnames, lowercase_words, standalone)
            verdicts[i] = (best.geonameid, verdict)
            if verdict:
                plausible.append(c)
    budget.check()
    first = _Context({}, {}, cohesion=_cohesion(plausible, budget), locale=_locale(paragraphs, lex))
    ctx = _evidence(plausible, first, gaz, budget)
    ctx = _evidence(plausible, ctx, gaz, budget)
    out: list[list[LocationMention]] = [[] for _ in paragraphs]
    for i, c in enumerate(cands):
        if not i & _CHECK_EVERY:
            budget.check()
        text = paragraphs[c.para]
        if c.facility:
            out[c.para].append(LocationMention(
                start=c.start, end=c.end, text=c.text, geonameid=None, name=None, feature=None,
                country_code=None, admin1_code=None, latitude=None, longitude=None, confidence=0.3,
                is_modifier=_is_modifier(c, text, lex),
            ))
            continue
        ranked = _ranked(c, ctx, gaz)
        if not ranked:
            continue
        leaders = _leaders(c, ranked, ctx)
        ranked = leaders or ranked
        best = ranked[0][1]
        if not (leaders or c.abbreviation is not None or c.listed_county):
            continue
        # The precision rules see only the candidate and its best place: reuse the screening verdict.
        judged = verdicts.get(i)
        if judged is not None and judged[0] == best.geonameid:
            verdict = judged[1]
        else:
            verdict = _plausible(c, best, text, lex, gaz, surnames, lowercase_words, standalone)
        if not verdict:
            continue
        out[c.para].append(LocationMention(
            start=c.start, end=c.end, text=c.text, geonameid=best.geonameid, name=best.name,
            feature=best.feature, country_code=best.country_code, admin1_code=best.admin1_code,
            latitude=best.latitude, longitude=best.longitude, confidence=_confidence(ranked),
            is_modifier=_is_modifier(c, text, lex),
        ))
    return out
