"""HTTP edges of a layer's history (layers.history): GET /api/layers/{slug}/history/, POST
/api/layers/{slug}/rollback/, POST /api/layers/{slug}/restore/. Who may write a layer may read its
history, roll it back and restore it once deleted; to anyone else it answers like an unknown layer."""

from typing import Any

from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiResponse, extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.exceptions import NotAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from geo_ioc.openapi import FreeFormField
from layers import history
from layers.access import get_writable_layer
from layers.errors import InvalidParameter
from layers.serializers import LayerSerializer

_NOT_YOURS = {401: OpenApiResponse(description="Not signed in"),
              403: OpenApiResponse(description="Visible, but not a layer of the caller's departments"),
              404: OpenApiResponse(description="Unknown, hidden, or no such kept version")}


def _signed_in(request: Request) -> None:
    if not request.user.is_authenticated:
        raise NotAuthenticated()


def _version(data: Any) -> int:
    value = data.get("version") if isinstance(data, dict) else None
    if isinstance(value, bool) or not isinstance(value, (int, str)) or not str(value).isdigit() \
            or len(str(value)) > 18 or int(value) < 1:
        raise InvalidParameter(fields={"version": [_("A positive whole number: a kept version of the layer.")]})
    return int(value)


class LayerHistory(APIView):
    @extend_schema(
        responses={200: inline_serializer("LayerHistory", {
            "slug": serializers.CharField(), "version": serializers.IntegerField(),
            "kept_versions": inline_serializer("_KeptVersion", {
                "version": serializers.IntegerField(), "kept_at": serializers.DateTimeField(),
                "feature_count": serializers.IntegerField(allow_null=True)}, many=True),
            "events": inline_serializer("_HistoryEvent", {
                "at": serializers.DateTimeField(),
                "event": serializers.CharField(help_text="created, changed or deleted"),
                "action": serializers.CharField(help_text="import.replace, rollback, restore, … or the request's path"),
                "user": serializers.IntegerField(allow_null=True, help_text="The user's id"),
                "version_before": serializers.IntegerField(allow_null=True),
                "version_after": serializers.IntegerField(),
                "details": FreeFormField(help_text=(
                    "The rest of the change's context, as its action tagged it (layers.history.change): "
                    "free-form, e.g. to_version for a rollback.")),
            }, many=True),
        }), **_NOT_YOURS},
        summary="A layer's audit log (who, when, what, version before and after) and the versions it can be "
                "rolled back to",
    )
    def get(self, request: Request, slug: str) -> Response:
        _signed_in(request)
        layer = get_writable_layer(request.user, slug)
        kept = [{"version": k.version, "kept_at": k.kept_at, "feature_count": k.feature_count}
                for k in history.kept_versions(layer)]
        events = [{"at": e.at, "event": e.event, "action": e.action, "user": e.user,
                   "version_before": e.version_before, "version_after": e.version_after, "details": e.details}
                  for e in history.entries(layer.pk)]
        return Response({"slug": layer.slug, "version": layer.version, "kept_versions": kept, "events": events})


class LayerRollback(APIView):
    @extend_schema(
        request=inline_serializer("LayerRollback", {"version": serializers.IntegerField(min_value=1)}),
        responses={200: LayerSerializer, 400: OpenApiResponse(description="No version number"), **_NOT_YOURS},
        summary="Make a kept version of a layer live again, as a new version",
    )
    def post(self, request: Request, slug: str) -> Response:
        _signed_in(request)
        layer = get_writable_layer(request.user, slug)
        layer = history.rollback(layer=layer, version=_version(request.data), user=request.user)
        return Response(LayerSerializer(layer, context={"request": request}).data)


class LayerRestore(APIView):
    @extend_schema(
        request=None,
        responses={201: LayerSerializer, 409: OpenApiResponse(description="Slug in use"),
                   **_NOT_YOURS},
        summary="Restore a deleted layer (within LAYERS_DELETED_GRACE_DAYS), as a new version",
    )
    def post(self, request: Request, slug: str) -> Response:
        _signed_in(request)
        layer = history.restore(kept=history.restorable(request.user, slug))
        return Response(LayerSerializer(layer, context={"request": request}).data, status=201)
