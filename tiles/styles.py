"""MapLibre style JSON (v8) from our compact layer style (layers.schema.validate_style), and a
basemap made only of our own layers.

No style names `glyphs` or `sprite`: MapLibre GL JS >= 5.11 draws labels itself (TinySDF) with the
font family named in `text-font` when a style has no glyph URL, so the pages that show maps load the
bundled Noto Sans (Vietnamese subset, from npm) and nothing is fetched from outside. Markers are
circles, so no sprite is needed either.
"""

from django.http import HttpRequest
from django.urls import reverse

from layers.extent import province_center
from layers.models import Kind, Layer
from layers.styles import effective_style
from tiles.mvt import label_property

FONT = ["Noto Sans"]
LABEL_HALO = "#ffffff"
# The basemap: our own public layers, bottom to top. Vietnamese names come from `name`.
BASEMAP_LAYERS = ["admin-province", "admin-districts", "admin-communes", "rivers", "roads"]


def _number(prop: str) -> list:
    return ["to-number", ["get", prop], 0]


def _graduated(graduated: dict, base: str) -> list:
    """A `step` over the classes' lower bounds; features without the number keep the base colour."""
    classes = graduated["classes"]
    step: list = ["step", _number(graduated["property"]), classes[0]["color"]]
    for item in classes[1:]:
        step += [item["min"], item["color"]]
    return ["case", ["has", graduated["property"]], step, base]


def _radius(style: dict):
    """A radius, or an interpolation of a number between two radii when the style sizes by value."""
    size = style.get("size")
    if not size:
        return style.get("radius", 5)
    return ["interpolate", ["linear"], _number(size["property"]),
            size["min_value"], size["min_radius"], size["max_value"], size["max_radius"]]


def _color(style: dict, default: str = "#3388ff"):
    """A colour, or a `match` expression when the style has categories (a `step` when graduated)."""
    base = style.get("color", default)
    if style.get("graduated"):
        return _graduated(style["graduated"], base)
    categories = style.get("categories")
    if not categories or not categories.get("stops"):
        return base
    expression: list = ["match", ["to-string", ["get", categories["property"]]]]
    seen = set()
    for stop in categories["stops"]:
        value = str(stop["value"]).lower() if isinstance(stop["value"], bool) else str(stop["value"])
        if value not in seen:
            seen.add(value)
            expression += [value, stop["color"]]
    return expression + [base]


NOT_CLUSTER = ["!", ["has", "cluster_count"]]
IS_CLUSTER = ["has", "cluster_count"]


def _cluster_layers(layer_id: str, source: str, source_layer: str, color: str) -> list[dict]:
    """Generalized features (grid clusters) of any layer: a circle sized by count, and the count."""
    return [
        {
            "id": f"{layer_id}-clusters", "type": "circle", "source": source, "source-layer": source_layer,
            "filter": IS_CLUSTER,
            "paint": {
                "circle-color": color, "circle-opacity": 0.75, "circle-stroke-color": "#ffffff",
                "circle-stroke-width": 1,
                "circle-radius": ["interpolate", ["linear"], ["ln", ["get", "cluster_count"]], 0, 3, 10, 14],
            },
        },
        {
            "id": f"{layer_id}-cluster-counts", "type": "symbol", "source": source, "source-layer": source_layer,
            "filter": ["all", IS_CLUSTER, [">", ["get", "cluster_count"], 9]],
            "layout": {"text-field": ["to-string", ["get", "cluster_count"]], "text-font": FONT, "text-size": 10},
            "paint": {"text-color": "#1a1a1a", "text-halo-color": LABEL_HALO, "text-halo-width": 1},
        },
    ]


