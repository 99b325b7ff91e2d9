"""Writes obey one rule (layers.access.writable_layers): a layer's owning department's stewards may
write it, and only if they may see it; a layer they may not see answers like an unknown one."""

from datetime import timedelta

import pytest
from django.contrib.auth.models import AnonymousUser, Permission, User
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import Client
from django.utils import timezone

from layers import history, storage
from layers.access import may_create_layer, writable_layers
from layers.imports import jobs
from layers.models import Department, ExportJob, ImportJob, Layer
from tests.conftest import add_features, client_for, make_layer
from tests.departments import make_department, make_steward
from tests.import_files import import_now, point_feature, write_geojson, write_tif

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def import_dirs(import_dir, settings, tmp_path):
    settings.LAYERS_RASTER_DIR = tmp_path / "media" / "rasters"


@pytest.fixture
def rivers(db) -> Layer:
    layer = make_layer("rivers", domain="water", source_department="Sở Tài nguyên và Môi trường")
    return add_features(layer, [("r1", "POINT(106.41 10.54)", {"name": "Vàm Cỏ Tây"})])


@pytest.fixture
def education_steward(db, schools) -> User:
    """Staff, steward of the education department, which owns `schools`."""
    user = User.objects.create_user("edu-steward", password="pw", is_staff=True)
    make_department("education", name="Sở Giáo dục và Đào tạo", stewards=(user,), owns=(schools,))
    return user


@pytest.fixture
def environment_steward(db, rivers) -> User:
    user = User.objects.create_user("env-steward", password="pw", is_staff=True)
    make_department("environment", name="Sở Tài nguyên và Môi trường", stewards=(user,), owns=(rivers,))
    return user


@pytest.fixture
def hidden(db, dengue, health_group) -> Layer:
    """Restricted to the health group, which no steward here is in; owned by the health department."""
    make_department("health", name="Sở Y tế", owns=(dengue,))
    return dengue


def upload(tmp_path, **fields) -> dict:
    path = write_geojson(tmp_path, [point_feature("a", 106.40, 10.53, name="Trường mới")])
    return {"file": SimpleUploadedFile(path.name, path.read_bytes()), **fields}


def post_import(user, tmp_path, **fields):
    return client_for(user).post("/api/imports/", upload(tmp_path, **fields), format="multipart",
                                 HTTP_ACCEPT_LANGUAGE="en")


# Imports


def test_a_steward_imports_into_a_layer_of_their_department(education_steward, tmp_path):
    response = post_import(education_steward, tmp_path, layer="schools", mode="append")
    assert response.status_code == 202
    job = ImportJob.objects.get(pk=response.json()["id"])
    assert jobs.run(job.pk) == "succeeded"
    assert Layer.objects.get(slug="schools").feature_count == 5


def test_a_steward_may_not_import_into_another_departments_public_layer(education_steward, environment_steward,
                                                                       tmp_path):
    response = post_import(education_steward, tmp_path, layer="rivers")
    assert response.status_code == 403 and response.json()["code"] == "permission_denied"
    assert not ImportJob.objects.exists()


@pytest.mark.parametrize("fields", [{}, {"mode": "append"}, {"title": "X"}])
def test_a_layer_hidden_from_the_steward_answers_byte_for_byte_like_an_unknown_slug(education_steward, hidden,
                                                                                    tmp_path, fields):
    into_hidden = post_import(education_steward, tmp_path, layer="dengue", **fields)
    into_unknown = post_import(education_steward, tmp_path, layer="no-such-layer", **fields)
    assert into_hidden.status_code == into_unknown.status_code == 400
    assert into_hidden.content == into_unknown.content
    assert "dengue" not in into_hidden.content.decode() and "vector" not in into_hidden.content.decode()
    assert not ImportJob.objects.exists()


def test_a_hidden_layers_slug_cannot_be_taken_for_a_new_layer(education_steward, hidden, tmp_path):
    response = post_import(education_steward, tmp_path, layer="dengue", title="Sốt xuất huyết", domain="health")
    assert response.status_code == 400 and response.json()["code"] == "slug_unavailable"
    assert "dengue" not in response.json()["detail"] and not ImportJob.objects.exists()


def test_a_new_layer_belongs_to_the_stewards_department(education_steward, tmp_path):
    response = post_import(education_steward, tmp_path, layer="truong-moi", title="Trường mới", domain="education")
    assert response.status_code == 202
    job = ImportJob.objects.get(pk=response.json()["id"])
    assert job.department.code == "education"
    assert jobs.run(job.pk) == "succeeded"
    assert Layer.objects.get(slug="truong-moi").owner.code == "education"


