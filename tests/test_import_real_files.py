"""Real files import whole: list and object properties are kept as JSON, curved geometries are
linearised by GDAL, and a coordinate a rounding error past 180° is kept."""

import json
import subprocess

import pyogrio
import pytest
import shapely

from layers.models import Feature, Layer
from tests.conftest import SHARED_DATA, client_for
from tests.import_files import import_now, point_feature, write_geojson

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("import_dir")]


def properties_of(slug: str) -> dict[str, dict]:
    return {f.source_id: f.properties for f in Feature.objects.filter(layer__slug=slug)}


def schema_types(slug: str) -> dict[str, str]:
    return {p["name"]: p["type"] for p in Layer.objects.get(slug=slug).property_schema}


def test_it_keeps_a_bbox_array_and_a_nested_object_as_json(tmp_path):
    features = [
        point_feature("a", 106.41, 10.54, name="Tân An", bbox=[106.3, 10.5, 106.5, 10.6],
                      meta={"source": "gso", "codes": [80, 794], "note": None}, tags=["x", "y"]),
        point_feature("b", 106.45, 10.69, name="Bến Lức", bbox=None, meta={"source": "gis"}, tags=[]),
    ]
    job = import_now(write_geojson(tmp_path, features), layer="json-props")
    assert job.status == "succeeded", job.report
    props = properties_of("json-props")
    assert props["a"]["bbox"] == [106.3, 10.5, 106.5, 10.6]
    assert props["a"]["meta"] == {"source": "gso", "codes": [80, 794], "note": None}
    assert props["a"]["tags"] == ["x", "y"]
    assert props["b"]["bbox"] is None and props["b"]["tags"] == []
    assert schema_types("json-props") == {"id": "string", "name": "string", "bbox": "json", "meta": "json",
                                          "tags": "json"}


def test_the_geojson_api_gives_json_properties_back_as_json(tmp_path, official):
    features = [point_feature("a", 106.41, 10.54, bbox=[106.3, 10.5, 106.5, 10.6], meta={"k": [1, 2]})]
    assert import_now(write_geojson(tmp_path, features), layer="json-api").status == "succeeded"
    response = client_for(official).get("/api/layers/json-api/features/")
    assert response.status_code == 200
    props = json.loads(response.content)["features"][0]["properties"]
    assert props["bbox"] == [106.3, 10.5, 106.5, 10.6] and props["meta"] == {"k": [1, 2]}


def test_the_province_boundaries_from_the_shared_data_import_whole(tmp_path):
    source = SHARED_DATA / "longan_admin.geojson"
    if not source.exists():
        pytest.skip("the shared data directory is not there")
    job = import_now(source, layer="longan-admin", id_field="code")
    assert job.status == "succeeded", job.report
    assert job.report["counts"]["loaded"] == 16 and job.report["counts"]["rejected"] == 0
    province = properties_of("longan-admin")["80"]
    assert province["name"] == "Tỉnh Long An"
    assert province["bbox"] == pytest.approx([105.499035248, 10.3956199950001, 106.748713866, 11.0318708770001])
    assert schema_types("longan-admin")["bbox"] == "json"


def test_a_nan_inside_a_json_value_becomes_null_and_nul_characters_are_dropped(tmp_path):
    path = tmp_path / "odd.geojson"
    path.write_text(
        '{"type":"FeatureCollection","features":[{"type":"Feature","geometry":{"type":"Point","coordinates":[106.4,10.5]},'
        '"properties":{"id":"a","meta":{"x":NaN,"s":"a\\u0000b"},"name":"c\\u0000d"}}]}'
    )
    job = import_now(path, layer="odd-json")
    assert job.status in ("succeeded", "failed"), job.report
    if job.status == "failed":  # GDAL itself may refuse the NaN: then with a reason, not "on our side"
        assert job.report["errors"][-1]["code"] != "internal_error"
        return
    props = properties_of("odd-json")["a"]
    assert "\x00" not in json.dumps(props)


def write_curved_gpkg(tmp_path, rows: list[tuple[str, str]], geometry_type: str, **extra_columns) -> object:
    """A GeoPackage of curved geometries written by GDAL itself (ogr2ogr) from WKT."""
    csv = tmp_path / "curves.csv"
    header = ["id", "WKT", *extra_columns]
    lines = [",".join(header)]
    for i, (sid, wkt) in enumerate(rows):
        lines.append(",".join([sid, f'"{wkt}"', *[str(v[i]) for v in extra_columns.values()]]))
    csv.write_text("\n".join(lines) + "\n")
    # Extra columns are dates: a file the NumPy reader reads (the Arrow one takes text and numbers).
    (tmp_path / "curves.csvt").write_text(",".join(['"String"', '"WKT"', *['"Date"'] * len(extra_columns)]))
    target = tmp_path / "curves.gpkg"
    subprocess.run(["ogr2ogr", "-f", "GPKG", str(target), str(csv), "-nln", "curves", "-a_srs", "EPSG:4326",
                    "-oo", "GEOM_POSSIBLE_NAMES=WKT", "-oo", "KEEP_GEOM_COLUMNS=NO", "-nlt", geometry_type],
                   check=True, capture_output=True)
    return target


CURVED_SURFACES = [
    ("circle", "CURVEPOLYGON(CIRCULARSTRING(106.40 10.50,106.42 10.50,106.40 10.50))"),
    ("lens", "MULTISURFACE(CURVEPOLYGON(COMPOUNDCURVE(CIRCULARSTRING(106.40 10.60,106.41 10.61,106.42 10.60),"
             "(106.42 10.60,106.40 10.60))))"),
    ("square", "POLYGON((106.5 10.5,106.51 10.5,106.51 10.51,106.5 10.51,106.5 10.5))"),
]
CURVED_LINES = [
    ("arc", "CIRCULARSTRING(106.40 10.50,106.41 10.51,106.42 10.50)"),
    ("road", "COMPOUNDCURVE(CIRCULARSTRING(106.40 10.50,106.41 10.51,106.42 10.50),(106.42 10.50,106.45 10.50))"),
    ("straight", "LINESTRING(106.5 10.5,106.6 10.6)"),
]


