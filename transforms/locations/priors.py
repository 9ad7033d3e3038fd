"""Context-free priors of the places a name may mean, and the shortlist of them worth scoring."""

from __future__ import annotations

import functools
import math

from transforms.gazetteer import Gazetteer, Place, gazetteer


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


_MAX_SCORED = 15


@functools.lru_cache(maxsize=200_000)
def _shortlist(key: str) -> tuple[tuple[float, Place], ...]:
    """Places worth scoring for a name: the ones with the highest priors.

    Context bonuses are bounded, so a town far down the prior order rarely wins; cutting the
    list keeps names like "Springfield" (hundreds of towns) cheap. `_local_tail` brings back the
    few that the article's own countries or hints make worth a look.
    """
    return _all_ranked(key)[:_MAX_SCORED]


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
