"""Celery tasks of tiles. They take ids and plain values, call one function, report progress.

This module imports what its tasks run, never the reverse: tiles.delivery queues a cluster build by
name through tiles.queueing."""

from celery import shared_task
from django.contrib.auth import get_user_model

from layers.models import Layer
from tiles import generalize, queueing, seeding


@shared_task(name=queueing.BUILD_CLUSTERS)
def build_layer_clusters(layer_id: int) -> int:
    """Precompute the cluster levels of a dense layer's current version (idempotent). Its spatial
    index is its partition's own (layers.storage)."""
    layer = Layer.objects.filter(pk=layer_id).first()
    if layer is None or not generalize.needs_clusters(layer):
        return 0
    return generalize.build_clusters(layer)


@shared_task(bind=True, name="tiles.seed_tiles")
def seed_tiles(self, *, tilesets: list[str], zooms: str, bbox: list[float] | None = None,
               user_id: int | None = None) -> dict:
    """Pre-render tilesets as the given user (None: anonymous, public layers only)."""
    user = get_user_model().objects.get(pk=user_id) if user_id is not None else None
    last = {"done": -1}

    def progress(report: seeding.SeedReport) -> None:
        # One state update per 1% keeps the result backend quiet on big seeds.
        step = max(1, report.total // 100)
        if report.done - last["done"] >= step or report.done == report.total:
            last["done"] = report.done
            self.update_state(state="PROGRESS", meta={"done": report.done, "total": report.total})

    report = seeding.seed(user=user, tilesets=tilesets, zooms=seeding.parse_zooms(zooms),
                          bbox=tuple(bbox) if bbox else None, progress=progress)
    return {"total": report.total, "rendered": report.rendered, "cached": report.cached, "empty": report.empty}
