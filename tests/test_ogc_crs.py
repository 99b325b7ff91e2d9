"""A surveyor asks OGC API - Features Part 2 for coordinates in the CRS of their work: EPSG:4326 in its
own lat/lon order, Web Mercator, and VN-2000 TM-3 (EPSG:9205-9218) through the decree's EPSG:6960, the
same transformation imports and exports use; boxes may be given in those CRSs too."""

import json

import pytest
from pyproj import CRS, Transformer

from layers import crs as crs_module
from tests.conftest import add_features, make_layer
from tiles.cells import mercator_x, mercator_y

pytestmark = pytest.mark.django_db

EPSG = "http://www.opengis.net/def/crs/EPSG/0/{}"
TAN_AN = (106.4027, 10.5327)


@pytest.fixture
def school(db):
    layer = make_layer("truong-tan-an")
    return add_features(layer, [("s1", f"POINT({TAN_AN[0]} {TAN_AN[1]})", {"name": "Trường THPT Tân An"}),
                                ("s2", "POINT(105.6865 10.8332)", {"name": "Trường Mầm non Tân Hưng"})])


def items(client, **params) -> tuple[dict, str]:
    response = client.get("/ogc/collections/truong-tan-an/items", params)
    assert response.status_code == 200, response.getvalue()
    return json.loads(response.getvalue()), response["Content-Crs"]


def coordinates_in(client, code: int) -> list[float]:
    doc, content_crs = items(client, crs=EPSG.format(code), limit=1)
    assert content_crs == f"<{EPSG.format(code)}>"
    return doc["features"][0]["geometry"]["coordinates"]


def test_epsg_4326_comes_in_its_own_latitude_longitude_order(api, school):
    assert coordinates_in(api, 4326) == [TAN_AN[1], TAN_AN[0]]
    doc, content_crs = items(api, limit=1)
    assert content_crs == "<http://www.opengis.net/def/crs/OGC/1.3/CRS84>"
    assert doc["features"][0]["geometry"]["coordinates"] == list(TAN_AN)


def test_web_mercator_comes_in_metres(api, school):
    x, y = coordinates_in(api, 3857)
    assert x == pytest.approx(mercator_x(TAN_AN[0]), abs=0.002)
    assert y == pytest.approx(mercator_y(TAN_AN[1]), abs=0.002)


@pytest.mark.parametrize("code", [9205, 9210, 9218])
def test_vn2000_tm3_zones_agree_with_the_import_and_export_transformation(api, school, code):
    expected = crs_module.from_wgs84(CRS.from_epsg(code))(TAN_AN[0], TAN_AN[1])
    x, y = coordinates_in(api, code)
    assert x == pytest.approx(float(expected[0]), abs=0.002)
    assert y == pytest.approx(float(expected[1]), abs=0.002)


def test_long_an_in_its_own_zone_is_shifted_by_the_vn2000_datum_not_only_projected(api, school):
    # Without EPSG:6960 the same projection on WGS 84 lands some 200 m away.
    x, y = coordinates_in(api, 9210)
    plain = CRS.from_proj4("+proj=tmerc +lon_0=105.75 +k=0.9999 +x_0=500000 +ellps=WGS84")
    px, py = Transformer.from_crs(4326, plain, always_xy=True).transform(*TAN_AN)
    assert 100 < ((x - px) ** 2 + (y - py) ** 2) ** 0.5 < 400


def test_bbox_crs_takes_epsg_4326_as_latitude_first(api, school):
    doc, _ = items(api, bbox="10.5,106.3,10.6,106.5", **{"bbox-crs": EPSG.format(4326)})
    assert [f["properties"]["name"] for f in doc["features"]] == ["Trường THPT Tân An"]


def test_bbox_crs_takes_vn2000_metres(api, school):
    x, y = (float(v) for v in crs_module.from_wgs84(CRS.from_epsg(9210))(*TAN_AN))
    doc, _ = items(api, bbox=f"{x - 500},{y - 500},{x + 500},{y + 500}", **{"bbox-crs": EPSG.format(9210)})
    assert [f["properties"]["name"] for f in doc["features"]] == ["Trường THPT Tân An"]


def test_one_item_comes_in_the_asked_crs(api, school):
    doc, _ = items(api, limit=1)
    response = api.get(f"/ogc/collections/truong-tan-an/items/{doc['features'][0]['id']}", {"crs": EPSG.format(4326)})
    assert response["Content-Crs"] == f"<{EPSG.format(4326)}>"
    assert json.loads(response.getvalue())["geometry"]["coordinates"] == [TAN_AN[1], TAN_AN[0]]


@pytest.mark.parametrize("parameter", ["crs", "bbox-crs"])
@pytest.mark.parametrize("value", ["http://www.opengis.net/def/crs/EPSG/0/2154", "EPSG:abc", "+proj=longlat",
                                   "http://example.com/crs/4326"])
def test_a_crs_that_is_not_offered_is_a_400(api, school, parameter, value):
    params = {parameter: value} | ({"bbox": "106,10,107,11"} if parameter == "bbox-crs" else {})
    response = api.get("/ogc/collections/truong-tan-an/items", params)
    assert response.status_code == 400
    body = json.loads(response.getvalue())
    assert body["code"] == "invalid_crs" and parameter in body["fields"]
