"""Administrative units in boundary versions: loading them, and which unit holds a point on a day.

`unit_at` is the public lookup other apps use (the 1022 feedback intake finds a report's commune
with it, for a report made before or after the 2025 change alike).
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


def unit_at(point: Point, *, on: date, level: str = UnitLevel.COMMUNE) -> AdminUnit | None:
    """The unit of `level` whose polygon covers `point` (SRID 4326 if it has none) in the boundary
    version valid on `on`; None outside every unit or before any version."""
    version = version_at(on)
    if version is None:
        return None
    if point.srid is None:
        point = Point(point.x, point.y, srid=4326)
    # Covers, not contains: a point on the line between two communes still has one; the lower code wins.
    return (
        AdminUnit.objects.filter(version=version, level=level, geom__covers=point)
        .order_by("code")
        .first()
    )


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
