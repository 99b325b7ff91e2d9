"""Rasters as data, not only pictures: a raster layer's Cloud-Optimized GeoTIFF for download (range
requests: GDAL reads it with /vsicurl/) and the band values under a point. The same access rule as
its tiles: a hidden layer answers like an unknown one."""

import math

from django.http import HttpResponse
from django.utils.cache import patch_vary_headers
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from layers.access import get_visible_layer
from layers.conditional import exact_vary, make_etag, not_modified, request_matches
from layers.errors import InvalidParameter, UnknownParameter
from layers.models import Access, Kind, Layer
from layers.serializers import RASTER_TYPE
from tiles.ranges import ranged_file_response
from tiles.raster import raster_file, values_at

COG_TYPE = RASTER_TYPE
_POINT_PARAMS = frozenset({"lon", "lat"})


def _raster_layer(request: Request, slug: str, *, check=lambda: None) -> Layer:
    """The visible layer (hidden: like unknown), then `check` of the request, then: is it a raster?"""
    layer = get_visible_layer(request.user, slug)
    check()
    if layer.kind != Kind.RASTER:
        raise InvalidParameter(_("This layer has no raster: its features are under /features/."))
    return layer


def _cached(response: HttpResponse, layer: Layer) -> HttpResponse:
    if layer.access == Access.PUBLIC:
        response["Cache-Control"] = "public, max-age=60"
        return exact_vary(response, None)
    response["Cache-Control"] = "private, no-cache"
    patch_vary_headers(response, ["Authorization", "Cookie"])
    return response


class RasterFile(APIView):
    @extend_schema(
        responses={
            (200, COG_TYPE): OpenApiResponse(OpenApiTypes.BINARY, description="The whole file"),
            (206, COG_TYPE): OpenApiResponse(OpenApiTypes.BINARY, description="The byte range asked for"),
            304: OpenApiResponse(description="The caller's copy is current (If-None-Match)"),
        },
        summary="A raster layer's Cloud-Optimized GeoTIFF (HTTP range requests: GDAL's /vsicurl/ reads it)",
        operation_id="layers_raster",
    )
    def get(self, request: Request, slug: str) -> HttpResponse:
        layer = _raster_layer(request, slug)
        etag = make_etag(layer.pk, layer.version, "cog", user=request.user, public=layer.access == Access.PUBLIC)
        response = ranged_file_response(request, raster_file(layer), content_type=COG_TYPE, etag=etag)
        response["Content-Disposition"] = f'inline; filename="{layer.slug}-v{layer.version}.tif"'
        response["Last-Modified"] = layer.updated_at.strftime("%a, %d %b %Y %H:%M:%S GMT")
        return _cached(response, layer)


PointValues = inline_serializer("PointValues", {
    "layer": serializers.CharField(),
    "version": serializers.IntegerField(),
    "lon": serializers.FloatField(),
    "lat": serializers.FloatField(),
    "values": serializers.ListField(child=serializers.FloatField(allow_null=True),
                                    help_text="One per band; null where nodata or off the raster."),
    "bands": serializers.ListField(child=inline_serializer("PointValueBand", {
        "name": serializers.CharField(allow_null=True, help_text="The band's description in the file; null when it has none"),
        "unit": serializers.CharField(allow_null=True, help_text="The band's unit in the file (e.g. m); null when it has none"),
    }), help_text="One per band, in the order of `values`."),
})


def parse_point(params) -> tuple[float, float]:
    unknown = sorted(set(params) - _POINT_PARAMS)
    if unknown:
        raise UnknownParameter(_("Only lon and lat are taken here."), fields={k: [_("Unknown.")] for k in unknown})
    values = {}
    for name, limit in (("lon", 180), ("lat", 90)):
        try:
            value = float(params[name])
        except KeyError:
            raise InvalidParameter(_("lon and lat are needed (WGS 84 degrees)."),
                                   fields={name: [_("Missing.")]}) from None
        except ValueError:
            raise InvalidParameter(_("lon and lat must be numbers (WGS 84 degrees)."),
                                   fields={name: [_("Not a number.")]}) from None
        if not math.isfinite(value) or abs(value) > limit:
            raise InvalidParameter(_("lon must lie within ±180 and lat within ±90 degrees."),
                                   fields={name: [_("Out of range.")]})
        values[name] = value
    return values["lon"], values["lat"]


class PointValue(APIView):
    @extend_schema(
        parameters=[OpenApiParameter("lon", float, required=True, description="Longitude, WGS 84 degrees"),
                    OpenApiParameter("lat", float, required=True, description="Latitude, WGS 84 degrees")],
        responses={200: PointValues, 304: OpenApiResponse(description="The caller's copy is current")},
        summary="The band values of a raster layer under a point",
        operation_id="layers_value",
    )
    def get(self, request: Request, slug: str) -> Response:
        layer = _raster_layer(request, slug, check=lambda: parse_point(request.query_params))
        lon, lat = parse_point(request.query_params)
        etag = make_etag(layer.pk, layer.version, lon, lat, user=request.user, public=layer.access == Access.PUBLIC)
        if request_matches(request, etag):
            return _cached(not_modified(etag), layer)
        values, bands = values_at(layer, lon, lat)
        response = Response({"layer": layer.slug, "version": layer.version, "lon": lon, "lat": lat,
                             "values": values, "bands": bands})
        response["ETag"] = etag
        return _cached(response, layer)
