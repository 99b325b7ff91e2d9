"""The parts of the OpenAPI schema drf-spectacular cannot see: the shapes DRF views answer with but
declare by reference (GeoJSON, export jobs, links), and the plain Django views (tiles, TileJSON,
styles, /healthz, the open-data portal's catalogs), described here as they answer.

A postprocessing hook (SPECTACULAR_SETTINGS), run before layers.error_codes.openapi_errors so every
operation added here gets the one error shape as its default response too. Kept true by
tests/test_openapi_is_true.py: schemathesis over every GET, and a generated client calling each.
"""

from typing import Any

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

Schema = dict[str, Any]

_REF = "#/components/schemas/"


def ref(name: str) -> Schema:
    return {"$ref": _REF + name}


@extend_schema_field(ref("Geometry"))
class GeometryField(serializers.JSONField):
    """A GeoJSON geometry in a response shape (apps' response_shapes): the `Geometry` component."""


_POSITION: Schema = {"type": "array", "items": {"type": "number"}, "minItems": 2, "maxItems": 3}


def _nested(schema: Schema, depth: int) -> Schema:
    """`schema` inside `depth` arrays: a GeoJSON geometry's coordinates, by its type."""
    for _ in range(depth):
        schema = {"type": "array", "items": schema}
    return schema


@extend_schema_field({"type": "object", "additionalProperties": True})
class FreeFormField(serializers.JSONField):
    """A map whose members genuinely vary (its help_text says how): declared as one, not left generic."""


@extend_schema_field({"type": "object", "additionalProperties": ref("PropertyCondition"),
                      "description": 'Conditions on feature properties, by property name: {"kind": "tai_nan", '
                                     '"speed": {"gte": 60}}.'})
class PropertyConditionsField(serializers.DictField):
    """Property conditions (layers.query.having) in a request or a response shape."""


