"""The OpenAPI 3.0 definition of the OGC API at /ogc/api (conformance class oas30): the paths this app
serves, their parameters and responses, errors in the platform's one error shape."""

from django.conf import settings
from django.http import HttpRequest
from django.urls import reverse

from layers.models import Kind, Layer
from ogc import crs
from ogc.cql2 import LANGUAGES


def _parameter(name: str, description: str, schema: dict, *, where: str = "query", required: bool = False,
               explode: bool | None = None, style: str | None = None) -> dict:
    found = {"name": name, "in": where, "description": description, "required": required, "schema": schema}
    if explode is not None:
        found["explode"] = explode
    if style:
        found["style"] = style
    return found


PARAMETERS = {
    "collectionId": _parameter("collectionId", "The collection's id (a layer's slug).", {"type": "string"},
                               where="path", required=True),
    "featureId": _parameter("featureId", "The feature's id.", {"type": "string"}, where="path", required=True),
    "f": _parameter("f", "The representation; overrides Accept.", {"type": "string", "enum": ["json", "html"]}),
    "limit": _parameter("limit", f"Features per page; a larger value is capped at {settings.OGC_PAGE_MAX} "
                        "(GeoJSON), not refused.",
                        {"type": "integer", "minimum": 1, "default": settings.LAYERS_PAGE_DEFAULT},
                        explode=False, style="form"),
    "after": _parameter("after", "Paging cursor: the id the `next` link carries.", {"type": "integer"}),
    "before": _parameter("before", "Paging cursor: the id the `prev` link carries.", {"type": "integer"}),
    "bbox": _parameter("bbox", "minx,miny,maxx,maxy (or six numbers with heights) in bbox-crs (CRS84).",
                       {"type": "array", "minItems": 4, "maxItems": 6, "items": {"type": "number"}},
                       explode=False, style="form"),
    "bbox-crs": _parameter("bbox-crs", "The CRS of bbox.", {"type": "string", "format": "uri", "enum": list(crs.OFFERED)}),
    "crs": _parameter("crs", "The CRS of the response's geometries.",
                      {"type": "string", "format": "uri", "enum": list(crs.OFFERED)}),
    "datetime": _parameter("datetime", "An RFC 3339 instant or interval (`..` or empty for an open end).",
                           {"type": "string"}, explode=False, style="form"),
    "filter": _parameter("filter", "A CQL2 filter (see the collection's queryables).", {"type": "string"}),
    "filter-lang": _parameter("filter-lang", "The filter's encoding (cql-text: the draft's name, which GDAL "
                              "up to 3.6 sends, read as cql2-text).",
                              {"type": "string", "enum": list(LANGUAGES), "default": "cql2-text"}),
    "filter-crs": _parameter("filter-crs", "The CRS of the filter's geometries.",
                             {"type": "string", "format": "uri", "enum": list(crs.OFFERED)}),
    "properties": _parameter("properties", "Comma-separated property names to return.", {"type": "string"}),
    "tileMatrixSetId": _parameter("tileMatrixSetId", "Only WebMercatorQuad.",
                                  {"type": "string", "enum": ["WebMercatorQuad"]}, where="path", required=True),
    "tileMatrix": _parameter("tileMatrix", "Zoom level.", {"type": "string"}, where="path", required=True),
    "tileRow": _parameter("tileRow", "Row, from the top.", {"type": "integer", "minimum": 0}, where="path",
                          required=True),
    "tileCol": _parameter("tileCol", "Column, from the left.", {"type": "integer", "minimum": 0}, where="path",
                          required=True),
    "tileFormat": _parameter("f", "mvt for a vector collection, png or webp for a raster one.",
                             {"type": "string", "enum": ["mvt", "png", "webp"]}),
    "mapFormat": _parameter("f", "The picture's format (default png).", {"type": "string", "enum": ["png", "webp"]}),
}


def _ref(*names: str) -> list[dict]:
    return [{"$ref": f"#/components/parameters/{name}"} for name in names]


def _ok(description: str, *media: str) -> dict:
    return {"description": description, "content": {m: {"schema": {"type": "object"}} for m in media}}


