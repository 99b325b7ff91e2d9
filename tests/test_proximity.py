"""Proximity over the layers a caller may see: schools within a distance of a road or of a zone, the
nearest N features to a point or to each feature of another layer, coverage per unit (features and
population within reach); distances on the spheroid. A hidden layer answers like an unknown one."""

import math

import pytest
from pyproj import Geod

from layers.models import Access
from tests.conftest import add_features, client_for, make_layer
from tests.province import TAN_AN, box
from tests.test_zone_summaries import polygon

pytestmark = pytest.mark.django_db
URL = "/api/analysis/proximity/"
GEOD = Geod(ellps="WGS84")
NAME = [{"name": "name", "type": "string", "label_vi": "Tên", "label_en": "Name"}]


def metres(a: tuple[float, float], b: tuple[float, float]) -> float:
    return GEOD.inv(a[0], a[1], b[0], b[1])[2]


@pytest.fixture
def road(db):
    layer = make_layer("ql1", domain="traffic", geometry_type="LineString", property_schema=NAME,
                       style={"type": "line", "color": "#000000"})
    return add_features(layer, [("ql1", "LINESTRING(106.30 10.525, 106.50 10.525)", {"name": "Quốc lộ 1"})])


@pytest.fixture
def clinics(db):
    layer = make_layer("clinics", domain="health", property_schema=NAME)
    return add_features(layer, [("c1", "POINT(106.405 10.525)", {"name": "Trạm y tế Phường 1"}),
                                ("c2", "POINT(106.65 10.56)", {"name": "Trạm y tế Tân Ân"})])


def ask(user, body: dict, **extra):
    return client_for(user).post(URL, body, format="json", **extra)


def listed(body: dict) -> list[tuple[str, float]]:
    return [(f["properties"]["name"], f["properties"]["distance_m"]) for f in body["features"]["features"]]


def test_schools_within_500_m_of_the_highway_are_the_one_beside_it(official, province_schools, road):
    body = ask(official, {"mode": "within", "layer": "schools", "distance_m": 500, "near": {"layer": "ql1"}}).json()
    # On the road's line of latitude, yet 1.7 m south of it: the geodesic between its ends bulges north.
    assert body["count"] == 1 and listed(body) == [("Trường THPT Tân An", pytest.approx(1.7, abs=0.2))]
    feature = body["features"]["features"][0]
    assert feature["properties"]["near_name"] == "Quốc lộ 1" and feature["geometry"]["type"] == "Point"
    assert body["versions"]["ql1"] >= 1 and "schools" in body["versions"]


def test_within_3_km_lists_them_closest_first_with_distances_on_the_spheroid(official, province_schools, road):
    body = ask(official, {"mode": "within", "layer": "schools", "distance_m": 3000, "near": {"layer": "ql1"}}).json()
    names = [name for name, _ in listed(body)]
    assert names[0] == "Trường THPT Tân An" and set(names[1:]) == {"Trường Tiểu học Khánh Hậu", "Trường Tiểu học Tân Khánh"}
    khanh_hau = dict(listed(body))["Trường Tiểu học Khánh Hậu"]
    assert khanh_hau == pytest.approx(metres((106.37, 10.50), (106.37, 10.525)), rel=1e-3)


def test_features_near_a_zone_drawn_as_geojson(official, province_schools):
    body = ask(official, {"mode": "within", "layer": "schools", "distance_m": 100,
                          "near": {"geometry": polygon(*TAN_AN)}}).json()
    assert body["count"] == 3 and {d for _, d in listed(body)} == {0.0}


def test_the_nearest_two_to_a_point(official, province_schools):
    body = ask(official, {"mode": "nearest", "layer": "schools", "n": 2, "from": {"point": [106.40, 10.52]}}).json()
    assert [name for name, _ in listed(body)] == ["Trường THPT Tân An", "Trường Tiểu học Khánh Hậu"]
    assert listed(body)[0][1] == pytest.approx(metres((106.40, 10.52), (106.405, 10.525)), rel=1e-3)


