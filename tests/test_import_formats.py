"""Every format a department sends becomes a layer: GeoJSON, zipped Shapefile, GeoPackage (with a
layer chosen), KML and KMZ, CSV with lon/lat or WKT, and GeoTIFF as a validated COG."""

import zipfile

import pytest
import rasterio

from layers.imports.submit import confirm
from layers.imports import jobs
from layers.models import Feature, ImportJob, Layer
from tests.import_files import import_now, point_feature, write_geojson, write_gpkg, write_tif

pytestmark = pytest.mark.django_db

KML = """<?xml version="1.0" encoding="UTF-8"?>
<kml xmlns="http://www.opengis.net/kml/2.2"><Document><name>Du lịch</name>
<Placemark><name>Khu bảo tồn Láng Sen</name><Point><coordinates>105.77,10.79</coordinates></Point></Placemark>
<Placemark><name>Làng nổi Tân Lập</name><Point><coordinates>106.00,10.69</coordinates></Point></Placemark>
</Document></kml>"""


@pytest.fixture(autouse=True)
def import_dirs(import_dir, settings, tmp_path):
    settings.LAYERS_RASTER_DIR = tmp_path / "media" / "rasters"
    settings.MEDIA_ROOT = tmp_path / "media"


def test_a_geojson_keeps_its_attribute_names_and_values(tmp_path):
    path = write_geojson(tmp_path, [point_feature("t1", 106.4, 10.5, ten="Trạm Tân An", pm25=12.5, mo=True)])
    job = import_now(path, layer="tram")
    assert job.status == "succeeded", job.report
    feature = Feature.objects.get(layer__slug="tram")
    assert feature.source_id == "t1"
    assert feature.properties == {"id": "t1", "ten": "Trạm Tân An", "pm25": 12.5, "mo": True}
    schema = {p["name"]: p["type"] for p in Layer.objects.get(slug="tram").property_schema}
    assert schema == {"id": "string", "ten": "string", "pm25": "number", "mo": "boolean"}


def test_a_multi_layer_geopackage_asks_which_layer_then_imports_it(tmp_path):
    path = write_gpkg(tmp_path, {"lua": [("Ruộng A", 106.1, 10.7)], "thanh_long": [("Vườn B", 106.5, 10.45),
                                                                              ("Vườn C", 106.51, 10.46)]})
    job = import_now(path, layer="nong-nghiep")
    assert job.status == "needs_input" and job.report["needs"] == ["source_layer"]
    assert sorted(job.report["choices"]["layers"]) == ["lua", "thanh_long"]
    confirm(job, source_layer="thanh_long", queue=False)
    jobs.run(job.pk)
    assert ImportJob.objects.get(pk=job.pk).status == "succeeded"
    assert sorted(Feature.objects.values_list("properties__ten", flat=True)) == ["Vườn B", "Vườn C"]


@pytest.mark.parametrize("packed", [False, True])
def test_kml_and_kmz_are_read_in_wgs84(tmp_path, packed):
    if packed:
        path = tmp_path / "du_lich.kmz"
        with zipfile.ZipFile(path, "w") as zf:
            zf.writestr("doc.kml", KML)
            zf.writestr("files/icon.png", b"\x89PNG not really")
    else:
        path = tmp_path / "du_lich.kml"
        path.write_text(KML, encoding="utf-8")
    job = import_now(path, layer="du-lich")
    assert job.status == "succeeded", job.report
    names = sorted(Feature.objects.values_list("properties__Name", flat=True))
    assert names == ["Khu bảo tồn Láng Sen", "Làng nổi Tân Lập"]
    geom = Feature.objects.get(properties__Name="Làng nổi Tân Lập").geom
    assert (round(geom.x, 6), round(geom.y, 6)) == (106.0, 10.69)


def test_a_csv_with_lon_lat_columns_needs_its_crs_named(tmp_path):
    path = tmp_path / "tram.csv"
    path.write_text("ma,ten,lon,lat,pm25\nA1,Bến Lức,106.45,10.69,21.5\nA2,Cần Giuộc,106.67,10.58,\n",
                    encoding="utf-8")
    waiting = import_now(path, layer="tram-khi")
    assert waiting.status == "needs_input" and waiting.report["choices"]["crs"][0]["crs"] == "EPSG:4326"
    job = import_now(path, layer="tram-khi-2", crs="EPSG:4326")
    assert job.status == "succeeded", job.report
    a2 = Feature.objects.get(layer__slug="tram-khi-2", source_id="A2")
    assert a2.properties == {"ma": "A2", "ten": "Cần Giuộc", "pm25": None}
    assert (a2.geom.x, a2.geom.y) == (106.67, 10.58)


def test_a_csv_with_a_wkt_column(tmp_path):
    path = tmp_path / "tuyen.csv"
    path.write_text('id,ten,wkt\n1,QL62,"LINESTRING (106.41 10.54, 105.944 10.912)"\n', encoding="utf-8")
    job = import_now(path, layer="tuyen", crs="EPSG:4326")
    assert job.status == "succeeded", job.report
    assert Layer.objects.get(slug="tuyen").geometry_type == "LineString"


def test_a_geotiff_becomes_a_raster_layer_stored_as_a_cog(tmp_path, settings):
    path = write_tif(tmp_path / "ndvi.tif", width=1500, height=1200, pixel=20.0)
    job = import_now(path, layer="ndvi", domain="agriculture")
    assert job.status == "succeeded", job.report
    layer = Layer.objects.get(slug="ndvi")
    assert layer.kind == "raster" and layer.version == job.layer_version
    with rasterio.open(settings.MEDIA_ROOT / layer.raster_path) as cog:
        assert cog.tags(ns="IMAGE_STRUCTURE")["LAYOUT"] == "COG"
        assert cog.overviews(1) and cog.crs.to_epsg() == 9210
        assert cog.read(1, window=((0, 1), (0, 3))).tolist() == [[0.0, 1.0, 2.0]]
    minx, miny, maxx, maxy = layer.extent.extent
    assert 106.2 < minx < maxx < 106.6 and 10.3 < miny < maxy < 10.6


def test_a_geotiff_without_crs_waits_for_one(tmp_path):
    job = import_now(write_tif(tmp_path / "flood.tif", crs=None), layer="ngap")
    assert job.status == "needs_input" and job.report["needs"] == ["crs"]
    assert job.report["choices"]["crs"][0]["crs"] == "EPSG:9210"
    confirm(job, crs="EPSG:9210", queue=False)
    jobs.run(job.pk)
    assert ImportJob.objects.get(pk=job.pk).status == "succeeded"
    assert Layer.objects.get(slug="ngap").kind == "raster"
