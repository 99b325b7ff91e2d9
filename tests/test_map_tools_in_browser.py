"""The map toolbox and the attribute table in Debian's headless Chromium, on the demo world: a
measured distance and area agree with pyproj's geodesic ones, the basemap switcher changes the
picture with our own tiles only, the coordinate readout's VN-2000 is PROJ's, a bookmark comes back
after a reload, identify shows a commune's stacked weekly dengue records as one group and the visible
rasters' band values there (named, in their unit, "no data" where none), and the table
pages past 200 rows, sorts and filters on the server and downloads a CSV holding exactly its rows."""

import csv
import io
import shutil
from pathlib import Path

import numpy as np
import pytest
import rasterio
from django.conf import settings as django_settings
from django.contrib.auth.models import Group, User
from django.db.models import Count
from pyproj import Geod
from rasterio.transform import from_origin

from dashboard.models import Bookmark
from layers.coordinates import wgs84_to_vn2000
from layers.models import Feature, Layer
from tests.browser import CHROMIUM, screenshot, wait_for_map
from tests.browser import live_server_page as browser
from tests.test_dashboard_in_browser import (
    WAIT_MS,
    changed_share,
    map_pixels,
    open_dashboard,
    screen_point,
    settle,
    sign_in,
)

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(shutil.which(CHROMIUM) is None and not CHROMIUM.startswith("/"), reason="chromium"),
]
GEOD = Geod(ellps="WGS84")
TAN_AN = (106.41, 10.54)
NODATA = -9999.0


@pytest.fixture
def health(demo) -> User:
    """A health officer: the demo world's weekly dengue cases are restricted to the health group."""
    user = User.objects.create_user("health-officer", password="pw-health")
    user.groups.add(Group.objects.get(name="health"))
    return user


def test_a_measured_distance_and_area_are_geodesic(live_server, demo):
    with browser(viewport=(1366, 768)) as (page, outside):
        open_dashboard(page, live_server, f"#map=15.00/{TAN_AN[1]}/{TAN_AN[0]}&layers=")
        # About 1 km east and 0.6 km north of Tân An's centre.
        start, end = screen_point(page, *TAN_AN), screen_point(page, TAN_AN[0] + 0.009, TAN_AN[1] + 0.0055)
        page.click("#measure-distance")
        page.mouse.click(*start)
        page.mouse.dblclick(*end)
        page.wait_for_selector("#measure-result[data-metres]")
        points = page.evaluate("window.geoIoc.measure.points")
        assert len(points) == 2
        (lon1, lat1), (lon2, lat2) = points
        expected = GEOD.inv(lon1, lat1, lon2, lat2)[2]
        measured = float(page.get_attribute("#measure-result", "data-metres"))
        assert measured == pytest.approx(expected, abs=0.01)
        assert measured == pytest.approx(GEOD.inv(*TAN_AN, TAN_AN[0] + 0.009, TAN_AN[1] + 0.0055)[2], rel=0.01)
        assert "km" in page.inner_text("#measure-result")
        screenshot(page, "map-tools-measure-distance")

        page.click("#measure-area")
        # South-west of the centre, away from the tool buttons at the top right.
        page.evaluate("([lon, lat]) => window.geoIoc.map.jumpTo({center: [lon, lat], zoom: 15})", list(TAN_AN))
        corners = [(TAN_AN[0], TAN_AN[1]), (TAN_AN[0] - 0.006, TAN_AN[1]), (TAN_AN[0] - 0.006, TAN_AN[1] - 0.005)]
        for lon, lat in corners[:-1]:
            page.mouse.click(*screen_point(page, lon, lat))
        page.mouse.dblclick(*screen_point(page, *corners[-1]))
        page.wait_for_selector("#measure-result[data-square-metres]")
        ring = page.evaluate("window.geoIoc.measure.points")
        area, _perimeter = GEOD.polygon_area_perimeter([p[0] for p in ring], [p[1] for p in ring])
        measured = float(page.get_attribute("#measure-result", "data-square-metres"))
        assert measured == pytest.approx(abs(area), rel=1e-4)
        assert "ha" in page.inner_text("#measure-result")
        screenshot(page, "map-tools-measure-area")
        page.keyboard.press("Escape")
        assert outside == []


