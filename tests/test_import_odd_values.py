"""Files GDAL can read are loaded, or refused with a reason, never "failed on our side": odd
geometries (mixed, empty, null, 3D, measured) and odd values (reserved words, NUL characters, names
differing only in case, huge strings, NaN and infinities, dates out of range, integers past 64 bits)."""

import json
import subprocess

import pytest

from layers.models import Feature, Layer
from tests.import_files import import_now

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("import_dir")]


def loaded(job) -> dict:
    assert job.status == "succeeded", job.report
    assert all(e["code"] != "internal_error" for e in job.report["errors"])
    return {f.source_id: f for f in Feature.objects.filter(layer__slug=job.layer_slug)}


def geojson(tmp_path, text: str, name: str = "odd.geojson"):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def feature(fid: str, geometry: str = '{"type":"Point","coordinates":[106.4,10.5]}', properties: str = "{}") -> str:
    return f'{{"type":"Feature","id":"{fid}","geometry":{geometry},"properties":{properties}}}'


def collection(*features: str) -> str:
    return '{"type":"FeatureCollection","features":[' + ",".join(features) + "]}"


def test_mixed_empty_and_null_geometries_load_what_can_be_loaded(tmp_path):
    text = collection(
        feature("1", properties='{"id":"p"}'),
        feature("2", '{"type":"LineString","coordinates":[[106.4,10.5],[106.5,10.6]]}', '{"id":"l"}'),
        feature("3", '{"type":"Polygon","coordinates":[[[106.4,10.5],[106.5,10.5],[106.5,10.6],[106.4,10.5]]]}',
                '{"id":"a"}'),
        feature("4", "null", '{"id":"n"}'),
        feature("5", '{"type":"Point","coordinates":[]}', '{"id":"e"}'),
        feature("6", '{"type":"GeometryCollection","geometries":[{"type":"Point","coordinates":[106.4,10.5]}]}',
                '{"id":"g"}'),
    )
    job = import_now(geojson(tmp_path, text), layer="mixed")
    features = loaded(job)
    assert {"p", "l", "a"} <= set(features)
    assert {r["code"] for r in job.report["rows"]} <= {"missing_geometry", "empty_geometry"}
    assert Layer.objects.get(slug="mixed").geometry_type == "Geometry"


def test_3d_coordinates_are_dropped_to_2d(tmp_path):
    text = collection(feature("1", '{"type":"Point","coordinates":[106.4,10.5,12.5]}', '{"id":"z"}'))
    job = import_now(geojson(tmp_path, text), layer="heights")
    assert loaded(job)["z"].geom.coords == (106.4, 10.5)
    assert any(w["code"] == "z_dropped" for w in job.report["warnings"])


def test_measured_and_3d_geopackage_geometries_are_dropped_to_2d(tmp_path):
    csv = tmp_path / "zm.csv"
    csv.write_text('id,WKT\nm,"POINT M (106.4 10.5 7)"\nzm,"POINT ZM (106.5 10.6 1 2)"\n')
    target = tmp_path / "zm.gpkg"
    subprocess.run(["ogr2ogr", "-f", "GPKG", str(target), str(csv), "-nln", "zm", "-a_srs", "EPSG:4326",
                    "-oo", "GEOM_POSSIBLE_NAMES=WKT", "-oo", "KEEP_GEOM_COLUMNS=NO", "-nlt", "POINTZM"],
                   check=True, capture_output=True)
    features = loaded(import_now(target, layer="measured", id_field="id"))
    assert features["m"].geom.coords == (106.4, 10.5) and features["zm"].geom.coords == (106.5, 10.6)


def test_reserved_words_and_names_differing_in_case_are_kept_apart(tmp_path):
    props = '{"id":"r","select":"s","from":1,"mvt_geom":"g","mvt_id":"i","Name":"upper","name":"lower","NAME":"all"}'
    job = import_now(geojson(tmp_path, collection(feature("1", properties=props))), layer="reserved")
    props = loaded(job)["r"].properties
    assert props["select"] == "s" and props["from"] == 1 and props["mvt_geom"] == "g"
    assert {props.get("Name"), props.get("name"), props.get("NAME")} <= {"upper", "lower", "all", None}
    from django.test import Client
    from layers.models import Access
    Layer.objects.filter(slug="reserved").update(access=Access.PUBLIC)
    assert Client().get("/tiles/reserved/0/0/0.pbf").status_code in (200, 204)


def test_nul_characters_in_names_and_values_are_dropped(tmp_path):
    props = '{"id":"nul","te\\u0000n":"a\\u0000b","meta":{"k\\u0000":"v\\u0000"},"list":["x\\u0000y"]}'
    job = import_now(geojson(tmp_path, collection(feature("1", properties=props))), layer="nul")
    text = json.dumps(loaded(job)["nul"].properties)
    assert "\\u0000" not in text and "\x00" not in text


