"""HTTP semantics of tiles: strong ETags answered with 304, long caching only on versioned URLs,
204 for an empty tile, gzip stored once and sent when accepted, CORS for public tiles."""

import gzip

import mapbox_vector_tile
import pytest
from django.test import Client

pytestmark = pytest.mark.django_db

URL = "/tiles/schools/7/101/60.pbf"


def test_a_tile_has_a_strong_etag_and_answers_304_to_it(schools):
    client = Client()
    first = client.get(URL)
    etag = first["ETag"]
    assert etag.startswith('"') and not etag.startswith("W/")
    again = client.get(URL, HTTP_IF_NONE_MATCH=etag)
    assert again.status_code == 304
    assert again.content == b""
    assert again["ETag"] == etag


def test_the_etag_is_the_same_whether_the_tile_was_cached_or_not(schools):
    client = Client()
    assert client.get(URL)["ETag"] == client.get(URL)["ETag"]


def test_the_gzipped_tile_has_its_own_etag_and_both_revalidate(schools):
    client = Client()
    plain = client.get(URL)
    zipped = client.get(URL, HTTP_ACCEPT_ENCODING="gzip, deflate, br")
    assert zipped["Content-Encoding"] == "gzip"
    assert gzip.decompress(zipped.content) == plain.content
    assert zipped["ETag"] != plain["ETag"]
    assert client.get(URL, HTTP_ACCEPT_ENCODING="gzip", HTTP_IF_NONE_MATCH=zipped["ETag"]).status_code == 304
    assert client.get(URL, HTTP_IF_NONE_MATCH=plain["ETag"]).status_code == 304
    assert "Accept-Encoding" in zipped["Vary"]


def test_gzip_refused_with_q0_is_not_sent(schools):
    assert "Content-Encoding" not in Client().get(URL, HTTP_ACCEPT_ENCODING="gzip;q=0, identity")


def test_a_versioned_url_is_cached_for_a_year_and_an_unversioned_one_revalidated(schools):
    client = Client()
    versioned = client.get(f"{URL}?v={schools.version}")
    assert versioned["Cache-Control"] == "public, max-age=31536000, immutable"
    assert client.get(URL)["Cache-Control"] == "public, max-age=0, must-revalidate"
    # A stale version in the URL gets today's tile, and no promise that it lasts.
    stale = client.get(f"{URL}?v={schools.version - 1}")
    assert stale["Cache-Control"] == "public, max-age=0, must-revalidate"
    assert stale.content == versioned.content


def test_the_version_parameter_does_not_split_the_cache(schools):
    client = Client()
    client.get(f"{URL}?v={schools.version}")
    assert client.get(URL)["X-Tile-Cache"] == "hit"


def test_an_empty_tile_is_204_and_cached_too(schools):
    client = Client()
    first = client.get("/tiles/schools/12/0/0.pbf")
    assert first.status_code == 204 and first.content == b""
    assert client.get("/tiles/schools/12/0/0.pbf")["X-Tile-Cache"] == "hit"


def test_public_tiles_allow_any_origin_and_private_ones_do_not(schools, incidents, official):
    assert Client().get(URL)["Access-Control-Allow-Origin"] == "*"
    client = Client()
    client.force_login(official)
    private = client.get("/tiles/incidents/7/101/60.pbf")
    assert "Access-Control-Allow-Origin" not in private
    assert private["Cache-Control"] == "private, max-age=0, must-revalidate"
    assert {"Cookie", "Authorization"} <= {v.strip() for v in private["Vary"].split(",")}


def test_a_tile_decodes_the_same_from_the_cache(schools):
    client = Client()
    assert mapbox_vector_tile.decode(client.get(URL).content) == mapbox_vector_tile.decode(client.get(URL).content)


def test_head_is_answered_like_get_without_a_body(schools):
    response = Client().head(URL)
    assert response.status_code == 200 and response.content == b""


def test_post_is_not_allowed(schools):
    assert Client().post(URL).status_code == 405
