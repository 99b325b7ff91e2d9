"""Rasters as data, not only pictures: a raster layer's catalog entry links its COG, served with range
requests so Debian's GDAL reads it over HTTP (/vsicurl/) under the one access rule; a point query
returns the band values; a raster tile off the data is empty (204) like an empty vector tile."""

import shutil
import subprocess

import numpy as np
import pytest
import rasterio
from django.contrib.auth.models import Group
from django.test import Client
from rasterio.transform import from_origin

from layers.models import Access, Layer
from layers.tokens import create_token

pytestmark = pytest.mark.django_db

WEST, NORTH, RES = 106.30, 10.70, 0.001  # 400 × 400 pixels: 106.30–106.70 E, 10.30–10.70 N
URL = "/api/layers/ndvi-test/raster.tif"


@pytest.fixture
def cog(settings, tmp_path):
    """Two bands: NDVI rising west to east, and a constant 7; the south-east quarter is nodata. Tiled
    with overviews, so a reader asks for a few ranges, never for the whole file."""
    settings.MEDIA_ROOT = tmp_path
    ndvi = np.repeat(np.linspace(0, 1, 400, dtype="float32")[None, :], 400, axis=0)
    seven = np.full((400, 400), 7, dtype="float32")
    ndvi[200:, 200:] = seven[200:, 200:] = -9999
    path = tmp_path / "rasters" / "ndvi.tif"
    path.parent.mkdir()
    with rasterio.open(path, "w", driver="COG", width=400, height=400, count=2, dtype="float32", crs="EPSG:4326",
                       transform=from_origin(WEST, NORTH, RES, RES), nodata=-9999, blocksize=128,
                       overview_count=2) as dst:
        dst.write(np.stack([ndvi, seven]))
        dst.set_band_description(1, "NDVI")  # the second band says nothing of itself
        dst.set_band_unit(1, "index")
    return path


@pytest.fixture
def ndvi(cog) -> Layer:
    return Layer.objects.create(
        slug="ndvi-test", title_vi="NDVI thử", title_en="NDVI test", domain="agriculture", kind="raster",
        geometry_type="", access=Access.PUBLIC, raster_path="rasters/ndvi.tif",
        style={"type": "raster", "colormap": "greens", "rescale": [0, 1]},
        extent="SRID=4326;POLYGON((106.3 10.3,106.7 10.3,106.7 10.7,106.3 10.7,106.3 10.3))",
    )


def test_the_catalog_entry_links_the_cog_and_the_point_query(ndvi):
    links = {link["rel"]: link for link in Client().get("/api/layers/ndvi-test/").json()["links"]}
    assert links["enclosure"]["href"].endswith(URL)
    assert links["enclosure"]["type"] == "image/tiff; application=geotiff; profile=cloud-optimized"
    assert links["values"]["href"].endswith("/api/layers/ndvi-test/value")


def test_a_range_request_gets_those_bytes_only(ndvi, cog):
    data = cog.read_bytes()
    whole = Client().get(URL)
    assert whole.status_code == 200 and whole["Accept-Ranges"] == "bytes"
    assert b"".join(whole.streaming_content) == data
    part = Client().get(URL, HTTP_RANGE="bytes=100-1123")
    assert part.status_code == 206 and part.content == data[100:1124]
    assert part["Content-Range"] == f"bytes 100-1123/{len(data)}" and part["Content-Length"] == "1024"
    tail = Client().get(URL, HTTP_RANGE="bytes=-10")
    assert tail.status_code == 206 and tail.content == data[-10:]
    # Several ranges at once: the whole file, as RFC 9110 allows.
    assert Client().get(URL, HTTP_RANGE="bytes=0-1,5-9").status_code == 200
    # A changed file (another ETag) in If-Range: the whole file, not a piece of the new one.
    assert Client().get(URL, HTTP_RANGE="bytes=0-9", HTTP_IF_RANGE='"old"').status_code == 200


def test_a_range_past_the_end_is_416_in_the_error_shape(ndvi, cog):
    response = Client().get(URL, HTTP_RANGE=f"bytes={cog.stat().st_size}-")
    assert response.status_code == 416 and response.json()["code"] == "range_not_satisfiable"
    assert response["Content-Range"] == f"bytes */{cog.stat().st_size}"


def test_head_gives_the_size_without_the_bytes(ndvi, cog):
    response = Client().head(URL)
    assert response.status_code == 200 and response.content == b""
    assert response["Content-Length"] == str(cog.stat().st_size)


