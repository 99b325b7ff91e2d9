"""A map client takes tiles through OGC API - Tiles: the WebMercatorQuad tile matrix set, each
collection's tileset, and tiles that are the /tiles/ code's own (same bytes, same cache, same access
rule), addressed by tileMatrix/tileRow/tileCol."""

import json

import mapbox_vector_tile
import pytest
from django.test import Client

from tests.test_tiles_raster import cog, tiny  # noqa: F401  (the tiny real COG and its layer)

pytestmark = pytest.mark.django_db

Z, COL, ROW = 12, 3258, 1927  # holds the dengue point and the Tân An school


def client_as(user) -> Client:
    client = Client()
    if user is not None:
        client.force_login(user)
    return client


def ogc_tile(slug: str, fmt: str = "mvt") -> str:
    return f"/ogc/collections/{slug}/tiles/WebMercatorQuad/{Z}/{ROW}/{COL}?f={fmt}"


def test_the_tile_matrix_set_is_web_mercator_quad(api):
    listing = json.loads(api.get("/ogc/tileMatrixSets").content)
    assert [t["id"] for t in listing["tileMatrixSets"]] == ["WebMercatorQuad"]
    tms = json.loads(api.get("/ogc/tileMatrixSets/WebMercatorQuad").content)
    assert tms["crs"] == "http://www.opengis.net/def/crs/EPSG/0/3857"
    z12 = tms["tileMatrices"][12]
    assert z12["matrixWidth"] == z12["matrixHeight"] == 4096
    assert z12["scaleDenominator"] == pytest.approx(136494.6936637720, rel=1e-8)  # the standard's table
    assert api.get("/ogc/tileMatrixSets/WorldCRS84Quad").status_code == 404


def test_a_collection_lists_its_vector_tileset_with_a_tile_template(api, schools):
    tilesets = json.loads(api.get("/ogc/collections/schools/tiles").content)
    assert tilesets["tilesets"][0]["dataType"] == "vector"
    tileset = json.loads(api.get("/ogc/collections/schools/tiles/WebMercatorQuad").content)
    template = next(x["href"] for x in tileset["links"] if x["rel"] == "item")
    assert template.endswith("/ogc/collections/schools/tiles/WebMercatorQuad/{tileMatrix}/{tileRow}/{tileCol}?f=mvt")
    limits = {entry["tileMatrix"]: entry for entry in tileset["tileMatrixSetLimits"]}
    assert limits["12"]["minTileCol"] <= COL <= limits["12"]["maxTileCol"]
    assert limits["12"]["minTileRow"] <= ROW <= limits["12"]["maxTileRow"]


def test_an_ogc_tile_is_the_tiles_code_own_tile_from_the_same_cache(schools):
    first = Client().get(f"/tiles/schools/{Z}/{COL}/{ROW}.pbf")
    assert first["X-Tile-Cache"] == "miss"
    again = Client().get(ogc_tile("schools"))
    assert again.status_code == 200 and again["X-Tile-Cache"] == "hit"
    assert again.content == first.content and again["ETag"] == first["ETag"]
    assert again["Content-Type"] == first["Content-Type"]
    names = [f["properties"]["name"] for f in mapbox_vector_tile.decode(again.content)["schools"]["features"]]
    assert names == ["Trường THPT Tân An"]


def test_a_hidden_collection_tile_answers_like_an_unknown_one(dengue, health_officer, outsider):
    assert client_as(health_officer).get(ogc_tile("dengue")).status_code == 200
    hidden = client_as(outsider).get(ogc_tile("dengue"))
    unknown = client_as(outsider).get(ogc_tile("no-such-layer"))
    assert hidden.status_code == unknown.status_code == 404 and hidden.content == unknown.content
    assert client_as(outsider).get("/ogc/collections/dengue/tiles").content == \
        client_as(outsider).get("/ogc/collections/no-such-layer/tiles").content


def test_a_raster_collection_gives_map_tiles(tiny):  # noqa: F811
    tileset = json.loads(Client().get("/ogc/collections/tiny/tiles/WebMercatorQuad").content)
    assert tileset["dataType"] == "map"
    template = next(x["href"] for x in tileset["links"] if x["rel"] == "item")
    assert template.endswith("?f=png")
    # Tân An's z10 tile, inside the tiny raster.
    response = Client().get("/ogc/collections/tiny/tiles/WebMercatorQuad/10/481/814?f=png")
    assert response.status_code == 200 and response["Content-Type"] == "image/png"


def test_a_bad_tile_address_is_a_400_and_another_matrix_set_a_404(schools):
    assert Client().get("/ogc/collections/schools/tiles/WebMercatorQuad/12/x/3258").status_code == 400
    assert Client().get("/ogc/collections/schools/tiles/WorldCRS84Quad/12/1927/3258").status_code == 404
    assert Client().get("/ogc/collections/schools/tiles/WebMercatorQuad/12/1927/3258?f=gif").status_code == 404
