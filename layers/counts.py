"""How many features each visible layer has in a map view and time window, and the time span of each
visible time layer — what the layer panel and the time slider show. One statement each."""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime


from layers import query as features
from layers.access import Caller, visible_layers
from layers.models import Kind, TimeKind
from layers.query import Sql
from layers.replicas import reading_connection

# Exact counts of a layer in a box or a polygon from structures an app above `layers` keeps per layer
# version (the cluster cells of tiles.counting, registered at tiles' app ready, since `layers` never
# imports `tiles`). Called as counter(layer_id, version, geometry_type, feature_count, area) for each
# layer whose count no time window narrows and no category breaks down; the area is a WGS 84 bbox
# (box counters) or a polygon's WKB in EPSG:4326 (zone counters). None means "count plainly" (no
# structure of that version, a layer or area it does not fit).
BoxCounter = Callable[[int, int, str, int, tuple[float, float, float, float]], int | None]
ZoneCounter = Callable[[int, int, str, int, bytes], int | None]
_box_counters: list[BoxCounter] = []
_zone_counters: list[ZoneCounter] = []


def register_box_counter(counter: BoxCounter) -> None:
    if counter not in _box_counters:
        _box_counters.append(counter)


def register_zone_counter(counter: ZoneCounter) -> None:
    if counter not in _zone_counters:
        _zone_counters.append(counter)


def count_from_structures(layer_id: int, version: int, geometry_type: str, feature_count: int,
                          area: tuple[float, float, float, float] | bytes) -> int | None:
    """The count of a registered counter for a box or a polygon's WKB, or None."""
    for counter in _zone_counters if isinstance(area, (bytes, memoryview)) else _box_counters:
        counted = counter(layer_id, version, geometry_type, feature_count, area)
        if counted is not None:
            return counted
    return None


@dataclass(frozen=True)
class TimeSpan:
    slug: str
    time_kind: str
    start: datetime | None
    end: datetime | None


def count_by_layer(
    user: Caller, *, bbox: tuple[float, float, float, float] | None = None,
    start: datetime | None = None, end: datetime | None = None,
) -> dict[str, int]:
    """slug → features of each visible vector layer inside `bbox` (WGS 84) and, for layers with
    time, meeting the window [start, end] (the rule of layers.query.during). Layers without time
    ignore the time window. Without a bbox or a window the catalog's maintained count answers, with
    no scan; a registered box counter (tiles.counting: precomputed cells of dense point layers)
    answers for a bbox alone where it can, exactly."""
    layers = list(visible_layers(user).filter(kind=Kind.VECTOR).values_list(
        "id", "slug", "time_kind", "feature_count", "version", "geometry_type"))
    windowed = start is not None or end is not None
    if bbox is None and not windowed:
        return {slug: total for _id, slug, _time, total, *_rest in layers}
    counted: dict[int, int] = {}
    if bbox is not None:
        for layer_id, _s, time_kind, total, version, geometry_type in layers:
            if not (windowed and time_kind != TimeKind.NONE):
                fast = count_from_structures(layer_id, version, geometry_type, total, bbox)
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


def time_spans(user: Caller) -> list[TimeSpan]:
    """The first and last moment of each visible layer with time (empty layers: None, None)."""
    layers = list(visible_layers(user).exclude(time_kind=TimeKind.NONE).values_list("id", "slug", "time_kind"))
    with reading_connection().cursor() as cur:
        # min(time_start) walks the (layer, time_start) index; max(time_end) of instants equals
        # max(time_start), which the index also answers, so only interval layers are scanned (a
        # missing end is an instant at its start, as in layers.query.during).
        cur.execute(
            """
            SELECT w.layer_id,
                   (SELECT min(time_start) FROM layers_feature WHERE layer_id = w.layer_id),
                   CASE WHEN w.time_kind = %(instant)s
                        THEN (SELECT max(time_start) FROM layers_feature WHERE layer_id = w.layer_id)
                        ELSE (SELECT max(coalesce(time_end, time_start)) FROM layers_feature WHERE layer_id = w.layer_id) END
              FROM unnest(%(ids)s::bigint[], %(kinds)s::text[]) AS w(layer_id, time_kind)
            """,
            {"ids": [l[0] for l in layers], "kinds": [l[2] for l in layers], "instant": TimeKind.INSTANT.value},
        )
        spans = {layer_id: (start, end) for layer_id, start, end in cur.fetchall()}
    return [TimeSpan(slug, kind, *spans.get(layer_id, (None, None))) for layer_id, slug, kind in layers]
