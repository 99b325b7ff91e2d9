"""A land office's zipped shapefile in VN-2000 TM-3 with TCVN3 text lands within 1 m of the truth,
its text readable and searchable."""

import pytest
from django.contrib.gis.geos import Point

from layers.models import Feature, Layer
from tests.import_files import PLACES, import_now, write_shapefile_zip

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def import_dirs(import_dir, settings, tmp_path):
    settings.LAYERS_RASTER_DIR = tmp_path / "rasters"


def distance_m(a: Point, lon: float, lat: float) -> float:
    from pyproj import Geod

    return Geod(ellps="WGS84").inv(a.x, a.y, lon, lat)[2]


def test_a_vn2000_shapefile_with_tcvn3_text_lands_within_a_metre(tmp_path):
    upload = write_shapefile_zip(tmp_path, encoding="tcvn3")
    job = import_now(upload, layer="thua-dat")
    assert job.status == "succeeded", job.report
    layer = Layer.objects.get(slug="thua-dat")
    assert layer.feature_count == len(PLACES) and job.layer_version == layer.version
    for name, lon, lat in PLACES:
        feature = Feature.objects.get(layer=layer, properties__ten=name)
        assert distance_m(feature.geom, lon, lat) < 1.0
    codes = [w["code"] for w in job.report["warnings"]]
    assert "encoding_detected" in codes and "vn2000_transformation" in codes
    assert job.report["encoding"] == "tcvn3" and job.report["crs"] == "EPSG:9210"


def test_a_search_for_muong_khuong_finds_the_decoded_text(tmp_path):
    import_now(write_shapefile_zip(tmp_path, encoding="tcvn3"), layer="thua-dat")
    assert Feature.objects.filter(properties__ten="Mường Khương").count() == 1
    assert not Feature.objects.filter(properties__ten__contains="\ufffd").exists()


@pytest.mark.parametrize("encoding", ["vni", "cp1258"])
def test_vni_and_cp1258_text_are_detected_too(tmp_path, encoding):
    job = import_now(write_shapefile_zip(tmp_path, encoding=encoding), layer="thua-dat")
    assert job.status == "succeeded", job.report
    assert job.report["encoding"] == encoding
    assert sorted(Feature.objects.values_list("properties__ten", flat=True)) == sorted(n for n, _x, _y in PLACES)


def test_a_cpg_file_names_the_encoding(tmp_path):
    job = import_now(write_shapefile_zip(tmp_path, encoding="cp1258", cpg="1258"), layer="thua-dat")
    assert job.report["encoding"] == "cp1258"
    assert "encoding_detected" not in [w["code"] for w in job.report["warnings"]]


def test_leaving_out_the_datum_shift_would_be_225_m_off(tmp_path):
    """The control: the same coordinates read as a bare TM on WGS 84 miss by a couple of hundred metres,
    so the 1 m test above can fail."""
    from pyproj import Transformer

    from tests.import_files import wgs84_to_tm3

    name, lon, lat = PLACES[0]
    x, y = wgs84_to_tm3(lon, lat)
    bare = Transformer.from_crs(
        "+proj=tmerc +lat_0=0 +lon_0=105.75 +k=0.9999 +x_0=500000 +y_0=0 +ellps=WGS84 +units=m +no_defs",
        "EPSG:4326", always_xy=True)
    wrong_lon, wrong_lat = bare.transform(x, y)
    assert 200 < distance_m(Point(wrong_lon, wrong_lat), lon, lat) < 250


def test_a_tm_prj_on_bare_wgs84_gets_the_225_m_warning(tmp_path):
    bare_tm = "+proj=tmerc +lat_0=0 +lon_0=105.75 +k=0.9999 +x_0=500000 +y_0=0 +datum=WGS84 +units=m +no_defs"
    job = import_now(write_shapefile_zip(tmp_path, encoding="tcvn3", crs=bare_tm), layer="thua-dat")
    assert job.status == "succeeded"
    warning = next(w for w in job.report["warnings"] if w["code"] == "wgs84_tm_not_vn2000")
    assert "225 m" in warning["en"] and "225 m" in warning["vi"]


def test_text_that_reads_right_in_several_encodings_waits_for_the_stewards_choice(tmp_path):
    from layers.imports import jobs
    from layers.imports.submit import confirm

    places = [("Tô", 106.40, 10.53), ("Mô", 106.41, 10.54)]  # byte 0xF4: ô in CP1258, ụ in TCVN3, ơ in VNI
    job = import_now(write_shapefile_zip(tmp_path, encoding="cp1258", places=places), layer="ao")
    assert job.status == "needs_input" and job.report["needs"] == ["encoding"]
    previews = job.report["choices"]["encoding"]["previews"]
    assert "Tô" in previews["cp1258"] and "Tụ" in previews["tcvn3"]
    confirm(job, encoding="cp1258", queue=False)
    jobs.run(job.pk)
    assert sorted(Feature.objects.values_list("properties__ten", flat=True)) == ["Mô", "Tô"]


ESRI_PRJ = (
    'PROJCS["VN_2000_Long_An",GEOGCS["GCS_VN_2000",DATUM["D_Vietnam_2000",SPHEROID["WGS_1984",6378137.0,'
    '298.257223563]],PRIMEM["Greenwich",0.0],UNIT["Degree",0.0174532925199433]],PROJECTION["Transverse_Mercator"],'
    'PARAMETER["False_Easting",500000.0],PARAMETER["False_Northing",0.0],PARAMETER["Central_Meridian",105.75],'
    'PARAMETER["Scale_Factor",0.9999],PARAMETER["Latitude_Of_Origin",0.0],UNIT["Meter",1.0]]'
)


def test_an_esri_style_prj_without_epsg_code_is_identified_and_shifted_the_same(tmp_path):
    job = import_now(write_shapefile_zip(tmp_path, encoding="tcvn3", prj=ESRI_PRJ), layer="thua-dat")
    assert job.status == "succeeded" and job.report["crs"] == "EPSG:9210"
    for name, lon, lat in PLACES:
        assert distance_m(Feature.objects.get(properties__ten=name).geom, lon, lat) < 1.0
