"""Validation of a layer's property schema and style (both JSON stored on the catalog row)."""

import re
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError

# "json": a list or an object kept as JSON (a feature's bbox, a nested record of a published file).
PROPERTY_TYPES = ("string", "integer", "number", "boolean", "date", "datetime", "json")
STYLE_TYPES = ("circle", "line", "fill", "raster")
AGGREGATES = ("sum", "mean", "max")
STATION_ROLES = ("id", "name")
_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]{0,62}$")
_COLOR = re.compile(r"^#[0-9a-fA-F]{6}$")


def validate_property_schema(schema: Any) -> None:
    """A list of {name, type, unit?, label_vi, label_en, choices?, aggregate?, station?}; names unique
    and safe as JSON keys.

    `aggregate` makes a number a measure, which summaries add up ("sum": cases, pupils), average
    ("mean": a price) or take the largest of ("max"), instead of only counting rows. `station` marks
    the property naming the place a time series was read at ("id", and optionally "name" for its
    label): summaries give each station's latest / mean / max of the measures over the window."""
    if not isinstance(schema, list):
        raise ValidationError("The property schema must be a list of properties.")
    if len(schema) > settings.LAYERS_MAX_PROPERTIES:
        raise ValidationError(f"The schema has {len(schema)} properties; a layer holds at most "
                              f"{settings.LAYERS_MAX_PROPERTIES} (LAYERS_MAX_PROPERTIES).")
    seen: set[str] = set()
    for i, prop in enumerate(schema):
        if not isinstance(prop, dict):
            raise ValidationError(f"Property #{i + 1} must be an object.")
        name = prop.get("name")
        if not isinstance(name, str) or not _NAME.match(name):
            raise ValidationError(f"Property #{i + 1} needs a name of letters, digits and '_'.")
        if name in seen:
            raise ValidationError(f"Property '{name}' is declared twice.")
        seen.add(name)
        if prop.get("type") not in PROPERTY_TYPES:
            raise ValidationError(f"Property '{name}' has type {prop.get('type')!r}; use one of {PROPERTY_TYPES}.")
        for label in ("label_vi", "label_en"):
            if not isinstance(prop.get(label), str) or not prop[label].strip():
                raise ValidationError(f"Property '{name}' needs a {label}.")
        unknown = set(prop) - {"name", "type", "unit", "label_vi", "label_en", "description", "choices",
                               "aggregate", "station"}
        if unknown:
            raise ValidationError(f"Property '{name}' has unknown keys: {sorted(unknown)}.")
        if "choices" in prop:
            _validate_choices(name, prop["choices"])
        if "aggregate" in prop and (prop["aggregate"] not in AGGREGATES or prop["type"] not in ("integer", "number")):
            raise ValidationError(f"Property '{name}': 'aggregate' is one of {AGGREGATES}, for a number.")
        if "station" in prop and prop["station"] not in STATION_ROLES:
            raise ValidationError(f"Property '{name}': 'station' is one of {STATION_ROLES}.")
    if sum(1 for p in schema if isinstance(p, dict) and p.get("station") == "id") > 1:
        raise ValidationError("Only one property names the station ('station': 'id').")


def _validate_choices(name: str, choices: Any) -> None:
    """`choices` names the coded values of a property ("cong_lap" → "Công lập" / "Public"), so every
    page and export shows a word, not the code the data carries."""
    if not isinstance(choices, list) or not choices:
        raise ValidationError(f"Property '{name}': 'choices' must be a non-empty list.")
    values = set()
    for choice in choices:
        if not isinstance(choice, dict) or "value" not in choice:
            raise ValidationError(f"Property '{name}': each choice needs a 'value'.")
        for label in ("label_vi", "label_en"):
            if not isinstance(choice.get(label), str) or not choice[label].strip():
                raise ValidationError(f"Property '{name}': choice {choice['value']!r} needs a {label}.")
        if choice["value"] in values:
            raise ValidationError(f"Property '{name}': choice {choice['value']!r} is listed twice.")
        values.add(choice["value"])


