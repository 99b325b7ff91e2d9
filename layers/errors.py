"""One error shape for every response: {"detail": str, "code": str, "fields": {...}?}.

Public messages are for people; the details go to the log. Never SQL, paths or tracebacks.
"""

import logging
import sys
from typing import Any

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import DisallowedHost, RequestDataTooBig, TooManyFieldsSent, TooManyFilesSent
from django.db import OperationalError
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.template.loader import render_to_string
from django.utils.translation import gettext_lazy as _
import psycopg
from psycopg.errors import QueryCanceled
from rest_framework import exceptions as drf_exceptions
from rest_framework.response import Response

from layers.error_codes import CODES, error_code

log = logging.getLogger(__name__)


class ApiError(Exception):
    """An error answered in the one shape. Its code, status and default message come from the registry
    (layers.error_codes): a subclass names its `code` only, and a raise site may name another
    registered code (`code=`), which brings that code's status. An unregistered code fails loudly."""

    code = "invalid_request"
    status_code = CODES[code].status
    default_detail = CODES[code].message

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        if "status_code" in cls.__dict__ or "default_detail" in cls.__dict__:
            raise TypeError(f"{cls.__name__}: declare status and message of {cls.code!r} in layers.error_codes")
        entry = error_code(cls.code)
        cls.status_code, cls.default_detail = entry.status, entry.message

    def __init__(self, detail: Any = None, *, fields: dict[str, Any] | None = None, code: str | None = None,
                 headers: dict[str, str] | None = None):
        self.headers = headers or {}  # what the answer needs beside the body (416's Content-Range)
        if code:
            entry = error_code(code)
            self.code, self.status_code = code, entry.status
            default = entry.message
        else:
            default = self.default_detail
        self.detail = detail if detail is not None else default
        self.fields = fields
        super().__init__(str(self.detail))


class InvalidParameter(ApiError):
    code = "invalid_parameter"


class InvalidBbox(InvalidParameter):
    code = "invalid_bbox"


class InvalidDatetime(InvalidParameter):
    code = "invalid_datetime"


class UnknownParameter(InvalidParameter):
    code = "unknown_parameter"


class InvalidZoneGeometry(InvalidParameter):
    """A polygon sent for a zone or a zone summary that cannot be one (layers.polygons)."""

    code = "invalid_geometry"


class NotFound(ApiError):
    code = "not_found"


class LayerNotFound(NotFound):
    """Raised for unknown layers and for layers the caller may not see, alike."""

    code = "layer_not_found"


class FeatureNotFound(NotFound):
    code = "feature_not_found"


class VersionNotKept(NotFound):
    code = "version_not_kept"


class SlugInUse(ApiError):
    code = "slug_in_use"


class AuthenticationFailed(ApiError):
    code = "authentication_failed"


class PermissionDenied(ApiError):
    code = "permission_denied"


def error_body(detail: Any, code: str, fields: dict[str, Any] | None = None) -> dict[str, Any]:
    body: dict[str, Any] = {"detail": str(detail), "code": code}
    if fields:
        body["fields"] = {name: _flatten(messages) for name, messages in fields.items()}
    return body


def error_response(detail: Any, code: str, status: int, fields: dict[str, Any] | None = None) -> JsonResponse:
    return JsonResponse(error_body(detail, code, fields), status=status, json_dumps_params={"ensure_ascii": False})


def _flatten(messages: Any) -> Any:
    if isinstance(messages, dict):
        return {k: _flatten(v) for k, v in messages.items()}
    if isinstance(messages, (list, tuple)):
        return [str(m) if not isinstance(m, (dict, list)) else _flatten(m) for m in messages]
    return [str(messages)]


# DRF codes that clients see, for DRF's own exceptions.
_DRF_CODES = {
    drf_exceptions.NotAuthenticated: "not_authenticated",
    drf_exceptions.AuthenticationFailed: "authentication_failed",
    drf_exceptions.PermissionDenied: "permission_denied",
    drf_exceptions.NotFound: "not_found",
    drf_exceptions.MethodNotAllowed: "method_not_allowed",
    drf_exceptions.NotAcceptable: "not_acceptable",
    drf_exceptions.UnsupportedMediaType: "unsupported_media_type",
    drf_exceptions.Throttled: "throttled",
    drf_exceptions.ParseError: "parse_error",
    drf_exceptions.ValidationError: "validation_error",
}


