"""A layer aggregated by administrative unit (analysis.units): per unit, the count of its features,
or the sum or average of a numeric property, in a time window — a table and, with each unit's
polygon, a choropleth. A feature belongs to the unit holding a point on its surface (a point: itself),
so a road or parcel across a boundary is counted once. One statement.
"""

import json
from dataclasses import dataclass
from datetime import datetime

from django.utils.translation import gettext as _

from analysis.units import Units
from layers import query as features
from layers.errors import InvalidParameter
from layers.models import Layer, TimeKind
from layers.query import Sql
from layers.replicas import reading_connection
from layers.schema import schema_property

OPERATIONS = ("count", "sum", "avg")


@dataclass(frozen=True)
class Aggregate:
    op: str
    prop: str | None
    units: list[dict]  # GeoJSON Features: {name, code, count, value}
    by: dict  # the units counted by: {"boundary", "level"} or {"layer"}
    versions: dict[str, int]


def aggregate_by_unit(
    *, layer: Layer, units: Units, op: str, prop: str | None = None,
    start: datetime | None = None, end: datetime | None = None,
) -> Aggregate:
    if op not in OPERATIONS:
        raise InvalidParameter(_("op is one of count, sum, avg."), fields={"op": [_("Not valid.")]})
    if op != "count":
        entry = schema_property(layer.property_schema or [], prop) if isinstance(prop, str) else None
        if entry is None or entry.get("type") not in ("integer", "number"):
            raise InvalidParameter(_("Name a numeric property of the layer to add up or average."),
                                   fields={"property": [_("Not valid.")]})
    # op is one of OPERATIONS: an SQL function name of our own, never the caller's text.
    value = Sql("NULL::numeric") if op == "count" else Sql(f"{op}(") + features.number(prop) + ")"
    window = features.during(start, end) if layer.time_kind != TimeKind.NONE else Sql("")
    join = features.where([features.in_layer(layer.pk), window])
    statement = (
        "SELECT u.id, u.name, ST_AsGeoJSON(u.geom, 5), a.n, a.value, u.code FROM " + units.relation()
        + " CROSS JOIN LATERAL (SELECT count(*) AS n, " + value + " AS value FROM " + features.FEATURES
        + " WHERE " + join + " AND f.geom && u.geom AND ST_Intersects(u.geom, ST_PointOnSurface(f.geom))) AS a"
        " ORDER BY 2, u.id"
    )
    with reading_connection().cursor() as cur:
        cur.execute(statement.text, statement.params)
        rows = cur.fetchall()
    listed = [
        {"type": "Feature", "id": uid, "geometry": json.loads(geometry), "properties": {
            "name": name, "code": code, "count": count,
            "value": count if op == "count" else (None if total is None else round(float(total), 4))}}
        for uid, name, geometry, count, total, code in rows
    ]
    return Aggregate(op=op, prop=prop if op != "count" else None, units=listed, by=units.described(),
                     versions={layer.slug: layer.version} | units.versions())
