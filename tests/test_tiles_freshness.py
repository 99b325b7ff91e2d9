"""Every change bumps the layer version, and the next tile request renders fresh: no restart, no
purge. Old entries are simply never asked for again."""

import mapbox_vector_tile
import pytest
from django.contrib.gis.geos import GEOSGeometry
from django.test import Client

from layers.catalog import bump_version, publish_changes
from layers.models import Feature

pytestmark = pytest.mark.django_db

URL = "/tiles/schools/7/101/60.pbf"


def names(response) -> set[str]:
    return {f["properties"]["name"] for f in mapbox_vector_tile.decode(response.content)["schools"]["features"]}


def test_an_edit_shows_in_the_next_tile(schools):
    client = Client()
    before = client.get(URL)
    assert client.get(URL)["X-Tile-Cache"] == "hit"
    feature = Feature.objects.get(layer=schools, source_id="s1")
    feature.properties = feature.properties | {"name": "Trường THPT Tân An (cơ sở 2)"}
    feature.save()
    publish_changes(schools)
    after = client.get(URL)
    assert after["X-Tile-Cache"] == "miss"
    assert "Trường THPT Tân An (cơ sở 2)" in names(after)
    assert after["ETag"] != before["ETag"]
    assert after["X-Tile-Version"] == str(schools.version)


def test_a_new_feature_appears_and_a_deleted_one_disappears(schools):
    client = Client()
    client.get(URL)
    Feature.objects.create(layer=schools, source_id="s5", geom=GEOSGeometry("POINT(106.2 10.7)", srid=4326),
                           properties={"name": "Trường mới", "level": "thcs", "pupils": 10, "public": True})
    Feature.objects.filter(layer=schools, source_id="s2").delete()
    publish_changes(schools)
    got = names(client.get(URL))
    assert "Trường mới" in got and "Trường Tiểu học Cần Giuộc" not in got


def test_a_style_change_gives_new_tile_urls_in_tilejson(schools):
    client = Client()
    first = client.get("/tiles/schools.json").json()["tiles"][0]
    assert first.endswith(f"?v={schools.version}")
    bump_version(schools)
    second = client.get("/tiles/schools.json").json()["tiles"][0]
    assert second.endswith(f"?v={schools.version}") and second != first


def test_a_304_is_not_given_for_an_etag_of_the_old_version(schools):
    client = Client()
    old = client.get(URL)["ETag"]
    Feature.objects.filter(layer=schools, source_id="s3").delete()
    publish_changes(schools)
    response = client.get(URL, HTTP_IF_NONE_MATCH=old)
    assert response.status_code == 200
    assert "Trường Mầm non Tân Hưng" not in names(response)
