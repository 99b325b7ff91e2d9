"""Every OGC API response is built here, so headers (caching, and the CORS and ETag handling the
open-data work adds) are decided in one place for JSON, GeoJSON, HTML and tiles alike."""

import json
from collections.abc import Iterator

from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from django.template.loader import render_to_string
from django.utils.cache import patch_vary_headers

JSON = "application/json"
GEOJSON = "application/geo+json"
OPENAPI = "application/vnd.oai.openapi+json;version=3.0"
HTML = "text/html"


def json_bytes(doc: dict) -> bytes:
    return json.dumps(doc, ensure_ascii=False, separators=(",", ":")).encode()


def document(doc: dict | bytes, *, media_type: str = JSON, public: bool,
             headers: dict[str, str] | None = None) -> HttpResponse:
    """A JSON (or GeoJSON, OpenAPI) document; `public`: only open data is in it."""
    body = doc if isinstance(doc, bytes) else json_bytes(doc)
    return _finish(HttpResponse(body, content_type=media_type), public=public, headers=headers)


def stream(chunks: Iterator[bytes], *, media_type: str, public: bool,
           headers: dict[str, str] | None = None) -> StreamingHttpResponse:
    """A document sent while it is written (a page of features): same headers as `document`."""
    return _finish(StreamingHttpResponse(chunks, content_type=media_type), public=public, headers=headers)


def page(request: HttpRequest, template: str, context: dict, *, public: bool,
         headers: dict[str, str] | None = None) -> HttpResponse:
    body = render_to_string(template, context, request=request)
    return _finish(HttpResponse(body, content_type="text/html; charset=utf-8"), public=public, headers=headers)


def _finish(response: HttpResponse | StreamingHttpResponse, *, public: bool,
            headers: dict[str, str] | None) -> HttpResponse | StreamingHttpResponse:
    for name, value in (headers or {}).items():
        response[name] = value
    # A document that names only open data may sit in shared caches for a minute; anything else is the
    # caller's own. Both vary with who asks and (f apart) the Accept header that chose the format.
    response["Cache-Control"] = "public, max-age=60" if public else "private, no-cache"
    patch_vary_headers(response, ["Accept", "Accept-Language", "Authorization", "Cookie"])
    return response