def test_the_point_query_returns_every_band_with_its_name_and_unit(ndvi):
    inside = Client().get("/api/layers/ndvi-test/value", {"lon": "106.5005", "lat": "10.6"}).json()
    assert inside["values"][1] == 7 and abs(inside["values"][0] - 200 / 399) < 1e-6
    assert inside["layer"] == "ndvi-test" and inside["version"] == ndvi.version
    assert inside["bands"] == [{"name": "NDVI", "unit": "index"}, {"name": None, "unit": None}]
    nodata = Client().get("/api/layers/ndvi-test/value", {"lon": "106.6", "lat": "10.4"}).json()
    assert nodata["values"] == [None, None]
    outside = Client().get("/api/layers/ndvi-test/value", {"lon": "105.0", "lat": "10.6"}).json()
    assert outside["values"] == [None, None] and outside["bands"] == inside["bands"]


@pytest.mark.parametrize("params,field", [
    ({"lat": "10.6"}, "lon"), ({"lon": "abc", "lat": "10.6"}, "lon"), ({"lon": "106.5", "lat": "91"}, "lat"),
    ({"lon": "nan", "lat": "10.6"}, "lon"),
])
def test_a_bad_point_is_400_naming_the_parameter(ndvi, params, field):
    response = Client().get("/api/layers/ndvi-test/value", params)
    assert response.status_code == 400 and field in response.json()["fields"]


def test_a_vector_layer_has_no_raster_to_give(schools):
    assert Client().get("/api/layers/schools/raster.tif").status_code == 400
    assert Client().get("/api/layers/schools/value", {"lon": "106.4", "lat": "10.5"}).status_code == 400


def test_a_restricted_raster_is_hidden_like_an_unknown_layer(ndvi, outsider):
    ndvi.access = Access.RESTRICTED
    ndvi.save()
    client = Client()
    client.force_login(outsider)
    for url in [URL, "/api/layers/ndvi-test/value?lon=106.5&lat=10.6"]:
        hidden, unknown = client.get(url), client.get(url.replace("ndvi-test", "no-such-layer"))
        assert hidden.status_code == unknown.status_code == 404
        assert hidden.json() == unknown.json()


def test_a_raster_tile_off_the_data_is_empty_like_an_empty_vector_tile(ndvi, schools):
    off_raster = Client().get("/tiles/ndvi-test/10/0/0.png")
    empty_vector = Client().get("/tiles/schools/10/0/0.pbf")
    assert off_raster.status_code == empty_vector.status_code == 204
    assert off_raster.content == empty_vector.content == b""


gdal = pytest.mark.skipif(shutil.which("gdallocationinfo") is None, reason="Debian's GDAL is installed by make")


def run_gdal(*args: str, token: str | None = None) -> subprocess.CompletedProcess:
    env = {"PATH": "/usr/bin:/bin", "GDAL_HTTP_TIMEOUT": "30", "GDAL_DISABLE_READDIR_ON_OPEN": "EMPTY_DIR",
           "CPL_VSIL_CURL_USE_HEAD": "NO"}
    if token:
        env["GDAL_HTTP_HEADERS"] = f"Authorization: Token {token}"
    return subprocess.run(list(args), capture_output=True, text=True, timeout=60, env=env, check=False)


@gdal
@pytest.mark.django_db(transaction=True)
def test_debian_gdal_reads_the_cog_over_http_with_range_requests(ndvi, live_server):
    cog_url = f"/vsicurl/{live_server.url}{URL}"
    info = run_gdal("gdalinfo", cog_url)
    assert info.returncode == 0, info.stderr
    assert "Size is 400, 400" in info.stdout and "Band 2" in info.stdout and "Overviews" in info.stdout
    value = run_gdal("gdallocationinfo", "-valonly", "-wgs84", cog_url, "106.5005", "10.6")
    assert value.returncode == 0, value.stderr
    ours = Client().get("/api/layers/ndvi-test/value", {"lon": "106.5005", "lat": "10.6"}).json()["values"]
    assert [float(v) for v in value.stdout.split()] == pytest.approx(ours)


@gdal
@pytest.mark.django_db(transaction=True)
def test_gdal_reads_a_restricted_cog_with_a_token_and_not_without(ndvi, live_server, django_user_model):
    group = Group.objects.create(name="agri-analysts")
    ndvi.access = Access.RESTRICTED
    ndvi.save()
    ndvi.groups.set([group])
    analyst = django_user_model.objects.create_user("analyst", password="pw")
    analyst.groups.add(group)
    cog_url = f"/vsicurl/{live_server.url}{URL}"
    assert run_gdal("gdalinfo", cog_url).returncode != 0
    with_token = run_gdal("gdalinfo", cog_url, token=create_token(analyst))
    assert with_token.returncode == 0 and "Size is 400, 400" in with_token.stdout, with_token.stderr



def test_the_cog_and_the_point_query_answer_304_to_a_weak_validator(ndvi):
    for url in [URL, "/api/layers/ndvi-test/value?lon=106.5&lat=10.6"]:
        etag = Client().get(url)["ETag"]
        assert Client().get(url, HTTP_IF_NONE_MATCH=f"W/{etag}").status_code == 304, url
