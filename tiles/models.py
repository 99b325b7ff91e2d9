"""Precomputed grid clusters of dense layers (tiles.generalize), keyed by layer version so that an
edit never shows stale clusters: a new version simply has no level yet and clusters live."""

from django.db import models

from layers.models import Layer


class ClusterLevel(models.Model):
    """One zoom of clusters of one layer version; `ready` once all its cells are written."""

    layer = models.ForeignKey(Layer, on_delete=models.CASCADE, related_name="+")
    version = models.PositiveBigIntegerField()
    z = models.PositiveSmallIntegerField()
    # TILES_CLUSTER_CELLS when it was built: cells of another grid are never read.
    grid = models.PositiveSmallIntegerField(default=64)
    cells = models.PositiveIntegerField(default=0)
    ready = models.BooleanField(default=False)
    built_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["layer", "version", "z"], name="cluster_level_unique")]


class ClusterCell(models.Model):
    """A cluster: the features of one grid cell (TILES_CLUSTER_CELLS per tile side at zoom z; cx, cy
    counted from the north-west corner of EPSG:3857), their count, mean position in EPSG:3857 metres
    and the sums of numeric properties as {"sum_<name>": value}."""

    layer = models.ForeignKey(Layer, on_delete=models.CASCADE, related_name="+", db_index=False)
    version = models.PositiveBigIntegerField()
    z = models.PositiveSmallIntegerField()
    cx = models.IntegerField()
    cy = models.IntegerField()
    n = models.PositiveIntegerField()
    mx = models.FloatField()
    my = models.FloatField()
    sums = models.JSONField(default=dict)

    class Meta:
        # A tile reads a rectangle of cells of one level: one range scan on this index.
        indexes = [models.Index(fields=["layer", "version", "z", "cx", "cy"], name="cluster_cell_tile")]
