"""The "today" overview: what needs attention over one time window, for one caller.

Every number is counted over what the caller may see (layers.access, through each app's own visible_*
function): an outsider's overview never counts a restricted layer's indicator, alert or feature, and
names none of them. "Now" is the platform's now (wall.timeframe.reference_time: settings.WALL_NOW, else
the clock), so a demo pinned to 30 November 2026 opens on that day, not on an arbitrary one.
"""

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from django.conf import settings
from django.contrib.gis.db.models.functions import PointOnSurface
from django.db.models import Q

from feedback.kpis import kpis
from feedback.models import OPEN_STATUSES, Report
from layers.access import Caller, visible_layers
from monitoring.access import visible_indicators
from monitoring.bands import CRITICAL, GOOD, NONE, WATCH, band_of
from monitoring.freshness import LATE, STALE, freshness_of, latest_periods
from monitoring.models import AdminUnit, AlertState, AlertStatus, Value
from monitoring.rules import visible_rules
from dashboard.queries import latest_per_station
from wall import metrics
from wall.timeframe import Window, reference_time

LOCAL = ZoneInfo("Asia/Ho_Chi_Minh")
PRESETS = {"24h": timedelta(hours=24), "7d": timedelta(days=7), "30d": timedelta(days=30)}
PRESET_NAMES = ("today", *PRESETS)
# A list to act on, not a register: the worst first, this many of each kind.
ATTENTION_PER_KIND = 8


@dataclass(frozen=True)
class Card:
    key: str
    value: int | None
    # The same count over the window before (None when it has no meaning, e.g. "overdue now").
    previous: int | None = None
    # Which way of a change is good news; the dashboard colours a change by it (worse is red).
    better: str | None = None
    band: str = NONE  # good | watch | critical | none: how the figure itself reads
    layer: str | None = None  # the layer that shows it on the map, when the caller may see one


def platform_now() -> datetime:
    return reference_time(None)[0]


def preset_window(preset: str, now: datetime) -> Window:
    """"today" is the province's calendar day up to now; the others end now."""
    if preset == "today":
        local = now.astimezone(LOCAL)
        return Window(local.replace(hour=0, minute=0, second=0, microsecond=0), now)
    return Window(now - PRESETS[preset], now)


def _band_of_count(value: int | None, *, watch: int = 1, critical: int | None = None) -> str:
    """Counts of things that need someone (late data, overdue reports, alerts): none is good."""
    if value is None:
        return NONE
    if critical is not None and value >= critical:
        return CRITICAL
    return WATCH if value >= watch else GOOD


def _point(geom) -> list[float] | None:
    if geom is None:
        return None
    centre = geom if geom.geom_type == "Point" else geom.point_on_surface
    return [round(centre.x, 6), round(centre.y, 6)]