def test_a_huge_string_is_kept(tmp_path):
    big = "Long An " * 250_000  # 2 MB
    props = json.dumps({"id": "big", "note": big})
    job = import_now(geojson(tmp_path, collection(feature("1", properties=props))), layer="huge")
    assert loaded(job)["big"].properties["note"] == big


def test_nan_and_infinities_become_null(tmp_path):
    props = '{"id":"n","a":NaN,"b":Infinity,"c":-Infinity,"d":1.5,"e":[1,NaN]}'
    job = import_now(geojson(tmp_path, collection(feature("1", properties=props), feature(
        "2", properties='{"id":"m","a":2.5,"b":1,"c":1,"d":2,"e":[2]}'))), layer="nan")
    props = loaded(job)["n"].properties
    assert props["a"] is None and props["b"] is None and props["c"] is None and props["d"] == 1.5


def refused_with_a_reason(job, code: str = "unreadable_because") -> str:
    assert job.status == "failed"
    error = job.report["errors"][-1]
    assert error["code"] == code and error["vi"] and error["en"]
    return error["en"]


def test_integers_past_64_bits_are_kept_as_numbers(tmp_path):
    props = '{"id":"i","big":123456789012345678901234567890,"small":-99999999999999999999999}'
    job = import_now(geojson(tmp_path, collection(feature("1", properties=props))), layer="bigints")
    props = loaded(job)["i"].properties
    assert props["big"] == pytest.approx(1.2345678901234568e29)
    assert props["small"] == pytest.approx(-1e23)


def test_a_number_past_a_double_is_refused_with_what_gdal_says(tmp_path):
    props = '{"id":"i","huge":1e400}'
    job = import_now(geojson(tmp_path, collection(feature("1", properties=props))), layer="too-big-number")
    assert "1e400" in refused_with_a_reason(job)


def test_dates_out_of_range_do_not_fail_the_import(tmp_path):
    csv = tmp_path / "dates.csv"
    csv.write_text("id,opened,WKT\na,0001-01-01,POINT(106.4 10.5)\nb,9999-12-31,POINT(106.5 10.6)\n"
                   "c,2020-13-45,POINT(106.6 10.7)\nd,,POINT(106.7 10.8)\n")
    (tmp_path / "dates.csvt").write_text('"String","Date","String"\n')
    target = tmp_path / "dates.gpkg"
    subprocess.run(["ogr2ogr", "-f", "GPKG", str(target), str(csv), "-nln", "dates", "-a_srs", "EPSG:4326",
                    "-oo", "GEOM_POSSIBLE_NAMES=WKT", "-oo", "KEEP_GEOM_COLUMNS=NO"], check=True, capture_output=True)
    features = loaded(import_now(target, layer="dates", id_field="id"))
    assert features["a"].properties["opened"] == "0001-01-01"
    assert features["b"].properties["opened"] == "9999-12-31"
    assert features["d"].properties["opened"] is None


def test_odd_dates_in_geojson_are_kept_as_text(tmp_path):
    props = '{"id":"d","later":"99999-12-31T23:59:60Z","at":"2020-02-30T25:00:00"}'
    job = import_now(geojson(tmp_path, collection(feature("1", properties=props))), layer="odd-dates")
    assert loaded(job)["d"].properties == {"id": "d", "later": "99999-12-31T23:59:60Z", "at": "2020-02-30T25:00:00"}


def test_dates_python_cannot_hold_are_kept_as_text(tmp_path):
    text = collection(feature("1", properties='{"id":"a","when":"2021-03-04"}'),
                      feature("2", properties='{"id":"b","when":"0000-01-01"}'),
                      feature("3", properties='{"id":"c","when":"2020-02-30"}'))
    features = loaded(import_now(geojson(tmp_path, text), layer="year-zero"))
    assert [features[k].properties["when"] for k in "abc"] == ["2021-03-04", "0000-01-01", "2020-02-30"]


def test_empty_quoted_and_long_property_names_are_kept_in_the_properties(tmp_path):
    long_name = "tên_" * 100
    props = json.dumps({"id": "k", "": "empty", 'a"b\\c': "quoted", long_name: "long", "mixed": 1})
    other = json.dumps({"id": "m", "mixed": "một"})
    text = collection(feature("1", properties=props), feature("2", properties=other))
    job = import_now(geojson(tmp_path, text), layer="names")
    features = loaded(job)
    assert features["k"].properties[long_name] == "long" and features["k"].properties['a"b\\c'] == "quoted"
    assert {features["k"].properties["mixed"], features["m"].properties["mixed"]} <= {1, "1", "một"}
