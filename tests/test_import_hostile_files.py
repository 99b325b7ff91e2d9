"""Hostile files are refused with a clear message, and nothing is written outside the job's directory."""

import zipfile

import pyogrio
import pytest
import rasterio
from rasterio.errors import RasterioIOError

from layers.models import ImportJob, Layer
from tests.import_files import files_under, import_now, symlink_member, write_shapefile_zip, write_tif, zip_bytes

pytestmark = pytest.mark.django_db

VRT = b"""<VRTDataset rasterXSize="10" rasterYSize="10"><VRTRasterBand dataType="Byte" band="1">
<SimpleSource><SourceFilename relativeToVRT="0">/etc/passwd</SourceFilename></SimpleSource>
</VRTRasterBand></VRTDataset>"""
OGR_VRT = b"""<OGRVRTDataSource><OGRVRTLayer name="x"><SrcDataSource>PG:dbname=geo_ioc</SrcDataSource>
</OGRVRTLayer></OGRVRTDataSource>"""


@pytest.fixture(autouse=True)
def import_dirs(import_dir, settings, tmp_path):
    settings.LAYERS_RASTER_DIR = tmp_path / "rasters"


def refused(job: ImportJob, code: str) -> None:
    assert job.status == "failed", job.report
    assert job.report["errors"][-1]["code"] == code
    assert job.report["errors"][-1]["vi"] and job.report["errors"][-1]["en"]
    assert not Layer.objects.filter(slug=job.layer_slug).exists()


def archive(tmp_path, name: str, members):
    path = tmp_path / name
    path.write_bytes(zip_bytes(members))
    return path


def test_zip_slip_is_refused_and_nothing_lands_outside(tmp_path):
    path = archive(tmp_path, "slip.zip", [("../../escaped.shp", b"x"), ("a.dbf", b"x")])
    refused(import_now(path, layer="slip"), "archive_unsafe_path")
    assert "escaped.shp" not in {p.name for p in tmp_path.rglob("*")}


def test_absolute_paths_are_refused(tmp_path):
    refused(import_now(archive(tmp_path, "abs.zip", [("/tmp/abs.shp", b"x")]), layer="abs"), "archive_unsafe_path")


def test_symlinks_in_archives_are_refused(tmp_path):
    members = [(symlink_member("data.shp", "/etc/passwd"), b"/etc/passwd")]
    refused(import_now(archive(tmp_path, "link.zip", members), layer="link"), "archive_link")


def test_a_zip_bomb_is_refused_by_its_ratio(tmp_path):
    path = archive(tmp_path, "bomb.zip", [("bomb.shp", b"\0" * 50_000_000)])
    assert path.stat().st_size < 100_000
    refused(import_now(path, layer="bomb"), "archive_ratio")
    assert all(name.endswith("upload.zip") for name in files_under(tmp_path / "imports"))  # nothing inflated


def test_too_many_members_are_refused(tmp_path, settings):
    settings.LAYERS_IMPORT_MAX_ARCHIVE_MEMBERS = 10
    path = archive(tmp_path, "many.zip", [(f"f{i}.prj", b"x") for i in range(11)])
    refused(import_now(path, layer="many"), "archive_too_many_members")


def test_too_much_uncompressed_data_is_refused(tmp_path, settings):
    settings.LAYERS_IMPORT_MAX_UNCOMPRESSED_BYTES = 1_000_000
    path = archive(tmp_path, "big.zip", [("big.shp", bytes(range(256)) * 8000)])
    refused(import_now(path, layer="big"), "archive_too_big")


def test_a_vrt_disguised_as_a_tif_is_never_opened(tmp_path):
    path = tmp_path / "ndvi.tif"
    path.write_bytes(VRT)
    refused(import_now(path, layer="vrt"), "content_mismatch")


def test_an_ogr_vrt_disguised_as_geojson_or_inside_a_zip_is_refused(tmp_path):
    path = tmp_path / "roads.geojson"
    path.write_bytes(OGR_VRT)
    refused(import_now(path, layer="ogr-vrt"), "content_mismatch")
    refused(import_now(archive(tmp_path, "vrt.zip", [("roads.vrt", OGR_VRT)]), layer="ogr-vrt-zip"),
            "archive_no_dataset")


