"""Every error code an HTTP response can carry, once: its HTTP status and its message.

The one source of truth for codes (issue #13). `layers.errors.ApiError` and its subclasses take their
status and default message from here (a class or a raise site naming a code not listed here fails),
DRF's own exceptions are mapped to codes listed here, the README's table of codes and the OpenAPI
schema's `Error.code` enum name exactly this set (tests/test_error_code_registry.py).

Messages are gettext_lazy: Vietnamese and English come from locale/*/django.po. A raise site may pass
a more precise message (which bbox value is wrong, which file is refused); the one here says what the
code means. Per-row problems inside an import job's report (`out_of_range`, `curves_linearised`…) are
not HTTP error codes: they stay in layers.imports.problems; the import codes an upload or a confirm
can be refused with are listed here, their message taken from that module.
"""

from dataclasses import dataclass

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from layers.imports.problems import MESSAGES as IMPORT_MESSAGES


@dataclass(frozen=True)
class ErrorCode:
    status: int
    message: Promise


def _import(code: str, status: int = 400) -> ErrorCode:
    return ErrorCode(status, IMPORT_MESSAGES[code])


CODES: dict[str, ErrorCode] = {
    # The request: its parameters and body
    "invalid_request": ErrorCode(400, _("The request is not valid.")),
    "bad_request": ErrorCode(400, _("The request is not valid.")),
    "invalid_parameter": ErrorCode(400, _("The request is not valid.")),
    "invalid_bbox": ErrorCode(400, _("The bbox parameter is not valid.")),
    "invalid_datetime": ErrorCode(400, _("The datetime parameter is not valid.")),
    "unknown_parameter": ErrorCode(400, _("The request has a parameter this address does not know.")),
    "invalid_geometry": ErrorCode(400, _("The posted geometry is not a valid polygon.")),
    "invalid_crs": ErrorCode(400, _("The CRS named in the request is not offered here.")),
    "invalid_filter": ErrorCode(400, _("The filter is not valid CQL2 for this collection.")),
    "invalid_text": ErrorCode(400, _("The request holds text that is not valid.")),
    "invalid_json": ErrorCode(400, _("The body is not valid JSON.")),
    "parse_error": ErrorCode(400, _("The body could not be read.")),
    "validation_error": ErrorCode(400, _("Some fields are not valid.")),
    "invalid_style": ErrorCode(400, _("The style is not valid: check its type, colours, classes and sizes.")),
    "unsupported_media_type": ErrorCode(415, _("The body's media type is not accepted here.")),
    "not_acceptable": ErrorCode(406, _("No representation in the asked format (Accept) is available.")),
    "method_not_allowed": ErrorCode(405, _("This address does not answer this method.")),
    # Limits on the request
    "uri_too_long": ErrorCode(414, _("The address is too long.")),
    "headers_too_large": ErrorCode(431, _("The request's headers are too large.")),
    "request_too_large": ErrorCode(413, _("The request body is larger than this server accepts.")),
    "too_many_fields": ErrorCode(400, _("The request has more fields than this server accepts.")),
    "bad_host": ErrorCode(400, _("This server does not answer for the host named in the request.")),
    "expectation_failed": ErrorCode(417, _("The server cannot meet the request's Expect header.")),
    "not_implemented": ErrorCode(501, _("The server does not support what the request asks.")),
    # Who is asking
    "not_authenticated": ErrorCode(401, _("Sign in or send a token to do this.")),
    "authentication_failed": ErrorCode(401, _("The credentials are not valid.")),
    "permission_denied": ErrorCode(403, _("You do not have permission to do this.")),
    "csrf_failed": ErrorCode(403, _("The form could not be checked (it is too old, or cookies are blocked). "
                                    "Reload the page and try again.")),
    "throttled": ErrorCode(429, _("Too many requests. Wait a moment and try again.")),
    "login_locked": ErrorCode(429, _("Too many failed sign-in attempts. Sign-in is locked for a while; try again "
                                     "later.")),
    # What is asked for (hidden answers like unknown: layers.access)
    "not_found": ErrorCode(404, _("Nothing was found at this address.")),
    "layer_not_found": ErrorCode(404, _("There is no such layer, or you are not allowed to see it. Check the slug "
                                        "in /api/layers/.")),
    "feature_not_found": ErrorCode(404, _("This layer has no feature with that id.")),
    "version_not_kept": ErrorCode(404, _("This layer has no kept version with that number: see its history for "
                                         "the versions it can be rolled back to.")),
    "slug_in_use": ErrorCode(409, _("Another layer has this slug now: rename or delete it before restoring this "
                                    "one.")),
    "scene_not_found": ErrorCode(404, _("There is no such scene.")),
    "playlist_not_found": ErrorCode(404, _("There is no such playlist.")),
    "playlist_empty": ErrorCode(404, _("This playlist has no scenes.")),
    # Alerts (monitoring.alert_views): a rule, alert (event) or webhook channel unknown or hidden, alike.
    "rule_not_found": ErrorCode(404, _("There is no such alert rule, or you are not allowed to see it.")),
    "alert_not_found": ErrorCode(404, _("There is no such alert, or you are not allowed to see it.")),
    "channel_not_found": ErrorCode(404, _("There is no such notification channel of yours.")),
    "indicator_not_found": ErrorCode(404, _("There is no such indicator, or you are not allowed to see it. Check the "
                                            "slug in /api/indicators/.")),
    "unit_not_found": ErrorCode(404, _("There is no administrative unit with this code in this boundary set.")),
    # Citizen feedback 1022 (feedback.errors)
    "service_not_found": ErrorCode(404, _("There is no such service (1022 category).")),
    "request_not_found": ErrorCode(404, _("There is no such report.")),
    "outside_province": ErrorCode(400, _("The location is outside every commune of the province.")),
    "transition_not_allowed": ErrorCode(409, _("This step is not allowed in the report's current state.")),
    "rating_not_open": ErrorCode(409, _("A report can be rated once, after it is closed.")),
    # Tiles (tiles.grid, tiles.sources, tiles.raster)
    "invalid_tile": ErrorCode(400, _("The tile's zoom, column or row is not valid.")),
    "unknown_format": ErrorCode(404, _("Tiles are not served in this format.")),
    "format_not_available": ErrorCode(404, _("This layer's tiles are not served in this format.")),
    "raster_unavailable": ErrorCode(503, _("The raster of this layer cannot be read right now.")),
    "range_not_satisfiable": ErrorCode(416, _("The requested byte range lies outside the file.")),
    # The server
    "server_error": ErrorCode(500, _("Something went wrong on our side. It has been logged.")),
    "database_unavailable": ErrorCode(503, _("The database cannot be reached right now (it may be restarting). "
                                             "Try again in a moment.")),
    "query_timeout": ErrorCode(503, _("The request took too long and was stopped. Try a smaller area or fewer "
                                      "layers, or try again later.")),
    # Imports: an upload or a confirm refused (layers.import_views)
    "import_refused": ErrorCode(400, _("The import was refused.")),
    "file_needed": _import("file_needed"),
    "file_empty": ErrorCode(400, _("The file is empty.")),
    "upload_too_large": _import("upload_too_large", 413),
    "unsupported_format": _import("unsupported_format"),
    "bad_slug": _import("bad_slug"),
    "bad_mode": _import("bad_mode"),
    "title_needed": _import("title_needed"),
    "domain_needed": _import("domain_needed"),
    "slug_unavailable": _import("slug_unavailable"),
    "unknown_department": _import("unknown_department"),
    "department_needed": _import("department_needed"),
    "bad_crs": _import("bad_crs"),
    "bad_encoding": _import("bad_encoding"),
    "not_waiting": _import("not_waiting"),
    # Monitoring submissions (monitoring.submissions): a file or body refused as a whole, or a
    # publish / discard of a submission that is no longer a preview.
    "submission_refused": ErrorCode(400, _("The submission was refused.")),
    "submission_closed": ErrorCode(409, _("This submission is no longer a preview: it was published or discarded.")),
    "bad_style": _import("bad_style"),
    # An alert rule that cannot be evaluated (monitoring.rules.check_rule): `fields` says what.
    "invalid_rule": ErrorCode(400, _("This alert rule cannot be evaluated: see the fields.")),
    # The dashboard's print layout (dashboard.print_views)
    "invalid_paper": ErrorCode(400, _("The paper is A4 or A3, portrait or landscape.")),
    "print_image_needed": ErrorCode(400, _("Send the map image to print (the map drawn by the dashboard).")),
    "print_image_invalid": ErrorCode(400, _("The map image to print is not a PNG or JPEG image.")),
    "print_image_too_large": ErrorCode(413, _("The map image is too large to print: choose a smaller paper or "
                                              "print again from the dashboard.")),
}


