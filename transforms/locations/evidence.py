"""Evidence across the article: nearby readings, shared and listed hints, and whether a reading is kept."""

from __future__ import annotations

import functools
import itertools
import math
import re
from collections.abc import Sequence

from transforms.budget import UNLIMITED, Budget
from transforms.gazetteer import Gazetteer, Place, gazetteer
from transforms.locations.candidates import _COMMON_LOCATIVE, _DATELINE_END, _LOCATIVE, _Candidate
from transforms.locations.filters import _is_city_only, _looks_like_person, _LowercaseWords
from transforms.locations.lexicon import _Lexicon
from transforms.locations.priors import _is_division, _shortlist
from transforms.locations.scoring import _ALIAS_ONLY_MIN_POPULATION, _contenders, _Context, _main_ids
from transforms.locations.values import _CHECK_EVERY

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
