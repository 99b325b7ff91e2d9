"""Changes to the catalog that every writer goes through: version bumps, counts and extents."""

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pghistory
from django.conf import settings
from django.db import connection, transaction
from django.dispatch import Signal
from django.forms.models import model_to_dict
from psycopg import sql

from layers import storage
from layers.models import ExportJob, KeptReason, KeptVersion, Kind, Layer
from layers.query import Sql
from layers.schema import validate_layer_style

# Sent after these functions changed a layer row in SQL (Model.save sends post_save itself), for the
# caches of layer rows that must hear of every change (tiles.access_memo). The version bump itself
# stays an explicit call; this only tells. Argument: layer.
layer_changed = Signal()

# minLon, minLat, maxLon, maxLat (SRID 4326).
Box = tuple[float, float, float, float]


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


def replace_features(layer: Layer, *, rows: Sql, prepare: Callable[[str], None] | None = None) -> Layer:
    """Replace all of a layer's features with the rows a SELECT yields, in the caller's transaction:
    columns (source_id, geom [SRID 4326], properties [jsonb], time_start, time_end), source ids
    unique. The rows go into the layer's next version (layers.storage), indexed once, counted and
    swapped in with the version bump, so readers see the old features or the new ones, never half.
    For data that another app keeps in tables of its own (monitoring's values) and publishes as a
    layer; `prepare(table)` may add to the loaded, indexed table (an index of its own, statistics)
    before the swap, whose lock on the store it does not lengthen. Returns the layer refreshed."""
    with transaction.atomic():
        table = storage.next_version(layer.pk)
        with connection.cursor() as cur:
            head = sql.SQL(
                "INSERT INTO {} (layer_id, source_id, geom, properties, time_start, time_end)"
                " SELECT %s, r.* FROM ("
            ).format(sql.Identifier(table)).as_string(cur.connection)
            cur.execute(head + rows.text + ") AS r", [layer.pk, *rows.params])
        storage.build_indexes(table)
        if prepare is not None:
            prepare(table)
        layer = publish_changes(layer, table=table)
        storage.swap(layer.pk, table)
    return layer


# The extent grown by the box (minLon, minLat, maxLon, maxLat) of what was written, or kept when no
# box is given (no geometry moved); %(box)s and %(x0)s… are bound by _grown_params.
_GROWN_EXTENT = """
    CASE WHEN %(box)s::float8[] IS NULL THEN l.extent
         ELSE ST_SetSRID(ST_Envelope(ST_Collect(array_remove(ARRAY[l.extent,
              ST_Expand(ST_MakeEnvelope(%(x0)s::float8, %(y0)s::float8, %(x1)s::float8, %(y1)s::float8, 4326), 0.000001)],
              NULL))), 4326) END
"""


def _grown_params(layer: Layer, added: int, box: Box | None) -> dict:
    return {"added": int(added), "box": list(box) if box else None, "id": layer.pk,
            **dict(zip(("x0", "y0", "x1", "y1"), box or (None,) * 4))}


def publish_upserts(layer: Layer, *, added: int, box: Box | None) -> Layer:
    """Bump the version after features were inserted (`added` of them) or updated in place, all within
    `box` (minLon, minLat, maxLon, maxLat; None: no geometry moved): the count and extent grow without
    a rescan of the layer, so a live layer of 100,000 features takes one more in a millisecond rather
    than the full count and extent of `publish_changes`. Call it last in the writing transaction: the
    layer row stays locked until the commit. A live writer whose bump may be deferred uses
    `publish_upserts_if_quiet`."""
    with connection.cursor() as cur:
        cur.execute(
            "UPDATE layers_layer AS l SET feature_count = l.feature_count + %(added)s, extent = " + _GROWN_EXTENT
            + ", version = l.version + 1, updated_at = now() WHERE l.id = %(id)s",
            _grown_params(layer, added, box),
        )
    layer_changed.send(sender=Layer, layer=layer)
    layer.refresh_from_db()
    return layer


