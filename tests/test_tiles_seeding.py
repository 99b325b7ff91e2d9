"""Seeding pre-renders chosen tilesets and zooms over the province, from the command line with a
progress bar or as a Celery task; the tiles it renders are the ones callers then get from cache."""

import io

import pytest
from django.core.management import CommandError, call_command
from django.test import Client

from tiles.grid import tiles_covering
from tiles.seeding import parse_zooms

pytestmark = pytest.mark.django_db(transaction=True)

PROVINCE = (105.49, 10.39, 106.76, 11.04)


def test_zooms_are_parsed_as_ranges_and_lists():
    assert parse_zooms("8-10") == [8, 9, 10]
    assert parse_zooms("12,8,10") == [8, 10, 12]


def test_the_command_seeds_the_tiles_callers_then_get_from_cache(schools):
    out = io.StringIO()
    call_command("seed_tiles", "--layers", "schools", "--zooms", "8-10", stdout=out)
    expected = sum(len(tiles_covering((105.6865, 10.5327, 106.6685, 10.8332), z)) for z in (8, 9, 10))
    assert f"Seeded {expected} tiles" in out.getvalue()
    assert "[########################################]" in out.getvalue()
    for tile in tiles_covering((105.6865, 10.5327, 106.6685, 10.8332), 9):
        assert Client().get(f"/tiles/schools/{tile}.pbf")["X-Tile-Cache"] == "hit"
    again = io.StringIO()
    call_command("seed_tiles", "--layers", "schools", "--zooms", "8-10", stdout=again)
    assert f"0 rendered, {expected} already cached" in again.getvalue()


def test_the_command_seeds_composites_under_the_composite_key(schools, official, incidents):
    call_command("seed_tiles", "--layers", "schools,incidents", "--zooms", "7", "--user", "official",
                 stdout=io.StringIO())
    client = Client()
    client.force_login(official)
    assert client.get("/tiles/schools,incidents/7/101/60.pbf")["X-Tile-Cache"] == "hit"


def test_seeding_a_layer_the_user_may_not_see_fails_like_an_unknown_layer(dengue):
    with pytest.raises(CommandError, match="layer"):
        call_command("seed_tiles", "--layers", "dengue", "--zooms", "8", stdout=io.StringIO())


def test_bad_zooms_are_refused():
    with pytest.raises(CommandError):
        call_command("seed_tiles", "--layers", "schools", "--zooms", "8-99", stdout=io.StringIO())


@pytest.mark.worker
def test_the_celery_task_seeds_and_reports_progress(schools, celery_worker):
    from tiles.tasks import seed_tiles

    result = seed_tiles.delay(tilesets=["schools"], zooms="9-10", bbox=list(PROVINCE))
    summary = result.get(timeout=120)
    assert summary["total"] == summary["rendered"] + summary["cached"] > 0
    assert result.state == "SUCCESS"
    tile = tiles_covering((106.4027, 10.5327, 106.4027, 10.5327), 10)[0]
    assert Client().get(f"/tiles/schools/{tile}.pbf")["X-Tile-Cache"] == "hit"