def test_the_basemap_switcher_redraws_our_own_basemap_four_ways(live_server, demo):
    with browser(viewport=(1366, 768)) as (page, outside):
        requests = open_dashboard(page, live_server, "#map=10.00/10.65/106.25&layers=")
        light = map_pixels(page)
        pictures = {}
        for name in ("dark", "admin", "none"):
            page.select_option("#basemap-choice", name)
            settle(page)
            pictures[name] = map_pixels(page)
            screenshot(page, f"map-tools-basemap-{name}")
        assert changed_share(light, pictures["dark"]) > 0.8
        assert changed_share(light, pictures["admin"]) > 0.02
        # With no basemap, the map is blank white.
        assert sum(1 for p in pictures["none"] if p == (255, 255, 255)) / len(pictures["none"]) > 0.95
        # Remembered in this browser.
        page.reload()
        wait_for_map(page, timeout=WAIT_MS)
        assert page.eval_on_selector("#basemap-choice", "s => s.value") == "none"
        assert outside == [] and all(r.startswith((live_server.url, "data:", "blob:")) for r in requests)


def test_the_coordinate_readout_gives_wgs84_and_the_vn2000_of_proj(live_server, demo):
    with browser(viewport=(1366, 768)) as (page, outside):
        open_dashboard(page, live_server, f"#map=13.00/{TAN_AN[1]}/{TAN_AN[0]}&layers=")
        for lon, lat in (TAN_AN, (106.2, 10.9), (105.9, 10.75)):
            page.evaluate("([lon, lat]) => window.geoIoc.map.jumpTo({center: [lon, lat]})", [lon, lat])
            x, y = screen_point(page, lon, lat)
            page.mouse.move(x + 1, y + 1)
            page.mouse.move(x, y)
            readout = page.locator("#coordinate-readout")
            shown_lon, shown_lat = float(readout.get_attribute("data-lon")), float(readout.get_attribute("data-lat"))
            assert (shown_lon, shown_lat) == pytest.approx((lon, lat), abs=0.0002)
            easting, northing = wgs84_to_vn2000(shown_lon, shown_lat)
            assert float(readout.get_attribute("data-easting")) == pytest.approx(easting, abs=0.01)
            assert float(readout.get_attribute("data-northing")) == pytest.approx(northing, abs=0.01)
            assert "VN-2000 (EPSG:9210)" in readout.inner_text()
        screenshot(page, "map-tools-coordinate-readout")
        assert outside == []


def test_a_bookmark_is_saved_and_restored_after_a_reload(live_server, demo, official):
    with browser(viewport=(1366, 768)) as (page, outside):
        sign_in(page, live_server, official)
        open_dashboard(page, live_server, "#map=13.00/10.6400/106.4800&layers=health-facilities"
                                          "&filter:health-facilities:district_code=803")
        page.click("#bookmarks-toggle")
        page.fill("#bookmark-name", "Cầu Bến Lức")
        page.click(".bookmark-save button[type=submit]")
        page.wait_for_selector("#bookmark-list li button.bookmark-go")
        saved = Bookmark.objects.get(user=official)
        assert (saved.name, saved.layers) == ("Cầu Bến Lức", ["health-facilities"])
        assert saved.filters == {"health-facilities": {"district_code": "803"}}  # the view's filters are kept
        assert (saved.lon, saved.lat, saved.zoom) == pytest.approx((106.48, 10.64, 13.0), abs=1e-3)

        page.goto(live_server.url + "/#map=9.00/10.9000/105.9000&layers=land-use-plan", timeout=WAIT_MS)
        page.reload()
        wait_for_map(page, timeout=WAIT_MS)
        page.click("#bookmarks-toggle")
        page.click("#bookmark-list button.bookmark-go:has-text('Cầu Bến Lức')")
        page.wait_for_function("window.geoIoc.overlays.visibleSlugs().join() === 'health-facilities'", timeout=WAIT_MS)
        assert page.evaluate("window.geoIoc.filters.of('health-facilities')") == {"district_code": "803"}
        settle(page)
        center = page.evaluate("[window.geoIoc.map.getCenter().lng, window.geoIoc.map.getCenter().lat, window.geoIoc.map.getZoom()]")
        assert center == pytest.approx([106.48, 10.64, 13.0], abs=1e-3)
        screenshot(page, "map-tools-bookmark-restored")
        assert outside == []


def raster_around(slug: str, lon: float, lat: float, value: float, *, band: str = "", unit: str = "") -> Layer:
    """A public one-band raster of 20 × 20 pixels of 0.001° centred on a place, all `value` (nodata
    when `value` is the nodata value), its band named and its unit given when told."""
    path = Path(django_settings.MEDIA_ROOT) / "rasters" / f"{slug}.tif"
    path.parent.mkdir(parents=True, exist_ok=True)
    west, north = lon - 0.01, lat + 0.01
    with rasterio.open(path, "w", driver="COG", width=20, height=20, count=1, dtype="float32", crs="EPSG:4326",
                       transform=from_origin(west, north, 0.001, 0.001), nodata=NODATA) as dst:
        dst.write(np.full((20, 20), value, dtype="float32"), 1)
        if band:
            dst.set_band_description(1, band)
        if unit:
            dst.set_band_unit(1, unit)
    return Layer.objects.create(
        slug=slug, title_vi=f"Lưới {slug}", title_en=f"Grid {slug}", domain="water", kind="raster", geometry_type="",
        access="public", raster_path=f"rasters/{slug}.tif", style={"type": "raster", "rescale": [0, 3]},
        extent=f"SRID=4326;POLYGON(({west} {lat - 0.01},{lon + 0.01} {lat - 0.01},{lon + 0.01} {north},{west} {north},{west} {lat - 0.01}))")


