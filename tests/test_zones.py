"""Planners save polygons as zones of the zones layer and rename, reshape and delete them; every change
publishes a new layer version. Nobody else may change a zone, and a broken polygon is refused with a
message saying what is wrong."""

import pytest
from pyproj import Geod
from shapely.geometry import shape

from layers.models import Feature, Layer
from tests.conftest import client_for

pytestmark = pytest.mark.django_db
ZONES = "/api/zones/"
SQUARE = {"type": "Polygon", "coordinates": [[[106.35, 10.85], [106.40, 10.85], [106.40, 10.90], [106.35, 10.90], [106.35, 10.85]]]}
BOW_TIE = {"type": "Polygon", "coordinates": [[[106.35, 10.85], [106.40, 10.90], [106.40, 10.85], [106.35, 10.90], [106.35, 10.85]]]}


def spheroid_km2(polygon: dict) -> float:
    area, _perimeter = Geod(ellps="WGS84").geometry_area_perimeter(shape(polygon))
    return abs(area) / 1e6


def version(layer: Layer) -> int:
    return Layer.objects.get(pk=layer.pk).version


def test_a_planner_saves_a_drawn_polygon_as_a_zone_and_the_layer_version_moves(planner, zones, districts):
    before = version(zones)
    response = client_for(planner).post(ZONES, {"name": "  Vùng  ven sông ", "purpose": "flood", "geometry": SQUARE}, format="json")
    assert response.status_code == 201, response.content
    zone = response.json()
    assert zone["type"] == "Feature"
    assert zone["properties"]["name"] == "Vùng ven sông"
    assert zone["properties"]["created_by"] == "planner"
    assert zone["properties"]["district_code"] == "802"  # inside Đức Hòa
    # Measured on the WGS 84 spheroid, as pyproj's geodesic area says (Web Mercator would say ~3 % more here).
    assert zone["properties"]["area_km2"] == pytest.approx(spheroid_km2(SQUARE), abs=0.01)
    assert version(zones) == before + 1
    assert Layer.objects.get(pk=zones.pk).feature_count == 2


def test_a_zone_is_renamed_reshaped_and_deleted_each_with_a_new_version(planner, zones, districts):
    client = client_for(planner)
    zone_id = client.post(ZONES, {"name": "Vùng A", "geometry": SQUARE}, format="json").json()["id"]
    v1 = version(zones)
    assert client.patch(f"{ZONES}{zone_id}/", {"name": "Vùng B"}, format="json").json()["properties"]["name"] == "Vùng B"
    v2 = version(zones)
    smaller = {"type": "Polygon", "coordinates": [[[106.35, 10.85], [106.36, 10.85], [106.36, 10.86], [106.35, 10.85]]]}
    reshaped = client.patch(f"{ZONES}{zone_id}/", {"geometry": smaller}, format="json").json()
    assert reshaped["properties"]["area_km2"] < 1
    assert reshaped["properties"]["name"] == "Vùng B"
    v3 = version(zones)
    assert client.delete(f"{ZONES}{zone_id}/").status_code == 204
    assert not Feature.objects.filter(pk=zone_id).exists()
    assert v1 < v2 < v3 < version(zones)


def test_the_zone_list_says_who_may_edit(planner, official, zones):
    assert client_for(planner).get(ZONES).json()["can_edit"] is True
    listing = client_for(official).get(ZONES).json()
    assert listing["can_edit"] is False
    assert [z["name"] for z in listing["zones"]] == ["Vùng nghiên cứu mở rộng công nghiệp Đức Hòa"]


def test_the_zone_list_is_hidden_like_any_internal_layer(api, outsider, zones):
    for client in (api, client_for(outsider)):
        response = client.get(ZONES)
        assert response.status_code == 404 and response.json()["code"] == "layer_not_found"


