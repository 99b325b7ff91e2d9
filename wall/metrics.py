"""The numbers on the wall, each one SQL statement over the feature store.

Callers pass a layer id they got from `layers.access` (so only visible layers are ever counted) and a
`Selection`, which asks the feature store through layers.query (its conditions, its time-window rule);
every value (property names included) is a bound parameter. Times are timestamptz; the wall's windows
are (start, end], see wall.timeframe.Window.
"""

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any


from layers import query as features
from layers.query import FEATURES, Sql
from layers.replicas import reading_connection
from wall.timeframe import Window

Scalar = str | int | float | bool
# The aggregates a layout may ask for; the property name is a bound parameter.
_AGGREGATES = {
    "count": lambda prop: Sql("count(*)"),
    "count_distinct": lambda prop: "count(DISTINCT " + features.text(prop) + ")",
    "sum": lambda prop: "coalesce(sum(" + features.number(prop) + "), 0)",
    "avg": lambda prop: "avg(" + features.number(prop) + ")",
    "max": lambda prop: "max(" + features.number(prop) + ")",
}


@dataclass(frozen=True)
class Selection:
    """Which features of a layer: property filters (equality, one of a list, numeric bounds
    {"gt"|"gte"|"lt"|"lte": n}, see layers.query.having) and an optional time window."""

    layer_id: int
    filters: dict[str, Any] = field(default_factory=dict)
    window: Window | None = None

    def where(self) -> tuple[str, list[Any]]:
        conditions = [features.in_layer(self.layer_id), features.having(self.filters)]
        if self.window is not None:
            conditions.append(features.during(*self.window.closed()))
        condition = features.where(conditions)
        return condition.text, list(condition.params)


def _aggregate_sql(aggregate: str, prop: str | None) -> tuple[str, list[Any]]:
    piece = _AGGREGATES[aggregate](prop)
    return piece.text, list(piece.params)


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
    with reading_connection().cursor() as cur:
        cur.execute(f"SELECT {agg_sql} FROM {FEATURES.text} WHERE {where}", agg_params + params)
        return _number(cur.fetchone()[0])


def series(selection: Selection, *, bucket: timedelta, aggregate: str = "count",
           prop: str | None = None) -> list[tuple[datetime, int | float | None]]:
    """The aggregate per time bucket over the selection's window (which must be set), oldest first.
    Buckets are aligned on the window's start and empty ones are listed with 0 (or None for avg/max).
    Each bucket is (t, t + bucket], like the window, and a feature counts in the bucket of its start,
    or in the first one when it began before the window: the bars add up to the window's aggregate.
    At most 400 buckets, so a layout cannot ask for a million bars."""
    window = selection.window
    if window is None or (window.end - window.start) / bucket > 400:  # wall.layout.MAX_BARS
        raise ValueError("a series needs a window of at most 400 buckets")
    agg_sql, agg_params = _aggregate_sql(aggregate, prop)
    where, params = selection.where()
    empty = "0" if aggregate in ("count", "count_distinct", "sum") else "NULL"
    with reading_connection().cursor() as cur:
        cur.execute(
            f"""
            WITH buckets AS (
                SELECT generate_series(%s::timestamptz, %s::timestamptz - %s::interval, %s::interval) AS t
            ), sums AS (
                SELECT date_bin(%s::interval, greatest(f.time_start - interval '1 microsecond', %s::timestamptz),
                                %s::timestamptz) AS t,
                       {agg_sql} AS v
                  FROM {FEATURES.text} WHERE {where} GROUP BY 1
            )
            SELECT b.t, coalesce(s.v, {empty}) FROM buckets b LEFT JOIN sums s USING (t) ORDER BY b.t
            """,
            [window.start, window.end, bucket, bucket, bucket, window.start, window.start] + agg_params + params,
        )
        return [(t, _number(v)) for t, v in cur.fetchall()]


def ranking(selection: Selection, *, group_by: str, aggregate: str = "count", prop: str | None = None,
            limit: int = 10) -> list[tuple[str, int | float | None]]:
    """The aggregate per value of property `group_by`, largest first (ties by key), features without
    that property left out."""
    agg_sql, agg_params = _aggregate_sql(aggregate, prop)
    where, params = selection.where()
    with reading_connection().cursor() as cur:
        cur.execute(
            f"""
            SELECT f.properties ->> %s AS k, {agg_sql} AS v FROM {FEATURES.text}
             WHERE {where} AND f.properties ? %s
             GROUP BY 1 ORDER BY 2 DESC NULLS LAST, 1 LIMIT %s
            """,
            [group_by] + agg_params + params + [group_by, limit],
        )
        return [(k, _number(v)) for k, v in cur.fetchall()]


def labels(layer_id: int, *, key: str, label: str, keys: list[str]) -> dict[str, str]:
    """Names for codes, e.g. district code → district name, from another layer's properties."""
    if not keys:
        return {}
    layer = features.in_layer(layer_id)
    with reading_connection().cursor() as cur:
        cur.execute(
            f"SELECT f.properties ->> %s, f.properties ->> %s FROM {FEATURES.text}"
            f" WHERE {layer.text} AND f.properties ->> %s = ANY(%s)",
            [key, label, *layer.params, key, keys],
        )
        return dict(cur.fetchall())


def latest(selection: Selection, *, props: list[str], limit: int = 10) -> list[tuple[datetime, list[Any]]]:
    """The most recent features of the selection (by time_start), with the values of `props`."""
    where, params = selection.where()
    with reading_connection().cursor() as cur:
        cur.execute(
            f"""
            SELECT f.time_start, ARRAY(SELECT f.properties ->> p FROM unnest(%s::text[]) WITH ORDINALITY AS u(p, i)
                                        ORDER BY i)
              FROM {FEATURES.text} WHERE {where} AND f.time_start IS NOT NULL
             ORDER BY f.time_start DESC, f.id DESC LIMIT %s
            """,
            [props] + params + [limit],
        )
        return [(t, list(values)) for t, values in cur.fetchall()]
