"""Alert rules: what they may name (checked before a rule is saved), who may see them, and the one
statement that yields a rule's metric per area.

The statement answers rows (area_key, area_name, geom, value), one per area the rule watches:

- `indicator`: the indicator's latest period per unit (monitoring.values.unit_values_sql, so a value
  is read on the rule's boundary set across the 2025 change);
- `layer`: count / sum / avg / max / min of a numeric property of the layer's features inside each
  area over the last `window_hours`, with property filters (layers.query: in_layer, during, having);
- `station`: the same aggregate per station (features grouped by `station_code`).

Two metrics are not one statement: `raster` (a zonal statistic of a raster layer per area: the
areas' outlines in one statement, then ONE read of the COG for all of them and all the raster rules
of that layer over those areas, analysis.rasters.zonal_many, kept per raster version) and `freshness` (hours a service's or an indicator's data is late, from the due rules of
monitoring.freshness: per service, the worst of its indicators that are not restricted — a restricted
indicator is watched only by a rule naming it).

Areas: every unit of a level of a boundary set, chosen units, or the planners' zones (the features of
settings.LAYERS_ZONES_LAYER). An area without any feature has no value (no data), except for a count,
which is 0 there.
"""

import hashlib
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import connection
from django.db.models import Q, QuerySet
from django.utils.translation import gettext as _
from shapely import wkb

from layers import query
from layers.access import Caller, visible_layers
from layers.errors import ApiError
from layers.query import Sql
from layers.schema import schema_property
from monitoring.models import AlertRule, AreaKind, Comparison, LayerAggregate, Metric, RasterStatistic
from monitoring.values import Window, unit_values_sql

NUMERIC = ("integer", "number")
STATION_PROPERTY = "station_code"
# Over the features' `x.v` (the rule's property as a number, NULL when it is not one).
AGGREGATES = {"count": "count(f.id)", "sum": "sum(x.v)", "avg": "avg(x.v)", "max": "max(x.v)", "min": "min(x.v)"}
# The same over the rows of the window (`w`: id, geom, v), when the features are taken first.
WINDOW_AGGREGATES = {"count": "count(w.id)", "sum": "sum(w.v)", "avg": "avg(w.v)", "max": "max(w.v)", "min": "min(w.v)"}


@dataclass(frozen=True)
class AreaValue:
    key: str
    name: str
    geom_hex: str | None
    value: float | None


def visible_rules(user: Caller) -> QuerySet[AlertRule]:
    """The rules `user` may see: those whose layer and indicator (its layer) they may see."""
    layers = visible_layers(user).values("id")
    return AlertRule.objects.filter(
        Q(layer__isnull=True) | Q(layer__in=layers),
        Q(indicator__isnull=True) | Q(indicator__layer__in=layers),
    )


def check_rule(rule: AlertRule) -> None:
    """ValidationError (by field) for a rule that cannot be evaluated: an unknown property, a
    threshold on a text property, a recovery threshold on the wrong side, a metric without its
    source, an area that does not fit."""
    errors: dict[str, list[str]] = {}

    def bad(field: str, message: str) -> None:
        errors.setdefault(field, []).append(message)

    if rule.metric == Metric.INDICATOR and rule.indicator_id is None:
        bad("indicator", _("An indicator rule needs an indicator."))
    if rule.metric in (Metric.LAYER, Metric.STATION):
        if rule.layer_id is None:
            bad("layer", _("This rule needs a layer."))
        else:
            _check_layer_metric(rule, bad)
    if rule.metric == Metric.RASTER:
        _check_raster_metric(rule, bad)
    if rule.recovery is not None:
        wrong = rule.recovery > rule.threshold if rule.comparison == Comparison.ABOVE else rule.recovery < rule.threshold
        if wrong:
            bad("recovery", _("The recovery threshold must lie on the safe side of the threshold."))
    if rule.metric == Metric.STATION:
        if rule.area_kind != AreaKind.STATIONS:
            bad("area_kind", _("A per-station rule watches stations."))
    elif rule.metric == Metric.FRESHNESS:
        if rule.area_kind != AreaKind.SERVICES:
            bad("area_kind", _("A freshness rule watches services (or the one indicator it names)."))
    elif rule.area_kind == AreaKind.LEVEL and (rule.boundary_id is None or not rule.level):
        bad("level", _("Name the boundary set and the level of the units."))
    elif rule.area_kind in (AreaKind.STATIONS, AreaKind.SERVICES):
        bad("area_kind", _("This metric is watched per unit or zone."))
    elif rule.metric == Metric.INDICATOR and rule.area_kind == AreaKind.ZONES:
        bad("area_kind", _("An indicator is read per unit, not per zone."))
    if errors:
        raise ValidationError(errors)


