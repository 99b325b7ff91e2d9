"""A layer aggregated by administrative unit: count, sum or average of a numeric property per unit, in
a time window, each unit with its polygon for a choropleth; only over layers the caller may see."""

import pytest

from tests.conftest import client_for

pytestmark = pytest.mark.django_db
URL = "/api/analysis/aggregate/"


def by_name(body: dict) -> dict:
    return {u["properties"]["name"]: u["properties"] for u in body["units"]["features"]}


def test_schools_are_counted_and_their_pupils_added_up_per_district(official, province_schools, districts):
    counted = client_for(official).post(URL, {"layer": "schools", "units": "admin-districts", "op": "count"},
                                        format="json").json()
    assert {name: u["value"] for name, u in by_name(counted).items()} == {
        "Thành phố Tân An": 3, "Huyện Cần Giuộc": 1, "Huyện Đức Hòa": 1}
    summed = client_for(official).post(URL, {"layer": "schools", "units": "admin-districts", "op": "sum",
                                             "property": "pupils"}, format="json").json()
    assert by_name(summed)["Thành phố Tân An"]["value"] == 2100
    assert summed["units"]["features"][0]["geometry"]["type"] == "Polygon"
    assert set(summed["versions"]) == {"schools", "admin-districts"}


def test_an_average_over_a_time_window(official, feedback, districts):
    body = client_for(official).post(URL, {"layer": "feedback-1022", "units": "admin-districts", "op": "count",
                                          "datetime": "2022-06-01/2022-06-30"}, format="json").json()
    assert by_name(body)["Thành phố Tân An"]["count"] == 2 and by_name(body)["Huyện Cần Giuộc"]["count"] == 0


def test_the_units_default_to_the_administrative_units_setting(official, province_schools, communes, settings):
    settings.ANALYSIS_UNITS_LAYER = "admin-communes"
    body = client_for(official).post(URL, {"layer": "schools", "op": "count"}, format="json").json()
    assert by_name(body)["Phường 1"]["count"] == 1


def test_the_dengue_cases_are_summed_for_the_health_officer_and_hidden_from_an_outsider(
        health_officer, outsider, dengue, districts):
    body = {"layer": "dengue", "units": "admin-districts", "op": "sum", "property": "cases"}
    assert by_name(client_for(health_officer).post(URL, body, format="json").json())["Thành phố Tân An"]["value"] == 7
    hidden = client_for(outsider).post(URL, body, format="json")
    unknown = client_for(outsider).post(URL, body | {"layer": "no-such-layer"}, format="json")
    assert hidden.status_code == unknown.status_code == 404 and hidden.json() == unknown.json()


def test_a_sum_needs_a_numeric_property(official, province_schools, districts):
    response = client_for(official).post(URL, {"layer": "schools", "units": "admin-districts", "op": "sum",
                                               "property": "name"}, format="json")
    assert response.status_code == 400 and "property" in response.json()["fields"]
