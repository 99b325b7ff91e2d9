"""The documents of OGC API - Features (landing page, conformance, collections, queryables), built
from the layer catalog the caller may see (layers.access). Collections are the layers: a vector layer
is a feature collection (items, queryables, vector tiles); a raster layer a collection of map tiles
(OGC API - Tiles' /map/tiles, the /tiles/ code's PNG) with its COG to download."""

from django.http import HttpRequest
from django.urls import reverse
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from layers import query
from layers.access import visible_layers
from layers.models import Kind, Layer, TimeKind
from layers.query import Sql
from layers.replicas import reading_connection
from ogc import crs
from ogc.cql2 import DATETIME, GEOMETRY

CONFORMANCE = [
    "http://www.opengis.net/spec/ogcapi-common-1/1.0/conf/core",
    "http://www.opengis.net/spec/ogcapi-common-2/1.0/conf/collections",
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/core",
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/geojson",
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/html",
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/oas30",
    "http://www.opengis.net/spec/ogcapi-features-2/1.0/conf/crs",
    "http://www.opengis.net/spec/ogcapi-features-3/1.0/conf/queryables",
    "http://www.opengis.net/spec/ogcapi-features-3/1.0/conf/queryables-query-parameters",
    "http://www.opengis.net/spec/ogcapi-features-3/1.0/conf/filter",
    "http://www.opengis.net/spec/ogcapi-features-3/1.0/conf/features-filter",
    "http://www.opengis.net/spec/cql2/1.0/conf/basic-cql2",
    "http://www.opengis.net/spec/cql2/1.0/conf/cql2-text",
    "http://www.opengis.net/spec/cql2/1.0/conf/cql2-json",
    "http://www.opengis.net/spec/cql2/1.0/conf/advanced-comparison-operators",
    "http://www.opengis.net/spec/cql2/1.0/conf/case-insensitive-comparison",
    "http://www.opengis.net/spec/cql2/1.0/conf/basic-spatial-functions",
    "http://www.opengis.net/spec/cql2/1.0/conf/basic-spatial-functions-plus",
    "http://www.opengis.net/spec/cql2/1.0/conf/spatial-functions",
    "http://www.opengis.net/spec/cql2/1.0/conf/temporal-functions",
    "http://www.opengis.net/spec/ogcapi-tiles-1/1.0/conf/core",
    "http://www.opengis.net/spec/ogcapi-tiles-1/1.0/conf/tileset",
    "http://www.opengis.net/spec/ogcapi-tiles-1/1.0/conf/tilesets-list",
    "http://www.opengis.net/spec/ogcapi-tiles-1/1.0/conf/geodata-tilesets",
    "http://www.opengis.net/spec/ogcapi-tiles-1/1.0/conf/mvt",
    "http://www.opengis.net/spec/ogcapi-tiles-1/1.0/conf/png",
    "http://www.opengis.net/spec/tms/2.0/conf/tilematrixset",
]
GREGORIAN = "http://www.opengis.net/def/uom/ISO-8601/0/Gregorian"
_SCHEMA_TYPES = {
    "string": {"type": "string"}, "integer": {"type": "integer"}, "number": {"type": "number"},
    "boolean": {"type": "boolean"}, "date": {"type": "string", "format": "date"},
    "datetime": {"type": "string", "format": "date-time"},
}


TILESETS_VECTOR = "http://www.opengis.net/def/rel/ogc/1.0/tilesets-vector"
TILESETS_MAP = "http://www.opengis.net/def/rel/ogc/1.0/tilesets-map"
COG = "image/tiff; application=geotiff; profile=cloud-optimized"


def collection_layers(user) -> list[Layer]:
    """The layers `user` may see, vector and raster: the collections."""
    return list(visible_layers(user).filter(kind__in=[Kind.VECTOR, Kind.RASTER]).order_by("slug"))


def url(request: HttpRequest, name: str, *args, **params: str) -> str:
    address = request.build_absolute_uri(reverse(name, args=args))
    return address + ("?" + "&".join(f"{k}={v}" for k, v in params.items()) if params else "")


def title(layer: Layer) -> str:
    return layer.title_vi if (get_language() or "vi").startswith("vi") else layer.title_en


def label(prop: dict) -> str:
    """A schema property's label in the page's language, its name when it has none."""
    key = "label_vi" if (get_language() or "vi").startswith("vi") else "label_en"
    return prop.get(key) or prop["name"]


def landing(request: HttpRequest) -> dict:
    return {
        "title": "Geo IOC – OGC API",
        "description": _("The layers of the Long An operations center as OGC API - Features and Tiles."),
        "links": [
            {"rel": "self", "type": "application/json", "href": url(request, "ogc-landing", f="json")},
            {"rel": "alternate", "type": "text/html", "href": url(request, "ogc-landing", f="html")},
            {"rel": "service-desc", "type": "application/vnd.oai.openapi+json;version=3.0",
             "href": url(request, "ogc-api")},
            {"rel": "service-doc", "type": "text/html", "href": url(request, "ogc-api", f="html")},
            {"rel": "conformance", "type": "application/json", "href": url(request, "ogc-conformance")},
            {"rel": "data", "type": "application/json", "href": url(request, "ogc-collections")},
            {"rel": "http://www.opengis.net/def/rel/ogc/1.0/tiling-schemes", "type": "application/json",
             "href": url(request, "ogc-tile-matrix-sets")},
        ],
    }


