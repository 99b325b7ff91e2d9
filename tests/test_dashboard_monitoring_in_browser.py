"""The dashboard's Monitoring tab in Debian's headless Chromium, offline: the services list their
indicators with the province's latest value, the change against the previous period, the band, a
sparkline and the freshness badge, all as the API gives them; choosing an indicator draws its layer's
choropleth for its latest period with the legend, the time slider on that period; a click on a unit
shows its values over time and its profile with ranks; and it reads in English. Screenshots go to
test-artifacts/ for a person to look at."""

import shutil
from decimal import ROUND_HALF_UP, Decimal

import pytest

from fixtures.monitoring import load_demo_monitoring
from monitoring.layers import refresh_features
from monitoring.models import Indicator
from tests.browser import CHROMIUM, screenshot
from tests.conftest import client_for
from tests.test_dashboard_in_browser import WAIT_MS, browser, open_dashboard, settle, switch_language

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(shutil.which(CHROMIUM) is None and not CHROMIUM.startswith("/"), reason="chromium"),
]
PM25 = "pm25"
# The whole province at the 1366 × 768 viewport: every commune of the 2025 set is on the map.
PROVINCE_VIEW = "#map=9.00/10.7300/106.2500&layers="


@pytest.fixture
def monitoring(demo) -> Indicator:
    """The demo world with six months of monitoring values (2025-04 to 2025-09, both sides of the
    boundary change), and the PM2.5 indicator's layer written from them."""
    load_demo_monitoring(seed=2022, first=(2025, 4), last=(2025, 9), layers="none", progress=lambda _text: None)
    indicator = Indicator.objects.select_related("layer", "service").get(slug=PM25)
    refresh_features(indicator)
    return indicator


def vietnamese(value: float) -> str:
    """A PM2.5 figure (one decimal) written the Vietnamese way: 23,5."""
    return str(Decimal(str(value)).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)).replace(".", ",")


def open_tab(page, live_server, service: str, *, english: bool = False) -> None:
    open_dashboard(page, live_server, PROVINCE_VIEW)
    if english:
        switch_language(page, "en")
    page.click("#tab-monitoring")
    page.click(f'details[data-service="{service}"] summary', timeout=WAIT_MS)
    page.wait_for_selector(f'li[data-indicator="{PM25}"] .indicator-value .latest', timeout=WAIT_MS)


def choose(page) -> None:
    page.click(f'button.indicator[data-indicator="{PM25}"]')
    page.wait_for_function(f"window.geoIoc.overlays.isVisible('indicator-{PM25}')", timeout=WAIT_MS)
    page.wait_for_selector(".monitoring-legend .legend li", timeout=WAIT_MS)
    settle(page)


def rendered_periods(page) -> list[str]:
    return page.evaluate(f"""() => {{
        const {{ map, overlays }} = window.geoIoc;
        const ids = overlays.pickableLayerIds().filter((id) => overlays.slugOf(id) === 'indicator-{PM25}');
        return [...new Set(map.queryRenderedFeatures({{ layers: ids }}).map((f) => f.properties.period))];
    }}""")


def test_each_indicator_shows_the_apis_latest_value_change_band_sparkline_and_freshness(live_server, monitoring):
    entry = client_for(None).get(f"/api/indicators/{PM25}/").json()
    province = client_for(None).get(f"/api/indicators/{PM25}/values/", {"from": "2025-04"}).json()["province"]
    last, before = province[-1], province[-2]
    with browser() as (page, outside):
        open_tab(page, live_server, monitoring.service.slug)
        row = page.locator(f'li[data-indicator="{PM25}"]')
        latest = row.locator(".latest")
        assert latest.get_attribute("title") == last["period"] == "2025-09"
        # Vietnamese numbers: a decimal comma.
        assert latest.inner_text() == vietnamese(last["value"]) + " µg/m³"
        change = row.locator(".change")
        direction = "up" if last["value"] > before["value"] else "down" if last["value"] < before["value"] else "same"
        assert direction in change.get_attribute("class")
        assert vietnamese(abs(last["value"] - before["value"])) in change.inner_text()
        assert row.locator(".indicator-value [data-band]").get_attribute("data-band") == last["band"]
        assert row.locator(".sparkline path").get_attribute("d").count("L") == len(province) - 1
        assert row.locator(":scope > [data-freshness]").get_attribute("data-freshness") == entry["freshness"]["state"]
        assert page.locator("#tab-monitoring").inner_text() == "Giám sát"
        screenshot(page, "dashboard-monitoring-services-vi")
    assert outside == []


