"""The import API as a data steward uses it: upload, poll, confirm; and who may not."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from layers.imports import jobs
from layers.models import ImportJob, Layer
from tests.conftest import client_for
from tests.import_files import point_feature, write_geojson, write_shapefile_zip

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("import_dir")]


def upload(path, **fields):
    return {"file": SimpleUploadedFile(path.name, path.read_bytes()), **fields}


def run_queued(job_id: int) -> dict:
    """What the worker does with the queued id (the broker is covered by the worker tests)."""
    jobs.run(job_id)
    return ImportJob.objects.get(pk=job_id)


def test_a_steward_uploads_a_geojson_and_gets_202_with_the_job(steward, tmp_path, django_capture_on_commit_callbacks):
    path = write_geojson(tmp_path, [point_feature("a", 106.40, 10.53, ten="Tân An")])
    with django_capture_on_commit_callbacks() as queued:
        response = client_for(steward).post("/api/imports/", upload(path, layer="tram", title="Trạm", domain="environment"),
                                            format="multipart")
    assert response.status_code == 202, response.json()
    body = response.json()
    assert body["status"] == "queued" and body["progress"] == 0 and body["layer"] == "tram"
    assert len(queued) == 1  # the task is queued when the transaction commits, not before
    run_queued(body["id"])
    polled = client_for(steward).get(f"/api/imports/{body['id']}/").json()
    assert polled["status"] == "succeeded" and polled["progress"] == 100
    assert polled["counts"] == {"read": 1, "loaded": 1, "repaired": 0, "rejected": 0}
    assert Layer.objects.get(slug="tram").feature_count == 1


def test_a_file_without_crs_waits_for_the_steward_then_completes(steward, tmp_path):
    path = write_shapefile_zip(tmp_path, encoding="tcvn3", crs="")
    body = client_for(steward).post("/api/imports/", upload(path, layer="thua", title="Thửa", domain="land_plan"),
                                    format="multipart").json()
    waiting = client_for(steward).get(f"/api/imports/{run_queued(body['id']).pk}/").json()
    assert waiting["status"] == "needs_input" and waiting["needs"] == ["crs"]
    assert waiting["choices"]["crs"][0]["crs"] == "EPSG:9210"
    assert not Layer.objects.filter(slug="thua").exists()
    confirmed = client_for(steward).post(f"/api/imports/{body['id']}/confirm/", {"crs": "EPSG:9210"}, format="json")
    assert confirmed.status_code == 202 and confirmed.json()["status"] == "queued"
    assert run_queued(body["id"]).status == "succeeded"
    assert Layer.objects.get(slug="thua").feature_count == 5


def test_a_bad_crs_or_encoding_is_a_400_in_the_one_error_shape(steward, tmp_path):
    path = write_geojson(tmp_path, [point_feature("a", 106.4, 10.5)])
    response = client_for(steward).post("/api/imports/", upload(path, layer="x", title="X", domain="admin",
                                                                 crs="+proj=longlat"), format="multipart")
    assert response.status_code == 400
    assert response.json()["code"] == "bad_crs" and "crs" in response.json()["fields"]
    response = client_for(steward).post("/api/imports/", upload(path, layer="x", title="X", domain="admin",
                                                                 encoding="klingon"), format="multipart")
    assert response.status_code == 400 and response.json()["code"] == "bad_encoding"


def test_a_new_layer_needs_a_title_and_domain(steward, tmp_path):
    path = write_geojson(tmp_path, [point_feature("a", 106.4, 10.5)])
    response = client_for(steward).post("/api/imports/", upload(path, layer="moi"), format="multipart")
    assert response.status_code == 400 and response.json()["code"] == "title_needed"


def test_an_unsupported_file_is_refused_at_upload(steward, tmp_path):
    path = tmp_path / "notes.docx"
    path.write_bytes(b"PK\x03\x04 not really")
    response = client_for(steward).post("/api/imports/", upload(path, layer="x", title="X", domain="admin"),
                                        format="multipart")
    assert response.status_code == 400 and response.json()["code"] == "unsupported_format"
    assert ImportJob.objects.count() == 0


def test_an_oversized_upload_is_a_413(steward, tmp_path, settings):
    settings.LAYERS_IMPORT_MAX_UPLOAD_BYTES = 1000
    path = write_geojson(tmp_path, [point_feature(str(i), 106.4, 10.5, ten="x" * 50) for i in range(50)])
    response = client_for(steward).post("/api/imports/", upload(path, layer="x", title="X", domain="admin"),
                                        format="multipart")
    assert response.status_code == 413 and response.json()["code"] == "upload_too_large"
    assert ImportJob.objects.count() == 0


@pytest.mark.parametrize("actor", ["official", "outsider", None])
def test_only_stewards_and_superusers_may_import(actor, request, tmp_path):
    user = request.getfixturevalue(actor) if actor else None
    path = write_geojson(tmp_path, [point_feature("a", 106.4, 10.5)])
    response = client_for(user).post("/api/imports/", upload(path, layer="x", title="X", domain="admin"),
                                     format="multipart")
    assert response.status_code in (401, 403)
    assert set(response.json()) >= {"detail", "code"}
    assert ImportJob.objects.count() == 0


def test_a_superuser_may_import(superuser, tmp_path):
    path = write_geojson(tmp_path, [point_feature("a", 106.4, 10.5)])
    response = client_for(superuser).post("/api/imports/", upload(path, layer="x", title="X", domain="admin"),
                                          format="multipart")
    assert response.status_code == 202


def test_an_unknown_job_is_a_404(steward):
    response = client_for(steward).get("/api/imports/999999/")
    assert response.status_code == 404 and response.json()["code"] == "not_found"
