"""Every layer is drawn: a steward's import gets the default style of its geometry type in a colour of
its own, a style that cannot draw the geometry is corrected, and the steward edits the style through
the API (previewed without saving, saved with a version bump) under the one write rule."""

import json

import pytest
from django.test import Client

from layers.models import Layer
from layers.styles import ALARM_COLORS, PALETTE, effective_style
from tests.conftest import add_features, client_for, make_layer
from tests.departments import make_department
from tests.import_files import import_now, write_geojson

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("import_dir")]

LINE = {"type": "LineString", "coordinates": [[106.40, 10.53], [106.45, 10.56]]}
SQUARE = {"type": "Polygon", "coordinates": [[[106.40, 10.53], [106.41, 10.53], [106.41, 10.54], [106.40, 10.54],
                                              [106.40, 10.53]]]}


def feature(fid: str, geometry: dict, **props) -> dict:
    return {"type": "Feature", "id": fid, "geometry": geometry, "properties": props}


def imported(tmp_path, steward, slug: str, geometry: dict) -> Layer:
    path = write_geojson(tmp_path, [feature("a", geometry, ten="Một", so=3)], name=f"{slug}.geojson")
    job = import_now(path, user=steward, layer=slug, title=f"Lớp {slug}", domain="environment", department="environment")
    assert job.status == "succeeded", job.report
    return Layer.objects.get(slug=slug)


def signed_in(user) -> Client:
    # The tiles' style endpoint is a plain Django view: it knows the session, not DRF's force_authenticate.
    client = Client()
    client.force_login(user)
    return client


def drawing_types(slug: str, client) -> list[str]:
    body = client.get(f"/tiles/styles/{slug}.json").json()
    return [layer["type"] for layer in body["layers"] if not layer["id"].endswith(("-clusters", "-cluster-counts"))]


def test_imported_points_lines_and_polygons_get_a_circle_a_line_and_a_fill_in_distinct_colours(tmp_path, steward):
    points = imported(tmp_path, steward, "diem-moi", {"type": "Point", "coordinates": [106.40, 10.53]})
    lines = imported(tmp_path, steward, "duong-moi", LINE)
    polygons = imported(tmp_path, steward, "vung-moi", SQUARE)
    assert points.style["type"] == "circle" and lines.style["type"] == "line" and polygons.style["type"] == "fill"
    colors = {points.style["color"], lines.style["color"], polygons.style["color"]}
    assert len(colors) == 3 and colors <= set(PALETTE) and not colors & set(ALARM_COLORS)
    client = signed_in(steward)
    assert drawing_types("diem-moi", client) == ["circle"]
    assert drawing_types("duong-moi", client) == ["line"]
    assert drawing_types("vung-moi", client) == ["fill", "line"]


def test_a_layer_styled_as_a_fill_but_holding_points_is_drawn_as_circles_with_its_colour():
    layer = make_layer("diem-to-nham", style={"type": "fill", "color": "#33a02c"}, geometry_type="Point")
    style = effective_style(layer)
    assert style["type"] == "circle" and style["color"] == "#33a02c"
    assert client_for(None).get("/api/layers/diem-to-nham/").json()["style"]["type"] == "circle"


def test_a_layer_with_an_empty_style_still_has_a_drawable_one_in_the_catalog():
    make_layer("khong-kieu", style={}, geometry_type="MultiLineString")
    assert client_for(None).get("/api/layers/khong-kieu/").json()["style"]["type"] == "line"


def test_a_mixed_layer_draws_its_points_too():
    make_layer("hon-hop", style={}, geometry_type="Geometry")
    assert drawing_types("hon-hop", client_for(None)) == ["fill", "line", "circle"]


def test_the_steward_saves_a_category_style_and_the_version_and_tiles_style_follow(steward):
    layer = make_layer("tram-quan-trac", owner=make_department("environment"))
    version = layer.version
    style = {"type": "circle", "color": "#1f78b4", "categories": {"property": "level", "stops": [
        {"value": "thcs", "color": "#ff7f00", "label_vi": "Trung học cơ sở", "label_en": "Lower secondary"}]}}
    response = client_for(steward).patch("/api/layers/tram-quan-trac/", {"style": style}, format="json")
    assert response.status_code == 200, response.json()
    assert response.json()["style"] == style and response.json()["version"] == version + 1
    drawn = signed_in(steward).get("/tiles/styles/tram-quan-trac.json").json()["layers"][0]
    assert drawn["paint"]["circle-color"][:2] == ["match", ["to-string", ["get", "level"]]]