def test_the_nearest_school_to_each_clinic(official, province_schools, clinics):
    body = ask(official, {"mode": "nearest", "layer": "schools", "n": 1, "from": {"layer": "clinics"}}).json()
    pairs = {f["properties"]["near_name"]: f["properties"]["name"] for f in body["features"]["features"]}
    assert pairs == {"Trạm y tế Phường 1": "Trường THPT Tân An", "Trạm y tế Tân Ân": "Trường THCS Cần Giuộc"}


def test_coverage_counts_the_schools_of_each_district_within_reach_of_a_clinic(official, province_schools, clinics, districts):
    body = ask(official, {"mode": "coverage", "layer": "clinics", "distance_m": 4000, "units": "admin-districts",
                          "of": "schools"}).json()
    units = {u["properties"]["name"]: u["properties"] for u in body["units"]["features"]}
    # Tân An: THPT Tân An (0 m) and Tân Khánh (3.9 km) are within 4 km, Khánh Hậu (4.7 km) is not.
    assert (units["Thành phố Tân An"]["features"], units["Thành phố Tân An"]["covered"]) == (3, 2)
    assert units["Huyện Cần Giuộc"]["share"] == 1.0 and units["Huyện Đức Hòa"]["share"] == 0.0


def test_coverage_of_population_spreads_it_over_the_unit(official, clinics):
    units = make_layer("wards", domain="admin", geometry_type="Polygon", style={"type": "fill", "color": "#33a02c"},
                       property_schema=NAME + [{"name": "population_est", "type": "integer", "label_vi": "Dân số",
                                                "label_en": "Population"}])
    add_features(units, [("w1", box(106.395, 10.515, 106.415, 10.535), {"name": "Phường 1", "population_est": 10_000})])
    body = ask(official, {"mode": "coverage", "layer": "clinics", "distance_m": 500, "units": "wards"}).json()
    [ward] = body["units"]["features"]
    circle_ha = math.pi * 500 ** 2 / 10_000
    assert ward["properties"]["covered_ha"] == pytest.approx(circle_ha, rel=0.03)
    share = ward["properties"]["covered_ha"] / ward["properties"]["area_ha"]
    assert ward["properties"]["covered_population"] == pytest.approx(10_000 * share, abs=2)


def test_a_hidden_layer_answers_like_an_unknown_one(outsider, health_officer, province_schools, dengue):
    hidden = ask(outsider, {"mode": "within", "layer": "schools", "distance_m": 500, "near": {"layer": "dengue"}})
    unknown = ask(outsider, {"mode": "within", "layer": "schools", "distance_m": 500, "near": {"layer": "no-such"}})
    assert hidden.status_code == unknown.status_code == 404
    assert hidden.json()["code"] == unknown.json()["code"] == "layer_not_found"
    assert b"dengue" not in hidden.content
    seen = ask(health_officer, {"mode": "within", "layer": "dengue", "distance_m": 2000, "near": {"layer": "schools"}})
    assert seen.status_code == 200 and seen.json()["count"] == 1


@pytest.mark.parametrize("body, field", [
    ({"mode": "around", "layer": "schools"}, "mode"),
    ({"mode": "within", "layer": "schools", "distance_m": -5, "near": {"layer": "schools"}}, "distance_m"),
    ({"mode": "within", "layer": "schools", "distance_m": 1e9, "near": {"layer": "schools"}}, "distance_m"),
    ({"mode": "within", "layer": "schools", "distance_m": 500, "near": {}}, "near"),
    ({"mode": "nearest", "layer": "schools", "n": 0, "from": {"point": [106.4, 10.5]}}, "n"),
    ({"mode": "nearest", "layer": "schools", "n": 1, "from": {"point": [106.4, 95]}}, "point"),
], ids=["unknown-mode", "negative-distance", "absurd-distance", "near-nothing", "zero-n", "latitude-95"])
def test_bad_questions_get_the_one_error_shape(official, province_schools, body, field):
    response = ask(official, body)
    assert response.status_code == 400 and field in response.json()["fields"]
