"""Exports lose nothing: every feature's time (an instant or an interval; KML TimeStamp/TimeSpan),
typed booleans, integers, dates and date-times (a GeoPackage GDAL 3.6 reads without a warning), and
the source id that joins a download to the API's features; /features/ names its layer for GDAL."""

import csv
import io
import json
import math
import subprocess
import zipfile
from datetime import UTC, datetime

import pyogrio
import pytest
from pyogrio import raw

from layers.models import TimeKind
from tests.conftest import add_features, client_for, make_layer

pytestmark = pytest.mark.django_db

SCHEMA = [
    {"name": "name", "type": "string", "label_vi": "Tên", "label_en": "Name"},
    {"name": "pupils", "type": "integer", "label_vi": "Số học sinh", "label_en": "Pupils"},
    {"name": "depth", "type": "number", "label_vi": "Độ sâu", "label_en": "Depth"},
    {"name": "open", "type": "boolean", "label_vi": "Mở", "label_en": "Open"},
    {"name": "opened_on", "type": "date", "label_vi": "Ngày mở", "label_en": "Opened on"},
    {"name": "checked_at", "type": "datetime", "label_vi": "Kiểm tra lúc", "label_en": "Checked at"},
]


@pytest.fixture(autouse=True)
def dirs(import_dir, settings, tmp_path):
    settings.LAYERS_EXPORT_DIR = tmp_path / "exports"


@pytest.fixture
def readings(db):
    """Salinity readings, each an instant, with every kind of property (one of them null)."""
    layer = make_layer("salinity-readings", time_kind=TimeKind.INSTANT, property_schema=SCHEMA, domain="water")
    return add_features(layer, [
        ("st-01", "POINT(106.40 10.55)", {"name": "Trạm Tân An", "pupils": 3, "depth": 1.5, "open": True,
                                          "opened_on": "2020-01-15", "checked_at": "2022-03-01T09:00:00+07:00"},
         datetime(2022, 3, 1, 2, 0, tzinfo=UTC)),
        ("st-02", "POINT(106.48 10.64)", {"name": "Trạm Cần Đước", "pupils": None, "depth": 2.0, "open": False,
                                          "opened_on": "2021-06-30", "checked_at": "2022-03-02T00:30:00+00:00"},
         datetime(2022, 3, 2, 0, 30, tzinfo=UTC)),
    ])


@pytest.fixture
def closures(db):
    """Road closures, each valid over an interval."""
    layer = make_layer("road-closures", time_kind=TimeKind.INTERVAL, geometry_type="Point", domain="traffic",
                       property_schema=SCHEMA[:1])
    return add_features(layer, [
        ("rc-7", "POINT(106.41 10.54)", {"name": "Cầu Tân An"},
         datetime(2022, 10, 1, 0, 0, tzinfo=UTC), datetime(2022, 10, 3, 12, 0, tzinfo=UTC)),
    ])


def download(tmp_path, slug: str, fmt: str):
    response = client_for(None).get(f"/api/layers/{slug}/export.{fmt}")
    assert response.status_code == 200, response.content[:300]
    data = b"".join(response.streaming_content) if response.streaming else response.content
    path = tmp_path / f"{slug}.{fmt}"
    path.write_bytes(data)
    if fmt == "shp.zip":
        with zipfile.ZipFile(path) as zf:
            zf.extractall(tmp_path / "shp")
        return tmp_path / "shp" / f"{slug}.shp"
    return path


def gdal_types(path) -> dict[str, str]:
    """Field types as Debian's GDAL (3.6) reads them, and nothing on stderr (no warning)."""
    done = subprocess.run(["ogrinfo", "-ro", "-al", "-so", str(path)], capture_output=True, text=True, check=True)
    assert done.stderr == "" and "Warning" not in done.stdout, done.stderr
    types = {}
    for line in done.stdout.splitlines():
        if ": " in line and "(" in line and not line.startswith(("Layer", "Geometry", "Extent", "Feature")):
            name, kind = line.split(": ", 1)
            types[name.strip()] = kind.split(" (")[0]
    return types


def test_a_geopackage_types_every_field_and_gdal_reads_it_without_a_warning(readings, tmp_path):
    path = download(tmp_path, "salinity-readings", "gpkg")
    assert gdal_types(path) == {
        "source_id": "String", "datetime": "DateTime", "name": "String", "pupils": "Integer64", "depth": "Real",
        "open": "Integer(Boolean)", "opened_on": "Date", "checked_at": "DateTime",
    }
    done = subprocess.run(["ogrinfo", "-ro", "-al", str(path)], capture_output=True, text=True, check=True)
    assert done.stderr == ""  # every value read, none "successfully parsed" from non-conformant text
    _meta, _fids, _geoms, fields = raw.read(path, datetime_as_string=True)
    names = list(_meta["fields"])
    column = lambda name: list(fields[names.index(name)])
    assert column("source_id") == ["st-01", "st-02"]
    assert [v[:19] for v in column("datetime")] == ["2022-03-01T02:00:00", "2022-03-02T00:30:00"]
    # A reading taken at 09:00 in Vietnam is 02:00 UTC: the moment is kept, written in UTC.
    assert [v[:19] for v in column("checked_at")] == ["2022-03-01T02:00:00", "2022-03-02T00:30:00"]
    assert list(column("open")) == [True, False]
    assert column("pupils")[0] == 3 and math.isnan(column("pupils")[1])  # null, read as NaN by pyogrio


