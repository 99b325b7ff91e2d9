"""The tile cache keeps bytes under keys that carry everything a tile depends on; Redis and disk
stores behave alike, and a disk entry is replaced atomically and expires by age."""

import os
import time

import pytest
from django.test import Client

from tiles.cache import CachedTile, DiskStore, RedisStore, tile_key, tile_store

pytestmark = pytest.mark.django_db


@pytest.fixture(params=["redis", "disk"])
def store(request, settings, tmp_path):
    if request.param == "redis":
        return RedisStore(settings.TILES_CACHE_URL, ttl=60)
    return DiskStore(tmp_path, ttl=60)


def test_a_store_gives_back_what_it_was_given(store):
    key = f"tiles:test:{time.time_ns()}"
    assert store.get(key) is None
    store.set(key, CachedTile("abc", b"\x1f\x8b gzip bytes", gzipped=True))
    assert store.get(key) == CachedTile("abc", b"\x1f\x8b gzip bytes", gzipped=True)
    store.set(key, CachedTile("def", b"", gzipped=False))
    assert store.get(key) == CachedTile("def", b"", gzipped=False)


def test_a_flag_is_set_once_until_it_expires(store):
    key = f"flag:{time.time_ns()}"
    assert store.add_flag(key, 60) is True
    assert store.add_flag(key, 60) is False


def test_a_disk_entry_older_than_the_ttl_is_a_miss(tmp_path):
    store = DiskStore(tmp_path, ttl=60)
    store.set("k", CachedTile("e", b"x", gzipped=False))
    path = store._path("k")
    os.utime(path, (time.time() - 120, time.time() - 120))
    assert store.get("k") is None


def test_the_key_carries_layer_version_scope_address_format_and_filters(schools, dengue):
    base = dict(layers=[dengue], scope="g1", z=7, x=101, y=60, fmt="pbf", filters="")
    key = tile_key(**base)
    assert str(dengue.pk) in key and f".{dengue.version}" in key and ":g1:" in key and "7/101/60.pbf" in key
    variants = [
        dict(base, scope="g2"), dict(base, z=8), dict(base, x=102), dict(base, y=61), dict(base, fmt="mvt"),
        dict(base, filters="datetime=2022"), dict(base, layers=[schools]), dict(base, layers=[dengue, schools]),
    ]
    assert len({tile_key(**v) for v in variants} | {key}) == len(variants) + 1
    dengue.version += 1
    assert tile_key(**base) != key


def test_public_tiles_share_one_entry_whatever_the_callers_scope(schools):
    key = dict(layers=[schools], z=7, x=101, y=60, fmt="pbf", filters="")
    assert tile_key(scope="staff", **key) == tile_key(scope="public", **key)


def test_tiles_are_served_from_a_disk_cache_when_configured(schools, settings, tmp_path):
    settings.TILES_CACHE = "disk"
    settings.TILES_CACHE_DIR = tmp_path
    assert isinstance(tile_store(), DiskStore)
    client = Client()
    assert client.get("/tiles/schools/7/101/60.pbf")["X-Tile-Cache"] == "miss"
    assert client.get("/tiles/schools/7/101/60.pbf")["X-Tile-Cache"] == "hit"
    assert any(p.is_file() for p in tmp_path.rglob("*"))


def test_with_no_cache_every_request_renders(schools, settings):
    settings.TILES_CACHE = "none"
    client = Client()
    client.get("/tiles/schools/7/101/60.pbf")
    assert client.get("/tiles/schools/7/101/60.pbf")["X-Tile-Cache"] == "miss"
    zipped = client.get("/tiles/schools/7/101/60.pbf", HTTP_ACCEPT_ENCODING="gzip")
    assert zipped["Content-Encoding"] == "gzip"


def test_with_the_cache_redis_unreachable_tiles_are_still_served(settings, schools):
    """Redis down (a closed port: nothing listens on 1): every request renders, none fails."""
    url = "/tiles/schools/7/101/60.pbf"
    expected = Client().get(url)
    assert expected.status_code == 200
    settings.TILES_CACHE_URL = "redis://127.0.0.1:1/0"
    for _ in range(2):
        response = Client().get(url)
        assert response.status_code == 200
        assert response.content == expected.content and response["ETag"] == expected["ETag"]
        assert response["X-Tile-Cache"] == "miss"
