"""How many features each visible layer has in a map view and time window: what the layer panel
shows. One statement, or none where the catalog or the cluster cells answer."""

from datetime import datetime

from layers import query as features
from layers.access import Caller, visible_layers
from layers.models import Kind, TimeKind
from layers.query import Sql
from layers.replicas import reading_connection
from tiles.counting import count_points_in_bbox


def count_by_layer(
    user: Caller, *, bbox: tuple[float, float, float, float] | None = None,
    start: datetime | None = None, end: datetime | None = None,
) -> dict[str, int]:
    """slug → features of each visible vector layer inside `bbox` (WGS 84) and, for layers with
    time, meeting the window [start, end] (the rule of layers.query.during). Layers without time
    ignore the time window. Without a bbox or a window the catalog's maintained count answers, with
    no scan; the cluster cells of dense point layers (tiles.counting) answer for a bbox alone where
    they can, exactly."""
    layers = list(visible_layers(user).filter(kind=Kind.VECTOR).values_list(
        "id", "slug", "time_kind", "feature_count", "version", "geometry_type"))
    windowed = start is not None or end is not None
    if bbox is None and not windowed:
        return {slug: total for _id, slug, _time, total, *_rest in layers}
    counted: dict[int, int] = {}
    if bbox is not None:
        for layer_id, _s, time_kind, total, version, geometry_type in layers:
            if not (windowed and time_kind != TimeKind.NONE):
                fast = count_points_in_bbox(layer_id, version, geometry_type, total, bbox)
                if fast is not None:
                    counted[layer_id] = fast
    # Only the layers a filter applies to are scanned; the others keep their catalog count.
    scanned = [(layer_id, time_kind != TimeKind.NONE) for layer_id, _s, time_kind, *_rest in layers
               if layer_id not in counted and (bbox is not None or time_kind != TimeKind.NONE)]
    conditions = [Sql("f.layer_id = w.layer_id")]
    if bbox is not None:
        conditions.append(features.in_bbox(bbox))
    if windowed:
        conditions.append("(NOT w.timed OR " + features.during(start, end) + ")")
    statement = (
        Sql("SELECT w.layer_id, (")
        + features.select("count(*)", features.where(conditions))
        + Sql(") FROM unnest(%s::bigint[], %s::boolean[]) AS w(layer_id, timed)",
              [[layer_id for layer_id, _timed in scanned], [timed for _id, timed in scanned]])
    )
    if scanned:
        with reading_connection().cursor() as cur:
            cur.execute(statement.text, statement.params)
            counted.update(cur.fetchall())
    return {slug: counted.get(layer_id, total) for layer_id, slug, _time, total, *_rest in layers}
