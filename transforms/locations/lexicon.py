"""Loading and validation of the toponym lexicons in `data/rules/locations.yaml`."""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from typing import Any

import ahocorasick

from transforms._data import rules
from transforms.locations.values import _RULES_NAME

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
