"""The time span of each visible time layer: what the time slider shows. One statement."""

from dataclasses import dataclass
from datetime import datetime

from layers.access import Caller, visible_layers
from layers.models import TimeKind
from layers.replicas import reading_connection


@dataclass(frozen=True)
class TimeSpan:
    slug: str
    time_kind: str
    start: datetime | None
    end: datetime | None


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
