"""Thin HTTP edges of the spatial queries: search, counts, time spans, summaries and zones.

Each view parses its input, calls one function of layers.search / counts / summaries / zones (which
ask layers.access which layers the caller may see) and shapes the JSON. Titles and labels follow
the request's language.
"""

import json
from datetime import datetime
from typing import Any

import shapely.geometry
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from layers import counts, search, summaries, zones
from layers.access import get_visible_layer
from layers.coordinates import parse_coordinate
from layers.errors import FeatureNotFound, InvalidDatetime, InvalidParameter
from layers.filters import FeatureQuery, parse_bbox, parse_datetime_interval
from layers.geojson import single_feature
from layers.models import Feature
from layers.polygons import polygon_from_geojson
from layers.rate_limits import SearchThrottle, SummaryThrottle

QUERY_MAX = 200
_DATETIME = OpenApiParameter(
    "datetime", str, description="Only features of layers with time in this RFC 3339 instant, date or interval."
)
_JSON = OpenApiResponse(OpenApiTypes.OBJECT)


def _english(request: Request) -> bool:
    return getattr(request, "LANGUAGE_CODE", "vi") == "en"


def _pick(request: Request, vi: str | None, en: str | None) -> str | None:
    return en if _english(request) else vi


def _window(raw: Any) -> tuple[datetime | None, datetime | None]:
    if raw is None or raw == "":
        return None, None
    if not isinstance(raw, str):
        raise InvalidDatetime(_("datetime must be a text: an RFC 3339 instant, a date or an interval."))
    return parse_datetime_interval(raw)


def _feature_id(raw: str) -> int:
    if not raw.isdigit() or len(raw) > 18:
        raise FeatureNotFound()
    return int(raw)


def _object_body(request: Request) -> dict:
    if not isinstance(request.data, dict):
        raise InvalidParameter(_("Send a JSON object."))
    return request.data


_FEATURE = {"$ref": "#/components/schemas/Feature"}  # geo_ioc.openapi
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
_COUNTS = inline_serializer("Counts", {"counts": serializers.DictField(child=serializers.IntegerField())})
_TIMELINE = inline_serializer("Timeline", {
    "start": serializers.DateTimeField(allow_null=True), "end": serializers.DateTimeField(allow_null=True),
    "layers": inline_serializer("LayerTimeSpan", {
        "slug": serializers.CharField(), "time_kind": serializers.CharField(),
        "start": serializers.DateTimeField(allow_null=True), "end": serializers.DateTimeField(allow_null=True),
    }, many=True),
})
_ZONES = inline_serializer("Zones", {
    "layer": serializers.CharField(), "version": serializers.IntegerField(), "can_edit": serializers.BooleanField(),
    "zones": serializers.ListField(child=serializers.DictField(), help_text="GeoJSON Features"),
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
                    "layer_title": _pick(request, hit.layer_title_vi, hit.layer_title_en),
                    "id": hit.feature_id, "name": hit.name, "context": hit.context,
                    "center": [round(v, 7) for v in hit.center], "bbox": [round(v, 7) for v in hit.bbox],
                }
                for hit in hits
            ],
        })


class Counts(APIView):
    @extend_schema(
        parameters=[OpenApiParameter("bbox", str, description="minLon,minLat,maxLon,maxLat (WGS 84)."), _DATETIME],
        responses=_COUNTS,
        summary="Number of features of each visible layer in a map view and time window",
    )
    def get(self, request: Request) -> Response:
        raw_bbox = request.query_params.get("bbox")
        start, end = _window(request.query_params.get("datetime"))
        result = counts.count_by_layer(
            request.user, bbox=parse_bbox(raw_bbox) if raw_bbox else None, start=start, end=end
        )
        return Response({"counts": result})


class Timeline(APIView):
    @extend_schema(responses=_TIMELINE, summary="First and last moment of each visible layer with time")
    def get(self, request: Request) -> Response:
        spans = counts.time_spans(request.user)
        known = [s for s in spans if s.start is not None]
        return Response({
            "start": min((s.start for s in known), default=None),
            "end": max((s.end for s in known), default=None),
            "layers": [{"slug": s.slug, "time_kind": s.time_kind, "start": s.start, "end": s.end} for s in spans],
        })


