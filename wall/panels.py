"""Every panel's numbers for one caller: the layout's queries run through `wall.metrics` over the
layers `layers.access` lets the caller see.

Hidden means unnamed: a panel over a layer the caller may not see (or that does not exist) is left
out of the scene entirely, title and all. Which scenes a caller is shown:
- a kpi, chart, table, ticker or indicator panel is shown when the caller may see its layer; a map or a
  freshness panel when it may see at least one of its layers (the others are dropped from it); a clock
  always, with its scene;
- a scene is shown when it carries something of its own for the caller: a shown kpi/chart/table/
  ticker, or a map with none of its layers dropped. A map reduced to its backdrop (district outlines
  under an internal layer) or a clock alone does not keep a scene on the caller's wall. A scene that
  reads no layer at all (clocks only) names nothing and is shown to everybody;
- a scene not shown to the caller answers exactly like an unknown scene (`SceneNotFound`) and is
  skipped in the caller's playlist (`wall.playback.now_showing`).
"""

import hashlib
import json
from collections.abc import Container, Iterable
from datetime import datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from django.utils.formats import number_format
from django.utils.translation import get_language

from layers.access import Caller, access_scope, visible_layers
from layers.errors import SceneNotFound
from layers.models import Layer
from layers.styles import effective_style
from monitoring.alert_queries import firing_stamp
from monitoring.bands import band_of
from monitoring.models import Direction, Indicator
from wall import alerts, indicators, metrics
from wall.models import Scene
from wall.timeframe import duration, reference_time, window_ending


def referenced_slugs(layout: dict[str, Any]) -> set[str]:
    slugs: set[str] = set()
    for panel in layout.get("panels", []):
        query = panel.get("query", {})
        if "layer" in query:
            slugs.add(query["layer"])
        if "names" in query:
            slugs.add(query["names"]["layer"])
        slugs.update(entry["layer"] for entry in query.get("layers", []))
    return slugs


def _visible(user: Caller, layout: dict[str, Any]) -> dict[str, Layer]:
    layers = visible_layers(user).filter(slug__in=referenced_slugs(layout)).only(
        "id", "slug", "version", "kind", "geometry_type", "style", "title_vi", "title_en")
    return {layer.slug: layer for layer in layers}


def _layers_of(panel: dict[str, Any]) -> list[str]:
    query = panel.get("query", {})
    if "layers" in query:  # a map, a freshness panel
        return [entry["layer"] for entry in query["layers"]]
    return [query["layer"]] if "layer" in query else []


def _panel_shown(panel: dict[str, Any], visible: Container[str]) -> bool:
    reads = _layers_of(panel)
    return not reads or any(slug in visible for slug in reads)


def scene_shown(layout: dict[str, Any], visible: Container[str]) -> bool:
    """Whether a scene is on the wall of a caller who may see the layers `visible` (slugs): see the
    module's docstring."""
    reading = [panel for panel in layout["panels"] if _layers_of(panel)]
    return not reading or any(all(slug in visible for slug in _layers_of(panel)) for panel in reading)


def shown_panels(layout: dict[str, Any], visible: Container[str]) -> list[dict[str, Any]]:
    return [panel for panel in layout["panels"] if _panel_shown(panel, visible)]


def visible_scene(user: Caller, slug: str) -> tuple[Scene, dict[str, Layer]]:
    """The scene `slug` and the layers of it `user` may see; SceneNotFound when there is no such
    scene or when it is not shown to `user`, alike."""
    scene = Scene.objects.filter(slug=slug).first()
    if scene is None:
        raise SceneNotFound()
    layers = _visible(user, scene.layout)
    if not scene_shown(scene.layout, layers):
        raise SceneNotFound()
    return scene, layers


def scenes_shown(scenes: Iterable[Scene], user: Caller) -> list[bool]:
    """For each scene, whether it is shown to `user` (one query for all of them)."""
    scenes = list(scenes)
    wanted = set().union(*(referenced_slugs(scene.layout) for scene in scenes))
    visible = set(visible_layers(user).filter(slug__in=wanted).values_list("slug", flat=True))
    return [scene_shown(scene.layout, visible) for scene in scenes]


