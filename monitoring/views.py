"""Thin HTTP edges of the monitoring API: parse, ask monitoring.access, call one function, shape."""

import json

from django.conf import settings
from django.db.models import Max, Prefetch
from django.http import HttpResponse
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.exceptions import NotAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from layers.access import visible_layers
from layers.errors import NotFound
from monitoring import freshness, params, response_shapes
from monitoring.access import (
    get_own_submission,
    get_submittable_indicator,
    get_visible_indicator,
    visible_indicators,
    visible_submissions,
)
from monitoring.bands import BANDS
from monitoring.models import AdminUnit, Indicator, Service, Submission
from monitoring.submissions import (
    SubmissionRefused,
    create_preview,
    discard,
    publish,
    read_json,
    read_table,
)
from monitoring.units import version_at
from monitoring.values import Window, read_values, read_values_json


class UnitNotFound(NotFound):
    code = "unit_not_found"


def _en() -> bool:
    return (get_language() or "vi").startswith("en")


def _title(obj) -> str:
    return obj.title_en if _en() else obj.title_vi


def indicator_entry(indicator: Indicator, *, latest, now) -> dict:
    fresh = freshness.freshness_of(indicator, latest=latest, now=now)
    layer = indicator.layer
    return {
        "slug": indicator.slug,
        "title": _title(indicator), "title_vi": indicator.title_vi, "title_en": indicator.title_en,
        "service": indicator.service.slug,
        "department": indicator.service.department.code,
        "unit": indicator.unit_en if _en() and indicator.unit_en else indicator.unit,
        "period_type": indicator.period_type,
        "admin_level": indicator.admin_level,
        "aggregation": indicator.aggregation,
        "numerator": indicator.numerator.slug if indicator.numerator_id else None,
        "denominator": indicator.denominator.slug if indicator.denominator_id else None,
        "scale": indicator.scale,
        "direction": indicator.direction,
        "bands": {"watch_at": indicator.watch_at, "critical_at": indicator.critical_at,
                  "legend": [{"band": b, "color": c, "label": en if _en() else vi} for b, c, vi, en in BANDS]},
        "range": {"min": indicator.min_value, "max": indicator.max_value},
        "decimals": indicator.decimals,
        "access": layer.access if layer else indicator.access,
        "layer": layer.slug if layer else None,
        "layer_version": layer.version if layer else None,
        "freshness": fresh.as_dict(),
        "links": {
            "self": f"/api/indicators/{indicator.slug}/",
            "values": f"/api/indicators/{indicator.slug}/values/",
            "layer": f"/api/layers/{layer.slug}/" if layer else None,
            "features": f"/api/layers/{layer.slug}/features/" if layer else None,
            "tilejson": f"/tiles/{layer.slug}.json" if layer else None,
            "style": f"/tiles/styles/{layer.slug}.json" if layer else None,
        },
    }


def _entries(indicators: list[Indicator]) -> list[dict]:
    latest = freshness.latest_periods(indicators)
    now = timezone.now()
    return [indicator_entry(i, latest=latest.get(i.pk), now=now) for i in indicators]


class ServiceList(APIView):
    @extend_schema(
        summary="The monitoring services with the indicators the caller may see, their freshness and the "
                "departments' on-time KPI",
        responses=response_shapes.MonitoringServices,
    )
    def get(self, request: Request) -> Response:
        params.only(request.query_params, set())
        indicators = list(visible_indicators(request.user))
        entries = dict(zip([i.pk for i in indicators], _entries(indicators)))
        services = []
        for service in Service.objects.select_related("department").prefetch_related(
                Prefetch("layers", queryset=visible_layers(request.user))):
            own = [entries[i.pk] for i in indicators if i.service_id == service.pk]
            services.append({
                "slug": service.slug, "title": _title(service), "title_vi": service.title_vi,
                "title_en": service.title_en,
                "department": {"code": service.department.code, "name": service.department.name_en if _en()
                               else service.department.name_vi},
                "due": {"rule": service.due_rule, "day": service.due_day, "hour": service.due_hour},
                "freshness": freshness.worst([e["freshness"]["state"] for e in own]),
                "indicators": own,
                "layers": [layer.slug for layer in service.layers.all()],
            })
        return Response({"services": services, "departments": freshness.on_time_kpi()})


