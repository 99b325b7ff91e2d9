"""Proximity questions over layers the caller may see (the views ask layers.access for every layer
named; a hidden one answers like an unknown one):

- `within`: the features of a layer within a distance of the features of another layer (schools within
  500 m of the expressway) or of a geometry (a zone), each with its distance and the nearest feature
  it is near;
- `nearest`: the N features of a layer nearest to a point, or to each feature of another layer;
- `coverage`: per administrative unit (analysis.units), the share of its area and estimated population
  (spread evenly over the unit: no finer population data exists) within a distance of a layer's
  features, or the share of another layer's features in it that are.

Distances are on the spheroid (geography), never in degrees or Web Mercator. Every answer counts all
it finds and lists at most ANALYSIS_PROXIMITY_MAX_FEATURES features (near a layer: the first ones by id
when there are more), closest first, each as a GeoJSON
Feature (the map's temporary layer and the table are drawn from them), and gives the version of each
layer it read.
"""

import json
from dataclasses import dataclass, field
from datetime import datetime

from django.conf import settings
from django.utils.translation import gettext as _
from shapely.geometry.base import BaseGeometry

from analysis.units import Units
from layers import query as features
from layers.errors import InvalidParameter
from layers.models import Layer, TimeKind
from layers.query import Sql
from layers.replicas import reading_connection
from layers.schema import schema_property

COORDINATE_DIGITS = 6  # ~0.1 m


@dataclass(frozen=True)
class Answer:
    mode: str
    count: int  # every feature (or unit) found; `features` lists the first ANALYSIS_PROXIMITY_MAX_FEATURES
    features: list[dict]  # GeoJSON Features
    versions: dict[str, int]  # slug → version read
    units: list[dict] = field(default_factory=list)


def name_property(layer: Layer) -> str | None:
    """The property that names a feature: the style's label, else `name`, else none."""
    schema = layer.property_schema or []
    label = ((layer.style or {}).get("label") or {}).get("property")
    if label and schema_property(schema, label):
        return label
    return "name" if schema_property(schema, "name") else None


def _geometry(geometry: BaseGeometry) -> Sql:
    return Sql("ST_GeomFromWKB(%s, 4326)", [geometry.wkb])


def _window(layer: Layer, start: datetime | None, end: datetime | None) -> Sql:
    return features.during(start, end) if layer.time_kind != TimeKind.NONE else Sql("")


def _metres(metres: float) -> float:
    if not 0 < metres <= settings.ANALYSIS_PROXIMITY_MAX_METRES:
        raise InvalidParameter(
            _("The distance is in metres, above 0 and at most %(n)d.") % {"n": settings.ANALYSIS_PROXIMITY_MAX_METRES},
            fields={"distance_m": [_("Not valid.")]},
        )
    return float(metres)


def _fetch(statement: Sql) -> list[tuple]:
    with reading_connection().cursor() as cur:
        cur.execute(statement.text, statement.params)
        return cur.fetchall()


def _feature(layer: Layer, row_id: int, name: str | None, geometry: str, **properties) -> dict:
    return {"type": "Feature", "id": row_id, "geometry": json.loads(geometry),
            "properties": {"layer": layer.slug, "name": name, **properties}}


