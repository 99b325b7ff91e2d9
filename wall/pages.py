"""The wall page, its display sign-in by token, and the operator's control page."""

from datetime import timedelta
from urllib.parse import urlencode

from django.conf import settings

from django.contrib.auth import login
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import get_language, gettext, gettext_noop
from django.utils.translation import gettext as _

from layers.errors import AuthenticationFailed, PermissionDenied, error_response_for, wants_html
from layers.extent import province_bounds, province_center
from layers.tokens import SESSION_TOKEN_KEY, token_for_key
from wall import conf
from wall.models import Playlist
from wall.panels import visible_scene

# The strings of the wall's script, looked up by their English msgid (`t("Live data")`, as the
# dashboard's modules do); tests/test_wall_page.py checks that every `t("…")` there is listed.
MESSAGES = (
    gettext_noop("stale since %(time)s"),
    gettext_noop("(previous period: %(value)s)"),
    gettext_noop("Nothing in this period"),
    gettext_noop("The map cannot be drawn on this screen"),
    gettext_noop("Live data"),
    gettext_noop("Data as of %(time)s"),
    gettext_noop("max"),
    gettext_noop("Legend"),
    # Alert panels
    gettext_noop("since %(time)s"),
    gettext_noop("No alerts firing"),
    # Monitoring scenes
    gettext_noop("Good"),
    gettext_noop("Watch"),
    gettext_noop("Critical"),
    gettext_noop("No data"),
    gettext_noop("On time"),
    gettext_noop("Late"),
    gettext_noop("Stale"),
    gettext_noop("Period %(period)s"),
    gettext_noop("Best"),
    gettext_noop("Worst"),
)


def wall(request: HttpRequest) -> HttpResponse:
    """`?token=` signs a display account in once and drops the key from the address, so it does not
    linger in the browser history or in screenshots; the session then carries the account."""
    if "token" in request.GET:
        try:
            token = token_for_key(request.GET["token"])
        except AuthenticationFailed as exc:
            # A display's browser gets the page saying what to do; a program gets the error shape.
            if wants_html(request):
                return render(request, "wall/bad_token.html", status=401)
            return error_response_for(request, exc)
        login(request, token.user, backend="django.contrib.auth.backends.ModelBackend")
        # A display runs unattended for months: its session lasts as long as the token does
        # (deleting the token ends it at the next request), not the two weeks of a person's.
        request.session[SESSION_TOKEN_KEY] = token.pk
        request.session.set_expiry(timedelta(days=settings.WALL_DISPLAY_SESSION_DAYS))
        rest = {k: v for k, v in request.GET.items() if k != "token"}
        return HttpResponseRedirect(request.path + ("?" + urlencode(rest) if rest else ""))
    if request.GET.get("scene"):
        # A pinned scene the caller may not be shown answers like an unknown one (404 scene_not_found).
        visible_scene(request.user, request.GET["scene"])
    # Read by the dashboard's modules the wall's script imports (i18n.js, map.js, overlays.js): the
    # language and its strings (JSON, not written into a script by hand: a translation may contain a
    # quote), the province a map without a bbox shows, and where the styles are.
    config = {
        "lang": get_language(),
        "messages": {msgid: gettext(msgid) for msgid in MESSAGES},
        "bounds": province_bounds(),
        "center": province_center(),
        "urls": {"basemap": reverse("tiles-basemap"), "style": "/tiles/styles/{slug}.json"},
        "scene": request.GET.get("scene", ""),
        "playlist": request.GET.get("playlist") or conf.default_playlist(),
        "statePollMs": conf.state_poll_ms(),
        "dataPollMs": conf.data_poll_ms(),
        "user": request.user.get_username() if request.user.is_authenticated else "",
    }
    return render(request, "wall/wall.html", {"config": config})


@login_required
def control_page(request: HttpRequest) -> HttpResponse:
    if not request.user.is_staff:
        raise PermissionDenied()
    slug = request.GET.get("playlist") or conf.default_playlist()
    playlists = list(Playlist.objects.values("slug", "title_vi", "title_en"))
    text = {"paused": _("Paused:"), "playing": _("Now showing:"), "show": _("Show"),
            "offline": _("The server cannot be reached.")}
    return render(request, "wall/control.html", {"config": {"playlist": slug, "statePollMs": conf.state_poll_ms()},
                                                 "playlists": playlists, "text": text})
