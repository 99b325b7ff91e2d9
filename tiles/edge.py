"""Anonymous tile requests, answered before Django's request cycle.

A map is hundreds of tile requests, most of them anonymous. Through Django each also pays for the
request object, eleven middleware (sessions, locale, CSRF, auth, tokens, messages, …), the URL
resolver and the response object: half the time of a cached tile and about a millisecond of every
rendered one. This WSGI wrapper (geo_ioc/wsgi.py) answers a request itself only when all of this holds:

- it is a GET of a tile address (the URL resolver names tiles.views.tile), for an allowed host;
- it carries no Authorization header and no session cookie: the caller is anonymous, access scope
  "public", whatever the other cookies say;
- the access memo holds what the one access function (layers.access.visible_layers) answered for
  the public scope and these slugs, and the catalog token says that answer is still current: the
  Redis copy read in the same round trip as a cached tile, or the PostgreSQL copy read by the very
  statement that renders an uncached vector tile (tiles.access_memo, tiles.delivery.remembered).

Then the tile comes from the cache or is rendered and cached exactly as the view does it
(tiles.delivery.fetch_tile), between Django's request_started and request_finished signals so the
database connection is kept or closed as after any request (_render says why it skips the
health check). Everything else (a signed-in
caller or an app's token, no current access answer, an unknown or hidden layer, a bad address or
filter, another method) goes to Django untouched, which answers it and remembers the access answer.
So the edge never decides access itself: it repeats, for the same scope, an answer the access
function gave and the catalog has not voided since. A tile that fails to render here is handed to
Django too, which tries once more and answers in the error shape; but a render cancelled by its
statement timeout is answered here, 503 `query_timeout` in the error shape (trying it again in
Django would only hold a database backend as long once more).

Headers are those of the view (tiles.http.tile_reply) plus the security headers Django's middleware
would add (from the same settings); `Vary` is only Accept-Encoding, since a public tile's bytes
depend on no cookie or language. TILES_EDGE=false turns the edge off.
"""

import json
import logging
from collections.abc import Callable, Iterable
from http import HTTPStatus

from django.conf import settings
from django.core import signals
from django.db import connection
from django.http import QueryDict
from django.http.request import split_domain_port, validate_host
from django.urls import Resolver404, resolve

from geo_ioc.security_headers import static_headers
from layers.access import access_scope
from layers.errors import ApiError, QueryTimeout, error_body, is_query_canceled
from layers.guards import check_environ
from tiles import views
from tiles.access_memo import StaleEntry
from tiles.delivery import Remembered, TileBody, fetch_tile, remembered
from tiles.grid import Tile, parse_format, parse_tile
from tiles.http import tile_reply
from tiles.sources import parse_slugs

log = logging.getLogger(__name__)
_PUBLIC_SCOPE = access_scope(None)  # an anonymous caller's: "public"

WsgiApp = Callable[[dict, Callable], Iterable[bytes]]


class TileEdge:
    """WSGI middleware around Django's application (see the module's note)."""

    def __init__(self, app: WsgiApp):
        self.app = app

    def __call__(self, environ: dict, start_response: Callable) -> Iterable[bytes]:
        if settings.TILES_EDGE and environ.get("REQUEST_METHOD") == "GET":
            try:
                answer = _answer(environ)
            except Exception:  # the edge is only a shortcut: whatever fails here, Django answers
                log.exception("tile edge failed; the request goes to Django")
                answer = None
            if answer is not None:
                status, headers, body = answer
                start_response(status, headers)
                return [body]
        return self.app(environ, start_response)


