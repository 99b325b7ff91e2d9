"""Rasters in the OGC API: a raster layer is a collection with its extent, its map tiles (OGC API -
Tiles' /map/tiles, the /tiles/ code's PNG: same bytes, cache and access rule) and its COG to download;
GDAL's OGCAPI driver reads the map tiles; a restricted raster is invisible to the wrong caller."""

import json

import numpy as np
import pytest
from django.contrib.auth.models import Group
from django.test import Client
from rasterio.io import MemoryFile

from layers.models import Access, Layer
from tests.test_tiles_raster import cog, tiny  # noqa: F401  (the tiny real COG and its layer)

pytestmark = pytest.mark.django_db

INSIDE = "10/481/814"  # z/row/col: Tân An's z10 tile, on the tiny raster's data
OUTSIDE = "10/400/700"  # far away from it
COG = "image/tiff; application=geotiff; profile=cloud-optimized"


def client_as(user) -> Client:
    client = Client()
    if user is not None:
        client.force_login(user)
    return client


def links(doc: dict) -> dict[str, dict]:
    return {x["rel"]: x for x in doc["links"]}


@pytest.fixture
def farmers(db) -> Group:
    return Group.objects.create(name="farmers")


@pytest.fixture
def restricted_raster(tiny, farmers) -> Layer:  # noqa: F811
    tiny.access = Access.RESTRICTED
    tiny.save()
    tiny.groups.add(farmers)
    return tiny


def test_a_raster_is_a_collection_with_its_extent_map_tiles_and_cog(tiny, schools):  # noqa: F811
    listing = json.loads(Client().get("/ogc/collections").content)
    ids = [c["id"] for c in listing["collections"]]
    assert "tiny" in ids and "schools" in ids
    doc = json.loads(Client().get("/ogc/collections/tiny").content)
    assert doc == next(c for c in listing["collections"] if c["id"] == "tiny")
    assert "itemType" not in doc and doc["dataType"] == "map"
    west, south, east, north = doc["extent"]["spatial"]["bbox"][0]
    assert (west, south, east, north) == pytest.approx((106.3, 10.5, 106.5, 10.7))
    rels = links(doc)
    assert rels["http://www.opengis.net/def/rel/ogc/1.0/tilesets-map"]["href"] == \
        "http://testserver/ogc/collections/tiny/map/tiles"
    assert rels["enclosure"]["type"] == COG
    assert rels["enclosure"]["href"] == "http://testserver/api/layers/tiny/raster.tif"
    assert "items" not in rels
    html = Client().get("/ogc/collections/tiny", {"f": "html"}).content.decode()
    assert "/api/layers/tiny/raster.tif" in html and "/ogc/collections/tiny/map/tiles" in html


def test_the_cog_link_downloads_the_raster_with_ranges(tiny):  # noqa: F811
    href = links(json.loads(Client().get("/ogc/collections/tiny").content))["enclosure"]["href"]
    response = Client().get(href.replace("http://testserver", ""), HTTP_RANGE="bytes=0-3")
    assert response.status_code == 206 and response.getvalue() in (b"II*\x00", b"MM\x00*")


def test_conformance_declares_png_map_tiles():
    conforms = json.loads(Client().get("/ogc/conformance").content)["conformsTo"]
    assert "http://www.opengis.net/spec/ogcapi-tiles-1/1.0/conf/png" in conforms
    assert "http://www.opengis.net/spec/ogcapi-tiles-1/1.0/conf/geodata-tilesets" in conforms


def test_the_map_tileset_templates_map_tiles(tiny):  # noqa: F811
    listing = json.loads(Client().get("/ogc/collections/tiny/map/tiles").content)
    assert listing["tilesets"][0]["dataType"] == "map"
    tileset = json.loads(Client().get("/ogc/collections/tiny/map/tiles/WebMercatorQuad").content)
    item = links(tileset)["item"]
    assert item["type"] == "image/png" and item["href"] == (
        "http://testserver/ogc/collections/tiny/map/tiles/WebMercatorQuad/{tileMatrix}/{tileRow}/{tileCol}?f=png")
    assert {"tileMatrix": "10", "minTileRow": 481, "maxTileRow": 481, "minTileCol": 814, "maxTileCol": 814} \
        in tileset["tileMatrixSetLimits"]