@pytest.mark.parametrize("extra", [{}, {"opened": ["2020-01-01"] * 3}], ids=["arrow-reader", "numpy-reader"])
def test_curved_surfaces_are_linearised_with_a_warning(tmp_path, extra):
    path = write_curved_gpkg(tmp_path, CURVED_SURFACES, "MULTISURFACE", **extra)
    assert ("datetime64[D]" in pyogrio.read_info(path)["dtypes"]) == bool(extra)
    job = import_now(path, layer="curved-surfaces", id_field="id")
    assert job.status == "succeeded", job.report
    assert job.report["counts"]["loaded"] == 3
    geoms = {f.source_id: shapely.from_wkt(f.geom.wkt) for f in Feature.objects.filter(layer__slug="curved-surfaces")}
    # The circle of diameter 0.02° through (106.40, 10.50) and (106.42, 10.50), as many straight segments.
    circle = geoms["circle"]
    assert circle.geom_type == "MultiPolygon" and len(circle.exterior.coords if circle.geom_type == "Polygon"
                                                           else circle.geoms[0].exterior.coords) > 20
    assert circle.area == pytest.approx(3.14159 * 0.01 ** 2, rel=0.01)
    assert circle.centroid.x == pytest.approx(106.41, abs=1e-6)
    assert geoms["lens"].bounds[3] == pytest.approx(10.61, abs=2e-5)  # within one segment's sag
    warnings = {w["code"]: w for w in job.report["warnings"]}
    # ogr2ogr stored the square as a MultiSurface too: three geometries of a curved type.
    assert warnings["curves_linearised"]["en"].startswith("3 ")
    assert warnings["curves_linearised"]["vi"].startswith("3 ")


def test_curved_lines_are_linearised(tmp_path):
    job = import_now(write_curved_gpkg(tmp_path, CURVED_LINES, "COMPOUNDCURVE"), layer="curved-lines", id_field="id")
    assert job.status == "succeeded", job.report
    geoms = {f.source_id: shapely.from_wkt(f.geom.wkt) for f in Feature.objects.filter(layer__slug="curved-lines")}
    assert geoms["arc"].geom_type == "LineString" and len(geoms["arc"].coords) > 5
    assert max(y for _x, y in geoms["arc"].coords) == pytest.approx(10.51, abs=2e-5)
    assert geoms["road"].coords[-1] == pytest.approx((106.45, 10.50))
    assert list(geoms["straight"].coords) == [(106.5, 10.5), (106.6, 10.6)]
    assert any(w["code"] == "curves_linearised" for w in job.report["warnings"])


def russia_like(east: float) -> dict:
    ring = [[170.0, 60.0], [east, 60.0], [east, 65.0], [170.0, 65.0], [170.0, 60.0]]
    return {"type": "Feature", "properties": {"id": "ru"}, "geometry": {"type": "Polygon", "coordinates": [ring]}}


def test_a_ring_a_rounding_error_past_180_is_kept_on_180(tmp_path):
    job = import_now(write_geojson(tmp_path, [russia_like(180.00000000000006)]), layer="countries")
    assert job.status == "succeeded", job.report
    assert job.report["counts"]["rejected"] == 0
    geom = Feature.objects.get(layer__slug="countries").geom
    assert geom.extent[2] == 180.0


def test_a_ring_clearly_past_180_is_still_refused_with_its_row(tmp_path):
    features = [point_feature("ok", 106.4, 10.5), russia_like(180.001)]
    job = import_now(write_geojson(tmp_path, features), layer="too-far")
    assert job.status == "succeeded", job.report
    assert job.report["counts"]["rejected"] == 1
    assert [(r["row"], r["code"]) for r in job.report["rows"]] == [(2, "out_of_range")]


def test_a_tile_carries_a_json_property_as_its_json_text(tmp_path):
    import mapbox_vector_tile
    from django.test import Client

    from layers.models import Access
    from tiles.grid import tiles_covering

    features = [point_feature("a", 106.41, 10.54, name="Tân An", bbox=[106.3, 10.5, 106.5, 10.6])]
    assert import_now(write_geojson(tmp_path, features), layer="json-tiles").status == "succeeded"
    Layer.objects.filter(slug="json-tiles").update(access=Access.PUBLIC)
    tile = tiles_covering((106.41, 10.54, 106.41, 10.54), 12)[0]
    response = Client().get(f"/tiles/json-tiles/{tile}.pbf")
    assert response.status_code == 200
    props = mapbox_vector_tile.decode(response.content)["json-tiles"]["features"][0]["properties"]
    assert json.loads(props["bbox"]) == [106.3, 10.5, 106.5, 10.6]


def test_a_curve_inside_a_collection_is_linearised_or_refused_alone(tmp_path):
    rows = [("nested", "GEOMETRYCOLLECTION(CIRCULARSTRING(106.40 10.50,106.41 10.51,106.42 10.50))"),
            ("plain", "POINT(106.5 10.5)")]
    job = import_now(write_curved_gpkg(tmp_path, rows, "GEOMETRYCOLLECTION"), layer="nested-curve", id_field="id")
    assert job.status == "succeeded", job.report
    assert "plain" in properties_of("nested-curve")
    assert {r["code"] for r in job.report["rows"]} <= {"unsupported_geometry"}