def test_graduated_classes_and_size_by_value_become_step_and_interpolate_expressions(steward):
    layer = make_layer("so-hoc-sinh", owner=make_department("environment"))
    style = {"type": "circle", "color": "#1f78b4",
             "graduated": {"property": "pupils", "classes": [{"min": 0, "color": "#c6dbef"}, {"min": 500, "color": "#08519c"}]},
             "size": {"property": "pupils", "min_value": 0, "max_value": 2000, "min_radius": 3, "max_radius": 15}}
    assert client_for(steward).patch(f"/api/layers/{layer.slug}/", {"style": style}, format="json").status_code == 200
    paint = signed_in(steward).get(f"/tiles/styles/{layer.slug}.json").json()["layers"][0]["paint"]
    assert paint["circle-color"][0] == "case" and paint["circle-color"][2][:3] == ["step", ["to-number", ["get", "pupils"], 0], "#c6dbef"]
    assert paint["circle-radius"][:2] == ["interpolate", ["linear"]] and paint["circle-radius"][-1] == 15


@pytest.mark.parametrize("style", [
    {"type": "circle", "color": "red"},
    {"type": "sparkle"},
    {"type": "circle", "graduated": {"property": "pupils", "classes": [{"min": 5, "color": "#000000"}, {"min": 1, "color": "#ffffff"}]}},
    {"type": "circle", "size": {"property": "pupils", "min_value": 9, "max_value": 1, "min_radius": 1, "max_radius": 2}},
    {"type": "raster"},
    [],
])
def test_a_bad_style_is_a_400_invalid_style_and_nothing_changes(steward, style):
    layer = make_layer("kieu-sai", owner=make_department("environment"))
    response = client_for(steward).patch("/api/layers/kieu-sai/", {"style": style}, format="json")
    assert response.status_code == 400 and response.json()["code"] == "invalid_style"
    assert Layer.objects.get(pk=layer.pk).style == layer.style


def test_a_patch_may_change_only_the_style(steward):
    make_layer("chi-kieu", owner=make_department("environment"))
    response = client_for(steward).patch("/api/layers/chi-kieu/", {"access": "public"}, format="json")
    assert response.status_code == 400 and response.json()["code"] == "invalid_parameter"


def test_an_official_may_not_restyle_and_an_outsider_learns_nothing(official, outsider):
    make_layer("cua-so", owner=make_department("environment"))
    make_layer("an-kieu", access="restricted", owner=make_department("environment"))
    body = {"style": {"type": "circle", "color": "#33a02c"}}
    assert client_for(official).patch("/api/layers/cua-so/", body, format="json").status_code == 403
    assert client_for(None).patch("/api/layers/cua-so/", body, format="json").status_code == 401
    hidden = client_for(outsider).patch("/api/layers/an-kieu/", body, format="json")
    unknown = client_for(outsider).patch("/api/layers/khong-co/", body, format="json")
    assert hidden.status_code == unknown.status_code == 404 and hidden.json() == unknown.json()


def test_a_draft_style_is_previewed_without_being_saved():
    layer = add_features(make_layer("xem-truoc"), [("a", "POINT(106.4 10.5)", {"level": "thcs"})])
    draft = {"type": "circle", "color": "#6a3d9a", "radius": 9}
    body = client_for(None).get("/tiles/styles/xem-truoc.json", {"style": json.dumps(draft)}).json()
    assert body["layers"][0]["paint"]["circle-color"] == "#6a3d9a" and body["layers"][0]["paint"]["circle-radius"] == 9
    assert Layer.objects.get(pk=layer.pk).style == {"type": "circle", "color": "#1f78b4"}
    refused = client_for(None).get("/tiles/styles/xem-truoc.json", {"style": "{not json"})
    assert refused.status_code == 400 and refused.json()["code"] == "invalid_style"
