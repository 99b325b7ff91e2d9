"""The monitoring scenes read from a distance too: at the wall's resolution every text of the indicator
panels (KPI, trend, best and worst, freshness) is at least 1.8% of a screen's height and every title
2.5%, and an indicator's change is coloured by what it means (worse is red, whichever way it went).
A module of its own: these scenes stand on the demo world and its monitoring values."""

import shutil

import pytest
from django.contrib.auth.models import User

from fixtures.monitoring import load_demo_monitoring
from monitoring.layers import refresh_features
from monitoring.models import Indicator, Service
from tests.browser import CHROMIUM, screenshot
from tests.test_dashboard_in_browser import browser
from tests.test_wall_in_browser import api_panels, sign_in_display
from tests.wall_legibility import the_wall_defines_its_minimums_once, too_small
from wall.service_scenes import ensure_service_scenes, scene_slug

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(shutil.which(CHROMIUM) is None and not CHROMIUM.startswith("/"), reason="chromium"),
]
WALL = (9600, 5400)
SCREEN_HEIGHT = 5400 / 5
WAIT_MS = 240_000
RED, GREEN = "rgb(248, 113, 113)", "rgb(74, 222, 128)"


@pytest.fixture
def display(db) -> User:
    return User.objects.create_user("display-indicators", is_staff=True)


@pytest.fixture
def service_scene(demo) -> str:
    load_demo_monitoring(seed=2022, first=(2025, 4), last=(2025, 9), layers="none", progress=lambda _text: None)
    scenes = ensure_service_scenes()
    scene = next(s for s in scenes if s.slug == scene_slug(Service.objects.order_by("position", "slug").first()))
    for entry in next(p for p in scene.layout["panels"] if p["id"] == "map")["query"]["layers"]:
        refresh_features(Indicator.objects.get(layer__slug=entry["layer"]))
    return scene.slug


def test_every_text_of_an_indicator_scene_is_big_enough_and_changes_read_by_meaning(live_server, service_scene, display):
    # Half density: sizes are CSS pixels whatever the density, and software WebGL fills a quarter of the pixels.
    with browser(viewport=WALL, scale=0.5) as (page, outside):
        sign_in_display(page, live_server, display, f"&scene={service_scene}")
        page.wait_for_selector(f"#wall[data-scene={service_scene}] .panel-indicator_kpi .kpi-value", timeout=WAIT_MS)
        page.wait_for_selector(".panel-freshness .freshness", timeout=WAIT_MS)
        page.wait_for_function("document.fonts.status === 'loaded'")
        the_wall_defines_its_minimums_once(page, SCREEN_HEIGHT)
        assert too_small(page, SCREEN_HEIGHT) == []
        kinds = set(page.eval_on_selector_all("#wall .panel", "els => els.map(e => e.dataset.panel && e.className)"))
        shown = {cls.split("panel-")[1].split()[0] for cls in kinds if cls}
        assert {"indicator_kpi", "indicator_chart", "indicator_table", "freshness"} <= shown, shown
        expected = api_panels(page, service_scene)
        checked = 0
        for pid, panel in expected.items():
            data = panel["data"]
            if panel["kind"] != "indicator_kpi" or not data.get("change"):
                continue
            better = (data["change"] > 0) == (data["direction"] == "higher_better")
            # In one evaluation: the wall redraws a panel's body when its numbers are polled again.
            trend, colour = page.evaluate("""(pid) => {
                const e = document.querySelector(`[data-panel=${pid}] .kpi-change`);
                return [e.dataset.trend, getComputedStyle(e).color];
            }""", pid)
            assert (trend, colour) == (("better", GREEN) if better else ("worse", RED)), pid
            checked += 1
        assert checked, "no indicator changed between its last two periods: nothing was checked"
        screenshot(page, f"wall-legibility-{service_scene}-9600x5400")
        assert outside == []
