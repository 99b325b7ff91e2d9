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
layer it read. The points of a dense point layer near another layer are judged cell by cell first
(analysis.reach), which gives the same answer as testing each point.
"""

import json
from dataclasses import dataclass, field
from datetime import datetime

import shapely
from django.conf import settings
from django.utils.translation import gettext as _
from shapely.geometry.base import BaseGeometry

from analysis import reach
from analysis.units import Units
from layers import query as features
from layers.errors import InvalidParameter
from layers.models import GeometryType, Layer, TimeKind
from layers.query import Sql
from layers.replicas import reading_connection
from layers.schema import schema_property
from tiles import counting

COORDINATE_DIGITS = 6  # ~0.1 m
# Below this share of the layer's points in reach, they are listed from the cells not beyond the
# distance (analysis.reach) rather than by walking the layer's ids until enough are found.
LIST_FROM_CELLS_BELOW = 0.05


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
    # No JIT (as analysis.summaries, tiles.counting): on the bench's 1M points it compiled the count's
    # semi-join for 0.8 s before running it. SET LOCAL and the statement: one round trip, one
    # implicit transaction, so the setting ends with it.
    with reading_connection().cursor() as cur:
        cur.execute("SET LOCAL jit = off; " + statement.text, statement.params)
        cur.nextset()  # past the SET
        return cur.fetchall()


def _feature(layer: Layer, row_id: int, name: str | None, geometry: str, **properties) -> dict:
    return {"type": "Feature", "id": row_id, "geometry": json.loads(geometry),
            "properties": {"layer": layer.slug, "name": name, **properties}}


def _judged(layer: Layer, metres: float, near_layer: Layer) -> reach.Judged | None:
    """The cells of a dense point layer judged against the features of `near_layer` (analysis.reach),
    or None when the layer has no ready cells or its area cannot be judged."""
    if layer.geometry_type != GeometryType.POINT or layer.feature_count <= settings.TILES_MAX_FEATURES:
        return None
    z = reach.level(metres)
    occupied = counting.occupied_cells(layer.pk, layer.version, z)
    if occupied is None:
        return None

    def near_pieces(box: tuple[float, float, float, float], segment: float) -> list:
        # The features meeting the box (the GiST index) in one value; polygons' edges cut along their
        # great circles (their inside is tested in degrees).
        (collected,) = _fetch(
            "SELECT ST_AsBinary(ST_Collect(CASE WHEN ST_Dimension(b.geom) = 2 THEN ST_Segmentize(b.geom::geography, "
            + Sql("%s", [segment]) + ")::geometry ELSE b.geom END)) FROM " + features.features_as("b")
            + " WHERE b.layer_id = " + Sql("%s", [near_layer.pk]) + " AND b.geom && " + features.envelope(box))[0]
        return shapely.get_parts(shapely.from_wkb(bytes(collected))) if collected else []

    return reach.judge(z=z, cx=occupied[0], cy=occupied[1], metres=metres, near_pieces=near_pieces)


def _at_version(layer: Layer) -> Sql:
    return Sql("EXISTS (SELECT 1 FROM " + Layer._meta.db_table + " WHERE id = %s AND version = %s)",
               [layer.pk, layer.version])


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
        in_reach = "EXISTS (SELECT 1" + reach + ")"
        # A dense point layer with no time window is judged by its cells first (analysis.reach): the
        # points of cells surely within are counted from the cells, those of cells surely beyond
        # skipped, the others tested one by one. Otherwise (or when its cells are not ready) counted
        # with a semi-join, which stops at the first feature in reach but tests every point.
        judged = _judged(layer, metres, near_layer) if not _window(layer, start, end).text else None
        counted = None if judged is None else counting.count_in_cells(
            layer.pk, layer.version, judged.z, judged.within, judged.probed, in_reach, _at_version(near_layer))
        if counted is None:
            judged = None
            counted = _fetch("SELECT count(*) FROM " + features.FEATURES + " WHERE "
                             + features.where([*conditions, in_reach]))[0][0]
        # Listed in id order up to the limit, each with its nearest feature, so a layer of a million
        # points near 50,000 roads does not measure every pair to list a few thousand (the listed ones
        # are then sorted by distance). When few of the layer's points are in reach, from the cells not
        # beyond only: walking the ids would test most of the layer to find them.
        nearest = ("SELECT b.id, " + other_name + " AS name, " + features.metres_to("b.geom") + " AS distance"
                   + reach + " ORDER BY 3 LIMIT 1")
        head = ("SELECT f.id, " + name + ", ST_AsGeoJSON(f.geom, " + str(COORDINATE_DIGITS) + "), n.distance, n.id, n.name, "
                + Sql("%s", [counted]) + " FROM ")
        tail = " CROSS JOIN LATERAL (" + nearest + ") AS n"
        statement = (head + features.FEATURES + tail + " WHERE " + features.where(conditions)
                     + " ORDER BY f.id LIMIT " + Sql("%s", [limit]))
        if judged is not None and counted < LIST_FROM_CELLS_BELOW * layer.feature_count:
            # Only while both layers are at the versions the cells were judged on; else listed as above.
            from_cells = _fetch(head + counting.features_of_cells(layer.pk, judged.z, judged.near) + tail + " WHERE "
                                + features.where([_at_version(layer), _at_version(near_layer)])
                                + " ORDER BY f.id LIMIT " + Sql("%s", [limit]))
            statement = None if len(from_cells) == min(counted, limit) else statement
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
    rows = sorted(from_cells if statement is None else _fetch(statement), key=lambda row: (row[3], row[0]))
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
    sources = features.where([features.in_layer(layer.pk), _window(layer, start, end)])
    head = "SELECT u.id, u.name, ST_AsGeoJSON(u.geom, 5), "
    if of is not None:
        # A feature belongs to the unit holding a point on its surface: once, whatever its shape.
        statement = (
            head + "a.total, a.near FROM " + units.relation() + " CROSS JOIN LATERAL (SELECT count(*) AS total,"
            " count(*) FILTER (WHERE EXISTS (SELECT 1 FROM " + features.FEATURES + " WHERE " + sources + " AND "
            + features.within_metres("t.geom", metres) + ")) AS near FROM " + features.features_as("t")
            + " WHERE t.layer_id = " + Sql("%s", [of.pk]) + " AND t.geom && u.geom"
            " AND ST_Intersects(u.geom, ST_PointOnSurface(t.geom))) AS a ORDER BY 2, u.id"
        )
        listed = []
        for uid, uname, geometry, total, near in _fetch(statement):
            listed.append({"type": "Feature", "id": uid, "geometry": json.loads(geometry), "properties": {
                "name": uname, "features": total, "covered": near,
                "share": round(near / total, 4) if total else None}})
        versions = {layer.slug: layer.version, of.slug: of.version} | units.versions()
    else:
        reach = ("SELECT ST_Union(ST_Buffer(f.geom::geography, " + Sql("%s", [metres]) + ")::geometry) AS g FROM "
                 + features.FEATURES + " WHERE " + sources + " AND " + features.within_metres("u.geom", metres))
        statement = (
            head + "u.population, ST_Area(u.geom::geography), "
            "coalesce(ST_Area(ST_Intersection(u.geom, c.g)::geography), 0) FROM " + units.relation()
            + " CROSS JOIN LATERAL (" + reach + ") AS c ORDER BY 2, u.id"
        )
        listed = []
        for uid, uname, geometry, people, area, covered in _fetch(statement):
            share = min(1.0, covered / area) if area else None
            listed.append({"type": "Feature", "id": uid, "geometry": json.loads(geometry), "properties": {
                "name": uname, "area_ha": round(area / 10_000, 2), "covered_ha": round(covered / 10_000, 2),
                "share": None if share is None else round(share, 4), "population": people,
                "covered_population": None if people is None or share is None else round(people * share)}})
        versions = {layer.slug: layer.version} | units.versions()
    return Answer(mode="coverage", count=len(listed), features=[], units=listed, versions=versions)
