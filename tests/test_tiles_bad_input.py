"""Impossible tile addresses are refused in the one error shape before anything asks the database;
unknown layers and formats are 404s that say what went wrong."""

import pytest
from django.test import Client

pytestmark = pytest.mark.django_db

IMPOSSIBLE = [
    ("/tiles/schools/23/0/0.pbf", 400, "invalid_tile"),
    ("/tiles/schools/3/8/0.pbf", 400, "invalid_tile"),
    ("/tiles/schools/3/0/8.pbf", 400, "invalid_tile"),
    ("/tiles/schools/-1/0/0.pbf", 400, "invalid_tile"),
    ("/tiles/schools/1.5/0/0.pbf", 400, "invalid_tile"),
    ("/tiles/schools/a/b/c.pbf", 400, "invalid_tile"),
    ("/tiles/schools/99999999999/0/0.pbf", 400, "invalid_tile"),
    ("/tiles/schools/3/0/0.gif", 404, "unknown_format"),
    ("/tiles/schools/3/0/0.PBF.exe", 404, "not_found"),
    ("/tiles/school$/3/0/0.pbf", 404, "layer_not_found"),
    ("/tiles/" + ",".join(f"l{i}" for i in range(21)) + "/3/0/0.pbf", 404, "layer_not_found"),
]


@pytest.mark.parametrize("url,status,code", IMPOSSIBLE)
def test_an_impossible_tile_is_refused_without_a_query(url, status, code, django_assert_num_queries):
    with django_assert_num_queries(0):
        response = Client().get(url)
    assert response.status_code == status
    body = response.json()
    assert body["code"] == code
    assert set(body) <= {"detail", "code", "fields"} and body["detail"]


def test_the_error_says_which_coordinate_is_out_of_range():
    body = Client().get("/tiles/schools/3/9/0.pbf", HTTP_ACCEPT_LANGUAGE="en").json()
    assert body["fields"] == {"x": ["Out of range."]}
    assert "0" in body["detail"] and "7" in body["detail"]


def test_an_unknown_layer_is_404_in_the_error_shape(db):
    body = Client().get("/tiles/no-such-layer/3/0/0.pbf").json()
    assert body["code"] == "layer_not_found"


def test_a_raster_format_on_a_vector_layer_is_refused(schools):
    response = Client().get("/tiles/schools/3/0/0.png")
    assert response.status_code == 404
    assert response.json()["code"] == "format_not_available"


@pytest.mark.parametrize("query,code", [
    ("datetime=2022-13-45", "invalid_datetime"),
    ("bbox=1,2,3,4", "unknown_parameter"),
    ("limit=5", "unknown_parameter"),
    ("colour=red", "unknown_parameter"),
    ("pupils=many", "invalid_parameter"),
])
def test_bad_filters_are_400_in_the_error_shape(schools, incidents, query, code):
    response = Client().get(f"/tiles/schools/7/101/60.pbf?{query}")
    assert response.status_code == 400
    assert response.json()["code"] == code


def test_a_datetime_on_a_layer_without_time_is_refused(schools):
    assert Client().get("/tiles/schools/7/101/60.pbf?datetime=2022-01-01").json()["code"] == "invalid_datetime"


def test_a_composite_takes_no_property_filter(schools, incidents, official):
    client = Client()
    client.force_login(official)
    response = client.get("/tiles/schools,incidents/7/101/60.pbf?level=thpt")
    assert response.status_code == 400 and response.json()["code"] == "unknown_parameter"
