"""What is inside a zone: counts per visible layer broken down by category, land-use areas in hectares
measured on the spheroid, computed by PostGIS over only the layers the caller may see."""

import pytest
from pyproj import Geod
from shapely import wkt

from layers.models import Feature
from tests.conftest import client_for
from tests.province import HOMES, RICE, TAN_AN, box

pytestmark = pytest.mark.django_db
SUMMARY = "/api/summary/"


def polygon(minx, miny, maxx, maxy) -> dict:
    return {"type": "Polygon", "coordinates": [[[minx, miny], [maxx, miny], [maxx, maxy], [minx, maxy], [minx, miny]]]}


def hectares(bounds) -> float:
    area, _ = Geod(ellps="WGS84").geometry_area_perimeter(wkt.loads(box(*bounds)))
    return abs(area) / 10_000


def by_slug(body: dict) -> dict:
    return {layer["slug"]: layer for layer in body["layers"]}


def categories(layer: dict) -> dict:
    return {c["value"]: c for c in layer["by"]["categories"]}


def test_schools_are_counted_by_level_inside_tan_an(official, province):
    body = client_for(official).post(SUMMARY, {"geometry": polygon(*TAN_AN)}, format="json").json()
    schools = by_slug(body)["schools"]
    assert schools["count"] == 3
    assert schools["by"]["property"] == "level" and schools["by"]["label"] == "Cấp học"
    assert {v: c["count"] for v, c in categories(schools).items()} == {"tieu_hoc": 2, "thpt": 1}
    assert categories(schools)["tieu_hoc"]["label"] == "Tiểu học"
    assert categories(schools)["tieu_hoc"]["color"] == "#a6cee3"


def test_land_use_areas_are_hectares_on_the_spheroid_and_a_neighbour_sharing_an_edge_is_not_inside(official, province):
    body = client_for(official).post(SUMMARY, {"geometry": polygon(*TAN_AN)}, format="json").json()
    land = by_slug(body)["land-use-plan"]
    assert land["count"] == 2  # the "edge" parcel only touches Tân An's eastern boundary
    assert categories(land)["lua"]["area_ha"] == pytest.approx(hectares(RICE), rel=1e-4)
    assert categories(land)["dat_o"]["area_ha"] == pytest.approx(hectares(HOMES), rel=1e-4)
    assert body["area_ha"] == pytest.approx(hectares(TAN_AN), rel=1e-4)


def test_a_parcel_cut_by_the_zone_counts_only_its_part_inside(official, province):
    west_half_of_rice = (RICE[0], RICE[1], (RICE[0] + RICE[2]) / 2, RICE[3])
    body = client_for(official).post(SUMMARY, {"geometry": polygon(*west_half_of_rice)}, format="json").json()
    assert categories(by_slug(body)["land-use-plan"])["lua"]["area_ha"] == pytest.approx(hectares(west_half_of_rice), rel=1e-4)


def test_feedback_reports_are_counted_by_status_only_for_staff(api, official, province):
    staff = by_slug(client_for(official).post(SUMMARY, {"geometry": polygon(*TAN_AN)}, format="json").json())
    assert {v: c["count"] for v, c in categories(staff["feedback-1022"]).items()} == {"moi": 1, "da_xu_ly": 2}
    anonymous = by_slug(api.post(SUMMARY, {"geometry": polygon(*TAN_AN)}, format="json").json())
    assert "feedback-1022" not in anonymous and "planning-zones" not in anonymous
    assert anonymous["schools"]["count"] == 3


def test_a_restricted_layer_is_summarised_only_for_its_group(official, health_officer, dengue):
    square = polygon(106.40, 10.53, 106.42, 10.55)  # holds the one dengue point at 106.41, 10.54
    assert "dengue" not in by_slug(client_for(official).post(SUMMARY, {"geometry": square}, format="json").json())
    assert by_slug(client_for(health_officer).post(SUMMARY, {"geometry": square}, format="json").json())["dengue"]["count"] == 1


def test_layers_with_time_are_counted_in_the_time_window(official, province):
    body = client_for(official).post(
        SUMMARY, {"geometry": polygon(*TAN_AN), "datetime": "2022-06-01/2022-06-30"}, format="json"
    ).json()
    layers = by_slug(body)
    assert layers["feedback-1022"]["count"] == 2
    assert layers["schools"]["count"] == 3  # no time: not filtered
    assert body["datetime"]["start"].startswith("2022-06-01")


def test_a_stored_zone_is_summarised_by_its_id_without_counting_itself(official, province, zones):
    zone = Feature.objects.get(layer=zones)
    body = client_for(official).get(f"/api/layers/planning-zones/features/{zone.pk}/summary/").json()
    layers = by_slug(body)
    assert layers["schools"]["count"] == 1  # Trường THCS Đức Hòa
    assert layers["planning-zones"]["count"] == 0
    assert layers["admin-districts"]["count"] == 1


def test_an_admin_unit_is_summarised_like_a_zone(api, province, districts):
    can_giuoc = Feature.objects.get(layer=districts, source_id="807")
    body = api.get(f"/api/layers/admin-districts/features/{can_giuoc.pk}/summary/", HTTP_ACCEPT_LANGUAGE="en").json()
    schools = by_slug(body)["schools"]
    assert schools["count"] == 1 and schools["title"] == "Schools"
    assert categories(schools)["thcs"]["label"] == "Lower secondary"


def test_a_hidden_zone_cannot_be_summarised(api, zones):
    zone = Feature.objects.get(layer=zones)
    response = api.get(f"/api/layers/planning-zones/features/{zone.pk}/summary/")
    assert response.status_code == 404 and response.json()["code"] == "layer_not_found"


def test_the_summary_is_two_statements_whatever_the_number_of_layers(official, province, django_assert_max_num_queries):
    from shapely.geometry import shape

    from analysis.summaries import summarize_polygon

    # One for the catalog (visible layers), one for the zone's area, one for every count and area.
    with django_assert_max_num_queries(4):
        summarize_polygon(official, shape(polygon(*TAN_AN)))


def test_the_polygon_as_understood_comes_back_for_drawing(api, province):
    body = api.post(SUMMARY, {"geometry": {"type": "Feature", "properties": {}, "geometry": polygon(*TAN_AN)}}, format="json").json()
    assert body["geometry"]["type"] == "Polygon"
    assert body["geometry"]["coordinates"][0][0] == pytest.approx([TAN_AN[0], TAN_AN[1]])


def test_a_bad_polygon_gets_the_error_shape(api, province):
    response = api.post(SUMMARY, {"geometry": {"type": "Polygon", "coordinates": [[[0, 0], [1, 1], [1, 0], [0, 1], [0, 0]]]}}, format="json")
    assert response.status_code == 400 and response.json()["code"] == "invalid_geometry"


def test_a_datetime_that_is_not_text_gets_the_error_shape(api, province):
    response = api.post(SUMMARY, {"geometry": polygon(*TAN_AN), "datetime": 2022}, format="json")
    assert response.status_code == 400 and response.json()["code"] == "invalid_datetime"