def style_layers(layer: Layer, source: str, *, source_layer: str | None = None, tiled: bool = True) -> list[dict]:
    """MapLibre layers drawing one of our layers from `source` (its MVT layer is the slug). Not
    `tiled`: `source` is GeoJSON (no source-layer, no grid clusters, labels on the features)."""
    style = effective_style(layer)
    kind = style.get("type")
    lid = layer.slug
    opacity = style.get("opacity")
    if layer.kind == Kind.RASTER or kind == "raster":
        paint = {"raster-opacity": 1.0 if opacity is None else opacity, "raster-resampling": "nearest"}
        return [{"id": lid, "type": "raster", "source": source, "paint": paint}]
    src = {"source": source, "source-layer": source_layer or layer.slug} if tiled else {"source": source}
    color = _color(style)
    layers: list[dict] = []
    if kind == "circle":
        paint = {
            "circle-color": color,
            "circle-radius": _radius(style),
            "circle-opacity": 1.0 if opacity is None else opacity,
        }
        if "outline_color" in style:
            paint |= {"circle-stroke-color": style["outline_color"], "circle-stroke-width": 1}
        layers.append({"id": lid, "type": "circle", **src, "filter": NOT_CLUSTER, "paint": paint})
    elif kind == "line":
        paint = {"line-color": color, "line-width": style.get("width", 2),
                 "line-opacity": 1.0 if opacity is None else opacity}
        layers.append({"id": lid, "type": "line", **src, "filter": NOT_CLUSTER, "paint": paint,
                       "layout": {"line-cap": "round", "line-join": "round"}})
    else:  # fill
        layers.append({
            "id": lid, "type": "fill", **src, "filter": NOT_CLUSTER,
            "paint": {"fill-color": color, "fill-opacity": 0.5 if opacity is None else opacity},
        })
        layers.append({
            "id": f"{lid}-outline", "type": "line", **src, "filter": NOT_CLUSTER,
            "paint": {"line-color": style.get("outline_color", style.get("color", "#3388ff")),
                      "line-width": style.get("width", 1)},
        })
        if layer.geometry_type in ("Geometry", "GeometryCollection"):
            # A mixed layer's points would be drawn by nothing under a fill and its outline.
            layers.append({
                "id": f"{lid}-points", "type": "circle", **src,
                "filter": ["all", NOT_CLUSTER, ["==", ["geometry-type"], "Point"]],
                "paint": {"circle-color": color, "circle-radius": _radius(style),
                          "circle-stroke-color": "#ffffff", "circle-stroke-width": 1},
            })
    if tiled:
        layers += _cluster_layers(lid, source, src["source-layer"], style.get("color", "#3388ff"))
    label = style.get("label")
    if label:
        placement = "line" if kind == "line" else "point"
        # Polygons are labelled from their label points (one per polygon, not one per tile).
        label_src = {"source": source, "source-layer": f"{src['source-layer']}-labels"} \
            if tiled and label_property(layer) else src
        layers.append({
            "id": f"{lid}-labels", "type": "symbol", **label_src, "filter": NOT_CLUSTER,
            "minzoom": label.get("min_zoom", 0),
            "layout": {
                "text-field": ["to-string", ["get", label["property"]]], "text-font": FONT, "text-size": 12,
                "symbol-placement": placement,
                **({"text-offset": [0, 1.1], "text-anchor": "top"} if kind == "circle" else {}),
            },
            "paint": {"text-color": "#222222", "text-halo-color": LABEL_HALO, "text-halo-width": 1.5},
        })
    return layers


def draft_style(style: dict, features: dict) -> dict:
    """A MapLibre style drawing GeoJSON `features` (an import's preview, before its layer exists) in
    the draft `style` (checked by layers.schema.validate_layer_style): the same conversion as a
    layer's, so what the steward sees before publishing is what the dashboard draws after. Features
    of any geometry are drawn (a file may mix them)."""
    draft = Layer(slug="preview", kind=Kind.VECTOR, geometry_type="Geometry", style=style)
    return _style("preview", {"preview": {"type": "geojson", "data": features}},
                  style_layers(draft, "preview", tiled=False))


def _source_url(request: HttpRequest, slugs: str) -> str:
    return request.build_absolute_uri(reverse("tiles-tilejson", args=[slugs]))


def layer_style(request: HttpRequest, layers: list[Layer]) -> dict:
    """A style drawing these layers (each from its own TileJSON), nothing else."""
    sources, style_layers_ = {}, []
    for layer in layers:
        sources[layer.slug] = {"type": "raster" if layer.kind == Kind.RASTER else "vector",
                               "url": _source_url(request, layer.slug)}
        if layer.kind == Kind.RASTER:
            sources[layer.slug]["tileSize"] = 256
        style_layers_ += style_layers(layer, layer.slug)
    return _style(" + ".join(layer.title_vi for layer in layers), sources, style_layers_)


def _style(name: str, sources: dict, layers: list[dict]) -> dict:
    return {
        "version": 8,
        "name": name,
        "center": list(province_center()),
        "zoom": 9,
        "sources": sources,
        "layers": layers,
    }


