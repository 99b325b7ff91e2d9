"""Firing alerts are layers too (like indicators, monitoring.layers): the areas of the firing states,
outlined and coloured by severity, reach tiles, GeoJSON, the dashboard and wall maps through the
layer machinery and its one access rule, not a path of their own.

One layer per *access scope* of the rules: a rule is seen by whoever may see everything it names (its
layer, its indicator's layer), so its alerts go to the layer whose access is the strictest of those:
`alerts-public`, `alerts-internal`, or `alerts-restricted-<groups>` restricted to the groups every
restricted layer it names shares (never wider than any of them). An outsider is never shown the areas
of a restricted rule: that layer is hidden from them as every restricted layer is.

A layer is rewritten (one statement, layers.catalog.replace_features: readers see the old features or
the new ones) after an evaluation that moved something and after an acknowledgement; its version bump
refreshes tiles and wall maps.
"""

import re

from django.db import connection, transaction
from django.db.models import Q

from layers import query
from layers.catalog import replace_features
from layers.models import Access, Domain, GeometryType, Layer, TimeKind
from layers.query import Sql
from monitoring.models import AlertRule, Severity

PREFIX = "alerts-"
OURS = re.compile(r"^alerts-(public|internal|restricted(-[0-9-]+)?)$")
SEVERITY_COLOURS = {Severity.CRITICAL: "#d7191c", Severity.WARNING: "#fdae61", Severity.INFO: "#2b83ba"}
_ORDER = {Access.PUBLIC: 0, Access.INTERNAL: 1, Access.RESTRICTED: 2}

Scope = tuple[str, frozenset[int]]


def scope_of(rule: AlertRule) -> Scope:
    """(access, group ids) of the layer that may carry `rule`'s alerts: see the module's docstring."""
    named = [layer for layer in (rule.layer, rule.indicator.layer if rule.indicator_id else None) if layer]
    if not named:
        return Access.INTERNAL, frozenset()  # a rule naming no layer is staff business
    access = max((layer.access for layer in named), key=_ORDER.__getitem__)
    if access != Access.RESTRICTED:
        return access, frozenset()
    shared = None
    for layer in named:
        if layer.access == Access.RESTRICTED:
            ids = frozenset(group.pk for group in layer.groups.all())
            shared = ids if shared is None else shared & ids
    return access, shared or frozenset()


def layer_slug(scope: Scope) -> str:
    access, groups = scope
    if access != Access.RESTRICTED:
        return PREFIX + access
    return (PREFIX + "restricted-" + "-".join(str(g) for g in sorted(groups)))[:80] if groups else PREFIX + "restricted"


PROPERTY_SCHEMA = [
    {"name": "rule", "type": "string", "label_vi": "Quy tắc", "label_en": "Rule"},
    {"name": "title_vi", "type": "string", "label_vi": "Cảnh báo", "label_en": "Alert (Vietnamese)"},
    {"name": "title_en", "type": "string", "label_vi": "Cảnh báo (tiếng Anh)", "label_en": "Alert"},
    {"name": "severity", "type": "string", "label_vi": "Mức độ", "label_en": "Severity",
     "choices": [{"value": s.value, "label_vi": s.label.split(" / ")[0], "label_en": s.label.split(" / ")[1]}
                 for s in Severity]},
    {"name": "area", "type": "string", "label_vi": "Khu vực", "label_en": "Area"},
    {"name": "value", "type": "number", "label_vi": "Giá trị", "label_en": "Value"},
    {"name": "threshold", "type": "number", "label_vi": "Ngưỡng", "label_en": "Threshold"},
    {"name": "since", "type": "datetime", "label_vi": "Từ lúc", "label_en": "Since"},
    {"name": "acknowledged", "type": "boolean", "label_vi": "Đã xác nhận", "label_en": "Acknowledged"},
]
STYLE = {
    "type": "fill", "color": SEVERITY_COLOURS[Severity.WARNING], "opacity": 0.35, "outline_color": "#7f0000",
    "width": 2.5,
    "categories": {"property": "severity", "stops": [
        {"value": s.value, "color": SEVERITY_COLOURS[s], "label_vi": s.label.split(" / ")[0],
         "label_en": s.label.split(" / ")[1]} for s in (Severity.CRITICAL, Severity.WARNING, Severity.INFO)]},
    "label": {"property": "area", "min_zoom": 10},
}


def _layer(scope: Scope) -> Layer:
    access, groups = scope
    layer, _made = Layer.objects.get_or_create(slug=layer_slug(scope), defaults={
        "title_vi": "Cảnh báo đang diễn ra", "title_en": "Firing alerts", "domain": Domain.MONITORING,
        "geometry_type": GeometryType.GEOMETRY, "property_schema": PROPERTY_SCHEMA, "style": STYLE,
        "access": access, "time_kind": TimeKind.NONE, "license": "",
        "description": "Các khu vực đang vượt ngưỡng cảnh báo / The areas where an alert rule is firing"})
    # Its access is its scope's, whatever an editor did to it: the version bump that follows carries it.
    if layer.access != access:
        Layer.objects.filter(pk=layer.pk).update(access=access)
    if {g.pk for g in layer.groups.all()} != set(groups):
        layer.groups.set(groups)
    return layer


