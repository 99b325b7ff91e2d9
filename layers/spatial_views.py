"""Thin HTTP edges of the spatial queries that stay with the data: search and time spans (counts,
summaries and zones are analysis's).

Each view parses its input, calls one function of layers.search / timeline (which ask layers.access
which layers the caller may see) and shapes the JSON. Titles follow the request's language.
"""

from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from layers import search, timeline
from layers.coordinates import parse_coordinate
from layers.errors import InvalidParameter
from layers.rate_limits import SearchThrottle
from layers.request_params import pick

QUERY_MAX = 200
_FOUND = inline_serializer("SearchResults", {
    "query": serializers.CharField(),
    "coordinate": inline_serializer("SearchCoordinate", {
        "lon": serializers.FloatField(), "lat": serializers.FloatField(), "crs": serializers.CharField(),
        "easting": serializers.FloatField(allow_null=True), "northing": serializers.FloatField(allow_null=True),
    }, allow_null=True),
    "results": inline_serializer("SearchHit", {
        "kind": serializers.ChoiceField(["place", "feature"]), "layer": serializers.CharField(),
        "layer_title": serializers.CharField(), "id": serializers.IntegerField(),
        "name": serializers.CharField(allow_null=True),
        "context": serializers.CharField(allow_null=True), "center": serializers.ListField(child=serializers.FloatField()),
        "bbox": serializers.ListField(child=serializers.FloatField()),
    }, many=True),
})
_TIMELINE = inline_serializer("Timeline", {
    "start": serializers.DateTimeField(allow_null=True), "end": serializers.DateTimeField(allow_null=True),
    "layers": inline_serializer("LayerTimeSpan", {
        "slug": serializers.CharField(), "time_kind": serializers.CharField(),
        "start": serializers.DateTimeField(allow_null=True), "end": serializers.DateTimeField(allow_null=True),
    }, many=True),
})


class Search(APIView):
    throttle_classes = [SearchThrottle]

    @extend_schema(
        parameters=[OpenApiParameter("q", str, required=True, description=(
            "A place or feature name, with or without Vietnamese diacritics ('can giuoc'), or a coordinate: "
            "WGS 84 degrees ('10.5327, 106.4027') or VN-2000 / TM-3 105°45′ metres, EPSG:9210 "
            "('571240 1164846', easting and northing in either order)."))],
        responses=_FOUND,
        summary="Search places, features and coordinates in the layers the caller may see",
    )
    def get(self, request: Request) -> Response:
        text = request.query_params.get("q", "").strip()
        if not text:
            raise InvalidParameter(_("Type something to search for."), fields={"q": [_("This field is required.")]})
        if len(text) > QUERY_MAX:
            raise InvalidParameter(
                _("A search has at most %(n)d characters.") % {"n": QUERY_MAX}, fields={"q": [_("Too long.")]}
            )
        point = parse_coordinate(text)
        if point is not None:
            hits = search.places_at(request.user, point.lon, point.lat)
            coordinate = {
                "lon": round(point.lon, 7), "lat": round(point.lat, 7), "crs": point.crs,
                "easting": None if point.easting is None else round(point.easting, 2),
                "northing": None if point.northing is None else round(point.northing, 2),
            }
        else:
            hits, coordinate = search.search_names(request.user, text), None
        return Response({
            "query": text,
            "coordinate": coordinate,
            "results": [
                {
                    "kind": hit.kind, "layer": hit.layer,
                    "layer_title": pick(request, hit.layer_title_vi, hit.layer_title_en),
                    "id": hit.feature_id, "name": hit.name, "context": hit.context,
                    "center": [round(v, 7) for v in hit.center], "bbox": [round(v, 7) for v in hit.bbox],
                }
                for hit in hits
            ],
        })


class Timeline(APIView):
    @extend_schema(responses=_TIMELINE, summary="First and last moment of each visible layer with time")
    def get(self, request: Request) -> Response:
        spans = timeline.time_spans(request.user)
        known = [s for s in spans if s.start is not None]
        return Response({
            "start": min((s.start for s in known), default=None),
            "end": max((s.end for s in known), default=None),
            "layers": [{"slug": s.slug, "time_kind": s.time_kind, "start": s.start, "end": s.end} for s in spans],
        })
