"""Thin HTTP edges of the layers API: parse, call one function, shape the response."""

import json
from urllib.parse import urlencode

from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse, HttpResponseNotModified
from django.utils import timezone
from django.utils.cache import patch_vary_headers
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.exceptions import NotAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from layers import geojson, observations
from layers.access import access_scope, get_visible_layer, get_writable_layer, visible_layers
from layers.catalog import delete_layer, save_style
from layers.conditional import exact_vary, make_etag, request_matches
from layers.errors import ApiError, FeatureNotFound, InvalidParameter
from layers.filters import ORDERING_PARAMS, parse_feature_query
from layers.models import Access, Layer
from layers.serializers import LayerSerializer

GEOJSON = "application/geo+json"

_FEATURE_PARAMS = [
    OpenApiParameter("bbox", str, description="minLon,minLat,maxLon,maxLat in WGS 84 degrees."),
    OpenApiParameter(
        "datetime", str,
        description="RFC 3339 instant or date, or interval start/end with '..' for an open end.",
    ),
    OpenApiParameter("properties", str, description="Comma-separated property names to return."),
    OpenApiParameter("limit", int, description="Page size (default and maximum from settings; clamped)."),
    OpenApiParameter("after", int, description="Cursor from the 'next' link."),
]
_ORDERING_PARAMS = [
    OpenApiParameter("sortby", str, description="A property to order by, '-' before it for descending "
                     "(missing values last, ties by id). Pages then go by offset."),
    OpenApiParameter("offset", int, description="Features of the order to skip (the 'next' link of a "
                     "sorted page carries it)."),
]


_REVALIDATED = OpenApiResponse(description="The caller's copy is current (If-None-Match, weak or strong)")
CATALOG = inline_serializer("Catalog", {"layers": LayerSerializer(many=True), "count": serializers.IntegerField()})


def _ref(name: str) -> dict:
    return {"$ref": "#/components/schemas/" + name}  # components of geo_ioc.openapi


class LayerList(APIView):
    @extend_schema(
        responses={200: CATALOG, 304: _REVALIDATED},
        operation_id="layers_list",
        parameters=[OpenApiParameter("domain", str, description="Only layers of this domain.")],
        summary="The layer catalog the caller may see",
    )
    def get(self, request: Request) -> Response:
        layers = visible_layers(request.user).select_related("owner")
        if request.query_params.get("domain"):
            layers = layers.filter(domain=request.query_params["domain"])
        data = LayerSerializer(layers, many=True, context={"request": request}).data
        return catalog_response(request, {"layers": data, "count": len(data)})


class LayerDetail(APIView):
    @extend_schema(responses={200: LayerSerializer, 304: _REVALIDATED}, summary="One catalog entry")
    def get(self, request: Request, slug: str) -> Response:
        layer = get_visible_layer(request.user, slug)
        return catalog_response(request, LayerSerializer(layer, context={"request": request}).data)

    @extend_schema(
        request={"application/json": {"type": "object", "properties": {"style": {"type": "object"}},
                                      "required": ["style"]}},
        responses={200: LayerSerializer, 401: OpenApiResponse(description="Not signed in"),
                   403: OpenApiResponse(description="Visible, but not a layer of the caller's departments"),
                   404: OpenApiResponse(description="Unknown, or hidden from the caller")},
        summary="Change a layer's style (stewards of its owning department, superusers)",
        description="The body is {\"style\": {...}}, the compact style of the catalog (README \"Layer styles\"). "
                    "The layer's version is bumped, so tiles and styles follow at once.",
    )
    def patch(self, request: Request, slug: str) -> Response:
        if not request.user.is_authenticated:
            raise NotAuthenticated()
        layer = get_writable_layer(request.user, slug)
        body = request.data
        if not isinstance(body, dict) or set(body) != {"style"}:
            raise InvalidParameter(fields={"style": "Send a JSON object with a 'style' and nothing else."})
        try:
            layer = save_style(layer, body["style"])
        except ValidationError as error:
            raise ApiError(code="invalid_style", fields={"style": " ".join(error.messages)}) from None
        return Response(LayerSerializer(layer, context={"request": request}).data)

    @extend_schema(
        responses={204: None, 401: OpenApiResponse(description="Not signed in"),
                   403: OpenApiResponse(description="Visible, but not a layer of the caller's departments"),
                   404: OpenApiResponse(description="Unknown, or hidden from the caller")},
        summary="Delete a layer with its features (stewards of its owning department, superusers); restorable "
                "for LAYERS_DELETED_GRACE_DAYS",
    )
    def delete(self, request: Request, slug: str) -> Response:
        if not request.user.is_authenticated:
            raise NotAuthenticated()
        delete_layer(get_writable_layer(request.user, slug), user_id=request.user.pk)
        return Response(status=204)


