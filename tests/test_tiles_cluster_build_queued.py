"""A tile drawn from live clusters has the layer's precomputed levels built by the Celery worker:
tile delivery queues the task by its name (tiles.queueing), and the worker runs it."""

import random

import pytest
from django.db import connection
from django.test import Client

from layers.catalog import publish_changes
from tests.conftest import make_layer, wait_for
from tiles import generalize
from tiles.grid import tiles_covering

pytestmark = pytest.mark.django_db(transaction=True)

AREA = (106.0, 10.5, 106.6, 10.9)


@pytest.fixture
def dense(db):
    """One point more than a tile may hold at the default settings, which the worker has too."""
    layer = make_layer("dense")
    rng = random.Random(11)
    with connection.cursor() as cur, cur.copy(
            "COPY layers_feature (layer_id, source_id, geom, properties) FROM STDIN") as copy:
        for i in range(5001):
            lon, lat = AREA[0] + rng.random() * 0.6, AREA[1] + rng.random() * 0.4
            copy.write_row([layer.pk, f"d{i}", f"SRID=4326;POINT({lon} {lat})", f'{{"pupils": {i % 7}}}'])
    return publish_changes(layer)


def test_a_live_clustered_tile_has_the_worker_build_the_layers_levels(dense, celery_worker):
    assert generalize.needs_clusters(dense) and not generalize.has_clusters(dense)
    tile = tiles_covering(AREA, 6)[0]
    response = Client().get(f"/tiles/dense/{tile}.pbf")
    assert response.status_code == 200
    wait_for(lambda: generalize.has_clusters(dense), 60, "the worker to build the layer's cluster levels")