LINK: Schema = {
    "type": "object",
    "properties": {"rel": {"type": "string"}, "href": {"type": "string"}, "type": {"type": "string"},
                   "title": {"type": "string"}},
    "required": ["rel", "href"],
}
GEOMETRY: Schema = {
    "type": "object",
    "description": "An RFC 7946 geometry, WGS 84 lon/lat.",
    "properties": {
        "type": {"type": "string", "enum": ["Point", "LineString", "Polygon", "MultiPoint", "MultiLineString",
                                           "MultiPolygon", "GeometryCollection"]},
        "coordinates": {"anyOf": [_nested(_POSITION, depth) for depth in range(4)],
                        "description": "A position [lon, lat] (Point), a list of them (LineString, MultiPoint), "
                                       "of lists (Polygon, MultiLineString) or of lists of lists (MultiPolygon)."},
        "geometries": {"type": "array", "items": {
            "type": "object", "additionalProperties": True,
            "description": "A member of a GeometryCollection: a geometry of this same shape (left a map here: a "
                           "schema holding itself is more than some generated clients follow)."}},
    },
    "required": ["type"],
}
FEATURE: Schema = {
    "type": "object",
    "description": "An RFC 7946 Feature. `properties` holds the layer's schema properties, the feature's "
                   "`source_id`, and its time (`datetime`, or `start_datetime`/`end_datetime`).",
    "properties": {
        "type": {"type": "string", "enum": ["Feature"]},
        "id": {"oneOf": [{"type": "integer"}, {"type": "string"}]},
        "geometry": {"allOf": [ref("Geometry")], "nullable": True},
        "properties": {"type": "object", "additionalProperties": True,
                       "properties": {"source_id": {"type": "string"}}},
    },
    "required": ["type", "geometry", "properties"],
}
FEATURE_COLLECTION: Schema = {
    "type": "object",
    "description": "An RFC 7946 FeatureCollection, one page of a layer (keyset paging: follow `next`).",
    "properties": {
        "type": {"type": "string", "enum": ["FeatureCollection"]},
        "name": {"type": "string", "description": "The layer's slug (GDAL names the layer after it)."},
        "numberMatched": {"type": "integer"},
        "numberReturned": {"type": "integer"},
        "timeStamp": {"type": "string", "format": "date-time"},
        "layer": {"type": "object", "properties": {"slug": {"type": "string"}, "version": {"type": "integer"}},
                  "required": ["slug", "version"]},
        "links": {"type": "array", "items": ref("Link")},
        "features": {"type": "array", "items": ref("Feature")},
    },
    "required": ["type", "features", "numberMatched", "numberReturned", "links"],
}
EXPORT_JOB: Schema = {
    "type": "object",
    "description": "A big export being built by a Celery job; `download` appears among `links` when it is.",
    "properties": {
        "id": {"type": "integer"}, "layer": {"type": "string"}, "version": {"type": "integer"},
        "status": {"type": "string", "enum": ["queued", "running", "needs_input", "succeeded", "failed"]},
        "format": {"type": "string", "enum": ["geojson", "csv", "gpkg", "shp.zip", "kml"]},
        "crs": {"type": "string"}, "links": {"type": "array", "items": ref("Link")},
    },
    "required": ["id", "status", "layer", "version", "format", "crs", "links"],
}
IMPORT_MESSAGE: Schema = {
    "type": "object",
    "description": "A problem of an import, in both languages (layers.imports.problems.render).",
    "properties": {"code": {"type": "string"}, "vi": {"type": "string"}, "en": {"type": "string"}},
    "required": ["code", "vi", "en"],
}
IMPORT_ROW_PROBLEM: Schema = {
    "type": "object",
    "description": "A problem with one feature of an import (layers.imports.report.Report.row).",
    "properties": {"row": {"type": "integer", "description": "The feature's row, from 1."}}
    | IMPORT_MESSAGE["properties"],
    "required": ["row", "code", "vi", "en"],
}
IMPORT_JOB: Schema = {
    "type": "object",
    "description": "An import job: status, progress, counts and report (row problems in the caller's language).",
    "properties": {
        "id": {"type": "integer"},
        "status": {"type": "string", "enum": ["queued", "running", "needs_input", "succeeded", "failed"]},
        "stage": {"type": "string"}, "progress": {"type": "integer", "minimum": 0, "maximum": 100},
        "layer": {"type": "string"}, "mode": {"type": "string", "enum": ["replace", "append", "upsert"]},
        "file_name": {"type": "string"}, "file_size": {"type": "integer"},
        "options": {"type": "object", "additionalProperties": {"type": "string"}},
        "counts": {"type": "object", "additionalProperties": {"type": "integer"}},
        "warnings": {"type": "array", "items": ref("ImportMessage")},
        "errors": {"type": "array", "items": ref("ImportMessage"), "description": "Why the job failed."},
        "rows": {"type": "array", "description": "The first features with a problem (LAYERS_IMPORT_REPORT_ROWS).",
                 "items": ref("ImportRowProblem")},
        "rows_total": {"type": "integer"},
        "needs": {"type": "array", "items": {"type": "string"}},
        "choices": {"type": "object", "additionalProperties": True,
                    "description": "needs_input only: by each of `needs`, what to choose from (the CRS "
                                   "candidates, the encodings' scores and previews, the file's layers)."},
        "report": {"type": "object", "additionalProperties": True,
                   "description": "What was read of the file: its format, crs, encoding, layer_name and layers."},
        "layer_version": {"type": "integer", "nullable": True}, "attempts": {"type": "integer"},
        "created_at": {"type": "string", "format": "date-time"},
        "finished_at": {"type": "string", "format": "date-time", "nullable": True},
        "links": {"type": "array", "items": ref("Link")},
    },
    "required": ["id", "status", "progress", "layer", "counts", "links"],
}
TILEJSON: Schema = {
    "type": "object",
    "description": "TileJSON 3.0.0: the tile URL carries the layer versions (`?v=`).",
    "properties": {
        "tilejson": {"type": "string"}, "name": {"type": "string"}, "description": {"type": "string"},
        "attribution": {"type": "string"}, "scheme": {"type": "string"},
        "tiles": {"type": "array", "items": {"type": "string"}}, "minzoom": {"type": "integer"},
        "maxzoom": {"type": "integer"}, "bounds": {"type": "array", "items": {"type": "number"}},
        "center": {"type": "array", "items": {"type": "number"}}, "version_tag": {"type": "string"},
        "vector_layers": {"type": "array", "items": {
            "type": "object", "required": ["id", "fields"],
            "properties": {"id": {"type": "string"}, "description": {"type": "string"},
                           "minzoom": {"type": "integer"}, "maxzoom": {"type": "integer"},
                           "fields": {"type": "object", "additionalProperties": {"type": "string"},
                                      "description": "Each property the tiles carry and its type (String, "
                                                     "Number, Boolean)."}}}},
    },
    "required": ["tilejson", "tiles"],
}
STYLE: Schema = {
    "type": "object",
    "description": "A MapLibre style document (version 8).",
    "properties": {"version": {"type": "integer", "enum": [8]}, "name": {"type": "string"},
                   "center": {"type": "array", "items": {"type": "number"}, "minItems": 2, "maxItems": 2,
                              "description": "Where a map opens: [longitude, latitude] (the province's centre)."},
                   "zoom": {"type": "number", "description": "The zoom a map opens at."},
                   "sources": {"type": "object", "additionalProperties": True,
                               "description": "MapLibre sources by id (the style specification's)."},
                   "layers": {"type": "array", "items": {
                       "type": "object", "additionalProperties": True,
                       "description": "A MapLibre style layer: its members vary by its type (the style "
                                      "specification's)."}}},
    "required": ["version", "sources", "layers"],
}
HEALTH: Schema = {
    "type": "object",
    "description": "`checks` (each part's status and versions) only for staff.",
    "properties": {"status": {"type": "string", "enum": ["ok", "unhealthy"]},
                   "checks": {"type": "object", "required": ["database", "redis", "celery"],
                              "properties": {part: ref("HealthCheck") for part in ("database", "redis", "celery")}}},
    "required": ["status"],
}
HEALTH_CHECK: Schema = {
    "type": "object",
    "description": "One part's check (geo_ioc.health): `detail` the version, the workers that answered, or the "
                   "error's class.",
    "properties": {"ok": {"type": "boolean"}, "ms": {"type": "number"}, "detail": {"type": "string"}},
    "required": ["ok"],
}
DCAT_CATALOG: Schema = {
    "type": "object",
    "description": "DCAT-AP as JSON-LD (inline context): a dcat:Catalog of dcat:Dataset, each with its "
                   "dcat:Distribution (one per download format and CRS).",
    "properties": {"@context": {"type": "object", "additionalProperties": {"type": "string", "format": "uri"},
                                 "description": "The inline JSON-LD context: each prefix (dcat, dct, foaf, "
                                                "locn, xsd, gsp, owl) and the IRI it stands for."},
                   "@id": {"type": "string"}, "@type": {"type": "string"},
                   "dcat:dataset": {"type": "array", "items": {
                       "type": "object", "additionalProperties": True,
                       "description": "A dcat:Dataset in JSON-LD: its members are DCAT-AP properties (dct:title, "
                                      "dcat:distribution…) with language-tagged values."}}},
    "required": ["@context", "@type", "dcat:dataset"],
}
CKAN_PACKAGE: Schema = {
    "type": "object",
    "properties": {
        "id": {"type": "string"}, "name": {"type": "string"}, "title": {"type": "string"},
        "notes": {"type": "string"}, "license_id": {"type": "string"}, "metadata_modified": {"type": "string"},
        "organization": {"type": "object", "required": ["name", "title"],
                         "properties": {"name": {"type": "string"}, "title": {"type": "string"}}},
        "tags": {"type": "array", "items": {"type": "object", "required": ["name"],
                                            "properties": {"name": {"type": "string"}}}},
        "extras": {"type": "array", "items": {
            "type": "object", "required": ["key", "value"],
            "properties": {"key": {"type": "string", "enum": ["frequency", "spatial"]},
                           "value": {"type": "string", "description": "spatial: a GeoJSON Polygon, as text."}}}},
        "resources": {"type": "array", "items": {
            "type": "object", "properties": {"url": {"type": "string"}, "format": {"type": "string"},
                                             "name": {"type": "string"}, "mimetype": {"type": "string"}},
            "required": ["url", "format"]}},
    },
    "required": ["name", "title", "resources"],
}


