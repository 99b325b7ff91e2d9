"""A worker killed in the middle of an export: the broker hands the job to the next worker, which
builds the file again from nothing; the job ends succeeded once, with one whole file. A second
delivery while a live worker builds it waits (the job's advisory lock). Real workers, a real broker,
SIGKILL."""

import os
import signal
from pathlib import Path

import pyogrio
import pytest
from celery import Celery
from django.db import connection

from layers import exports
from layers.catalog import publish_changes
from layers.models import ExportJob
from tests.conftest import make_layer, other_session, wait_for
from tests.import_workers import kill_broker_url, start_worker

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]
POINTS = 300_000


def test_a_killed_export_is_built_again_by_the_next_worker_and_only_once(tmp_path):
    layer = make_layer("diem-xuat", geometry_type="Point", property_schema=[])
    with connection.cursor() as cur:
        cur.execute("INSERT INTO layers_feature (layer_id, source_id, geom, properties)"
                    " SELECT %s, g::text, ST_SetSRID(ST_MakePoint(105.5 + (g %% 1000) / 900.0, 10.4 + g / 600000.0),"
                    " 4326), '{}'::jsonb FROM generate_series(1, %s) AS g", [layer.pk, POINTS])
    layer = publish_changes(layer)
    job = ExportJob.objects.create(layer=layer, layer_version=layer.version, fmt="gpkg", crs="EPSG:4326")
    directory = exports.export_dir(job)

    producer = Celery(broker=kill_broker_url(), set_as_current=False)
    producer.connection_for_write().default_channel.client.flushdb()
    producer.send_task("layers.build_export", args=[job.pk])
    first = start_worker(tmp_path, "doomed-export", broker=kill_broker_url(), visibility_timeout=3)
    try:
        wait_for(lambda: ExportJob.objects.filter(pk=job.pk, status="running").exists()
                 and any(p.stat().st_size > 0 for p in Path(directory).glob("*")), 120,
                 "the first worker to be writing the file")
        os.kill(first.pid, signal.SIGKILL)
        first.wait(timeout=30)
    finally:
        if first.poll() is None:
            first.kill()
    assert ExportJob.objects.get(pk=job.pk).status == "running"  # it died mid-way

    # While a live worker holds the job, a second delivery does not touch it.
    with other_session(autocommit=True) as holder:
        holder.execute("SELECT pg_advisory_lock(7302, %s)", [job.pk])
        assert exports.build(job.pk) == "locked"

    second = start_worker(tmp_path, "rescuer-export", broker=kill_broker_url(), visibility_timeout=3)
    try:
        done = wait_for(lambda: ExportJob.objects.filter(pk=job.pk, status__in=["succeeded", "failed"]).first(), 240,
                        "the second worker to finish the export")
    finally:
        second.send_signal(signal.SIGTERM)
        second.wait(timeout=60)
    assert done.status == "succeeded", done.error
    assert ExportJob.objects.filter(layer=layer).count() == 1
    files = list(Path(directory).iterdir())
    assert [f.name for f in files] == ["diem-xuat.gpkg"]
    assert pyogrio.read_info(files[0])["features"] == POINTS