class IndicatorList(APIView):
    @extend_schema(
        summary="The indicators the caller may see",
        parameters=[OpenApiParameter("service", str, description="Only the indicators of this service (slug).")],
        responses=response_shapes.Indicators,
    )
    def get(self, request: Request) -> Response:
        params.only(request.query_params, {"service"})
        indicators = visible_indicators(request.user)
        if request.query_params.get("service"):
            indicators = indicators.filter(service__slug=request.query_params["service"])
        data = _entries(list(indicators))
        return Response({"indicators": data, "count": len(data)})


class IndicatorDetail(APIView):
    @extend_schema(summary="One indicator", responses={
        200: response_shapes.IndicatorEntry, 404: OpenApiResponse(description="Unknown, or hidden from the caller")})
    def get(self, request: Request, slug: str) -> Response:
        params.only(request.query_params, set())
        indicator = get_visible_indicator(request.user, slug)
        return Response(_entries([indicator])[0])


class IndicatorValues(APIView):
    @extend_schema(
        summary="An indicator's values per unit and period, on either boundary set",
        description="Each value says its band, the boundary set it is given on and, when it was carried over "
                    "the 2025 boundary change (re-aggregated by the crosswalk), `derived: true` and the set it "
                    "comes from. `province` gives each period's total (sum, ratio of sums or weighted mean).",
        parameters=[
            OpenApiParameter("boundary", str, enum=["2022", "2025"],
                             description="The boundary set to read the values on; default: the set valid at "
                                         "each period."),
            OpenApiParameter("unit", str, description="GSO codes, comma-separated."),
            OpenApiParameter("period", str, description="One period (2025-07, 2025-Q3, 2025…)."),
            OpenApiParameter("from", str, description="The first period included."),
            OpenApiParameter("to", str, description="The last period included."),
        ],
        responses=response_shapes.IndicatorValues,
    )
    def get(self, request: Request, slug: str) -> Response:
        q = request.query_params
        params.only(q, {"boundary", "unit", "period", "from", "to"})
        indicator = get_visible_indicator(request.user, slug)
        boundary = params.boundary(q)
        one = params.period(q, "period", indicator)
        window = Window(unit_codes=params.unit_codes(q), first=one or params.period(q, "from", indicator),
                        last=one or params.period(q, "to", indicator))
        found = read_values_json(indicator, boundary=boundary, window=window)
        # Built by PostgreSQL (monitoring.values): handed on as it is, not parsed and rendered again.
        head = json.dumps({"indicator": indicator.slug, "boundary": boundary.code if boundary else None,
                           "unit": indicator.unit}, ensure_ascii=False)
        return HttpResponse(head[:-1] + "," + found[1:], content_type="application/json")


def _unit_entry(unit: AdminUnit) -> dict:
    return {"code": unit.code, "name": unit.name, "short_name": unit.short_name, "level": unit.level,
            "boundary": unit.version.code, "parent": unit.parent.code if unit.parent_id else None,
            "population": unit.population, "area_km2": round(unit.area_km2, 2)}


class UnitList(APIView):
    @extend_schema(
        summary="Administrative units of a boundary set",
        parameters=[
            OpenApiParameter("boundary", str, enum=["2022", "2025"], description="The boundary set."),
            OpenApiParameter("at", OpenApiTypes.DATE, description="The set valid on this day (default: today)."),
            OpenApiParameter("level", str, enum=["district", "commune"], description="Only units of this level."),
        ],
        # Before the first boundary set (or between sets) no set was valid: the answer says so with
        # nulls and no units rather than an error, as a time slider walks across dates.
        responses=inline_serializer("AdminUnits", {"boundary": serializers.CharField(allow_null=True),
                                                   "valid_from": serializers.DateField(allow_null=True),
                                                   "valid_to": serializers.DateField(allow_null=True),
                                                   "units": response_shapes.UnitEntry(many=True)}),
    )
    def get(self, request: Request) -> Response:
        q = request.query_params
        params.only(q, {"boundary", "at", "level"})
        version = params.boundary(q) or version_at(params.day(q, "at") or timezone.localdate())
        units = AdminUnit.objects.filter(version=version).select_related("version", "parent")
        if q.get("level"):
            if q["level"] not in ("district", "commune"):
                raise params.InvalidParameter(_("level must be district or commune."),
                                              fields={"level": [_("Unknown level.")]})
            units = units.filter(level=q["level"])
        return Response({"boundary": version.code if version else None,
                         "valid_from": version.valid_from if version else None,
                         "valid_to": version.valid_to if version else None,
                         "units": [_unit_entry(u) for u in units]})


