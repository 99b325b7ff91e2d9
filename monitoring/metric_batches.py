"""Many rules, one statement: the moving-window rules of one layer of instants over one set of areas
(every unit of a level, or the planners' zones) share the costly part of their metric, finding which
area holds each feature of the window. One statement takes the widest window's features once,
places them in the areas once, then aggregates them for each rule with the rule's own window and
filters (monitoring.rules.window_aggregate_sql): the same values as the rule's own statement.

Placing the features is nearly all of a rule's time (a GiST probe of the areas per feature: 24 hours
of the bench's 50,000 readings, 25,000 features, took 300–1,000 ms); 100 rules of the bench placed
them 100 times. The raster rules of one layer over one set of areas share one read of the COG and
one mask per area (monitoring.rules.raster_values). Every other rule is read by its own statement
(monitoring.rules.metric_values).
"""

from datetime import datetime, timedelta

from django.db import connection

from layers import query
from layers.query import Sql
from monitoring.models import AlertRule, AreaKind, LayerAggregate, Metric
from monitoring.rules import AreaValue, area_rows_sql, metric_values, raster_values, window_aggregate_sql


def batch_key(rule: AlertRule) -> tuple | None:
    """Rules with the same key share a statement (a raster read); None: the rule is read alone."""
    if rule.metric == Metric.RASTER and rule.area_kind in (AreaKind.LEVEL, AreaKind.ZONES):
        return (Metric.RASTER, rule.layer_id, rule.area_kind, rule.boundary_id, rule.level)
    if rule.metric != Metric.LAYER or rule.window_hours is None or rule.layer.time_kind != "instant":
        return None
    if rule.area_kind == AreaKind.LEVEL:
        return (rule.layer_id, AreaKind.LEVEL, rule.boundary_id, rule.level)
    if rule.area_kind == AreaKind.ZONES:
        return (rule.layer_id, AreaKind.ZONES)
    return None  # chosen units: each rule has its own


def batches(rules: list[AlertRule]) -> list[list[AlertRule]]:
    """The rules in groups that share a statement (a rule alone is a group of one), in the order of
    each group's first rule."""
    groups: dict[object, list[AlertRule]] = {}
    for rule in rules:
        key = batch_key(rule)
        groups.setdefault(("alone", rule.pk) if key is None else key, []).append(rule)
    return list(groups.values())


def batch_sql(rules: list[AlertRule], *, now: datetime, geometry: bool = False) -> Sql:
    """Rows (area_key, area_name, outline, values): one per area, its outline as hex EWKB only with
    `geometry`, and the rules' values in their order (float8[], NULL where the area holds no feature
    at all). SRID 4326; windows in hours before `now`, closed."""
    first = rules[0]
    start = now - timedelta(hours=max(rule.window_hours for rule in rules))
    window = query.where([query.in_layer(first.layer_id), query.during(start, now), query.instants_since(start)])
    columns = Sql(", ").join(window_aggregate_sql(rule, now=now) for rule in rules)
    # MATERIALIZED: the window's features are read and placed in the areas once (the time index, then
    # the areas' GiST index); then one pass of GROUP BY gives every rule its column.
    return (
        "WITH w AS MATERIALIZED (SELECT f.id, f.geom, f.time_start, f.time_end, f.properties FROM " + query.FEATURES
        + " WHERE " + window + "), agg AS (SELECT b.key, ARRAY[" + columns + "] AS v"
        " FROM w AS f JOIN (" + area_rows_sql(first, alias="b_") + ") AS b ON ST_Intersects(b.geom, f.geom)"
        " GROUP BY b.key) SELECT a.key, a.name, a.outline, agg.v FROM (" + area_rows_sql(first, geometry=geometry)
        + ") AS a LEFT JOIN agg ON agg.key = a.key"
    )


def batch_values(rules: list[AlertRule], *, now: datetime, geometry: bool = False) -> dict[int, list[AreaValue]]:
    """The metric of each rule per area, as monitoring.rules.metric_values would read it rule by rule."""
    values: dict[int, list[AreaValue]] = {}
    for group in batches(rules):
        if len(group) == 1:
            values[group[0].pk] = metric_values(group[0], now=now, geometry=geometry)
            continue
        if group[0].metric == Metric.RASTER:
            values |= raster_values(group)
            continue
        statement = batch_sql(group, now=now, geometry=geometry)
        with connection.cursor() as cur:
            cur.execute(statement.text, statement.params)
            rows = cur.fetchall()
        for i, rule in enumerate(group):
            # An area without a feature has no value, except for a count, which is 0 there.
            empty = 0.0 if rule.aggregate == LayerAggregate.COUNT else None
            values[rule.pk] = [AreaValue(str(key), name, outline, empty if found is None or found[i] is None
                                         else float(found[i])) for key, name, outline, found in rows]
    return values
