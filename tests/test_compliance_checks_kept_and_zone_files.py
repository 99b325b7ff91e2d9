"""A planner's proposed zone uploaded as a consultant delivers it (a zipped VN-2000 shapefile, a
GeoPackage, a KML) and read through the import readers; a compliance check kept by id, read again by
its author only, and printed by id — with the verdict on record and what changed since."""

import io
from pathlib import Path

import numpy as np
import pytest
import shapely
from pyogrio import raw
from shapely.geometry import box, shape

from django.contrib.auth.models import User

from analysis.models import ComplianceCheck
from layers.models import Layer
from tests.conftest import client_for
from tests.import_files import wgs84_to_tm3, zip_bytes
from tests.province import HOMES, RICE
from tests.test_plan_compliance import check, fired, long_an_rules  # noqa: F401  (fixture)
from tests.test_zone_report import pdf_text
from tests.test_zone_summaries import hectares, polygon

pytestmark = pytest.mark.django_db
ZONE_FILE = "/api/analysis/zone-file/"
COMPLIANCE = "/api/analysis/compliance/"
WEST_RICE = (RICE[0], RICE[1], (RICE[0] + RICE[2]) / 2, RICE[3])


def write_polygons(path: Path, polygons: list, *, driver: str, crs: str | None, layer: str | None = None) -> Path:
    raw.write(str(path), shapely.to_wkb(polygons), [np.array([f"P{i}" for i in range(len(polygons))], dtype=object)],
              ["ten"], driver=driver, geometry_type="Polygon", crs=crs, layer=layer)
    return path


def tm3_box(bounds) -> shapely.Polygon:
    """A lon/lat box as a polygon in VN-2000 / TM-3 Long An (EPSG:9210), densified so it stays the box."""
    ring = shapely.segmentize(box(*bounds), 0.001).exterior.coords
    return shapely.Polygon([wgs84_to_tm3(lon, lat) for lon, lat in ring])


def shapefile_zip(tmp_path: Path, polygons: list, *, crs: str | None = "EPSG:9210") -> bytes:
    parts = tmp_path / "parts"
    parts.mkdir()
    write_polygons(parts / "du_an.shp", polygons, driver="ESRI Shapefile", crs=crs)
    return zip_bytes([(f"du_an/{p.name}", p.read_bytes()) for p in sorted(parts.iterdir())])


def upload(user, name: str, data: bytes, *, language: str = "vi", **form):
    return client_for(user).post(ZONE_FILE, {"file": _named(name, data), **form}, format="multipart",
                                 HTTP_ACCEPT_LANGUAGE=language)


def _named(name: str, data: bytes) -> io.BytesIO:
    handle = io.BytesIO(data)
    handle.name = name
    return handle


def test_a_vn2000_shapefile_of_two_touching_parcels_is_one_zone_in_wgs84(planner, tmp_path):
    west, east = (WEST_RICE[0], WEST_RICE[1], WEST_RICE[2], WEST_RICE[3]), (WEST_RICE[2], WEST_RICE[1], RICE[2], RICE[3])
    response = upload(planner, "du_an.zip", shapefile_zip(tmp_path, [tm3_box(west), tm3_box(east)]))
    assert response.status_code == 200, response.content
    body = response.json()
    zone = shape(body["geometry"])
    assert body["properties"] == {"name": "du_an", "features": 2, "crs": body["properties"]["crs"]}
    assert "9210" in body["properties"]["crs"]
    # The union of the two parcels is the rice box, back in lon/lat within a few metres (EPSG:6960).
    assert zone.geom_type == "Polygon" and zone.symmetric_difference(box(*RICE)).area < 1e-3 * box(*RICE).area
    assert zone.bounds == pytest.approx(RICE, abs=1e-4)


def test_a_geopackage_and_a_kml_read_alike(planner, tmp_path):
    gpkg = write_polygons(tmp_path / "zone.gpkg", [box(*HOMES)], driver="GPKG", crs="EPSG:4326", layer="vung")
    kml = write_polygons(tmp_path / "zone.kml", [box(*HOMES)], driver="KML", crs="EPSG:4326")
    for path in (gpkg, kml):
        response = upload(planner, path.name, path.read_bytes())
        assert response.status_code == 200, (path.name, response.content)
        assert shape(response.json()["geometry"]).bounds == pytest.approx(HOMES, abs=1e-6)


def test_the_uploaded_zone_is_checked_like_a_drawn_one(long_an_rules, planner, land_use, province_schools, tmp_path):
    answer = upload(planner, "du_an.zip", shapefile_zip(tmp_path, [tm3_box(WEST_RICE)])).json()
    response = client_for(planner).post(COMPLIANCE, {"use": "industrial", "geometry": answer["geometry"]}, format="json")
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["verdict"] == "conflicts" and "cong-nghiep-tren-dat-lua" in fired(body)
    assert fired(body)["cong-nghiep-tren-dat-lua"]["area_ha"] == pytest.approx(hectares(WEST_RICE), rel=5e-3)


