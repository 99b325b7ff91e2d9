"""Thin HTTP edges of the planners' tools: proximity and aggregate by unit. Each parses the body,
asks layers.access for every layer it names (a hidden one answers like an unknown one: 404), calls one
function of analysis.proximity / aggregates and returns its answer as JSON with GeoJSON parts."""

import math
from typing import Any

import shapely
from django.http import HttpResponse
from django.utils import translation
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView
from shapely.geometry import Point, mapping
from shapely.geometry.base import BaseGeometry

from analysis import (
    aggregates,
    compliance,
    proximity,
    reports,
    response_shapes,
    saved_checks,
    zone_files,
    zones,
)
from analysis.models import USES
from analysis.units import Units, admin_units
from layers import request_params as params
from layers.access import Caller, get_visible_layer
from layers.errors import FeatureNotFound, InvalidParameter, NotFound
from layers.models import Kind, Layer
from layers.polygons import polygon_from_geojson
from layers.rate_limits import SummaryThrottle

# Every tool names its layers: an unknown or hidden one answers 404 like a wrong id (layers.access).
_REFUSED = {400: OpenApiResponse(description="A field is missing or not valid: `fields` names it"),
            404: OpenApiResponse(description="A layer, zone or check unknown or hidden from the caller"),
            429: OpenApiResponse(description="Too many summaries asked in a short time")}
MODES = ("within", "nearest", "coverage")


def _vector_layer(user: Caller, raw: Any, field: str) -> Layer:
    if not isinstance(raw, str) or not raw:
        raise InvalidParameter(_("Name a layer by its slug."), fields={field: [_("This field is required.")]})
    layer = get_visible_layer(user, raw)
    if layer.kind != Kind.VECTOR:
        raise InvalidParameter(_("Only vector layers can be asked this."), fields={field: [_("Not valid.")]})
    return layer


def _number(raw: Any, field: str) -> float:
    if isinstance(raw, bool) or not isinstance(raw, (int, float)) or not math.isfinite(raw):
        raise InvalidParameter(_("This must be a number."), fields={field: [_("Not valid.")]})
    return float(raw)


def _object(raw: Any, field: str) -> dict:
    if not isinstance(raw, dict):
        raise InvalidParameter(_("This must be a JSON object."), fields={field: [_("Not valid.")]})
    return raw


def _point(raw: Any) -> Point:
    if (not isinstance(raw, list) or len(raw) != 2
            or not all(isinstance(v, (int, float)) and not isinstance(v, bool) and math.isfinite(v) for v in raw)
            or not (-180 <= raw[0] <= 180 and -90 <= raw[1] <= 90)):
        raise InvalidParameter(_("A point is [longitude, latitude] in WGS 84 degrees."),
                               fields={"point": [_("Not valid.")]})
    return Point(raw[0], raw[1])


def _area(user: Caller, spec: dict) -> BaseGeometry | None:
    """A zone by id or a GeoJSON polygon (any CRS the document names), if the spec gives one."""
    if "zone" in spec:
        raw = spec["zone"]
        if isinstance(raw, bool) or not isinstance(raw, (int, str)):
            raise FeatureNotFound()
        return shapely.from_wkb(bytes(zones.get_zone(user, params.feature_id(str(raw))).geom.wkb))
    if "geometry" in spec:
        return polygon_from_geojson(spec["geometry"])
    return None


def _units(user: Caller, body: dict, start, end) -> Units:
    """`units` (a polygon layer), else `boundary` (2022 | 2025), else the boundary set valid at the
    end of the window (or its start, or today): the monitoring app's units."""
    slug = body.get("units") if isinstance(body.get("units"), str) else None
    boundary = body.get("boundary")
    return admin_units(user, slug=slug, boundary=str(boundary) if boundary is not None else None, on=end or start)


def _answer(answer: proximity.Answer) -> dict:
    return {"mode": answer.mode, "count": answer.count, "versions": answer.versions,
            "features": {"type": "FeatureCollection", "features": answer.features},
            "units": {"type": "FeatureCollection", "features": answer.units} if answer.mode == "coverage" else None}


