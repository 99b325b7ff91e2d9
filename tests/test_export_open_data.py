"""Every layer the caller may see downloads as GeoJSON, CSV, GeoPackage, zipped Shapefile and KML;
GDAL reads each back with the same features, attributes and Vietnamese text."""

import json
import zipfile

import pyogrio
import pytest
from pyogrio import raw

from tests.conftest import client_for
from tests.import_files import PLACES, import_now, wgs84_to_tm3, write_shapefile_zip

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def dirs(import_dir, settings, tmp_path):
    settings.LAYERS_EXPORT_DIR = tmp_path / "exports"


def body(response) -> bytes:
    return b"".join(response.streaming_content) if response.streaming else response.content


def save(tmp_path, response, name):
    path = tmp_path / name
    path.write_bytes(body(response))
    return path


@pytest.mark.parametrize("fmt", ["geojson", "csv", "gpkg", "shp.zip", "kml"])
def test_a_public_layer_round_trips_through_gdal(fmt, world, tmp_path):
    response = client_for(None).get(f"/api/layers/schools/export.{fmt}")
    assert response.status_code == 200, body(response)[:300]
    assert f'schools-v{world["public"].version}' in response["Content-Disposition"]
    path = save(tmp_path, response, "schools." + fmt)
    if fmt == "shp.zip":
        with zipfile.ZipFile(path) as zf:
            zf.extractall(tmp_path / "shp")
            metadata = json.loads(zf.read("schools.metadata.json"))
        assert metadata["version"] == str(world["public"].version)
        path = tmp_path / "shp" / "schools.shp"
    options = {"X_POSSIBLE_NAMES": "x", "GEOM_POSSIBLE_NAMES": "WKT"} if fmt == "csv" else {}
    _meta, _fids, geoms, fields = raw.read(path, **options)
    names = list(_meta["fields"])
    assert len(geoms) == 4
    text = [v for column in fields for v in column if isinstance(v, str)]
    if fmt == "kml":
        assert "Trường THPT Tân An" in {v for v in text}
        kml = path.read_text(encoding="utf-8")
        assert "<name>Lớp schools</name>" in kml and f"version: {world['public'].version}" in kml
    else:
        assert {"name", "pupils"} <= set(names)
        assert sorted(fields[names.index("name")]) == sorted([
            "Trường THPT Tân An", "Trường Tiểu học Cần Giuộc", "Trường Mầm non Tân Hưng", "Trường THCS Bến Lức"])


def test_the_geojson_export_carries_the_layer_metadata(world):
    data = json.loads(body(client_for(None).get("/api/layers/schools/export.geojson")))
    assert data["metadata"]["version"] == str(world["public"].version)
    assert data["metadata"]["license"] == "CC BY 4.0" and len(data["features"]) == 4


def test_the_geopackage_export_carries_the_layer_metadata(world, tmp_path):
    path = save(tmp_path, client_for(None).get("/api/layers/schools/export.gpkg"), "s.gpkg")
    info = pyogrio.read_info(path)
    assert info["layer_metadata"]["title"] == "Lớp schools"
    assert info["layer_metadata"]["version"] == str(world["public"].version)


def test_a_vn2000_export_gives_back_the_imported_coordinates(tmp_path):
    import_now(write_shapefile_zip(tmp_path, encoding="tcvn3"), layer="thua-dat")
    response = client_for(None).get("/api/layers/thua-dat/export.gpkg?crs=EPSG:9210")
    assert response.status_code == 404  # internal layer: hidden from the public like an unknown one
    from layers.models import Layer

    Layer.objects.filter(slug="thua-dat").update(access="public")
    path = save(tmp_path, client_for(None).get("/api/layers/thua-dat/export.gpkg?crs=EPSG:9210"), "t.gpkg")
    meta, _fids, geoms, fields = raw.read(path)
    assert "9210" in meta["crs"]
    import shapely

    names = list(meta["fields"])
    for geom, name in zip(shapely.from_wkb(geoms), fields[names.index("ten")]):
        _n, lon, lat = next(p for p in PLACES if p[0] == name)
        x, y = wgs84_to_tm3(lon, lat)
        assert abs(geom.x - x) < 0.01 and abs(geom.y - y) < 0.01


def test_hidden_layers_do_not_export(world, outsider):
    assert client_for(outsider).get("/api/layers/incidents/export.csv").status_code == 404
    assert client_for(outsider).get("/api/layers/dengue/export.geojson").status_code == 404


def test_kml_refuses_another_crs_and_an_unknown_format_is_404(world):
    response = client_for(None).get("/api/layers/schools/export.kml?crs=EPSG:9210")
    assert response.status_code == 400 and response.json()["code"] == "invalid_parameter"
    assert client_for(None).get("/api/layers/schools/export.exe").status_code == 404


def test_a_big_layer_is_built_by_a_job_with_a_download_link(world, settings, tmp_path):
    from layers import exports
    from layers.models import ExportJob

    settings.LAYERS_EXPORT_ASYNC_FEATURES = 2
    response = client_for(None).get("/api/layers/schools/export.gpkg")
    assert response.status_code == 202
    job = response.json()
    again = client_for(None).get("/api/layers/schools/export.gpkg").json()
    assert again["id"] == job["id"]  # one build per layer version, format and CRS
    exports.build(job["id"])  # what the worker does with the queued id
    done = client_for(None).get(f"/api/exports/{job['id']}/").json()
    assert done["status"] == "succeeded"
    link = next(l["href"] for l in done["links"] if l["rel"] == "download")
    path = save(tmp_path, client_for(None).get(link.replace("http://testserver", "")), "big.gpkg")
    assert pyogrio.read_info(path)["features"] == 4
    assert ExportJob.objects.count() == 1