def temporal_extents(layers: list[Layer]) -> dict[int, tuple]:
    """{layer id: (first, last)} of the layers with time, in one statement over their partitions."""
    timed = [layer.pk for layer in layers if layer.time_kind != TimeKind.NONE]
    if not timed:
        return {}
    statement = query.select(
        Sql("f.layer_id, min(f.time_start), max(coalesce(f.time_end, f.time_start))"), query.in_layers(timed)
    ) + " GROUP BY f.layer_id"
    with reading_connection().cursor() as cur:
        cur.execute(statement.text, statement.params)
        return {row[0]: (row[1], row[2]) for row in cur.fetchall()}


def collection(request: HttpRequest, layer: Layer, times: dict[int, tuple]) -> dict:
    if layer.kind == Kind.RASTER:
        return raster_collection(request, layer)
    slug = layer.slug
    items = url(request, "ogc-items", slug)
    doc = {
        "id": slug,
        "title": title(layer),
        "description": layer.description,
        "itemType": "feature",
        "crs": list(crs.OFFERED),
        "storageCrs": crs.CRS84,
        "links": [
            {"rel": "self", "type": "application/json", "href": url(request, "ogc-collection", slug)},
            {"rel": "alternate", "type": "text/html", "href": url(request, "ogc-collection", slug, f="html")},
            {"rel": "items", "type": "application/geo+json", "href": items},
            {"rel": "items", "type": "text/html", "href": items + "?f=html"},
            {"rel": "http://www.opengis.net/def/rel/ogc/1.0/queryables", "type": "application/schema+json",
             "href": url(request, "ogc-queryables", slug)},
            {"rel": TILESETS_VECTOR, "type": "application/json", "href": url(request, "ogc-tilesets", slug)},
        ],
    }
    extent = _spatial_extent(layer)
    if layer.pk in times:
        first, last = times[layer.pk]
        extent["temporal"] = {"interval": [[_instant(first), _instant(last)]], "trs": GREGORIAN}
    if extent:
        doc["extent"] = extent
    return doc


def raster_collection(request: HttpRequest, layer: Layer) -> dict:
    """A raster layer as a collection: no items, its map tiles (the /tiles/ code's PNG tiles, same
    cache and access rule) and its Cloud-Optimized GeoTIFF to download (ranges served: GDAL reads it
    with /vsicurl/), under the same access rule as the collection."""
    slug = layer.slug
    doc = {
        "id": slug,
        "title": title(layer),
        "description": layer.description,
        "dataType": "map",
        "crs": [crs.CRS84],
        "storageCrs": crs.CRS84,
        "links": [
            {"rel": "self", "type": "application/json", "href": url(request, "ogc-collection", slug)},
            {"rel": "alternate", "type": "text/html", "href": url(request, "ogc-collection", slug, f="html")},
            {"rel": TILESETS_MAP, "type": "application/json", "href": url(request, "ogc-map-tilesets", slug)},
            {"rel": "enclosure", "type": COG, "title": _("The raster as a Cloud-Optimized GeoTIFF"),
             "href": request.build_absolute_uri(reverse("layer-raster", args=[slug]))},
        ],
    }
    extent = _spatial_extent(layer)
    if extent:
        doc["extent"] = extent
    return doc


def _spatial_extent(layer: Layer) -> dict:
    if layer.extent is None:
        return {}
    west, south, east, north = layer.extent.extent
    return {"spatial": {"bbox": [[west, south, east, north]], "crs": crs.CRS84}}


def _instant(value) -> str | None:
    return value.isoformat().replace("+00:00", "Z") if value else None


def collections(request: HttpRequest, layers: list[Layer]) -> dict:
    times = temporal_extents(layers)
    return {
        "links": [
            {"rel": "self", "type": "application/json", "href": url(request, "ogc-collections", f="json")},
            {"rel": "alternate", "type": "text/html", "href": url(request, "ogc-collections", f="html")},
        ],
        "crs": list(crs.OFFERED),
        "collections": [collection(request, layer, times) for layer in layers],
    }


def queryables(request: HttpRequest, layer: Layer) -> dict:
    """A JSON Schema of what a filter may name: the primary geometry, the feature's time (for a
    collection with time) and every property of the layer's schema except free JSON."""
    properties: dict = {GEOMETRY: {"title": _("Geometry"), "format": "geometry-any",
                                   "x-ogc-role": "primary-geometry"}}
    if layer.time_kind != TimeKind.NONE:
        properties[DATETIME] = {"title": _("Time"), "type": "string", "format": "date-time",
                                "x-ogc-role": "primary-instant"}
    for prop in layer.property_schema:
        if prop.get("type") in _SCHEMA_TYPES:
            entry = dict(_SCHEMA_TYPES[prop["type"]], title=label(prop))
            if prop.get("choices"):
                entry["enum"] = [c["value"] if isinstance(c, dict) else c for c in prop["choices"]]
            properties[prop["name"]] = entry
    return {
        "$schema": "https://json-schema.org/draft/2019-09/schema",
        "$id": url(request, "ogc-queryables", layer.slug),
        "type": "object",
        "title": title(layer),
        "properties": properties,
        "additionalProperties": False,
    }