def test_gdal_has_no_vrt_driver_to_be_tricked_with(tmp_path):
    """Even a path straight to a VRT file cannot be opened: the drivers are not registered."""
    (tmp_path / "x.vrt").write_bytes(VRT)
    (tmp_path / "y.vrt").write_bytes(OGR_VRT)
    with pytest.raises(RasterioIOError):
        rasterio.open(tmp_path / "x.vrt")
    with pytest.raises(pyogrio.errors.DataSourceError):
        pyogrio.read_info(tmp_path / "y.vrt")
    assert "VRT" not in pyogrio.list_drivers() and "OGR_VRT" not in pyogrio.list_drivers()


def test_a_kml_with_a_doctype_or_entities_is_refused(tmp_path):
    path = tmp_path / "xxe.kml"
    path.write_text('<?xml version="1.0"?><!DOCTYPE kml [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>'
                    '<kml xmlns="http://www.opengis.net/kml/2.2"><Placemark><name>&xxe;</name>'
                    "<Point><coordinates>106,10</coordinates></Point></Placemark></kml>")
    refused(import_now(path, layer="xxe"), "xml_doctype")


def test_a_raster_above_the_pixel_budget_is_refused_from_its_header(tmp_path, settings):
    settings.LAYERS_IMPORT_MAX_RASTER_PIXELS = 1000
    refused(import_now(write_tif(tmp_path / "huge.tif", width=40, height=30), layer="huge"), "raster_too_big")


def test_a_shapefile_missing_its_dbf_is_refused(tmp_path):
    full = write_shapefile_zip(tmp_path)
    with zipfile.ZipFile(full) as zf:
        members = [(n, zf.read(n)) for n in zf.namelist() if not n.endswith(".dbf")]
    refused(import_now(archive(tmp_path, "no_dbf.zip", members), layer="no-dbf"), "shapefile_incomplete")


def test_a_damaged_zip_is_refused(tmp_path):
    path = tmp_path / "broken.zip"
    path.write_bytes(b"PK\x03\x04" + b"garbage" * 100)
    refused(import_now(path, layer="broken"), "bad_archive")


def test_a_truncated_geojson_fails_without_touching_the_old_layer(tmp_path):
    from tests.import_files import point_feature, write_geojson

    good = write_geojson(tmp_path, [point_feature("a", 106.4, 10.5)], name="good.geojson")
    first = import_now(good, layer="tram")
    bad = tmp_path / "bad.geojson"
    bad.write_text(good.read_text()[:-20])
    job = import_now(bad, layer="tram")
    assert job.status == "failed" and job.report["errors"][-1]["code"] == "unreadable_because"
    layer = Layer.objects.get(slug="tram")
    assert layer.version == first.layer_version and layer.feature_count == 1


def test_an_unreadable_file_says_where_gdal_stopped_and_nothing_of_the_server(tmp_path, settings):
    """A number JSON allows but a double cannot hold: GDAL says where; the steward reads it, without
    the job's path on the server."""
    path = tmp_path / "tram.geojson"
    path.write_text('{"type": "FeatureCollection", "features": [{"type": "Feature", "geometry": '
                    '{"type": "Point", "coordinates": [106.4, 10.5]}, "properties": {"n": 1e400}}]}')
    job = import_now(path, layer="tram")
    refused(job, "unreadable_because")
    error = job.report["errors"][-1]
    assert "1e400" in error["en"] and "GDAL" in error["en"] and "GDAL báo" in error["vi"]
    assert str(settings.LAYERS_IMPORT_DIR) not in error["en"] and "/" not in error["en"].split("GDAL says:")[1]


def test_an_upload_named_like_a_gdal_path_is_saved_under_our_own_name(tmp_path, settings):
    from tests.import_files import point_feature, write_geojson

    path = write_geojson(tmp_path, [point_feature("a", 106.4, 10.5)], name="x.geojson")
    renamed = tmp_path / "PG:dbname=geo_ioc host=evil.geojson"
    path.rename(renamed)
    job = import_now(renamed, layer="ten-la")
    assert job.status == "succeeded"
    assert files_under(settings.LAYERS_IMPORT_DIR) == {f"{job.pk}/upload.geojson"}