class Proximity(APIView):
    throttle_classes = [SummaryThrottle]

    @extend_schema(
        request=inline_serializer("ProximityRequest", {
            "mode": serializers.ChoiceField(MODES),
            "layer": serializers.CharField(help_text="The layer whose features are looked for."),
            "distance_m": serializers.FloatField(required=False, help_text="within, coverage: metres on the spheroid."),
            "near": serializers.JSONField(required=False, help_text='within: {"layer": slug} | {"zone": id} | {"geometry": GeoJSON polygon}'),
            "n": serializers.IntegerField(required=False, help_text="nearest: how many (1–100)."),
            "from": serializers.JSONField(required=False, help_text='nearest: {"point": [lon, lat]} | {"layer": slug}'),
            "units": serializers.CharField(required=False, help_text="coverage: a polygon layer of units (default: the administrative units)."),
            "boundary": serializers.ChoiceField(["2022", "2025"], required=False, help_text="coverage: the monitoring boundary set (default: the one valid at the window's end, or today)."),
            "of": serializers.CharField(required=False, help_text="coverage: the layer whose features are covered (default: the units' area and population)."),
            "datetime": serializers.CharField(required=False),
        }),
        responses={200: response_shapes.ProximityAnswer, **_REFUSED},
        summary="Features within a distance, the nearest N, or coverage per unit, over visible layers",
    )
    def post(self, request: Request) -> Response:
        body = params.object_body(request)
        user = request.user
        mode = body.get("mode")
        if mode not in MODES:
            raise InvalidParameter(_("mode is one of within, nearest, coverage."), fields={"mode": [_("Not valid.")]})
        layer = _vector_layer(user, body.get("layer"), "layer")
        start, end = params.window(body.get("datetime"))
        if mode == "within":
            near = _object(body.get("near"), "near")
            metres = _number(body.get("distance_m"), "distance_m")
            near_layer = _vector_layer(user, near["layer"], "near") if "layer" in near else None
            area = None if near_layer is not None else _area(user, near)
            answer = proximity.within(layer=layer, metres=metres, near_layer=near_layer, near=area, start=start, end=end)
        elif mode == "nearest":
            origin = _object(body.get("from"), "from")
            from_layer = _vector_layer(user, origin["layer"], "from") if "layer" in origin else None
            point = _point(origin.get("point")) if from_layer is None else None
            answer = proximity.nearest(layer=layer, n=body.get("n", 1), point=point, from_layer=from_layer,
                                       start=start, end=end)
        else:
            units = _units(user, body, start, end)
            of = _vector_layer(user, body["of"], "of") if body.get("of") is not None else None
            answer = proximity.coverage(layer=layer, metres=_number(body.get("distance_m"), "distance_m"),
                                        units=units, of=of, start=start, end=end)
        return Response(_answer(answer))


class Aggregate(APIView):
    throttle_classes = [SummaryThrottle]

    @extend_schema(
        request=inline_serializer("AggregateRequest", {
            "layer": serializers.CharField(),
            "op": serializers.ChoiceField(aggregates.OPERATIONS),
            "property": serializers.CharField(required=False, help_text="sum, avg: a numeric property."),
            "units": serializers.CharField(required=False, help_text="A polygon layer of units (default: the administrative units)."),
            "boundary": serializers.ChoiceField(["2022", "2025"], required=False, help_text="The monitoring boundary set to count by (default: the one valid at the window's end, or today)."),
            "datetime": serializers.CharField(required=False),
        }),
        responses={200: response_shapes.AggregateAnswer, **_REFUSED},
        summary="A layer's count, sum or average per administrative unit, as a table and a choropleth",
    )
    def post(self, request: Request) -> Response:
        body = params.object_body(request)
        layer = _vector_layer(request.user, body.get("layer"), "layer")
        start, end = params.window(body.get("datetime"))
        units = _units(request.user, body, start, end)
        result = aggregates.aggregate_by_unit(layer=layer, units=units, op=body.get("op", "count"),
                                              prop=body.get("property"), start=start, end=end)
        return Response({"op": result.op, "property": result.prop, "versions": result.versions, "by": result.by,
                         "units": {"type": "FeatureCollection", "features": result.units}})


class Compliance(APIView):
    throttle_classes = [SummaryThrottle]

    @extend_schema(
        request=inline_serializer("ComplianceRequest", {
            "use": serializers.ChoiceField(USES),
            "geometry": serializers.JSONField(required=False, help_text="A GeoJSON polygon (any CRS the document names)."),
            "zone": serializers.IntegerField(required=False, help_text="Or a saved zone's id."),
        }),
        responses={200: response_shapes.ComplianceAnswer, **_REFUSED},
        summary="Check a proposed zone and intended use against the plan-compliance rules",
    )
    def post(self, request: Request) -> Response:
        body = params.object_body(request)
        zone = _area(request.user, body)
        if zone is None:
            raise InvalidParameter(_("Send the proposed zone: a GeoJSON geometry or a zone id."),
                                   fields={"geometry": [_("This field is required.")]})
        check = compliance.check_zone(request.user, zone, use=body.get("use"))
        # A signed-in caller's check is kept, so a report or a meeting can name it by its id.
        saved = saved_checks.save(request.user, zone, check)
        return Response(saved_checks.answer(request, saved_checks.record(check), check_id=saved.pk if saved else None))