class UnitProfile(APIView):
    @extend_schema(
        summary="Every indicator the caller may see for one unit: its latest value, band and rank among units",
        parameters=[
            OpenApiParameter("boundary", str, enum=["2022", "2025"],
                             description="The boundary set of the code (default: the set valid today, then the "
                                         "older ones)."),
            OpenApiParameter("period", str, description="The period (default: each indicator's latest)."),
        ],
        responses={200: response_shapes.UnitProfile,
                   404: OpenApiResponse(description="No unit with this code (in this boundary set)")},
    )
    def get(self, request: Request, code: str) -> Response:
        q = request.query_params
        params.only(q, {"boundary", "period"})
        version = params.boundary(q)
        units = AdminUnit.objects.filter(code=code).select_related("version", "parent").order_by("-version__valid_from")
        unit = (units.filter(version=version) if version else units).first()
        if unit is None:
            raise UnitNotFound()
        indicators = [i for i in visible_indicators(request.user) if i.admin_level == unit.level]
        latest = dict(Indicator.objects.filter(pk__in=[i.pk for i in indicators])
                      .annotate(latest=Max("values__period_start")).values_list("pk", "latest"))
        profile = []
        for indicator in indicators:
            period = params.period(q, "period", indicator) or latest.get(indicator.pk)
            if period is None:
                continue
            found = read_values(indicator, boundary=unit.version, window=Window(first=period, last=period))["values"]
            mine = next((v for v in found if v["unit"] == unit.code), None)
            if mine is None:
                continue
            better = (lambda v: v["value"] > mine["value"]) if indicator.direction == "higher_better" else \
                (lambda v: v["value"] < mine["value"])
            profile.append({
                "indicator": indicator.slug, "title": _title(indicator), "service": indicator.service.slug,
                "unit": indicator.unit, "period": mine["period"], "value": mine["value"], "band": mine["band"],
                "derived": mine["derived"], "rank": 1 + sum(1 for v in found if better(v)), "of": len(found),
            })
        return Response({"unit": _unit_entry(unit), "indicators": profile})


def _submission_entry(submission: Submission, *, full: bool) -> dict:
    entry = {
        "id": submission.pk, "indicator": submission.indicator.slug, "department": submission.department.code,
        "boundary": submission.version.code, "channel": submission.channel, "file_name": submission.file_name,
        "status": submission.status, "counts": submission.counts,
        "created_by": submission.created_by.get_username() if submission.created_by else None,
        "created_at": submission.created_at,
        "published_by": submission.published_by.get_username() if submission.published_by else None,
        "published_at": submission.published_at,
        "first_period": submission.first_period, "last_period": submission.last_period,
        "due_at": submission.due_at,
        "on_time": (submission.published_at <= submission.due_at
                    if submission.published_at and submission.due_at else None),
        "links": {"self": f"/api/indicators/submissions/{submission.pk}/",
                  "publish": f"/api/indicators/submissions/{submission.pk}/publish",
                  "discard": f"/api/indicators/submissions/{submission.pk}/discard"},
    }
    if full:
        entry["problems"] = submission.report.get("problems", [])
        entry["changes"] = submission.report.get("changes", [])
    return entry


def _signed_in(request: Request) -> None:
    if not (request.user and request.user.is_authenticated and request.user.is_active):
        raise NotAuthenticated()


_SIGNED_IN = {401: OpenApiResponse(description="Not signed in")}
_NOT_OURS = {404: OpenApiResponse(description="No such submission among the caller's department's")}
_CLOSED = OpenApiResponse(description="No longer a preview: published or discarded (`submission_closed`)")
_SUBMISSION_BODY = {
    "multipart/form-data": {"type": "object", "properties": {
        "indicator": {"type": "string"}, "boundary": {"type": "string", "enum": ["2022", "2025"]},
        "file": {"type": "string", "format": "binary",
                 "description": "CSV (UTF-8) or XLSX: columns unit (GSO code or name), period, value; district "
                                "optional"}}, "required": ["indicator", "file"]},
    "application/json": {"type": "object", "properties": {
        "indicator": {"type": "string"}, "boundary": {"type": "string", "enum": ["2022", "2025"]},
        "rows": {"type": "array", "items": {"type": "object", "properties": {
            "unit": {"type": "string"}, "district": {"type": "string"}, "period": {"type": "string"},
            "value": {"type": "number"}}}}}, "required": ["indicator", "rows"]},
}


