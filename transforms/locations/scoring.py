"""Place priors, the article's context, and the ranking of a candidate's possible places."""

from __future__ import annotations

import functools
import math
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from transforms.budget import UNLIMITED, Budget
from transforms.gazetteer import Gazetteer, Place, gazetteer
from transforms.locations.candidates import _Candidate
from transforms.locations.priors import _MAX_SCORED, _all_ranked, _is_division, _names_big_division, _shortlist
from transforms.locations.values import _CHECK_EVERY

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