def validate_rule(rule: AlertRule, *, user: Caller | None = None) -> None:
    """check_rule for the API and the admin, in the one error shape: ApiError `validation_error`
    with the problems by field. With `user`, a layer or indicator they may not see is refused as
    unknown (a hidden thing is never named)."""
    hidden: dict[str, list[str]] = {}
    if user is not None:
        layers = visible_layers(user)
        if rule.layer_id is not None and not layers.filter(pk=rule.layer_id).exists():
            hidden["layer"] = [str(_("There is no such layer."))]
        if rule.indicator_id is not None and not layers.filter(pk=rule.indicator.layer_id).exists():
            hidden["indicator"] = [str(_("There is no such indicator."))]
    if hidden:
        raise ApiError(_("This rule cannot be saved: see the fields."), code="validation_error", fields=hidden)
    try:
        check_rule(rule)
    except ValidationError as error:
        fields = {name: [str(m) for m in messages] for name, messages in error.message_dict.items()}
        raise ApiError(_("This rule cannot be saved: see the fields."), code="validation_error",
                       fields=fields) from None


def _check_raster_metric(rule: AlertRule, bad) -> None:
    from layers.models import Kind

    if rule.layer_id is None or rule.layer.kind != Kind.RASTER:
        bad("layer", _("A raster rule needs a raster layer."))
    if rule.raster_statistic not in RasterStatistic.values:
        bad("raster_statistic", _("Choose mean, max or share_above."))
    elif rule.raster_statistic == RasterStatistic.SHARE_ABOVE and rule.raster_above is None:
        bad("raster_above", _("Name the value whose share of the area is watched."))
    if rule.raster_statistic == RasterStatistic.SHARE_ABOVE and not 0 <= rule.threshold <= 100:
        bad("threshold", _("A share of the area is a percentage between 0 and 100."))


def _check_layer_metric(rule: AlertRule, bad) -> None:
    schema = rule.layer.property_schema
    if rule.aggregate not in LayerAggregate.values:
        bad("aggregate", _("Choose count, sum, avg, max or min."))
    elif rule.aggregate != LayerAggregate.COUNT:
        prop = schema_property(schema, rule.property)
        if prop is None:
            bad("property", _("The layer has no such property."))
        elif prop["type"] not in NUMERIC:
            bad("property", _("A threshold needs a numeric property."))
    if not isinstance(rule.filters, dict):
        bad("filters", _("The filters must be an object of property conditions."))
    else:
        for name, wanted in rule.filters.items():
            if schema_property(schema, name) is None:
                bad("filters", _("The layer has no property %(name)s.") % {"name": name})
            elif isinstance(wanted, dict) and not (wanted and set(wanted) <= set(query.COMPARISONS)):
                bad("filters", _("Compare a number with gt, gte, lt or lte."))
    if rule.metric == Metric.STATION and schema_property(schema, STATION_PROPERTY) is None:
        bad("layer", _("This layer has no stations (no station_code property)."))
    if rule.window_hours is None and rule.layer.time_kind != "none":
        bad("window_hours", _("A layer with time needs a window in hours."))


def metric_sql(rule: AlertRule, *, now: datetime, geometry: bool = False) -> Sql:
    """The rule's one statement (see the module's docstring). The areas' outlines (hex EWKB) only
    with `geometry`: a commune's outline is read once, when its state is created, not every time."""
    if rule.metric == Metric.INDICATOR:
        return _indicator_sql(rule, geometry)
    features = [query.in_layer(rule.layer_id)]
    if rule.window_hours is not None:
        features.append(query.during(now - timedelta(hours=rule.window_hours), now))
    if rule.filters:
        features.append(query.having(rule.filters))
    value = query.number(rule.property, cast="float8") if rule.aggregate != LayerAggregate.COUNT else Sql("NULL")
    aggregate = AGGREGATES[rule.aggregate]
    if rule.metric == Metric.STATION:
        code = query.text(STATION_PROPERTY)
        return (
            "SELECT s.key, s.key, " + _outline("s", geometry) + ", s.value FROM (SELECT " + code
            + " AS key, ST_PointOnSurface(ST_Collect(f.geom)) AS geom, " + aggregate
            + " AS value FROM " + query.FEATURES + " CROSS JOIN LATERAL (SELECT " + value + " AS v) AS x WHERE "
            + query.where(features) + " AND " + code + " IS NOT NULL GROUP BY 1) AS s"
        )
    if rule.window_hours is not None and rule.layer.time_kind == "instant":
        features.append(query.instants_since(now - timedelta(hours=rule.window_hours)))
        return _window_first_sql(rule, features, value, geometry)
    areas = _areas_sql(rule)
    return (
        "SELECT a.key, a.name, " + _outline("a", geometry) + ", agg.value FROM (" + areas + ") AS a"
        " LEFT JOIN LATERAL (SELECT " + aggregate + " AS value FROM " + query.FEATURES
        + " CROSS JOIN LATERAL (SELECT " + value + " AS v) AS x WHERE " + query.where(features)
        + " AND ST_Intersects(f.geom, a.geom)) AS agg ON true"
    )