def alert_rows(rule_ids: list[int]) -> Sql:
    """(source_id, geom, properties, time_start, time_end) of the firing areas of these rules that have an
    outline or a place (SRID 4326, as monitoring.rules read them)."""
    return Sql(
        "SELECT s.id::text, s.geom, jsonb_build_object("
        " 'rule', r.slug, 'title_vi', r.title_vi, 'title_en', r.title_en, 'severity', r.severity,"
        " 'area', s.area_name, 'value', s.value, 'threshold', r.threshold, 'since', s.since,"
        " 'acknowledged', e.acknowledged_at IS NOT NULL), NULL::timestamptz, NULL::timestamptz"
        " FROM monitoring_alertstate AS s JOIN monitoring_alertrule AS r ON r.id = s.rule_id"
        " LEFT JOIN monitoring_alertevent AS e ON e.id = s.event_id"
        " WHERE s.status = 'firing' AND s.geom IS NOT NULL AND s.rule_id = ANY(%s)", [rule_ids])


def scopes() -> dict[Scope, list[int]]:
    """Every scope with its rules' ids."""
    found: dict[Scope, list[int]] = {}
    rules = AlertRule.objects.select_related("layer", "indicator__layer").prefetch_related(
        "layer__groups", "indicator__layer__groups")
    for rule in rules:
        found.setdefault(scope_of(rule), []).append(rule.pk)
    return found


@transaction.atomic
def refresh(only: Scope | None = None) -> list[Layer]:
    """Rewrite the alert layers (or the one of scope `only`) from the firing states. Alert layers of
    scopes that no longer have rules are emptied, not deleted (a wall map may still name them)."""
    found = scopes()
    wanted = {only: found.get(only, [])} if only else found
    if only is None:
        known = {layer_slug(s) for s in found}
        for layer in Layer.objects.filter(slug__startswith=PREFIX, domain=Domain.MONITORING):
            if OURS.match(layer.slug) and layer.slug not in known and layer.feature_count:
                replace_features(layer, rows=alert_rows([]))
    return [replace_features(_layer(scope), rows=alert_rows(ids)) for scope, ids in wanted.items()]


def carried_rules(layer: Layer) -> set[str]:
    """The slugs of the rules whose alerts `layer` carries now."""
    statement = ("SELECT DISTINCT " + query.text("rule") + " FROM " + query.FEATURES + " WHERE "
                 + query.where([query.in_layer(layer.pk)]))
    with connection.cursor() as cur:
        cur.execute(statement.text, statement.params)
        return {row[0] for row in cur.fetchall()}


def refresh_if_stale() -> bool:
    """Rewrite the alert layers when a rule's alerts sit in a layer that is no longer its scope's (the
    access of a layer it watches changed): without this an area would stay in a layer now wider than
    its rule. One statement per alert layer; on the beat."""
    home = {}
    for scope, ids in scopes().items():
        for slug in AlertRule.objects.filter(pk__in=ids).values_list("slug", flat=True):
            home[slug] = layer_slug(scope)
    for layer in Layer.objects.filter(slug__in=alert_layer_slugs()):
        if any(home.get(rule) != layer.slug for rule in carried_rules(layer)):
            refresh()
            return True
    return False


def refresh_rules(rule_ids: set[int]) -> list[Layer]:
    """Rewrite the alert layers of these rules' scopes only."""
    rules = AlertRule.objects.filter(pk__in=rule_ids).select_related("layer", "indicator__layer").prefetch_related(
        "layer__groups", "indicator__layer__groups")
    return [layer for scope in {scope_of(rule) for rule in rules} for layer in refresh(scope)]


def refresh_for(rule: AlertRule) -> Layer:
    return refresh(scope_of(rule))[0]


def alert_layer_slugs() -> list[str]:
    slugs = Layer.objects.filter(slug__startswith=PREFIX, domain=Domain.MONITORING).values_list("slug", flat=True)
    return [slug for slug in slugs if OURS.match(slug)]


def on_layer_access(sender, instance=None, action: str = "", **kwargs) -> None:
    """Receiver (monitoring.apps): a layer watched by a rule was saved, or its groups changed; after the
    commit, the alert layers are rewritten if a rule's scope moved. An alert layer's own saves are not
    watched by any rule."""
    if action and not action.startswith("post_"):
        return
    if isinstance(instance, Layer):
        if OURS.match(instance.slug or ""):
            return
        watched = Q(layer=instance) | Q(indicator__layer=instance)
    else:  # a group's layers changed from the group's side: the layers are in pk_set
        layers = kwargs.get("pk_set") or ()
        watched = Q(layer__in=layers) | Q(indicator__layer__in=layers)
    if AlertRule.objects.filter(watched).exists():
        transaction.on_commit(refresh_if_stale)