def test_a_kml_carries_each_instant_as_a_timestamp(readings, tmp_path):
    kml = download(tmp_path, "salinity-readings", "kml").read_text(encoding="utf-8")
    assert kml.count("<TimeStamp>") == 2
    assert "<when>2022-03-01T02:00:00Z</when>" in kml and "<when>2022-03-02T00:30:00Z</when>" in kml


def test_a_kml_carries_each_interval_as_a_timespan(closures, tmp_path):
    kml = download(tmp_path, "road-closures", "kml").read_text(encoding="utf-8")
    span = kml[kml.index("<TimeSpan>"):kml.index("</TimeSpan>")]
    assert "<begin>2022-10-01T00:00:00Z</begin>" in span and "<end>2022-10-03T12:00:00Z</end>" in span


@pytest.mark.parametrize("fmt", ["gpkg", "csv", "shp.zip", "geojson"])
def test_every_format_keeps_both_ends_of_an_interval(fmt, closures, tmp_path):
    path = download(tmp_path, "road-closures", fmt)
    options = {"GEOM_POSSIBLE_NAMES": "WKT", "KEEP_GEOM_COLUMNS": "NO"} if fmt == "csv" else {}
    meta, _fids, _geoms, fields = raw.read(path, datetime_as_string=True, **options)
    row = {name: values[0] for name, values in zip(meta["fields"], fields)}
    start, end = ("start_time", "end_time") if fmt == "shp.zip" else ("start_datetime", "end_datetime")
    assert row[start].replace("/", "-").replace(" ", "T")[:19] == "2022-10-01T00:00:00"
    assert row[end].replace("/", "-").replace(" ", "T")[:19] == "2022-10-03T12:00:00"
    assert row["source_id"] == "rc-7"


def test_a_shapefile_types_booleans_dates_and_numbers_and_keeps_date_times_as_iso_text(readings, tmp_path):
    path = download(tmp_path, "salinity-readings", "shp.zip")
    dbf = path.with_suffix(".dbf").read_bytes()
    # The DBF header's field descriptors (32 bytes each from byte 32): name and type letter.
    descriptors = {dbf[i:i + 11].rstrip(b"\0").decode(): chr(dbf[i + 11]) for i in range(32, dbf.index(b"\r"), 32)}
    assert descriptors["open"] == "L" and descriptors["opened_on"] == "D"
    assert descriptors["pupils"] == "N" and descriptors["depth"] == "N"
    assert descriptors["datetime"] == "C" and descriptors["checked_at"] == "C"
    meta, _f, _g, fields = raw.read(path)
    row = {name: values[0] for name, values in zip(meta["fields"], fields)}
    assert row["datetime"].startswith("2022-03-01T02:00:00") and row["source_id"] == "st-01"


def test_a_csv_writes_times_as_rfc3339_text_and_numbers_as_numbers(readings, tmp_path):
    text = download(tmp_path, "salinity-readings", "csv").read_text(encoding="utf-8")
    rows = list(csv.DictReader(io.StringIO(text)))
    assert rows[0]["source_id"] == "st-01" and rows[0]["datetime"].startswith("2022-03-01T02:00:00")
    assert rows[0]["open"] == "true" and rows[0]["opened_on"] == "2020-01-15" and rows[0]["pupils"] == "3"
    assert rows[1]["pupils"] == ""


def test_the_api_features_expose_the_source_id_that_every_export_carries(readings, tmp_path):
    api = client_for(None).get("/api/layers/salinity-readings/features/", {"properties": "name"}).json()
    api_ids = {f["properties"]["source_id"]: f["properties"]["name"] for f in api["features"]}
    exported = json.loads(download(tmp_path, "salinity-readings", "geojson").read_text(encoding="utf-8"))
    assert {f["id"]: f["properties"]["name"] for f in exported["features"]} == api_ids
    assert {f["properties"]["source_id"] for f in exported["features"]} == set(api_ids)
    assert exported["features"][0]["properties"]["datetime"].startswith("2022-03-01T02:00:00")
    one = client_for(None).get(f"/api/layers/salinity-readings/features/{api['features'][0]['id']}/").json()
    assert one["properties"]["source_id"] == "st-01"
    rows = list(csv.DictReader(io.StringIO(download(tmp_path, "salinity-readings", "csv").read_text("utf-8"))))
    assert {r["source_id"]: r["name"] for r in rows} == api_ids


def test_gdal_names_the_layer_it_reads_from_the_features_api(readings, tmp_path):
    page = client_for(None).get("/api/layers/salinity-readings/features/")
    assert page.json()["name"] == "salinity-readings"
    path = tmp_path / "page.geojson"
    path.write_bytes(page.content)
    assert pyogrio.list_layers(path)[0][0] == "salinity-readings"