def data_version(scene: Scene, user: Caller, layers: dict[str, Layer] | None = None) -> str:
    """A stamp that changes whenever the scene's data could: what of the scene the caller is shown,
    the caller's access scope and language, the versions of the layers it reads and, for a live
    scene, the minute (its windows slide). Only what the caller is shown goes in: editing a panel
    hidden from the caller does not change the caller's stamp."""
    now, live = reference_time(scene.as_of)
    layers = _visible(user, scene.layout) if layers is None else layers
    shown = {"slug": scene.slug, "title_vi": scene.title_vi, "title_en": scene.title_en,
             "grid": scene.layout["grid"], "screens": scene.layout.get("screens"),
             "panels": shown_panels(scene.layout, layers)}
    # The language too: a ticker writes its numbers the reader's way.
    parts = [str(scene.pk), json.dumps(shown, sort_keys=True, ensure_ascii=False), access_scope(user),
             get_language() or "", now.strftime("%Y%m%d%H%M") if live else now.isoformat()]
    parts += sorted(f"{slug}:{layer.version}" for slug, layer in layers.items())
    if any(panel["kind"] in alerts.PANELS for panel in shown["panels"]):
        parts.append(firing_stamp(user))  # alerts move without any layer's version changing
    return hashlib.sha256("|".join(parts).encode()).hexdigest()[:20]


def scene_data(scene: Scene, user: Caller, layers: dict[str, Layer] | None = None) -> dict[str, Any]:
    """The scene as `user` is shown it (see `visible_scene`): only the panels it may see."""
    now, live = reference_time(scene.as_of)
    layers = _visible(user, scene.layout) if layers is None else layers
    layout = scene.layout
    return {
        "scene": {"slug": scene.slug, "title_vi": scene.title_vi, "title_en": scene.title_en,
                  "grid": layout["grid"], "screens": layout.get("screens") or layout["grid"],
                  "as_of": now.isoformat(), "live": live},
        "version": data_version(scene, user, layers),
        "panels": [_panel(panel, layers, now, user) for panel in shown_panels(layout, layers)],
    }


def map_panels(scene: Scene, user: Caller) -> tuple[list[dict[str, Any]], bool]:
    """(the scene's map panels exactly as `scene_data` gives them to `user`, live): the tile URLs a
    wall will ask for follow from them. Cheaper than `scene_data`: no number is computed. No panel for
    a scene not shown to `user`."""
    now, live = reference_time(scene.as_of)
    layers = _visible(user, scene.layout)
    if not scene_shown(scene.layout, layers):
        return [], live
    return [_panel(p, layers, now, user) for p in shown_panels(scene.layout, layers) if p["kind"] == "map"], live


def _panel(panel: dict[str, Any], layers: dict[str, Layer], now: datetime, user: Caller = None) -> dict[str, Any]:
    """A panel the caller is shown (`shown_panels`), with its data."""
    out = {key: panel.get(key, "") for key in ("id", "kind", "title_vi", "title_en")}
    out |= {"row": panel["row"], "col": panel["col"], "rows": panel.get("rows", 1), "cols": panel.get("cols", 1)}
    query = panel.get("query", {})
    if panel["kind"] == "clock":
        return out | {"data": {}}
    if panel["kind"] in alerts.PANELS:  # over the rules `user` may see, not over a layer of the layout
        return out | {"data": alerts.PANELS[panel["kind"]](query, user, now)}
    if panel["kind"] == "map":
        kept = [entry for entry in query["layers"] if entry["layer"] in layers]
        if len(kept) < len(query["layers"]):
            # The author's title describes the whole map, dropped layers included ("Traffic incidents,
            # 30 days" over district outlines): name only what this caller is shown.
            for lang in ("vi", "en"):
                out[f"title_{lang}"] = ", ".join(getattr(layers[e["layer"]], f"title_{lang}") for e in kept)
        shown = [_map_layer(entry, layers[entry["layer"]], now) for entry in kept]
        return out | {"data": {"layers": shown, "bbox": query.get("bbox")}}
    layer = layers.get(query.get("layer", ""))  # None for a panel over several layers (freshness)
    return out | {"data": _COMPUTE[panel["kind"]](query, layer, layers, now)}


def _selection(query: dict[str, Any], layer: Layer, now: datetime, window: str | None = None) -> metrics.Selection:
    window = window or query.get("window")
    return metrics.Selection(layer.pk, query.get("filter", {}), window_ending(now, window) if window else None)


def _units(query: dict[str, Any]) -> dict[str, Any]:
    return {"unit_vi": query.get("unit_vi", ""), "unit_en": query.get("unit_en", ""),
            "decimals": query.get("decimals", 0)}


def _kpi(query: dict[str, Any], layer: Layer, layers: dict[str, Layer], now: datetime) -> dict[str, Any]:
    selection = _selection(query, layer, now)
    agg, prop = query.get("aggregate", "count"), query.get("property")
    value = metrics.aggregate(selection, aggregate=agg, prop=prop)
    previous = None
    if query.get("compare") and selection.window is not None:
        before = metrics.Selection(selection.layer_id, selection.filters, selection.window.previous())
        previous = metrics.aggregate(before, aggregate=agg, prop=prop)
    change = value - previous if value is not None and previous is not None else None
    return {"value": value, "previous": previous, "change": change, "window": query.get("window"),
            "better": query.get("better"), "band": _kpi_band(query, value)} | _units(query)


