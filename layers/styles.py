"""The style every map draws a layer with: its own compact style (layers.schema.validate_style), or
the default for its geometry type when it has none or one that cannot draw it.

A layer imported without a style used to get a fill: its points were drawn by nothing (issue #19).
Every reader (the catalog API, the tiles' MapLibre styles, the wall, printed maps) asks
`effective_style`, so they all draw and explain a layer the same way.
"""

import hashlib
from collections.abc import Iterable

from layers.models import Kind, Layer

# Colours handed to new layers, distinct from one another and from the alarm colours: red and its
# neighbours mean "alarm / overdue / over a limit" on every page, so no layer gets one by default.
PALETTE = (
    "#1f78b4",  # blue
    "#33a02c",  # green
    "#ff7f00",  # orange
    "#6a3d9a",  # purple
    "#17becf",  # cyan
    "#b15928",  # brown
    "#7f7f7f",  # grey
    "#bcbd22",  # olive
    "#1b9e77",  # teal
    "#e7298a",  # magenta
    "#a6cee3",  # light blue
    "#8c564b",  # umber
)
# Colours reserved for alarms (alerts, overdue reports, values over a limit): tests/test_palette_policy.py
# checks the demo styles against them.
ALARM_COLORS = ("#d7191c", "#e31a1c", "#ff0000", "#c62828", "#b2182b")

_FAMILY_KIND = {"Point": "circle", "MultiPoint": "circle", "LineString": "line", "MultiLineString": "line",
                "Polygon": "fill", "MultiPolygon": "fill"}


def kind_for(geometry_type: str) -> str | None:
    """The style type that draws `geometry_type`; None for a mixed layer ("Geometry")."""
    return _FAMILY_KIND.get(geometry_type)


def default_style(*, geometry_type: str, color: str) -> dict:
    """A circle for points, a line for lines, a fill with an outline for polygons (and mixed layers,
    whose points and lines style_layers draws too)."""
    kind = kind_for(geometry_type) or "fill"
    if kind == "circle":
        return {"type": "circle", "color": color, "radius": 6, "outline_color": "#ffffff"}
    if kind == "line":
        return {"type": "line", "color": color, "width": 2.5}
    return {"type": "fill", "color": color, "opacity": 0.45, "outline_color": color, "width": 1.5}


def distinct_color(*, taken: Iterable[str], seed: str) -> str:
    """The first palette colour no other layer uses; when all are used, the least used one, the tie
    broken by `seed` so the same layer always gets the same colour."""
    uses = {color: 0 for color in PALETTE}
    for color in taken:
        if color and color.lower() in uses:
            uses[color.lower()] += 1
    fewest = min(uses.values())
    candidates = [color for color in PALETTE if uses[color] == fewest]
    return candidates[int(hashlib.sha1(seed.encode()).hexdigest(), 16) % len(candidates)] if fewest else candidates[0]


def colors_in_use(*, excluding: int | None = None) -> list[str]:
    """The base colours of every vector layer's stored style."""
    rows = Layer.objects.filter(kind=Kind.VECTOR).exclude(pk=excluding).values_list("style", flat=True)
    return [style.get("color", "") for style in rows if isinstance(style, dict)]


def new_layer_style(layer: Layer) -> dict:
    """The style a new vector layer is published with: the default for its type, in a colour of its own."""
    return default_style(geometry_type=layer.geometry_type,
                         color=distinct_color(taken=colors_in_use(excluding=layer.pk), seed=layer.slug))


def effective_style(layer: Layer) -> dict:
    """The style to draw `layer` with. A stored style whose type cannot draw the layer's geometry (a
    fill on points) keeps its colours, categories and labels and takes the geometry's type."""
    style = dict(layer.style or {})
    if layer.kind == Kind.RASTER:
        return style if style else {"type": "raster"}
    wanted = kind_for(layer.geometry_type)
    if style.get("type") in (None, "raster") or (wanted and style["type"] != wanted):
        color = style.get("color") or PALETTE[int(hashlib.sha1(layer.slug.encode()).hexdigest(), 16) % len(PALETTE)]
        return default_style(geometry_type=layer.geometry_type, color=color) | {
            key: value for key, value in style.items() if key in ("categories", "graduated", "size", "label")
        }
    return style