_SCALAR: Schema = {"oneOf": [{"type": "string"}, {"type": "number"}, {"type": "boolean"}], "nullable": True}


@extend_schema_field(_SCALAR)
class ScalarField(serializers.JSONField):
    """A feature property's value as stored: a string, a number, true/false or null."""


_BILINGUAL = {"label_vi": {"type": "string"}, "label_en": {"type": "string"}}
_BY_PROPERTY = {"property": {"type": "string", "description": "The feature property it reads."}}
LAYER_STYLE: Schema = {
    "type": "object",
    "description": "The compact style a layer is drawn with (layers.schema.validate_style, layers.styles."
                   "effective_style): its `type`, colours and sizes; `categories`, `graduated`, `size` and "
                   "`label` read a feature property; a raster's `colormap`, `rescale`, `band` and `classes`.",
    "properties": {
        "type": {"type": "string", "enum": ["circle", "line", "fill", "raster"]},
        "color": {"type": "string"}, "outline_color": {"type": "string"},
        "opacity": {"type": "number"}, "radius": {"type": "number"}, "width": {"type": "number"},
        "categories": {"type": "object", "required": ["property"], "properties": _BY_PROPERTY | {
            "stops": {"type": "array", "items": {
                "type": "object", "required": ["value", "color"],
                "properties": {"value": _SCALAR, "color": {"type": "string"}, "alarm": {"type": "boolean"},
                               **_BILINGUAL}}}}},
        "graduated": {"type": "object", "required": ["property", "classes"], "properties": _BY_PROPERTY | {
            "classes": {"type": "array", "items": {
                "type": "object", "required": ["min", "color"],
                "properties": {"min": {"type": "number"}, "color": {"type": "string"}, **_BILINGUAL}}}}},
        "size": {"type": "object", "description": "Circles sized by a number: its range and the radii it maps to.",
                 "required": ["property", "min_value", "max_value", "min_radius", "max_radius"],
                 "properties": _BY_PROPERTY | {key: {"type": "number"} for key in (
                     "min_value", "max_value", "min_radius", "max_radius")}},
        "label": {"type": "object", "required": ["property"],
                  "properties": _BY_PROPERTY | {"min_zoom": {"type": "number"}}},
        "colormap": {"type": "string", "description": "A rio-tiler colormap name."},
        "rescale": {"type": "array", "items": {"type": "number"}, "minItems": 2, "maxItems": 2},
        "band": {"type": "integer", "minimum": 1},
        "classes": {"type": "array", "items": {
            "type": "object", "required": ["color"],
            "properties": {"min": {"type": "number", "nullable": True}, "max": {"type": "number", "nullable": True},
                           "color": {"type": "string"},
                           **_BILINGUAL}}},
    },
    "required": ["type"],
}
LAYER_PROPERTY: Schema = {
    "type": "object",
    "description": "One property of a layer's schema (layers.schema.validate_property_schema).",
    "properties": {
        "name": {"type": "string"},
        "type": {"type": "string", "enum": ["string", "integer", "number", "boolean", "date", "datetime", "json"]},
        "unit": {"type": "string"}, "description": {"type": "string"}, **_BILINGUAL,
        "choices": {"type": "array", "items": {"type": "object", "required": ["value"],
                                               "properties": {"value": _SCALAR, **_BILINGUAL}}},
        "aggregate": {"type": "string", "enum": ["sum", "mean", "max"]},
        "station": {"type": "string", "enum": ["id", "name"]},
    },
    "required": ["name", "type"],
}
PROPERTY_CONDITION: Schema = {
    "description": "A condition on a feature property (layers.query.having): a value it equals, a list of "
                   "values it is one of, or comparisons of a number.",
    "oneOf": [{"type": "string"}, {"type": "number"}, {"type": "boolean"},
              {"type": "array", "items": _SCALAR},
              {"type": "object", "additionalProperties": False, "minProperties": 1,
               "properties": {op: {"type": "number"} for op in ("gt", "gte", "lt", "lte")}}],
    "nullable": True,
}