def test_choosing_an_indicator_maps_its_latest_period_with_the_legend_and_the_slider_on_it(live_server, monitoring):
    with browser() as (page, outside):
        open_tab(page, live_server, monitoring.service.slug)
        choose(page)
        window = page.evaluate("(() => { const w = window.geoIoc.timeline.window(); return [window.geoIoc.timeline.kind, w.start.toISOString()]; })()")
        # September 2025 starts at midnight in Việt Nam, 17:00 UTC the day before.
        assert window == ["month", "2025-08-31T17:00:00.000Z"]
        assert rendered_periods(page) == ["2025-09-01"]
        assert page.inner_text(".monitoring-period") == "Kỳ 2025-09"
        legend = page.locator(".monitoring-legend .legend li").all_inner_texts()
        assert legend == ["Tốt", "Cần theo dõi", "Nguy cấp", "Chưa có số liệu"]
        # The slider moves the choropleth over the indicator's periods: three months back, on the 2022 communes.
        page.evaluate("window.geoIoc.timeline.setIndex(window.geoIoc.timeline.index - 3)")
        settle(page)
        assert rendered_periods(page) == ["2025-06-01"]
        assert page.inner_text(".monitoring-period") == "Kỳ 2025-06"
        screenshot(page, "dashboard-monitoring-choropleth-2025-06")
    assert outside == []


def test_clicking_a_unit_shows_its_history_and_its_profile_with_ranks(live_server, monitoring):
    with browser() as (page, outside):
        open_tab(page, live_server, monitoring.service.slug)
        choose(page)
        # The unit under a point of the canvas that holds one.
        hit = page.evaluate(f"""() => {{
            const {{ map, overlays }} = window.geoIoc;
            const ids = overlays.pickableLayerIds().filter((id) => overlays.slugOf(id) === 'indicator-{PM25}');
            const canvas = map.getCanvas().getBoundingClientRect();
            for (let y = canvas.height * 0.3; y < canvas.height * 0.8; y += 20) {{
                for (let x = canvas.width * 0.3; x < canvas.width * 0.8; x += 20) {{
                    const found = map.queryRenderedFeatures([x, y], {{ layers: ids }})[0];
                    if (found) return {{ x: canvas.left + x, y: canvas.top + y, code: found.properties.code,
                                         boundary: found.properties.boundary }};
                }}
            }}
            return null;
        }}""")
        assert hit and hit["boundary"] == "2025"
        page.mouse.click(hit["x"], hit["y"])
        page.wait_for_selector(f'.monitoring-unit[data-unit="{hit["code"]}"]', timeout=WAIT_MS)
        api = client_for(None)
        history = api.get(f"/api/indicators/{PM25}/values/", {"unit": hit["code"], "boundary": "2025"}).json()
        # Six months on the 2025 set: three carried from the 2022 communes (derived), three its own.
        assert len(history["values"]) == 6 and sum(v["derived"] for v in history["values"]) == 3
        assert page.locator(".monitoring-unit .chart-line").get_attribute("d").count("L") == 5
        profile = api.get(f"/api/units/{hit['code']}/profile/", {"boundary": "2025"}).json()["indicators"]
        rows = page.locator(".unit-profile tbody tr")
        assert rows.count() == len(profile) > 10
        pm25 = page.locator(f'.unit-profile tr[data-indicator="{PM25}"] td.num').nth(1).inner_text()
        mine = next(p for p in profile if p["indicator"] == PM25)
        assert pm25 == f"{mine['rank']}/{mine['of']}"
        screenshot(page, "dashboard-monitoring-unit-profile")
    assert outside == []


def test_the_tab_reads_in_english(live_server, monitoring):
    entry = client_for(None).get(f"/api/indicators/{PM25}/").json()
    with browser() as (page, outside):
        open_tab(page, live_server, monitoring.service.slug, english=True)
        assert page.locator("#tab-monitoring").inner_text() == "Monitoring"
        row = page.locator(f'li[data-indicator="{PM25}"]')
        assert row.locator(".indicator-title").inner_text() == "PM2.5, monthly mean"
        badge = row.locator(":scope > [data-freshness]").inner_text()
        assert badge == {"fresh": "On time", "late": "Late", "stale": "Stale"}[entry["freshness"]["state"]]
        choose(page)
        assert page.locator(".monitoring-legend .legend li").all_inner_texts() == ["Good", "Watch", "Critical", "No data"]
        screenshot(page, "dashboard-monitoring-en")
    assert outside == []
