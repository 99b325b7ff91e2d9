"""Geometry problems are repaired or refused per the layer's policy, each with its row number; and
replace, append and upsert do what they say, publishing a new version each time."""

import threading

import pytest

from layers.models import Feature, Layer
from tests.import_files import import_now, point_feature, write_geojson

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("import_dir")]

BOW_TIE = {"type": "Polygon", "coordinates": [[[106.0, 10.0], [106.1, 10.1], [106.1, 10.0], [106.0, 10.1], [106.0, 10.0]]]}
SQUARE = {"type": "Polygon", "coordinates": [[[106.2, 10.2], [106.3, 10.2], [106.3, 10.3], [106.2, 10.3], [106.2, 10.2]]]}


def feature(fid, geometry, **props):
    return {"type": "Feature", "properties": {"id": fid, **props}, "geometry": geometry}


def rows(job, code):
    return [r["row"] for r in job.report["rows"] if r["code"] == code]


def test_a_bow_tie_is_repaired_and_counted(tmp_path):
    job = import_now(write_geojson(tmp_path, [feature("a", SQUARE), feature("b", BOW_TIE)]), layer="vung")
    assert job.status == "succeeded"
    assert job.report["counts"] == {"read": 2, "loaded": 2, "repaired": 1, "rejected": 0}
    assert rows(job, "repaired_geometry") == [2]
    bow = Feature.objects.get(source_id="b").geom
    assert bow.valid and bow.geom_type == "MultiPolygon"
    assert Layer.objects.get(slug="vung").geometry_type == "MultiPolygon"


def test_a_layer_that_rejects_invalid_geometry_refuses_the_bow_tie(tmp_path):
    import_now(write_geojson(tmp_path, [feature("a", SQUARE)]), layer="vung")
    Layer.objects.filter(slug="vung").update(invalid_geometry="reject")
    job = import_now(write_geojson(tmp_path, [feature("a", SQUARE), feature("b", BOW_TIE)]), layer="vung")
    assert job.report["counts"]["rejected"] == 1 and rows(job, "invalid_geometry") == [2]
    assert "Self-intersection" in job.report["rows"][0]["en"]
    assert list(Feature.objects.values_list("source_id", flat=True)) == ["a"]


def test_empty_missing_and_non_finite_geometries_are_rejected_with_their_rows(tmp_path):
    path = tmp_path / "bad.geojson"
    path.write_text('{"type":"FeatureCollection","features":['
                    '{"type":"Feature","properties":{"id":"ok"},"geometry":{"type":"Point","coordinates":[106.4,10.5]}},'
                    '{"type":"Feature","properties":{"id":"none"},"geometry":null},'
                    '{"type":"Feature","properties":{"id":"empty"},"geometry":{"type":"Polygon","coordinates":[]}},'
                    '{"type":"Feature","properties":{"id":"far"},"geometry":{"type":"Point","coordinates":[571240,1164846]}}'
                    ']}')
    job = import_now(path, layer="diem")
    assert job.status == "succeeded"
    assert {r["row"]: r["code"] for r in job.report["rows"]} == {2: "missing_geometry", 3: "empty_geometry",
                                                                 4: "out_of_range"}
    assert job.report["counts"] == {"read": 4, "loaded": 1, "repaired": 0, "rejected": 3}


def test_duplicate_source_ids_keep_the_first_and_report_the_rest(tmp_path):
    path = write_geojson(tmp_path, [point_feature("x", 106.4, 10.5, n=1), point_feature("x", 106.5, 10.6, n=2)])
    job = import_now(path, layer="diem")
    assert rows(job, "duplicate_source_id") == [2]
    assert Feature.objects.get(source_id="x").properties["n"] == 1


def test_3d_coordinates_are_flattened_with_a_warning(tmp_path):
    path = write_geojson(tmp_path, [feature("z", {"type": "Point", "coordinates": [106.4, 10.5, 3.5]})])
    job = import_now(path, layer="diem")
    assert "z_dropped" in [w["code"] for w in job.report["warnings"]]
    assert not Feature.objects.get(source_id="z").geom.hasz


