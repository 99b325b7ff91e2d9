"""HTTP semantics of tiles: strong ETags and 304, cache lifetimes by URL version, 204 for empty
tiles, gzip when accepted, CORS for public tiles."""

import gzip
import re

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.utils.cache import patch_vary_headers

from tiles.delivery import TileBody
from tiles.sources import TileSource

CONTENT_TYPES = {
    "pbf": "application/vnd.mapbox-vector-tile",
    "png": "image/png",
    "webp": "image/webp",
}
# A versioned URL never changes content: browsers and CDNs may keep it for a year.
LONG = 365 * 24 * 3600
_GZIP = re.compile(r"(^|,)\s*gzip\s*(;\s*q=(?!0(\.0*)?\s*($|,))[0-9.]+)?\s*($|,)")


def accepts_gzip(request: HttpRequest) -> bool:
    return bool(_GZIP.search(request.headers.get("Accept-Encoding", "").lower()))


def _matches(request: HttpRequest, etag: str) -> bool:
    """If-None-Match against our ETag, whichever encoding the client's copy had."""
    tags = [t.strip().removeprefix("W/") for t in request.headers.get("If-None-Match", "").split(",")]
    return "*" in tags or f'"{etag}"' in tags or f'"{etag}-gzip"' in tags


def cache_control(source: TileSource, request: HttpRequest) -> str:
    current = request.GET.get("v") == source.version
    if source.public:
        return f"public, max-age={LONG}, immutable" if current else "public, max-age=0, must-revalidate"
    # Non-public tiles are for this caller only, and revalidated so a lost right shows at once.
    return "private, max-age=0, must-revalidate"


def _headers(response: HttpResponse, source: TileSource, request: HttpRequest) -> HttpResponse:
    response["Cache-Control"] = cache_control(source, request)
    response["X-Tile-Version"] = source.version
    if source.public:
        response["Access-Control-Allow-Origin"] = "*"
        response["Access-Control-Expose-Headers"] = "ETag, X-Tile-Version, X-Tile-Cache"
        patch_vary_headers(response, ["Accept-Encoding"])
    else:
        patch_vary_headers(response, ["Accept-Encoding", "Authorization", "Cookie"])
    return response


def tile_response(request: HttpRequest, source: TileSource, body: TileBody, fmt: str) -> HttpResponse:
    compress = fmt == "pbf" and not body.empty and accepts_gzip(request)
    etag = body.entry.etag + ("-gzip" if compress else "")
    if _matches(request, body.entry.etag):
        response = HttpResponse(status=304)
    elif body.empty:
        response = HttpResponse(status=204)
    else:
        if compress:
            data = body.entry.body if body.entry.gzipped else gzip.compress(
                body.entry.body, compresslevel=settings.TILES_GZIP_LEVEL, mtime=0)
        else:
            data = body.identity()
        response = HttpResponse(data, content_type=CONTENT_TYPES[fmt])
        if compress:
            response["Content-Encoding"] = "gzip"
    if response.status_code in (204, 304):
        del response["Content-Type"]
    response["ETag"] = f'"{etag}"'
    response["X-Tile-Cache"] = "hit" if body.cached else "miss"
    return _headers(response, source, request)
