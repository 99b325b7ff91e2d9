// The dashboard: wires the map, the panels and the API together. Every piece of data comes from the
// public API and the tiles endpoints, exactly as another app would read them.
import { getJSON, sendJSON, url } from "./api.js";
import { BasemapSwitcher } from "./basemaps.js";
import { Bookmarks } from "./bookmarks.js";
import { CoordinateReadout } from "./coordinates.js";
import { FilterStore } from "./filter-builder.js";
import { Identify } from "./identify.js";
import { MeasureTool } from "./measure.js";
import { debounce, el } from "./dom.js";
import { PolygonTool } from "./draw.js";
import { config, formatNumber, t } from "./i18n.js";
import { Inspector } from "./inspector.js";
import { LayerPanel } from "./layer-panel.js";
import { createMap, loadLabelFont, whenLoaded, whenSettled } from "./map.js";
import { MapLegend } from "./legend.js";
import { MonitoringPanel } from "./monitoring.js";
import { Overlays, fetchLayerStyle, rank } from "./overlays.js";
import { PrintDialog } from "./print.js";
import { ProximityTool } from "./proximity.js";
import { UI_SCALE } from "./scale.js";
import { Search } from "./search.js";
import { readState, writeState } from "./state.js";
import { FeatureTable, geometryBounds } from "./table.js";
import { Timeline } from "./timeline.js";
import { TodayPanel, mountTodayTab } from "./today.js";
import { ZonesPanel } from "./zones.js";

const statusLine = document.getElementById("status");
let statusTimer = null;
function status(text) {
  statusLine.textContent = text;
  clearTimeout(statusTimer);
  statusTimer = setTimeout(() => { statusLine.textContent = ""; }, 8000);
}

function setupTabs(onSelect) {
  const tabs = [...document.querySelectorAll('.tabs [role="tab"]')];
  const select = (tab) => {
    onSelect(tab.id);
    for (const other of tabs) {
      const on = other === tab;
      other.setAttribute("aria-selected", String(on));
      other.tabIndex = on ? 0 : -1;
      document.getElementById(other.getAttribute("aria-controls")).hidden = !on;
    }
  };
  tabs.forEach((tab, index) => {
    tab.addEventListener("click", () => select(tab));
    tab.addEventListener("keydown", (event) => {
      if (event.key !== "ArrowRight" && event.key !== "ArrowLeft") return;
      const next = tabs[(index + (event.key === "ArrowRight" ? 1 : tabs.length - 1)) % tabs.length];
      select(next);
      next.focus();
    });
  });
  return (id) => select(document.getElementById(id));
}

function setupLanguageForm() {
  // Come back to the same view after switching language: the fragment rides along in `next`.
  const form = document.getElementById("language-form");
  const select = document.getElementById("language");
  select.addEventListener("change", () => {
    form.elements.next.value = location.pathname + location.hash;
    form.submit();
  });
  document.getElementById("sign-in")?.addEventListener("click", (event) => {
    event.currentTarget.href = `${event.currentTarget.pathname}?next=${encodeURIComponent(location.pathname + location.hash)}`;
  });
}

