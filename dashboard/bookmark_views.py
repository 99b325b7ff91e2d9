"""GET/POST /api/bookmarks/ and DELETE /api/bookmarks/{id}/: the caller's own map views."""

from drf_spectacular.utils import OpenApiResponse, extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.exceptions import NotAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from dashboard import bookmarks
from layers.errors import NotFound
from layers.request_params import object_body

_BOOKMARK_FIELDS = {
    "name": serializers.CharField(max_length=120),
    "center": serializers.ListField(child=serializers.FloatField(), min_length=2, max_length=2,
                                    help_text="[longitude, latitude], WGS 84 degrees"),
    "zoom": serializers.FloatField(min_value=0, max_value=24),
    "layers": serializers.ListField(child=serializers.CharField(), help_text="Layer slugs shown, in order"),
    "filters": serializers.DictField(child=serializers.DictField(child=serializers.CharField()), required=False,
                                     help_text="Attribute filters of the layers shown: {layer: {property: value}}"),
}


def _bookmark(**kwargs):
    return inline_serializer("Bookmark", {"id": serializers.IntegerField(), **_BOOKMARK_FIELDS,
                                          "created_at": serializers.DateTimeField()}, **kwargs)


BOOKMARK = _bookmark()
BOOKMARK_REQUEST = inline_serializer("BookmarkRequest", _BOOKMARK_FIELDS)
BOOKMARKS = inline_serializer("Bookmarks", {"bookmarks": _bookmark(many=True)})


def _signed_in(request: Request) -> None:
    if not request.user.is_authenticated:
        raise NotAuthenticated()


class BookmarkList(APIView):
    @extend_schema(responses={200: OpenApiResponse(BOOKMARKS)}, operation_id="bookmarks_list",
                   summary="The caller's bookmarked map views, newest first (signed-in users)")
    def get(self, request: Request) -> Response:
        _signed_in(request)
        return Response({"bookmarks": bookmarks.list_bookmarks(request.user)})

    @extend_schema(request=BOOKMARK_REQUEST, responses={201: OpenApiResponse(BOOKMARK)},
                   operation_id="bookmarks_create", summary="Keep the current map view as a bookmark")
    def post(self, request: Request) -> Response:
        _signed_in(request)
        return Response(bookmarks.create_bookmark(request.user, object_body(request)), status=201)


class BookmarkDetail(APIView):
    @extend_schema(responses={204: None}, operation_id="bookmarks_destroy", summary="Delete one of the caller's bookmarks")
    def delete(self, request: Request, bookmark_id: str) -> Response:
        _signed_in(request)
        if not (bookmark_id.isascii() and bookmark_id.isdigit()) or len(bookmark_id) > 18:
            raise NotFound()
        bookmarks.delete_bookmark(request.user, int(bookmark_id))
        return Response(status=204)
