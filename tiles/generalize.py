"""Precomputed grid clusters for dense layers, so low-zoom tiles of a million points cost an index
range scan instead of a scan of the layer.

Levels are built for one layer version: the finest (TILES_CLUSTER_MAX_ZOOM) from the features, each
coarser one from the level below it (a cell of zoom z-1 is four cells of zoom z). The cells are
those of tiles.cells, the grid tiles.mvt draws live clusters on. A build is queued by
tiles.queueing and run by tiles.tasks: this module knows nothing of Celery.
"""

import logging

from django.conf import settings
from django.db import connection, transaction

from layers import query as features
from layers.models import Layer
from tiles import cells
from tiles.models import ClusterLevel

log = logging.getLogger(__name__)


def needs_clusters(layer: Layer) -> bool:
    """Only a layer with more features than one tile may hold can ever be clustered."""
    return layer.kind == "vector" and layer.feature_count > settings.TILES_MAX_FEATURES


def has_clusters(layer: Layer) -> bool:
    return ClusterLevel.objects.filter(
        layer=layer, version=layer.version, grid=cells.grid(), ready=True
    ).exists()


def build_clusters(layer: Layer) -> int:
    """Build every level (0..TILES_CLUSTER_MAX_ZOOM) for the layer's current version, in one
    transaction, and drop the levels of older versions. Idempotent; returns the cells written.

    An advisory lock on the layer makes a second builder wait, then find the work done.
    """
    with transaction.atomic():
        with connection.cursor() as cur:
            cur.execute("SELECT pg_advisory_xact_lock(hashtext('tiles.clusters'), %s)", [layer.pk])
            # JIT compilation costs more than it saves on these one-pass aggregates.
            cur.execute("SET LOCAL jit = off")
        layer = Layer.objects.get(pk=layer.pk)
        if has_clusters(layer):
            return 0
        top = settings.TILES_CLUSTER_MAX_ZOOM
        grid = cells.grid()
        # Levels of this version on another grid (the setting changed) are replaced.
        ClusterLevel.objects.filter(layer=layer, version=layer.version).delete()
        with connection.cursor() as cur:
            cur.execute("DELETE FROM tiles_clustercell WHERE layer_id = %s AND version = %s", [layer.pk, layer.version])
        written = _insert_finest(layer, top)
        ClusterLevel.objects.create(layer=layer, version=layer.version, z=top, grid=grid, cells=written, ready=True)
        total = written
        for z in range(top - 1, settings.TILES_MIN_ZOOM - 1, -1):
            written = _insert_coarser(layer, z)
            ClusterLevel.objects.create(layer=layer, version=layer.version, z=z, grid=grid, cells=written, ready=True)
            total += written
        with connection.cursor() as cur:
            cur.execute(
                "DELETE FROM tiles_clustercell WHERE layer_id = %s AND version <> %s", [layer.pk, layer.version]
            )
        ClusterLevel.objects.filter(layer=layer).exclude(version=layer.version).delete()
    log.info("clusters of %s v%s: %s cells", layer.slug, layer.version, total)
    return total


def _insert_finest(layer: Layer, z: int) -> int:
    """Cells of zoom z from the features."""
    layer_features = features.in_layer(layer.pk)
    pairs, sum_params = [], []
    for name in cells.numeric_names(layer):
        sum_sql, params = cells.sum_sql(name, "p.")
        pairs.append("%s, " + sum_sql)
        sum_params += ["sum_" + name, *params]
    sums = "jsonb_strip_nulls(jsonb_build_object(" + ", ".join(pairs) + "))" if pairs else "'{}'::jsonb"
    cell, cell_params = cells.level_cell_sql(z)
    sql = f"""
        INSERT INTO tiles_clustercell (layer_id, version, z, cx, cy, n, mx, my, sums)
        SELECT %s, %s, %s, {cell}, count(*), avg(p.mx), avg(p.my),
               {sums}
          FROM (SELECT {cells.CENTRE_SQL},
                       f.properties
                  FROM {features.FEATURES.text} WHERE {layer_features.text}) AS p
         GROUP BY 4, 5
    """
    params = [
        layer.pk, layer.version, z, *cell_params,
        *sum_params,
        *cells.CENTRE_PARAMS,
        *layer_features.params,
    ]
    with connection.cursor() as cur:
        cur.execute(sql, params)
        return cur.rowcount


def _insert_coarser(layer: Layer, z: int) -> int:
    """Cells of zoom z from those of z+1: counts and sums add up, positions are count-weighted."""
    pairs, sum_params = [], []
    for name in cells.numeric_names(layer):
        pairs.append("%s, sum((c.sums ->> %s)::float8)")
        sum_params += ["sum_" + name, "sum_" + name]
    sums = "jsonb_strip_nulls(jsonb_build_object(" + ", ".join(pairs) + "))" if pairs else "'{}'::jsonb"
    sql = f"""
        INSERT INTO tiles_clustercell (layer_id, version, z, cx, cy, n, mx, my, sums)
        SELECT c.layer_id, c.version, %s, {cells.PARENT_SQL}, sum(c.n),
               sum(c.mx * c.n) / sum(c.n), sum(c.my * c.n) / sum(c.n), {sums}
          FROM tiles_clustercell AS c
         WHERE c.layer_id = %s AND c.version = %s AND c.z = %s
         GROUP BY c.layer_id, c.version, {cells.PARENT_SQL}
    """
    with connection.cursor() as cur:
        cur.execute(sql, [z, *sum_params, layer.pk, layer.version, z + 1])
        return cur.rowcount