def drf_exception_handler(exc: Exception, context: dict) -> Response | None:
    """DRF's EXCEPTION_HANDLER: every API error in the one shape. Unknown exceptions propagate (500)."""
    exc = bounded_work_error(exc) or exc
    if isinstance(exc, ApiError):
        return Response(error_body(exc.detail, exc.code, exc.fields), status=exc.status_code,
                        headers=error_headers(exc))
    if isinstance(exc, Http404):
        return Response(error_body(NotFound.default_detail, NotFound.code), status=404)
    if isinstance(exc, DjangoPermissionDenied):
        return Response(error_body(PermissionDenied.default_detail, PermissionDenied.code), status=403)
    if isinstance(exc, drf_exceptions.APIException):
        code = next((c for cls, c in _DRF_CODES.items() if isinstance(exc, cls)),
                    "server_error" if exc.status_code >= 500 else "invalid_request")
        headers = {}
        if getattr(exc, "auth_header", None):
            headers["WWW-Authenticate"] = exc.auth_header
        if isinstance(exc, drf_exceptions.ValidationError):
            detail = exc.detail
            if isinstance(detail, dict):
                return Response(
                    error_body(_("Some fields are not valid."), "validation_error", detail), status=exc.status_code
                )
            messages = detail if isinstance(detail, list) else [detail]
            return Response(error_body(" ".join(str(m) for m in messages), code), status=exc.status_code)
        return Response(error_body(exc.detail, code), status=exc.status_code, headers=headers)
    return None