def _ckan(result: Schema) -> Schema:
    return {"type": "object", "properties": {"help": {"type": "string"}, "success": {"type": "boolean"},
                                             "result": result}, "required": ["success", "result"]}


COMPONENTS: dict[str, Schema] = {
    "Link": LINK, "Geometry": GEOMETRY, "Feature": FEATURE, "FeatureCollection": FEATURE_COLLECTION,
    "ExportJob": EXPORT_JOB, "ImportJob": IMPORT_JOB, "ImportMessage": IMPORT_MESSAGE,
    "ImportRowProblem": IMPORT_ROW_PROBLEM,
    "ImportJobs": {"type": "object", "properties": {"imports": {"type": "array", "items": ref("ImportJob")}},
                   "required": ["imports"]},
    "LayerStyle": LAYER_STYLE, "LayerProperty": LAYER_PROPERTY, "PropertyCondition": PROPERTY_CONDITION,
    "TileJSON": TILEJSON, "MapLibreStyle": STYLE, "Health": HEALTH, "HealthCheck": HEALTH_CHECK,
    "DcatCatalog": DCAT_CATALOG, "CkanPackageList": _ckan({"type": "array", "items": {"type": "string"}}),
    "CkanPackageShow": _ckan(ref("CkanPackage")), "CkanPackage": CKAN_PACKAGE,
}

NOT_MODIFIED = {"description": "The caller's copy is current (If-None-Match, weak or strong)."}
TILE_TYPES = {"pbf": "application/vnd.mapbox-vector-tile", "png": "image/png", "webp": "image/webp"}


