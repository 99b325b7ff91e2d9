"""Raster tiles from a tiny real COG: the style's rescale and colormap colour the pixels, nodata is
transparent, a tile of nodata or off the raster is 204, both in PNG and WebP."""

import numpy as np
import pytest
import rasterio
from django.test import Client
from rasterio.io import MemoryFile
from rasterio.transform import from_origin
from rio_tiler.colormap import cmap

from layers.catalog import bump_version
from layers.models import Access, Layer
from tiles.grid import tiles_covering

pytestmark = pytest.mark.django_db

WEST, NORTH, RES = 106.30, 10.70, 0.001  # 200 × 200 pixels: 106.30–106.50 E, 10.50–10.70 N


@pytest.fixture
def cog(settings, tmp_path):
    """West half: values rising 0 → 1 from north to south; east half: nodata."""
    settings.MEDIA_ROOT = tmp_path
    data = np.repeat(np.linspace(0, 1, 200, dtype="float32")[:, None], 200, axis=1)
    data[:, 100:] = -9999
    path = tmp_path / "rasters" / "tiny.tif"
    path.parent.mkdir()
    with rasterio.open(path, "w", driver="COG", width=200, height=200, count=1, dtype="float32", crs="EPSG:4326",
                       transform=from_origin(WEST, NORTH, RES, RES), nodata=-9999, blocksize=128) as dst:
        dst.write(data, 1)
    return path


@pytest.fixture
def tiny(cog) -> Layer:
    return Layer.objects.create(
        slug="tiny", title_vi="Ảnh nhỏ", title_en="Tiny", domain="agriculture", kind="raster", geometry_type="",
        access=Access.PUBLIC, raster_path="rasters/tiny.tif",
        style={"type": "raster", "colormap": "blues", "rescale": [0, 1], "opacity": 0.7},
        extent="SRID=4326;POLYGON((106.3 10.5,106.5 10.5,106.5 10.7,106.3 10.7,106.3 10.5))",
    )


def pixels(content: bytes) -> np.ndarray:
    with MemoryFile(content) as mem, mem.open() as img:
        return img.read()  # bands × rows × cols, RGBA


def tile_at(lon: float, lat: float, z: int) -> str:
    return str(tiles_covering((lon, lat, lon, lat), z)[0])


def test_a_png_tile_has_colour_where_data_is_and_transparency_where_nodata_is(tiny):
    response = Client().get(f"/tiles/tiny/{tile_at(106.40, 10.60, 10)}.png")
    assert response.status_code == 200 and response["Content-Type"] == "image/png"
    rgba = pixels(response.content)
    assert rgba.shape[0] == 4 and rgba.shape[1:] == (256, 256)
    alpha = rgba[3]
    assert alpha.max() == 255 and alpha.min() == 0  # the raster's edge and its nodata half are in this tile


def test_the_colormap_and_rescale_of_the_style_colour_the_pixels(tiny):
    tile = tiles_covering((106.35, 10.6, 106.35, 10.6), 14)[0]
    rgba = pixels(Client().get(f"/tiles/tiny/{tile}.png").content)
    _w, south, _e, north = tile.bounds()
    # The value of the pixel under the tile's centre: rows go 0 → 1 from 10.70 N to 10.50 N.
    value = int((NORTH - (south + north) / 2) / RES) / 199
    r, g, b, a = (int(rgba[i, 128, 128]) for i in range(4))
    expected = cmap.get("blues")[round(value * 255)]
    assert a == 255
    assert max(abs(r - expected[0]), abs(g - expected[1]), abs(b - expected[2])) <= 3


def test_webp_tiles_are_served_too(tiny):
    response = Client().get(f"/tiles/tiny/{tile_at(106.35, 10.6, 12)}.webp")
    assert response.status_code == 200 and response["Content-Type"] == "image/webp"
    assert response.content[:4] == b"RIFF" and response.content[8:12] == b"WEBP"


def test_a_tile_of_nodata_only_is_204(tiny):
    assert Client().get(f"/tiles/tiny/{tile_at(106.45, 10.6, 14)}.png").status_code == 204


def test_a_tile_off_the_raster_is_204_like_a_tile_of_nodata(tiny):
    response = Client().get("/tiles/tiny/10/0/0.png")
    assert response.status_code == 204 and response.content == b""


def test_raster_tiles_are_not_gzipped_and_have_etags(tiny):
    url = f"/tiles/tiny/{tile_at(106.35, 10.6, 12)}.png"
    first = Client().get(url, HTTP_ACCEPT_ENCODING="gzip")
    assert "Content-Encoding" not in first
    assert Client().get(url, HTTP_IF_NONE_MATCH=first["ETag"]).status_code == 304


def test_a_new_style_renders_new_tiles(tiny):
    url = f"/tiles/tiny/{tile_at(106.35, 10.6, 14)}.png"
    before = Client().get(url).content
    tiny.style = tiny.style | {"colormap": "reds"}
    tiny.save()
    bump_version(tiny)
    assert Client().get(url).content != before


def test_a_restricted_raster_is_hidden_like_any_layer(tiny, outsider):
    tiny.access = Access.RESTRICTED
    tiny.save()
    client = Client()
    client.force_login(outsider)
    assert client.get(f"/tiles/tiny/{tile_at(106.35, 10.6, 12)}.png").status_code == 404


def test_the_raster_tilejson_names_png_tiles_and_the_native_max_zoom(tiny):
    doc = Client().get("/tiles/tiny.json").json()
    assert doc["tiles"][0].endswith("/tiles/tiny/{z}/{x}/{y}.png?v=1")
    assert doc["maxzoom"] == 11  # 0.001° ≈ 111 m: the first zoom whose pixels are finer (z11: 76 m)
    assert "vector_layers" not in doc
    assert doc["bounds"] == [106.3, 10.5, 106.5, 10.7]


def test_a_raster_cannot_be_asked_as_a_vector_tile(tiny):
    assert Client().get("/tiles/tiny/10/0/0.pbf").json()["code"] == "format_not_available"
