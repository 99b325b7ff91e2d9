// Hover highlight and click popups for the features of visible layers. Tiles carry the feature id;
// the popup asks the API for the whole feature, so it shows every property of the schema.
import { getJSON, url } from "./api.js";
import { timeSeriesChart } from "./chart.js";
import { el } from "./dom.js";
import { config, pick, t } from "./i18n.js";
import { displayedProperties, featureName, formatValue, propertyLabel } from "./properties.js";

export class Inspector {
  constructor(map, overlays, catalog, handlers) {
    this.map = map;
    this.overlays = overlays;
    this.catalog = new Map(catalog.map((layer) => [layer.slug, layer]));
    this.handlers = handlers; // {summarize(slug, id, name), timeWindow() → {start, end}|null, status(text)}
    this.suspended = false; // while drawing a zone, clicks belong to the drawing
    this.popup = null;
    this.hoverFrame = null;
  }

  attach() {
    this.map.on("mousemove", (event) => {
      if (this.hoverFrame) return;
      this.hoverFrame = requestAnimationFrame(() => {
        this.hoverFrame = null;
        this.hover(event.point);
      });
    });
    this.map.on("mouseout", () => this.overlays.highlight("hover", null, null));
    this.map.on("click", (event) => {
      if (!this.suspended) this.pick(event.point, event.lngLat);
    });
    document.addEventListener("keydown", (event) => {
      if (event.key === "Escape" && this.popup && !event.target.closest?.(".search")) this.close();
    });
  }

  topFeature(point) {
    if (this.suspended) return null;
    const layers = this.overlays.pickableLayerIds().filter((id) => this.map.getLayer(id));
    if (!layers.length) return null;
    const box = [[point.x - 3, point.y - 3], [point.x + 3, point.y + 3]];
    return this.map.queryRenderedFeatures(box, { layers })[0] || null;
  }

  hover(point) {
    const feature = this.topFeature(point);
    this.map.getCanvas().style.cursor = feature ? "pointer" : "";
    this.overlays.highlight("hover", feature ? this.overlays.slugOf(feature.layer.id) : null, feature?.id);
  }

  pick(point, lngLat) {
    const feature = this.topFeature(point);
    if (!feature) {
      // No drawn feature: a visible raster's values (identify.js) may still be there.
      if (!this.suspended) this.handlers.identifyHere?.(lngLat);
      return;
    }
    const slug = this.overlays.slugOf(feature.layer.id);
    if (feature.properties.cluster_count) {
      // A generalized tile: this circle stands for many features; zoom in to see them.
      this.map.easeTo({ center: lngLat, zoom: Math.min(this.map.getZoom() + 2, 18) });
      return;
    }
    if (feature.id === undefined || feature.id === null) return;
    // Under the top feature's popup: everything else under the click (identify.js), when asked for.
    this.open(slug, feature.id, lngLat).then((found) => {
      const holder = found && this.popup?.getElement().querySelector(".feature");
      if (holder) this.handlers.identify?.(point, lngLat, holder);
    });
  }

  close() {
    this.popup?.remove();
    this.popup = null;
  }

  async open(slug, id, lngLat) {
    const layer = this.catalog.get(slug);
    let feature;
    try {
      feature = await getJSON(url(config.urls.feature, { slug, id }));
    } catch (error) {
      this.handlers.status(error.message);
      return null;
    }
    const where = lngLat || feature.geometry.coordinates;
    this.close();
    this.overlays.highlight("selected", slug, id);
    this.popup = new maplibregl.Popup({ maxWidth: "min(26rem, 90vw)", focusAfterOpen: true, className: "feature-popup" })
      .setLngLat(where)
      .setDOMContent(this.content(layer, feature))
      .addTo(this.map);
    this.popup.on("close", () => this.overlays.highlight("selected", null, null));
    this.keepInView();
    return feature;
  }

  // A popup of what identify found where no drawn feature was clicked.
  show(lngLat, node) {
    this.close();
    this.popup = new maplibregl.Popup({ maxWidth: "min(26rem, 90vw)", focusAfterOpen: true, className: "feature-popup" })
      .setLngLat(lngLat)
      .setDOMContent(el("article", { class: "feature identify-only" }, node))
      .addTo(this.map);
    this.keepInView();
  }

