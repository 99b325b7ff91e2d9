"""A held import shows its steward the first rows as they will be stored before anything is published,
and publishes with the style chosen; a new layer never lands on an existing one's address or title."""

import json

import pytest
from django.contrib.auth.models import User
from django.test import Client

from layers.imports import jobs
from layers.imports.submit import Options, submit
from layers.models import ImportJob, Layer
from tests.conftest import client_for, make_layer
from tests.departments import make_department
from tests.import_files import point_feature, write_geojson, write_shapefile_zip

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("import_dir")]


def held(steward, path, **options) -> ImportJob:
    options = {"layer": "tram", "title": "Trạm", "domain": "environment", "hold": True} | options
    with open(path, "rb") as fh:
        job = submit(user=steward, file_name=path.name, chunks=iter(lambda: fh.read(65536), b""),
                     options=Options(**options), queue=False)
    jobs.run(job.pk)
    return ImportJob.objects.get(pk=job.pk)


def confirm(steward, job: ImportJob, body: dict):
    return client_for(steward).post(f"/api/imports/{job.pk}/confirm/", body, format="json")


def test_a_held_job_waits_with_the_first_rows_reprojected_and_publishes_nothing(steward, tmp_path):
    path = write_shapefile_zip(tmp_path, encoding="tcvn3", crs="EPSG:9210")
    job = held(steward, path)
    assert job.status == "needs_input" and job.report["needs"] == ["publish"]
    preview = client_for(steward).get(f"/api/imports/{job.pk}/").json()["choices"]["preview"]
    assert preview["total"] == 5 and preview["geometry_type"] == "Point" and preview["style"]["type"] == "circle"
    assert preview["rows"][0]["ten"] == "Mường Khương"  # TCVN3 decoded as it will be stored
    lon, lat = preview["features"]["features"][0]["geometry"]["coordinates"]
    assert lon == pytest.approx(106.4027, abs=1e-5) and lat == pytest.approx(10.5327, abs=1e-5)
    assert not Layer.objects.filter(slug="tram").exists()


def test_publishing_with_a_chosen_colour_loads_the_layer_in_that_style(steward, tmp_path):
    job = held(steward, write_geojson(tmp_path, [point_feature("a", 106.4, 10.5, ten="A")]))
    style = job.report["choices"]["preview"]["style"] | {"color": "#6a3d9a"}
    response = confirm(steward, job, {"publish": True, "style": style})
    assert response.status_code == 202 and response.json()["status"] == "queued"
    jobs.run(job.pk)
    layer = Layer.objects.get(slug="tram")
    assert layer.feature_count == 1 and layer.style == style


@pytest.mark.parametrize("style", [
    {"type": "circle", "color": "tím"},
    # Categories whose stop has no colour, graduated classes that fall: what the PATCH of a style refuses.
    {"type": "circle", "color": "#1f78b4", "categories": {"property": "ten", "stops": [{"value": "A"}]}},
    {"type": "circle", "color": "#1f78b4", "graduated": {"property": "n", "classes": [
        {"min": 5, "color": "#1f78b4"}, {"min": 1, "color": "#33a02c"}]}},
    {"type": "raster"},  # a raster's style for points
    [{"type": "circle", "color": "#1f78b4"}],
])
def test_a_bad_style_is_refused_in_words_and_nothing_is_published(steward, tmp_path, style):
    job = held(steward, write_geojson(tmp_path, [point_feature("a", 106.4, 10.5, ten="A", n=3)]))
    response = confirm(steward, job, {"publish": True, "style": style})
    body = response.json()
    assert response.status_code == 400 and body["code"] == "bad_style" and set(body) >= {"detail", "code"}
    job = ImportJob.objects.get(pk=job.pk)
    assert job.status == "needs_input" and job.hold and job.style == {}
    assert not Layer.objects.filter(slug="tram").exists()


