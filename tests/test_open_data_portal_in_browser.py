"""A dataset page of the open-data portal in headless Chromium: its extent map is drawn by the app's own
MapLibre on our basemap, the dataset's features and the extent outline on it (its script is a file of
ours: nothing inline for the Content-Security-Policy to refuse), with no request leaving the machine."""

import shutil

import pytest

from tests.browser import CHROMIUM, offline_page, screenshot
from tests.conftest import add_features, make_layer

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(shutil.which(CHROMIUM) is None and not CHROMIUM.startswith("/"), reason="chromium"),
]


def test_the_extent_map_draws_the_dataset_offline(live_server, settings):
    settings.TILES_CACHE = "none"
    layer = make_layer("truong-pho-thong", title_vi="Trường phổ thông Tân An")
    add_features(layer, [(f"t{i}", f"POINT({106.38 + i / 100} {10.52 + i / 200})",
                          {"name": f"Trường {i}", "level": "thcs", "pupils": 100 + i, "public": True})
                         for i in range(8)])
    with offline_page() as (page, outside):
        page.goto(f"{live_server.url}/data/truong-pho-thong/")
        page.wait_for_selector("#extent-map canvas", timeout=60_000)
        page.wait_for_function("window.geoIocReady === true", timeout=90_000)
        drawn = page.evaluate("""() => {
            const map = window.geoIocMap;
            const ours = map.getStyle().layers.filter(l => l.source === "truong-pho-thong").map(l => l.id);
            return {features: map.queryRenderedFeatures(undefined, {layers: ours}).length,
                    extent: map.getStyle().layers.some(l => l.id === "portal-extent"),
                    errors: window.geoIocErrors || []};
        }""")
        screenshot(page, "open-data-portal-dataset")
    assert outside == []
    assert drawn["errors"] == []
    assert drawn["extent"] and drawn["features"] >= 1
