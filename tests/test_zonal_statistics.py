"""A zone's summary gives the zonal statistics of every raster the caller may see: mean, min, max,
standard deviation, the share of valid pixels and the hectares of each class of the raster's style
(flood depth 0–0.2 / 0.2–0.5 / 0.5–1 / > 1 m), on the ellipsoid, at full resolution while affordable
and from an overview past ANALYSIS_RASTER_MAX_PIXELS, saying which."""

import numpy as np
import pytest
import rasterio
import shapely
import shapely.geometry
from pyproj import Geod
from rasterio.transform import from_origin

from layers.models import Access, Layer
from tests.conftest import client_for
from tests.test_zone_summaries import polygon

pytestmark = pytest.mark.django_db
SUMMARY = "/api/summary/"
WEST, NORTH, RES, SIZE = 106.30, 10.70, 0.001, 400  # 106.30–106.70 E, 10.30–10.70 N
ZONE = (106.35, 10.55, 106.45, 10.65)  # columns 50–149, rows 50–149: 100 × 100 pixels
CLASSES = [
    {"max": 0.2, "color": "#eff3ff", "label_vi": "0–0,2 m", "label_en": "0–0.2 m"},
    {"min": 0.2, "max": 0.5, "color": "#bdd7e7", "label_vi": "0,2–0,5 m", "label_en": "0.2–0.5 m"},
    {"min": 0.5, "max": 1.0, "color": "#6baed6", "label_vi": "0,5–1 m", "label_en": "0.5–1 m"},
    {"min": 1.0, "color": "#2171b5", "label_vi": "> 1 m", "label_en": "> 1 m"},
]


def depth(column: int) -> float:
    """Column j holds (j − 50) × 0.01 m: 0 at the zone's west edge, 0.99 m at its east edge."""
    return np.float32((column - 50) * 0.01)


@pytest.fixture
def flood_cog(settings, tmp_path):
    """Depth rising west to east; rows 130–149 (the zone's south fifth) are nodata."""
    settings.MEDIA_ROOT = tmp_path
    data = np.repeat(np.array([depth(j) for j in range(SIZE)], dtype="float32")[None, :], SIZE, axis=0)
    data[130:150, :] = -9999
    path = tmp_path / "rasters" / "flood.tif"
    path.parent.mkdir()
    with rasterio.open(path, "w", driver="COG", width=SIZE, height=SIZE, count=1, dtype="float32", crs="EPSG:4326",
                       transform=from_origin(WEST, NORTH, RES, RES), nodata=-9999, blocksize=128,
                       overview_resampling="average") as dst:
        dst.write(data, 1)
    return path


def raster_layer(slug: str, access: str = Access.PUBLIC, groups=()) -> Layer:
    layer = Layer.objects.create(
        slug=slug, title_vi="Độ sâu ngập", title_en="Flood depth", domain="water", kind="raster", geometry_type="",
        access=access, raster_path="rasters/flood.tif",
        style={"type": "raster", "colormap": "blues", "rescale": [0, 3], "classes": CLASSES},
        extent="SRID=4326;POLYGON((106.3 10.3,106.7 10.3,106.7 10.7,106.3 10.7,106.3 10.3))",
    )
    layer.groups.set(groups)
    return layer


@pytest.fixture
def flood(flood_cog) -> Layer:
    return raster_layer("flood")


def rasters(body: dict) -> dict:
    return {r["slug"]: r for r in body["rasters"]}


def column_hectares(first: int, last: int, rows: tuple[float, float]) -> float:
    """Geodesic area of columns first..last between two latitudes, in hectares."""
    west, east = WEST + first * RES, WEST + (last + 1) * RES
    south, north = rows
    area, _ = Geod(ellps="WGS84").polygon_area_perimeter([west, east, east, west], [south, south, north, north])
    return abs(area) / 10_000