def _answer(environ: dict) -> tuple[str, list[tuple[str, str]], bytes] | None:
    if settings.SECURE_SSL_REDIRECT or settings.SECURE_HSTS_SECONDS:
        return None  # what they add depends on how the request came in: SecurityMiddleware knows
    if "HTTP_AUTHORIZATION" in environ or settings.SESSION_COOKIE_NAME + "=" in environ.get("HTTP_COOKIE", ""):
        return None
    if not _allowed_host(environ):
        return None
    try:
        check_environ(environ)  # the guard Django's middleware applies: bad text goes to Django, refused there
    except ApiError:
        return None
    try:
        match = resolve(environ.get("PATH_INFO", ""))
    except Resolver404:
        return None
    if match.func is not views.tile:
        return None
    kwargs = match.kwargs
    query = QueryDict(environ.get("QUERY_STRING", ""))
    try:
        tile, fmt = parse_tile(kwargs["z"], kwargs["x"], kwargs["y"]), parse_format(kwargs["fmt"])
        found = remembered(_PUBLIC_SCOPE, parse_slugs(kwargs["slugs"]), tile, fmt, query.dict())
    except ApiError:
        return None
    if found is None:
        return None
    source = found.source
    if found.entry is not None:
        body = TileBody(found.entry, cached=True)
    else:
        try:
            body = _render(environ, found, tile, fmt)
        except QueryTimeout as exc:
            return _error_answer(exc)
        if body is None:
            return None
    reply = tile_reply(source, body, fmt, accept_encoding=environ.get("HTTP_ACCEPT_ENCODING", ""),
                       if_none_match=environ.get("HTTP_IF_NONE_MATCH", ""), version_param=query.get("v"))
    headers = {**reply.headers, **_site_headers()}
    if reply.body:  # none on a 204 or 304 (RFC 9110)
        headers["Content-Length"] = str(len(reply.body))
    status = HTTPStatus(reply.status)
    return f"{status.value} {status.phrase}", list(headers.items()), reply.body


def _render(environ: dict, found: Remembered, tile: Tile, fmt: str) -> TileBody | None:
    """Render and cache a miss, with the database connection handled as around a Django request.

    But for the health check: Django would ask the server `SELECT 1` before the first query, one
    more round trip on every miss. Here a connection that died since its last request makes the
    render fail; request_finished then closes it and the request goes to Django, whose health
    check opens a new one. Nothing is lost but the failed attempt. A render that finds the catalog
    changed since the access answer was remembered goes to Django too, which asks again."""
    signals.request_started.send(sender=TileEdge, environ=environ)
    connection.health_check_done = True
    try:
        return fetch_tile(found.source, tile, fmt, scope=_PUBLIC_SCOPE, key=found.key, entry=None,
                          catalog_token=found.catalog_token)
    except StaleEntry:
        return None
    except Exception as exc:
        if is_query_canceled(exc):
            log.warning("tile %s/%s cancelled by its statement timeout at the edge", found.source.slugs, tile)
            raise QueryTimeout() from exc
        log.warning("tile %s/%s could not be rendered at the edge; Django answers", found.source.slugs, tile,
                    exc_info=True)
        return None
    finally:
        signals.request_finished.send(sender=TileEdge)


def _error_answer(exc: ApiError) -> tuple[str, list[tuple[str, str]], bytes]:
    """The error shape, as Django's handlers would answer it (in the default language: the edge has
    no LocaleMiddleware)."""
    body = json.dumps(error_body(exc.detail, exc.code), ensure_ascii=False).encode()
    headers = {"Content-Type": "application/json", "Cache-Control": "no-store", **_site_headers(),
               "Content-Length": str(len(body))}
    status = HTTPStatus(exc.status_code)
    return f"{status.value} {status.phrase}", list(headers.items()), body


def _allowed_host(environ: dict) -> bool:
    """Django's host check (HttpRequest.get_host) for a request that names its host directly;
    X-Forwarded-Host set-ups go to Django."""
    if settings.USE_X_FORWARDED_HOST:
        return False
    host = environ.get("HTTP_HOST") or environ.get("SERVER_NAME", "")
    domain, _port = split_domain_port(host)
    allowed = settings.ALLOWED_HOSTS
    if settings.DEBUG and not allowed:
        allowed = [".localhost", "127.0.0.1", "[::1]"]
    return bool(domain) and validate_host(domain, allowed)


def _site_headers() -> dict[str, str]:
    """The headers SecurityMiddleware, XFrameOptionsMiddleware and SecurityHeadersMiddleware give
    every response. HSTS and the
    HTTPS redirect depend on how the request arrived: with either configured, _answer leaves every
    request to Django."""
    headers = {"X-Frame-Options": settings.X_FRAME_OPTIONS, **static_headers()}
    if settings.SECURE_CONTENT_TYPE_NOSNIFF:
        headers["X-Content-Type-Options"] = "nosniff"
    if settings.SECURE_REFERRER_POLICY:
        policy = settings.SECURE_REFERRER_POLICY
        headers["Referrer-Policy"] = policy if isinstance(policy, str) else ",".join(policy)
    if settings.SECURE_CROSS_ORIGIN_OPENER_POLICY:
        headers["Cross-Origin-Opener-Policy"] = settings.SECURE_CROSS_ORIGIN_OPENER_POLICY
    return headers
