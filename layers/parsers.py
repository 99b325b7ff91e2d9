"""The API's body parsers (REST_FRAMEWORK's DEFAULT_PARSER_CLASSES): DRF's, with the limits and text
checks of layers.guards applied as they parse, so every view's request.data is already clean.

JSON: at most REQUEST_JSON_MAX_BYTES, nested at most REQUEST_JSON_MAX_DEPTH deep, no NaN/Infinity
or numbers too big for a float, no control characters in keys or strings (tab, CR, LF allowed in
values). Any other view that reads JSON itself calls parse_json().
"""

import json
import math
from typing import Any

from django.conf import settings
from django.utils.translation import gettext as _
from rest_framework import parsers

from layers.errors import InvalidJson
from layers.guards import check_form, check_text


def parse_json(raw: bytes) -> Any:
    """The document in `raw`, or InvalidJson (InvalidText for control characters)."""
    limit = settings.REQUEST_JSON_MAX_BYTES
    if len(raw) > limit:
        raise InvalidJson(_("The JSON body is larger than %(max)d bytes.") % {"max": limit})
    try:
        doc = json.loads(raw, parse_constant=_refuse_constant)
    except RecursionError:
        raise _too_deep() from None
    except json.JSONDecodeError as exc:
        raise InvalidJson(
            _("The body is not valid JSON (line %(line)d, column %(column)d).") % {"line": exc.lineno, "column": exc.colno}
        ) from None
    except (ValueError, UnicodeDecodeError):  # not UTF-8, or an integer of more than 4,300 digits
        raise InvalidJson(_("The body is not valid UTF-8 JSON.")) from None
    _check_document(doc)
    return doc


def _refuse_constant(name: str) -> Any:
    raise InvalidJson(_("JSON has no %(name)s: send finite numbers.") % {"name": name})


def _too_deep() -> InvalidJson:
    return InvalidJson(
        _("The JSON body is nested more than %(max)d levels deep.") % {"max": settings.REQUEST_JSON_MAX_DEPTH}
    )


def _check_document(doc: Any) -> None:
    """Depth, finite numbers and text of every key and string, walked without recursion."""
    max_depth = settings.REQUEST_JSON_MAX_DEPTH
    stack: list[tuple[Any, int, str]] = [(doc, 1, "body")]
    while stack:
        value, depth, where = stack.pop()
        if isinstance(value, dict):
            if depth > max_depth:
                raise _too_deep()
            for key, item in value.items():
                check_text(key, where=f"{where}.{key[:20]}" if where != "body" else key)
                stack.append((item, depth + 1, key if where == "body" else f"{where}.{key[:20]}"))
        elif isinstance(value, list):
            if depth > max_depth:
                raise _too_deep()
            stack.extend((item, depth + 1, where) for item in value)
        elif isinstance(value, str):
            check_text(value, where=where, multiline=True)
        elif isinstance(value, float) and not math.isfinite(value):
            raise InvalidJson(_("%(where)s holds a number too large to use.") % {"where": where[:40]})


class JSONParser(parsers.JSONParser):
    def parse(self, stream, media_type=None, parser_context=None) -> Any:
        limit = settings.REQUEST_JSON_MAX_BYTES
        # One byte more than allowed is enough to know the body is too big, without reading it all.
        return parse_json(stream.read(limit + 1) if stream is not None else b"")


class FormParser(parsers.FormParser):
    def parse(self, stream, media_type=None, parser_context=None):
        data = super().parse(stream, media_type, parser_context)
        check_form(data)
        return data


class MultiPartParser(parsers.MultiPartParser):
    def parse(self, stream, media_type=None, parser_context=None):
        result = super().parse(stream, media_type, parser_context)
        check_form(result.data, result.files)
        return result