def test_identify_groups_a_communes_stacked_weekly_records(live_server, demo, health, settings, tmp_path):
    stacked = (Feature.objects.filter(layer__slug="dengue-cases").values("geom").annotate(n=Count("id"))
               .order_by("-n").first())
    point, records = stacked["geom"], stacked["n"]
    assert records > 1
    # Two visible rasters under the click: one with a named band in metres, one with nothing there.
    settings.MEDIA_ROOT = tmp_path
    raster_around("ngap-thu", point.x, point.y, 1.25, band="Độ sâu ngập", unit="m")
    raster_around("trong-thu", point.x, point.y, NODATA)
    with browser(viewport=(1366, 900)) as (page, outside):
        sign_in(page, live_server, health)
        open_dashboard(page, live_server, f"#map=14.00/{point.y:.6f}/{point.x:.6f}&layers=dengue-cases,ngap-thu,trong-thu")
        page.mouse.click(*screen_point(page, point.x, point.y))
        page.wait_for_selector(".feature-popup .identify-stack", timeout=WAIT_MS)
        page.wait_for_selector(".identify [data-slug='trong-thu']", timeout=WAIT_MS)
        assert page.inner_text(".identify [data-slug='ngap-thu'] h4") == "Lưới ngap-thu"
        assert page.inner_text(".identify [data-slug='ngap-thu'] dl").split() == ["Độ", "sâu", "ngập", "1,25", "m"]
        assert page.inner_text(".identify [data-slug='trong-thu'] dl").split("\n") == ["Kênh 1", "không có dữ liệu"]
        groups = page.locator(".identify [data-slug='dengue-cases'] .identify-stack")
        assert groups.count() == 1
        assert groups.first.get_attribute("data-count") == str(records)
        page.click(".identify-stack summary")
        times = page.eval_on_selector_all(".identify-stack ol li", "items => items.map(i => i.textContent)")
        assert len(times) == records
        ids = [int(i) for i in page.eval_on_selector_all(".identify-stack ol button", "bs => bs.map(b => b.dataset.id)")]
        expected = list(Feature.objects.filter(layer__slug="dengue-cases", geom=point).order_by("time_start", "id")
                        .values_list("id", flat=True))
        assert ids == expected
        # The opened group stays inside the map (the map pans to show the popup whole).
        page.wait_for_function("""() => { const p = document.querySelector('.feature-popup').getBoundingClientRect(),
            m = document.getElementById('map').getBoundingClientRect(); return p.top >= m.top - 1 && p.bottom <= m.bottom + 1; }""",
                               timeout=WAIT_MS)
        screenshot(page, "map-tools-identify-stacked")
        # A click on no feature but on the rasters: a popup of their values alone.
        page.keyboard.press("Escape")
        page.mouse.click(*screen_point(page, point.x + 0.006, point.y - 0.006))
        page.wait_for_selector(".feature-popup .identify-only [data-slug='ngap-thu'] dd", timeout=WAIT_MS)
        assert page.inner_text(".identify-only [data-slug='ngap-thu'] dd") == "1,25 m"
        assert page.inner_text(".identify-only h3") == "Giá trị tại đây"
        assert page.locator(".identify-only .identify-layer").count() == 2
        assert outside == []


TILE_URLS = ("window.geoIoc.map.getSource('L:dengue-cases:' + "
             "Object.keys(window.geoIoc.overlays.entries.get('dengue-cases').sources)[0]).tiles")


def table_ids(page) -> list[int]:
    return [int(i) for i in page.eval_on_selector_all("#table-drawer tbody tr", "rows => rows.map(r => r.dataset.id)")]


def wait_for_count(page, text: str) -> None:
    page.wait_for_function("t => document.querySelector('#table-drawer .table-count')?.textContent.includes(t)", arg=text,
                           timeout=WAIT_MS)


