"""`make run` queues the seeding of the wall's map tiles (seed_wall_tiles --queue); once the worker
has run it, every tile the wall's maps ask for, windowed layers included, comes from the cache."""

import io
import math
import re

import pytest
from celery.result import AsyncResult
from django.core.management import call_command

from layers.extent import province_bounds
from tests.browser import offline_page
from tests.test_wall_in_browser import ONE_SCREEN, WALL, sign_in_display
from tests.wall_world import TRAFFIC_NOW
from wall.map_tiles import view_bbox, wanted_tiles
from wall.models import Scene

pytestmark = pytest.mark.django_db(transaction=True)
TILE = re.compile(r"/tiles/[^/]+/\d+/\d+/\d+\.pbf")


def merc_aspect(box) -> float:
    y = lambda lat: math.asinh(math.tan(math.radians(lat)))  # noqa: E731
    return math.radians(box[2] - box[0]) / (y(box[3]) - y(box[1]))


def test_a_maps_view_is_its_bbox_widened_to_the_panels_shape():
    province = list(province_bounds())
    view = view_bbox(province, 16 / 9)
    assert view[0] < province[0] and view[1] < province[1]
    assert view[2] > province[2] and view[3] > province[3]
    assert merc_aspect(view) == pytest.approx(16 / 9)
    tall = view_bbox(province, 0.5)
    assert merc_aspect(tall) == pytest.approx(0.5)
    assert tall[3] - tall[1] > 2 * (view[3] - view[1])


def test_windowed_layers_are_seeded_with_the_window_the_scene_asks_for(demo_wall, display):
    shown = wanted_tiles(Scene.objects.all(), display, [9])
    window = f"{TRAFFIC_NOW.replace(day=1).isoformat()}/{TRAFFIC_NOW.isoformat()}"  # 30 days to 31 Dec
    assert ("traffic-incidents", window) in shown
    assert ("admin-districts", "") in shown
    # An anonymous lobby wall does not draw the internal incidents layer (nor its scene), so it is not
    # seeded for it.
    assert {slug for slug, _w in wanted_tiles(Scene.objects.all(), None, [9])} == {"admin-districts",
                                                                                   "land-use-plan"}


def test_a_live_scenes_windowed_layers_are_left_out(demo_wall, display):
    Scene.objects.filter(slug="traffic").update(as_of=None)
    shown = wanted_tiles(Scene.objects.filter(slug="traffic"), display, [9])
    assert set(shown) == {("admin-districts", "")}


@pytest.mark.worker
@pytest.mark.browser
def test_after_the_queued_seeding_every_tile_the_wall_draws_is_a_cache_hit(live_server, demo_wall, display,
                                                                             celery_worker):
    out = io.StringIO()
    call_command("seed_wall_tiles", "--queue", "--user", display.username, stdout=out)
    task = re.search(r"as task (\S+)\.", out.getvalue()).group(1)
    results = AsyncResult(task).get(timeout=300)
    assert [r["user_id"] for r in results] == [None, display.pk]
    assert all(r["total"] == r["rendered"] + r["cached"] > 0 for r in results)

    for size, scenes in ((ONE_SCREEN, ["traffic", "environment", "agriculture", "feedback-1022"]),
                         (WALL, ["traffic"])):
        with offline_page(viewport=size) as (page, _outside):
            tiles = []
            # Tiles only: the styles and TileJSON documents the maps read first are not tiles.
            page.on("response",
                    lambda r: TILE.search(r.url) and tiles.append((r.url, r.headers.get("x-tile-cache"))))
            sign_in_display(page, live_server, display)
            for scene in scenes:
                page.goto(f"{live_server.url}/wall/?scene={scene}")
                page.wait_for_selector(f"#wall[data-scene='{scene}'] [data-panel=map][data-map-ready]",
                                       timeout=30000)
        assert any("datetime=" in url for url, _c in tiles)  # the windowed incidents layer was drawn
        misses = [url for url, cache in tiles if cache != "hit"]
        assert tiles and not misses, misses

    # Seeding again renders nothing: it is cheap enough to queue on every `make run`.
    again = io.StringIO()
    call_command("seed_wall_tiles", "--user", display.username, stdout=again)
    assert again.getvalue().startswith("anonymous: ")
    assert again.getvalue().count("(0 rendered,") == 2