def _indicators(user: Caller, now: datetime) -> tuple[list[Card], list[dict]]:
    """Indicators whose latest period has communes in the critical band, and indicators whose data is
    late: two cards and their items. One query for the latest periods, one for their values."""
    indicators = list(visible_indicators(user).select_related("service"))
    latest = latest_periods(indicators)
    late, late_items = [], []
    for indicator in indicators:
        state = freshness_of(indicator, latest=latest.get(indicator.pk), now=now)
        if state.state in (LATE, STALE):
            late.append(indicator)
            late_items.append({"kind": "late_data", "severity": "critical" if state.state == STALE else "watch",
                               "title_vi": indicator.title_vi, "title_en": indicator.title_en,
                               "detail": state.last_due_period, "indicator": indicator.slug, "at": None,
                               "layer": indicator.layer.slug})
    # Missing two periods before missing one; then the catalogue's order.
    items = sorted(late_items, key=lambda item: item["severity"] != "critical")[:ATTENTION_PER_KIND]
    wanted = Q(pk__in=[])
    for pk, start in latest.items():
        wanted |= Q(indicator_id=pk, period_start=start)
    by_pk = {i.pk: i for i in indicators}
    critical_units: dict[int, list[int]] = {}
    for pk, value, unit_id in Value.objects.filter(wanted).order_by("unit_id").values_list(
            "indicator_id", "value", "unit_id"):
        if band_of(by_pk[pk], value) == CRITICAL:
            critical_units.setdefault(pk, []).append(unit_id)
    # Where to fly: a point inside the first critical unit of each (not the whole outline).
    inside = dict(AdminUnit.objects.filter(pk__in=[units[0] for units in critical_units.values()])
                  .annotate(inside=PointOnSurface("geom")).values_list("pk", "inside"))
    critical = [by_pk[pk] for pk in critical_units]
    for indicator in sorted(critical, key=lambda i: -len(critical_units[i.pk]))[:ATTENTION_PER_KIND]:
        units = critical_units[indicator.pk]
        items.append({"kind": "indicator_critical", "severity": "critical",
                      "title_vi": indicator.title_vi, "title_en": indicator.title_en,
                      "detail": str(latest[indicator.pk]), "count": len(units), "indicator": indicator.slug,
                      "at": _point(inside.get(units[0])), "layer": indicator.layer.slug})
    cards = [
        Card("indicators_critical", len(critical), better="down",
             band=CRITICAL if critical else (GOOD if indicators else NONE)),
        Card("late_data", len(late), better="down",
             band=_band_of_count(len(late), critical=max(1, len(indicators) // 2)) if indicators else NONE),
    ]
    return cards, items


def _alerts(user: Caller) -> tuple[list[Card], list[dict]]:
    firing = (AlertState.objects.filter(rule__in=visible_rules(user), status=AlertStatus.FIRING)
              .select_related("rule", "event").order_by("-since"))
    states = sorted(firing, key=lambda s: s.rule.severity != "critical")  # critical first, newest first
    open_ = [s for s in states if s.event is None or s.event.acknowledged_at is None]
    items = [{"kind": "alert", "severity": "critical" if s.rule.severity == "critical" else "watch",
              "title_vi": s.rule.title_vi, "title_en": s.rule.title_en, "detail": s.area_name,
              "value": s.value, "at": _point(s.geom), "layer": s.rule.layer.slug if s.rule.layer_id else None}
             for s in open_[:ATTENTION_PER_KIND]]
    return [Card("alerts_firing", len(states), better="down", band=_band_of_count(len(states))),
            Card("alerts_unacknowledged", len(open_), better="down", band=_band_of_count(len(open_), critical=1))], items


def _overdue_reports(now: datetime) -> Q:
    """The rule of feedback.kpis' `overdue_now`, on the ORM: open and past a deadline at `now`."""
    return Q(status__in=OPEN_STATUSES, received_at__lte=now) & (
        Q(resolve_due__lt=now) | Q(acknowledged_at__isnull=True, acknowledge_due__lt=now))


def _feedback(window: Window, now: datetime) -> tuple[list[Card], list[dict]]:
    start, end = window.closed()
    before_start, before_end = window.previous().closed()
    current = kpis(by="category", start=start, end=end, now=now)
    before = kpis(by="category", start=before_start, end=before_end, now=now)
    overdue = Report.objects.filter(_overdue_reports(now))
    oldest = overdue.order_by("resolve_due").values_list(
        "pk", "description", "commune_name", "location", "resolve_due")[:ATTENTION_PER_KIND]
    items = [{"kind": "overdue_report", "severity": "critical", "title_vi": description[:120],
              "title_en": description[:120], "detail": commune, "id": f"1022-{pk}", "due": due.isoformat(),
              "at": _point(location), "layer": settings.FEEDBACK_LAYER}
             for pk, description, commune, location, due in oldest]
    layer = settings.FEEDBACK_LAYER
    return [
        Card("new_reports", sum(k.received for k in current), previous=sum(k.received for k in before), layer=layer),
        Card("processed_reports", sum(k.processed for k in current), previous=sum(k.processed for k in before),
             better="up", layer=layer),
        Card("overdue_reports", overdue.count(), better="down", band=_band_of_count(overdue.count(), critical=10),
             layer=layer),
    ], items


def _layer_count(layer_id: int, window: Window, *, filters: dict | None = None, aggregate: str = "count",
                 prop: str | None = None) -> tuple[int, int]:
    """(this window, the window before) of one visible layer, by the wall's one counting rule."""
    now = metrics.aggregate(metrics.Selection(layer_id, filters or {}, window), aggregate=aggregate, prop=prop)
    then = metrics.aggregate(metrics.Selection(layer_id, filters or {}, window.previous()), aggregate=aggregate,
                             prop=prop)
    return int(now or 0), int(then or 0)


def _layers(visible: dict[str, int], window: Window) -> tuple[list[Card], list[dict]]:
    cards, items = [], []
    incidents = settings.DASHBOARD_OVERVIEW_INCIDENTS_LAYER
    if incidents in visible:
        value, previous = _layer_count(visible[incidents], window)
        cards.append(Card("incidents", value, previous=previous, better="down", layer=incidents))
    stations, limit = settings.DASHBOARD_OVERVIEW_LIMIT_LAYER, settings.DASHBOARD_OVERVIEW_LIMIT_FILTER
    if stations in visible:
        value, previous = _layer_count(visible[stations], window, filters=limit, aggregate="count_distinct",
                                       prop=settings.DASHBOARD_OVERVIEW_STATION_PROPERTY)
        cards.append(Card("stations_over_limit", value, previous=previous, better="down",
                          band=_band_of_count(value), layer=stations))
        over = latest_per_station(metrics.Selection(visible[stations], limit, window),
                                  station=settings.DASHBOARD_OVERVIEW_STATION_PROPERTY,
                                  name=settings.DASHBOARD_OVERVIEW_STATION_NAME, limit=ATTENTION_PER_KIND)
        items += [{"kind": "station_over_limit", "severity": "watch", "title_vi": row["name"], "title_en": row["name"],
                   "detail": "", "when": row["at"].isoformat(), "at": row["point"], "layer": stations}
                  for row in over]
    return cards, items


def overview(user: Caller, *, window: Window, now: datetime) -> dict[str, Any]:
    """The cards and the attention list of `user` over `window` (ending at or before `now`)."""
    wanted = [settings.FEEDBACK_LAYER, settings.DASHBOARD_OVERVIEW_INCIDENTS_LAYER,
              settings.DASHBOARD_OVERVIEW_LIMIT_LAYER]
    visible = dict(visible_layers(user).filter(slug__in=wanted).values_list("slug", "id"))
    cards: list[Card] = []
    items: list[dict] = []
    if settings.FEEDBACK_LAYER in visible:
        found, listed = _feedback(window, now)
        cards += found
        items += listed
    found, listed = _layers(visible, window)
    cards += found
    items += listed
    if user is not None and user.is_authenticated:
        for part in (_alerts(user), _indicators(user, now)):
            cards += part[0]
            items += part[1]
    order = {"critical": 0, "watch": 1}
    items.sort(key=lambda item: order.get(item["severity"], 2))
    return {"now": now, "start": window.start, "end": window.end,
            "cards": [card.__dict__ for card in cards], "attention": items}