def _kpi_band(query: dict[str, Any], value: int | float | None) -> str | None:
    """The band of a plain KPI with thresholds, by the indicators' one rule (monitoring.bands); None
    when its layout sets none."""
    thresholds = query.get("bands")
    if not thresholds:
        return None
    # An unsaved indicator carries the thresholds and their direction to band_of: no second rule.
    direction = Direction.HIGHER_IS_BETTER if query.get("better") == "up" else Direction.HIGHER_IS_WORSE
    rule = Indicator(direction=direction, watch_at=thresholds.get("watch_at"), critical_at=thresholds.get("critical_at"))
    return band_of(rule, value)


def _chart(query: dict[str, Any], layer: Layer, layers: dict[str, Layer], now: datetime) -> dict[str, Any]:
    points = metrics.series(_selection(query, layer, now), bucket=duration(query["bucket"]),
                            aggregate=query.get("aggregate", "count"), prop=query.get("property"))
    return {"points": [{"t": t.isoformat(), "value": v} for t, v in points], "bucket": query["bucket"]} | _units(query)


def _table(query: dict[str, Any], layer: Layer, layers: dict[str, Layer], now: datetime) -> dict[str, Any]:
    rows = metrics.ranking(_selection(query, layer, now), group_by=query["group_by"],
                           aggregate=query.get("aggregate", "count"), prop=query.get("property"),
                           limit=query.get("limit", 10))
    names: dict[str, str] = {}
    spec = query.get("names")
    if spec and spec["layer"] in layers:
        names = metrics.labels(layers[spec["layer"]].pk, key=spec["key"], label=spec["label"], keys=[k for k, _ in rows])
    return {"rows": [{"key": k, "label": names.get(k, k), "value": v} for k, v in rows]} | _units(query)


def _ticker(query: dict[str, Any], layer: Layer, layers: dict[str, Layer], now: datetime) -> dict[str, Any]:
    # Nothing after "now": with a reference time in the past, later features are the future.
    selection = _selection(query, layer, now, window=query.get("window", "3650d"))
    labels = query.get("labels", {})
    items = metrics.latest(selection, props=query["text"], limit=query.get("limit", 8))
    return {"items": [{"t": t.isoformat(),
                       "text": " · ".join(_ticker_part(v, labels, query) for v in values if v)}
                      for t, values in items]}


def _ticker_part(value: str, labels: dict[str, str], query: dict[str, Any]) -> str:
    """A label for a code; with `decimals` in the query, a number written the reader's way (8,3 in
    Vietnamese) with its unit; anything else as it is."""
    if value in labels:
        return labels[value]
    if "decimals" not in query:
        return value
    try:
        number = Decimal(value)
    except InvalidOperation:
        return value
    unit = query.get("unit_en" if get_language() == "en" else "unit_vi", "")
    return number_format(number, decimal_pos=query["decimals"]) + (f" {unit}" if unit else "")


def _map_layer(entry: dict[str, Any], layer: Layer, now: datetime) -> dict[str, Any]:
    # A live window ends on the whole minute: its tile URLs then stay the same (and cached) for a
    # minute, instead of changing with every poll and making the map reload all its tiles.
    minute = now.replace(second=0, microsecond=0)
    window = window_ending(minute, entry["window"]) if "window" in entry else None
    if entry.get("period") == "latest":
        # A date is its whole first day: the features of that period only.
        latest = indicators.latest_period(layer, now)
        when = latest.isoformat() if latest else None
    else:
        when = f"{window.start.isoformat()}/{window.end.isoformat()}" if window else None
    return {"slug": layer.slug, "version": layer.version, "geometry_type": layer.geometry_type,
            # For the map's legend: the names and the style the tiles are drawn with.
            "title_vi": layer.title_vi, "title_en": layer.title_en, "kind": layer.kind, "style": effective_style(layer),
            # Only the author's own colour: the layer's style (/tiles/styles/{slug}.json) draws the rest.
            "color": entry.get("color"),
            "filter": entry.get("filter", {}),
            "datetime": when}


_COMPUTE = {"kpi": _kpi, "chart": _chart, "table": _table, "ticker": _ticker,
            "indicator_kpi": indicators.kpi, "indicator_chart": indicators.trend,
            "indicator_table": indicators.best_and_worst, "freshness": indicators.freshness}
