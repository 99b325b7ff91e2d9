"""Cross-origin reads and shared caches, for every machine-readable channel: the API, tiles, the OGC
API and the open-data portal's catalogs (CORS_PATH_PREFIXES).

CORS. A response carries `Access-Control-Allow-Origin: *` when its bytes are open data or the caller
sent them a token:
- a request without a session cookie (anonymous, or an app with `Authorization: Token …`): the app
  holding the token chose to send it; a page on another origin cannot make a browser add one;
- a response marked `Cache-Control: public`, whoever asked.
A request that signed in with the session cookie gets no CORS header for anything else: a browser
refuses `*` to credentialed requests anyway, and naming no origin keeps it that way. `*` is never
combined with `Access-Control-Allow-Credentials`, so cookies never travel cross-origin.
A preflight (`OPTIONS` with `Access-Control-Request-Method`) is answered here, 204, allowing the
`Authorization` header, before any authentication or CSRF check runs.

Vary. Outermost of the middleware that touch responses, it restores the exact Vary of responses
marked by layers.conditional.exact_vary (see there).
"""

from django.conf import settings
from django.http import HttpRequest, HttpResponse

from layers.conditional import restore_exact_vary

CORS_PATH_PREFIXES = ("/api/", "/tiles/", "/ogc/", "/data/", "/healthz")
ALLOWED_METHODS = "GET, HEAD, POST, PUT, PATCH, DELETE, OPTIONS"
ALLOWED_HEADERS = "Authorization, Accept, Accept-Language, Content-Type, If-None-Match, If-Modified-Since, Range"
EXPOSED_HEADERS = ("ETag, Link, Content-Crs, Content-Disposition, Content-Range, Accept-Ranges, Last-Modified, "
                   "Retry-After, X-Layer-Version, X-Layer-License, X-Tile-Version, X-Tile-Cache")
PREFLIGHT_MAX_AGE = 86400


def is_cors_path(path: str) -> bool:
    return path.startswith(CORS_PATH_PREFIXES)


def allow_any_origin(response: HttpResponse) -> HttpResponse:
    response["Access-Control-Allow-Origin"] = "*"
    response["Access-Control-Expose-Headers"] = EXPOSED_HEADERS
    return response


def _is_preflight(request: HttpRequest) -> bool:
    return request.method == "OPTIONS" and "Access-Control-Request-Method" in request.headers


def _public(response: HttpResponse) -> bool:
    directives = {d.strip().lower() for d in response.get("Cache-Control", "").split(",")}
    return "public" in directives


class SharedCacheMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        cors = is_cors_path(request.path_info)
        if cors and _is_preflight(request):
            response = allow_any_origin(HttpResponse(status=204))
            response["Access-Control-Allow-Methods"] = ALLOWED_METHODS
            response["Access-Control-Allow-Headers"] = ALLOWED_HEADERS
            response["Access-Control-Max-Age"] = str(PREFLIGHT_MAX_AGE)
            return response
        response = self.get_response(request)
        restore_exact_vary(response)
        if cors and "Access-Control-Allow-Origin" not in response and (
                settings.SESSION_COOKIE_NAME not in request.COOKIES or _public(response)):
            allow_any_origin(response)
        return response
