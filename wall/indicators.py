"""Wall panels over monitoring indicators. An indicator is a layer: a panel names the layer, so the
wall's one visibility rule (wall.panels over layers.access) decides who sees it, and the numbers come
from monitoring.values as the API gives them (province totals as sums, ratios of sums or weighted
means; each period on the boundary set valid at it).

"Latest" is the latest period with values that has begun by the scene's "now".
"""

from collections import Counter
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from django.db.models import Max

from layers.models import Layer
from monitoring import freshness as monitoring_freshness
from monitoring.bands import NONE, band_of
from monitoring.models import Direction, Indicator
from monitoring.periods import label, period_start
from monitoring.values import Window, read_values

LOCAL_ZONE = "Asia/Ho_Chi_Minh"
TREND_PERIODS = 24
TABLE_ROWS = 5


def indicator_of(layer: Layer) -> Indicator:
    return Indicator.objects.select_related("service", "service__department").get(layer_id=layer.pk)


def _today(now: datetime) -> date:
    return now.astimezone(ZoneInfo(LOCAL_ZONE)).date()


def latest_period(layer: Layer, now: datetime, indicator: Indicator | None = None) -> date | None:
    indicator = indicator or indicator_of(layer)
    return indicator.values.filter(period_start__lte=_today(now)).aggregate(latest=Max("period_start"))["latest"]


def _back(start: date, period_type: str, periods: int) -> date:
    for _ in range(periods):
        start = period_start(start - timedelta(days=1), period_type)
    return start


def _units(indicator: Indicator) -> dict[str, Any]:
    return {"unit_vi": indicator.unit, "unit_en": indicator.unit_en or indicator.unit,
            "decimals": indicator.decimals, "direction": indicator.direction}


def _province(indicator: Indicator, first: date, last: date) -> tuple[list[dict], list[dict]]:
    found = read_values(indicator, boundary=None, window=Window(first=first, last=last))
    return found["province"], found["values"]


def _band(indicator: Indicator, total: dict | None, units: list[dict]) -> str:
    """The band of the province's figure; a sum has no thresholds of its own (they are per unit):
    then the band most of its units are in."""
    if total is None:
        return NONE
    if total.get("band"):
        return total["band"]
    counts = Counter(v["band"] for v in units if v["period"] == total["period"])
    return counts.most_common(1)[0][0] if counts else band_of(indicator, None)


def kpi(query: dict, layer: Layer, layers: dict, now: datetime) -> dict[str, Any]:
    indicator = indicator_of(layer)
    latest = latest_period(layer, now, indicator)
    if latest is None:
        return {"value": None, "previous": None, "change": None, "band": NONE, "period": None} | _units(indicator)
    before = _back(latest, indicator.period_type, 1)
    totals, units = _province(indicator, before, latest)
    by_start = {row["period_start"]: row for row in totals}
    last, prev = by_start.get(latest.isoformat()), by_start.get(before.isoformat())
    value = last["value"] if last else None
    previous = prev["value"] if prev else None
    return {"value": value, "previous": previous,
            "change": value - previous if value is not None and previous is not None else None,
            "band": _band(indicator, last, units), "period": label(latest, indicator.period_type)} | _units(indicator)


def trend(query: dict, layer: Layer, layers: dict, now: datetime) -> dict[str, Any]:
    indicator = indicator_of(layer)
    latest = latest_period(layer, now, indicator)
    if latest is None:
        return {"points": []} | _units(indicator)
    first = _back(latest, indicator.period_type, query.get("periods", TREND_PERIODS) - 1)
    totals, units = _province(indicator, first, latest)
    return {"points": [{"period": row["period"], "start": row["period_start"], "value": row["value"],
                        "band": _band(indicator, row, units), "derived": row["derived"]} for row in totals]} \
        | _units(indicator)


def _unit_row(value: dict) -> dict[str, Any]:
    return {"code": value["unit"], "name": value["name"], "value": value["value"], "band": value["band"]}


def best_and_worst(query: dict, layer: Layer, layers: dict, now: datetime) -> dict[str, Any]:
    indicator = indicator_of(layer)
    latest = latest_period(layer, now, indicator)
    if latest is None:
        return {"best": [], "worst": [], "period": None} | _units(indicator)
    _totals, units = _province(indicator, latest, latest)
    higher_better = indicator.direction == Direction.HIGHER_IS_BETTER
    ranked = sorted(units, key=lambda v: (-v["value"] if higher_better else v["value"], v["unit"]))
    limit = query.get("limit", TABLE_ROWS)
    return {"best": [_unit_row(v) for v in ranked[:limit]], "worst": [_unit_row(v) for v in ranked[::-1][:limit]],
            "units": len(ranked), "period": label(latest, indicator.period_type)} | _units(indicator)


def freshness(query: dict, layer: Layer | None, layers: dict, now: datetime) -> dict[str, Any]:
    """The freshness of the panel's indicators the caller may see, and the worst of them."""
    shown = [layers[entry["layer"]] for entry in query["layers"] if entry["layer"] in layers]
    indicators = list(Indicator.objects.select_related("service").filter(layer__in=shown))
    latest = monitoring_freshness.latest_periods(indicators)
    entries = []
    for indicator in indicators:
        found = monitoring_freshness.freshness_of(indicator, latest=latest.get(indicator.pk), now=now)
        entries.append({"title_vi": indicator.title_vi, "title_en": indicator.title_en} | found.as_dict())
    service = indicators[0].service if indicators else None
    return {"state": monitoring_freshness.worst([e["state"] for e in entries]), "indicators": entries,
            "due": {"rule": service.due_rule, "day": service.due_day, "hour": service.due_hour} if service else None}