def test_a_map_tile_is_the_tiles_code_own_png(tiny):  # noqa: F811
    z, row, col = INSIDE.split("/")
    theirs = Client().get(f"/tiles/tiny/{z}/{col}/{row}.png")
    ours = Client().get(f"/ogc/collections/tiny/map/tiles/WebMercatorQuad/{INSIDE}")
    assert ours.status_code == theirs.status_code == 200 and ours["Content-Type"] == "image/png"
    assert ours.content == theirs.content and ours["ETag"] == theirs["ETag"]
    again = Client().get(f"/ogc/collections/tiny/map/tiles/WebMercatorQuad/{INSIDE}", HTTP_IF_NONE_MATCH=ours["ETag"])
    assert again.status_code == 304


def test_a_map_tile_off_the_data_is_empty_like_on_tiles(tiny):  # noqa: F811
    z, row, col = OUTSIDE.split("/")
    ours = Client().get(f"/ogc/collections/tiny/map/tiles/WebMercatorQuad/{OUTSIDE}")
    assert ours.status_code == Client().get(f"/tiles/tiny/{z}/{col}/{row}.png").status_code == 204


def test_map_tiles_are_a_rasters_and_items_a_vectors(tiny, schools):  # noqa: F811
    unknown = Client().get("/ogc/collections/no-such-layer/map/tiles")
    for address in ("/ogc/collections/schools/map/tiles", "/ogc/collections/schools/map/tiles/WebMercatorQuad",
                    f"/ogc/collections/schools/map/tiles/WebMercatorQuad/{INSIDE}"):
        answer = Client().get(address)
        assert answer.status_code == 404 and answer.content == unknown.content
    assert Client().get("/ogc/collections/tiny/items").status_code == 404
    assert Client().get("/ogc/collections/tiny/queryables").status_code == 404


def test_a_bad_map_tile_address_or_format_is_refused(tiny):  # noqa: F811
    assert Client().get("/ogc/collections/tiny/map/tiles/WebMercatorQuad/10/x/814").status_code == 400
    assert Client().get("/ogc/collections/tiny/map/tiles/WorldCRS84Quad/10/481/814").status_code == 404
    refused = Client().get(f"/ogc/collections/tiny/map/tiles/WebMercatorQuad/{INSIDE}", {"f": "mvt"})
    assert refused.status_code in (400, 404) and json.loads(refused.content)["code"]


def test_a_restricted_raster_collection_is_invisible_to_the_wrong_caller(restricted_raster, farmers, outsider):
    farmer = outsider.__class__.objects.create_user("farmer", password="pw-farmer")
    farmer.groups.add(farmers)
    addresses = ["/ogc/collections/{}", "/ogc/collections/{}?f=html", "/ogc/collections/{}/map/tiles",
                 "/ogc/collections/{}/map/tiles/WebMercatorQuad",
                 "/ogc/collections/{}/map/tiles/WebMercatorQuad/" + INSIDE]
    for address in addresses:
        assert client_as(farmer).get(address.format("tiny")).status_code == 200, address
        for caller in (None, outsider):
            hidden = client_as(caller).get(address.format("tiny"))
            unknown = client_as(caller).get(address.format("no-such-layer"))
            assert hidden.status_code == unknown.status_code == 404, address
            assert hidden.content == unknown.content and b"tiny" not in hidden.content
    for caller in (None, outsider):
        listing = client_as(caller).get("/ogc/collections").content
        assert b"tiny" not in listing and b"raster.tif" not in listing
    assert b'"tiny"' in client_as(farmer).get("/ogc/collections").content
    assert b"/ogc/collections/tiny/items" not in client_as(farmer).get("/ogc/api").content


def test_gdal_reads_the_map_tile_the_tileset_template_names(tiny):  # noqa: F811
    """The tileset's own template, filled in, gives a PNG that GDAL (rasterio's) reads: four bands, the
    raster's data half drawn, the nodata half transparent. (GDAL 3.6's OGCAPI driver takes a
    collection's CRS84 extent as EPSG:3857 coordinates, so a whole-collection read through it is left
    to newer GDALs.)"""
    tileset = json.loads(Client().get("/ogc/collections/tiny/map/tiles/WebMercatorQuad").content)
    z, row, col = INSIDE.split("/")
    address = (links(tileset)["item"]["href"].replace("http://testserver", "")
               .replace("{tileMatrix}", z).replace("{tileRow}", row).replace("{tileCol}", col))
    with MemoryFile(Client().get(address).content) as memory, memory.open() as picture:
        assert picture.driver == "PNG" and picture.count == 4 and picture.width == picture.height == 256
        alpha = picture.read(4)
    assert alpha.max() == 255 and alpha.min() == 0 and np.count_nonzero(alpha) > 1000
