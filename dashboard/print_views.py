"""POST /api/print.{pdf,png,html}: the dashboard's print layout (dashboard.print). Parses the form, one
call to compose the page, errors in the one shape."""

import io
import json

from django.conf import settings
from django.http import HttpResponse
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema, inline_serializer
from PIL import Image, UnidentifiedImageError
from rest_framework import serializers
from rest_framework.parsers import MultiPartParser
from rest_framework.request import Request
from rest_framework.views import APIView

from dashboard import print as printing
from layers import request_params as params
from layers.errors import ApiError, InvalidBbox, InvalidParameter, NotFound
from layers.rate_limits import SummaryThrottle

TITLE_MAX = 200
AUTHOR_MAX = 120
LAYERS_MAX = 200
FILTERS_MAX = 20_000  # characters of the filters' JSON: a few per layer shown
CONTENT_TYPES = {"pdf": "application/pdf", "png": "image/png", "html": "text/html; charset=utf-8"}


def _image(request: Request) -> tuple[bytes, str, tuple[int, int]]:
    upload = request.FILES.get("image")
    if upload is None or upload.size == 0:
        raise ApiError(code="print_image_needed", fields={"image": [_("This field is required.")]})
    if upload.size > settings.DASHBOARD_PRINT_MAX_IMAGE_BYTES:
        raise ApiError(code="print_image_too_large")
    data = upload.read()
    try:
        with Image.open(io.BytesIO(data)) as image:  # reads the header only
            kind, (width, height) = image.format, image.size
    except (UnidentifiedImageError, OSError):
        raise ApiError(code="print_image_invalid", fields={"image": [_("Not a PNG or JPEG image.")]}) from None
    if kind not in ("PNG", "JPEG"):
        raise ApiError(code="print_image_invalid", fields={"image": [_("Not a PNG or JPEG image.")]})
    if max(width, height) > settings.DASHBOARD_PRINT_MAX_IMAGE_SIDE:
        raise ApiError(code="print_image_too_large")
    return data, f"image/{kind.lower()}", (width, height)


def _bbox(raw: str | None) -> tuple[float, float, float, float]:
    try:
        west, south, east, north = (float(v) for v in (raw or "").split(","))
    except ValueError:
        raise InvalidBbox(_("bbox is the map's extent: minLon,minLat,maxLon,maxLat.")) from None
    if not (-180 <= west < east <= 180 and -90 <= south < north <= 90):
        raise InvalidBbox(_("bbox is inverted or out of range: minLon,minLat,maxLon,maxLat in WGS 84."))
    return west, south, east, north


def _text(request: Request, name: str, limit: int, default: str = "") -> str:
    value = request.data.get(name, default)
    if not isinstance(value, str) or len(value) > limit:
        raise InvalidParameter(_("%(name)s is a text of at most %(n)s characters.") % {"name": name, "n": limit},
                               fields={name: [_("Not valid.")]})
    return value.strip()


def _filters(raw: str) -> dict[str, dict[str, str]]:
    """{layer: {property: value}} from its JSON text ("" for none)."""
    if not raw:
        return {}
    try:
        body = json.loads(raw)
    except ValueError:
        body = None
    scalar = (str, int, float, bool)
    if not (isinstance(body, dict) and all(isinstance(values, dict) and all(
            isinstance(name, str) and isinstance(value, scalar) for name, value in values.items())
            for values in body.values())):
        raise InvalidParameter(_("filters is a JSON object: {layer: {property: value}}."),
                               fields={"filters": [_("Not valid.")]})
    return {slug: {name: str(value).lower() if isinstance(value, bool) else str(value) for name, value in values.items()}
            for slug, values in body.items()}


class PrintMap(APIView):
    parser_classes = (MultiPartParser,)
    throttle_classes = (SummaryThrottle,)

    @extend_schema(
        request={"multipart/form-data": inline_serializer("PrintRequest", {
            "image": serializers.FileField(help_text="The map drawn at the frame's size (PNG or JPEG): the "
                                                     "dashboard config's print.frames at print.dpi."),
            "paper": serializers.ChoiceField(list(printing.PAPERS), required=False, help_text="A4 (default) or A3."),
            "orientation": serializers.ChoiceField(printing.ORIENTATIONS, required=False),
            "title": serializers.CharField(required=False),
            "author": serializers.CharField(required=False, help_text="Default: the caller's name."),
            "lang": serializers.ChoiceField(["vi", "en"], required=False),
            "bbox": serializers.CharField(help_text="The image's extent: minLon,minLat,maxLon,maxLat (WGS 84)."),
            "layers": serializers.CharField(required=False, help_text="Slugs of the layers shown, comma-separated, "
                                                                      "top first; those the caller may not see are left out."),
            "datetime": serializers.CharField(required=False, help_text="The time window shown (RFC 3339 interval)."),
            "filters": serializers.CharField(required=False, help_text="The attribute filters the map was drawn "
                                                                       "with, as JSON: {layer: {property: value}}; "
                                                                       "the legend says them."),
        })},
        responses={(200, "application/pdf"): OpenApiTypes.BINARY, (200, "image/png"): OpenApiTypes.BINARY,
                   (200, "text/html"): OpenApiTypes.STR},
        summary="The map as a printed page (A4/A3, portrait/landscape): title, legend, scale, north arrow, "
                "time window, sources and licences, author and date",
    )
    def post(self, request: Request, fmt: str):
        if fmt not in printing.FORMATS:
            raise NotFound()
        sheet = printing.sheet(request.data.get("paper") or "A4", request.data.get("orientation") or "landscape")
        lang = request.data.get("lang") or ("en" if params.english(request) else "vi")
        if lang not in ("vi", "en"):
            raise InvalidParameter(_("lang is vi or en."), fields={"lang": [_("Not valid.")]})
        bbox = _bbox(request.data.get("bbox"))
        start, end = params.window(request.data.get("datetime") or None)
        slugs = [s for s in _text(request, "layers", LAYERS_MAX * 60).split(",") if s]
        user = request.user
        name = (user.get_full_name() or user.get_username()) if user.is_authenticated else ""
        image, image_type, image_size = _image(request)
        job = printing.Job(
            sheet=sheet, title=_text(request, "title", TITLE_MAX) or "Geo IOC",
            author=_text(request, "author", AUTHOR_MAX) or name, lang=lang, image=image, image_type=image_type,
            image_size=image_size,
            bbox=bbox, layers=slugs[:LAYERS_MAX], start=start, end=end,
            filters=_filters(_text(request, "filters", FILTERS_MAX)),
        )
        html = printing.render_html(user, job)
        if fmt == "html":
            return HttpResponse(html, content_type=CONTENT_TYPES[fmt])
        body = printing.render_pdf(html)
        if fmt == "png":
            body = printing.render_png(body)
        response = HttpResponse(body, content_type=CONTENT_TYPES[fmt])
        response["Content-Disposition"] = f'attachment; filename="geo-ioc-map.{fmt}"'
        return response