def publish_upserts_if_quiet(layer: Layer, *, added: int, box: Box | None,
                             quiet: float | None) -> float | None:
    """`publish_upserts` for a live writer (layers.observations.publish_coalesced): the count and extent
    grow at once (an export, which reads the count, holds the new rows), and the version is bumped
    only if the layer was last published at least `quiet` seconds ago (None: not at all; neither the
    version nor the time of the last publish then moves), decided on the row this one statement
    locks. One round trip takes the lock and writes, where a read under lock, the writer's decision in
    Python and the update took three: concurrent writers queue on the row only for the rest of their
    transaction (the 1022 intake, eight reports at a time, queued mostly on those round trips).
    Returns None when it bumped, else the seconds since the last bump."""
    with connection.cursor() as cur:
        cur.execute(
            "WITH last AS (SELECT id, extract(epoch FROM clock_timestamp() - updated_at)::float8 AS since"
            "                FROM layers_layer WHERE id = %(id)s FOR UPDATE)"
            " UPDATE layers_layer AS l SET feature_count = l.feature_count + %(added)s, extent = " + _GROWN_EXTENT
            + ", version = l.version + CASE WHEN last.since >= %(quiet)s::float8 THEN 1 ELSE 0 END,"
              " updated_at = CASE WHEN last.since >= %(quiet)s::float8 THEN now() ELSE l.updated_at END"
              " FROM last WHERE l.id = last.id RETURNING last.since >= %(quiet)s::float8, last.since",
            {**_grown_params(layer, added, box), "quiet": quiet},
        )
        bumped, since = cur.fetchone()
    if not bumped:
        return since
    layer_changed.send(sender=Layer, layer=layer)
    layer.refresh_from_db()
    return None


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
    """Store a layer's style (checked by layers.schema.validate_layer_style, which raises) and bump its
    version, so that every map's cached style and tiles follow at once."""
    validate_layer_style(style, kind=layer.kind)
    Layer.objects.filter(pk=layer.pk).update(style=style)
    return bump_version(layer)


def delete_layer(layer: Layer, *, user_id: int | None = None) -> None:
    """Delete a layer the way the admin and the API do, restorable for LAYERS_DELETED_GRACE_DAYS
    (layers.history.restore): its partition detached from the feature store and kept under another
    name, its raster's COG left in place, its catalog row and groups copied to a KeptVersion; then
    Model.delete (its export jobs and group links go with the row, post_delete tells the caches, the
    audit log's trigger records the deletion). Built exports are removed once the deletion is
    committed (they are rebuilt on demand), and only from under LAYERS_EXPORT_DIR."""
    files = _export_files(layer)
    with transaction.atomic(), pghistory.context(action="delete"):
        layer = Layer.objects.select_for_update().get(pk=layer.pk)
        table = storage.kept_name(layer.pk, layer.version)
        kept = storage.detach(layer.pk, keep_as=table) if layer.kind == Kind.VECTOR else False
        KeptVersion.objects.create(
            layer_id=layer.pk, slug=layer.slug, version=layer.version, reason=KeptReason.DELETED,
            table=table if kept else "", raster_path=layer.raster_path, feature_count=layer.feature_count,
            row=layer_row(layer), kept_by_id=user_id,
        )
        layer.delete()
        transaction.on_commit(lambda: [path.unlink(missing_ok=True) for path in files])


def layer_row(layer: Layer) -> dict[str, Any]:
    """The catalog row's editable fields as JSON, its groups as ids: what a KeptVersion keeps and
    layers.history writes back."""
    row = model_to_dict(layer, exclude=["id", "extent", "groups"])
    row["groups"] = sorted(layer.groups.values_list("id", flat=True)) if layer.pk else []
    return row


def _export_files(layer: Layer) -> list[Path]:
    root = Path(settings.LAYERS_EXPORT_DIR).resolve()
    named = [Path(p) for p in ExportJob.objects.filter(layer=layer).exclude(file_path="")
             .values_list("file_path", flat=True)]
    return [path for path in (p.resolve() for p in named) if root in path.parents]
