"""Work that tile delivery hands to the Celery worker, queued by the task's name.

tiles.tasks imports the functions its tasks run (tiles.generalize, and tiles.seeding, which renders
through tiles.delivery). Delivery is where a tile drawn from live clusters shows that a layer's
precomputed levels are missing, so it asks for them here, by name, rather than by importing
tiles.tasks: the imports of tiles/ form no circle (tests/test_tiles_imports.py), and the module that
computes clusters knows nothing of Celery.
"""

import logging

from celery import current_app
from django.db import transaction
from kombu.exceptions import OperationalError as BrokerUnavailable

from layers.models import Layer

log = logging.getLogger(__name__)

# The name tiles.tasks registers its cluster build under.
BUILD_CLUSTERS = "tiles.build_layer_clusters"


def request_clusters(layer: Layer) -> None:
    """Queue a build for the layer's version once the transaction commits (the task is idempotent
    and takes the id)."""

    def queue() -> None:
        try:
            current_app.send_task(BUILD_CLUSTERS, args=[layer.pk])
        except BrokerUnavailable:
            # The tile was served from live clusters; the next one will ask again.
            log.warning("could not queue a cluster build for %s: broker unavailable", layer.slug)

    transaction.on_commit(queue)
