"""OGC API - Tiles documents: the WebMercatorQuad tile matrix set and each collection's tileset: vector
tiles of a vector layer at /collections/{id}/tiles, map tiles (PNG) of a raster layer at
/collections/{id}/map/tiles (the standard's two kinds of geodata tilesets).
The tiles themselves are the /tiles/ code's (tiles.delivery, tiles.http): the same cache, the same
access rule, the same bytes; an OGC tile address only names the tile (row and column) differently."""

import math

from django.conf import settings
from django.http import HttpRequest

from layers.models import Kind, Layer
from ogc.collections import title, url

WEB_MERCATOR_QUAD = "WebMercatorQuad"
WEB_MERCATOR_QUAD_URI = "http://www.opengis.net/def/tilematrixset/OGC/1.0/WebMercatorQuad"
_ORIGIN = 20037508.3427892
# OGC's scale denominators assume 0.28 mm pixels; a 256 px tile of zoom 0 spans the whole world.
_Z0_SCALE = 2 * _ORIGIN / 256 / 0.00028


def tile_matrix_set() -> dict:
    """WebMercatorQuad in the TMS 2.0 encoding (OGC API - Tiles 1.0), with the members of the TMS 1.0
    encoding beside it (`type`, `identifier`, `supportedCRS`, `boundingBox`, `tileMatrix`): GDAL 3.6
    (Debian 12) reads only that one, and its OGCAPI driver reads the map tiles through this document."""
    matrices = [
        {"id": str(z), "scaleDenominator": _Z0_SCALE / 2**z, "cellSize": 2 * _ORIGIN / 256 / 2**z,
         "cornerOfOrigin": "topLeft", "pointOfOrigin": [-_ORIGIN, _ORIGIN],
         "tileWidth": 256, "tileHeight": 256, "matrixWidth": 2**z, "matrixHeight": 2**z}
        for z in range(25)
    ]
    return {
        "id": WEB_MERCATOR_QUAD,
        "title": "Google Maps Compatible for the World",
        "uri": WEB_MERCATOR_QUAD_URI,
        "crs": "http://www.opengis.net/def/crs/EPSG/0/3857",
        "orderedAxes": ["E", "N"],
        "wellKnownScaleSet": "http://www.opengis.net/def/wkss/OGC/1.0/GoogleMapsCompatible",
        "tileMatrices": matrices,
        "type": "TileMatrixSetType",
        "identifier": WEB_MERCATOR_QUAD,
        "supportedCRS": "http://www.opengis.net/def/crs/EPSG/0/3857",
        "boundingBox": {"type": "BoundingBoxType", "crs": "http://www.opengis.net/def/crs/EPSG/0/3857",
                        "lowerCorner": [-_ORIGIN, -_ORIGIN], "upperCorner": [_ORIGIN, _ORIGIN]},
        "tileMatrix": [{"type": "TileMatrixType", "identifier": m["id"], "scaleDenominator": m["scaleDenominator"],
                        "topLeftCorner": m["pointOfOrigin"], "tileWidth": 256, "tileHeight": 256,
                        "matrixWidth": m["matrixWidth"], "matrixHeight": m["matrixHeight"]} for m in matrices],
    }


def tile_matrix_sets(request: HttpRequest) -> dict:
    return {"tileMatrixSets": [{
        "id": WEB_MERCATOR_QUAD, "title": "Google Maps Compatible for the World", "uri": WEB_MERCATOR_QUAD_URI,
        "links": [{"rel": "self", "type": "application/json",
                   "href": url(request, "ogc-tile-matrix-set", WEB_MERCATOR_QUAD)}],
    }]}


def _names(layer: Layer) -> tuple[str, str]:
    """(URL name of the tileset list, of one tileset): a raster's are its map tiles."""
    if layer.kind == Kind.RASTER:
        return "ogc-map-tilesets", "ogc-map-tileset"
    return "ogc-tilesets", "ogc-tileset"


def _template(request: HttpRequest, layer: Layer) -> tuple[str, str, str]:
    """(tile URL template, its f value, its media type) for the layer's kind."""
    listing, _one = _names(layer)
    base = url(request, listing, layer.slug) + f"/{WEB_MERCATOR_QUAD}/{{tileMatrix}}/{{tileRow}}/{{tileCol}}"
    if layer.kind == Kind.RASTER:
        return base + "?f=png", "png", "image/png"
    return base + "?f=mvt", "mvt", "application/vnd.mapbox-vector-tile"


def tilesets(request: HttpRequest, layer: Layer) -> dict:
    listing, _one = _names(layer)
    return {"links": [{"rel": "self", "type": "application/json", "href": url(request, listing, layer.slug)}],
            "tilesets": [tileset(request, layer, summary=True)]}


def tileset(request: HttpRequest, layer: Layer, *, summary: bool = False) -> dict:
    template, _f, media = _template(request, layer)
    _listing, one = _names(layer)
    doc = {
        "title": title(layer),
        "dataType": "map" if layer.kind == Kind.RASTER else "vector",
        "crs": "http://www.opengis.net/def/crs/EPSG/0/3857",
        "tileMatrixSetURI": WEB_MERCATOR_QUAD_URI,
        "links": [
            {"rel": "self", "type": "application/json",
             "href": url(request, one, layer.slug, WEB_MERCATOR_QUAD)},
            {"rel": "http://www.opengis.net/def/rel/ogc/1.0/tiling-scheme", "type": "application/json",
             "href": url(request, "ogc-tile-matrix-set", WEB_MERCATOR_QUAD)},
            {"rel": "item", "type": media, "templated": True, "href": template},
        ],
    }
    if not summary:
        doc["tileMatrixSetLimits"] = _limits(layer)
        if layer.kind == Kind.VECTOR:
            doc["layers"] = [{"id": layer.slug, "dataType": "vector", "geometryType": _geometry_type(layer)}]
    return doc


def _geometry_type(layer: Layer) -> str:
    kind = (layer.geometry_type or "").lower()
    return "points" if "point" in kind else "lines" if "line" in kind else "polygons" if "polygon" in kind else "geometry"


def _limits(layer: Layer) -> list[dict]:
    """The tiles that cover the layer's extent at each zoom the tile code serves."""
    if layer.extent is None:
        return []
    west, south, east, north = layer.extent.extent
    return [{"tileMatrix": str(z), "minTileRow": _row(north, z), "maxTileRow": _row(south, z),
             "minTileCol": _col(west, z), "maxTileCol": _col(east, z)}
            for z in range(settings.TILES_MIN_ZOOM, settings.TILES_MAX_ZOOM + 1)]


def _col(lon: float, z: int) -> int:
    return min(2**z - 1, max(0, int((lon + 180) / 360 * 2**z)))


def _row(lat: float, z: int) -> int:
    return min(2**z - 1, max(0, int((1 - math.asinh(math.tan(math.radians(lat))) / math.pi) / 2 * 2**z)))
