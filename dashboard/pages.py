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
from dashboard.messages import translated_messages
from layers.access import visible_layers, writable_layers
from layers.domains import domain_groups
from layers.extent import province_bounds, province_center
from analysis.zones import can_edit_zones
from layers.models import Department
from layers.styles import PALETTE

# Layers switched on for a first visit, when the caller may see them.
DEFAULT_LAYERS = ("land-use-plan", "industrial-parks", "health-facilities", "feedback-1022")


def dashboard(request: HttpRequest) -> HttpResponse:
    user = request.user
    # Hidden means unnamed: the page names only the layers the caller may see.
    named = set(visible_layers(user).filter(slug__in=[*DEFAULT_LAYERS, settings.LAYERS_ZONES_LAYER])
                .values_list("slug", flat=True))
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
        "default_layers": [slug for slug in DEFAULT_LAYERS if slug in named],
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
            "feature_summary": "/api/layers/{slug}/features/{id}/summary/",
            "search": reverse("search"),
            "counts": reverse("counts"),
            "timeline": reverse("timeline"),
            "summary": reverse("polygon-summary"),
            "zones": reverse("zone-list"),
            "zone": "/api/zones/{id}/",
            "proximity": reverse("analysis-proximity"),
            "basemap": reverse("tiles-basemap"),
            "style": "/tiles/styles/{slug}.json",
            "tilejson": "/tiles/{slug}.json",
            "monitoring_services": reverse("monitoring-services"),
            "unit_profile": "/api/units/{code}/profile/",
        },
        "messages": translated_messages(),
    }
    return render(request, "dashboard/index.html", {"config": config})
