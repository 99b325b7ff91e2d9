"""A wall scene per monitoring service, built from the service's definition: the choropleth of its
most widely visible indicator for the latest period, a KPI tile per indicator (up to four) coloured
by its band, the freshness of the service's data, that indicator's trend and its best and worst
units. The scenes join the demo playlist after the four hand-made ones.

Every panel names an indicator's layer, so each is seen exactly as that layer is: a restricted
indicator's panels are left out for an outsider, and a scene with nothing the caller may see is
skipped in the caller's playlist (wall.panels).
"""

from typing import Any

from django.db import transaction
from django.db.models import Max

from layers.models import Access
from monitoring.models import Indicator, Service
from wall.control import ensure_state
from wall.layout import validate_layout
from wall.models import Playlist, PlaylistEntry, Scene
from wall.seed import GRID, PLAYLIST, _clock, _panel

KPI_CELLS = ((0, 3), (0, 4), (1, 3), (1, 4))
WIDEST_FIRST = [Access.PUBLIC, Access.INTERNAL, Access.RESTRICTED]


def scene_slug(service: Service) -> str:
    return f"monitoring-{service.slug}"[:80]


def service_layout(service: Service, indicators: list[Indicator]) -> dict[str, Any]:
    """The layout of `service`'s scene over its `indicators` (those with a layer, in their order)."""
    # The map, trend and units table show the indicator the most people may see (the first public
    # one): a scene led by a restricted indicator would be a scene without a map for everybody else.
    lead = min(indicators, key=lambda indicator: WIDEST_FIRST.index(indicator.layer.access))
    slug = lead.layer.slug
    panels = [
        _panel("map", "map", (0, 0), (3, 3), f"{lead.title_vi} (kỳ mới nhất)", f"{lead.title_en} (latest period)",
               {"layers": [{"layer": slug, "period": "latest"}]}),
        *(_panel(f"kpi-{i}", "indicator_kpi", at, (1, 1), indicator.title_vi, indicator.title_en,
                 {"layer": indicator.layer.slug})
          for i, (indicator, at) in enumerate(zip(indicators, KPI_CELLS))),
        _panel("freshness", "freshness", (2, 3), (1, 1), "Tình trạng cập nhật số liệu", "Data freshness",
               {"layers": [{"layer": indicator.layer.slug} for indicator in indicators[:12]]}),
        _clock((2, 4)),
        _panel("trend", "indicator_chart", (3, 0), (2, 3), f"{lead.title_vi}: diễn biến toàn tỉnh",
               f"{lead.title_en}: province trend", {"layer": slug, "periods": 24}),
        _panel("units", "indicator_table", (3, 3), (2, 2), f"{lead.title_vi}: đơn vị tốt nhất và kém nhất",
               f"{lead.title_en}: best and worst units", {"layer": slug, "limit": 5}),
    ]
    for panel in panels:
        panel["title_vi"], panel["title_en"] = panel["title_vi"][:120], panel["title_en"][:120]
    return {"grid": GRID, "panels": panels}


@transaction.atomic
def ensure_service_scenes(*, seconds_per_scene: int = 60, reset: bool = False) -> list[Scene]:
    """A scene for every monitoring service with an indicator that has a layer, added to the demo
    playlist (after what it holds) when it is not in it yet. Running it twice leaves one copy; what
    an operator changed in the admin is kept unless `reset`."""
    playlist, _created = Playlist.objects.get_or_create(
        slug=PLAYLIST, defaults={"title_vi": "Trung tâm IOC Long An", "title_en": "Long An IOC"})
    scenes = []
    for service in Service.objects.all():
        indicators = list(service.indicators.filter(layer__isnull=False).select_related("layer"))
        if not indicators:
            continue
        layout = service_layout(service, indicators)
        validate_layout(layout)
        fields = {"title_vi": service.title_vi, "title_en": service.title_en, "layout": layout, "as_of": None}
        if reset:
            scene, _ = Scene.objects.update_or_create(slug=scene_slug(service), defaults=fields)
        else:
            scene, _ = Scene.objects.get_or_create(slug=scene_slug(service), defaults=fields)
        scenes.append(scene)
    listed = set(playlist.entries.values_list("scene_id", flat=True))
    order = (playlist.entries.aggregate(last=Max("order"))["last"] or 0) + 1
    PlaylistEntry.objects.bulk_create(
        PlaylistEntry(playlist=playlist, scene=scene, order=order + i, duration_seconds=seconds_per_scene)
        for i, scene in enumerate(s for s in scenes if s.pk not in listed))
    ensure_state(playlist)
    return scenes
