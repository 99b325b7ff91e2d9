"""Celery tasks of the wall. They take ids and plain values and call one function."""

from celery import shared_task
from django.contrib.auth import get_user_model

from tiles.seeding import parse_zooms
from wall.map_tiles import seed_map_tiles


@shared_task(name="wall.seed_map_tiles")
def seed_wall_map_tiles(*, user_ids: list[int | None], zooms: str) -> list[dict]:
    """Seed the wall's map tiles for each caller (None: an anonymous lobby wall)."""
    users = get_user_model().objects.in_bulk([pk for pk in user_ids if pk is not None])
    results = []
    for pk in user_ids:
        if pk is not None and pk not in users:
            continue  # deleted since it was queued
        report = seed_map_tiles(user=users.get(pk) if pk is not None else None, zooms=parse_zooms(zooms))
        results.append({"user_id": pk, "total": report.total, "rendered": report.rendered,
                        "cached": report.cached, "empty": report.empty})
    return results