def test_a_new_raster_layer_belongs_to_the_stewards_department_too(environment_steward, tmp_path):
    job = import_now(write_tif(tmp_path / "ndvi.tif"), user=environment_steward, layer="ndvi-moi")
    assert job.status == "succeeded"
    assert Layer.objects.get(slug="ndvi-moi").owner.code == "environment"


def test_a_steward_may_not_create_a_layer_for_a_department_they_do_not_steward(education_steward,
                                                                              environment_steward, tmp_path):
    response = post_import(education_steward, tmp_path, layer="song-moi", title="Sông", domain="water",
                           department="environment")
    assert response.status_code == 403 and response.json()["code"] == "permission_denied"
    assert not ImportJob.objects.exists()


def test_a_steward_of_several_departments_says_which_owns_a_new_layer(education_steward, environment_steward,
                                                                     tmp_path):
    make_steward(Department.objects.get(code="environment"), education_steward)
    asked = post_import(education_steward, tmp_path, layer="moi", title="Mới", domain="water")
    assert asked.status_code == 400 and asked.json()["code"] == "department_needed"
    assert "education, environment" in asked.json()["detail"]
    chosen = post_import(education_steward, tmp_path, layer="moi", title="Mới", domain="water",
                         department="environment")
    assert chosen.status_code == 202
    assert ImportJob.objects.get().department.code == "environment"


def test_another_departments_job_is_not_found_for_reading_or_confirming(education_steward, environment_steward,
                                                                       tmp_path):
    theirs = post_import(environment_steward, tmp_path, layer="rivers", mode="append").json()["id"]
    mine = post_import(education_steward, tmp_path, layer="schools", mode="append").json()["id"]
    client = client_for(education_steward)
    unknown = client.get("/api/imports/999999/")
    for response in (client.get(f"/api/imports/{theirs}/"),
                     client.post(f"/api/imports/{theirs}/confirm/", {"crs": "EPSG:4326"}, format="json")):
        assert response.status_code == 404 and response.content == unknown.content
    assert [job["id"] for job in client.get("/api/imports/").json()["imports"]] == [mine]
    assert {job["id"] for job in client_for(environment_steward).get("/api/imports/").json()["imports"]} == {theirs}


def test_the_worker_fails_a_job_whose_creator_may_no_longer_write_the_layer(education_steward, tmp_path):
    job_id = post_import(education_steward, tmp_path, layer="schools", mode="append").json()["id"]
    Department.objects.get(code="education").stewards.remove(education_steward)
    assert jobs.run(job_id) == "failed"
    job = ImportJob.objects.get(pk=job_id)
    assert job.report["errors"][-1]["code"] == "no_longer_allowed"
    assert Layer.objects.get(slug="schools").feature_count == 4


def test_leaving_the_departments_group_ends_the_steward_role(education_steward, tmp_path):
    education_steward.groups.remove(Department.objects.get(code="education").group)
    education_steward = User.objects.get(pk=education_steward.pk)
    response = post_import(education_steward, tmp_path, layer="schools", mode="append")
    assert response.status_code == 403


# Deleting a layer


def partition_exists(layer_id: int) -> bool:
    with connection.cursor() as cur:
        cur.execute("SELECT to_regclass(%s) IS NOT NULL", [storage.partition_name(layer_id)])
        return cur.fetchone()[0]


def test_a_steward_deletes_a_layer_of_their_department_with_its_features(education_steward, schools):
    assert partition_exists(schools.pk)
    response = client_for(education_steward).delete("/api/layers/schools/")
    assert response.status_code == 204
    assert not Layer.objects.filter(slug="schools").exists() and not partition_exists(schools.pk)
    assert client_for(education_steward).get("/api/layers/schools/").status_code == 404


def test_a_deleted_raster_layers_file_is_kept_for_the_grace_period_then_removed(
        environment_steward, tmp_path, settings, django_capture_on_commit_callbacks):
    settings.MEDIA_ROOT = tmp_path / "media"
    import_now(write_tif(tmp_path / "ndvi.tif"), user=environment_steward, layer="ndvi-moi")
    cog = settings.MEDIA_ROOT / Layer.objects.get(slug="ndvi-moi").raster_path
    assert cog.is_file()
    with django_capture_on_commit_callbacks(execute=True):
        assert client_for(environment_steward).delete("/api/layers/ndvi-moi/").status_code == 204
    assert cog.is_file() and not Layer.objects.filter(slug="ndvi-moi").exists()  # restorable (layers.history)
    history.sweep(now=timezone.now() + timedelta(days=settings.LAYERS_DELETED_GRACE_DAYS + 1))
    assert not cog.exists()