def error_code(code: str) -> ErrorCode:
    """The registered entry for `code`; ValueError for a code nobody registered."""
    try:
        return CODES[code]
    except KeyError:
        raise ValueError(f"error code {code!r} is not in layers.error_codes.CODES") from None


def _undescribed(response: dict) -> bool:
    schemas = [media.get("schema") or {} for media in (response.get("content") or {}).values()]
    return all(schema.get("type") == "object" and not schema.get("properties") and "$ref" not in schema
               for schema in schemas)


def openapi_errors(result: dict, generator, request, public) -> dict:
    """drf-spectacular postprocessing hook: the `Error` component (the one error shape, its `code` an
    enum of exactly CODES), the default response of every operation, so a generated client types its
    errors."""
    schemas = result.setdefault("components", {}).setdefault("schemas", {})
    schemas["Error"] = {
        "type": "object",
        "description": "Every error response (README, “Errors”).",
        "properties": {
            "detail": {"type": "string", "description": "For people, in the request's language."},
            "code": {"type": "string", "enum": sorted(CODES), "description": "For programs."},
            "fields": {"type": "object", "additionalProperties": True,
                       "description": "For validation errors: each field's messages (a list of strings, or an "
                                      "object of nested fields)."},
        },
        "required": ["detail", "code"],
    }
    error = {"description": "An error (its HTTP status is the code's, README “Errors”)",
             "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}}
    for path in result.get("paths", {}).values():
        for operation in path.values():
            if isinstance(operation, dict) and "responses" in operation:
                operation["responses"].setdefault("default", error)
                # A 4xx/5xx a view names only for its description is still the one error shape, not a
                # body left undescribed or a generic object (a body of its own, the health check's
                # 503, stays as documented).
                for status, response in operation["responses"].items():
                    if status[:1] in ("4", "5") and isinstance(response, dict) and _undescribed(response):
                        response["content"] = error["content"]
    return result
