"""Precomputed grid clusters for dense layers, so low-zoom tiles of a million points cost an index
range scan instead of a scan of the layer.

Levels are built for one layer version: the finest (TILES_CLUSTER_MAX_ZOOM) from the features, each
coarser one from the level below it (a cell of zoom z-1 is four cells of zoom z). Cells are in
EPSG:3857 metres, computed with the spherical Mercator formulas from lon/lat (SRID 4326).
"""

import logging

from django.conf import settings
from django.db import connection, transaction
from kombu.exceptions import OperationalError as BrokerUnavailable

from layers.models import Layer
from tiles.grid import MERCATOR_HALF
from tiles.models import ClusterLevel
from tiles.mvt import numeric_names

log = logging.getLogger(__name__)


def needs_clusters(layer: Layer) -> bool:
    """Only a layer with more features than one tile may hold can ever be clustered."""
    return layer.kind == "vector" and layer.feature_count > settings.TILES_MAX_FEATURES


def has_clusters(layer: Layer) -> bool:
    return ClusterLevel.objects.filter(
        layer=layer, version=layer.version, grid=settings.TILES_CLUSTER_CELLS, ready=True
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
        grid = settings.TILES_CLUSTER_CELLS
        # Levels of this version on another grid (the setting changed) are replaced.
        ClusterLevel.objects.filter(layer=layer, version=layer.version).delete()
        with connection.cursor() as cur:
            cur.execute("DELETE FROM tiles_clustercell WHERE layer_id = %s AND version = %s", [layer.pk, layer.version])
        written = _insert_finest(layer, top)
        ClusterLevel.objects.create(layer=layer, version=layer.version, z=top, grid=grid, cells=written, ready=True)
        total = written
        for z in range(top - 1, settings.TILES_MIN_ZOOM - 1, -1):
            cells = _insert_coarser(layer, z)
            ClusterLevel.objects.create(layer=layer, version=layer.version, z=z, grid=grid, cells=cells, ready=True)
            total += cells
        with connection.cursor() as cur:
            cur.execute(
                "DELETE FROM tiles_clustercell WHERE layer_id = %s AND version <> %s", [layer.pk, layer.version]
            )
        ClusterLevel.objects.filter(layer=layer).exclude(version=layer.version).delete()
    log.info("clusters of %s v%s: %s cells", layer.slug, layer.version, total)
    return total


def _numeric_names(layer: Layer) -> list[str]:
    return numeric_names(layer)  # the ones tiles.mvt reads back from a cell


def _insert_finest(layer: Layer, z: int) -> int:
    """Cells of zoom z from the features (SRID 4326 → metres by formula; sizes in metres)."""
    size = 2 * MERCATOR_HALF / (1 << z) / settings.TILES_CLUSTER_CELLS
    pairs, sum_params = [], []
    for name in _numeric_names(layer):
        pairs.append(
            "%s, sum(CASE WHEN jsonb_typeof(p.properties -> %s) = 'number' THEN (p.properties ->> %s)::float8 END)"
        )
        sum_params += ["sum_" + name, name, name]
    sums = "jsonb_strip_nulls(jsonb_build_object(" + ", ".join(pairs) + "))" if pairs else "'{}'::jsonb"
    sql = f"""
        INSERT INTO tiles_clustercell (layer_id, version, z, cx, cy, n, mx, my, sums)
        SELECT %s, %s, %s, floor((p.mx + %s) / %s), floor((%s - p.my) / %s), count(*), avg(p.mx), avg(p.my),
               {sums}
          FROM (SELECT (ST_XMin(f.geom) + ST_XMax(f.geom)) / 2 * %s / 180 AS mx,
                       ln(tan(radians(45 + (ST_YMin(f.geom) + ST_YMax(f.geom)) / 4))) * %s AS my,
                       f.properties
                  FROM layers_feature AS f WHERE f.layer_id = %s) AS p
         GROUP BY 4, 5
    """
    params = [
        layer.pk, layer.version, z, MERCATOR_HALF, size, MERCATOR_HALF, size,
        *sum_params,
        MERCATOR_HALF, MERCATOR_HALF / 3.141592653589793,
        layer.pk,
    ]
    with connection.cursor() as cur:
        cur.execute(sql, params)
        return cur.rowcount


def _insert_coarser(layer: Layer, z: int) -> int:
    """Cells of zoom z from those of z+1: counts and sums add up, positions are count-weighted."""
    pairs, sum_params = [], []
    for name in _numeric_names(layer):
        pairs.append("%s, sum((c.sums ->> %s)::float8)")
        sum_params += ["sum_" + name, "sum_" + name]
    sums = "jsonb_strip_nulls(jsonb_build_object(" + ", ".join(pairs) + "))" if pairs else "'{}'::jsonb"
    sql = f"""
        INSERT INTO tiles_clustercell (layer_id, version, z, cx, cy, n, mx, my, sums)
        SELECT c.layer_id, c.version, %s, c.cx / 2, c.cy / 2, sum(c.n),
               sum(c.mx * c.n) / sum(c.n), sum(c.my * c.n) / sum(c.n), {sums}
          FROM tiles_clustercell AS c
         WHERE c.layer_id = %s AND c.version = %s AND c.z = %s
         GROUP BY c.layer_id, c.version, c.cx / 2, c.cy / 2
    """
    with connection.cursor() as cur:
        cur.execute(sql, [z, *sum_params, layer.pk, layer.version, z + 1])
        return cur.rowcount


def request_clusters(layer: Layer) -> None:
    """Queue a build for the layer's version (once: the task is idempotent and takes the id)."""
    from tiles.tasks import build_layer_clusters

    def queue() -> None:
        try:
            build_layer_clusters.delay(layer.pk)
        except BrokerUnavailable:
            # The tile was served from live clusters; the next one will ask again.
            log.warning("could not queue a cluster build for %s: broker unavailable", layer.slug)

    transaction.on_commit(queue)