class SubmissionList(APIView):
    @extend_schema(
        summary="The ledger: every submission of the indicators the caller may see",
        parameters=[OpenApiParameter("indicator", str), OpenApiParameter("status", str,
                                                                          enum=["preview", "published", "discarded"])],
        responses={200: response_shapes.Submissions, **_SIGNED_IN},
    )
    def get(self, request: Request) -> Response:
        _signed_in(request)
        q = request.query_params
        params.only(q, {"indicator", "status", "limit"})
        submissions = visible_submissions(request.user).select_related(
            "indicator", "department", "version", "created_by", "published_by")
        if q.get("indicator"):
            submissions = submissions.filter(indicator__slug=q["indicator"])
        if q.get("status"):
            submissions = submissions.filter(status=q["status"])
        try:
            limit = min(max(int(q.get("limit", 200)), 1), 1000)
        except ValueError:
            raise params.InvalidParameter(_("limit must be a whole number."), fields={"limit": [_("Not a number.")]}) \
                from None
        data = [_submission_entry(s, full=False) for s in submissions.order_by("-id")[:limit]]
        return Response({"submissions": data, "count": len(data)})

    @extend_schema(
        summary="Submit values of an indicator (CSV/XLSX upload or JSON rows): answers with the preview",
        request=_SUBMISSION_BODY,
        responses={201: OpenApiResponse(response_shapes.SubmissionPreview,
                                        description="The preview: counts, problems per row, changes"),
                   400: OpenApiResponse(description="The file or rows refused as a whole (`submission_refused`)"),
                   **_SIGNED_IN, 403: OpenApiResponse(description="Another department's indicator"),
                   404: OpenApiResponse(description="Unknown indicator, or hidden from the caller")},
    )
    def post(self, request: Request) -> Response:
        _signed_in(request)
        data = request.data
        if not hasattr(data, "get"):
            raise SubmissionRefused(_("The body must be an object: {indicator, rows} or a form with a file."),
                                    fields={"body": [_("Not an object.")]})
        slug = data.get("indicator")
        if not isinstance(slug, str) or not slug:
            raise SubmissionRefused(_("Name the indicator (its slug)."), fields={"indicator": [_("Required.")]})
        indicator = get_submittable_indicator(request.user, slug)
        boundary = params.boundary({"boundary": data.get("boundary")} if isinstance(data.get("boundary"), str)
                                   else {})
        upload = request.FILES.get("file") if hasattr(request, "FILES") else None
        if upload is not None:
            if upload.size > settings.MONITORING_MAX_UPLOAD_BYTES:
                raise SubmissionRefused(_("The file is larger than this server accepts."),
                                        fields={"file": [_("Too large.")]})
            channel, rows = read_table(upload.read(), file_name=upload.name or "")
            name = upload.name or ""
        elif "rows" in data:
            rows, channel, name = read_json(data), "json", ""
        else:
            raise SubmissionRefused(_("Send a file (CSV or XLSX) or JSON rows."), fields={"file": [_("Required.")]})
        submission = create_preview(indicator, rows, channel=channel, file_name=name, boundary=boundary,
                                    user=request.user)
        return Response(_submission_entry(submission, full=True), status=201)


class SubmissionDetail(APIView):
    @extend_schema(summary="One submission of the caller's department, with its preview",
                   responses={200: response_shapes.SubmissionPreview, **_SIGNED_IN, **_NOT_OURS})
    def get(self, request: Request, submission_id: int) -> Response:
        _signed_in(request)
        return Response(_submission_entry(get_own_submission(request.user, submission_id), full=True))


class SubmissionPublish(APIView):
    @extend_schema(summary="Publish a previewed submission (all its matched rows at once)", request=None,
                   responses={200: response_shapes.Submission, **_SIGNED_IN, **_NOT_OURS, 409: _CLOSED})
    def post(self, request: Request, submission_id: int) -> Response:
        _signed_in(request)
        submission = get_own_submission(request.user, submission_id)
        return Response(_submission_entry(publish(submission.pk, user=request.user), full=False))


class SubmissionDiscard(APIView):
    @extend_schema(summary="Discard a previewed submission", request=None,
                   responses={200: response_shapes.Submission, **_SIGNED_IN, **_NOT_OURS, 409: _CLOSED})
    def post(self, request: Request, submission_id: int) -> Response:
        _signed_in(request)
        submission = get_own_submission(request.user, submission_id)
        return Response(_submission_entry(discard(submission.pk), full=False))
