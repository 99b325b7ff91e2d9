"""A worker killed in the middle of an import leaves the layer as it was; the next worker completes
the job. Real worker processes, a real broker, SIGKILL."""

import os
import signal

import numpy as np
import pytest
import shapely
from celery import Celery
from pyogrio import raw

from layers.imports.submit import Options, submit
from layers.models import ImportJob, Layer
from tests.conftest import feature_count_sql, wait_for
from tests.import_files import import_now, point_feature, write_geojson
from tests.import_workers import kill_broker_url, start_worker

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]
POINTS = 250_000


def test_a_killed_import_leaves_the_old_version_and_the_next_worker_completes_it(import_dir, tmp_path):
    old = import_now(write_geojson(tmp_path, [point_feature("old", 106.4, 10.5)]), layer="diem", domain="environment")
    layer = Layer.objects.get(slug="diem")
    assert layer.version == old.layer_version and layer.feature_count == 1

    rng = np.random.default_rng(7)
    xy = np.column_stack([105.5 + rng.random(POINTS) * 1.2, 10.4 + rng.random(POINTS) * 0.6])
    big = tmp_path / "diem.gpkg"
    raw.write(str(big), shapely.to_wkb(shapely.points(xy)), [np.arange(POINTS).astype(str).astype(object)], ["id"],
              driver="GPKG", geometry_type="Point", crs="EPSG:4326")
    with open(big, "rb") as fh:
        job = submit(user=None, file_name=big.name, chunks=iter(lambda: fh.read(1 << 20), b""),
                     options=Options(layer="diem"), queue=False)

    # Not the current app: shared tasks of later tests must keep the project app and its result backend.
    producer = Celery(broker=kill_broker_url(), set_as_current=False)
    producer.connection_for_write().default_channel.client.flushdb()  # the kill test's own broker database
    producer.send_task("layers.import_file", args=[job.pk])
    first = start_worker(tmp_path, "doomed", broker=kill_broker_url(), visibility_timeout=3)
    try:
        wait_for(lambda: ImportJob.objects.filter(pk=job.pk, status="running", progress__gte=25).exists(), 120,
                 "the first worker to be well into the job")
        os.kill(first.pid, signal.SIGKILL)
        first.wait(timeout=30)
    finally:
        if first.poll() is None:
            first.kill()

    killed = ImportJob.objects.get(pk=job.pk)
    assert killed.status == "running" and killed.attempts == 1  # it died mid-way, not after finishing
    layer.refresh_from_db()
    assert layer.version == old.layer_version and layer.feature_count == 1 and feature_count_sql(layer) == 1

    second = start_worker(tmp_path, "rescuer", broker=kill_broker_url(), visibility_timeout=3)
    try:
        done = wait_for(lambda: ImportJob.objects.filter(pk=job.pk, status__in=["succeeded", "failed"]).first(), 180,
                        "the second worker to finish the job")
    finally:
        second.send_signal(signal.SIGTERM)
        second.wait(timeout=60)
    assert done.status == "succeeded", done.report
    assert done.attempts == 2
    layer.refresh_from_db()
    assert layer.feature_count == POINTS == feature_count_sql(layer)
    assert layer.version == old.layer_version + 1 == done.layer_version
