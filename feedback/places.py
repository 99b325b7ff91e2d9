"""Which commune a point lies in on a given day: the one place that knows where the units come from.

The units are the monitoring app's administrative units in their boundary versions
(`monitoring.units.unit_place_at`, unit_at's lookup as plain values): the 2022 communes for a
report received before 1 July 2025, the 2025 communes and wards from that day on. A report is
placed in the unit valid on its day.

Fallback: a platform that has not loaded any monitoring units (a fresh install that only imported an
admin-communes layer, the small test worlds of the feedback modules) still places reports, with the
features of FEEDBACK_COMMUNES_LAYER, whose `valid_from`/`valid_to` properties say when each unit
existed (when no unit is valid on the day, the last unit that held the point). It is asked only when
the monitoring units have no commune at all, so once they are loaded a point outside them is outside
the province, whatever the layer says.
"""

from dataclasses import dataclass
from datetime import date

from django.conf import settings
from django.contrib.gis.geos import Point
from django.db import connection

from layers import query
from layers.models import Layer
from layers.query import Sql
from monitoring.models import AdminUnit, UnitLevel
from monitoring.units import unit_place_at


@dataclass(frozen=True)
class Place:
    commune_code: str
    commune_name: str
    district_code: str
    units: str  # the boundary version that placed it ("2022", "2025")


def commune_at(point: Point, *, on: date) -> Place | None:
    """The commune holding `point` (WGS 84) on day `on`; None outside every unit."""
    unit = unit_place_at(point, on=on)
    if unit is not None:
        district = unit.parent_code if unit.parent_level == UnitLevel.DISTRICT else ""
        return Place(commune_code=unit.code, commune_name=unit.name, district_code=district or "",
                     units=unit.version[:8])
    if AdminUnit.objects.filter(level=UnitLevel.COMMUNE).exists():
        return None
    return _commune_of_layer(point, on=on)


def _commune_of_layer(point: Point, *, on: date) -> Place | None:
    """The fallback: the commune layer's feature valid on `on` (see the module's docstring)."""
    layer_id = Layer.objects.filter(slug=settings.FEEDBACK_COMMUNES_LAYER).values_list("id", flat=True).first()
    if layer_id is None:
        return None
    day = on.isoformat()
    valid = Sql("(coalesce(f.properties ->> 'valid_from', '') <= %s AND %s < coalesce(f.properties ->> 'valid_to', "
                "'9999'))", [day, day])
    statement = query.select(
        Sql("f.properties ->> 'code', f.properties ->> 'name', f.properties ->> 'district_code', ") + valid
        + Sql(", f.properties ->> 'valid_from'"),
        query.where([query.in_layer(layer_id), query.in_geometry(bytes(point.wkb))]),
    ) + " ORDER BY 4 DESC, f.properties ->> 'valid_to' DESC NULLS FIRST LIMIT 1"
    with connection.cursor() as cursor:
        cursor.execute(statement.text, statement.params)
        row = cursor.fetchone()
    if row is None:
        return None
    code, name, district, _valid, valid_from = row
    units = "2025" if (valid_from or "") >= "2025-07-01" else "2022"
    return Place(commune_code=code or "", commune_name=name or "", district_code=district or "", units=units)
