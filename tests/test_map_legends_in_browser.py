"""Legends that read: the dashboard's map carries a legend of the layers shown (top of the drawing
first, folded by a click, following the layer switches), and every wall map carries one too, sized
like the wall's secondary text."""

import shutil

import pytest

from tests.browser import CHROMIUM, screenshot, wait_for_map
from tests.browser import live_server_page as browser

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(shutil.which(CHROMIUM) is None and not CHROMIUM.startswith("/"), reason="chromium"),
]
WAIT_MS = 240_000




def legend_titles(page) -> list[str]:
    return page.eval_on_selector_all("#map-legend .map-legend-layer h3", "hs => hs.map(h => h.textContent)")


def test_the_dashboard_map_shows_a_legend_of_the_layers_shown(live_server, demo):
    with browser(viewport=(1920, 1080)) as (page, outside):
        page.goto(live_server.url + "/#map=10.00/10.6/106.3&layers=land-use-plan,health-facilities", timeout=WAIT_MS)
        wait_for_map(page, timeout=WAIT_MS)
        page.wait_for_selector("#map-legend:not([hidden])")
        # Points are drawn over polygons: their legend comes first.
        assert legend_titles(page) == ["Cơ sở y tế", "Quy hoạch sử dụng đất"]
        hospital = page.locator("#map-legend [data-slug='health-facilities'] li", has_text="Bệnh viện tuyến tỉnh")
        assert hospital.count() == 1
        assert "Đất ở" in page.inner_text("#map-legend [data-slug='land-use-plan']")
        screenshot(page, "map-legend-vi-1920x1080")
        page.uncheck("#toggle-land-use-plan")
        page.wait_for_function("document.querySelectorAll('#map-legend .map-legend-layer').length === 1")
        assert legend_titles(page) == ["Cơ sở y tế"]
        page.click("#map-legend summary")
        assert page.is_hidden("#map-legend .map-legend-layers")
        page.uncheck("#toggle-health-facilities")
        page.wait_for_selector("#map-legend", state="hidden")
        assert outside == []
