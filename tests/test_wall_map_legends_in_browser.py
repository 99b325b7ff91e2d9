"""Every wall map carries a legend, sized like the wall's secondary text. A module of its own: the wall
world's layers would collide with the demo world the dashboard's legend tests load once per module."""

import shutil

import pytest

from tests.browser import CHROMIUM, screenshot
from tests.browser import live_server_page as browser

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(shutil.which(CHROMIUM) is None and not CHROMIUM.startswith("/"), reason="chromium"),
]


def test_every_wall_map_has_a_legend_sized_for_the_room(live_server, demo_wall):
    with browser(viewport=(1920, 1080)) as (page, outside):
        page.goto(live_server.url + "/wall/?scene=environment")
        page.wait_for_selector("[data-panel=map][data-map-ready]", timeout=20000)
        legend = page.locator("[data-panel=map] .map-legend")
        assert legend.count() == 1 and legend.locator("h3").count() >= 1
        assert legend.locator(".swatch").count() >= 1
        size = page.eval_on_selector("[data-panel=map] .map-legend li", "e => parseFloat(getComputedStyle(e).fontSize)")
        # One screen of the wall's grid is 20 --u high (wall.css), however many screens the window shows.
        screen = page.evaluate("""() => {
            const probe = document.createElement('div');
            probe.style.cssText = 'position:absolute;height:calc(var(--u) * 20)';
            document.getElementById('wall').append(probe);
            const height = probe.getBoundingClientRect().height;
            probe.remove();
            return height;
        }""")
        assert size >= 0.018 * screen  # secondary text: at least 1.8% of a screen's height
        screenshot(page, "wall-map-legend-1920x1080")
        assert outside == []
