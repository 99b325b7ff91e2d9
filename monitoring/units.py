"""Administrative units in boundary versions: loading them, and which unit holds a point on a day.

`unit_at` is the public lookup other apps use, and `unit_place_at` the same as plain values (the
1022 feedback intake finds a report's commune with it, for a report made before or after the 2025
change alike).
"""

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

from django.contrib.gis.geos import GEOSGeometry, MultiPolygon, Point
from django.db import connection, transaction
from django.db.models import Q
from shapely.geometry.base import BaseGeometry

from monitoring.models import AdminUnit, BoundaryVersion, UnitLevel
from monitoring.names import match_name


@dataclass(frozen=True)
class UnitSpec:
    code: str
    level: str  # monitoring.models.UnitLevel
    name: str
    short_name: str
    geom: BaseGeometry  # lon/lat, a (Multi)Polygon
    population: int | None = None
    parent_code: str | None = None


def version_at(on: date) -> BoundaryVersion | None:
    """The boundary version valid on the day `on` (valid_to is exclusive)."""
    return (
        BoundaryVersion.objects.filter(valid_from__lte=on)
        .filter(Q(valid_to__isnull=True) | Q(valid_to__gt=on))
        .order_by("-valid_from")
        .first()
    )


@dataclass(frozen=True)
class UnitAt:
    """What a lookup of `unit_at`'s kind answers without building the model (feedback's intake)."""

    id: int
    code: str
    name: str
    version: str  # the boundary version's code ("2022", "2025")
    parent_code: str | None
    parent_level: str | None


# The one rule of both lookups. Covers, not contains: a point on the line between two communes still
# has one; the lower code wins. The version is the one valid on the day (valid_to exclusive), the
# latest first; none makes the subquery NULL and no unit matches. The polygon is the index's
# question only: never read out (a real commune's boundary has thousands of vertices).
_UNIT_AT = """
    SELECT u.id, u.code, u.name, v.code, p.code, p.level
      FROM monitoring_adminunit AS u
      JOIN monitoring_boundaryversion AS v ON v.id = u.version_id
      LEFT JOIN monitoring_adminunit AS p ON p.id = u.parent_id
     WHERE u.version_id = (SELECT b.id FROM monitoring_boundaryversion AS b
                            WHERE b.valid_from <= %(on)s AND (b.valid_to IS NULL OR b.valid_to > %(on)s)
                            ORDER BY b.valid_from DESC LIMIT 1)
       AND u.level = %(level)s
       AND ST_Covers(u.geom, ST_SetSRID(ST_GeomFromWKB(%(point)s), 4326))
     ORDER BY u.code LIMIT 1
"""


def unit_place_at(point: Point, *, on: date, level: str = UnitLevel.COMMUNE) -> UnitAt | None:
    """`unit_at`'s answer as plain values, in one plain statement: the 1022 intake asks on every
    report, and the ORM's form cost ten times the statement's own time to build."""
    if point.srid not in (None, 4326):
        point = point.transform(4326, clone=True)
    with connection.cursor() as cursor:
        cursor.execute(_UNIT_AT, {"on": on, "level": level, "point": bytes(point.wkb)})
        row = cursor.fetchone()
    return UnitAt(*row) if row is not None else None


def unit_at(point: Point, *, on: date, level: str = UnitLevel.COMMUNE) -> AdminUnit | None:
    """The unit of `level` whose polygon covers `point` (SRID 4326 if it has none) in the boundary
    version valid on `on`; None outside every unit or before any version."""
    found = unit_place_at(point, on=on, level=level)
    return AdminUnit.objects.select_related("version", "parent").get(pk=found.id) if found is not None else None


@transaction.atomic
def load_units(version: BoundaryVersion, units: Iterable[UnitSpec]) -> int:
    """Create or update the units of `version` by code (values keep pointing at them), with their
    parents, and their areas measured on the spheroid. Returns how many units were written."""
    units = list(units)
    rows = [
        AdminUnit(
            version=version,
            code=unit.code,
            level=unit.level,
            name=unit.name,
            short_name=unit.short_name,
            match_name=match_name(unit.short_name),
            geom=_multipolygon(unit.geom),
            population=unit.population,
        )
        for unit in units
    ]
    AdminUnit.objects.bulk_create(
        rows,
        update_conflicts=True,
        unique_fields=["version", "code"],
        update_fields=["level", "name", "short_name", "match_name", "geom", "population"],
        batch_size=500,
    )
    ids = dict(AdminUnit.objects.filter(version=version).values_list("code", "id"))
    for unit in units:
        AdminUnit.objects.filter(id=ids[unit.code]).update(parent_id=ids.get(unit.parent_code))
    with connection.cursor() as cur:
        cur.execute(
            "UPDATE monitoring_adminunit SET area_km2 = ST_Area(geom::geography) / 1e6 WHERE version_id = %s",
            [version.pk],
        )
    return len(rows)


def _multipolygon(geom: BaseGeometry) -> MultiPolygon:
    parsed = GEOSGeometry(memoryview(geom.wkb), srid=4326)
    return parsed if isinstance(parsed, MultiPolygon) else MultiPolygon(parsed, srid=4326)