def validate_style(style: Any) -> None:
    """Our compact style: {type, color, opacity?, radius?, width?, outline_color?, categories?,
    graduated?, size?, label?}.

    `categories` = {"property": name, "stops": [{"value", "color", "label_vi", "label_en", "alarm"?}]}
    colours features by a property (`alarm`: this value is an alarm, the only meaning red may have,
    layers.palette); `graduated` colours a number by classes; `size` sizes circles by a
    number; `label` = {"property": name, "min_zoom": n} draws text.
    """
    if not isinstance(style, dict):
        raise ValidationError("The style must be an object.")
    if style.get("type") not in STYLE_TYPES:
        raise ValidationError(f"The style type must be one of {STYLE_TYPES}.")
    for key in ("color", "outline_color"):
        if key in style and not (isinstance(style[key], str) and _COLOR.match(style[key])):
            raise ValidationError(f"Style '{key}' must be a colour like #1f78b4.")
    if "opacity" in style and not (isinstance(style["opacity"], (int, float)) and 0 <= style["opacity"] <= 1):
        raise ValidationError("Style 'opacity' must be between 0 and 1.")
    for key in ("radius", "width"):
        if key in style and not (isinstance(style[key], (int, float)) and 0 <= style[key] <= 50):
            raise ValidationError(f"Style '{key}' must be a number of pixels between 0 and 50.")
    categories = style.get("categories")
    if categories is not None:
        if not isinstance(categories, dict) or not isinstance(categories.get("property"), str):
            raise ValidationError("Style 'categories' needs a 'property'.")
        for stop in categories.get("stops", []):
            if not isinstance(stop, dict) or "value" not in stop or not _COLOR.match(str(stop.get("color", ""))):
                raise ValidationError("Each category stop needs a 'value' and a 'color'.")
            if not isinstance(stop.get("alarm", False), bool):
                raise ValidationError("A category stop's 'alarm' is true or false.")
    label = style.get("label")
    if label is not None and not (isinstance(label, dict) and isinstance(label.get("property"), str)):
        raise ValidationError("Style 'label' needs a 'property'.")
    if "graduated" in style:
        _validate_graduated(style["graduated"])
    if "size" in style:
        _validate_size(style["size"])
    if style["type"] == "raster":
        validate_raster_style(style)


def validate_layer_style(style: Any, *, kind: str) -> None:
    """`style` checked by validate_style and suited to a layer of `kind` ("vector" or "raster"): the
    one check of a layer's style, whether a steward saves it (layers.catalog.save_style, the PATCH) or
    publishes an import with it (layers.imports.submit.confirm)."""
    validate_style(style)
    if (kind == "raster") != (style["type"] == "raster"):
        raise ValidationError("The style type does not suit this kind of layer.")


def _number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and value == value


def _validate_graduated(graduated: Any) -> None:
    """`graduated` = {"property": name, "classes": [{"min", "color", "label_vi"?, "label_en"?}]}: a number
    coloured by the class whose lower bound it reaches (the first class also takes what is below)."""
    if not isinstance(graduated, dict) or not isinstance(graduated.get("property"), str):
        raise ValidationError("Style 'graduated' needs a 'property'.")
    classes = graduated.get("classes")
    if not isinstance(classes, list) or not 1 <= len(classes) <= 12:
        raise ValidationError("Style 'graduated' needs 1 to 12 'classes'.")
    lows = []
    for item in classes:
        if not isinstance(item, dict) or not _number(item.get("min")) or not _COLOR.match(str(item.get("color", ""))):
            raise ValidationError("Each graduated class needs a number 'min' and a 'color'.")
        lows.append(item["min"])
    if lows != sorted(set(lows)):
        raise ValidationError("Graduated classes must rise: each 'min' above the one before.")


