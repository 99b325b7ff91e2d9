"""The TILES_* settings are checked against each other at start-up."""

import pytest

from tiles.checks import check_tile_settings


def ids(errors) -> set[str]:
    return {e.id for e in errors}


def test_the_defaults_pass():
    assert check_tile_settings(None) == []


@pytest.mark.parametrize("changes,error", [
    ({"TILES_CACHE": "memcached"}, "tiles.E001"),
    ({"TILES_CACHE_URL": "http://127.0.0.1:6379"}, "tiles.E002"),
    ({"TILES_MIN_ZOOM": 10, "TILES_MAX_ZOOM": 8}, "tiles.E003"),
    ({"TILES_MAX_BYTES": 1000}, "tiles.E004"),
    ({"TILES_CLUSTER_CELLS": 100}, "tiles.E005"),
    ({"TILES_CLUSTER_CELLS": 128, "TILES_MAX_FEATURES": 10_000}, "tiles.E006"),
    ({"TILES_GZIP_LEVEL": 0}, "tiles.E007"),
    ({"TILES_CACHE_TTL": 5}, "tiles.E008"),
    ({"TILES_RASTER_SIZE": 300}, "tiles.E009"),
    ({"TILES_SEED_BBOX": [106.7, 10.4, 105.5, 11.0]}, "tiles.E010"),
    ({"TILES_CLUSTER_MAX_ZOOM": 23}, "tiles.E011"),
])
def test_settings_that_disagree_are_errors(settings, changes, error):
    for name, value in changes.items():
        setattr(settings, name, value)
    assert error in ids(check_tile_settings(None))