def test_the_table_pages_past_200_rows_sorts_filters_and_downloads_its_rows(live_server, demo, health):
    dengue = Feature.objects.filter(layer__slug="dengue-cases")
    total = dengue.count()
    assert total > 200
    with browser(viewport=(1366, 900)) as (page, outside):
        sign_in(page, live_server, health)
        open_dashboard(page, live_server, "#map=9.00/10.7000/106.2000&layers=dengue-cases")
        page.click("#table-toggle")
        page.wait_for_selector("#table-drawer tbody tr", timeout=WAIT_MS)
        page.uncheck("#table-in-view")
        wait_for_count(page, "1–100 ")
        # Every column of the schema, named.
        headers = page.eval_on_selector_all("#table-drawer th", "ths => ths.map(th => th.textContent)")
        assert {"Xã", "Tuần", "Số ca", "Số ca nhập viện", "Số ca nặng"} <= set(headers)
        seen = table_ids(page)
        for _ in range(2):
            page.click("#table-drawer .table-next")
            page.wait_for_function("n => document.querySelector('#table-drawer .table-count').textContent.startsWith(n)",
                                   arg=str(len(seen) + 1), timeout=WAIT_MS)
            seen += table_ids(page)
        assert len(seen) == len(set(seen)) == min(total, 300)
        assert seen == sorted(seen)

        # Sorted by the server: the most cases first, across the whole layer.
        page.click("#table-drawer th[data-name='cases'] button")
        wait_for_count(page, "1–100 ")
        page.click("#table-drawer th[data-name='cases'] button")
        page.wait_for_selector("#table-drawer th[data-name='cases'][aria-sort='descending']")
        page.wait_for_function("() => document.querySelector('#table-drawer tbody tr')", timeout=WAIT_MS)
        most = sorted(dengue.values_list("properties__cases", flat=True), reverse=True)[:100]
        column = page.eval_on_selector_all("#table-drawer th", "ths => ths.findIndex(th => th.dataset.name === 'cases')")
        shown = page.eval_on_selector_all("#table-drawer tbody tr", f"rows => rows.map(r => r.cells[{column}].textContent)")
        assert [int(v.split()[0].replace(".", "")) for v in shown] == most

        # Filtered by the server, the map's tiles too.
        commune = dengue.values("properties__commune_name").annotate(n=Count("id")).order_by("-n").first()
        name, matched = commune["properties__commune_name"], commune["n"]
        page.select_option("#table-drawer .filter-property", "commune_name")
        page.fill("#table-drawer .filter-value", name)
        page.click("#table-drawer .filter-add button[type=submit]")
        wait_for_count(page, f" {matched} ")
        assert page.locator("#table-drawer .filter-chip").count() == 1
        tiles = page.evaluate(TILE_URLS)
        assert all("commune_name=" in t for t in tiles)
        screenshot(page, "map-tools-table-filtered")

        with page.expect_download() as download:
            page.click("#table-drawer .table-csv")
        text = download.value.path().read_text(encoding="utf-8-sig")
        rows = list(csv.DictReader(io.StringIO(text)))
        expected = set(dengue.filter(properties__commune_name=name).values_list("id", flat=True))
        assert {int(r["id"]) for r in rows} == expected and len(rows) == matched
        assert all(r["Xã (commune_name)"] == name for r in rows)
        cases = [int(r["Số ca (cases)"]) for r in rows]
        assert cases == sorted(cases, reverse=True)

        # The filter is the layer's: its row in the layer panel says so, its details hold the same
        # builder (removing the filter there unfilters the map and the table), and a link keeps it.
        linked = page.evaluate("location.hash")
        assert page.evaluate("h => new URLSearchParams(h.slice(1)).get('filter:dengue-cases:commune_name')", linked) == name
        assert page.is_visible("li.layer[data-slug='dengue-cases'] .badge-filter")
        # Its count is what the map shows of it: the matching features (of the whole layer's).
        page.wait_for_function("t => document.querySelector(\"li.layer[data-slug='dengue-cases'] .count\").textContent.startsWith(t)",
                               arg=f"{matched} / ", timeout=WAIT_MS)
        page.click('button[aria-controls="details-dengue-cases"]')
        page.wait_for_selector("#details-dengue-cases .filter-chip[data-name='commune_name']")
        screenshot(page, "map-tools-layer-panel-filter")
        page.click("#details-dengue-cases .filter-chip button")
        page.wait_for_selector("#table-drawer .filter-none", timeout=WAIT_MS)
        assert not page.is_visible("li.layer[data-slug='dengue-cases'] .badge-filter")
        assert "filter:" not in page.evaluate("location.hash")
        tiles = page.evaluate(TILE_URLS)
        assert not any("commune_name=" in t for t in tiles)
        page.evaluate("h => { location.hash = h; }", linked)  # the link pasted: its filter comes back
        wait_for_count(page, f" {matched} ")
        assert page.locator("#details-dengue-cases .filter-chip[data-name='commune_name']").count() == 1
        assert all("commune_name=" in t for t in page.evaluate(TILE_URLS))
        assert outside == []
