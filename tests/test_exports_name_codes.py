"""Names, not codes, in downloads too (issue #19, point 7): every coded property of an export (its
schema's `choices`) is followed by its names in Vietnamese and English, in every tabular format,
while the code column stays for joins; a code without a name leaves the name empty."""

import csv
import io

import pytest
from pyogrio import raw

from tests.conftest import add_features, make_layer
from tests.test_exports_lose_nothing import download

pytestmark = pytest.mark.django_db

DISTRICTS = [
    {"value": "803", "label_vi": "Huyện Bến Lức", "label_en": "Ben Luc district"},
    {"value": "794", "label_vi": "Thành phố Tân An", "label_en": "Tan An city"},
]
SCHEMA = [
    {"name": "name", "type": "string", "label_vi": "Tên", "label_en": "Name"},
    {"name": "district_code", "type": "string", "label_vi": "Huyện", "label_en": "District", "choices": DISTRICTS},
    {"name": "level", "type": "integer", "label_vi": "Tuyến", "label_en": "Level",
     "choices": [{"value": 1, "label_vi": "Tuyến tỉnh", "label_en": "Provincial"}]},
]


@pytest.fixture(autouse=True)
def dirs(import_dir, settings, tmp_path):
    settings.LAYERS_EXPORT_DIR = tmp_path / "exports"


@pytest.fixture
def clinics(db):
    layer = make_layer("clinics", property_schema=SCHEMA, domain="health")
    return add_features(layer, [
        ("c-1", "POINT(106.40 10.55)", {"name": "Trạm y tế Bến Lức", "district_code": "803", "level": 1}),
        ("c-2", "POINT(106.41 10.54)", {"name": "Trạm y tế Tân An", "district_code": "794", "level": 2}),
        ("c-3", "POINT(106.42 10.53)", {"name": "Trạm không mã", "district_code": None, "level": None}),
    ])


def test_a_csv_names_each_code_after_its_column_in_both_languages(clinics, tmp_path):
    text = download(tmp_path, "clinics", "csv").read_text(encoding="utf-8")
    reader = csv.DictReader(io.StringIO(text))
    header = reader.fieldnames
    at = header.index("district_code")
    assert header[at + 1:at + 3] == ["district_code_label_vi", "district_code_label_en"]
    rows = {row["source_id"]: row for row in reader}
    assert rows["c-1"]["district_code"] == "803"  # the code stays for joins
    assert (rows["c-1"]["district_code_label_vi"], rows["c-1"]["district_code_label_en"]) == ("Huyện Bến Lức", "Ben Luc district")
    assert rows["c-2"]["district_code_label_en"] == "Tan An city"
    # An integer code is named too; a code the schema does not name, and a missing value, stay empty.
    assert rows["c-1"]["level_label_vi"] == "Tuyến tỉnh" and rows["c-2"]["level_label_vi"] == ""
    assert rows["c-3"]["district_code_label_vi"] == ""
    assert "name_label_vi" not in header  # only coded properties get names


@pytest.mark.parametrize("fmt", ["gpkg", "shp.zip", "kml"])
def test_the_gis_formats_carry_the_names_too(fmt, clinics, tmp_path):
    _meta, _fids, _geoms, fields = raw.read(download(tmp_path, "clinics", fmt))
    columns = [list(values) for values in fields]
    assert ["Huyện Bến Lức", "Thành phố Tân An", None] in [[v or None for v in c] for c in columns]
    assert ["Ben Luc district", "Tan An city", None] in [[v or None for v in c] for c in columns]
    assert "Tuyến tỉnh" in [v for c in columns for v in c]


def test_a_property_already_named_like_a_name_column_is_kept(db, tmp_path):
    schema = [SCHEMA[1], {"name": "district_code_label_vi", "type": "string", "label_vi": "Ghi chú", "label_en": "Note"}]
    layer = make_layer("clinics-noted", property_schema=schema, domain="health")
    add_features(layer, [("c-1", "POINT(106.40 10.55)", {"district_code": "803", "district_code_label_vi": "ghi chú"})])
    rows = list(csv.DictReader(io.StringIO(download(tmp_path, "clinics-noted", "csv").read_text(encoding="utf-8"))))
    assert rows[0]["district_code_label_vi"] == "Huyện Bến Lức"
    assert rows[0]["district_code_label_vi_"] == "ghi chú"