def test_publishing_with_categories_saves_them_as_the_layers_style(steward, tmp_path):
    job = held(steward, write_geojson(tmp_path, [point_feature("a", 106.4, 10.5, loai="A"), point_feature("b", 106.5, 10.6, loai="B")]))
    style = job.report["choices"]["preview"]["style"] | {"categories": {"property": "loai", "stops": [
        {"value": "A", "color": "#33a02c", "label_vi": "Loại A", "label_en": "Kind A"},
        {"value": "B", "color": "#ff7f00", "label_vi": "Loại B", "label_en": "Kind B"}]}}
    assert confirm(steward, job, {"publish": True, "style": style}).status_code == 202
    jobs.run(job.pk)
    layer = Layer.objects.get(slug="tram")
    assert layer.feature_count == 2 and layer.style == style
    legend = client_for(steward).get("/api/layers/tram/").json()["style"]
    assert legend["categories"]["stops"][1]["label_en"] == "Kind B"


def test_a_new_layer_takes_a_free_address_and_a_title_unique_in_its_department(steward, tmp_path):
    department = make_department("environment")
    make_layer("diem-vn2000", title_vi="Điểm VN-2000", title_en="VN-2000 points", owner=department)
    make_layer("diem-vn2000-2", title_vi="Điểm VN-2000 (2)", title_en="Điểm VN-2000 (2)", owner=department)
    path = write_geojson(tmp_path, [point_feature("a", 106.4, 10.5)])
    job = held(steward, path, layer="diem-vn2000", title="Điểm VN-2000", create=True, hold=False)
    assert job.status == "succeeded", job.report
    layer = Layer.objects.get(slug="diem-vn2000-3")
    assert layer.title_vi == "Điểm VN-2000 (3)" and layer.owner == department
    assert Layer.objects.get(slug="diem-vn2000").feature_count == 0  # the existing layer was not touched


def test_another_departments_title_is_free_to_use(steward, tmp_path):
    make_layer("diem-y-te", title_vi="Điểm VN-2000", owner=make_department("health"))
    job = held(steward, write_geojson(tmp_path, [point_feature("a", 106.4, 10.5)]), layer="diem-moi",
               title="Điểm VN-2000", hold=False)
    assert job.status == "succeeded" and Layer.objects.get(slug="diem-moi").title_vi == "Điểm VN-2000"


def test_a_title_taken_while_the_import_waited_is_suffixed_when_it_publishes(steward, tmp_path):
    department = make_department("environment")
    job = held(steward, write_geojson(tmp_path, [point_feature("a", 106.4, 10.5)]), layer="cong-moi",
               title="Cống đầu mối", department="environment")
    assert job.new_title == "Cống đầu mối"  # free when it was submitted…
    make_layer("cong-khac", title_vi="Cống đầu mối", title_en="Main sluices", owner=department)  # …taken since
    assert confirm(steward, job, {"publish": True}).status_code == 202
    jobs.run(job.pk)
    layer = Layer.objects.get(slug="cong-moi")
    assert (layer.title_vi, layer.title_en) == ("Cống đầu mối (2)", "Cống đầu mối (2)")


def draft(user, job: ImportJob, style):
    return client_for(user).post(f"/api/imports/{job.pk}/style/", {"style": style}, format="json")


def drawn(layers: list[dict]) -> list[dict]:
    """A style's layers as they draw, whatever their source: type, filter, paint, layout."""
    return [{key: layer.get(key) for key in ("type", "filter", "paint", "layout")} for layer in layers]


def test_the_preview_is_drawn_in_the_draft_style_exactly_as_the_published_layer(steward, tmp_path):
    job = held(steward, write_geojson(tmp_path, [point_feature("a", 106.4, 10.5, loai="A", ten="Trạm A"),
                                                 point_feature("b", 106.5, 10.6, loai="B", ten="Trạm B")]))
    style = job.report["choices"]["preview"]["style"] | {
        "label": {"property": "ten"},
        "categories": {"property": "loai", "stops": [
            {"value": "A", "color": "#33a02c", "label_vi": "Loại A", "label_en": "Kind A"},
            {"value": "B", "color": "#ff7f00", "label_vi": "Loại B", "label_en": "Kind B"}]}}
    response = draft(steward, job, style)
    assert response.status_code == 200, response.content
    body = response.json()
    # A style MapLibre draws as it is: the preview's own features in a GeoJSON source.
    assert body["version"] == 8 and body["sources"]["preview"]["type"] == "geojson"
    assert [f["properties"]["loai"] for f in body["sources"]["preview"]["data"]["features"]] == ["A", "B"]
    assert all(layer["source"] == "preview" and "source-layer" not in layer for layer in body["layers"])
    assert body["layers"][0]["paint"]["circle-color"] == ["match", ["to-string", ["get", "loai"]], "A", "#33a02c",
                                                          "B", "#ff7f00", style["color"]]
    # Published with that style, the layer's own style draws the same (less the tiles' grid clusters).
    assert confirm(steward, job, {"publish": True, "style": style}).status_code == 202
    jobs.run(job.pk)
    browser = Client()  # the tiles are plain Django views: a session, as the dashboard has
    browser.force_login(steward)
    published = browser.get("/tiles/styles/tram.json").json()["layers"]
    assert drawn(body["layers"]) == drawn([layer for layer in published if layer["id"].startswith("tram")
                                           and "cluster" not in layer["id"]])


