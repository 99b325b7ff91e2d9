"""The fifteen monitoring scenes on the 9600 × 5400 wall in headless Chromium, offline: each draws its
indicator's choropleth for the latest period, KPI tiles with the API's figures coloured by their band,
the best and worst units, the trend and the freshness badge. A screenshot of each goes to
test-artifacts/ for a person to look at."""

import shutil

import pytest

from fixtures.monitoring import load_demo_monitoring
from monitoring.layers import refresh_features
from monitoring.models import Indicator, Service
from tests.browser import CHROMIUM, screenshot
from tests.test_dashboard_in_browser import browser
from tests.test_wall_in_browser import api_panels, sign_in_display
from wall.seed import ensure_demo_scenes
from wall.service_scenes import ensure_service_scenes, scene_slug

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(shutil.which(CHROMIUM) is None and not CHROMIUM.startswith("/"), reason="chromium"),
]
WALL = (9600, 5400)
# Software WebGL drawing a 9600 × 5400 canvas on a shared machine is slow.
WAIT_MS = 240_000


@pytest.fixture
def monitoring_wall(demo):
    """The demo world with six months of monitoring values, the layers the scenes' maps draw, and the
    playlist with a scene per service."""
    load_demo_monitoring(seed=2022, first=(2025, 4), last=(2025, 9), layers="none", progress=lambda _text: None)
    ensure_demo_scenes()
    scenes = ensure_service_scenes()
    for scene in scenes:
        for entry in next(p for p in scene.layout["panels"] if p["id"] == "map")["query"]["layers"]:
            refresh_features(Indicator.objects.get(layer__slug=entry["layer"]))
    return scenes


def test_all_fifteen_monitoring_scenes_render_on_the_full_wall(live_server, monitoring_wall, display):
    assert len(monitoring_wall) == 15
    # Quarter density: the wall's layout in CSS pixels, a sixteenth of its device pixels for software
    # WebGL and the screenshots (2400 × 1350: the whole wall at a glance; text sizes are
    # test_wall_legibility_in_browser's).
    with browser(viewport=WALL, scale=0.25) as (page, outside):
        tiles: list[tuple[str, int]] = []
        page.on("response", lambda response: "/tiles/" in response.url and tiles.append((response.url, response.status)))
        sign_in_display(page, live_server, display, f"&scene={monitoring_wall[0].slug}")
        for service in Service.objects.all():
            slug = scene_slug(service)
            page.goto(f"{live_server.url}/wall/?scene={slug}", timeout=WAIT_MS)
            page.wait_for_selector(f"#wall[data-scene={slug}] .panel-indicator_kpi .kpi-value", timeout=WAIT_MS)
            page.wait_for_selector("[data-panel=map][data-map-ready]", timeout=WAIT_MS)
            page.wait_for_function("document.fonts.status === 'loaded'")
            expected = api_panels(page, slug)
            kpis = page.eval_on_selector_all(".panel-indicator_kpi", """els => els.map(e => ({
                id: e.dataset.panel, band: e.dataset.band, value: e.querySelector('.kpi-value').dataset.value}))""")
            assert kpis, slug
            for kpi in kpis:
                data = expected[kpi["id"]]["data"]
                assert float(kpi["value"]) == data["value"] and kpi["band"] == data["band"], (slug, kpi)
            best = page.locator("[data-list=best] li").evaluate_all("els => els.map(e => e.dataset.unit)")
            assert best == [row["code"] for row in expected["units"]["data"]["best"]], slug
            # A bar per period with values (a late department's month is missing).
            trend = expected["trend"]["data"]["points"]
            assert page.locator("[data-panel=trend] rect").evaluate_all("els => els.map(e => e.dataset.period)") == \
                [p["period"] for p in trend]
            badge = page.locator("[data-panel=freshness] [data-freshness]").first.get_attribute("data-freshness")
            assert badge == expected["freshness"]["data"]["state"]
            # The map asked for the indicator's tiles of the latest period, and got units in them.
            layer = expected["map"]["data"]["layers"][0]["slug"]
            latest = expected["map"]["data"]["layers"][0]["datetime"]
            assert latest == trend[-1]["start"], slug
            drawn = [status for url, status in tiles if f"/tiles/{layer}/" in url and f"datetime={latest}" in url]
            assert 200 in drawn, (slug, drawn)
            # Every panel inside the viewport: nothing spills off the wall.
            spill = page.evaluate("""() => [...document.querySelectorAll('.panel')].filter(p => {
                const r = p.getBoundingClientRect(); return r.right > innerWidth + 1 || r.bottom > innerHeight + 1;
            }).map(p => p.dataset.panel)""")
            assert spill == [], (slug, spill)
            screenshot(page, f"wall-{slug}-9600x5400")
    assert outside == []
