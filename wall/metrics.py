"""The numbers on the wall, each one SQL statement over the feature store.

Callers pass a layer id they got from `layers.access` (so only visible layers are ever counted) and a
`Selection`; every value (property names included) is a bound parameter. Times are timestamptz, a
window is (start, end]. Property filters use JSONB containment, which the GIN index serves.
"""

import json
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from django.db import connection

from wall.timeframe import Window

Scalar = str | int | float | bool
# Fixed SQL per aggregate; the property name inside is a bound parameter (the first %s).
_NUMBER = "CASE WHEN jsonb_typeof(properties -> %s) = 'number' THEN (properties ->> %s)::numeric END"
_AGGREGATES = {
    "count": "count(*)",
    "count_distinct": "count(DISTINCT properties ->> %s)",
    "sum": f"coalesce(sum({_NUMBER}), 0)",
    "avg": f"avg({_NUMBER})",
    "max": f"max({_NUMBER})",
}
_COMPARISONS = {"gt": ">", "gte": ">=", "lt": "<", "lte": "<="}


@dataclass(frozen=True)
class Selection:
    """Which features of a layer: property filters (equality, one of a list, numeric bounds) and
    an optional time window."""

    layer_id: int
    filters: dict[str, Any] = field(default_factory=dict)
    window: Window | None = None

    def where(self) -> tuple[str, list[Any]]:
        clauses, params = ["layer_id = %s"], [self.layer_id]
        for name, wanted in self.filters.items():
            if isinstance(wanted, list):
                clauses.append("properties @> ANY(%s::jsonb[])")
                params.append([json.dumps({name: value}) for value in wanted])
            elif isinstance(wanted, dict):
                for op, bound in wanted.items():
                    clauses.append(f"{_NUMBER} {_COMPARISONS[op]} %s")
                    params += [name, name, bound]
            else:
                clauses.append("properties @> %s::jsonb")
                params.append(json.dumps({name: wanted}))
        if self.window is not None:
            # An instant has time_end = time_start; an interval counts when it overlaps the window.
            clauses.append("time_start <= %s AND coalesce(time_end, time_start) > %s")
            params += [self.window.end, self.window.start]
        return " AND ".join(clauses), params


def _aggregate_sql(aggregate: str, prop: str | None) -> tuple[str, list[Any]]:
    sql = _AGGREGATES[aggregate]
    return sql, [prop] * sql.count("%s")


def _number(value: Any) -> int | float | None:
    if value is None:
        return None
    as_float = float(value)
    return int(as_float) if as_float.is_integer() else as_float


def aggregate(selection: Selection, *, aggregate: str = "count", prop: str | None = None) -> int | float | None:
    """One number over the selected features (SRID-free: no geometry involved). None when an
    average or maximum has no numeric value to work on."""
    agg_sql, agg_params = _aggregate_sql(aggregate, prop)
    where, params = selection.where()
    with connection.cursor() as cur:
        cur.execute(f"SELECT {agg_sql} FROM layers_feature WHERE {where}", agg_params + params)
        return _number(cur.fetchone()[0])


def series(selection: Selection, *, bucket: timedelta, aggregate: str = "count",
           prop: str | None = None) -> list[tuple[datetime, int | float | None]]:
    """The aggregate per time bucket over the selection's window (which must be set), oldest first.
    Buckets are aligned on the window's start and empty ones are listed with 0 (or None for avg/max).
    At most 400 buckets, so a layout cannot ask for a million bars."""
    window = selection.window
    if window is None or (window.end - window.start) / bucket > 400:  # wall.layout.MAX_BARS
        raise ValueError("a series needs a window of at most 400 buckets")
    agg_sql, agg_params = _aggregate_sql(aggregate, prop)
    where, params = selection.where()
    empty = "0" if aggregate in ("count", "count_distinct", "sum") else "NULL"
    with connection.cursor() as cur:
        cur.execute(
            f"""
            WITH buckets AS (
                SELECT generate_series(%s::timestamptz, %s::timestamptz - %s::interval, %s::interval) AS t
            ), sums AS (
                SELECT date_bin(%s::interval, time_start - interval '1 microsecond', %s::timestamptz) AS t,
                       {agg_sql} AS v
                  FROM layers_feature WHERE {where} GROUP BY 1
            )
            SELECT b.t, coalesce(s.v, {empty}) FROM buckets b LEFT JOIN sums s USING (t) ORDER BY b.t
            """,
            [window.start, window.end, bucket, bucket, bucket, window.start] + agg_params + params,
        )
        return [(t, _number(v)) for t, v in cur.fetchall()]


def ranking(selection: Selection, *, group_by: str, aggregate: str = "count", prop: str | None = None,
            limit: int = 10) -> list[tuple[str, int | float | None]]:
    """The aggregate per value of property `group_by`, largest first (ties by key), features without
    that property left out."""
    agg_sql, agg_params = _aggregate_sql(aggregate, prop)
    where, params = selection.where()
    with connection.cursor() as cur:
        cur.execute(
            f"""
            SELECT properties ->> %s AS k, {agg_sql} AS v FROM layers_feature
             WHERE {where} AND properties ? %s
             GROUP BY 1 ORDER BY 2 DESC NULLS LAST, 1 LIMIT %s
            """,
            [group_by] + agg_params + params + [group_by, limit],
        )
        return [(k, _number(v)) for k, v in cur.fetchall()]


def labels(layer_id: int, *, key: str, label: str, keys: list[str]) -> dict[str, str]:
    """Names for codes, e.g. district code → district name, from another layer's properties."""
    if not keys:
        return {}
    with connection.cursor() as cur:
        cur.execute(
            "SELECT properties ->> %s, properties ->> %s FROM layers_feature"
            " WHERE layer_id = %s AND properties ->> %s = ANY(%s)",
            [key, label, layer_id, key, keys],
        )
        return dict(cur.fetchall())


def latest(selection: Selection, *, props: list[str], limit: int = 10) -> list[tuple[datetime, list[Any]]]:
    """The most recent features of the selection (by time_start), with the values of `props`."""
    where, params = selection.where()
    with connection.cursor() as cur:
        cur.execute(
            f"""
            SELECT time_start, ARRAY(SELECT properties ->> p FROM unnest(%s::text[]) WITH ORDINALITY AS u(p, i)
                                      ORDER BY i)
              FROM layers_feature WHERE {where} AND time_start IS NOT NULL
             ORDER BY time_start DESC, id DESC LIMIT %s
            """,
            [props] + params + [limit],
        )
        return [(t, list(values)) for t, values in cur.fetchall()]