async function main() {
  const view = readState();
  // The Monitoring tab loads its services the first time it is opened.
  let monitoring = null;
  // Signed-in staff open on the "today" overview (the page says so by giving its URL).
  const todayRoot = config.overview ? mountTodayTab() : null;
  let today = null;
  const selectTab = setupTabs((id) => {
    if (id === "tab-monitoring") monitoring?.load();
    if (id === "tab-today" && today && !today.loaded) today.load();
  });
  setupLanguageForm();
  const [catalogBody, timelineBody, basemap] = await Promise.all([
    getJSON(config.urls.layers), getJSON(config.urls.timeline), getJSON(config.urls.basemap), loadLabelFont(),
  ]);
  const catalog = catalogBody.layers;
  const bySlug = new Map(catalog.map((layer) => [layer.slug, layer]));
  document.getElementById("layers-note").textContent = t("%(n)s layers you may see. Tick a layer to show it.", { n: catalog.length });

  const map = createMap("map", view, basemap);
  await whenLoaded(map);
  const overlays = new Overlays(map, catalog);
  const opacity = {};
  let timeParam = null;

  const saveView = () => writeState({ map, layers: overlays.visibleSlugs(), opacity, filters: filters.all(),
    time: timeline.param() ? { kind: timeline.kind, start: timeline.window().start.toISOString() } : null });
  // Attribute filters (the API's property filters) shared by the map's tiles, the layer panel, the
  // table and the link.
  const filters = new FilterStore();

  const bbox = () => {
    const b = map.getBounds();
    return [Math.max(-180, b.getWest()), Math.max(-90, b.getSouth()), Math.min(180, b.getEast()), Math.min(90, b.getNorth())];
  };
  // Only the latest question's answer may reach the panel: while the timeline plays, an earlier
  // month's counts can come back after a later month's and would otherwise overwrite them.
  let countsRequest = null;
  const updateCounts = debounce(async () => {
    countsRequest?.abort();
    const request = countsRequest = new AbortController();
    try {
      const box = bbox().map((v) => v.toFixed(5)).join(",");
      const body = await getJSON(config.urls.counts, { bbox: box, datetime: timeParam }, { signal: request.signal });
      // A filtered layer counts what the map shows of it: its features matching the filters, asked of
      // the features API with the same bbox and window (the counts endpoint knows no filters).
      const filtered = Object.entries(filters.all()).filter(([slug]) => slug in body.counts && overlays.isVisible(slug));
      await Promise.all(filtered.map(async ([slug, values]) => {
        const layer = bySlug.get(slug);
        const params = { ...values, bbox: box, limit: 1 };
        if (timeParam && layer.time_kind !== "none") params.datetime = timeParam;
        body.counts[slug] = (await getJSON(url(config.urls.features, { slug }), params, { signal: request.signal })).numberMatched;
      }));
      if (request === countsRequest) panel.setCounts(body.counts);
    } catch (error) {
      if (error.name !== "AbortError") status(error.message);
    }
  }, 300);

  async function toggle(slug, on) {
    panel.setChecked(slug, on);
    if (on) {
      try {
        await overlays.show(slug);
      } catch (error) {
        panel.setChecked(slug, false);
        status(error.message);
      }
    } else {
      overlays.hide(slug);
    }
    timeline.setActive(overlays.visibleSlugs().filter((s) => bySlug.get(s)?.time_kind !== "none"));
    updateLegend();
    if (table.isOpen) table.restart();
    saveView();
  }

  // Top of the drawing first: points over lines over polygons over rasters, as overlays stacks them.
  const mapLegend = new MapLegend(document.getElementById("map-legend"));
  const updateLegend = () => mapLegend.update(overlays.visibleSlugs().map((s) => bySlug.get(s)).sort((a, b) => rank(b) - rank(a)));

  const panel = new LayerPanel(document.getElementById("layer-groups"), catalog, {
    toggle,
    filters,
    opacity: (slug, value) => { opacity[slug] = value; overlays.setOpacity(slug, value); saveView(); },
    zoom: (slug) => {
      const b = bySlug.get(slug).bbox;
      if (b) map.fitBounds([[b[0], b[1]], [b[2], b[3]]], { padding: 40, maxZoom: 15 });
    },
    table: async (slug) => {
      if (!overlays.isVisible(slug)) await toggle(slug, true);
      openTable(slug);
    },
    previewStyle: async (slug, style) => {
      const draft = await getJSON(url(config.urls.style, { slug }), { style: JSON.stringify(style) });
      overlays.restyle(slug, draft);
    },
    saveStyle: async (slug, style) => {
      const saved = await sendJSON("PATCH", url(config.urls.layer, { slug }), { style });
      bySlug.get(slug).style = saved.style;
      bySlug.get(slug).version = saved.version;
      updateLegend();
      const { style: drawn } = await fetchLayerStyle(slug);
      overlays.restyle(slug, drawn);
      await overlays.refresh(slug);
    },
    cancelStyle: async (slug) => overlays.restyle(slug, (await fetchLayerStyle(slug)).style),
  });

  const timeline = new Timeline(document.getElementById("timeline"), timelineBody.layers, (param, span) => {
    timeParam = param;
    monitoring?.setWindow(span, timeline.kind);
    overlays.setWindow(param);
    updateCounts();
    if (table.isOpen) table.restart();
    zones.refreshSummary();
    saveView();
  });

  const inspector = new Inspector(map, overlays, catalog, {
    summarize: (slug, id, name) => { selectTab("tab-zones"); zones.choosePlace({ layer: slug, id, name }); },
    timeWindow: () => timeline.window(),
    status,
    identify: (point, lngLat, holder) => identify.attach(point, lngLat, holder),
    identifyHere: (lngLat) => identify.here(lngLat),
  });
  inspector.attach();
  const identify = new Identify(map, catalog, {
    visibleSlugs: () => overlays.visibleSlugs(),
    datetime: () => timeParam,
    open: (slug, id, lngLat) => inspector.open(slug, id, lngLat),
    keepInView: () => inspector.keepInView(),
    show: (lngLat, node) => inspector.show(lngLat, node),
  });

  // Choosing an indicator shows its layer in place of the previous indicator's, with the slider on
  // its latest period.
  let indicatorLayer = null;
  monitoring = new MonitoringPanel(document.getElementById("monitoring"), {
    catalog, overlays, map, status,
    choose: async (slug, periodStart) => {
      if (indicatorLayer && indicatorLayer !== slug && overlays.isVisible(indicatorLayer)) await toggle(indicatorLayer, false);
      indicatorLayer = slug;
      if (!overlays.isVisible(slug)) await toggle(slug, true);
      if (periodStart) {
        timeline.restore("month", new Date(`${periodStart}T00:00:00+07:00`).toISOString());
        timeline.emit();
      }
    },
  });

  const tool = new PolygonTool(map, {
    change: (polygon) => zones.reshaped(polygon),
    finish: (polygon) => zones.drawn(polygon),
    cancel: () => zones.cancelled(),
  });

  const zones = new ZonesPanel(document.getElementById("zones"), {
    map, tool, catalog, inspector, overlays, status,
    datetime: () => timeParam,
    onZonesChanged: async () => {
      if (!bySlug.has(config.zones_layer)) return;
      if (overlays.isVisible(config.zones_layer)) await overlays.refresh(config.zones_layer);
      else await toggle(config.zones_layer, true);
    },
  });
  zones.load();
  new ProximityTool(document.getElementById("proximity"), { map, catalog, status, datetime: () => timeParam });

  filters.onChange((slug, values) => { overlays.setFilters(slug, values); panel.showFilters(slug); saveView(); updateCounts(); });
  const tableToggle = document.getElementById("table-toggle");
  const table = new FeatureTable(document.getElementById("table-drawer"), catalog, {
    filters,
    visibleSlugs: () => overlays.visibleSlugs(),
    bbox,
    datetime: () => timeParam,
    open: (slug, feature) => {
      const [a, b, c, d] = geometryBounds(feature.geometry);
      if (a === c && b === d) map.flyTo({ center: [a, b], zoom: Math.max(map.getZoom(), 14) });
      else map.fitBounds([[a, b], [c, d]], { padding: 60, maxZoom: 16 });
      const center = feature.geometry.type === "Point" ? feature.geometry.coordinates : [(a + c) / 2, (b + d) / 2];
      inspector.open(slug, feature.id, center);
    },
    close: () => { tableToggle.setAttribute("aria-pressed", "false"); map.resize(); },
  });
  function openTable(slug) {
    table.open(slug);
    tableToggle.setAttribute("aria-pressed", "true");
    map.resize();
  }
  tableToggle.addEventListener("click", () => (table.isOpen ? table.close() : openTable(null)));

  const hitSource = "search-hit";
  map.addSource(hitSource, { type: "geojson", data: { type: "FeatureCollection", features: [] } });
  map.addLayer({ id: "search-hit-line", type: "line", source: hitSource, paint: { "line-color": "#0b62a4", "line-width": 3 * UI_SCALE, "line-dasharray": [2, 1] } });
  let coordinateMarker = null;
  new Search(document.getElementById("search-input"), document.getElementById("search-results"), {
    go: async (result) => {
      coordinateMarker?.remove();
      const [a, b, c, d] = result.bbox;
      if (a === c && b === d) map.flyTo({ center: result.center, zoom: Math.max(map.getZoom(), 15) });
      else map.fitBounds([[a, b], [c, d]], { padding: 60, maxZoom: 16 });
      const feature = await inspector.open(result.layer, result.id, result.center);
      const outline = feature && !feature.geometry.type.includes("Point");
      map.getSource(hitSource).setData(outline ? feature : { type: "FeatureCollection", features: [] });
    },
    goToCoordinate: (c, places) => {
      coordinateMarker?.remove();
      map.getSource(hitSource).setData({ type: "FeatureCollection", features: [] });
      const lines = [`WGS 84: ${c.lat.toFixed(6)}° N, ${c.lon.toFixed(6)}° E`];
      if (c.easting !== null) lines.push(`VN-2000 / TM-3 105°45′: E ${formatNumber(c.easting, 1)} m, N ${formatNumber(c.northing, 1)} m`);
      if (places.length) lines.push(places.map((p) => p.name).join(", "));
      const content = el("div", { class: "coordinate-popup" }, el("h2", {}, t("Coordinate")), lines.map((line) => el("p", {}, line)));
      coordinateMarker = new maplibregl.Marker({ color: "#e8175d", scale: UI_SCALE }).setLngLat([c.lon, c.lat])
        .setPopup(new maplibregl.Popup({ offset: 30 }).setDOMContent(content)).addTo(map);
      map.flyTo({ center: [c.lon, c.lat], zoom: Math.max(map.getZoom(), 14) });
      coordinateMarker.togglePopup();
    },
  });

  // The print layout's legend lists the layers as the map legend does: top of the drawing first.
  const printDialog = new PrintDialog(map, {
    status,
    view: () => ({ layers: overlays.visibleSlugs().map((s) => bySlug.get(s)).sort((a, b) => rank(b) - rank(a)).map((l) => l.slug),
      datetime: timeParam, filters: filters.all() }),
  });
  document.getElementById("print-map").addEventListener("click", () => printDialog.open());
  document.getElementById("export-png").addEventListener("click", () => printDialog.open({ format: "png" }));
  document.getElementById("share").addEventListener("click", async () => {
    saveView();
    try {
      await navigator.clipboard.writeText(location.href);
      status(t("Link copied: it opens this view."));
    } catch {
      window.prompt(t("Copy this link:"), location.href);
    }
  });

  // Show a view: the shared one from the link, or the default layers the caller may see.
  async function applyView(shared) {
    if (shared.center) map.jumpTo({ center: shared.center, zoom: shared.zoom });
    const wanted = (shared.layers || config.default_layers).filter((slug) => bySlug.has(slug));
    for (const slug of overlays.visibleSlugs()) if (!wanted.includes(slug)) await toggle(slug, false);
    // A link's filters replace those in force (a link without any shows its layers unfiltered).
    const linked = shared.filters || {};
    for (const slug of new Set([...Object.keys(filters.all()), ...Object.keys(linked)])) {
      if (bySlug.has(slug)) filters.replace(slug, linked[slug]);
    }
    for (const [slug, value] of Object.entries(shared.opacity)) {
      if (bySlug.has(slug)) { opacity[slug] = value; panel.setOpacity(slug, value); }
    }
    await Promise.all(wanted.map((slug) => toggle(slug, true)));
    for (const [slug, value] of Object.entries(opacity)) overlays.setOpacity(slug, value);
    if (shared.time) timeline.restore(shared.time.kind, shared.time.start);
    else timeline.setKind("all", { silent: true });
    timeParam = timeline.param();
    overlays.setWindow(timeParam);
  }
  await applyView(view);
  // A shared link is a view of its own: it opens on its layers and its window, the overview a tab away.
  const shared = Boolean(view.layers || view.center || view.time);
  if (todayRoot) {
    today = new TodayPanel(todayRoot, {
      status,
      flyTo: async (item) => {
        if (item.layer && bySlug.has(item.layer) && !overlays.isVisible(item.layer)) await toggle(item.layer, true);
        map.flyTo({ center: item.at, zoom: Math.max(map.getZoom(), 13) });
      },
      // The map's layers with time follow the overview's window (not every report of the demo years),
      // unless a shared link brought a view of its own and nobody chose a preset since.
      setWindow: (start, end, { chosen }) => {
        if ((shared && !chosen) || !config.default_layers.length) return;
        timeParam = `${new Date(start).toISOString()}/${new Date(end).toISOString()}`;
        overlays.setWindow(timeParam);
        timeline.showWindow(new Date(start), new Date(end));
        updateCounts();
        if (table.isOpen) table.refresh();
      },
    });
    if (!shared) selectTab("tab-today");
  }
  // A link pasted into this tab changes only the fragment: follow it without a reload.
  window.addEventListener("hashchange", () => applyView(readState()).then(() => { updateCounts(); saveView(); }));
  map.on("moveend", () => { updateCounts(); saveView(); if (table.isOpen) debouncedTable(); });
  const debouncedTable = debounce(() => table.viewChanged(), 400);

  // The toolbox (issue 19, point 8): measure, basemap, bookmarks, and the coordinate readout.
  const toolbox = document.getElementById("map-toolbox");
  const measure = new MeasureTool(map, toolbox, { suspend: (on) => { inspector.suspended = on; } });
  const basemaps = new BasemapSwitcher(map, toolbox);
  new CoordinateReadout(map, document.querySelector(".mapwrap"));
  if (config.user.signed_in) {
    new Bookmarks(toolbox, {
      current: () => {
        const layers = overlays.visibleSlugs();
        const kept = Object.fromEntries(Object.entries(filters.all()).filter(([slug]) => layers.includes(slug)));
        return { center: [map.getCenter().lng, map.getCenter().lat], zoom: map.getZoom(), layers, filters: kept };
      },
      // A bookmark's filters replace those in force, as a link's do.
      apply: (bookmark) => applyView({ center: bookmark.center, zoom: bookmark.zoom, layers: bookmark.layers, opacity: {}, time: null, filters: bookmark.filters || {} })
        .then(() => { updateCounts(); saveView(); }),
      status,
    });
  }
  updateCounts();
  saveView();
  // body[data-map-ready]: the first view is drawn, what the tests' and a watcher's waits look for.
  whenSettled(map).then(() => document.body.setAttribute("data-map-ready", "true"));
  // For people debugging in the console, and for the browser tests that read pixels.
  window.geoIoc = { map, overlays, timeline, zones, tool, inspector, panel, monitoring, today, table, filters, identify, measure, basemaps };
}

main().catch((error) => {
  status(error.message || String(error));
  document.body.setAttribute("data-map-error", error.message || "error");
  throw error;
});
