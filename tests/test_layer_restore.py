"""A deleted layer can be restored — its id, groups, catalog row and features — within
LAYERS_DELETED_GRACE_DAYS; after that the sweeper drops it for good."""

from datetime import timedelta

import pytest
from django.contrib.auth.models import Group
from django.db import connection
from django.utils import timezone

from layers import history
from layers.models import Feature, KeptVersion, Layer
from tests.conftest import client_for
from tests.import_files import import_now, point_feature, write_geojson

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("import_dir")]


@pytest.fixture
def markets(steward, tmp_path) -> Layer:
    path = write_geojson(tmp_path, [point_feature(i, 106.41 + n / 100, 10.54) for n, i in enumerate("abc")])
    job = import_now(path, user=steward, layer="cho", department="environment")
    assert job.status == "succeeded", job.report
    layer = Layer.objects.get(slug="cho")
    layer.access = "restricted"
    layer.save()
    group = Group.objects.create(name="ban-quan-ly-cho")
    layer.groups.set([group])
    steward.groups.add(group)
    steward.__dict__.pop("_geo_ioc_group_ids", None)  # layers.access caches a caller's groups on the object
    return layer


def table_exists(name):
    with connection.cursor() as cur:
        cur.execute("SELECT to_regclass(%s)", [name])
        return cur.fetchone()[0] is not None


def test_a_deleted_layer_comes_back_whole_as_a_new_version(steward, markets):
    client = client_for(steward)
    assert client.delete("/api/layers/cho/").status_code == 204
    assert client.get("/api/layers/cho/").status_code == 404
    assert not Feature.objects.filter(layer_id=markets.pk).exists()

    answer = client.post("/api/layers/cho/restore/")
    assert answer.status_code == 201, answer.json()
    back = Layer.objects.get(slug="cho")
    assert back.pk == markets.pk and back.version == markets.version + 1 == answer.json()["version"]
    assert back.access == "restricted" and list(back.groups.values_list("name", flat=True)) == ["ban-quan-ly-cho"]
    assert back.owner_id == markets.owner_id and back.feature_count == 3
    assert sorted(Feature.objects.filter(layer_id=back.pk).values_list("source_id", flat=True)) == ["a", "b", "c"]
    assert not KeptVersion.objects.filter(reason="deleted").exists()
    assert client.post("/api/layers/cho/restore/").json()["code"] == "slug_in_use"  # it is live again


def test_only_who_could_write_it_may_restore_it(steward, outsider, superuser, markets):
    assert client_for(steward).delete("/api/layers/cho/").status_code == 204
    answer = client_for(outsider).post("/api/layers/cho/restore/")
    assert answer.status_code == 404 and answer.json()["code"] == "layer_not_found"
    assert client_for(None).post("/api/layers/cho/restore/").status_code == 401
    assert client_for(superuser).post("/api/layers/cho/restore/").status_code == 201


def test_a_slug_taken_meanwhile_is_not_overwritten(steward, markets, tmp_path):
    assert client_for(steward).delete("/api/layers/cho/").status_code == 204
    import_now(write_geojson(tmp_path, [point_feature("new", 106.5, 10.6)]), user=steward, layer="cho",
               department="environment")
    answer = client_for(steward).post("/api/layers/cho/restore/")
    assert answer.status_code == 409 and answer.json()["code"] == "slug_in_use"
    assert list(Feature.objects.filter(layer__slug="cho").values_list("source_id", flat=True)) == ["new"]


def test_past_the_grace_period_the_sweeper_drops_it(steward, markets, settings):
    settings.LAYERS_DELETED_GRACE_DAYS = 30
    assert client_for(steward).delete("/api/layers/cho/").status_code == 204
    kept = KeptVersion.objects.get(reason="deleted", slug="cho")
    assert table_exists(kept.table)
    assert history.sweep(now=timezone.now() + timedelta(days=29))["deleted_layers"] == 0
    assert history.sweep(now=timezone.now() + timedelta(days=31))["deleted_layers"] == 1
    assert not table_exists(kept.table)
    assert not KeptVersion.objects.filter(pk=kept.pk).exists()
    assert client_for(steward).post("/api/layers/cho/restore/").status_code == 404
