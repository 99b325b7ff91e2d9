"""The administrative units analyses count by (coverage, aggregate by unit).

One function, `admin_units`, answers which units: by default the boundary set of the monitoring app
(monitoring.models.AdminUnit: the 2022 communes until 2025-06-30, the 2025 communes and wards from
2025-07-01, the same units indicators are published on), the one valid at the end of the asked
window, or the set the caller names (`boundary=2022|2025`); or any polygon layer the caller names
(`units=<slug>`, e.g. a planners' zones layer). Where no monitoring units are loaded (a platform
without them) the default is the ANALYSIS_UNITS_LAYER layer.

Either way the SQL sees one relation `u(id, code, name, geom, population)` (`Units.relation`), so the
aggregate and coverage statements are written once for both.
"""

from dataclasses import dataclass
from datetime import date, datetime

from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext as _

from layers.access import Caller, get_visible_layer
from layers.errors import InvalidParameter
from layers.models import Kind, Layer
from layers.query import Sql, features_as
from layers.schema import schema_property
from monitoring.models import AdminUnit, BoundaryVersion, UnitLevel
from monitoring.units import version_at


@dataclass(frozen=True)
class Units:
    layer: Layer | None = None  # a polygon layer of the catalog, or
    boundary: BoundaryVersion | None = None  # a boundary set of the monitoring app
    level: str = UnitLevel.COMMUNE
    name_property: str | None = None
    population_property: str | None = None

    def relation(self) -> Sql:
        """`(…) AS u` with the columns id, code, name, geom, population."""
        if self.boundary is not None:
            return Sql("(SELECT a.id, a.code, a.name, a.geom, a.population::float8 AS population"
                       " FROM monitoring_adminunit a WHERE a.version_id = %s AND a.level = %s) AS u",
                       [self.boundary.pk, self.level])
        name = Sql("p.properties ->> %s", [self.name_property]) if self.name_property else Sql("NULL")
        population = (Sql("CASE WHEN jsonb_typeof(p.properties -> %s) = 'number' THEN (p.properties ->> %s)::float8 END",
                          [self.population_property, self.population_property])
                      if self.population_property else Sql("NULL::float8"))
        return ("(SELECT p.id, p.source_id AS code, " + name + " AS name, p.geom, "
                + population + " AS population FROM " + features_as("p")
                + " WHERE p.layer_id = " + Sql("%s", [self.layer.pk]) + ") AS u")

    def versions(self) -> dict[str, int]:
        return {self.layer.slug: self.layer.version} if self.layer is not None else {}

    def described(self) -> dict:
        """What the answer says it counted by."""
        if self.boundary is not None:
            return {"boundary": self.boundary.code, "level": self.level}
        return {"layer": self.layer.slug}


def admin_units(user: Caller, *, slug: str | None = None, boundary: str | None = None,
                on: datetime | date | None = None) -> Units:
    """The units to count by: the layer `slug` names (a polygon layer the caller may see; a hidden one
    answers like an unknown one), else the monitoring boundary set `boundary` names, else the one valid
    on `on` (default today), else the ANALYSIS_UNITS_LAYER layer."""
    if slug:
        return _layer_units(user, slug)
    if boundary is not None:
        version = BoundaryVersion.objects.filter(code=boundary).first() if isinstance(boundary, str) else None
        if version is None:
            codes = ", ".join(BoundaryVersion.objects.values_list("code", flat=True)) or "—"
            raise InvalidParameter(_("boundary is one of the boundary sets: %(codes)s.") % {"codes": codes},
                                   fields={"boundary": [_("Not valid.")]})
        return Units(boundary=version)
    day = on.date() if isinstance(on, datetime) else on or timezone.localdate()
    version = version_at(day)
    if version is not None and AdminUnit.objects.filter(version=version, level=UnitLevel.COMMUNE).exists():
        return Units(boundary=version)
    return _layer_units(user, settings.ANALYSIS_UNITS_LAYER)


def _layer_units(user: Caller, slug: str) -> Units:
    layer = get_visible_layer(user, slug)
    if layer.kind != Kind.VECTOR or "Polygon" not in layer.geometry_type and layer.geometry_type != "Geometry":
        raise InvalidParameter(_("Units must be a layer of polygons."), fields={"units": [_("Not valid.")]})
    schema = layer.property_schema or []
    label = ((layer.style or {}).get("label") or {}).get("property")
    name = label if label and schema_property(schema, label) else ("name" if schema_property(schema, "name") else None)
    population = settings.ANALYSIS_UNITS_POPULATION_PROPERTY
    return Units(layer=layer, name_property=name,
                 population_property=population if schema_property(schema, population) else None)
