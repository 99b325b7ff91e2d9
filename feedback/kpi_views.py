"""GET /api/feedback/kpis/: the KPIs of the reports, for whoever may see the feedback layer."""

from dataclasses import asdict

from django.conf import settings
from django.utils import timezone
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from feedback import response_shapes
from feedback.kpis import GROUPS, kpis
from layers.access import get_visible_layer
from layers.errors import InvalidParameter, UnknownParameter
from layers.filters import parse_datetime_interval

_KNOWN = {"by", "datetime"}


class Kpis(APIView):
    @extend_schema(summary="1022 KPIs per commune, handling unit or category", parameters=[
        OpenApiParameter("by", str, enum=sorted(GROUPS), description="commune (default), department or category"),
        OpenApiParameter("datetime", str, description="Window of reception: an RFC 3339 interval or a date."),
    ], responses={200: response_shapes.Kpis,
                  400: OpenApiResponse(description="An unknown parameter, `by` or `datetime` not valid"),
                  404: OpenApiResponse(description="The reports' layer is hidden from the caller")})
    def get(self, request: Request) -> Response:
        get_visible_layer(request.user, settings.FEEDBACK_LAYER)  # the one access rule, hidden like unknown
        unknown = set(request.query_params) - _KNOWN
        if unknown:
            raise UnknownParameter(fields={name: ["unknown"] for name in sorted(unknown)})
        by = request.query_params.get("by", "commune")
        if by not in GROUPS:
            raise InvalidParameter(fields={"by": [", ".join(sorted(GROUPS))]})
        raw = request.query_params.get("datetime", "")
        start, end = parse_datetime_interval(raw) if raw else (None, None)
        now = timezone.now()
        rows = kpis(by=by, start=start, end=end, now=now)
        return Response({"by": by, "start": start, "end": end, "now": now, "groups": [asdict(k) for k in rows]})
