"""Every change of a layer is in an audit log — who, when, what, the version before and after — that
nobody can edit: not from the admin, not with SQL."""

import pytest
from django.apps import apps
from django.db import DatabaseError, transaction

from layers.models import Layer
from tests.conftest import client_for
from tests.import_files import import_now, point_feature, write_geojson

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("import_dir")]


def log(steward, slug="cho-noi"):
    answer = client_for(steward).get(f"/api/layers/{slug}/history/")
    assert answer.status_code == 200, answer.json()
    return answer.json()["events"][::-1]  # oldest first


def test_imports_edits_and_access_changes_are_recorded_with_who_and_versions(steward, superuser, tmp_path, client):
    def load(ids, mode):
        path = write_geojson(tmp_path, [point_feature(i, 106.41, 10.54, n=n) for n, i in enumerate(ids)])
        job = import_now(path, user=steward, layer="cho-noi", mode=mode, department="environment")
        assert job.status == "succeeded", job.report
        return job

    created = load(["a"], "replace")
    appended = load(["b"], "append")
    upserted = load(["a", "c"], "upsert")
    replaced = load(["z"], "replace")
    layer = Layer.objects.get(slug="cho-noi")
    client.force_login(superuser)
    form = {f: getattr(layer, f) for f in ("slug", "title_vi", "title_en", "domain", "kind", "geometry_type",
                                           "source_department", "license", "update_frequency", "time_kind",
                                           "invalid_geometry")}
    form |= {"access": "public", "property_schema": "[]", "style": "{}", "owner": layer.owner_id, "description": ""}
    answer = client.post(f"/admin/layers/layer/{layer.pk}/change/", form)
    assert answer.status_code == 302, answer.content[:2000]

    events = log(steward)
    imports = [e for e in events if e["action"].startswith("import.")]
    assert [e["action"] for e in imports][:1] == ["import.replace"]
    assert {e["action"] for e in imports} == {"import.replace", "import.append", "import.upsert"}
    assert all(e["user"] == steward.pk for e in imports)
    assert {e["details"]["job"] for e in imports} == {created.pk, appended.pk, upserted.pk, replaced.pk}
    versions = [e["version_after"] for e in events]
    assert versions == sorted(versions) and versions[-1] == Layer.objects.get(pk=layer.pk).version
    for before, after in zip(events, events[1:]):
        assert after["version_before"] == before["version_after"]
    by_admin = [e for e in events if e["user"] == superuser.pk]
    assert by_admin and any(e["action"] == "admin.change" and "access" in e["details"]["fields"] for e in by_admin)


def test_a_deletion_is_recorded(steward, tmp_path):
    path = write_geojson(tmp_path, [point_feature("a", 106.41, 10.54)])
    import_now(path, user=steward, layer="cho-noi", department="environment")
    layer = Layer.objects.get(slug="cho-noi")
    assert client_for(steward).delete("/api/layers/cho-noi/").status_code == 204
    LayerEvent = apps.get_model("layers", "LayerEvent")
    last = LayerEvent.objects.filter(pgh_obj_id=layer.pk).order_by("-pgh_id").first()
    assert last.pgh_label == "deleted" and last.version == layer.version
    assert last.pgh_context.metadata["action"] == "delete" and last.pgh_context.metadata["user"] == steward.pk


def test_nobody_can_edit_or_delete_the_log(steward, superuser, tmp_path, client):
    path = write_geojson(tmp_path, [point_feature("a", 106.41, 10.54)])
    import_now(path, user=steward, layer="cho-noi", department="environment")
    LayerEvent = apps.get_model("layers", "LayerEvent")
    event = LayerEvent.objects.filter(slug="cho-noi").first()
    for change in (lambda: LayerEvent.objects.filter(pk=event.pk).update(version=999),
                   lambda: LayerEvent.objects.filter(pk=event.pk).delete()):
        with pytest.raises(DatabaseError), transaction.atomic():
            change()
    client.force_login(superuser)
    assert client.post(f"/admin/layers/layerevent/{event.pk}/delete/", {"post": "yes"}).status_code == 403
    page = client.get(f"/admin/layers/layerevent/{event.pk}/change/")
    assert page.status_code == 200 and b'name="_save"' not in page.content
    assert LayerEvent.objects.get(pk=event.pk).version == event.version
