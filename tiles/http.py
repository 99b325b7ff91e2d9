"""HTTP semantics of tiles: strong ETags and 304, cache lifetimes by URL version, 204 for empty
tiles, gzip when accepted, CORS for public tiles.

`tile_reply` decides status, headers and body from the three request headers and the one query
parameter that matter, so the Django view (`tile_response`) and the edge that answers anonymous
cache hits before Django (tiles.edge) answer alike.
"""

import gzip
import re
from dataclasses import dataclass

from django.conf import settings
from django.http import HttpRequest, HttpResponse

from layers.conditional import exact_vary
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
PUBLIC_VARY = "Accept-Encoding"
# Non-public tiles depend on who asks.
PRIVATE_VARY = "Accept-Encoding, Authorization, Cookie"


@dataclass(frozen=True)
class TileReply:
    status: int  # 200, 204 or 304
    headers: dict[str, str]
    body: bytes


def accepts_gzip(accept_encoding: str) -> bool:
    return bool(_GZIP.search(accept_encoding.lower()))


def _matches(if_none_match: str, etag: str) -> bool:
    """If-None-Match against our ETag, whichever encoding the client's copy had."""
    tags = [t.strip().removeprefix("W/") for t in if_none_match.split(",")]
    return "*" in tags or f'"{etag}"' in tags or f'"{etag}-gzip"' in tags


def cache_control(source: TileSource, version_param: str | None) -> str:
    if source.public:
        current = version_param == source.version
        return f"public, max-age={LONG}, immutable" if current else "public, max-age=0, must-revalidate"
    # Non-public tiles are for this caller only, and revalidated so a lost right shows at once.
    return "private, max-age=0, must-revalidate"


def tile_reply(source: TileSource, body: TileBody, fmt: str, *, accept_encoding: str, if_none_match: str,
               version_param: str | None) -> TileReply:
    """The answer to a GET of a tile, from the request's Accept-Encoding and If-None-Match headers
    and its `?v=` parameter (empty strings when absent)."""
    compress = fmt == "pbf" and not body.empty and accepts_gzip(accept_encoding)
    headers = {}
    if _matches(if_none_match, body.entry.etag):
        status, data = 304, b""
    elif body.empty:
        status, data = 204, b""
    else:
        status = 200
        if compress:
            data = body.entry.body if body.entry.gzipped else gzip.compress(
                body.entry.body, compresslevel=settings.TILES_GZIP_LEVEL, mtime=0)
            headers["Content-Encoding"] = "gzip"
        else:
            data = body.identity()
        headers["Content-Type"] = CONTENT_TYPES[fmt]
    headers["ETag"] = f'"{body.entry.etag}{"-gzip" if compress else ""}"'
    headers["X-Tile-Cache"] = "hit" if body.cached else "miss"
    headers["Cache-Control"] = cache_control(source, version_param)
    headers["X-Tile-Version"] = source.version
    if source.public:
        headers["Access-Control-Allow-Origin"] = "*"
        headers["Access-Control-Expose-Headers"] = "ETag, X-Tile-Version, X-Tile-Cache"
        headers["Vary"] = PUBLIC_VARY
    else:
        headers["Vary"] = PRIVATE_VARY
    return TileReply(status, headers, data)


def tile_response(request: HttpRequest, source: TileSource, body: TileBody, fmt: str) -> HttpResponse:
    reply = tile_reply(source, body, fmt, accept_encoding=request.headers.get("Accept-Encoding", ""),
                       if_none_match=request.headers.get("If-None-Match", ""), version_param=request.GET.get("v"))
    response = HttpResponse(reply.body, status=reply.status)
    if "Content-Type" not in reply.headers:
        del response["Content-Type"]
    for name, value in reply.headers.items():
        response[name] = value
    if source.public:
        # As the edge answers it: the session and locale middleware must not add Cookie and
        # Accept-Language to bytes that depend on neither.
        exact_vary(response, PUBLIC_VARY)
    return response