class FeatureCollection(APIView):
    @extend_schema(
        parameters=_FEATURE_PARAMS + _ORDERING_PARAMS,
        responses={(200, GEOJSON): OpenApiResponse(_ref("FeatureCollection"), description="RFC 7946 FeatureCollection"),
                   304: _REVALIDATED},
        operation_id="layers_features_list",
        summary="Features of a layer as GeoJSON, built in PostGIS",
        description="Any other query parameter named after a property of the layer's schema filters by equality.",
    )
    def get(self, request: Request, slug: str) -> HttpResponse:
        layer = get_visible_layer(request.user, slug)
        query = parse_feature_query(layer, request.query_params.dict(), extra_reserved=ORDERING_PARAMS)
        etag = _etag(layer, request)
        if _matches(request, etag):
            return _not_modified(etag, layer)
        page = geojson.feature_page(layer, query)
        matched = geojson.count_features(layer, query)
        links = [{"rel": "self", "type": GEOJSON, "href": request.build_absolute_uri()}]
        if page.has_more:
            # A sorted page's next one is further along the same order; an id-ordered one's after its last id.
            params = request.query_params.dict() | (
                {"offset": str(query.offset + page.returned)} if query.sortby else {"after": str(page.last_id)})
            links.append(
                {"rel": "next", "type": GEOJSON,
                 "href": request.build_absolute_uri(request.path) + "?" + urlencode(params)}
            )
        head = {
            "type": "FeatureCollection",
            "name": layer.slug,  # GDAL names the layer it reads after it
            "numberMatched": matched,
            "numberReturned": page.returned,
            "timeStamp": timezone.now().isoformat(timespec="seconds"),
            "layer": {"slug": layer.slug, "version": layer.version},
            "links": links,
        }
        body = _json_bytes(head)[:-1] + b',"features":[' + page.features + b"]}"
        return _geojson_response(body, etag, layer)


class FeatureDetail(APIView):
    @extend_schema(
        parameters=[_FEATURE_PARAMS[2]],
        responses={(200, GEOJSON): OpenApiResponse(_ref("Feature"), description="RFC 7946 Feature"),
                   304: _REVALIDATED},
        operation_id="layers_feature_retrieve",
        summary="One feature of a layer",
    )
    def get(self, request: Request, slug: str, feature_id: str) -> HttpResponse:
        layer = get_visible_layer(request.user, slug)
        query = parse_feature_query(layer, {k: v for k, v in request.query_params.items() if k == "properties"})
        if not feature_id.isdigit() or len(feature_id) > 18:
            raise FeatureNotFound()
        etag = _etag(layer, request)
        if _matches(request, etag):
            return _not_modified(etag, layer)
        body = geojson.single_feature(layer, int(feature_id), query)
        if body is None:
            raise FeatureNotFound()
        return _geojson_response(body, etag, layer)


def _json_bytes(data: dict) -> bytes:
    return json.dumps(data, ensure_ascii=False, separators=(",", ":")).encode()