def basemap_style(request: HttpRequest, layers: dict[str, Layer]) -> dict:
    """A basemap from our own public layers: land, water, boundaries, roads and Vietnamese names.
    Its layer ids start with "base-", so a layer's own style can be added on top without clashes.

    `layers` is the visible subset of BASEMAP_LAYERS by slug; missing ones are left out.
    """
    slugs = [s for s in BASEMAP_LAYERS if s in layers]
    sources = {"base": {"type": "vector", "url": _source_url(request, ",".join(slugs))}} if slugs else {}
    src = {"source": "base"}
    out: list[dict] = [{"id": "base-background", "type": "background", "paint": {"background-color": "#dfe6ec"}}]
    if "admin-province" in layers:
        out.append({"id": "base-land", "type": "fill", **src, "source-layer": "admin-province",
                    "paint": {"fill-color": "#f4f1ea"}})
    if "admin-districts" in layers:
        out.append({"id": "base-districts-fill", "type": "fill", **src, "source-layer": "admin-districts",
                    "paint": {"fill-color": ["match", ["get", "unit_type"], "thanh_pho", "#efe8dc",
                                             "thi_xa", "#f1ece2", "#f4f1ea"]}})
    if "rivers" in layers:
        out.append({"id": "base-water", "type": "line", **src, "source-layer": "rivers",
                    "layout": {"line-cap": "round", "line-join": "round"},
                    "paint": {"line-color": "#8cb8dc",
                              "line-width": ["interpolate", ["linear"], ["zoom"], 7, 1.5, 12, 6, 15, 14]}})
    if "admin-communes" in layers:
        out.append({"id": "base-commune-boundaries", "type": "line", **src, "source-layer": "admin-communes",
                    "minzoom": 10, "paint": {"line-color": "#b9b0a3", "line-width": 0.6, "line-dasharray": [3, 2]}})
    if "admin-districts" in layers:
        out.append({"id": "base-district-boundaries", "type": "line", **src, "source-layer": "admin-districts",
                    "paint": {"line-color": "#9c8f7e", "line-width": 1.2, "line-dasharray": [4, 2]}})
    if "admin-province" in layers:
        out.append({"id": "base-province-boundary", "type": "line", **src, "source-layer": "admin-province",
                    "paint": {"line-color": "#6b5e4e", "line-width": 2.2}})
    if "roads" in layers:
        width = ["match", ["get", "road_class"], "expressway", 3.5, "national", 2.5, 1.6]
        out.append({"id": "base-roads-casing", "type": "line", **src, "source-layer": "roads",
                    "layout": {"line-cap": "round", "line-join": "round"},
                    "paint": {"line-color": "#a08a6a", "line-width": ["+", width, 1.5]}})
        out.append({"id": "base-roads", "type": "line", **src, "source-layer": "roads",
                    "layout": {"line-cap": "round", "line-join": "round"},
                    "paint": {"line-color": ["match", ["get", "road_class"], "expressway", "#f3a65a",
                                             "national", "#f9d37a", "#ffffff"],
                              "line-width": width}})
    if "rivers" in layers:
        out.append(_label("base-water-labels", "rivers", "name", 9, placement="line", color="#3d6d94"))
    if "roads" in layers:
        out.append(_label("base-road-refs", "roads", "ref", 10, placement="line", color="#5a4a33", size=10))
    if "admin-communes" in layers:
        out.append(_label("base-commune-names", _labels_of(layers["admin-communes"]), "name", 11, color="#5b5b5b",
                          size=11))
    if "admin-districts" in layers:
        out.append(_label("base-district-names", _labels_of(layers["admin-districts"]), "name", 8, color="#2f2f2f",
                          size=13, maxzoom=11))
    return _style("Bản đồ nền Long An", sources, out)


def _labels_of(layer: Layer) -> str:
    """The MVT layer to label a polygon layer from: its label points when its style labels `name`."""
    return f"{layer.slug}-labels" if label_property(layer) == "name" else layer.slug


def _label(lid: str, source_layer: str, prop: str, minzoom: int, *, placement: str = "point",
           color: str = "#333333", size: int = 12, maxzoom: int | None = None) -> dict:
    layer = {
        "id": lid, "type": "symbol", "source": "base", "source-layer": source_layer, "minzoom": minzoom,
        "layout": {"text-field": ["get", prop], "text-font": FONT,
                   "text-size": size, "symbol-placement": placement, "text-max-width": 8},
        "paint": {"text-color": color, "text-halo-color": LABEL_HALO, "text-halo-width": 1.5},
    }
    if maxzoom is not None:
        layer["maxzoom"] = maxzoom
    return layer
