"""Security headers on every response: a Content-Security-Policy that allows only our own origin
(it doubles as a guard that no page loads anything from the internet), and the frame rules with
their one exception, the embed mode.

What the pages need, and so what the policy allows beyond 'self':
- scripts: our own files; an inline <script> only with the request's nonce (`{{ request.csp_nonce }}`,
  the tile preview); the one inline handler our forms use (`onchange="this.form.submit()"`, the
  language and playlist pickers) by its hash ('unsafe-hashes' allows exactly that text, nothing else);
- styles: 'unsafe-inline', for style attributes in templates and the ones Swagger UI writes;
- images: data: and blob: URLs (MapLibre's sprites and canvases, Swagger UI's icons);
- workers: blob: (MapLibre starts its workers from a blob URL);
- fonts: our files (Noto Sans from npm), data: (Swagger UI).
The API docs load their initialising script from a URL of their own (SpectacularSwaggerSplitView).

Framing: `X-Frame-Options: DENY` and `frame-ancestors 'none'`, except in embed mode: the dashboard
and the tile preview with `?embed=1` may be framed by our own origin and those in
EMBED_ALLOWED_ORIGINS (then without X-Frame-Options, which cannot name origins; every browser that
knows frame-ancestors obeys it instead).
"""

import base64
import hashlib
import secrets

from django.conf import settings
from django.http import HttpRequest, HttpResponse

# Views whose pages may be framed with ?embed=1 (their URL names).
EMBEDDABLE = frozenset({"dashboard", "tiles-preview"})
_ALLOWED_HANDLERS = ["this.form.submit()"]


def _hash(source: str) -> str:
    return "'sha256-" + base64.b64encode(hashlib.sha256(source.encode()).digest()).decode() + "'"


class Nonce:
    """A request's script nonce, made when a template first asks for it: only responses that use
    one carry it, so every other response (tiles, JSON) has the same policy on every request."""

    def __init__(self):
        self.value: str | None = None

    def __str__(self) -> str:
        if self.value is None:
            self.value = secrets.token_urlsafe(18)
        return self.value


def content_security_policy(*, nonce: str | None = None, frame_ancestors: list[str] | None = None) -> str:
    scripts = ["'self'", *([f"'nonce-{nonce}'"] if nonce else []), "'unsafe-hashes'",
               *(_hash(h) for h in _ALLOWED_HANDLERS)]
    directives = {
        "default-src": ["'self'"],
        "script-src": scripts,
        "style-src": ["'self'", "'unsafe-inline'"],
        "img-src": ["'self'", "data:", "blob:"],
        "font-src": ["'self'", "data:"],
        "worker-src": ["'self'", "blob:"],
        "child-src": ["'self'", "blob:"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": frame_ancestors or ["'none'"],
    }
    return "; ".join(f"{name} {' '.join(values)}" for name, values in directives.items())


def static_headers() -> dict[str, str]:
    """The headers of a response that uses no nonce and is not embedded (tiles.edge adds them)."""
    return {"Content-Security-Policy": content_security_policy()}


class SecurityHeadersMiddleware:
    """Sets the policy. First in MIDDLEWARE, so that it sees every response last: the ones the guard
    (layers.guards) refuses at the door included, and after XFrameOptionsMiddleware has set DENY."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        request.csp_nonce = Nonce()
        response = self.get_response(request)
        if "Content-Security-Policy" in response:
            return response
        frame_ancestors = None
        match = getattr(request, "resolver_match", None)
        if request.GET.get("embed") == "1" and match is not None and match.url_name in EMBEDDABLE:
            frame_ancestors = ["'self'", *settings.EMBED_ALLOWED_ORIGINS]
            if settings.EMBED_ALLOWED_ORIGINS:
                del response["X-Frame-Options"]  # it cannot name origins: frame-ancestors decides
            else:
                response["X-Frame-Options"] = "SAMEORIGIN"
        response["Content-Security-Policy"] = content_security_policy(
            nonce=request.csp_nonce.value, frame_ancestors=frame_ancestors
        )
        return response