class ComplianceDetail(APIView):
    @extend_schema(responses={200: response_shapes.KeptComplianceCheck,
                              404: OpenApiResponse(description="Not one of the caller's kept checks")},
                   summary="A kept compliance check, as it was answered (its author only)")
    def get(self, request: Request, check_id: str) -> Response:
        kept = saved_checks.get(request.user, check_id)
        return Response(saved_checks.answer(request, saved_checks.kept_record(kept), check_id=kept.pk,
                                            created=kept.created, geometry=mapping(shapely.from_wkb(bytes(kept.zone.wkb)))))


class ZoneFile(APIView):
    """A proposed zone uploaded as a file (analysis.zone_files): answers the polygon it outlines, which
    the dashboard then summarises, checks and prints like a drawn one."""

    throttle_classes = [SummaryThrottle]

    @extend_schema(
        request={"multipart/form-data": inline_serializer("ZoneFileRequest", {
            "file": serializers.FileField(help_text="GeoJSON, a zipped Shapefile, GeoPackage, KML or KMZ holding polygons."),
            "crs": serializers.CharField(required=False, help_text="The file's CRS when it does not say (e.g. EPSG:9210)."),
        })},
        responses={200: response_shapes.ZoneFromFile,
                   400: OpenApiResponse(description="No file, or not a zone: no polygon, an unknown CRS, a bad file"),
                   429: _REFUSED[429]},
        summary="Read a proposed zone from a file (through the import readers): one polygon in WGS 84",
    )
    def post(self, request: Request) -> Response:
        upload = request.FILES.get("file")
        if upload is None:
            raise InvalidParameter(_("Send the zone's file in the form field “file”."),
                                   fields={"file": [_("This field is required.")]})
        named = request.data.get("crs")
        zone, read = zone_files.zone_from_upload(upload.name, upload.chunks(),
                                                 crs=named if isinstance(named, str) and named.strip() else None)
        return Response({"type": "Feature", "geometry": mapping(zone), "properties": read})


REPORT_TITLE_MAX = 200


class Report(APIView):
    throttle_classes = [SummaryThrottle]

    @extend_schema(
        request=inline_serializer("ReportRequest", {
            "geometry": serializers.JSONField(required=False, help_text="A GeoJSON polygon (any CRS the document names)."),
            "zone": serializers.IntegerField(required=False, help_text="Or a saved zone's id."),
            "check": serializers.IntegerField(required=False, help_text="Or a kept compliance check's id (its zone and use)."),
            "use": serializers.ChoiceField(USES, required=False, help_text="With an intended use, the plan-compliance check too."),
            "title": serializers.CharField(required=False),
            "lang": serializers.ChoiceField(["vi", "en"], required=False),
            "datetime": serializers.CharField(required=False),
        }),
        responses={(200, "application/pdf"): OpenApiTypes.BINARY, (200, "text/html"): OpenApiTypes.STR},
        summary="A printable report of a zone (summary, rasters, compliance check): PDF or HTML",
    )
    def post(self, request: Request, fmt: str) -> HttpResponse:
        if fmt not in ("pdf", "html"):
            raise NotFound()
        body = params.object_body(request)
        kept = saved_checks.get(request.user, str(body["check"])) if "check" in body else None
        zone = shapely.from_wkb(bytes(kept.zone.wkb)) if kept else _area(request.user, body)
        if zone is None:
            raise InvalidParameter(_("Send the zone: a GeoJSON geometry, a zone id or a check id."),
                                   fields={"geometry": [_("This field is required.")]})
        lang = body.get("lang") or ("en" if params.english(request) else "vi")
        with translation.override(lang if lang in ("vi", "en") else None):
            title = body.get("title") or (kept.title if kept and kept.title else None) or (
                _("Compliance check #%(id)s") % {"id": kept.pk} if kept else _("Zone report"))
        if lang not in ("vi", "en") or not isinstance(title, str) or len(title) > REPORT_TITLE_MAX:
            raise InvalidParameter(_("lang is vi or en; a title has at most 200 characters."),
                                   fields={"lang" if lang not in ("vi", "en") else "title": [_("Not valid.")]})
        use = body.get("use", kept.use if kept else None)
        if use is not None and use not in USES:
            raise InvalidParameter(_("The intended use is one of: %(uses)s.") % {"uses": ", ".join(USES)},
                                   fields={"use": [_("Not valid.")]})
        start, end = params.window(body.get("datetime"))
        report = reports.build_report(request.user, zone, title=title, lang=lang, use=use, start=start, end=end,
                                      kept=kept)
        if fmt == "pdf":
            response = HttpResponse(reports.render_pdf(report), content_type="application/pdf")
            response["Content-Disposition"] = 'inline; filename="report.pdf"'
            return response
        return HttpResponse(reports.render_html(report, nonce=str(request.csp_nonce)), content_type="text/html; charset=utf-8")