@pytest.mark.parametrize("name, data, words", [
    ("notes.docx", b"PK\x03\x04 not really", "cannot be imported"),
    ("empty.geojson", b"", "empty"),
    ("points.zip", None, "no polygon"),
    ("no_prj.zip", "no-prj", "coordinate system"),
    ("apart.zip", "apart", "2 separate areas"),
    ("bomb.zip", "bomb", "zip bomb"),
    ("broken.gpkg", b"SQLite format 3\x00garbage", "could not be read"),
    ("traversal.zip", "traversal", "outside the archive"),
], ids=["word-file", "empty", "points-only", "no-prj", "two-areas", "zip-bomb", "broken-gpkg", "path-traversal"])
def test_a_bad_zone_file_gets_the_one_error_shape_with_words_a_planner_can_act_on(planner, tmp_path, name, data, words):
    if data is None:
        from tests.import_files import write_shapefile_zip

        data = write_shapefile_zip(tmp_path, encoding="utf-8", cpg="UTF-8").read_bytes()
    elif data == "no-prj":
        data = shapefile_zip(tmp_path, [tm3_box(HOMES)], crs=None)
    elif data == "apart":
        data = shapefile_zip(tmp_path, [tm3_box(HOMES), tm3_box(WEST_RICE)])
    elif data == "bomb":
        data = zip_bytes([("du_an/du_an.geojson", b" " * 50_000_000)])
    elif data == "traversal":
        data = zip_bytes([("../../etc/du_an.geojson", b"{}")])
    response = upload(planner, name, data, language="en")
    assert response.status_code == 400, response.content
    body = response.json()
    assert body["code"] == "invalid_geometry" and words in body["detail"], body
    assert "Traceback" not in body["detail"] and str(tmp_path) not in body["detail"]


def test_a_shapefile_without_prj_reads_with_the_crs_named(planner, tmp_path):
    response = upload(planner, "du_an.zip", shapefile_zip(tmp_path, [tm3_box(HOMES)], crs=None), crs="EPSG:9210")
    assert response.status_code == 200, response.content
    assert shape(response.json()["geometry"]).bounds == pytest.approx(HOMES, abs=1e-4)


def test_a_zone_file_message_is_in_vietnamese_by_default(planner, tmp_path):
    response = upload(planner, "du_an.zip", shapefile_zip(tmp_path, [tm3_box(HOMES), tm3_box(WEST_RICE)]))
    assert response.status_code == 400 and "vùng rời nhau" in response.json()["detail"]


def test_a_signed_in_planners_check_is_kept_and_only_they_read_it_again(long_an_rules, planner, outsider, land_use,
                                                                       province_schools):
    body = check(planner, "industrial", WEST_RICE)
    assert isinstance(body["id"], int) and body["verdict"] == "conflicts"
    kept = ComplianceCheck.objects.get(pk=body["id"])
    assert kept.author == planner and kept.use == "industrial" and kept.verdict == "conflicts"
    again = client_for(planner).get(f"{COMPLIANCE}{body['id']}/", HTTP_ACCEPT_LANGUAGE="en")
    assert again.status_code == 200
    read = again.json()
    assert read["verdict"] == "conflicts" and read["versions"] == body["versions"]
    assert {f["rule"]["code"] for f in read["findings"] if f["fired"]} == set(fired(body))
    assert read["findings"][0]["rule"]["title"].isascii()  # English titles when asked in English
    assert shape(read["geometry"]).bounds == pytest.approx(WEST_RICE, abs=1e-6)
    for stranger in (outsider, None):
        response = client_for(stranger).get(f"{COMPLIANCE}{body['id']}/")
        assert response.status_code == 404 and response.json()["code"] == "not_found"
    assert client_for(planner).get(f"{COMPLIANCE}999999/").status_code == 404
    assert client_for(planner).get(f"{COMPLIANCE}abc/").status_code == 404


def test_an_anonymous_check_is_answered_and_not_kept(long_an_rules, land_use):
    before = ComplianceCheck.objects.count()
    response = client_for(None).post(COMPLIANCE, {"use": "residential", "geometry": polygon(*HOMES)}, format="json")
    assert response.status_code == 200 and response.json()["id"] is None
    assert ComplianceCheck.objects.count() == before


def test_a_kept_check_no_longer_names_a_layer_its_author_may_not_see_now(health_officer, dengue):
    from analysis.models import ComplianceRule

    ComplianceRule.objects.create(code="xa-o-dich", title_vi="Gần ổ dịch SXH-XYZ", title_en="Near dengue", uses=[],
                                  kind="distance", layer="dengue", distance_m=1000, severity="conflict")
    around_the_case = (106.40, 10.53, 106.42, 10.55)
    body = check(health_officer, "residential", around_the_case)
    assert body["verdict"] == "conflicts"
    health_officer.groups.clear()  # moved out of the health department
    read = client_for(User.objects.get(pk=health_officer.pk)).get(f"{COMPLIANCE}{body['id']}/").json()
    assert read["verdict"] == "compatible" and "SXH-XYZ" not in str(read) and "dengue" not in str(read)


def test_a_report_printed_by_check_id_says_it_is_that_check_and_what_changed(long_an_rules, planner, land_use,
                                                                            province_schools):
    body = check(planner, "industrial", WEST_RICE)
    response = client_for(planner).post("/api/analysis/report.pdf", {"check": body["id"], "lang": "en"}, format="json")
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    text = " ".join(pdf_text(response.content).split())
    assert f"Compliance check #{body['id']}" in text and "Conflicts" in text
    assert "has not changed since" in text
    Layer.objects.filter(slug="land-use-plan").update(version=Layer.objects.get(slug="land-use-plan").version + 1)
    html = client_for(planner).post("/api/analysis/report.html", {"check": body["id"], "lang": "en"}, format="json")
    assert html.status_code == 200
    assert "Data changed since that check: land-use-plan" in html.content.decode()
    # Somebody else's check id is not theirs to print, and is not named.
    other = client_for(None).post("/api/analysis/report.pdf", {"check": body["id"]}, format="json")
    assert other.status_code == 404 and other.json()["code"] == "not_found"

