"""The next-version table of an import job killed and never retried is dropped by the periodic sweeper;
the table of a job a worker is running is left alone."""

import pytest
from django.db import connection

from layers import history, storage
from tests.conftest import make_layer, other_session

pytestmark = pytest.mark.django_db


def table_exists(name):
    with connection.cursor() as cur:
        cur.execute("SELECT to_regclass(%s)", [name])
        return cur.fetchone()[0] is not None


def test_a_dead_jobs_table_is_swept_and_a_running_jobs_is_not():
    layer = make_layer("ao-ho")
    dead = storage.next_version(layer.pk, job_id=900_001)
    running = storage.next_version(layer.pk, job_id=900_002)
    with other_session(autocommit=True) as worker:
        # What layers.imports.jobs holds while it runs a job.
        worker.execute("SELECT pg_advisory_lock(7301, 900002)")
        assert history.sweep()["import_tables"] == 1
        assert not table_exists(dead) and table_exists(running)
    assert history.sweep()["import_tables"] == 1
    assert not table_exists(running)
    assert table_exists(storage.partition_name(layer.pk))  # nothing else is touched
