"""Thin HTTP edges of the zone questions: counts in a map view, summaries of a polygon or a
polygon feature, and the planners' zones.

Each view parses its input, calls one function of analysis.counts / summaries / zones (which ask
layers.access which layers the caller may see) and shapes the JSON. Titles and labels follow the
request's language.
"""

import json
from typing import Any

import shapely.geometry
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from analysis import counts, response_shapes, summaries, zones
from layers import request_params as params
from layers.access import get_visible_layer
from layers.errors import FeatureNotFound
from layers.filters import FeatureQuery, parse_bbox
from layers.geojson import single_feature
from layers.models import Feature
from layers.polygons import polygon_from_geojson
from layers.rate_limits import SummaryThrottle

_DATETIME = OpenApiParameter(
    "datetime", str, description="Only features of layers with time in this RFC 3339 instant, date or interval."
)
_FEATURE = {"$ref": "#/components/schemas/Feature"}  # geo_ioc.openapi
_COUNTS = inline_serializer("Counts", {"counts": serializers.DictField(child=serializers.IntegerField())})
_ZONES = inline_serializer("Zones", {
    "layer": serializers.CharField(), "version": serializers.IntegerField(), "can_edit": serializers.BooleanField(),
    "zones": inline_serializer("_ZoneListed", {
        "id": serializers.IntegerField(), "name": serializers.CharField(allow_null=True),
        "purpose": serializers.CharField(allow_null=True), "area_km2": serializers.FloatField(allow_null=True),
        "created_by": serializers.CharField(allow_null=True, help_text="The planner's username"),
        "created_at": serializers.DateTimeField(allow_null=True),
    }, many=True, help_text="The zones, newest first (the features' properties; GET /api/zones/{id}/ for a geometry)"),
})


class Counts(APIView):
    @extend_schema(
        parameters=[OpenApiParameter("bbox", str, description="minLon,minLat,maxLon,maxLat (WGS 84)."), _DATETIME],
        responses=_COUNTS,
        summary="Number of features of each visible layer in a map view and time window",
    )
    def get(self, request: Request) -> Response:
        raw_bbox = request.query_params.get("bbox")
        start, end = params.window(request.query_params.get("datetime"))
        result = counts.count_by_layer(
            request.user, bbox=parse_bbox(raw_bbox) if raw_bbox else None, start=start, end=end
        )
        return Response({"counts": result})


def _summary_body(request: Request, summary: summaries.Summary) -> dict[str, Any]:
    return {
        "area_ha": summary.area_ha,
        "bbox": [round(v, 7) for v in summary.bbox],
        "datetime": {"start": summary.start, "end": summary.end},
        # Counts and areas of a zone too detailed to intersect as it is were computed on a
        # simplified copy: no boundary moved more than tolerance_m metres (analysis.summaries).
        "simplified": summary.simplified_tolerance_m is not None,
        "tolerance_m": summary.simplified_tolerance_m,
        "layers": [
            {
                "slug": s.slug, "title": params.pick(request, s.title_vi, s.title_en), "geometry_type": s.geometry_type,
                "timed": s.timed, "version": s.version, "count": s.count, "area_ha": s.area_ha,
                "length_km": s.length_km,
                "measures": [
                    {"property": m.prop, "label": params.pick(request, m.label_vi, m.label_en), "unit": m.unit,
                     "aggregate": m.aggregate, "value": m.value, "values": m.values}
                    for m in s.measures
                ],
                "stations": None if s.stations is None else [
                    {"id": st.id, "name": st.name, "readings": st.readings, "measures": [
                        {"property": m.prop, "label": params.pick(request, m.label_vi, m.label_en), "unit": m.unit,
                         "latest": m.latest, "mean": m.mean, "max": m.max}
                        for m in st.measures
                    ]}
                    for st in s.stations
                ],
                "by": None if s.category_property is None else {
                    "property": s.category_property,
                    "label": params.pick(request, s.category_label_vi, s.category_label_en),
                    "categories": [
                        {"value": c.value, "label": params.pick(request, c.label_vi, c.label_en), "color": c.color,
                         "count": c.count, "area_ha": c.area_ha, "length_km": c.length_km}
                        for c in s.categories
                    ],
                },
            }
            for s in summary.layers
        ],
        # Zonal statistics of the visible rasters; "overview": null means read at full resolution.
        "rasters": [
            {
                "slug": r.slug, "title": params.pick(request, r.title_vi, r.title_en), "version": r.version,
                "overview": r.overview, "resolution_m": r.resolution_m, "pixels": r.pixels,
                "valid_share": r.valid_share, "mean": r.mean, "min": r.min, "max": r.max, "std": r.std,
                "classes": [
                    {"min": c.low, "max": c.high, "label": params.pick(request, c.label_vi, c.label_en),
                     "color": c.color, "area_ha": c.area_ha}
                    for c in r.classes
                ],
            }
            for r in summary.rasters
        ],
    }


class PolygonSummary(APIView):
    throttle_classes = [SummaryThrottle]

    @extend_schema(
        request=inline_serializer("PolygonSummaryRequest", {
            "geometry": serializers.JSONField(help_text="A GeoJSON Polygon (or a Feature / FeatureCollection of one)."),
            "datetime": serializers.CharField(required=False),
        }),
        responses=response_shapes.PolygonSummary,
        summary="What is inside a polygon: counts per visible layer, land-use areas in hectares",
    )
    def post(self, request: Request) -> Response:
        body = params.object_body(request)
        polygon = polygon_from_geojson(body.get("geometry"))
        start, end = params.window(body.get("datetime"))
        summary = summaries.summarize_polygon(request.user, polygon, start=start, end=end)
        # The polygon as understood (WGS 84, one part): what a client should draw for an upload.
        return Response(_summary_body(request, summary) | {"geometry": shapely.geometry.mapping(polygon)})


class FeatureSummary(APIView):
    throttle_classes = [SummaryThrottle]

    @extend_schema(parameters=[_DATETIME], responses=response_shapes.ZoneSummary,
                   summary="What is inside a polygon feature (a zone, a commune) of a visible layer")
    def get(self, request: Request, slug: str, feature_id: str) -> Response:
        layer = get_visible_layer(request.user, slug)
        start, end = params.window(request.query_params.get("datetime"))
        summary = summaries.summarize_feature(request.user, layer, params.feature_id(feature_id), start=start, end=end)
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
        body = params.object_body(request)
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
        return Response(_zone_body(zones.get_zone(request.user, params.feature_id(zone_id))))

    @extend_schema(request=_ZONE_REQUEST, responses=OpenApiResponse(_FEATURE),
                   summary="Rename or reshape a zone (planners)")
    def patch(self, request: Request, zone_id: str) -> Response:
        body = params.object_body(request)
        zones.editable_zones_layer(request.user)
        zone = zones.update_zone(
            request.user, params.feature_id(zone_id),
            name=body.get("name") if "name" in body else None,
            purpose=body.get("purpose") if "purpose" in body else None,
            polygon=polygon_from_geojson(body["geometry"]) if "geometry" in body else None,
        )
        return Response(_zone_body(zone))

    @extend_schema(responses={204: None}, summary="Delete a zone (planners)")
    def delete(self, request: Request, zone_id: str) -> Response:
        zones.delete_zone(request.user, params.feature_id(zone_id))
        return Response(status=204)
