"""A public map in headless Chromium, served by a real gunicorn as `make run` serves it (geo_ioc.wsgi,
so tiles.edge answers anonymous tiles): MapLibre draws what the edge sent (gzip, 204s, ETags), a
second visitor gets nothing but cache hits from the edge, and no request leaves the machine."""

import shutil
import urllib.request

import pytest

from tests.browser import CHROMIUM, offline_page, screenshot
from tests.conftest import ROOT
from tests.gunicorn_server import free_port, kill, start_server

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(shutil.which(CHROMIUM) is None and not CHROMIUM.startswith("/"), reason="chromium"),
]


def visit(base: str, slugs: list[str]) -> tuple[list[tuple[int, str, dict]], dict[str, int], list[str]]:
    """Open the tile preview in a new browser (an empty browser cache): the tile responses with their
    headers, the features drawn per layer, and the requests that tried to leave the machine."""
    with offline_page() as (page, outside):
        responses: list[tuple[int, str, dict]] = []
        page.on("response", lambda r: responses.append((r.status, r.url, r.headers)) if "/tiles/" in r.url else None)
        page.goto(f"{base}/tiles/preview/?layers={','.join(slugs)}#lon=106.4&lat=10.62&z=9")
        page.wait_for_function("window.geoIocReady === true", timeout=90_000)
        page.wait_for_function("window.geoIocMap.loaded() && window.geoIocMap.areTilesLoaded()", timeout=60_000)
        drawn = page.evaluate(
            """(slugs) => Object.fromEntries(slugs.map(slug => [slug, window.geoIocMap.queryRenderedFeatures(
                   undefined, {layers: window.geoIocMap.getStyle().layers.filter(l => l.source === slug)
                   .map(l => l.id)}).length]))""",
            slugs,
        )
        screenshot(page, "tiles-edge-public-map-z9")
        return responses, drawn, list(outside)


def test_a_public_map_is_drawn_from_tiles_the_edge_answered(schools, incidents):
    port = free_port()
    with open(ROOT / "var" / "test-edge-server.log", "w") as log:
        server = start_server(port, log, probe="/tiles/schools.json")
        try:
            base = f"http://127.0.0.1:{port}"
            first, drawn_first, outside_first = visit(base, ["schools"])
            # The access answer is remembered for MAX_AGE seconds: a slow first visit may outlive it.
            # One request through Django remembers it afresh for the second visitor.
            with urllib.request.urlopen(f"{base}/tiles/schools/9/407/241.pbf", timeout=30):
                pass
            second, drawn_second, outside_second = visit(base, ["schools"])
        finally:
            kill(server)
    tiles_first = [r for r in first if "/tiles/schools/" in r[1] and ".pbf" in r[1]]
    tiles_second = [r for r in second if "/tiles/schools/" in r[1] and ".pbf" in r[1]]
    assert outside_first == outside_second == []
    assert tiles_first and tiles_second
    assert {status for status, _url, _h in tiles_first + tiles_second} <= {200, 204}
    assert drawn_first["schools"] == drawn_second["schools"] == 4  # every school is in view
    # The first visitor's tiles were rendered (by Django or by the edge, as the requests raced the
    # first access answer); the second visitor's are all cache hits, answered by the edge.
    assert any(h.get("vary") == "Accept-Encoding" for _s, _u, h in tiles_second)
    for status, url, headers in tiles_second:
        assert headers.get("x-tile-cache") == "hit", url
        if status == 200:
            assert headers.get("content-encoding") == "gzip", url
            assert headers.get("access-control-allow-origin") == "*"