@pytest.mark.parametrize(("actor", "status", "code"), [
    # The zones layer is internal: hidden from these two, so it answers like an unknown layer.
    ("anonymous", 404, "layer_not_found"),
    ("outsider", 404, "layer_not_found"),
    # Visible, but not a steward of the planning department that owns it.
    ("official", 403, "permission_denied"),
])
def test_nobody_but_planners_may_create_change_or_delete_a_zone(api, outsider, official, zones, actor, status, code):
    client = {"anonymous": api, "outsider": client_for(outsider), "official": client_for(official)}[actor]
    existing = Feature.objects.get(layer=zones).pk
    before = version(zones)
    answers = [
        client.post(ZONES, {"name": "X", "geometry": SQUARE}, format="json"),
        client.patch(f"{ZONES}{existing}/", {"name": "X"}, format="json"),
        client.delete(f"{ZONES}{existing}/"),
    ]
    for response in answers:
        assert response.status_code == status
        assert response.json()["code"] == code
    assert version(zones) == before and Feature.objects.filter(pk=existing).exists()


def test_a_superuser_may_edit_zones(superuser, zones):
    response = client_for(superuser).post(ZONES, {"name": "Vùng của quản trị", "geometry": SQUARE}, format="json")
    assert response.status_code == 201


def test_a_bow_tie_is_refused_with_where_it_crosses_itself(planner, zones):
    response = client_for(planner).post(ZONES, {"name": "Nơ", "geometry": BOW_TIE}, format="json", HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "invalid_geometry"
    assert "crosses itself near 106.37500, 10.87500" in body["detail"]


@pytest.mark.parametrize("geometry,words", [
    ({"type": "Point", "coordinates": [106.4, 10.8]}, "not Point"),
    ({"type": "MultiPolygon", "coordinates": [SQUARE["coordinates"], [[[106.5, 10.5], [106.6, 10.5], [106.6, 10.6], [106.5, 10.5]]]]}, "2 parts"),
    ({"type": "Polygon", "coordinates": "oops"}, "not well formed"),
    ({"type": "Polygon", "coordinates": [[[571240, 1164846], [581240, 1164846], [581240, 1174846], [571240, 1164846]]]}, "not WGS 84"),
    ({"type": "FeatureCollection", "features": []}, "exactly one polygon"),
    ("POLYGON((0 0, 1 0, 1 1, 0 0))", "Send a GeoJSON"),
])
def test_what_cannot_be_a_zone_is_refused_and_explained(planner, zones, geometry, words):
    response = client_for(planner).post(ZONES, {"name": "X", "geometry": geometry}, format="json", HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 400, response.content
    assert response.json()["code"] == "invalid_geometry"
    assert words in response.json()["detail"]


def test_a_zone_needs_a_name(planner, zones):
    response = client_for(planner).post(ZONES, {"name": "  ", "geometry": SQUARE}, format="json")
    assert response.status_code == 400 and "name" in response.json()["fields"]


def test_an_uploaded_vn2000_file_is_reprojected_like_an_import(planner, zones, districts):
    # The same square as SQUARE's south-west corner region, written in EPSG:9210 metres as QGIS does.
    from layers.coordinates import wgs84_to_vn2000

    ring = [wgs84_to_vn2000(lon, lat) for lon, lat in SQUARE["coordinates"][0]]
    upload = {"type": "FeatureCollection", "crs": {"type": "name", "properties": {"name": "urn:ogc:def:crs:EPSG::9210"}},
              "features": [{"type": "Feature", "properties": {}, "geometry": {"type": "Polygon", "coordinates": [ring]}}]}
    zone = client_for(planner).post(ZONES, {"name": "Từ tệp VN-2000", "geometry": upload}, format="json").json()
    corner = zone["geometry"]["coordinates"][0][0]
    assert corner == pytest.approx([106.35, 10.85], abs=1e-7)


def test_an_unknown_zone_is_not_found(planner, zones):
    response = client_for(planner).patch(f"{ZONES}999999/", {"name": "X"}, format="json")
    assert response.status_code == 404 and response.json()["code"] == "feature_not_found"


def test_a_feature_of_another_layer_cannot_be_edited_as_a_zone(planner, zones, districts):
    district = Feature.objects.filter(layer=districts).first()
    assert client_for(planner).delete(f"{ZONES}{district.pk}/").status_code == 404
    assert Feature.objects.filter(pk=district.pk).exists()
