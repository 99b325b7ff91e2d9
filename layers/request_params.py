"""Request values every JSON read channel parses alike (the spatial queries of layers, the analysis
endpoints): the language of titles, a `datetime=` window, a feature id in a path, a JSON object body."""

from datetime import datetime
from typing import Any

from django.utils.translation import gettext as _
from rest_framework.request import Request

from layers.errors import FeatureNotFound, InvalidDatetime, InvalidParameter
from layers.filters import parse_datetime_interval


def english(request: Request) -> bool:
    return getattr(request, "LANGUAGE_CODE", "vi") == "en"


def pick(request: Request, vi: str | None, en: str | None) -> str | None:
    """The text in the request's language (Vietnamese unless English was asked for)."""
    return en if english(request) else vi


def window(raw: Any) -> tuple[datetime | None, datetime | None]:
    """A `datetime=` value (an RFC 3339 instant, date or interval) as a closed window; none: (None, None)."""
    if raw is None or raw == "":
        return None, None
    if not isinstance(raw, str):
        raise InvalidDatetime(_("datetime must be a text: an RFC 3339 instant, a date or an interval."))
    return parse_datetime_interval(raw)


def feature_id(raw: str) -> int:
    """A feature id from a URL path; anything else is an unknown feature (404)."""
    if not raw.isdigit() or len(raw) > 18:
        raise FeatureNotFound()
    return int(raw)


def object_body(request: Request) -> dict:
    if not isinstance(request.data, dict):
        raise InvalidParameter(_("Send a JSON object."))
    return request.data
