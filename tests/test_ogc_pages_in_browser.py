"""A person opens the OGC API's pages in a browser: the items page shows its table and a small map of
the layer's own tiles with the page's features on top, drawn by the app's MapLibre, with nothing asked
of another host and the Content-Security-Policy enforced."""

import shutil

import pytest

from tests.browser import CHROMIUM, offline_page, screenshot
from tests.conftest import add_features, make_layer

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(shutil.which(CHROMIUM) is None and not CHROMIUM.startswith("/"), reason="chromium"),
]


def test_the_items_page_draws_its_map_and_table_offline(live_server):
    layer = make_layer("truong-ban-do")
    add_features(layer, [(f"s{i}", f"POINT({106.40 + i / 100} {10.53 + i / 200})", {"name": f"Trường {i}"})
                         for i in range(5)])
    with offline_page(csp=True) as (page, outside):
        errors: list[str] = []
        page.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
        page.goto(f"{live_server.url}/ogc/collections/truong-ban-do/items?f=html&limit=3")
        page.wait_for_selector("#ogc-map canvas", timeout=30_000)
        assert page.locator("table tr").count() == 4  # the header and the page's three features
        assert page.get_by_text("Trường 0").count() >= 1
        page.locator("#ogc-map canvas").wait_for(state="visible")
        screenshot(page, "ogc-items-page")
        assert outside == []
        assert [e for e in errors if "Content Security Policy" in e] == []
