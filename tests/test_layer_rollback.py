"""A layer replaced by mistake comes back: the previous LAYERS_KEEP_VERSIONS versions of a replaced
layer are kept, and a steward rolls back to one of them (API and admin), which is a new version."""

import pytest
from django.db import connection

from layers.models import Feature, KeptVersion, Layer
from tests.conftest import client_for
from tests.import_files import import_now, point_feature, write_geojson, write_tif

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("import_dir")]


def points(tmp_path, ids, name="data.geojson"):
    return write_geojson(tmp_path, [point_feature(i, 106.40 + n / 100, 10.53) for n, i in enumerate(ids)], name=name)


def import_as(user, tmp_path, ids, **options):
    options.setdefault("department", "environment")
    job = import_now(points(tmp_path, ids), user=user, layer="tram-quan-trac", **options)
    assert job.status == "succeeded", job.report
    return Layer.objects.get(slug="tram-quan-trac")


def source_ids(layer):
    return sorted(Feature.objects.filter(layer_id=layer.pk).values_list("source_id", flat=True))


def table_exists(name):
    with connection.cursor() as cur:
        cur.execute("SELECT to_regclass(%s)", [name])
        return cur.fetchone()[0] is not None


def test_a_steward_rolls_back_a_mistaken_replace_and_it_is_a_new_version(steward, tmp_path):
    good = import_as(steward, tmp_path, ["a", "b", "c"])
    wrong = import_as(steward, tmp_path, ["x"])
    assert source_ids(wrong) == ["x"]

    history = client_for(steward).get("/api/layers/tram-quan-trac/history/").json()
    assert [k["version"] for k in history["kept_versions"]] == [good.version]

    answer = client_for(steward).post("/api/layers/tram-quan-trac/rollback/", {"version": good.version},
                                      format="json")
    assert answer.status_code == 200, answer.json()
    back = Layer.objects.get(slug="tram-quan-trac")
    assert back.version == wrong.version + 1 == answer.json()["version"]
    assert source_ids(back) == ["a", "b", "c"] and back.feature_count == 3
    # The mistaken version is kept in turn: the rollback itself can be undone.
    assert list(KeptVersion.objects.filter(layer_id=back.pk, reason="replaced").values_list("version", flat=True)) \
        == [wrong.version]
    again = client_for(steward).post("/api/layers/tram-quan-trac/rollback/", {"version": wrong.version},
                                     format="json")
    assert again.status_code == 200 and source_ids(back) == ["x"]


def test_only_the_newest_replaced_versions_are_kept(steward, tmp_path, settings,
                                                     django_capture_on_commit_callbacks):
    settings.LAYERS_KEEP_VERSIONS = 2
    versions = []
    for n in range(4):
        with django_capture_on_commit_callbacks(execute=True):
            versions.append(import_as(steward, tmp_path, [f"p{n}"]).version)
    layer = Layer.objects.get(slug="tram-quan-trac")
    kept = list(KeptVersion.objects.filter(layer_id=layer.pk).values_list("version", "table"))
    assert [v for v, _t in kept] == versions[1:3][::-1]
    assert all(table_exists(t) for _v, t in kept)
    assert not table_exists(f"layers_feature_kept_{layer.pk}_v{versions[0]}")


def test_a_version_that_is_not_kept_or_not_a_number_is_refused(steward, tmp_path):
    layer = import_as(steward, tmp_path, ["a"])
    client = client_for(steward)
    missing = client.post("/api/layers/tram-quan-trac/rollback/", {"version": layer.version + 5}, format="json")
    assert missing.status_code == 404 and missing.json()["code"] == "version_not_kept"
    for bad in ({"version": "một"}, {"version": -1}, {"version": True}, {}, {"version": [1]}):
        answer = client.post("/api/layers/tram-quan-trac/rollback/", bad, format="json")
        assert answer.status_code == 400 and answer.json()["code"] == "invalid_parameter", bad
    assert source_ids(layer) == ["a"]


def test_an_outsider_is_told_the_layer_does_not_exist(steward, outsider, tmp_path):
    layer = import_as(steward, tmp_path, ["a"])
    import_as(steward, tmp_path, ["b"])
    Layer.objects.filter(pk=layer.pk).update(access="internal")
    for answer in (client_for(outsider).get("/api/layers/tram-quan-trac/history/"),
                   client_for(outsider).post("/api/layers/tram-quan-trac/rollback/", {"version": layer.version},
                                             format="json")):
        assert answer.status_code == 404 and answer.json()["code"] == "layer_not_found"
    assert client_for(None).get("/api/layers/tram-quan-trac/history/").status_code == 401
    assert source_ids(layer) == ["b"]


def test_the_admin_rolls_back_with_an_action(steward, superuser, tmp_path, client):
    good = import_as(steward, tmp_path, ["a", "b"])
    import_as(steward, tmp_path, ["x"])
    kept = KeptVersion.objects.get(layer_id=good.pk, version=good.version)
    client.force_login(superuser)
    answer = client.post("/admin/layers/keptversion/", {"action": "roll_back", "_selected_action": [kept.pk]})
    assert answer.status_code == 302
    assert source_ids(good) == ["a", "b"]


def test_a_raster_rolls_back_to_its_previous_file(steward, tmp_path):
    first = import_now(write_tif(tmp_path / "ndvi-1.tif"), user=steward, layer="ndvi", department="environment")
    assert first.status == "succeeded", first.report
    before = Layer.objects.get(slug="ndvi")
    second = import_now(write_tif(tmp_path / "ndvi-2.tif", pixel=50.0), user=steward, layer="ndvi", department="environment")
    assert second.status == "succeeded", second.report
    replaced = Layer.objects.get(slug="ndvi")
    assert replaced.raster_path != before.raster_path
    answer = client_for(steward).post("/api/layers/ndvi/rollback/", {"version": before.version}, format="json")
    assert answer.status_code == 200
    back = Layer.objects.get(slug="ndvi")
    assert back.raster_path == before.raster_path and back.version == replaced.version + 1