def catalog_response(request: Request, data: dict) -> Response:
    """A catalog answer with an ETag of its content for the caller's scope and language; 304 when the
    caller's copy is current. Anonymous callers' catalogs may sit in shared caches (revalidated)."""
    text = json.dumps(data, ensure_ascii=False, sort_keys=True, default=str)
    etag = make_etag(text, getattr(request, "LANGUAGE_CODE", ""), user=request.user, public=False)
    response = Response(status=304) if request_matches(request, etag) else Response(data)
    response["ETag"] = etag
    anonymous = access_scope(request.user) == access_scope(None)
    response["Cache-Control"] = ("public" if anonymous else "private") + ", max-age=0, must-revalidate"
    patch_vary_headers(response, ["Authorization", "Cookie", "Accept-Language"])
    return response


def _etag(layer: Layer, request: HttpRequest) -> str:
    """Same layer version + same query (+ the same access scope, unless open data) = same bytes."""
    return make_etag(layer.pk, layer.version, request.get_full_path(), user=request.user,
                     public=layer.access == Access.PUBLIC)


def _matches(request: HttpRequest, etag: str) -> bool:
    return request_matches(request, etag)


def _cache_headers(response: HttpResponse, etag: str, layer: Layer) -> HttpResponse:
    response["ETag"] = etag
    # Only open data may sit in shared caches; everything else is private to the caller.
    if layer.access == Access.PUBLIC:
        response["Cache-Control"] = "public, max-age=60"
        return exact_vary(response, None)  # the same bytes for every caller, in every language
    response["Cache-Control"] = "private, no-cache"
    patch_vary_headers(response, ["Authorization", "Cookie", "Accept-Language"])
    return response


def _not_modified(etag: str, layer: Layer) -> HttpResponse:
    return _cache_headers(HttpResponseNotModified(), etag, layer)


def _geojson_response(body: bytes, etag: str, layer: Layer) -> HttpResponse:
    return _cache_headers(HttpResponse(body, content_type=GEOJSON), etag, layer)


class Observations(APIView):
    @extend_schema(
        request=OpenApiTypes.OBJECT,
        responses={200: inline_serializer("ObservationsWritten", {
                       "received": serializers.IntegerField(), "inserted": serializers.IntegerField(),
                       "updated": serializers.IntegerField(), "unchanged": serializers.IntegerField(),
                       "published": serializers.ChoiceField(["now", "soon", "nothing"], help_text=(
                           "now: the layer's version was bumped; soon: a deferred bump is queued; nothing: no "
                           "row changed"))}),
                   400: OpenApiResponse(description="A bad row: the whole batch is refused, each bad row named in `fields`"),
                   401: OpenApiResponse(description="No token or session"),
                   403: OpenApiResponse(description="Visible, but not a layer of the caller's departments"),
                   404: OpenApiResponse(description="Unknown, or hidden from the caller")},
        summary="Push live observations into a layer (apps and sensors with a token that may write it)",
        description=(
            "The body is a GeoJSON Feature or FeatureCollection (each feature's `id` is its source id; a "
            "time layer takes JSON-FG `time`: an RFC 3339 instant, `{\"instant\": t}` or `{\"interval\": [s, e]}`), "
            "or, for a layer of station readings (a `station_code` property), `{\"station\", \"time\", \"values\"}` "
            "or `{\"readings\": [...]}`. Properties are checked against the layer's schema; one bad row refuses "
            "the whole batch. A retry with the same ids changes nothing. The layer's version is bumped at most "
            "about once per LAYERS_OBSERVATIONS_PUBLISH_INTERVAL (`published`: now, soon or nothing)."
        ),
    )
    def post(self, request: Request, slug: str) -> Response:
        if not request.user.is_authenticated:
            raise NotAuthenticated()
        written = observations.receive(get_writable_layer(request.user, slug), request.data)
        return Response({"received": written.received, "inserted": written.inserted, "updated": written.updated,
                         "unchanged": written.unchanged, "published": written.published})
