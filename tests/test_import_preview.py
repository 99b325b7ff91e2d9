"""A held import shows its steward the first rows as they will be stored before anything is published,
and publishes with the style chosen; a new layer never lands on an existing one's address or title."""

import pytest

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


def test_a_bad_style_is_refused_in_words_and_the_job_keeps_waiting(steward, tmp_path):
    job = held(steward, write_geojson(tmp_path, [point_feature("a", 106.4, 10.5)]))
    response = confirm(steward, job, {"publish": True, "style": {"type": "circle", "color": "tím"}})
    assert response.status_code == 400 and response.json()["code"] == "bad_style"
    assert ImportJob.objects.get(pk=job.pk).status == "needs_input"


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
