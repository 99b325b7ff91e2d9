"""Text a caller sends is checked once, at the door, before any view, query or log line sees it.

Refused with 400 `invalid_text`, naming where: a path, query string, form field or uploaded file
name that is not UTF-8 or holds a C0 control character (NUL included) or DEL. Tab, CR and LF are
text in a body's values (a purpose on two lines), never in a path, a query string, a key or a file
name. The middleware checks the request line and urlencoded forms; the API's parsers
(layers.parsers) check JSON, form and multipart bodies as they parse them, so an upload is read only
after its view has checked who sends it and how big it is. Multipart file contents are data, left
to the importer.

The request line and headers have limits of their own (414 `uri_too_long`, 431
`headers_too_large`), set below gunicorn's (geo_ioc/gunicorn_conf.py) so that Django, not gunicorn,
answers them in the error shape.

tiles.edge runs check_environ() too: an anonymous tile with a bad address goes to Django, which
refuses it here.
"""

import logging
import re
from collections.abc import Callable, Iterable
from urllib.parse import unquote_to_bytes

from django.conf import settings
from django.core.exceptions import DisallowedHost, RequestDataTooBig, TooManyFieldsSent
from django.http import HttpRequest, HttpResponse, QueryDict
from django.utils.datastructures import MultiValueDict
from django.utils import translation
from django.utils.translation import gettext as _

from layers.errors import ApiError, HeadersTooLarge, InvalidText, UriTooLong, bad_request, error_response_for

log = logging.getLogger(__name__)
# C0 controls and DEL; the body variant lets tab, LF and CR through.
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
_CONTROL_IN_BODY = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_SHOWN = 40  # characters of a parameter's name quoted back in a message


def check_text(value: str, *, where: str, multiline: bool = False) -> None:
    """Raise InvalidText when `value` holds a control character (or a lone surrogate, which no
    UTF-8 text can hold). `where` names the parameter or field for the caller."""
    found = (_CONTROL_IN_BODY if multiline else _CONTROL).search(value)
    if found is not None:
        raise InvalidText(
            _("%(where)s holds a control character (U+%(code)04X); send plain text.")
            % {"where": where[:_SHOWN], "code": ord(found.group())},
            fields={where[:_SHOWN]: [_("Control characters are not allowed.")]},
        )
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        raise _not_utf8(where) from None


def check_environ(environ: dict) -> None:
    """The request line and headers of a WSGI request: lengths, UTF-8 and control characters."""
    path = environ.get("PATH_INFO", "")
    query = environ.get("QUERY_STRING", "")
    if len(path) + len(query) > settings.REQUEST_MAX_URL_LENGTH:
        raise UriTooLong(
            _("The address is longer than %(max)d characters. Send long input in a POST body.")
            % {"max": settings.REQUEST_MAX_URL_LENGTH}
        )
    length = environ.get("CONTENT_LENGTH") or "0"
    if not (isinstance(length, str) and length.isdigit() and len(length) <= 15):
        raise InvalidText(_("Content-Length must be a whole number of bytes."),
                          fields={"Content-Length": [_("Not a number.")]})
    headers = [(k, v) for k, v in environ.items() if k.startswith("HTTP_")]
    if len(headers) > settings.REQUEST_MAX_HEADERS:
        raise HeadersTooLarge(
            _("The request has more than %(max)d headers.") % {"max": settings.REQUEST_MAX_HEADERS}
        )
    for name, value in headers:
        if isinstance(value, str) and len(value) > settings.REQUEST_MAX_HEADER_BYTES:
            raise HeadersTooLarge(
                _("The header %(name)s is longer than %(max)d bytes.")
                % {"name": name[5:].replace("_", "-").title()[:_SHOWN], "max": settings.REQUEST_MAX_HEADER_BYTES}
            )
    # WSGI hands the path over as bytes decoded as latin-1.
    check_text(_utf8(path.encode("latin-1", "replace"), where="path"), where="path")
    check_urlencoded(query)


def check_urlencoded(raw: str, *, multiline: bool = False) -> None:
    """A query string or urlencoded body (latin-1 text of its bytes, as WSGI gives it): every key and
    value UTF-8 without control characters (in a body's values, tab, CR and LF are text)."""
    for key, value in _query_pairs(raw):
        name = _utf8(key, where="query")
        check_text(name, where=name)
        check_text(_utf8(value, where=name), where=name, multiline=multiline)


def check_form(fields: QueryDict, files: MultiValueDict | None = None) -> None:
    """Form fields and uploaded file names of a urlencoded or multipart body."""
    for key, values in fields.lists():
        check_text(key, where=key)
        for value in values:
            check_text(value, where=key, multiline=True)
    for key, uploads in (files or MultiValueDict()).lists():
        check_text(key, where=key)
        for upload in uploads:
            check_text(upload.name or "", where=key)


def _query_pairs(query: str) -> Iterable[tuple[bytes, bytes]]:
    for part in query.split("&"):
        if not part:
            continue
        key, _sep, value = part.partition("=")
        raw = lambda s: unquote_to_bytes(s.replace("+", " ").encode("latin-1", "replace"))  # noqa: E731
        yield raw(key), raw(value)


def _utf8(raw: bytes, *, where: str) -> str:
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        raise _not_utf8(where) from None


def _not_utf8(where: str) -> InvalidText:
    return InvalidText(
        _("%(where)s is not valid UTF-8 text.") % {"where": where[:_SHOWN]},
        fields={where[:_SHOWN]: [_("Not UTF-8.")]},
    )




def _read_before_views(request: HttpRequest) -> bool:
    """Whether Django reads this multipart body before any view's checks anyway: one from a browser
    session, which the CSRF check reads (and DRF then takes as parsed, bypassing layers.parsers). An
    app's upload is left to the view's parser, so the import view refuses a stranger or an
    oversized file before reading it. (A urlencoded body is small, capped by
    DATA_UPLOAD_MAX_MEMORY_SIZE, and always checked.)"""
    return request.content_type == "multipart/form-data" and settings.SESSION_COOKIE_NAME in request.COOKIES


class GuardMiddleware:
    """Installed first in MIDDLEWARE: nothing after it sees text that failed these checks."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        try:
            _check(request)
        except (DisallowedHost, RequestDataTooBig, TooManyFieldsSent) as exc:
            # Answered here rather than by Django's handler400, which logs each with a traceback.
            log.warning("refused: %s", exc)
            return bad_request(request, exc)
        except ApiError:
            # LocaleMiddleware has not run yet: say it again in the caller's language.
            with translation.override(translation.get_language_from_request(request)):
                try:
                    _check(request)
                except ApiError as exc:
                    return error_response_for(request, exc)
        return self.get_response(request)


def _check(request: HttpRequest) -> None:
    check_environ(request.META)
    request.get_host()  # DisallowedHost for a Host header not in ALLOWED_HOSTS
    if request.method != "POST":
        return
    if request.content_type == "application/x-www-form-urlencoded":
        # The raw bytes: Django's decoding would already have turned bad UTF-8 into U+FFFD.
        check_urlencoded(request.body.decode("latin-1"), multiline=True)
    elif _read_before_views(request):
        check_form(request.POST, request.FILES)