def _validate_size(size: Any) -> None:
    """`size` = {"property", "min_value", "max_value", "min_radius", "max_radius"}: circles sized by a number."""
    if not isinstance(size, dict) or not isinstance(size.get("property"), str):
        raise ValidationError("Style 'size' needs a 'property'.")
    keys = ("min_value", "max_value", "min_radius", "max_radius")
    if not all(_number(size.get(key)) for key in keys) or size["min_value"] >= size["max_value"]:
        raise ValidationError("Style 'size' needs numbers min_value < max_value, min_radius and max_radius.")
    if not (0 <= size["min_radius"] <= 50 and 0 <= size["max_radius"] <= 50):
        raise ValidationError("Style 'size' radii must be between 0 and 50 pixels.")


def validate_raster_style(style: dict) -> None:
    """Raster keys: {"type": "raster", "colormap": name?, "rescale": [min, max]?, "band": n?, "opacity"?}.

    `colormap` is a rio-tiler colormap name (e.g. "rdylgn", "blues", "viridis"); `rescale` maps
    [min, max] of the band's values onto the colormap; `band` is 1-based. `classes` are the value
    ranges a legend and a zone's histogram speak of: [{"min"?, "max"?, "color", "label_vi",
    "label_en"}], a value v in a class when min <= v < max (a missing end is open), in increasing order.
    """
    from rio_tiler.colormap import cmap  # only raster styles need it

    unknown = set(style) - {"type", "colormap", "rescale", "band", "opacity", "classes"}
    if unknown:
        raise ValidationError(f"A raster style has no keys {sorted(unknown)}.")
    if "colormap" in style and style["colormap"] not in cmap.list():
        raise ValidationError(f"Style 'colormap' {style['colormap']!r} is not a known colormap (e.g. 'rdylgn').")
    rescale = style.get("rescale")
    if rescale is not None and not (
        isinstance(rescale, list) and len(rescale) == 2
        and all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in rescale)
        and rescale[0] < rescale[1]
    ):
        raise ValidationError("Style 'rescale' must be [min, max] with min < max.")
    band = style.get("band")
    if band is not None and not (isinstance(band, int) and not isinstance(band, bool) and band >= 1):
        raise ValidationError("Style 'band' must be a band number from 1.")
    if "classes" in style:
        _validate_raster_classes(style["classes"])


def _validate_raster_classes(classes: Any) -> None:
    if not isinstance(classes, list) or not classes:
        raise ValidationError("Style 'classes' must be a non-empty list.")
    previous = None
    for i, entry in enumerate(classes):
        if not isinstance(entry, dict) or set(entry) - {"min", "max", "color", "label_vi", "label_en"}:
            raise ValidationError(f"Class #{i + 1} has keys other than min, max, color, label_vi, label_en.")
        ends = [entry.get("min"), entry.get("max")]
        if any(v is not None and (isinstance(v, bool) or not isinstance(v, (int, float))) for v in ends):
            raise ValidationError(f"Class #{i + 1}: min and max are numbers.")
        if None not in ends and ends[0] >= ends[1]:
            raise ValidationError(f"Class #{i + 1}: min must be below max.")
        if previous is not None and (ends[0] is None or ends[0] < previous):
            raise ValidationError(f"Class #{i + 1} starts before the class before it ends.")
        previous = ends[1] if ends[1] is not None else float("inf")
        if not _COLOR.match(str(entry.get("color", ""))):
            raise ValidationError(f"Class #{i + 1} needs a colour like #1f78b4.")
        for label in ("label_vi", "label_en"):
            if not isinstance(entry.get(label), str) or not entry[label].strip():
                raise ValidationError(f"Class #{i + 1} needs a {label}.")


def schema_property(schema: list[dict], name: str) -> dict | None:
    return next((p for p in schema if p.get("name") == name), None)


def measures(schema: list[dict]) -> list[dict]:
    """The properties a summary aggregates (those with an `aggregate`), in schema order."""
    return [p for p in schema if p.get("aggregate") in AGGREGATES]


def station_property(schema: list[dict], role: str = "id") -> str | None:
    """The property naming a time series' station ("id") or its label ("name"), if the schema has one."""
    return next((p["name"] for p in schema if p.get("station") == role), None)