def test_a_superuser_deletes_any_layer(superuser, hidden):
    assert client_for(superuser).delete("/api/layers/dengue/").status_code == 204
    assert not Layer.objects.filter(slug="dengue").exists()


def test_another_departments_steward_may_not_delete_a_layer(environment_steward, education_steward, schools):
    response = client_for(environment_steward).delete("/api/layers/schools/")
    assert response.status_code == 403 and response.json()["code"] == "permission_denied"
    assert Layer.objects.filter(slug="schools").exists()


def test_deleting_a_hidden_layer_answers_like_an_unknown_one(education_steward, hidden):
    client = client_for(education_steward)
    response, unknown = client.delete("/api/layers/dengue/"), client.delete("/api/layers/no-such-layer/")
    assert response.status_code == 404 and response.json()["code"] == "layer_not_found"
    assert response.content == unknown.content and Layer.objects.filter(slug="dengue").exists()


def test_an_anonymous_caller_may_not_delete_a_layer(api, schools):
    response = api.delete("/api/layers/schools/")
    assert response.status_code == 401 and response.json()["code"] == "not_authenticated"
    assert Layer.objects.filter(slug="schools").exists()


# Export jobs


def test_an_export_job_of_a_hidden_layer_is_not_found_like_an_unknown_job(outsider, hidden):
    job = ExportJob.objects.create(layer=hidden, layer_version=hidden.version, fmt="gpkg", crs="EPSG:4326")
    client = client_for(outsider)
    unknown = client.get("/api/exports/999999/")
    for response in (client.get(f"/api/exports/{job.pk}/"), client.get(f"/api/exports/{job.pk}/download")):
        assert response.status_code == 404 and response.content == unknown.content


# The admin


@pytest.fixture
def admin_steward(education_steward, environment_steward) -> Client:
    """The education steward in the admin, with Django's model permissions on layers (and on features,
    which deleting a layer deletes): the write rule still narrows them."""
    codenames = ["view_layer", "change_layer", "delete_layer", "delete_feature"]
    education_steward.user_permissions.add(
        *Permission.objects.filter(content_type__app_label="layers", codename__in=codenames))
    client = Client()
    client.force_login(education_steward)
    return client


def test_the_admin_lists_only_the_layers_a_steward_may_write(admin_steward, schools, rivers):
    page = admin_steward.get("/admin/layers/layer/").content.decode()
    assert f"/admin/layers/layer/{schools.pk}/change/" in page
    assert f"/admin/layers/layer/{rivers.pk}/change/" not in page
    assert admin_steward.get(f"/admin/layers/layer/{rivers.pk}/change/").status_code == 302
    assert admin_steward.post(f"/admin/layers/layer/{rivers.pk}/delete/", {"post": "yes"}).status_code == 302
    assert Layer.objects.filter(pk=rivers.pk).exists()


def test_a_steward_deletes_a_layer_of_their_department_in_the_admin(admin_steward, schools):
    response = admin_steward.post(f"/admin/layers/layer/{schools.pk}/delete/", {"post": "yes"})
    assert response.status_code == 302
    assert not Layer.objects.filter(pk=schools.pk).exists() and not partition_exists(schools.pk)


def test_the_admin_does_not_let_a_steward_give_a_layer_to_another_department(admin_steward, schools):
    environment = Department.objects.get(code="environment")
    form = admin_steward.get(f"/admin/layers/layer/{schools.pk}/change/").content.decode()
    assert environment.name_vi not in form
    response = admin_steward.post(f"/admin/layers/layer/{schools.pk}/change/", {
        "slug": "schools", "title_vi": schools.title_vi, "title_en": schools.title_en, "domain": "education",
        "kind": "vector", "geometry_type": "Point", "property_schema": "[]", "style": "{}",
        "license": "CC BY 4.0", "access": "public", "time_kind": "none", "invalid_geometry": "repair",
        "owner": environment.pk,
    })
    assert response.status_code == 200 and "owner" in response.context["adminform"].form.errors
    assert Layer.objects.get(pk=schools.pk).owner.code == "education"


# The rule itself


def test_anonymous_and_inactive_callers_write_nothing_and_superusers_everything(education_steward, superuser,
                                                                               hidden, schools):
    education = Department.objects.get(code="education")
    assert set(writable_layers(education_steward).values_list("slug", flat=True)) == {"schools"}
    assert may_create_layer(education_steward, education) and not may_create_layer(education_steward, None)
    education_steward.is_active = False
    for caller in (None, AnonymousUser(), education_steward):
        assert not writable_layers(caller).exists() and not may_create_layer(caller, education)
    assert set(writable_layers(superuser).values_list("slug", flat=True)) == {"schools", "dengue"}
    assert may_create_layer(superuser, None)