def _window_first_sql(rule: AlertRule, features: list[Sql], value: Sql, geometry: bool) -> Sql:
    """A moving window over a layer of instants: its features first (the time index walks to them:
    an hour of 50,000 readings is ~1,000 rows), then each one to the areas holding it (the areas'
    GiST index), then one aggregate per area. The per-area form (an index probe of every feature of
    the area, then the time test) reads every feature the areas ever had: on the bench (50,000
    points over two days, 188 communes) this took 52 ms a rule for 1-hour windows against 212 ms,
    93 against 193 for 6 hours, 304 against 274 for 24 hours (load average 17).
    MATERIALIZED keeps the planner from folding the window back into the per-area form."""
    empty = "coalesce(agg.value, 0)" if rule.aggregate == LayerAggregate.COUNT else "agg.value"
    return (
        "WITH w AS MATERIALIZED (SELECT f.id, f.geom, " + value + " AS v FROM " + query.FEATURES
        + " WHERE " + query.where(features) + ") SELECT a.key, a.name, " + _outline("a", geometry) + ", "
        + empty + " FROM (" + _areas_sql(rule) + ") AS a LEFT JOIN (SELECT b.key, "
        + WINDOW_AGGREGATES[rule.aggregate] + " AS value FROM w JOIN (" + _areas_sql(rule, alias="b_")
        + ") AS b ON ST_Intersects(b.geom, w.geom) GROUP BY b.key) AS agg ON agg.key = a.key"
    )


def area_rows_sql(rule: AlertRule, *, alias: str = "u", geometry: bool = False) -> Sql:
    """(key, name, outline, geom) of the rule's areas: the outline as hex EWKB only with `geometry`."""
    return "SELECT a.key, a.name, " + _outline("a", geometry) + " AS outline, a.geom FROM (" + _areas_sql(
        rule, alias=alias) + ") AS a"


def window_aggregate_sql(rule: AlertRule, *, now: datetime) -> Sql:
    """A moving-window rule's aggregate as one column of a GROUP BY over features already placed in
    the areas (read as `f`: id, time_start, time_end, properties, so the feature conditions apply):
    the rule's window and filters are its FILTER, so many rules' columns come from one pass."""
    start = now - timedelta(hours=rule.window_hours)
    conditions = [query.during(start, now), query.instants_since(start)]
    if rule.filters:
        conditions.append(query.having(rule.filters))
    if rule.aggregate == LayerAggregate.COUNT:
        aggregate = Sql("count(f.id)")
    else:
        aggregate = rule.aggregate + "(" + query.number(rule.property, cast="float8") + ")"
    return "(" + aggregate + " FILTER (WHERE " + query.where(conditions) + "))::float8"


def _areas_sql(rule: AlertRule, *, alias: str = "u") -> Sql:
    """(key, name, geom) of the rule's areas; `alias` names the table inside (a statement that
    reads the areas twice gives each its own)."""
    if rule.area_kind == AreaKind.ZONES:
        from layers.models import Layer

        zones = Layer.objects.filter(slug=settings.LAYERS_ZONES_LAYER).values_list("id", flat=True).first()
        z = "z" if alias == "u" else alias + "z"
        return (f"SELECT 'zone-' || {z}.source_id AS key, coalesce({z}.properties ->> 'name', {z}.source_id) AS name,"
                f" {z}.geom FROM " + query.features_as(z) + Sql(f" WHERE {z}.layer_id = %s", [zones or 0]))
    u = alias
    if rule.area_kind == AreaKind.UNITS:
        return Sql(f"SELECT {u}.id::text AS key, {u}.name, {u}.geom FROM monitoring_adminunit AS {u}"
                   f" WHERE {u}.id IN (SELECT adminunit_id FROM monitoring_alertrule_units WHERE alertrule_id = %s)",
                   [rule.pk])
    return Sql(f"SELECT {u}.id::text AS key, {u}.name, {u}.geom FROM monitoring_adminunit AS {u}"
               f" WHERE {u}.version_id = %s AND {u}.level = %s", [rule.boundary_id, rule.level])


def _outline(alias: str, geometry: bool) -> str:
    return f"encode(ST_AsEWKB({alias}.geom), 'hex')" if geometry else "NULL::text"