def _summary_body(request: Request, summary: summaries.Summary) -> dict[str, Any]:
    return {
        "area_ha": summary.area_ha,
        "bbox": [round(v, 7) for v in summary.bbox],
        "datetime": {"start": summary.start, "end": summary.end},
        # Counts and areas of a zone too detailed to intersect as it is were computed on a
        # simplified copy: no boundary moved more than tolerance_m metres (layers.summaries).
        "simplified": summary.simplified_tolerance_m is not None,
        "tolerance_m": summary.simplified_tolerance_m,
        "layers": [
            {
                "slug": s.slug, "title": _pick(request, s.title_vi, s.title_en), "geometry_type": s.geometry_type,
                "timed": s.timed, "count": s.count, "area_ha": s.area_ha, "length_km": s.length_km,
                "by": None if s.category_property is None else {
                    "property": s.category_property,
                    "label": _pick(request, s.category_label_vi, s.category_label_en),
                    "categories": [
                        {"value": c.value, "label": _pick(request, c.label_vi, c.label_en), "color": c.color,
                         "count": c.count, "area_ha": c.area_ha, "length_km": c.length_km}
                        for c in s.categories
                    ],
                },
            }
            for s in summary.layers
        ],
    }


class PolygonSummary(APIView):
    throttle_classes = [SummaryThrottle]

    @extend_schema(
        request=inline_serializer("PolygonSummaryRequest", {
            "geometry": serializers.JSONField(help_text="A GeoJSON Polygon (or a Feature / FeatureCollection of one)."),
            "datetime": serializers.CharField(required=False),
        }),
        responses=_JSON,
        summary="What is inside a polygon: counts per visible layer, land-use areas in hectares",
    )
    def post(self, request: Request) -> Response:
        body = _object_body(request)
        polygon = polygon_from_geojson(body.get("geometry"))
        start, end = _window(body.get("datetime"))
        summary = summaries.summarize_polygon(request.user, polygon, start=start, end=end)
        # The polygon as understood (WGS 84, one part): what a client should draw for an upload.
        return Response(_summary_body(request, summary) | {"geometry": shapely.geometry.mapping(polygon)})


class FeatureSummary(APIView):
    throttle_classes = [SummaryThrottle]

    @extend_schema(parameters=[_DATETIME], responses=_JSON,
                   summary="What is inside a polygon feature (a zone, a commune) of a visible layer")
    def get(self, request: Request, slug: str, feature_id: str) -> Response:
        layer = get_visible_layer(request.user, slug)
        start, end = _window(request.query_params.get("datetime"))
        summary = summaries.summarize_feature(request.user, layer, _feature_id(feature_id), start=start, end=end)
        if summary is None:
            raise FeatureNotFound()
        return Response(_summary_body(request, summary))


def _zone_body(zone: Feature) -> dict[str, Any]:
    doc = single_feature(zone.layer, zone.pk, FeatureQuery())
    return json.loads(doc) if doc else {}


_ZONE_REQUEST = inline_serializer("ZoneRequest", {
    "name": serializers.CharField(),
    "purpose": serializers.CharField(required=False),
    "geometry": serializers.JSONField(help_text="A GeoJSON Polygon in WGS 84 (or a Feature / FeatureCollection of one)."),
})


class ZoneList(APIView):
    @extend_schema(responses=_ZONES, operation_id="zones_list",
                   summary="The planners' zones and whether the caller may edit them")
    def get(self, request: Request) -> Response:
        layer, listed = zones.list_zones(request.user)
        return Response({
            "layer": layer.slug, "version": layer.version, "can_edit": zones.can_edit_zones(request.user),
            "zones": listed,
        })

    @extend_schema(request=_ZONE_REQUEST, responses={201: OpenApiResponse(_FEATURE)},
                   summary="Save a polygon as a zone (planners)")
    def post(self, request: Request) -> Response:
        body = _object_body(request)
        # A hidden layer answers 404 and a non-planner 403 before the geometry is even read.
        zones.editable_zones_layer(request.user)
        zone = zones.create_zone(
            request.user, name=body.get("name"), purpose=body.get("purpose") or "",
            polygon=polygon_from_geojson(body.get("geometry")),
        )
        return Response(_zone_body(zone), status=201)


class ZoneDetail(APIView):
    @extend_schema(responses=OpenApiResponse(_FEATURE), summary="One zone as a GeoJSON Feature")
    def get(self, request: Request, zone_id: str) -> Response:
        return Response(_zone_body(zones.get_zone(request.user, _feature_id(zone_id))))

    @extend_schema(request=_ZONE_REQUEST, responses=OpenApiResponse(_FEATURE),
                   summary="Rename or reshape a zone (planners)")
    def patch(self, request: Request, zone_id: str) -> Response:
        body = _object_body(request)
        zones.editable_zones_layer(request.user)
        zone = zones.update_zone(
            request.user, _feature_id(zone_id),
            name=body.get("name") if "name" in body else None,
            purpose=body.get("purpose") if "purpose" in body else None,
            polygon=polygon_from_geojson(body["geometry"]) if "geometry" in body else None,
        )
        return Response(_zone_body(zone))

    @extend_schema(responses={204: None}, summary="Delete a zone (planners)")
    def delete(self, request: Request, zone_id: str) -> Response:
        zones.delete_zone(request.user, _feature_id(zone_id))
        return Response(status=204)