_ERRORS = {
    status: {"description": text, "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}}
    for status, text in (("400", "A parameter is not valid (the error names it)."),
                         ("404", "No such resource, or hidden from the caller (alike)."),
                         ("406", "The asked representation is not offered."))
}


def _get(summary: str, operation: str, parameters: list[dict], ok: dict) -> dict:
    return {"get": {"summary": summary, "operationId": operation, "parameters": parameters,
                    "responses": {"200": ok, **_ERRORS}}}


_SCHEMAS = {"integer": {"type": "integer"}, "number": {"type": "number"}, "boolean": {"type": "boolean"},
            "date": {"type": "string", "format": "date"}, "datetime": {"type": "string", "format": "date-time"}}


def _collection_items(layer: Layer) -> dict:
    """The items of one collection with its queryables as query parameters (equality), as Part 1's
    queryables-as-parameters wants: GDAL's OAPIF driver learns from them which properties it may
    filter on the server."""
    own = [_parameter(p["name"], p.get("label_en") or p["name"], _SCHEMAS.get(p["type"], {"type": "string"}))
           for p in layer.property_schema if p.get("type") != "json"]
    parameters = _ref("f", "limit", "after", "before", "bbox", "bbox-crs", "crs", "datetime", "filter", "filter-lang",
                      "filter-crs", "properties") + own
    return _get(f"Features of {layer.slug}", f"getFeatures_{layer.slug.replace('-', '_')}", parameters,
                _ok("FeatureCollection", "application/geo+json", "text/html"))


def document(request: HttpRequest, layers: list[Layer]) -> dict:
    """The definition for this caller: the generic paths plus one items path per collection it may see."""
    base = request.build_absolute_uri(reverse("ogc-landing")).rstrip("/")
    feature_parameters = _ref("collectionId", "f", "limit", "after", "before", "bbox", "bbox-crs", "crs", "datetime",
                              "filter", "filter-lang", "filter-crs", "properties")
    return {
        "openapi": "3.0.3",
        "info": {"title": "Geo IOC – OGC API", "version": "1.0.0",
                 "description": "OGC API - Features (Parts 1-3) and Tiles over the layers the caller may see."},
        "servers": [{"url": base}],
        "paths": {
            "/": _get("Landing page", "getLandingPage", _ref("f"), _ok("Links", "application/json", "text/html")),
            "/conformance": _get("Conformance classes", "getConformance", _ref("f"),
                                 _ok("conformsTo", "application/json", "text/html")),
            "/api": _get("This definition", "getApi", [],
                         _ok("OpenAPI 3.0", "application/vnd.oai.openapi+json;version=3.0", "text/html")),
            "/collections": _get("The collections the caller may see", "getCollections", _ref("f"),
                                 _ok("Collections", "application/json", "text/html")),
            "/collections/{collectionId}": _get("A collection", "describeCollection", _ref("collectionId", "f"),
                                                _ok("Collection", "application/json", "text/html")),
            "/collections/{collectionId}/queryables": _get(
                "What a filter may name", "getQueryables", _ref("collectionId", "f"),
                _ok("JSON Schema", "application/schema+json", "text/html")),
            "/collections/{collectionId}/items": _get(
                "Features", "getFeatures", feature_parameters,
                _ok("FeatureCollection (keyset paging through `next`)", "application/geo+json", "text/html")),
            "/collections/{collectionId}/items/{featureId}": _get(
                "One feature", "getFeature", _ref("collectionId", "featureId", "f", "crs", "properties"),
                _ok("Feature", "application/geo+json", "text/html")),
            "/collections/{collectionId}/tiles": _get("Tilesets", "getTilesets", _ref("collectionId"),
                                                      _ok("Tilesets", "application/json")),
            "/collections/{collectionId}/tiles/{tileMatrixSetId}": _get(
                "Tileset", "getTileset", _ref("collectionId", "tileMatrixSetId"), _ok("Tileset", "application/json")),
            "/collections/{collectionId}/tiles/{tileMatrixSetId}/{tileMatrix}/{tileRow}/{tileCol}": {"get": {
                "summary": "A tile (the /tiles/ code's bytes)", "operationId": "getTile",
                "parameters": _ref("collectionId", "tileMatrixSetId", "tileMatrix", "tileRow", "tileCol", "tileFormat"),
                "responses": {"200": {"description": "Tile", "content": {
                    "application/vnd.mapbox-vector-tile": {"schema": {"type": "string", "format": "binary"}},
                    "image/png": {"schema": {"type": "string", "format": "binary"}}}},
                    "204": {"description": "No feature in this tile"}, **_ERRORS}}},
            "/collections/{collectionId}/map/tiles": _get(
                "Map tilesets of a raster collection", "getMapTilesets", _ref("collectionId"),
                _ok("Tilesets", "application/json")),
            "/collections/{collectionId}/map/tiles/{tileMatrixSetId}": _get(
                "Map tileset of a raster collection", "getMapTileset", _ref("collectionId", "tileMatrixSetId"),
                _ok("Tileset", "application/json")),
            "/collections/{collectionId}/map/tiles/{tileMatrixSetId}/{tileMatrix}/{tileRow}/{tileCol}": {"get": {
                "summary": "A map tile of a raster collection (the /tiles/ code's PNG)", "operationId": "getMapTile",
                "parameters": _ref("collectionId", "tileMatrixSetId", "tileMatrix", "tileRow", "tileCol", "mapFormat"),
                "responses": {"200": {"description": "Map tile", "content": {
                    "image/png": {"schema": {"type": "string", "format": "binary"}},
                    "image/webp": {"schema": {"type": "string", "format": "binary"}}}},
                    "204": {"description": "No data in this tile"}, **_ERRORS}}},
            "/tileMatrixSets": _get("Tile matrix sets", "getTileMatrixSets", [], _ok("List", "application/json")),
            "/tileMatrixSets/{tileMatrixSetId}": _get("A tile matrix set", "getTileMatrixSet",
                                                       _ref("tileMatrixSetId"), _ok("TileMatrixSet", "application/json")),
            **{f"/collections/{layer.slug}/items": _collection_items(layer) for layer in layers
               if layer.kind == Kind.VECTOR},
        },
        "components": {
            "parameters": PARAMETERS,
            "schemas": {"Error": {"type": "object", "required": ["detail", "code"], "properties": {
                "detail": {"type": "string"}, "code": {"type": "string"},
                "fields": {"type": "object", "additionalProperties": True}}}},
        },
    }