def _param(name: str, where: str, schema: Schema, description: str, *, required: bool = True,
           example: Any = None) -> Schema:
    param = {"name": name, "in": where, "required": required, "schema": schema, "description": description}
    if example is not None:
        param["example"] = example
    return param


_SLUGS = _param("slugs", "path", {"type": "string", "pattern": "^[-a-zA-Z0-9_,]+$"},
                "A layer's slug, or up to 20 slugs joined by ',' (a composite)", example="schools")


def _json(schema_name: str, description: str) -> Schema:
    return {"description": description, "content": {"application/json": {"schema": ref(schema_name)}}}


def _get(summary: str, tag: str, operation_id: str, responses: dict, parameters: list | None = None) -> Schema:
    return {"get": {"operationId": operation_id, "summary": summary, "tags": [tag],
                    "parameters": parameters or [], "responses": responses,
                    "security": [{"tokenAuth": []}, {"cookieAuth": []}, {}]}}


def _tile_path() -> Schema:
    binary = {"type": "string", "format": "binary"}
    return _get(
        "A vector tile (MVT) or a raster tile (PNG, WebP) of one layer or a composite", "tiles", "tiles_tile",
        {"200": {"description": "The tile (a vector tile gzipped when accepted)",
                 "content": {media: {"schema": binary} for media in TILE_TYPES.values()}},
         "204": {"description": "An empty tile: no feature, or no pixel with data (off a raster too)"},
         "304": NOT_MODIFIED},
        [_SLUGS,
         _param("z", "path", {"type": "integer", "minimum": 0, "maximum": 24}, "Zoom", example=12),
         _param("x", "path", {"type": "integer", "minimum": 0}, "Column", example=3258),
         _param("y", "path", {"type": "integer", "minimum": 0}, "Row", example=1927),
         _param("fmt", "path", {"type": "string", "enum": list(TILE_TYPES)}, "Format", example="pbf"),
         _param("v", "query", {"type": "string"}, "The layer version(s) from TileJSON: makes the tile immutable",
                required=False),
         _param("datetime", "query", {"type": "string"}, "RFC 3339 instant or interval (layers with time)",
                required=False)],
    )


def plain_view_paths() -> dict[str, Schema]:
    """Path items of the plain Django views, as they answer."""
    revalidate = {"304": NOT_MODIFIED}
    return {
        "/tiles/{slugs}/{z}/{x}/{y}.{fmt}": _tile_path(),
        "/tiles/{slugs}.json": _get("TileJSON 3.0 of a layer or composite", "tiles", "tiles_tilejson",
                                    {"200": _json("TileJSON", "TileJSON"), **revalidate}, [_SLUGS]),
        "/tiles/styles/{slugs}.json": _get("MapLibre style of a layer or composite", "tiles", "tiles_style",
                                           {"200": _json("MapLibreStyle", "A style"), **revalidate}, [_SLUGS]),
        "/tiles/styles/basemap.json": _get("The basemap style, built from the caller's visible layers", "tiles",
                                           "tiles_basemap", {"200": _json("MapLibreStyle", "A style"), **revalidate}),
        "/healthz": _get("Health of the database, Redis and a Celery worker", "health", "healthz",
                         {"200": _json("Health", "Healthy"), "503": _json("Health", "Unhealthy")}),
        "/data/catalog.jsonld": _get(
            "The open-data portal's DCAT-AP catalog (public layers only)", "open data", "portal_dcat",
            {"200": {"description": "DCAT-AP JSON-LD",
                     "content": {"application/ld+json": {"schema": ref("DcatCatalog")}}}, **revalidate}),
        "/data/api/3/action/package_list": _get(
            "CKAN action API: the names of the portal's datasets", "open data", "portal_package_list",
            {"200": _json("CkanPackageList", "CKAN's envelope"), **revalidate}),
        "/data/api/3/action/package_show": _get(
            "CKAN action API: one dataset with its resources", "open data", "portal_package_show",
            {"200": _json("CkanPackageShow", "CKAN's envelope"), **revalidate},
            [_param("id", "query", {"type": "string"}, "The dataset's name (a public layer's slug)",
                    example="schools")]),
    }


def document_plain_views(result: Schema, generator, request, public) -> Schema:
    """drf-spectacular postprocessing hook: the shared components and the plain views' paths."""
    result.setdefault("components", {}).setdefault("schemas", {}).update(COMPONENTS)
    schemes = result["components"].setdefault("securitySchemes", {})
    schemes.setdefault("cookieAuth", {"type": "apiKey", "in": "cookie", "name": "sessionid"})
    result.setdefault("paths", {}).update(plain_view_paths())
    return result
