"""HTTP caching rules every read channel shares (API, tiles, OGC API, open-data portal): ETags,
conditional GETs and the Vary header, so responses work behind nginx, CDNs and browser caches.

- `If-None-Match` is compared weakly (RFC 9110 §13.1.2): nginx's gzip turns our strong `"x"` into
  `W/"x"`, and the client sends that back; both answer 304. `*` matches any current resource.
- A response's `Vary` names what its bytes depend on and nothing more. Django's session and locale
  middleware add `Cookie` and `Accept-Language` to every response that read the session or the
  language; `exact_vary` marks a response whose bytes depend on neither (a public tile, a public
  layer's features), and geo_ioc.cors.SharedCacheMiddleware, outermost, restores the marked value,
  so a CDN keeps one copy for everyone.
- The ETag of open data does not depend on who asked: same bytes, same tag. Anything else's tag
  includes the caller's access scope.
"""

import hashlib

from django.http import HttpRequest, HttpResponse, HttpResponseNotModified

from layers.access import Caller, access_scope

# The attribute on a response that holds its exact Vary (None: no Vary at all).
EXACT_VARY = "geo_ioc_exact_vary"


def etag_matches(if_none_match: str, etag: str) -> bool:
    """Weak comparison of If-None-Match with our ETag (`"…"`, or `W/"…"` for a weak one)."""
    ours = etag.removeprefix("W/")
    tags = [t.strip().removeprefix("W/") for t in if_none_match.split(",")]
    return "*" in tags or ours in tags


def request_matches(request: HttpRequest, etag: str) -> bool:
    return etag_matches(request.headers.get("If-None-Match", ""), etag)


def make_etag(*parts: object, user: Caller = None, public: bool) -> str:
    """A strong ETag from what determines the bytes; the caller's access scope joins unless public."""
    key = "\x1f".join(str(p) for p in parts) + ("" if public else "\x1f" + access_scope(user))
    return '"' + hashlib.blake2b(key.encode(), digest_size=16).hexdigest() + '"'


def exact_vary(response: HttpResponse, value: str | None) -> HttpResponse:
    """Mark `response` as varying by exactly `value` (None: by nothing), whatever middleware adds.
    Such bytes are in no caller's language, so the locale middleware's Content-Language goes too."""
    setattr(response, EXACT_VARY, value)
    if value:
        response["Vary"] = value
    elif "Vary" in response:
        del response["Vary"]
    if "Content-Language" in response:
        del response["Content-Language"]
    return response


def not_modified(etag: str) -> HttpResponse:
    response = HttpResponseNotModified()
    response["ETag"] = etag
    return response


def restore_exact_vary(response: HttpResponse) -> None:
    """Undo what middleware added to a response marked by exact_vary."""
    if hasattr(response, EXACT_VARY):
        exact_vary(response, getattr(response, EXACT_VARY))
