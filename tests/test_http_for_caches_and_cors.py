"""HTTP that works behind nginx and CDNs: a weak If-None-Match (as nginx's gzip makes it) answers 304
on every cacheable resource; a public tile's bytes and headers are the same whoever asks; open data
and the catalog carry CORS, and a token-authenticated cross-origin call passes its preflight."""

import pytest
from django.test import Client

from layers.catalog import bump_version
from layers.models import Feature
from layers.tokens import create_token

pytestmark = pytest.mark.django_db

TILE = "/tiles/schools/7/101/60.pbf"


def cacheable_urls(schools) -> list[str]:
    """Every GET a cache may keep (the layer's own addresses filled in)."""
    feature = Feature.objects.filter(layer=schools).order_by("id").first()
    return [
        "/api/layers/", "/api/layers/schools/", "/api/layers/schools/features/",
        f"/api/layers/schools/features/{feature.pk}/", "/api/layers/schools/export.csv",
        "/api/layers/schools/export.geojson", "/api/layers/schools/export.gpkg",
        TILE, "/tiles/schools.json", "/tiles/styles/schools.json", "/tiles/styles/basemap.json",
    ]


@pytest.fixture(autouse=True)
def exports_dir(settings, tmp_path):
    settings.LAYERS_EXPORT_DIR = tmp_path / "exports"


def body(response) -> bytes:
    return b"".join(response.streaming_content) if response.streaming else response.content


def test_a_weak_validator_answers_304_on_every_cacheable_resource(schools):
    client = Client()
    for url in cacheable_urls(schools):
        first = client.get(url)
        assert first.status_code == 200, url
        etag = first["ETag"]
        assert etag.startswith('"'), url  # ours are strong; nginx's gzip makes them weak
        again = client.get(url, HTTP_IF_NONE_MATCH=f'W/"other", W/{etag}')
        assert again.status_code == 304 and body(again) == b"", url
        assert again["ETag"] == etag, url
        assert client.get(url, HTTP_IF_NONE_MATCH='W/"other"').status_code == 200, url


def test_the_catalog_has_an_etag_that_changes_with_a_layer(schools):
    client = Client()
    before = client.get("/api/layers/")["ETag"]
    assert client.get("/api/layers/")["ETag"] == before
    bump_version(schools)
    after = client.get("/api/layers/", HTTP_IF_NONE_MATCH=before)
    assert after.status_code == 200 and after["ETag"] != before


def _tile_headers(response) -> dict[str, str]:
    return {k: v for k, v in response.items() if k not in {"X-Tile-Cache"}}


def test_a_public_tile_is_the_same_bytes_and_headers_whoever_asks(schools, official):
    anonymous = Client().get(TILE, HTTP_ACCEPT_LANGUAGE="en")
    signed_in = Client()
    signed_in.force_login(official)
    by_session = signed_in.get(TILE, HTTP_ACCEPT_LANGUAGE="vi")
    by_token = Client(HTTP_AUTHORIZATION="Token " + create_token(official)).get(TILE)
    assert anonymous.status_code == by_session.status_code == by_token.status_code == 200
    assert anonymous.content == by_session.content == by_token.content
    assert _tile_headers(anonymous) == _tile_headers(by_session) == _tile_headers(by_token)
    assert anonymous["Vary"] == "Accept-Encoding" and "Content-Language" not in anonymous


def test_public_features_do_not_vary_by_cookie_or_language_and_keep_one_etag(schools, official):
    signed_in = Client()
    signed_in.force_login(official)
    url = "/api/layers/schools/features/?limit=2"
    anonymous, staff = Client().get(url, HTTP_ACCEPT_LANGUAGE="en"), signed_in.get(url)
    assert anonymous["ETag"] == staff["ETag"]
    assert "Vary" not in anonymous and "Vary" not in staff
    assert anonymous["Cache-Control"] == "public, max-age=60"


def test_an_internal_layer_still_varies_by_caller(incidents, official):
    signed_in = Client()
    signed_in.force_login(official)
    response = signed_in.get("/api/layers/incidents/features/")
    assert {"Cookie", "Authorization"} <= {v.strip() for v in response["Vary"].split(",")}
    assert response["Cache-Control"] == "private, no-cache"


def test_open_data_and_the_catalog_allow_any_origin(schools):
    for url in ["/api/layers/", "/api/layers/schools/", "/api/layers/schools/features/", TILE,
                "/api/layers/schools/export.geojson", "/api/layers/nowhere/"]:
        response = Client().get(url, HTTP_ORIGIN="https://portal.example.gov.vn")
        assert response["Access-Control-Allow-Origin"] == "*", url
        assert "Access-Control-Allow-Credentials" not in response, url
        assert "ETag" in response["Access-Control-Expose-Headers"] or response.status_code == 404, url


def test_a_token_call_from_another_origin_passes_its_preflight_and_reads_an_internal_layer(incidents, official):
    preflight = Client().options(
        "/api/layers/incidents/features/", HTTP_ORIGIN="https://app.example.gov.vn",
        HTTP_ACCESS_CONTROL_REQUEST_METHOD="GET", HTTP_ACCESS_CONTROL_REQUEST_HEADERS="authorization",
    )
    assert preflight.status_code == 204
    assert preflight["Access-Control-Allow-Origin"] == "*"
    assert "authorization" in preflight["Access-Control-Allow-Headers"].lower()
    assert "GET" in preflight["Access-Control-Allow-Methods"]
    assert "Access-Control-Allow-Credentials" not in preflight
    token = Client(HTTP_AUTHORIZATION="Token " + create_token(official), HTTP_ORIGIN="https://app.example.gov.vn")
    response = token.get("/api/layers/incidents/features/")
    assert response.status_code == 200 and response["Access-Control-Allow-Origin"] == "*"


def test_a_session_gets_no_cors_header_on_what_is_not_open_data(incidents, official):
    signed_in = Client()
    signed_in.force_login(official)
    response = signed_in.get("/api/layers/incidents/features/", HTTP_ORIGIN="https://elsewhere.example")
    assert response.status_code == 200 and "Access-Control-Allow-Origin" not in response


def test_the_ogc_api_and_the_portal_share_the_cors_rule():
    # The rule is one middleware (geo_ioc.cors) over every machine-readable prefix, these included.
    for url in ["/ogc/collections", "/data/catalog.jsonld"]:
        preflight = Client().options(url, HTTP_ORIGIN="https://x.example", HTTP_ACCESS_CONTROL_REQUEST_METHOD="GET")
        assert preflight.status_code == 204 and preflight["Access-Control-Allow-Origin"] == "*", url
        assert Client().get(url)["Access-Control-Allow-Origin"] == "*", url


def test_pages_are_not_opened_to_other_origins(schools):
    assert "Access-Control-Allow-Origin" not in Client().get("/catalog/")