def test_mixed_geometry_types_make_a_mixed_layer_with_a_warning(tmp_path):
    path = write_geojson(tmp_path, [point_feature("p", 106.4, 10.5), feature("s", SQUARE)])
    job = import_now(path, layer="hon-hop")
    assert "mixed_geometry" in [w["code"] for w in job.report["warnings"]]
    assert Layer.objects.get(slug="hon-hop").geometry_type == "Geometry"


def test_a_file_whose_every_row_is_bad_changes_nothing(tmp_path):
    first = import_now(write_geojson(tmp_path, [point_feature("a", 106.4, 10.5)]), layer="diem")
    job = import_now(write_geojson(tmp_path, [feature("b", None)], name="none.geojson"), layer="diem")
    assert job.status == "failed" and job.report["errors"][-1]["code"] == "nothing_loaded"
    assert rows(job, "missing_geometry") == [1]
    assert Layer.objects.get(slug="diem").version == first.layer_version


def test_replace_append_and_upsert(tmp_path):
    v1 = import_now(write_geojson(tmp_path, [point_feature("a", 106.4, 10.5, n=1), point_feature("b", 106.5, 10.5, n=1)]),
                    layer="diem")
    v2 = import_now(write_geojson(tmp_path, [point_feature("b", 106.6, 10.6, n=2), point_feature("c", 106.7, 10.7, n=2)]),
                    layer="diem", mode="append")
    assert rows(v2, "already_in_layer") == [1]
    assert dict(Feature.objects.values_list("source_id", "properties__n")) == {"a": 1, "b": 1, "c": 2}
    v3 = import_now(write_geojson(tmp_path, [point_feature("b", 106.6, 10.6, n=3), point_feature("d", 106.8, 10.8, n=3)]),
                    layer="diem", mode="upsert")
    assert dict(Feature.objects.values_list("source_id", "properties__n")) == {"a": 1, "b": 3, "c": 2, "d": 3}
    assert v3.report["upsert"] == {"inserted": 1, "updated": 1}
    assert v2.report["counts"] == {"read": 2, "loaded": 1, "repaired": 0, "rejected": 1}
    v4 = import_now(write_geojson(tmp_path, [point_feature("z", 106.4, 10.5, n=4)]), layer="diem", mode="replace")
    assert list(Feature.objects.values_list("source_id", flat=True)) == ["z"]
    versions = [job.layer_version for job in (v1, v2, v3, v4)]
    assert versions == sorted(versions) and len(set(versions)) == 4
    assert Layer.objects.get(slug="diem").feature_count == 1


def test_running_a_finished_job_again_changes_nothing(tmp_path):
    from layers.imports import jobs

    job = import_now(write_geojson(tmp_path, [point_feature("a", 106.4, 10.5)]), layer="diem")
    assert jobs.run(job.pk) == "succeeded"
    assert Layer.objects.get(slug="diem").version == job.layer_version


def test_a_job_another_worker_holds_is_looked_at_again_later(tmp_path):
    from celery.exceptions import Retry
    from django.db import connections

    from layers.imports.submit import Options, submit
    from layers.tasks import import_file

    path = write_geojson(tmp_path, [point_feature("a", 106.4, 10.5)])
    with open(path, "rb") as fh:
        job = submit(user=None, file_name=path.name, chunks=[fh.read()], queue=False,
                     options=Options(layer="diem", title="Điểm", domain="admin"))
    held = threading.Event()
    release = threading.Event()

    def other_worker():
        # A second connection holds the job's lock, as a worker busy with it would.
        with connections["default"].cursor() as cur:
            cur.execute("SELECT pg_advisory_lock(7301, %s)", [job.pk])
            held.set()
            release.wait(30)
            cur.execute("SELECT pg_advisory_unlock(7301, %s)", [job.pk])
        connections["default"].close()

    thread = threading.Thread(target=other_worker)
    thread.start()
    held.wait(30)
    try:
        with pytest.raises(Retry):
            import_file(job.pk)
        job.refresh_from_db()
        assert job.status == "queued" and job.attempts == 0  # untouched: the other worker has it
    finally:
        release.set()
        thread.join()
    assert import_file(job.pk) == "succeeded"
