"""The wall's JSON API: a scene's numbers, a playlist's state, and operator commands.

Thin views: parse, call one function, answer. Errors use the project's one error shape.
"""

from typing import Any

from django.db.models import Prefetch
from django.http import HttpResponse, HttpResponseNotModified
from django.utils import timezone
from django.utils.cache import patch_vary_headers
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from layers.access import Caller
from layers.errors import InvalidParameter, NotFound, PermissionDenied
from wall import control, response_shapes
from wall.models import Playlist, PlaylistEntry
from wall.panels import data_version, scene_data, scenes_shown, visible_scene
from wall.playback import now_showing


def _playlist(slug: str) -> Playlist:
    entries = Prefetch("entries", queryset=PlaylistEntry.objects.select_related("scene").order_by("order", "id"))
    playlist = Playlist.objects.prefetch_related(entries).filter(slug=slug).first()
    if playlist is None:
        raise NotFound(_("There is no such playlist."), code="playlist_not_found")
    return playlist


def _private(response: HttpResponse) -> HttpResponse:
    # The numbers depend on who asks: never in a shared cache, always revalidated.
    response["Cache-Control"] = "private, no-cache"
    patch_vary_headers(response, ["Authorization", "Cookie"])
    return response


class SceneData(APIView):
    """Every panel's numbers, over the layers the caller may see. The ETag is the data version:
    a wall polling with If-None-Match gets a 304 without any metric being computed."""

    @extend_schema(tags=["wall"], responses={200: response_shapes.SceneData, 304: None},
                   description="The panels of the scene the caller may see, with their numbers; panels "
                               "over other layers are left out, and a scene with nothing of its own for the "
                               "caller answers 404 scene_not_found like an unknown one. ETag = data version.")
    def get(self, request: Request, slug: str) -> HttpResponse:
        scene, layers = visible_scene(request.user, slug)
        etag = f'"{data_version(scene, request.user, layers)}"'
        if etag in [t.strip() for t in request.headers.get("If-None-Match", "").split(",")]:
            response = HttpResponseNotModified()
        else:
            response = Response(scene_data(scene, request.user, layers))
        response["ETag"] = etag
        return _private(response)


def state_body(playlist: Playlist, user: Caller) -> dict[str, Any]:
    """The playlist as `user`'s wall plays it: only the scenes shown to `user` (wall.panels), the
    position in that list, and the scene on it now (wall.playback.now_showing). A playlist with no
    scene for `user` answers like an empty one."""
    entries = list(playlist.entries.all())
    shown = scenes_shown([e.scene for e in entries], user)
    if not any(shown):
        raise NotFound(_("This playlist has no scenes."), code="playlist_empty")
    state = control.ensure_state(playlist)
    now = timezone.now()
    playing = now_showing([e.duration_seconds for e in entries], shown, state, now)
    mine = [e for e, is_shown in zip(entries, shown) if is_shown]
    return {
        "playlist": playlist.slug, "title_vi": playlist.title_vi, "title_en": playlist.title_en,
        "position": mine.index(entries[playing.position]), "scene": entries[playing.position].scene.slug,
        "paused": state.paused, "revision": state.revision,
        "started_at": playing.started_at.isoformat(),
        "ends_at": playing.ends_at.isoformat() if playing.ends_at else None,
        "server_time": now.isoformat(),
        "scenes": [{"slug": e.scene.slug, "title_vi": e.scene.title_vi, "title_en": e.scene.title_en,
                    "duration": e.duration_seconds} for e in mine],
    }


class PlaylistState(APIView):
    """Which scene is on now on the caller's wall; walls poll it every second or so."""

    @extend_schema(tags=["wall"], responses={200: response_shapes.PlaylistState})
    def get(self, request: Request, slug: str) -> Response:
        return _private(Response(state_body(_playlist(slug), request.user)))


class PlaylistControl(APIView):
    """POST {"action": pause|resume|next|previous|goto, "position"?: n}. Staff only."""

    @extend_schema(tags=["wall"], responses={200: response_shapes.PlaylistState},
                   request=response_shapes.WallCommand)
    def post(self, request: Request, slug: str) -> Response:
        if not (request.user.is_authenticated and request.user.is_staff):
            raise PermissionDenied(_("Only operations staff may control the wall."))
        playlist = _playlist(slug)
        action = request.data.get("action")
        position = request.data.get("position")
        if action not in control.ACTIONS or (action == "goto" and not isinstance(position, int)):
            raise InvalidParameter(_("The action must be pause, resume, next, previous or goto (with a position)."),
                                   fields={"action": [_("Not a wall command.")]})
        # A playlist with no scene for this operator is refused like an empty one.
        state_body(playlist, request.user)
        control.command(playlist, action=action, position=position, by=request.user.get_username(),
                        operator=request.user)
        return _private(Response(state_body(_playlist(slug), request.user)))
