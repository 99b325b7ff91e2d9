"""Aggregate by administrative unit over the monitoring app's units — the same 2022 and 2025 boundary
sets indicators are published on, not a second set of polygons: the default is the set valid at the
window's end, either can be named, and a province total is the same whichever set counts it."""

from datetime import date

import pytest
from django.contrib.gis.geos import Point

from monitoring.models import AdminUnit, UnitLevel
from monitoring.units import unit_at
from tests.conftest import client_for

pytestmark = pytest.mark.django_db
URL = "/api/analysis/aggregate/"


def ask(user, **body) -> dict:
    response = client_for(user).post(URL, {"layer": "schools", **body}, format="json")
    assert response.status_code == 200, response.content
    return response.json()


def by_code(body: dict) -> dict:
    return {u["properties"]["code"]: u["properties"] for u in body["units"]["features"]}


def test_schools_are_counted_per_commune_of_either_boundary_set_and_the_province_total_holds(
        monitoring_world, official, province_schools):
    old = ask(official, op="sum", property="pupils", boundary="2022")
    new = ask(official, op="sum", property="pupils", boundary="2025")
    assert old["by"] == {"boundary": "2022", "level": "commune"} and new["by"]["boundary"] == "2025"
    assert len(old["units"]["features"]) == AdminUnit.objects.filter(version__code="2022", level=UnitLevel.COMMUNE).count()
    assert len(new["units"]["features"]) == AdminUnit.objects.filter(version__code="2025", level=UnitLevel.COMMUNE).count()
    # Each school in the commune the monitoring app places it in, on each side of the change.
    for body, day in ((old, date(2024, 1, 1)), (new, date(2026, 1, 1))):
        expected: dict[str, int] = {}
        for lon, lat, pupils in ((106.405, 10.525, 1200), (106.37, 10.50, 500), (106.43, 10.55, 400),
                                 (106.65, 10.55, 900), (106.40, 10.85, 800)):
            unit = unit_at(Point(lon, lat, srid=4326), on=day)
            if unit is not None:
                expected[unit.code] = expected.get(unit.code, 0) + pupils
        counted = {code: u["value"] for code, u in by_code(body).items() if u["count"]}
        assert counted == expected and expected
    # The same schools whichever set counts them: a province total survives the 2025 change.
    assert sum(u["properties"]["value"] or 0 for u in old["units"]["features"]) == pytest.approx(
        sum(u["properties"]["value"] or 0 for u in new["units"]["features"]))
    assert set(old["versions"]) == {"schools"}  # the units are the monitoring app's, not a layer


def test_the_default_set_is_the_one_valid_at_the_end_of_the_window(monitoring_world, official, province_schools):
    assert ask(official, op="count", datetime="2024-01-01/2024-12-31")["by"]["boundary"] == "2022"
    assert ask(official, op="count", datetime="2025-08-01/2026-01-31")["by"]["boundary"] == "2025"
    assert ask(official, op="count")["by"]["boundary"] == "2025"  # today


def test_a_layer_of_units_can_still_be_named(monitoring_world, official, province_schools, districts):
    body = ask(official, op="count", units="admin-districts")
    assert body["by"] == {"layer": "admin-districts"} and set(body["versions"]) == {"schools", "admin-districts"}


def test_coverage_per_2025_commune_uses_the_same_units(monitoring_world, official, province_schools):
    response = client_for(official).post("/api/analysis/proximity/", {
        "mode": "coverage", "layer": "schools", "distance_m": 2000, "boundary": "2025"}, format="json")
    assert response.status_code == 200, response.content
    units = response.json()["units"]["features"]
    assert len(units) == AdminUnit.objects.filter(version__code="2025", level=UnitLevel.COMMUNE).count()
    reached = [u for u in units if u["properties"]["covered_ha"]]
    assert reached and all(0 <= u["properties"]["share"] <= 1 for u in reached)
    # The ward holding the Tân An high school is reached, and its share is its covered area over its area.
    ward = unit_at(Point(106.405, 10.525, srid=4326), on=date(2026, 1, 1))
    held = next(u["properties"] for u in units if u["properties"]["name"] == ward.name)
    assert held["covered_ha"] > 0 and held["share"] == pytest.approx(held["covered_ha"] / held["area_ha"], abs=1e-3)
    # Population comes from the units themselves (the demo's estimates), spread evenly over the area.
    assert any(u["properties"]["covered_population"] for u in reached)


@pytest.mark.parametrize("boundary", ["2019", "", "x" * 40])
def test_an_unknown_boundary_set_is_refused_with_the_sets_there_are(monitoring_world, official, province_schools,
                                                                     boundary):
    response = client_for(official).post(URL, {"layer": "schools", "op": "count", "boundary": boundary}, format="json",
                                         HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 400 and "boundary" in response.json()["fields"]
    assert "2022" in response.json()["detail"] and "2025" in response.json()["detail"]