@pytest.mark.parametrize("body", [
    b"", b"{", b"null", b"[]", b'{"style": null}', json.dumps({"style": {"type": "circle", "color": "tím"}}).encode(),
    json.dumps({"style": {"type": "raster"}}).encode(), json.dumps({"style": [{"type": "circle", "color": "#1f78b4"}]}).encode(),
    b'{"style": ' + b"[" * 5000 + b"]" * 5000 + b"}", b'{"style": {"type": "circle", "color": "#1f78b4\\u0000"}}',
    b'{"style": {"type": "circle", "color": "#1f78b4", "opacity": 1e999}}',
], ids=["empty", "cut", "null", "list", "no-style", "named-colour", "raster", "style-list", "nested-5000", "nul",
        "infinite-opacity"])
def test_a_bad_draft_is_refused_in_words(steward, tmp_path, body):
    job = held(steward, write_geojson(tmp_path, [point_feature("a", 106.4, 10.5)]))
    response = client_for(steward).generic("POST", f"/api/imports/{job.pk}/style/", body,
                                           content_type="application/json")
    answer = response.json()
    assert response.status_code == 400 and set(answer) >= {"detail", "code"}, answer
    # Refused by the body's parser (not JSON, a control character) or by the style's check.
    assert answer["code"] in ("bad_style", "invalid_json", "parse_error", "invalid_text"), answer
    assert ImportJob.objects.get(pk=job.pk).status == "needs_input"


def test_a_draft_with_many_named_categories_is_drawn(steward, tmp_path):
    """Forty stations named in both languages: a draft far longer than an address may be."""
    stations = [point_feature(f"s{i}", 106.2 + i / 100, 10.5, ten=f"Trạm quan trắc số {i} Đức Hòa") for i in range(40)]
    job = held(steward, write_geojson(tmp_path, stations))
    stops = [{"value": f"Trạm quan trắc số {i} Đức Hòa", "color": "#1f78b4", "label_vi": f"Trạm quan trắc số {i} Đức Hòa",
              "label_en": f"Monitoring station no. {i}, Duc Hoa"} for i in range(40)]
    style = job.report["choices"]["preview"]["style"] | {"categories": {"property": "ten", "stops": stops}}
    assert len(json.dumps(style)) > 4096
    response = draft(steward, job, style)
    assert response.status_code == 200, response.content
    assert len(response.json()["layers"][0]["paint"]["circle-color"]) == 2 + 2 * 40 + 1


def test_only_the_jobs_own_stewards_see_its_preview_drawn_and_only_while_it_waits(steward, outsider, tmp_path):
    job = held(steward, write_geojson(tmp_path, [point_feature("a", 106.4, 10.5)]))
    style = job.report["choices"]["preview"]["style"]
    other = User.objects.create_user("health-steward", is_staff=True)
    make_department("health", stewards=(other,))
    unknown = draft(other, ImportJob(pk=job.pk + 1000), style)
    assert draft(other, job, style).json() == unknown.json() and unknown.status_code == 404
    assert draft(outsider, job, style).status_code == 403
    assert draft(None, job, style).status_code in (401, 403)
    confirm(steward, job, {"publish": True, "style": style})
    jobs.run(job.pk)
    done = draft(steward, job, style)
    assert done.status_code == 400 and done.json()["code"] == "not_waiting"
