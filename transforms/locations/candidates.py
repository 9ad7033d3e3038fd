"""Candidate scanning: capitalized word runs looked up in the gazetteer's name index, with their hints."""

from __future__ import annotations

import bisect
import functools
import re
from dataclasses import dataclass

from transforms.budget import UNLIMITED, Budget
from transforms.gazetteer import Gazetteer, folded_tokens, gazetteer, key_of_tokens
from transforms.locations.lexicon import _Lexicon
from transforms.locations.priors import _is_division
from transforms.locations.values import _CHECK_EVERY, _MAX_NGRAM

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
    steps = 0  # counted across runs: most runs are one word, and a clock read costs as much as a lookup
    for run in runs:
        words = tuple(t.text for t in run)  # sliced for each n-gram looked up
        i = 0
        while i < len(run):
            steps += 1
            if not steps & _CHECK_EVERY:
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
