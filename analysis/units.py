"""The administrative units analyses count by (coverage, aggregate by unit).

One function, `admin_units`, so the source can be switched in one place: today the demo world's admin
layer (ANALYSIS_UNITS_LAYER, the 2022 communes) or any polygon layer the caller names; once monitoring/
provides versioned units (2022 / 2025 boundaries), it will answer from there.
"""

from dataclasses import dataclass

from django.conf import settings
from django.utils.translation import gettext as _

from layers.access import Caller, get_visible_layer
from layers.errors import InvalidParameter
from layers.models import Kind, Layer
from layers.schema import schema_property


@dataclass(frozen=True)
class Units:
    layer: Layer
    name_property: str | None
    population_property: str | None


def admin_units(user: Caller, *, slug: str | None = None) -> Units:
    """The unit layer (ANALYSIS_UNITS_LAYER unless `slug` names another polygon layer the caller may
    see; a hidden one answers like an unknown one), the property naming a unit and the one holding its
    population (ANALYSIS_UNITS_POPULATION_PROPERTY if the schema has it, else none)."""
    layer = get_visible_layer(user, slug or settings.ANALYSIS_UNITS_LAYER)
    if layer.kind != Kind.VECTOR or "Polygon" not in layer.geometry_type and layer.geometry_type != "Geometry":
        raise InvalidParameter(_("Units must be a layer of polygons."), fields={"units": [_("Not valid.")]})
    schema = layer.property_schema or []
    label = ((layer.style or {}).get("label") or {}).get("property")
    name = label if label and schema_property(schema, label) else ("name" if schema_property(schema, "name") else None)
    population = settings.ANALYSIS_UNITS_POPULATION_PROPERTY
    return Units(layer=layer, name_property=name,
                 population_property=population if schema_property(schema, population) else None)
