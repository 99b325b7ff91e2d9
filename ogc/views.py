"""Thin HTTP edges of the OGC API: choose the representation, ask the access rule for the layer,
call one function, answer through ogc.responses."""

import json

from django.http import HttpRequest, HttpResponse
from django.views.decorators.http import require_safe

from layers import geojson
from layers.access import get_visible_layer
from layers.errors import FeatureNotFound, LayerNotFound, NotFound
from layers.extent import province_bounds
from layers.models import Access, Kind, Layer
from ogc import collections as docs
from ogc import openapi, responses
from ogc import tiles as ogc_tiles
from ogc.items import (
    feature_document,
    items_chunks,
    items_document,
    number_matched,
    page_links,
    parse_items_query,
)
from ogc.negotiation import choose
from tiles.delivery import deliver_tile
from tiles.grid import RASTER_FORMATS, parse_format, parse_tile
from tiles.http import tile_response


def _public(layers: list[Layer]) -> bool:
    return all(layer.access == Access.PUBLIC for layer in layers)


def _collection_layer(request: HttpRequest, slug: str) -> Layer:
    layer = get_visible_layer(request.user, slug)
    if layer.kind != Kind.VECTOR:
        raise LayerNotFound()  # a raster has tiles, not items
    return layer


@require_safe
def landing(request: HttpRequest) -> HttpResponse:
    f = choose(request, ("json", "html"))
    doc = docs.landing(request)
    if f == "html":
        return responses.page(request, "ogc/landing.html", {"doc": doc}, public=True)
    return responses.document(doc, public=True)


@require_safe
def conformance(request: HttpRequest) -> HttpResponse:
    f = choose(request, ("json", "html"))
    doc = {"conformsTo": docs.CONFORMANCE}
    if f == "html":
        return responses.page(request, "ogc/conformance.html", {"doc": doc}, public=True)
    return responses.document(doc, public=True)


@require_safe
def api(request: HttpRequest) -> HttpResponse:
    f = choose(request, ("oas30", "json", "html"))
    if f == "html":
        return responses.page(request, "ogc/api.html", {"schema_url": docs.url(request, "ogc-api")}, public=True)
    media = responses.OPENAPI if f == "oas30" else responses.JSON
    layers = docs.collection_layers(request.user)
    return responses.document(openapi.document(request, layers), media_type=media, public=_public(layers))


@require_safe
def collections(request: HttpRequest) -> HttpResponse:
    f = choose(request, ("json", "html"))
    layers = docs.collection_layers(request.user)
    doc = docs.collections(request, layers)
    if f == "html":
        return responses.page(request, "ogc/collections.html", {"doc": doc}, public=_public(layers))
    return responses.document(doc, public=_public(layers))


def _raster_layer(request: HttpRequest, slug: str) -> Layer:
    layer = get_visible_layer(request.user, slug)
    if layer.kind != Kind.RASTER:
        raise LayerNotFound()  # map tiles are a raster's; a vector layer has vector tiles
    return layer


@require_safe
def collection(request: HttpRequest, slug: str) -> HttpResponse:
    f = choose(request, ("json", "html"))
    layer = get_visible_layer(request.user, slug)
    doc = docs.collection(request, layer, docs.temporal_extents([layer]))
    if f == "html":
        return responses.page(request, "ogc/collection.html", {"doc": doc, "map": _map(layer)},
                              public=_public([layer]))
    return responses.document(doc, public=_public([layer]))


@require_safe
def queryables(request: HttpRequest, slug: str) -> HttpResponse:
    f = choose(request, ("json", "html"))
    layer = _collection_layer(request, slug)
    doc = docs.queryables(request, layer)
    if f == "html":
        return responses.page(request, "ogc/queryables.html", {"doc": doc, "layer": layer},
                              public=_public([layer]))
    return responses.document(doc, media_type="application/schema+json", public=_public([layer]))


@require_safe
def items(request: HttpRequest, slug: str) -> HttpResponse:
    f = choose(request, ("geojson", "html"))
    layer = _collection_layer(request, slug)
    asked = parse_items_query(layer, request.GET.dict(), html=f == "html")
    headers = {"Content-Crs": f"<{asked.crs.uri}>"}
    if f != "html" and asked.features.before is None:
        streamed = geojson.StreamedPage(layer, asked.features, geometry=asked.crs.geometry,
                                        decimals=asked.crs.decimals)
        chunks = items_chunks(streamed, matched=number_matched(layer, asked.features),
                              links=lambda: page_links(request, streamed, asked.features))
        return responses.stream(chunks, media_type=responses.GEOJSON, public=_public([layer]), headers=headers)
    page = geojson.feature_page(layer, asked.features, geometry=asked.crs.geometry, decimals=asked.crs.decimals)
    matched = number_matched(layer, asked.features) if f != "html" else geojson.count_features(layer, asked.features)
    links = page_links(request, page, asked.features)
    body = items_document(page, matched=matched, links=links)
    if f == "html":
        doc = json.loads(body)
        names = [p["name"] for p in layer.property_schema]
        columns = [docs.label(p) for p in layer.property_schema]
        rows = [{"id": feature["id"], "href": f"{request.path}/{feature['id']}?f=html",
                 "values": [feature["properties"].get(name, "") for name in names]} for feature in doc["features"]]
        context = {"doc": doc, "title": docs.title(layer), "columns": columns, "rows": rows,
                   "collection": docs.url(request, "ogc-collection", slug),
                   "map": _map(layer, doc if asked.crs.epsg is None else None)}
        return responses.page(request, "ogc/items.html", context, public=_public([layer]), headers=headers)
    return responses.document(body, media_type=responses.GEOJSON, public=_public([layer]), headers=headers)


