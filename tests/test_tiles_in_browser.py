"""The whole Long An demo world drawn by MapLibre GL JS in headless Chromium, fed only by our
TileJSON, our styles and our basemap: every layer shows, labels are in Vietnamese, and no request
leaves the machine. Screenshots land in test-artifacts/ for a person to look at."""

import shutil

import pytest
from django.conf import settings as django_settings
from django.test import Client, override_settings

from fixtures.load import load_world
from fixtures.rasters import load_demo_rasters
from fixtures.world import LAYER_SLUGS
from layers.models import Layer
from tests.browser import CHROMIUM, offline_page, screenshot
from tests.demo_world import loaded_for_the_module

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(shutil.which(CHROMIUM) is None and not CHROMIUM.startswith("/"), reason="chromium"),
]
RASTERS = ("ndvi", "flood-depth")


@pytest.fixture(scope="module")
def demo_with_rasters(long_an, django_db_setup, django_db_blocker, tmp_path_factory):
    """The demo world and its rasters (their files in a media directory of the module's), loaded once
    for the module; each test's writes are undone after it (tests/demo_world.py)."""
    def load():
        load_world(long_an)
        load_demo_rasters(world=long_an)

    with override_settings(MEDIA_ROOT=tmp_path_factory.mktemp("media")), loaded_for_the_module(django_db_blocker, load):
        yield long_an


@pytest.fixture
def demo(demo_with_rasters, superuser):
    return demo_with_rasters


def signed_in(page, live_server, user) -> None:
    """Give the browser the session of `user` (the superuser sees every layer)."""
    client = Client()
    client.force_login(user)
    cookie = client.cookies[django_settings.SESSION_COOKIE_NAME]
    page.context.add_cookies([{"name": cookie.key, "value": cookie.value, "url": live_server.url}])


def open_map(page, live_server, slugs, *, lon: float, lat: float, zoom: float) -> list[str]:
    tiles: list[str] = []
    page.on("response", lambda r: tiles.append(f"{r.status} {r.url}") if "/tiles/" in r.url else None)
    page.goto(f"{live_server.url}/tiles/preview/?layers={','.join(slugs)}#lon={lon}&lat={lat}&z={zoom}")
    page.wait_for_function("window.geoIocReady === true", timeout=90_000)
    page.wait_for_function("window.geoIocMap.loaded() && window.geoIocMap.areTilesLoaded()", timeout=60_000)
    return tiles


def drawn_layers(page, slugs) -> dict[str, int]:
    """How many rendered features each of our vector layers has on screen."""
    return page.evaluate(
        """(slugs) => {
            const map = window.geoIocMap, out = {};
            for (const slug of slugs) {
                const ids = map.getStyle().layers.filter(l => l.source === slug).map(l => l.id);
                out[slug] = map.queryRenderedFeatures(undefined, {layers: ids}).length;
            }
            return out;
        }""",
        slugs,
    )


def test_maplibre_draws_every_demo_layer_offline(live_server, demo, superuser):
    slugs = list(LAYER_SLUGS) + list(RASTERS)
    with offline_page() as (page, outside):
        signed_in(page, live_server, superuser)
        tiles = open_map(page, live_server, slugs, lon=106.12, lat=10.72, zoom=9.3)
        errors = page.evaluate("window.geoIocErrors || []")
        screenshot(page, "tiles-every-demo-layer-z9")
        vectors = [s for s in slugs if s not in RASTERS]
        drawn = drawn_layers(page, vectors)
        assert outside == []
        assert errors == []
        assert {s: n for s, n in drawn.items() if n == 0} == {}
        for raster in RASTERS:
            assert any(t.startswith("200 ") and f"/tiles/{raster}/" in t and ".png?v=" in t for t in tiles), raster
        assert not any(t.startswith(("4", "5")) for t in tiles), [t for t in tiles if t.startswith(("4", "5"))]


def test_the_basemap_shows_vietnamese_names_with_the_bundled_font(live_server, demo):
    with offline_page() as (page, outside):
        open_map(page, live_server, [], lon=106.41, lat=10.54, zoom=11.5)
        labels = page.evaluate(
            """() => window.geoIocMap.queryRenderedFeatures(undefined, {layers: ['base-commune-names', 'base-district-names']})
                 .map(f => f.properties.name)"""
        )
        screenshot(page, "tiles-basemap-tan-an-z11")
        assert outside == []
        assert any("Phường" in name for name in labels), labels
        assert page.evaluate("document.fonts.check('16px \"Noto Sans\"', 'Phường Tân Khánh')")


def test_a_public_visitor_sees_public_layers_and_the_rasters(live_server, demo):
    public = list(Layer.objects.filter(access="public", kind="vector").values_list("slug", flat=True))
    with offline_page() as (page, outside):
        tiles = open_map(page, live_server, ["flood-depth", "schools"], lon=105.9, lat=10.8, zoom=10)
        screenshot(page, "tiles-flood-depth-z10")
        assert outside == []
        assert any(t.startswith("200 ") and "/tiles/flood-depth/" in t for t in tiles)
        assert "dengue-cases" not in public and "schools" in public