def within(
    *, layer: Layer, metres: float, near_layer: Layer | None = None, near: BaseGeometry | None = None,
    start: datetime | None = None, end: datetime | None = None,
) -> Answer:
    """Features of `layer` within `metres` of a feature of `near_layer` or of the geometry `near`,
    closest first, each with `distance_m` and (for a layer) the nearest such feature's id and name."""
    metres = _metres(metres)
    limit = settings.ANALYSIS_PROXIMITY_MAX_FEATURES
    name = features.text(name_property(layer)) if name_property(layer) else Sql("NULL")
    conditions = [features.in_layer(layer.pk), _window(layer, start, end)]
    if near_layer is not None:
        other = name_property(near_layer)
        other_name = Sql("b.properties ->> %s", [other]) if other else Sql("NULL")
        reach = (" FROM " + features.features_as("b") + " WHERE b.layer_id = " + Sql("%s", [near_layer.pk])
                 + " AND " + features.pair_within_metres("f", "b", metres))
        # Counted with a semi-join (stops at the first feature in reach); listed in id order up to the
        # limit, each with its nearest feature, so a layer of a million points near 50,000 roads does
        # not measure every pair to list a few thousand (the listed ones are then sorted by distance).
        counted = _fetch("SELECT count(*) FROM " + features.FEATURES + " WHERE "
                         + features.where([*conditions, "EXISTS (SELECT 1" + reach + ")"]))[0][0]
        nearest = ("SELECT b.id, " + other_name + " AS name, " + features.metres_to("b.geom") + " AS distance"
                   + reach + " ORDER BY 3 LIMIT 1")
        statement = (
            "SELECT f.id, " + name + ", ST_AsGeoJSON(f.geom, " + str(COORDINATE_DIGITS) + "), n.distance, n.id, n.name, "
            + Sql("%s", [counted]) + " FROM " + features.FEATURES + " CROSS JOIN LATERAL (" + nearest + ") AS n"
            " WHERE " + features.where(conditions) + " ORDER BY f.id LIMIT " + Sql("%s", [limit])
        )
        versions = {layer.slug: layer.version, near_layer.slug: near_layer.version}
    elif near is not None:
        zone = _geometry(near)
        statement = (
            "SELECT f.id, " + name + ", ST_AsGeoJSON(f.geom, " + str(COORDINATE_DIGITS) + "), "
            + features.metres_to(zone) + ", NULL::bigint, NULL::text, count(*) OVER () FROM " + features.FEATURES
            + " WHERE " + features.where([*conditions, features.within_metres(zone, metres)])
            + " ORDER BY 4, f.id LIMIT " + Sql("%s", [limit])
        )
        versions = {layer.slug: layer.version}
    else:
        raise InvalidParameter(_("Say what the features should be near: a layer, a zone or a geometry."),
                               fields={"near": [_("This field is required.")]})
    rows = sorted(_fetch(statement), key=lambda row: (row[3], row[0]))
    return Answer(
        mode="within", count=rows[0][6] if rows else 0, versions=versions,
        features=[_feature(layer, fid, fname, geometry, distance_m=round(distance, 1), near_id=near_id,
                           near_name=near_name)
                  for fid, fname, geometry, distance, near_id, near_name, _total in rows],
    )


def nearest(
    *, layer: Layer, n: int, point: BaseGeometry | None = None, from_layer: Layer | None = None,
    start: datetime | None = None, end: datetime | None = None,
) -> Answer:
    """The `n` features of `layer` nearest to `point`, or to each feature of `from_layer`, with their
    distances. Candidates are the 4n + 10 nearest by the index (in degrees, which at these latitudes
    shrink eastward by under 3 %), ranked again on the spheroid."""
    if not isinstance(n, int) or isinstance(n, bool) or not 1 <= n <= 100:
        raise InvalidParameter(_("n is a whole number from 1 to 100."), fields={"n": [_("Not valid.")]})
    name = features.text(name_property(layer)) if name_property(layer) else Sql("NULL")
    conditions = features.where([features.in_layer(layer.pk), _window(layer, start, end)])
    candidates = 4 * n + 10

    def ranked(origin: Sql) -> Sql:
        return (
            "SELECT c.* FROM (SELECT f.id, " + name + " AS name, ST_AsGeoJSON(f.geom, " + str(COORDINATE_DIGITS)
            + ") AS geometry, " + features.metres_to(origin) + " AS distance FROM " + features.FEATURES
            + " WHERE " + conditions + " ORDER BY f.geom <-> " + origin + " LIMIT " + Sql("%s", [candidates])
            + ") AS c ORDER BY c.distance, c.id LIMIT " + Sql("%s", [n])
        )

    if point is not None:
        rows = _fetch(ranked(_geometry(point)))
        found = [_feature(layer, fid, fname, geometry, distance_m=round(distance, 1), rank=i + 1)
                 for i, (fid, fname, geometry, distance) in enumerate(rows)]
        return Answer(mode="nearest", count=len(found), features=found, versions={layer.slug: layer.version})
    if from_layer is None:
        raise InvalidParameter(_("Say from where: a point or a layer."), fields={"from": [_("This field is required.")]})
    if from_layer.feature_count > settings.ANALYSIS_PROXIMITY_MAX_FEATURES:
        raise InvalidParameter(
            _("A layer to measure from has at most %(n)d features.") % {"n": settings.ANALYSIS_PROXIMITY_MAX_FEATURES},
            fields={"from": [_("Too many features.")]},
        )
    other = name_property(from_layer)
    origin_name = Sql("b.properties ->> %s", [other]) if other else Sql("NULL")
    statement = (
        "SELECT b.id, " + origin_name + ", r.* FROM " + features.features_as("b")
        + " CROSS JOIN LATERAL (" + ranked(Sql("b.geom")) + ") AS r WHERE b.layer_id = "
        + Sql("%s", [from_layer.pk]) + " ORDER BY b.id, r.distance, r.id"
    )
    rows = _fetch(statement)
    found = []
    rank = 0
    for i, (origin_id, origin_label, fid, fname, geometry, distance) in enumerate(rows):
        rank = rank + 1 if i and rows[i - 1][0] == origin_id else 1
        found.append(_feature(layer, fid, fname, geometry, distance_m=round(distance, 1), rank=rank,
                              near_id=origin_id, near_name=origin_label))
    return Answer(mode="nearest", count=len(found), features=found[: settings.ANALYSIS_PROXIMITY_MAX_FEATURES],
                  versions={layer.slug: layer.version, from_layer.slug: from_layer.version})