def test_the_statistics_and_the_class_hectares_of_a_zone_at_full_resolution(official, flood):
    body = client_for(official).post(SUMMARY, {"geometry": polygon(*ZONE)}, format="json",
                                     HTTP_ACCEPT_LANGUAGE="en").json()
    stats = rasters(body)["flood"]
    assert stats["overview"] is None and stats["resolution_m"] == pytest.approx(110, rel=0.01)
    assert stats["pixels"] == 100 * 100
    assert stats["valid_share"] == pytest.approx(0.8)  # 20 of the 100 rows are nodata
    values = np.array([depth(j) for j in range(50, 150)], dtype="float64")
    assert stats["mean"] == pytest.approx(values.mean(), abs=1e-4)
    assert stats["std"] == pytest.approx(values.std(), abs=1e-4)
    assert (stats["min"], stats["max"]) == (0, pytest.approx(0.99, abs=1e-4))
    valid_rows = (10.57, 10.65)  # rows 50–129
    by_label = {c["label"]: c["area_ha"] for c in stats["classes"]}
    assert by_label["0–0.2 m"] == pytest.approx(column_hectares(50, 69, valid_rows), rel=1e-3)
    assert by_label["0.2–0.5 m"] == pytest.approx(column_hectares(70, 99, valid_rows), rel=1e-3)
    assert by_label["0.5–1 m"] == pytest.approx(column_hectares(100, 149, valid_rows), rel=1e-3)
    assert by_label["> 1 m"] == 0


def test_a_pixel_counts_when_its_centre_is_inside_a_triangle_off_the_grid(official, flood):
    triangle = {"type": "Polygon", "coordinates": [[[106.3613, 10.5627], [106.5191, 10.5804], [106.4022, 10.6783], [106.3613, 10.5627]]]}
    stats = rasters(client_for(official).post(SUMMARY, {"geometry": triangle}, format="json").json())["flood"]
    shape = shapely.geometry.shape(triangle)
    centres = [(j, i) for i in range(SIZE) for j in range(SIZE)
               if shape.contains(shapely.Point(WEST + (j + 0.5) * RES, NORTH - (i + 0.5) * RES))]
    values = np.array([depth(j) for j, i in centres if not 130 <= i < 150], dtype="float64")
    assert stats["pixels"] == len(centres)
    assert stats["mean"] == pytest.approx(values.mean(), abs=1e-4)
    assert stats["max"] == pytest.approx(values.max(), abs=1e-4)
    assert stats["std"] == pytest.approx(values.std(), abs=1e-4)


def test_a_large_zone_is_read_from_an_overview_and_says_so(official, flood, settings):
    settings.ANALYSIS_RASTER_MAX_PIXELS = 3_000  # the zone's 10,000 pixels are past it: 2,500 at ½
    stats = rasters(client_for(official).post(SUMMARY, {"geometry": polygon(*ZONE)}, format="json").json())["flood"]
    assert stats["overview"] == 0 and stats["resolution_m"] == pytest.approx(220, rel=0.01)
    assert stats["pixels"] == 50 * 50
    assert stats["mean"] == pytest.approx(0.495, abs=0.01)


def test_a_zone_beside_the_raster_has_no_pixels(official, flood):
    stats = rasters(client_for(official).post(
        SUMMARY, {"geometry": polygon(106.80, 10.50, 106.90, 10.60)}, format="json").json())["flood"]
    assert stats["pixels"] == 0 and stats["mean"] is None and stats["valid_share"] is None


def test_a_restricted_raster_is_summarised_only_for_its_group(outsider, health_officer, flood_cog, health_group):
    raster_layer("secret-flood", Access.RESTRICTED, [health_group])
    outside = client_for(outsider).post(SUMMARY, {"geometry": polygon(*ZONE)}, format="json")
    assert "secret-flood" not in rasters(outside.json()) and b"secret-flood" not in outside.content
    assert rasters(client_for(health_officer).post(
        SUMMARY, {"geometry": polygon(*ZONE)}, format="json").json())["secret-flood"]["pixels"] == 10_000
