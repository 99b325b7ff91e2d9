"""The planners' tools in Debian's headless Chromium, offline: a planner asks the dashboard's proximity
tool which schools lie within 3 km of the highway and sees them as a temporary layer on the map and as
a table, closest first, the same as the API answers; coverage per unit draws the units; the HTML zone
report draws its map with the app's own Leaflet."""

import json

import pytest

from tests.conftest import client_for
from tests.province import RICE
from tests.test_dashboard_in_browser import WAIT_MS, browser, open_dashboard, sign_in
from tests.test_plan_compliance import long_an_rules  # noqa: F401  (fixture)
from tests.test_proximity import clinics, road  # noqa: F401  (fixtures)
from tests.test_zone_summaries import polygon

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def ask_in_page(page, mode: str, layer: str, **fields) -> None:
    page.click("#tab-zones")
    page.select_option("#proximity-mode", mode)
    page.select_option("#proximity-layer", layer)
    for field, value in fields.items():
        if field in ("near", "of", "op", "property", "boundary"):
            page.select_option(f"#proximity-{field}", value)
        else:
            page.fill(f"#proximity-{field}", str(value))
    page.click(".proximity-form button[type=submit]")
    page.wait_for_selector(".proximity-table tbody tr", timeout=WAIT_MS)


def test_schools_within_3_km_of_the_highway_show_on_the_map_and_in_the_table(live_server, official, province_schools, road):
    expected = client_for(official).post("/api/analysis/proximity/", {
        "mode": "within", "layer": "schools", "distance_m": 3000, "near": {"layer": "ql1"}}, format="json").json()
    with browser(locale="en-GB") as (page, outside):
        sign_in(page, live_server, official)
        open_dashboard(page, live_server)
        ask_in_page(page, "within", "schools", distance=3000, near="ql1")
        rows = page.locator(".proximity-table tbody tr")
        assert rows.count() == expected["count"] == 3
        assert rows.nth(0).inner_text().startswith("Trường THPT Tân An")
        on_map = page.evaluate("async () => (await window.geoIoc.map.getSource('proximity-result').getData()).features.length")
        assert on_map == 3
        assert outside == []


def test_coverage_per_unit_fills_the_units(live_server, official, clinics, districts, settings):
    settings.ANALYSIS_UNITS_LAYER = "admin-districts"
    with browser() as (page, outside):
        sign_in(page, live_server, official)
        open_dashboard(page, live_server)
        ask_in_page(page, "coverage", "clinics", distance=4000)
        assert page.locator(".proximity-table tbody tr").count() == 3  # the districts of the test province
        kinds = page.evaluate(
            "async () => (await window.geoIoc.map.getSource('proximity-result').getData()).features.map(f => f.geometry.type)")
        assert set(kinds) == {"Polygon"}


def test_pupils_are_added_up_per_district_as_a_table_and_a_choropleth(live_server, official, province_schools,
                                                                      districts, settings):
    settings.ANALYSIS_UNITS_LAYER = "admin-districts"  # no monitoring units in this world: the layer answers
    with browser(locale="en-GB") as (page, outside):
        sign_in(page, live_server, official)
        open_dashboard(page, live_server)
        ask_in_page(page, "aggregate", "schools", op="sum", property="pupils")
        rows = page.locator(".proximity-table tbody tr")
        assert rows.count() == 3
        first = rows.nth(0).inner_text().split("\t")
        assert first[0] == "Thành phố Tân An" and first[-1].replace(",", "").replace(".", "") == "2100"
        shares = page.evaluate("async () => (await window.geoIoc.map.getSource('proximity-result').getData())"
                               ".features.map(f => f.properties.share).sort()")
        assert shares[-1] == 1 and all(0 <= s <= 1 for s in shares)  # coloured against the largest
        assert outside == []


def test_the_html_report_draws_its_map_with_the_apps_own_leaflet(live_server, long_an_rules, land_use, province_schools):
    """The report page as a browser gets it from a POST (anonymous: public layers only): its map
    draws the zone and the conflicting parcel and school, and nothing is asked of another host."""
    body = {"geometry": polygon(RICE[0], RICE[1], (RICE[0] + RICE[2]) / 2, RICE[3]), "use": "industrial"}
    with browser(locale="en-GB") as (page, outside):
        page.route(live_server.url + "/report-under-test", lambda route: route.continue_(
            url=live_server.url + "/api/analysis/report.html", method="POST",
            headers={"Content-Type": "application/json", "Accept": "text/html"}, post_data=json.dumps(body)))
        errors = []
        page.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
        page.on("pageerror", lambda error: errors.append(str(error)))
        response = page.goto(live_server.url + "/report-under-test", timeout=WAIT_MS)
        assert response.status == 200
        # The zone, the part of the rice parcel inside it and the school's circle.
        page.wait_for_function("document.querySelectorAll('.leaflet-container .leaflet-interactive').length >= 3",
                               timeout=WAIT_MS)
        assert errors == []
        assert "Conflicts" in page.inner_text(".verdict")
        assert outside == []
