"""A spatial index per dense layer: a partial GiST on layers_feature for `layer_id = <id>`.

All layers share one feature table. Its GiST on geom holds every layer's features, so a mid-zoom
tile of one layer walks the others' features in the same area (half a million rows for a z10 road
tile next to a million points); the B-tree on layer_id walks the whole layer. A partial index per
layer above TILES_MAX_FEATURES answers `layer_id = ? AND geom && envelope` alone. Small layers need
none. This is the measured optimisation the design allows before per-layer tables or partitions.
"""

from django.db import connection
from psycopg import sql

from layers.models import Layer

_PREFIX = "tiles_layer_"


def index_name(layer_id: int) -> str:
    return f"{_PREFIX}{layer_id}_geom"


def ensure_layer_index(layer: Layer) -> bool:
    """Create the layer's partial GiST if it is missing; True when it was created.

    CONCURRENTLY (writers are not blocked) unless inside a transaction, where it cannot run.
    """
    name = index_name(layer.pk)
    with connection.cursor() as cur:
        cur.execute("SELECT 1 FROM pg_indexes WHERE tablename = 'layers_feature' AND indexname = %s", [name])
        if cur.fetchone():
            return False
        if connection.in_atomic_block:
            # Deferred foreign-key checks of rows written in this transaction must run first.
            cur.execute("SET CONSTRAINTS ALL IMMEDIATE")
        concurrently = sql.SQL("" if connection.in_atomic_block else "CONCURRENTLY")
        statement = sql.SQL(
            "CREATE INDEX {concurrently} IF NOT EXISTS {name} ON layers_feature USING gist (geom) WHERE layer_id = {id}"
        ).format(concurrently=concurrently, name=sql.Identifier(name), id=sql.Literal(int(layer.pk)))
        cur.execute(statement.as_string(cur.connection))
        cur.execute("ANALYZE layers_feature")
    return True


def drop_orphan_indexes() -> list[str]:
    """Drop the partial indexes of layers that no longer exist."""
    with connection.cursor() as cur:
        cur.execute("SELECT indexname FROM pg_indexes WHERE tablename = 'layers_feature' AND indexname LIKE %s",
                    [_PREFIX + "%_geom"])
        names = [row[0] for row in cur.fetchall()]
        known = {index_name(pk) for pk in Layer.objects.values_list("pk", flat=True)}
        dropped = [name for name in names if name not in known]
        for name in dropped:
            cur.execute(sql.SQL("DROP INDEX IF EXISTS {}").format(sql.Identifier(name)).as_string(cur.connection))
    return dropped
