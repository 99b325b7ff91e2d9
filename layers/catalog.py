"""Changes to the catalog that every writer goes through: version bumps, counts and extents."""

from pathlib import Path

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.dispatch import Signal
from psycopg import sql

from layers import storage
from layers.models import ExportJob, Kind, Layer
from layers.schema import validate_style

# Sent after these functions changed a layer row in SQL (Model.save sends post_save itself), for the
# caches of layer rows that must hear of every change (tiles.access_memo). The version bump itself
# stays an explicit call; this only tells. Argument: layer.
layer_changed = Signal()


def publish_changes(layer: Layer, *, table: str = "layers_feature") -> Layer:
    """Recount features, recompute the extent (SRID 4326) and bump the version, in one statement.

    Call it inside the transaction that changed the features, so readers see the new data and the
    new version together. `table` holds the layer's features: the store, or the layer's next version
    just before layers.storage.swap makes it the layer's partition. Returns the layer refreshed from
    the database.
    """
    with connection.cursor() as cur:
        cur.execute(
            sql.SQL("""
            UPDATE layers_layer AS l
               SET feature_count = s.n,
                   extent = CASE WHEN s.box IS NULL THEN NULL
                                 ELSE ST_SetSRID(ST_Envelope(ST_Buffer(s.box::geometry, 0.000001)), 4326) END,
                   version = l.version + 1,
                   updated_at = now()
              FROM (SELECT count(*) AS n, ST_Extent(geom) AS box
                      FROM {} WHERE layer_id = %s) AS s
             WHERE l.id = %s
            """).format(sql.Identifier(table)).as_string(cur.connection),
            [layer.pk, layer.pk],
        )
    layer_changed.send(sender=Layer, layer=layer)
    layer.refresh_from_db()
    return layer


def bump_version(layer: Layer) -> Layer:
    """Bump the version after a change that does not touch features (style, access, titles)."""
    with connection.cursor() as cur:
        cur.execute(
            "UPDATE layers_layer SET version = version + 1, updated_at = now() WHERE id = %s", [layer.pk]
        )
    layer_changed.send(sender=Layer, layer=layer)
    layer.refresh_from_db()
    return layer


def save_style(layer: Layer, style: dict) -> Layer:
    """Store a layer's style (checked by layers.schema.validate_style, which raises) and bump its
    version, so that every map's cached style and tiles follow at once."""
    validate_style(style)
    if layer.kind == Kind.RASTER and style.get("type") != "raster" or layer.kind == Kind.VECTOR and style["type"] == "raster":
        raise ValidationError("The style type does not suit this kind of layer.")
    Layer.objects.filter(pk=layer.pk).update(style=style)
    return bump_version(layer)


def delete_layer(layer: Layer) -> None:
    """Delete a layer the way the admin does (Model.delete: its export jobs and group links go with
    the row, post_delete tells the caches, the trigger of migration layers/0003 drops its partition),
    its partition emptied first by one TRUNCATE rather than a DELETE of every feature. Its files (a
    raster's COG, built exports) are removed once the deletion is committed, and only from under
    MEDIA_ROOT and LAYERS_EXPORT_DIR."""
    files = _files_of(layer)
    with transaction.atomic():
        with connection.cursor() as cur:
            cur.execute(sql.SQL("TRUNCATE {}").format(sql.Identifier(storage.partition_name(layer.pk))))
        layer.delete()
        transaction.on_commit(lambda: [path.unlink(missing_ok=True) for path in files])


def _files_of(layer: Layer) -> list[Path]:
    roots = [Path(settings.MEDIA_ROOT).resolve(), Path(settings.LAYERS_EXPORT_DIR).resolve()]
    named = [Path(settings.MEDIA_ROOT) / layer.raster_path] if layer.raster_path else []
    named += [Path(p) for p in ExportJob.objects.filter(layer=layer).exclude(file_path="")
              .values_list("file_path", flat=True)]
    resolved = [path.resolve() for path in named]
    return [path for path in resolved if any(root in path.parents for root in roots)]
