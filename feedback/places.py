"""Which commune a point lies in on a given day: the one place that knows where the units come from.

Until the monitoring app's admin units with their 2022/2025 boundary versions land, the units are the
features of the demo world's commune layer (FEEDBACK_COMMUNES_LAYER), whose `valid_from`/`valid_to`
properties say when each unit existed; a report is placed in the unit valid on its day, or, when none
is (the 2025 units are not loaded yet), in the last unit that held the point. Switching to the
monitoring units changes this module only.
"""

from dataclasses import dataclass
from datetime import date

from django.conf import settings
from django.contrib.gis.geos import Point
from django.db import connection

from layers import query
from layers.models import Layer
from layers.query import Sql


@dataclass(frozen=True)
class Place:
    commune_code: str
    commune_name: str
    district_code: str
    units: str  # the boundary version that placed it ("2022"; "2025" once those units are loaded)


def commune_at(point: Point, *, on: date) -> Place | None:
    """The commune holding `point` (WGS 84) on day `on`; None outside every unit."""
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