@require_safe
def item(request: HttpRequest, slug: str, feature_id: str) -> HttpResponse:
    f = choose(request, ("geojson", "html"))
    layer = _collection_layer(request, slug)
    asked = parse_items_query(layer, {k: v for k, v in request.GET.items() if k in ("crs", "properties")})
    if not (feature_id.isascii() and feature_id.isdigit()) or len(feature_id) > 18:
        raise FeatureNotFound()
    output = asked.crs
    body = geojson.single_feature(layer, int(feature_id), asked.features, geometry=output.geometry,
                                  decimals=output.decimals)
    if body is None:
        raise FeatureNotFound()
    body = feature_document(request, body)
    headers = {"Content-Crs": f"<{output.uri}>"}
    if f == "html":
        feature = json.loads(body)
        context = {"feature": feature, "title": docs.title(layer), "collection": docs.url(request, "ogc-collection", slug),
                   "map": _map(layer, {"type": "FeatureCollection", "features": [feature]} if output.epsg is None else None)}
        return responses.page(request, "ogc/item.html", context, public=_public([layer]), headers=headers)
    return responses.document(body, media_type=responses.GEOJSON, public=_public([layer]), headers=headers)


@require_safe
def tile_matrix_sets(request: HttpRequest) -> HttpResponse:
    choose(request, ("json",))
    return responses.document(ogc_tiles.tile_matrix_sets(request), public=True)


@require_safe
def tile_matrix_set(request: HttpRequest, tms: str) -> HttpResponse:
    choose(request, ("json",))
    if tms != ogc_tiles.WEB_MERCATOR_QUAD:
        raise _unknown_tms()
    return responses.document(ogc_tiles.tile_matrix_set(), public=True)


@require_safe
def tilesets(request: HttpRequest, slug: str) -> HttpResponse:
    choose(request, ("json",))
    layer = get_visible_layer(request.user, slug)
    return responses.document(ogc_tiles.tilesets(request, layer), public=_public([layer]))


@require_safe
def tileset(request: HttpRequest, slug: str, tms: str) -> HttpResponse:
    choose(request, ("json",))
    layer = get_visible_layer(request.user, slug)
    if tms != ogc_tiles.WEB_MERCATOR_QUAD:
        raise _unknown_tms()
    return responses.document(ogc_tiles.tileset(request, layer), public=_public([layer]))


@require_safe
def tile(request: HttpRequest, slug: str, tms: str, z: str, row: str, col: str) -> HttpResponse:
    """The /tiles/ tile of this layer (same cache, access rule and bytes), addressed by row and column."""
    if tms != ogc_tiles.WEB_MERCATOR_QUAD:
        raise _unknown_tms()
    address, fmt = parse_tile(z, col, row), parse_format(request.GET.get("f") or "mvt")
    # `f` chose the format; the rest (filters, the version `v`) mean what they mean on /tiles/.
    params = {k: v for k, v in request.GET.items() if k != "f"}
    source, body = deliver_tile(request.user, [slug], address, fmt, params)
    return tile_response(request, source, body, fmt)


@require_safe
def map_tilesets(request: HttpRequest, slug: str) -> HttpResponse:
    choose(request, ("json",))
    layer = _raster_layer(request, slug)
    return responses.document(ogc_tiles.tilesets(request, layer), public=_public([layer]))


@require_safe
def map_tileset(request: HttpRequest, slug: str, tms: str) -> HttpResponse:
    choose(request, ("json",))
    layer = _raster_layer(request, slug)
    if tms != ogc_tiles.WEB_MERCATOR_QUAD:
        raise _unknown_tms()
    return responses.document(ogc_tiles.tileset(request, layer), public=_public([layer]))


@require_safe
def map_tile(request: HttpRequest, slug: str, tms: str, z: str, row: str, col: str) -> HttpResponse:
    """A raster's map tile: the /tiles/ PNG of this layer (same cache, access rule and bytes; off the
    data, the same 204 as an empty vector tile)."""
    if tms != ogc_tiles.WEB_MERCATOR_QUAD:
        raise _unknown_tms()
    address = parse_tile(z, col, row)
    fmt = parse_format(request.GET.get("f") or "png", allowed=RASTER_FORMATS)
    _raster_layer(request, slug)
    params = {k: v for k, v in request.GET.items() if k != "f"}
    source, body = deliver_tile(request.user, [slug], address, fmt, params)
    return tile_response(request, source, body, fmt)


def _map(layer: Layer, features: dict | None = None) -> dict:
    """What the pages' small map draws: the layer's style over the basemap, fitted to its extent."""
    west, south, east, north = layer.extent.extent if layer.extent is not None else province_bounds()
    return {"slug": layer.slug, "bbox": [[west, south], [east, north]], "features": features}


def _unknown_tms() -> NotFound:
    return NotFound()  # only WebMercatorQuad is offered