def coverage(
    *, layer: Layer, metres: float, units: Units, of: Layer | None = None,
    start: datetime | None = None, end: datetime | None = None,
) -> Answer:
    """Per unit: with `of`, how many of its features lie within `metres` of a feature of `layer`;
    without, the share of the unit's area (and of its population, spread evenly) within reach."""
    metres = _metres(metres)
    unit_name = Sql("u.properties ->> %s", [units.name_property]) if units.name_property else Sql("NULL")
    sources = features.where([features.in_layer(layer.pk), _window(layer, start, end)])
    head = ("SELECT u.id, " + unit_name + ", ST_AsGeoJSON(u.geom, 5), ")
    if of is not None:
        # A feature belongs to the unit holding a point on its surface: once, whatever its shape.
        statement = (
            head + "a.total, a.near FROM " + features.features_as("u") + " CROSS JOIN LATERAL (SELECT count(*) AS total,"
            " count(*) FILTER (WHERE EXISTS (SELECT 1 FROM " + features.FEATURES + " WHERE " + sources + " AND "
            + features.within_metres("t.geom", metres) + ")) AS near FROM " + features.features_as("t")
            + " WHERE t.layer_id = " + Sql("%s", [of.pk]) + " AND t.geom && u.geom"
            " AND ST_Intersects(u.geom, ST_PointOnSurface(t.geom))) AS a"
            " WHERE u.layer_id = " + Sql("%s", [units.layer.pk]) + " ORDER BY 2, u.id"
        )
        listed = []
        for uid, uname, geometry, total, near in _fetch(statement):
            listed.append({"type": "Feature", "id": uid, "geometry": json.loads(geometry), "properties": {
                "name": uname, "features": total, "covered": near,
                "share": round(near / total, 4) if total else None}})
        versions = {layer.slug: layer.version, of.slug: of.version, units.layer.slug: units.layer.version}
    else:
        population = (Sql("CASE WHEN jsonb_typeof(u.properties -> %s) = 'number' THEN (u.properties ->> %s)::float8 END",
                          [units.population_property, units.population_property])
                      if units.population_property else Sql("NULL::float8"))
        reach = ("SELECT ST_Union(ST_Buffer(f.geom::geography, " + Sql("%s", [metres]) + ")::geometry) AS g FROM "
                 + features.FEATURES + " WHERE " + sources + " AND " + features.within_metres("u.geom", metres))
        statement = (
            head + population + ", ST_Area(u.geom::geography), "
            "coalesce(ST_Area(ST_Intersection(u.geom, c.g)::geography), 0) FROM " + features.features_as("u")
            + " CROSS JOIN LATERAL (" + reach + ") AS c WHERE u.layer_id = " + Sql("%s", [units.layer.pk])
            + " ORDER BY 2, u.id"
        )
        listed = []
        for uid, uname, geometry, people, area, covered in _fetch(statement):
            share = min(1.0, covered / area) if area else None
            listed.append({"type": "Feature", "id": uid, "geometry": json.loads(geometry), "properties": {
                "name": uname, "area_ha": round(area / 10_000, 2), "covered_ha": round(covered / 10_000, 2),
                "share": None if share is None else round(share, 4), "population": people,
                "covered_population": None if people is None or share is None else round(people * share)}})
        versions = {layer.slug: layer.version, units.layer.slug: units.layer.version}
    return Answer(mode="coverage", count=len(listed), features=[], units=listed, versions=versions)
