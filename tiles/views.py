"""Thin HTTP edges of tiles: parse the address (no database for an impossible one), ask the one
access function through tiles.sources, fetch or render, shape the response."""

import copy
import hashlib
import json

from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_safe

from layers.access import access_scope, visible_layers
from layers.conditional import request_matches
from layers.errors import ApiError
from layers.models import Access, Kind, Layer
from layers.schema import validate_style
from tiles import styles
from tiles.delivery import deliver_tile
from tiles.grid import parse_format, parse_tile
from tiles.http import tile_response
from tiles.raster import raster_max_zoom
from tiles.sources import parse_slugs, source_for, visible_named_layers
from tiles.tilejson import tilejson as build_tilejson


@require_safe
def tile(request: HttpRequest, slugs: str, z: str, x: str, y: str, fmt: str) -> HttpResponse:
    address, fmt = parse_tile(z, x, y), parse_format(fmt)
    source, body = deliver_tile(request.user, parse_slugs(slugs), address, fmt, request.GET.dict())
    return tile_response(request, source, body, fmt)


@require_safe
def tilejson(request: HttpRequest, slugs: str) -> HttpResponse:
    layers = visible_named_layers(request.user, parse_slugs(slugs))
    # TileJSON takes no filters: it describes the tileset; filters go on tile URLs.
    source = source_for(layers, "png" if layers[0].kind == Kind.RASTER else "pbf", {})
    max_zoom = raster_max_zoom(source.layers[0]) if source.kind == "raster" else None
    return _json(request, build_tilejson(request, source, max_zoom=max_zoom), public=source.public)


@require_safe
def layer_style(request: HttpRequest, slugs: str) -> HttpResponse:
    layers = visible_named_layers(request.user, parse_slugs(slugs))
    if "style" in request.GET:
        # A steward's style editor previews a draft: the same conversion, nothing stored.
        layers = [_with_draft(layers, request.GET["style"])]
    return _json(request, styles.layer_style(request, layers), public=all(la.access == Access.PUBLIC for la in layers))


@require_safe
def basemap(request: HttpRequest) -> HttpResponse:
    layers = {layer.slug: layer for layer in visible_layers(request.user).filter(slug__in=styles.BASEMAP_LAYERS)}
    # Public (shared caches may keep it) only when every layer in it is: a basemap that includes an
    # internal layer is the caller's own.
    public = all(layer.access == Access.PUBLIC for layer in layers.values())
    return _json(request, styles.basemap_style(request, layers), public=public)


@require_safe
def preview(request: HttpRequest) -> HttpResponse:
    """A map of the basemap and the layers named in ?layers=a,b (each through its own style). Only the
    caller's visible layers reach the page: a hidden or unknown one is left out alike, unnamed."""
    names = parse_slugs(request.GET["layers"]) if request.GET.get("layers") else []
    visible = set(visible_layers(request.user).filter(slug__in=names).values_list("slug", flat=True))
    return render(request, "tiles/preview.html", {"layers": [name for name in names if name in visible]})


def _with_draft(layers: list[Layer], raw: str) -> Layer:
    """A copy of the one named layer carrying the draft style `raw` (JSON), checked like a saved one."""
    if len(layers) != 1:
        raise ApiError(code="invalid_style", fields={"style": "A draft style previews one layer."})
    try:
        draft = json.loads(raw)
        validate_style(draft)
    except (ValueError, ValidationError):
        raise ApiError(code="invalid_style") from None
    layer = copy.copy(layers[0])  # the row may be a shared, cached object (tiles.access_memo)
    layer.style = draft
    return layer


def _json(request: HttpRequest, doc: dict, *, public: bool) -> HttpResponse:
    """Small JSON documents that name the current versions: always revalidated, ETag by content
    and caller's scope."""
    body = json.dumps(doc, ensure_ascii=False, separators=(",", ":")).encode()
    etag = '"' + hashlib.blake2b(body + access_scope(request.user).encode(), digest_size=16).hexdigest() + '"'
    if request_matches(request, etag):
        response = HttpResponse(status=304)
    else:
        response = HttpResponse(body, content_type="application/json")
    response["ETag"] = etag
    response["Cache-Control"] = ("public" if public else "private") + ", max-age=0, must-revalidate"
    if public:
        response["Access-Control-Allow-Origin"] = "*"
    response["Vary"] = "Accept-Language, Cookie, Authorization"
    return response