def _indicator_sql(rule: AlertRule, geometry: bool) -> Sql:
    values = unit_values_sql(rule.indicator, rule.boundary or _current_boundary(), Window())
    return (
        "SELECT a.key, a.name, " + _outline("a", geometry) + ", v.value FROM (" + _areas_sql(rule) + ") AS a"
        " LEFT JOIN (SELECT DISTINCT ON (r.unit_id) r.unit_id, r.value FROM (" + values + ") AS r"
        " ORDER BY r.unit_id, r.period_start DESC) AS v ON v.unit_id::text = a.key"
    )


def _current_boundary():
    from django.utils import timezone

    from monitoring.units import version_at

    return version_at(timezone.localdate())


def metric_values(rule: AlertRule, *, now: datetime, geometry: bool = False) -> list[AreaValue]:
    """The rule's metric per area (see the module's docstring); outlines (hex EWKB) only with
    `geometry`."""
    if rule.metric == Metric.RASTER:
        return raster_values([rule])[rule.pk]
    if rule.metric == Metric.FRESHNESS:
        return _freshness_values(rule, now)
    statement = metric_sql(rule, now=now, geometry=geometry)
    with connection.cursor() as cur:
        cur.execute(statement.text, statement.params)
        return [AreaValue(str(key), name, geom, None if value is None else float(value))
                for key, name, geom, value in cur.fetchall()]


def raster_values(rules: list[AlertRule]) -> dict[int, list[AreaValue]]:
    """Raster rules on one layer over one set of areas (the first rule's): the areas' outlines in one
    statement, then ONE read of the COG and one mask per area for all their statistics, kept per
    raster version (_ZONAL_CACHE)."""
    from analysis.rasters import zonal_many
    from tiles.raster import raster_file

    first = rules[0]
    areas = _areas_sql(first)
    statement = "SELECT a.key, a.name, encode(ST_AsEWKB(a.geom), 'hex') FROM (" + areas + ") AS a"
    with connection.cursor() as cur:
        cur.execute(statement.text, statement.params)
        rows = cur.fetchall()
    # A missing file is the rule's error (recorded on it and its states), not "no data".
    path = raster_file(first.layer)
    if not path.is_file():
        raise FileNotFoundError(f"the raster of layer {first.layer.slug} is missing")
    wanted = sorted({(rule.raster_statistic, rule.raster_above) for rule in rules}, key=repr)
    # The file's size and time beside the layer's version: a file replaced without a bump is read anew.
    stat = path.stat()
    version = (first.layer_id, first.layer.version, str(path), stat.st_mtime_ns, stat.st_size,
               hashlib.sha256(repr(rows).encode()).hexdigest())
    cached = _ZONAL_CACHE.setdefault(version, {})
    missing = [w for w in wanted if w not in cached]
    if missing:
        zones = {str(key): wkb.loads(bytes.fromhex(geom)) for key, _name, geom in rows if geom}
        cached.update(zip(missing, zonal_many(first.layer, path, zones, missing)))
        while len(_ZONAL_CACHE) > _ZONAL_CACHE_SIZE:
            del _ZONAL_CACHE[next(iter(_ZONAL_CACHE))]  # the oldest raster version
    # The outlines were read anyway: handed on, so new areas need no second read.
    return {rule.pk: [AreaValue(str(key), name, geom, cached[(rule.raster_statistic, rule.raster_above)].get(str(key)))
                      for key, name, geom in rows] for rule in rules}


# Zonal statistics by raster version (layer, version, file, areas) and (statistic, above): a raster
# changes when a new version lands, its rules are evaluated on every interval in between. Per process,
# a few versions (188 communes × 3 statistics are a few kB).
_ZONAL_CACHE: dict[tuple, dict[tuple[str, float | None], dict[str, float | None]]] = {}
_ZONAL_CACHE_SIZE = 32


def _freshness_values(rule: AlertRule, now: datetime) -> list[AreaValue]:
    """Hours late: of the indicator the rule names; else per service (the one it names, or every
    service), the worst of its indicators that are not restricted."""
    from monitoring.freshness import hours_late
    from monitoring.models import Indicator

    if rule.indicator_id is not None:
        late = hours_late([rule.indicator], now=now)
        return [AreaValue(f"indicator-{rule.indicator.slug}", rule.indicator.title_vi, None, late[rule.indicator_id])]
    indicators = Indicator.objects.select_related("service").exclude(access="restricted")
    if rule.service_id is not None:
        indicators = indicators.filter(service_id=rule.service_id)
    indicators = list(indicators.order_by("service__position", "position"))
    late = hours_late(indicators, now=now)
    worst: dict[str, AreaValue] = {}
    for indicator in indicators:
        service = indicator.service
        key = f"service-{service.slug}"
        value = late[indicator.pk]
        if key not in worst or value > worst[key].value:
            worst[key] = AreaValue(key, service.title_vi, None, value)
    return list(worst.values())
