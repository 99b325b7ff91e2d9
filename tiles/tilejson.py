"""TileJSON 3.0.0 documents for a layer or a composite: tile URLs carry the current version."""

from django.conf import settings
from django.http import HttpRequest

from layers.models import Kind, Layer, TimeKind
from layers.schema import schema_property
from tiles import cells, mvt
from tiles.sources import TileSource

# Vector tiles hold 4096 units a side: at z16 that is ~15 cm here. Clients overzoom beyond it.
VECTOR_MAX_ZOOM = 16
FIELD_TYPES = {"integer": "Number", "number": "Number", "boolean": "Boolean"}


def tile_url(request: HttpRequest, source: TileSource, fmt: str) -> str:
    base = request.build_absolute_uri(f"/tiles/{source.slugs}/")
    return base + "{z}/{x}/{y}." + fmt + "?v=" + source.version


def _title(layer: Layer, lang: str) -> str:
    return layer.title_en if lang == "en" else layer.title_vi


def _fields(layer: Layer, lang: str) -> dict[str, str]:
    carried = set(cells.tile_properties(layer))
    fields = {p["name"]: FIELD_TYPES.get(p["type"], "String") for p in layer.property_schema if p["name"] in carried}
    if layer.time_kind == TimeKind.INSTANT:
        fields["datetime"] = "String"
    elif layer.time_kind == TimeKind.INTERVAL:
        fields |= {"start_datetime": "String", "end_datetime": "String"}
    # Present only on generalized (clustered) features.
    fields |= {"cluster_count": "Number", "generalized": "Boolean"}
    fields |= {"sum_" + name: "Number" for name in cells.numeric_names(layer)}
    return fields


def bounds(source: TileSource) -> list[float]:
    extents = [layer.extent.extent for layer in source.layers if layer.extent is not None]
    if not extents:
        return [-180.0, -85.05112877980659, 180.0, 85.0511287798066]
    return [
        round(min(e[0] for e in extents), 6), round(min(e[1] for e in extents), 6),
        round(max(e[2] for e in extents), 6), round(max(e[3] for e in extents), 6),
    ]


def tilejson(request: HttpRequest, source: TileSource, *, max_zoom: int | None = None) -> dict:
    lang = getattr(request, "LANGUAGE_CODE", "vi")
    is_raster = source.kind == Kind.RASTER
    fmt = "png" if is_raster else "pbf"
    minzoom = settings.TILES_MIN_ZOOM
    maxzoom = min(settings.TILES_MAX_ZOOM, max_zoom if max_zoom is not None else VECTOR_MAX_ZOOM)
    box = bounds(source)
    doc = {
        "tilejson": "3.0.0",
        "name": " + ".join(_title(layer, lang) for layer in source.layers),
        "description": " ".join(layer.description for layer in source.layers if layer.description)[:2000],
        "attribution": "; ".join(
            dict.fromkeys(f"{layer.source_department} ({layer.license})" for layer in source.layers)
        ),
        "scheme": "xyz",
        "tiles": [tile_url(request, source, fmt)],
        "minzoom": minzoom,
        "maxzoom": maxzoom,
        "bounds": box,
        "center": [round((box[0] + box[2]) / 2, 6), round((box[1] + box[3]) / 2, 6), min(max(minzoom, 9), maxzoom)],
        # Not part of TileJSON: the version the tile URLs carry, for clients that poll for edits.
        "version_tag": source.version,
    }
    if not is_raster:
        doc["vector_layers"] = []
        for layer in source.layers:
            doc["vector_layers"].append({"id": layer.slug, "description": _title(layer, lang), "minzoom": minzoom,
                                         "maxzoom": maxzoom, "fields": _fields(layer, lang)})
            name = mvt.label_property(layer)
            if name:
                prop = schema_property(layer.property_schema, name) or {}
                doc["vector_layers"].append({
                    "id": f"{layer.slug}-labels", "description": f"{_title(layer, lang)}: label points",
                    "minzoom": minzoom, "maxzoom": maxzoom, "fields": {name: FIELD_TYPES.get(prop.get("type"), "String")},
                })
    return doc