class ApiErrorMiddleware:
    """Turns an ApiError raised in a plain Django view into the one error shape."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest):
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exc: Exception):
        exc = bounded_work_error(exc) or exc
        if isinstance(exc, ApiError):
            return error_response_for(request, exc)
        return None



# Bad input refused at the door (layers.guards, layers.parsers) and errors answered outside the API.
class InvalidText(InvalidParameter):
    code = "invalid_text"


class InvalidJson(ApiError):
    code = "invalid_json"


class UriTooLong(ApiError):
    code = "uri_too_long"


class HeadersTooLarge(ApiError):
    code = "headers_too_large"


class BadHost(ApiError):
    code = "bad_host"



class CsrfFailed(PermissionDenied):
    code = "csrf_failed"


class ServerError(ApiError):
    code = "server_error"


# Addresses whose callers are programs: they always get the JSON shape, whatever they accept.
_API_PREFIXES = ("/api/", "/tiles/", "/healthz")


def wants_html(request: HttpRequest) -> bool:
    """A browser asking for a page gets a readable page; an API client (an /api/, /tiles/ or
    /healthz address, or one that does not ask for HTML first) gets the JSON shape."""
    if request.path.startswith(_API_PREFIXES):
        return False
    accept = request.headers.get("Accept", "")
    html, json = accept.find("text/html"), accept.find("application/json")
    return html >= 0 and (json < 0 or html < json)


def error_response_for(request: HttpRequest, exc: ApiError) -> HttpResponse:
    """The one place that chooses between the JSON shape and the HTML page for an error."""
    if not wants_html(request):
        return _with_headers(error_response(exc.detail, exc.code, exc.status_code, exc.fields), exc)
    # No request context: the page must render even when the database or the session is what failed.
    body = render_to_string("geo_ioc/error.html", {
        "status": exc.status_code, "code": exc.code, "detail": str(exc.detail),
        "advice": _advice(exc.status_code), "fields": error_body(exc.detail, exc.code, exc.fields).get("fields"),
    })
    return _with_headers(HttpResponse(body, status=exc.status_code, content_type="text/html; charset=utf-8"), exc)


def _advice(status: int) -> str:
    if status == 404:
        return str(_("Check the address, or start again from the home page."))
    if status in (401, 403):
        return str(_("Sign in with an account that may see this page, or ask an administrator."))
    if status >= 500:
        return str(_("Try again in a few minutes. If it keeps happening, tell the operations center's IT staff."))
    return str(_("Go back and correct what you sent, or start again from the home page."))


# Django's handler400/403/404/500 for plain views (wired in geo_ioc/urls.py) and CSRF_FAILURE_VIEW.
def bad_request(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    if isinstance(exception, ApiError):
        return error_response_for(request, exception)
    if isinstance(exception, DisallowedHost):
        return error_response_for(request, BadHost())  # never asks for the host again
    # Django's body guards (DATA_UPLOAD_MAX_*) raise SuspiciousOperation subclasses, which land here.
    known = bounded_work_error(exception) if exception is not None else None
    if known is not None:
        return error_response_for(request, known)
    if isinstance(exception, TooManyFilesSent):
        return error_response_for(request, TooManyFields())
    return error_response_for(request, ApiError(code="bad_request"))


def permission_denied(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return error_response_for(request, PermissionDenied())


def page_not_found(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return error_response_for(request, NotFound())


def server_error(request: HttpRequest) -> HttpResponse:
    # Called while Django handles the exception: a timeout raised outside a view (a middleware's
    # query) is still a 503, not a 500.
    raised = sys.exc_info()[1]
    return error_response_for(request, (bounded_work_error(raised) if raised is not None else None) or ServerError())


def csrf_failure(request: HttpRequest, reason: str = "") -> HttpResponse:
    log.info("CSRF check failed: %s", reason)
    return error_response_for(request, CsrfFailed())


# --- Hidden means unnamed (issue #12): the wall's not-found answers, one per thing it names ---


class SceneNotFound(NotFound):
    """Raised for unknown scenes and for scenes with nothing the caller may see, alike."""

    code = "scene_not_found"


# --- Bounded work (issue #12 point 4): timeouts, body limits, rate limits, sign-in lock-out. ---


class DatabaseUnavailable(ApiError):
    """PostgreSQL could not be reached (restarting, failing over): try again in a moment."""

    code = "database_unavailable"


class QueryTimeout(ApiError):
    """A statement ran past its statement_timeout; PostgreSQL cancelled it, the backend is free."""

    code = "query_timeout"


class RequestTooLarge(ApiError):
    code = "request_too_large"


class TooManyFields(ApiError):
    code = "too_many_fields"


class Throttled(ApiError):
    """Over a rate limit; `wait` (seconds) goes into Retry-After."""

    code = "throttled"

    def __init__(self, detail: Any = None, *, wait: int = 60, **kwargs):
        super().__init__(detail, **kwargs)
        self.wait = wait


class LoginLocked(Throttled):
    code = "login_locked"


def is_query_canceled(exc: BaseException) -> bool:
    """Django wraps psycopg's QueryCanceled (statement_timeout, or a cancel from an operator) in
    OperationalError; the cause says which."""
    return isinstance(exc, OperationalError) and isinstance(exc.__cause__, QueryCanceled)


def is_database_unreachable(exc: BaseException) -> bool:
    """A connection to PostgreSQL that could not be made or was lost (a restart, a failover): psycopg's
    OperationalError without an SQLSTATE, or with one of class 08 (connection exception) or 57P
    (operator intervention: admin shutdown, cannot connect now)."""
    cause = exc.__cause__ if isinstance(exc, OperationalError) else None
    if not isinstance(cause, psycopg.OperationalError) or isinstance(cause, QueryCanceled):
        return False
    state = cause.sqlstate or ""
    return state == "" or state.startswith(("08", "57P"))


def bounded_work_error(exc: BaseException) -> ApiError | None:
    """The ApiError that stands for a database timeout or an unreachable database, or for Django's
    request-size guards, else None.

    One mapping for the DRF handler and the plain-view middleware."""
    if is_query_canceled(exc):
        log.warning("statement cancelled (statement_timeout): %s", exc)
        return QueryTimeout()
    if is_database_unreachable(exc):
        # Django drops the broken connection at the end of the request; the next one reconnects.
        log.warning("database unreachable: %s", exc)
        return DatabaseUnavailable()
    if isinstance(exc, RequestDataTooBig):
        return RequestTooLarge()
    if isinstance(exc, TooManyFieldsSent):
        return TooManyFields()
    if isinstance(exc, drf_exceptions.Throttled):
        return Throttled(wait=int(exc.wait or 1))
    return None


def error_headers(exc: ApiError) -> dict[str, str]:
    headers = dict(getattr(exc, "headers", None) or {})
    if isinstance(exc, Throttled):
        headers["Retry-After"] = str(max(1, exc.wait))
    return headers


def _with_headers(response: HttpResponse, exc: ApiError) -> HttpResponse:
    for name, value in error_headers(exc).items():
        response[name] = value
    return response
