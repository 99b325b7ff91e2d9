"""The map dashboard at `/`: one server-rendered shell whose script reads the public API.

The page carries only what the script cannot ask the API for: the caller's name and rights, the
URLs, the page language and the translated interface strings.
"""

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.middleware.csrf import get_token
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import get_language

from dashboard.legends import raster_ramps
from dashboard.print import map_frames
from dashboard.messages import translated_messages
from dashboard.overview import platform_now
from layers.access import visible_layers, writable_layers
from layers.domains import domain_groups
from layers.extent import province_bounds, province_center
from analysis.zones import can_edit_zones
from layers.models import Department
from layers.styles import PALETTE
from monitoring.alert_layers import alert_layer_slugs
from monitoring.alert_queries import unacknowledged_count
from monitoring.rule_edits import staff

# Layers switched on for a first visit, when the caller may see them.
DEFAULT_LAYERS = ("land-use-plan", "industrial-parks", "health-facilities", "feedback-1022")


def dashboard(request: HttpRequest) -> HttpResponse:
    user = request.user
    # Hidden means unnamed: the page names only the layers the caller may see.
    # Signed-in staff open on the "today" overview, whose map shows what it counts; everybody else keeps
    # the public first view.
    opens_on_today = staff(user)
    defaults = settings.DASHBOARD_OVERVIEW_LAYERS if opens_on_today else DEFAULT_LAYERS
    named = set(visible_layers(user).filter(slug__in=[*defaults, settings.LAYERS_ZONES_LAYER])
                .values_list("slug", flat=True))
    # The firing alerts' layers the caller may see (monitoring.alert_layers) are on from the start.
    alerts = list(visible_layers(user).filter(slug__in=alert_layer_slugs()).values_list("slug", flat=True))
    now = platform_now()
    config = {
        "lang": get_language(),
        "user": {
            "signed_in": user.is_authenticated,
            "name": user.get_username() if user.is_authenticated else "",
            "can_edit_zones": can_edit_zones(user),
        },
        "csrf_token": get_token(request),
        # Where the map opens without a shared link: the whole province.
        "center": province_center(),
        "bounds": province_bounds(),
        "default_layers": [slug for slug in defaults if slug in named] + sorted(alerts),
        # The platform's now (settings.WALL_NOW, else the clock): where "today" and a new time window land.
        "now": now.isoformat(),
        "overview": {"url": reverse("dashboard-overview"), "now": now.isoformat()} if opens_on_today else None,
        # None when hidden: the zones panel then says the zones are internal, without naming the layer.
        "zones_layer": settings.LAYERS_ZONES_LAYER if settings.LAYERS_ZONES_LAYER in named else None,
        "domains": domain_groups(),
        "raster_ramps": raster_ramps(user),
        # The layers whose style the caller may edit (layers.access), and the colours offered for it.
        "writable_layers": list(writable_layers(user).filter(kind="vector").values_list("slug", flat=True))
        if user.is_authenticated else [],
        "palette": list(PALETTE),
        # The caller's own departments: their layers lead the layer panel.
        "my_departments": list(Department.objects.filter(group__user=user).values_list("code", flat=True))
        if user.is_authenticated else [],
        "urls": {
            "layers": reverse("layer-list"),
            "layer": "/api/layers/{slug}/",
            "features": "/api/layers/{slug}/features/",
            "feature": "/api/layers/{slug}/features/{id}/",
            "value": "/api/layers/{slug}/value",
            "feature_summary": "/api/layers/{slug}/features/{id}/summary/",
            "search": reverse("search"),
            "counts": reverse("counts"),
            "timeline": reverse("timeline"),
            "summary": reverse("polygon-summary"),
            "zones": reverse("zone-list"),
            "zone": "/api/zones/{id}/",
            "proximity": reverse("analysis-proximity"),
            "aggregate": reverse("analysis-aggregate"),
            "compliance": reverse("analysis-compliance"),
            "zone_file": reverse("analysis-zone-file"),
            "report": "/api/analysis/report.{fmt}",
            "basemap": reverse("tiles-basemap"),
            "style": "/tiles/styles/{slug}.json",
            "tilejson": "/tiles/{slug}.json",
            "monitoring_services": reverse("monitoring-services"),
            "unit_profile": "/api/units/{code}/profile/",
            "print": "/api/print.{fmt}",
            "bookmarks": reverse("bookmark-list"),
            "bookmark": "/api/bookmarks/{id}/",
        },
        "messages": translated_messages(),
        # The print layout's map frames (mm) and resolution: the browser draws the map at that size.
        "print": map_frames(),
    }
    # Signed-in staff see how many firing alerts nobody acknowledged yet (when there are), linking to
    # the Alerts page; the page itself is in the top bar for everyone signed in.
    banner = unacknowledged_count(user) if staff(user) else None
    return render(request, "dashboard/index.html", {"config": config, "alerts_banner": banner})
