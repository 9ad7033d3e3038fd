"""Tests for the gazetteer artifact (data/gazetteer/) and its loader (transforms/gazetteer.py)."""

from __future__ import annotations

import importlib.util
import json
import math
from collections import defaultdict

import pytest
import yaml

from transforms._data import data_path
from transforms.gazetteer import FEATURES, Gazetteer, gazetteer, normalized_name


def _build_module():  # type: ignore[no-untyped-def]
    spec = importlib.util.spec_from_file_location("gazetteer_build", data_path("gazetteer", "build.py"))
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def gaz() -> Gazetteer:
    return gazetteer()


def _km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    p1, p2 = math.radians(lat1), math.radians(lat2)
    a = math.sin((p2 - p1) / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(math.radians(lon2 - lon1) / 2) ** 2
    return 2 * 6371.0 * math.asin(math.sqrt(a))


def test_artifact_is_in_sync_with_its_inputs() -> None:
    """The installed source packages and hand-written facts are the ones the artifact was built from."""
    meta = json.loads(data_path("gazetteer", "build_meta.json").read_text(encoding="utf-8"))
    assert meta["inputs"] == _build_module().input_hashes(), "run: python data/gazetteer/build.py"


def test_rows_are_valid(gaz: Gazetteer) -> None:
    ids = gaz.places.column("geonameid")  # type: ignore[attr-defined]
    assert len(ids) == len(set(ids)) > 200_000
    lats, lons = gaz.places.column("latitude"), gaz.places.column("longitude")  # type: ignore[attr-defined]
    assert all(-90.0 <= v <= 90.0 for v in lats)
    assert all(-180.0 <= v <= 180.0 for v in lons)
    assert set(gaz.places.column("feature")) <= set(FEATURES)  # type: ignore[attr-defined]
    assert len(gaz.country_by_code) >= 240
    assert len(gaz.admin1_by_code) >= 3000


def test_every_name_points_at_known_places(gaz: Gazetteer) -> None:
    sample = list(gaz.names)[::997]
    for key in sample:
        assert key == key.strip() and key
        assert all(gid in gaz.places for gid in gaz.names[key])


def test_country_and_admin1_points_lie_among_their_towns(gaz: Gazetteer) -> None:
    """Area centre points agree with GeoNames' towns: inside (or near) the box the towns span."""
    boxes: dict[tuple[str, str | None], list[float]] = {}
    grouped: dict[tuple[str, str | None], list[tuple[float, float]]] = defaultdict(list)
    cols = gaz.places
    for gid in gaz.places:
        p = cols[gid]
        if p.feature == "city" and p.country_code:
            grouped[(p.country_code, None)].append((p.latitude, p.longitude))
            grouped[(p.country_code, p.admin1_code)].append((p.latitude, p.longitude))
    for key, pts in grouped.items():
        lats, lons = [x[0] for x in pts], [x[1] for x in pts]
        boxes[key] = [min(lats) - 3, max(lats) + 3, min(lons) - 3, max(lons) + 3]
    outside = []
    for cc, gid in gaz.country_by_code.items():
        p = gaz.places[gid]
        box = boxes.get((cc, None))
        spread = box and len(grouped[(cc, None)]) >= 20 and cc not in ("US", "RU", "FR", "NZ", "KI", "FJ")
        if spread and not (box[0] <= p.latitude <= box[1] and box[2] <= p.longitude <= box[3]):
            outside.append(cc)
    assert len(outside) <= 3, outside
    for (cc, code), gid in list(gaz.admin1_by_code.items())[::7]:
        p = gaz.places[gid]
        box = boxes[(cc, code)]
        assert box[0] <= p.latitude <= box[1] and box[2] <= p.longitude <= box[3], (cc, code, p)


def test_known_country_and_state_points(gaz: Gazetteer) -> None:
    """Spot checks against well-known GeoNames centre points (public facts)."""
    us = gaz.places[6252001]
    assert _km(us.latitude, us.longitude, 39.76, -98.5) < 50
    texas = gaz.places[gaz.admin1_by_code[("US", "TX")]]
    assert texas.name == "Texas" and _km(texas.latitude, texas.longitude, 31.25, -99.25) < 161
    ohio = gaz.places[gaz.admin1_by_code[("US", "OH")]]
    assert _km(ohio.latitude, ohio.longitude, 40.25, -83.0) < 161
    japan = gaz.places[gaz.country_by_code["JP"]]
    assert _km(japan.latitude, japan.longitude, 35.68536, 139.75309) < 50  # GeoNames puts it at Tokyo


@pytest.mark.parametrize("cc, code, lat, lon", [
    ("CA", "08", 49.25, -84.5),  # Ontario: towns fill only the south
    ("CA", "11", 54.0, -106.0),  # Saskatchewan
    ("US", "AK", 64.0, -150.0),  # Alaska
    ("US", "FL", 28.75, -82.5),  # Florida: the panhandle stretches the towns' box west
])
def test_large_division_points_follow_their_land(gaz: Gazetteer, cc: str, code: str, lat: float, lon: float) -> None:
    """Divisions with thinly settled land are centred on their land, not on their towns (GeoNames points)."""
    p = gaz.places[gaz.admin1_by_code[(cc, code)]]
    assert _km(p.latitude, p.longitude, lat, lon) < 120, p


@pytest.mark.parametrize("spelling, geonameid", [
    ("Deir Ezzor", 170794), ("Deir ez-Zor", 170794), ("Deir el-Zour", 170794), ("Deir al-Zor", 170794),
    ("U.S.", 6252001), ("USA", 6252001), ("United States", 6252001), ("America", 6252001),
    ("Russian Federation", 2017370), ("Russia", 2017370), ("Britain", 2635167), ("UK", 2635167),
    ("Kaliningrad", 554234), ("Damascus", 170654), ("Khusham", 167899), ("Geneva", 2660646),
])
def test_known_spellings_resolve(gaz: Gazetteer, spelling: str, geonameid: int) -> None:
    assert geonameid in gaz.names[normalized_name(spelling)]


@pytest.mark.parametrize("a, b", [
    ("Deir ez-Zor", "Deir Ezzor"), ("Deir el-Zor", "Deir al Zor"), ("St. Louis", "Saint Louis"),
    ("Sao Paulo", "São Paulo"), ("Ft. Worth", "Fort Worth"), ("Côte d'Ivoire", "Cote d’Ivoire"),
])
def test_normalization_folds_variants(a: str, b: str) -> None:
    assert normalized_name(a) == normalized_name(b)


def test_hand_written_facts_are_well_formed() -> None:
    extra = yaml.safe_load(data_path("gazetteer", "extra_places.yaml").read_text(encoding="utf-8"))
    for cc, latlon in extra["country_coordinates"].items():
        assert len(cc) == 2 and len(latlon) == 2 and -90 <= latlon[0] <= 90 and -180 <= latlon[1] <= 180
    names = set()
    for reg in extra["regions"]:
        assert reg["feature"] in ("region", "physical")
        assert -90 <= reg["lat"] <= 90 and -180 <= reg["lon"] <= 180
        assert reg["name"] not in names
        names.add(reg["name"])
    for key, gid in extra["admin1_ids"].items():
        assert len(key.split(".")) == 2 and gid > 0
