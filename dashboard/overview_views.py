"""GET /api/overview/: the "today" overview (dashboard.overview) over a preset or a custom window."""

from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from dashboard.overview import PRESET_NAMES, overview, platform_now, preset_window
from layers.errors import InvalidParameter, UnknownParameter
from layers.filters import parse_datetime_interval
from wall.timeframe import Window

_KNOWN = {"preset", "datetime"}


# The answer's shape, for the OpenAPI document only (the view answers plain dicts).
class _Card(serializers.Serializer):
    key = serializers.ChoiceField(choices=["new_reports", "processed_reports", "overdue_reports", "incidents",
                                           "stations_over_limit", "alerts_firing", "alerts_unacknowledged",
                                           "indicators_critical", "late_data"])
    value = serializers.IntegerField(allow_null=True)
    previous = serializers.IntegerField(allow_null=True)
    better = serializers.ChoiceField(choices=["up", "down"], allow_null=True)
    band = serializers.ChoiceField(choices=["good", "watch", "critical", "none"])
    layer = serializers.CharField(allow_null=True)


class _Item(serializers.Serializer):
    kind = serializers.ChoiceField(choices=["overdue_report", "alert", "indicator_critical", "late_data",
                                            "station_over_limit"])
    severity = serializers.ChoiceField(choices=["critical", "watch"])
    title_vi = serializers.CharField()
    title_en = serializers.CharField()
    detail = serializers.CharField(allow_blank=True)
    at = serializers.ListField(child=serializers.FloatField(), min_length=2, max_length=2, allow_null=True,
                               help_text="[longitude, latitude] to fly the map to; null when it has no place")
    layer = serializers.CharField(allow_null=True)


class _Overview(serializers.Serializer):
    now = serializers.DateTimeField(help_text="The platform's now (settings.WALL_NOW, else the clock).")
    start = serializers.DateTimeField()
    end = serializers.DateTimeField()
    preset = serializers.ChoiceField(choices=[*PRESET_NAMES, "custom"])
    cards = _Card(many=True)
    attention = _Item(many=True)


class Overview(APIView):
    @extend_schema(summary="What needs attention: KPI cards and a list, over the caller's visible data", parameters=[
        OpenApiParameter("preset", str, enum=list(PRESET_NAMES),
                         description="today (the province's day up to the platform's now, the default), 24h, 7d, 30d"),
        OpenApiParameter("datetime", str, description="A custom window instead: an RFC 3339 interval or a date."),
    ], responses={200: _Overview})
    def get(self, request: Request) -> Response:
        unknown = set(request.query_params) - _KNOWN
        if unknown:
            raise UnknownParameter(fields={name: ["unknown"] for name in sorted(unknown)})
        now = platform_now()
        raw = request.query_params.get("datetime", "")
        if raw:
            if "preset" in request.query_params:
                raise InvalidParameter(fields={"datetime": ["give either a preset or a datetime window, not both"]})
            start, end = parse_datetime_interval(raw)
            if start is None or end is None:
                raise InvalidParameter(fields={"datetime": ["a window needs both a start and an end"]})
            window, preset = Window(start, end), "custom"
        else:
            preset = request.query_params.get("preset", "today")
            if preset not in PRESET_NAMES:
                raise InvalidParameter(fields={"preset": [", ".join(PRESET_NAMES)]})
            window = preset_window(preset, now)
        return Response(overview(request.user, window=window, now=now) | {"preset": preset})
