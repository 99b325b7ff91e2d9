"""The demo rasters are generated deterministically, written as real COGs under MEDIA_ROOT/rasters/,
registered as public raster layers, and loading them twice changes nothing."""

import hashlib

import numpy as np
import pytest
import rasterio

from fixtures.rasters import FLOOD, NDVI, flood_array, load_demo_rasters, ndvi_array, validate_cog
from fixtures.world import generate_world
from layers.models import Layer

pytestmark = pytest.mark.django_db


@pytest.fixture(scope="module")
def world():
    return generate_world()


def test_the_fields_are_the_same_for_the_same_seed(world):
    first, _grid = ndvi_array(world, 2022)
    again, _grid = ndvi_array(world, 2022)
    assert hashlib.sha256(first.tobytes()).digest() == hashlib.sha256(again.tobytes()).digest()
    other, _grid = ndvi_array(world, 2023)
    assert not np.array_equal(first, other)


def test_ndvi_covers_farmland_only_with_plausible_values(world):
    data, _grid = ndvi_array(world, 2022)
    valid = data[data != -9999]
    assert 0.3 < valid.size / data.size < 0.95  # towns, water and industry are nodata
    assert valid.min() >= -0.1 and valid.max() <= 0.95 and 0.5 < valid.mean() < 0.8


def test_flood_depth_is_deeper_near_the_border_than_downstream(world):
    data, grid = flood_array(world, 2022)
    lon, lat = grid.lonlat()
    wet = data != -9999
    north_west = data[wet & (lon < 105.75) & (lat > 10.85)]
    south_east = data[wet & (lon > 106.0) & (lat < 10.75)]
    assert north_west.mean() > south_east.mean() + 0.8
    assert data[wet].max() <= 3.5


def test_loading_writes_valid_cogs_and_registers_public_raster_layers(world, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    layers = load_demo_rasters(world=world)
    assert [layer.slug for layer in layers] == [NDVI.slug, FLOOD.slug]
    for layer in layers:
        path = tmp_path / layer.raster_path
        validate_cog(path)
        with rasterio.open(path) as src:
            assert src.crs.to_epsg() == 4326 and src.nodata == -9999 and src.dtypes == ("float32",)
            bands = {"ndvi": (("NDVI",), (None,)), "flood-depth": (("Độ sâu ngập / Flood depth",), ("m",))}
            assert (src.descriptions, tuple(unit or None for unit in src.units)) == bands[layer.slug]  # a point query says them
        assert layer.kind == "raster" and layer.access == "public" and layer.extent is not None
    assert Layer.objects.get(slug="ndvi").style["colormap"] == "rdylgn"
    versions = {layer.slug: layer.version for layer in layers}
    load_demo_rasters(world=world)
    assert {layer.slug: layer.version for layer in Layer.objects.filter(kind="raster")} == versions
    replaced = load_demo_rasters(world=world, replace=True)
    assert all(layer.version == versions[layer.slug] + 1 for layer in replaced)


def test_a_file_that_is_not_a_cog_is_refused(tmp_path):
    path = tmp_path / "plain.tif"
    with rasterio.open(path, "w", driver="GTiff", width=64, height=64, count=1, dtype="uint8") as dst:
        dst.write(np.zeros((64, 64), dtype="uint8"), 1)
    with pytest.raises(ValueError, match="not a Cloud-Optimized GeoTIFF"):
        validate_cog(path)
