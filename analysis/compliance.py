"""A proposed zone checked against the plan-compliance rules (analysis.models.ComplianceRule) for an
intended use: each active rule for that use is tested against the layer it names, if the caller may
see it (a rule about a layer the caller may not see is left out, unnamed: it never shapes their
verdict). The verdict is "conflicts" when a conflict rule fires, else "conditions" when a condition
rule does, else "compatible". Each finding gives the rule, its area in hectares or the distances, and
the features involved (at most FEATURES_LISTED per rule, closest or largest first).
"""

from dataclasses import dataclass, field

from django.db import connection
from django.utils.translation import gettext as _
from shapely.geometry.base import BaseGeometry

from analysis.models import USES, ComplianceRule, RuleKind, Severity
from analysis.proximity import name_property
from analysis.rasters import raster_statistics
from layers import query as features
from layers.access import Caller, visible_layers
from layers.errors import InvalidParameter
from layers.models import Kind, Layer
from layers.query import Sql
from tiles.raster import RasterUnavailable, raster_file

FEATURES_LISTED = 20
SQUARE_METRES_PER_HECTARE = 10_000.0


@dataclass(frozen=True)
class Finding:
    rule: ComplianceRule
    layer: Layer
    fired: bool
    area_ha: float | None = None  # overlap / above threshold, inside the zone
    share: float | None = None  # of the zone's area
    distance_m: float | None = None  # the closest feature's
    features: list[dict] = field(default_factory=list)  # {id, name, area_ha | distance_m}


@dataclass(frozen=True)
class Check:
    use: str
    area_ha: float
    verdict: str  # compatible, conditions, conflicts
    findings: list[Finding]
    versions: dict[str, int]


def check_zone(user: Caller, zone: BaseGeometry, *, use: str) -> Check:
    if use not in USES:
        raise InvalidParameter(_("The intended use is one of: %(uses)s.") % {"uses": ", ".join(USES)},
                               fields={"use": [_("Not valid.")]})
    rules = [r for r in ComplianceRule.objects.filter(active=True) if not r.uses or use in r.uses]
    layers = {layer.slug: layer for layer in visible_layers(user).filter(slug__in={r.layer for r in rules})}
    area_m2 = _area_m2(zone)
    findings = []
    for rule in rules:
        layer = layers.get(rule.layer)
        if layer is None:
            continue
        if rule.kind == RuleKind.RASTER_ABOVE and layer.kind == Kind.RASTER:
            findings.append(_raster_above(rule, layer, zone))
        elif rule.kind == RuleKind.OVERLAP and layer.kind == Kind.VECTOR:
            findings.append(_overlap(rule, layer, zone, area_m2))
        elif rule.kind == RuleKind.DISTANCE and layer.kind == Kind.VECTOR:
            findings.append(_distance(rule, layer, zone))
    fired = {f.rule.severity for f in findings if f.fired}
    verdict = "conflicts" if Severity.CONFLICT in fired else "conditions" if Severity.CONDITION in fired else "compatible"
    return Check(use=use, area_ha=round(area_m2 / SQUARE_METRES_PER_HECTARE, 2), verdict=verdict, findings=findings,
                 versions={f.layer.slug: f.layer.version for f in findings})


def _area_m2(zone: BaseGeometry) -> float:
    with connection.cursor() as cur:
        cur.execute("SELECT ST_Area(ST_GeomFromWKB(%s, 4326)::geography)", [zone.wkb])
        return cur.fetchone()[0]


def _filters(rule: ComplianceRule) -> Sql:
    return features.having({rule.property: list(rule.values)}) if rule.property and rule.values else Sql("")


def _name(layer: Layer) -> Sql:
    prop = name_property(layer)
    return features.text(prop) if prop else Sql("NULL")


def _fetch(statement: Sql) -> list[tuple]:
    with connection.cursor() as cur:
        cur.execute(statement.text, statement.params)
        return cur.fetchall()


def _overlap(rule: ComplianceRule, layer: Layer, zone: BaseGeometry, zone_m2: float) -> Finding:
    """Features of the layer whose interiors overlap the zone, with the area of each overlap."""
    g = Sql("ST_GeomFromWKB(%s, 4326)", [zone.wkb])
    statement = (
        "SELECT o.* FROM (SELECT f.id, " + _name(layer) + ", ST_Area(ST_Intersection(f.geom, " + g + ")::geography) AS m2"
        " FROM " + features.FEATURES + " WHERE "
        + features.where([features.in_layer(layer.pk), _filters(rule), features.in_geometry(zone.wkb)])
        + " AND ST_Dimension(f.geom) = 2) AS o WHERE o.m2 > 0 ORDER BY o.m2 DESC, o.id"
    )
    rows = _fetch(statement)
    m2 = sum(row[2] for row in rows)
    share = m2 / zone_m2 if zone_m2 else 0.0
    fired = bool(rows) and (rule.max_share is None or share > rule.max_share)
    return Finding(rule=rule, layer=layer, fired=fired, area_ha=round(m2 / SQUARE_METRES_PER_HECTARE, 2),
                   share=round(min(share, 1.0), 4),
                   features=[{"id": fid, "name": name, "area_ha": round(a / SQUARE_METRES_PER_HECTARE, 2)}
                             for fid, name, a in rows[:FEATURES_LISTED]])


def _distance(rule: ComplianceRule, layer: Layer, zone: BaseGeometry) -> Finding:
    """Features of the layer within the rule's distance of the zone, closest first."""
    g = Sql("ST_GeomFromWKB(%s, 4326)", [zone.wkb])
    statement = (
        "SELECT f.id, " + _name(layer) + ", " + features.metres_to(g) + " AS d FROM " + features.FEATURES + " WHERE "
        + features.where([features.in_layer(layer.pk), _filters(rule), features.within_metres(g, rule.distance_m)])
        + " ORDER BY d, f.id"
    )
    rows = _fetch(statement)
    return Finding(rule=rule, layer=layer, fired=bool(rows), distance_m=round(rows[0][2], 1) if rows else None,
                   features=[{"id": fid, "name": name, "distance_m": round(d, 1)} for fid, name, d in rows[:FEATURES_LISTED]])


def _raster_above(rule: ComplianceRule, layer: Layer, zone: BaseGeometry) -> Finding:
    """The hectares of the zone where the raster is at or above the threshold."""
    try:
        path = raster_file(layer)
    except RasterUnavailable:
        return Finding(rule=rule, layer=layer, fired=False)
    if not path.is_file():
        return Finding(rule=rule, layer=layer, fired=False)
    above = {"min": rule.threshold, "label_vi": f"≥ {rule.threshold:g}", "label_en": f"≥ {rule.threshold:g}"}
    stats = raster_statistics(layer, path, zone, classes=[above])
    hectares = stats.classes[0].area_ha
    zone_ha = _area_m2(zone) / SQUARE_METRES_PER_HECTARE
    share = hectares / zone_ha if zone_ha else 0.0
    fired = hectares > 0 and share > (rule.max_share or 0.0)
    return Finding(rule=rule, layer=layer, fired=fired, area_ha=hectares, share=round(min(share, 1.0), 4))
