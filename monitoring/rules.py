"""Alert rules: what they may name (checked before a rule is saved), who may see them, and the one
statement that yields a rule's metric per area.

The statement answers rows (area_key, area_name, geom, value), one per area the rule watches:

- `indicator`: the indicator's latest period per unit (monitoring.values.unit_values_sql, so a value
  is read on the rule's boundary set across the 2025 change);
- `layer`: count / sum / avg / max / min of a numeric property of the layer's features inside each
  area over the last `window_hours`, with property filters (layers.query: in_layer, during, having);
- `station`: the same aggregate per station (features grouped by `station_code`).

Areas: every unit of a level of a boundary set, chosen units, or the planners' zones (the features of
settings.LAYERS_ZONES_LAYER). An area without any feature has no value (no data), except for a count,
which is 0 there.
"""

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db.models import Q, QuerySet
from django.utils.translation import gettext as _

from layers import query
from layers.access import Caller, visible_layers
from layers.query import Sql
from layers.schema import schema_property
from monitoring.models import AlertRule, AreaKind, Comparison, LayerAggregate, Metric
from monitoring.values import Window, unit_values_sql

NUMERIC = ("integer", "number")
STATION_PROPERTY = "station_code"
# Over the features' `x.v` (the rule's property as a number, NULL when it is not one).
AGGREGATES = {"count": "count(f.id)", "sum": "sum(x.v)", "avg": "avg(x.v)", "max": "max(x.v)", "min": "min(x.v)"}


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
    if rule.metric == Metric.FRESHNESS:
        bad("metric", _("Freshness rules are not evaluated yet."))
    if rule.recovery is not None:
        wrong = rule.recovery > rule.threshold if rule.comparison == Comparison.ABOVE else rule.recovery < rule.threshold
        if wrong:
            bad("recovery", _("The recovery threshold must lie on the safe side of the threshold."))
    if rule.metric == Metric.STATION:
        if rule.area_kind != AreaKind.STATIONS:
            bad("area_kind", _("A per-station rule watches stations."))
    elif rule.area_kind == AreaKind.LEVEL and (rule.boundary_id is None or not rule.level):
        bad("level", _("Name the boundary set and the level of the units."))
    elif rule.area_kind in (AreaKind.STATIONS, AreaKind.SERVICES):
        bad("area_kind", _("This metric is watched per unit or zone."))
    elif rule.metric == Metric.INDICATOR and rule.area_kind == AreaKind.ZONES:
        bad("area_kind", _("An indicator is read per unit, not per zone."))
    if errors:
        raise ValidationError(errors)


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
    areas = _areas_sql(rule)
    return (
        "SELECT a.key, a.name, " + _outline("a", geometry) + ", agg.value FROM (" + areas + ") AS a"
        " LEFT JOIN LATERAL (SELECT " + aggregate + " AS value FROM " + query.FEATURES
        + " CROSS JOIN LATERAL (SELECT " + value + " AS v) AS x WHERE " + query.where(features)
        + " AND ST_Intersects(f.geom, a.geom)) AS agg ON true"
    )


def _areas_sql(rule: AlertRule) -> Sql:
    """(key, name, geom) of the rule's areas."""
    if rule.area_kind == AreaKind.ZONES:
        from layers.models import Layer

        zones = Layer.objects.filter(slug=settings.LAYERS_ZONES_LAYER).values_list("id", flat=True).first()
        return ("SELECT 'zone-' || z.source_id AS key, coalesce(z.properties ->> 'name', z.source_id) AS name,"
                " z.geom FROM " + query.features_as("z") + Sql(" WHERE z.layer_id = %s", [zones or 0]))
    if rule.area_kind == AreaKind.UNITS:
        return Sql("SELECT u.id::text AS key, u.name, u.geom FROM monitoring_adminunit AS u"
                   " WHERE u.id IN (SELECT adminunit_id FROM monitoring_alertrule_units WHERE alertrule_id = %s)",
                   [rule.pk])
    return Sql("SELECT u.id::text AS key, u.name, u.geom FROM monitoring_adminunit AS u"
               " WHERE u.version_id = %s AND u.level = %s", [rule.boundary_id, rule.level])


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