  // MapLibre leaves a popup where its anchor puts it, even cut by the map's edge or under the map's
  // tool buttons: pan just enough to show it whole (after any flight to the feature has ended).
  keepInView() {
    const popup = this.popup;
    if (!popup) return;
    const pan = () => {
      if (popup !== this.popup) return;
      const margin = 8;
      const box = this.map.getContainer().getBoundingClientRect();
      const tools = document.querySelector(".map-tools")?.getBoundingClientRect();
      const top = Math.max(box.top, tools ? tools.bottom : box.top) + margin;
      const r = popup.getElement().getBoundingClientRect();
      let dx = 0;
      let dy = 0;
      if (r.top < top) dy = r.top - top;
      else if (r.bottom > box.bottom - margin) dy = Math.min(r.bottom - box.bottom + margin, r.top - top);
      if (r.left < box.left + margin) dx = r.left - box.left - margin;
      else if (r.right > box.right - margin) dx = Math.min(r.right - box.right + margin, r.left - box.left - margin);
      if (dx || dy) this.map.panBy([dx, dy], { duration: 300 });
    };
    if (this.map.isMoving()) this.map.once("moveend", pan);
    else pan();
  }

  content(layer, feature) {
    const props = feature.properties;
    const rows = displayedProperties(layer)
      .filter((prop) => props[prop.name] !== null && props[prop.name] !== undefined && props[prop.name] !== "")
      .map((prop) => [el("dt", {}, propertyLabel(prop)), el("dd", {}, formatValue(layer, prop, props[prop.name]))]);
    const node = el("article", { class: "feature", dataset: { slug: layer.slug, id: String(feature.id) } },
      el("h2", { class: "feature-name" }, featureName(layer, props)),
      el("p", { class: "feature-layer" }, pick(layer.title_vi, layer.title_en)),
      el("dl", { class: "feature-props" }, rows));
    if (layer.geometry_type.includes("Polygon")) {
      node.append(el("button", { type: "button", class: "summarize",
        onclick: () => { this.close(); this.handlers.summarize(layer.slug, feature.id, featureName(layer, props)); } },
        t("What is inside?")));
    }
    const series = this.seriesFor(layer, props);
    if (series) node.append(this.chart(series.layer, series.station, series.prop));
    return node;
  }

  // The time layer holding readings of this station: a station's `code` (or a reading's
  // `station_code`) matched against a visible time layer with a `station_code` property.
  seriesFor(layer, props) {
    const station = props.station_code || props.code;
    if (!station) return null;
    const candidates = [...this.catalog.values()].filter((l) => l.time_kind !== "none" && l.properties.some((p) => p.name === "station_code"));
    const readings = layer.time_kind !== "none" && candidates.includes(layer) ? layer
      : candidates.find((l) => l.domain === layer.domain) || null;
    if (!readings) return null;
    const prop = readings.properties.find((p) => (p.type === "number" || p.type === "integer") && p.unit);
    return prop ? { layer: readings, station, prop } : null;
  }

  chart(readings, station, prop) {
    const holder = el("figure", { class: "feature-chart" }, el("figcaption", {}, t("Readings: %(layer)s", { layer: pick(readings.title_vi, readings.title_en) })));
    const params = { station_code: station, properties: prop.name, limit: 5000 };
    getJSON(url(config.urls.features, { slug: readings.slug }), params).then((collection) => {
      const points = collection.features
        .map((f) => ({ time: new Date(f.properties.datetime), value: f.properties[prop.name] }))
        .filter((p) => typeof p.value === "number" && !Number.isNaN(p.time.getTime()))
        .sort((a, b) => a.time - b.time);
      holder.append(timeSeriesChart(points, { label: propertyLabel(prop), unit: prop.unit, window: this.handlers.timeWindow() }));
      this.keepInView(); // the popup grew
    }).catch((error) => holder.append(el("p", { class: "error" }, error.message)));
    return holder;
  }
}
