"""How many features each visible layer has in a map view and time window, and the time span of each
visible time layer — what the layer panel and the time slider show. One statement each."""

from dataclasses import dataclass
from datetime import datetime

from django.db import connection

from layers import query as features
from layers.access import Caller, visible_layers
from layers.models import Kind, TimeKind
from layers.query import Sql


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
    no scan."""
    layers = list(visible_layers(user).filter(kind=Kind.VECTOR).values_list("id", "slug", "time_kind", "feature_count"))
    windowed = start is not None or end is not None
    if bbox is None and not windowed:
        return {slug: total for _id, slug, _time, total in layers}
    # Only the layers a filter applies to are scanned; the others keep their catalog count.
    scanned = [(layer_id, time_kind != TimeKind.NONE) for layer_id, _s, time_kind, _t in layers
               if bbox is not None or time_kind != TimeKind.NONE]
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
    with connection.cursor() as cur:
        cur.execute(statement.text, statement.params)
        counted = dict(cur.fetchall())
    return {slug: counted.get(layer_id, total) for layer_id, slug, _time, total in layers}


def time_spans(user: Caller) -> list[TimeSpan]:
    """The first and last moment of each visible layer with time (empty layers: None, None)."""
    layers = list(visible_layers(user).exclude(time_kind=TimeKind.NONE).values_list("id", "slug", "time_kind"))
    with connection.cursor() as cur:
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
