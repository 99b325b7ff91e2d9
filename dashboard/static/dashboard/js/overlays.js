// Catalog layers drawn on the map from the tiles endpoints: each layer's own MapLibre style
// (/tiles/styles/{slug}.json) and TileJSON (/tiles/{slug}.json, whose tile URLs carry the layer
// version). Every id is prefixed "L:{slug}:" so a layer never collides with the basemap's ids.
import { getJSON, url } from "./api.js";
import { config } from "./i18n.js";
import { firstLabelLayer } from "./map.js";
import { UI_SCALE, scaleLayer } from "./scale.js";

const OPACITY_PAINT = {
  fill: ["fill-opacity"],
  line: ["line-opacity"],
  circle: ["circle-opacity", "circle-stroke-opacity"],
  symbol: ["text-opacity"],
  raster: ["raster-opacity"],
};
const HIGHLIGHT = "#ffd000";
const NO_FEATURE = ["==", ["id"], -1];

// A layer's own style and the TileJSON of each of its sources: {style, tilejsons: {name: tilejson}}.
export async function fetchLayerStyle(slug) {
  const style = await getJSON(url(config.urls.style, { slug }));
  const tilejsons = {};
  for (const [name, source] of Object.entries(style.sources)) tilejsons[name] = await getJSON(source.url);
  return { style, tilejsons };
}

// A MapLibre source for one of a style's sources, from its TileJSON, asking for `tiles`.
export function sourceSpec(source, tilejson, tiles) {
  const spec = { type: source.type, tiles, minzoom: tilejson.minzoom, maxzoom: tilejson.maxzoom, attribution: tilejson.attribution };
  if (tilejson.bounds) spec.bounds = tilejson.bounds;
  if (source.type === "raster") spec.tileSize = source.tileSize || 256;
  return spec;
}

export function rank(layer) {
  if (layer.kind === "raster") return 0;
  if (layer.geometry_type.includes("Polygon")) return 1;
  if (layer.geometry_type.includes("LineString")) return 2;
  return 3;
}

export class Overlays {
  constructor(map, catalog) {
    this.map = map;
    this.catalog = new Map(catalog.map((layer) => [layer.slug, layer]));
    this.entries = new Map(); // slug → {ids, base, sources, opacity, visible, timed}
    this.window = null; // the datetime filter of time layers, "start/end" or null
    this.filters = new Map(); // slug → {property: value}, the attribute filters of the map and table
  }

  id(slug, id) {
    return `L:${slug}:${id}`;
  }

  slugOf(layerId) {
    return layerId.startsWith("L:") ? layerId.split(":")[1] : null;
  }

  isVisible(slug) {
    return Boolean(this.entries.get(slug)?.visible);
  }

  visibleSlugs() {
    return [...this.entries].filter(([, entry]) => entry.visible).map(([slug]) => slug);
  }

  // Layers whose features a click or hover may pick: not labels, not highlights.
  pickableLayerIds() {
    const ids = [];
    for (const [, entry] of this.entries) {
      if (entry.visible) ids.push(...entry.ids.filter((id) => !/:(.*-labels|.*-cluster-counts|hover|selected)$/.test(id)));
    }
    return ids;
  }

  async show(slug) {
    const existing = this.entries.get(slug);
    if (existing) {
      existing.visible = true;
      for (const id of existing.ids) this.map.setLayoutProperty(id, "visibility", "visible");
      return;
    }
    const layer = this.catalog.get(slug);
    const entry = { slug, ids: [], base: new Map(), sources: {}, opacity: 1, visible: true, timed: layer.time_kind !== "none", loading: true };
    this.entries.set(slug, entry);
    let style;
    try {
      ({ style, tilejsons: entry.sources } = await fetchLayerStyle(slug));
    } catch (error) {
      this.entries.delete(slug);
      throw error;
    }
    for (const [name, source] of Object.entries(style.sources)) {
      this.map.addSource(this.id(slug, name), sourceSpec(source, entry.sources[name], this.tileUrls(entry.sources[name], entry)));
    }
    const before = this.insertionPoint(layer);
    this.addStyleLayers(slug, style, entry, before);
    if (layer.kind === "vector") this.addHighlights(slug, layer, Object.keys(style.sources)[0], before, entry);
    entry.loading = false;
    if (!entry.visible) this.hide(slug);
    if (entry.opacity !== 1) this.setOpacity(slug, entry.opacity);
  }

  addStyleLayers(slug, style, entry, before) {
    for (const spec of style.layers) {
      const copy = { ...scaleLayer(spec), id: this.id(slug, spec.id), source: this.id(slug, spec.source) };
      copy.layout = { ...(spec.layout || {}), visibility: entry.visible ? "visible" : "none" };
      this.map.addLayer(copy, before);
      entry.ids.push(copy.id);
      for (const prop of OPACITY_PAINT[spec.type] || []) {
        const value = spec.paint?.[prop];
        entry.base.set(`${copy.id}|${prop}`, typeof value === "number" ? value : 1);
      }
    }
  }

  // Draw a shown layer with another MapLibre style of it (a steward's draft, or the saved one again):
  // its drawing layers are replaced in place, under its highlights; sources and tiles stay.
  restyle(slug, style) {
    const entry = this.entries.get(slug);
    if (!entry || entry.loading) return;
    const highlights = new Set([this.id(slug, "hover"), this.id(slug, "selected")]);
    for (const id of entry.ids.filter((id) => !highlights.has(id))) this.map.removeLayer(id);
    entry.ids = entry.ids.filter((id) => highlights.has(id));
    entry.base.clear();
    const before = entry.ids.length ? entry.ids[0] : this.insertionPoint(this.catalog.get(slug));
    this.addStyleLayers(slug, style, entry, before);
    if (entry.opacity !== 1) this.setOpacity(slug, entry.opacity);
  }

  tileUrls(tilejson, entry) {
    // The time window (time layers only) and the layer's attribute filters (filter-builder.js), as
    // the tiles endpoint takes them: the API's own query parameters.
    const params = new URLSearchParams(this.filters.get(entry.slug) || {});
    if (entry.timed && this.window) params.set("datetime", this.window);
    const query = params.toString();
    if (!query) return tilejson.tiles;
    return tilejson.tiles.map((tile) => `${tile}${tile.includes("?") ? "&" : "?"}${query}`);
  }

  // `filters` is {property: value} (the API's property filters); {} shows every feature again.
  setFilters(slug, filters) {
    this.filters.set(slug, filters);
    const entry = this.entries.get(slug);
    if (!entry || entry.loading) return;
    for (const [name, tilejson] of Object.entries(entry.sources)) {
      this.map.getSource(this.id(slug, name))?.setTiles(this.tileUrls(tilejson, entry));
    }
  }

  insertionPoint(layer) {
    // Rasters under polygons under lines under points; all under the basemap's labels.
    const mine = rank(layer);
    for (const styleLayer of this.map.getStyle().layers) {
      const slug = this.slugOf(styleLayer.id);
      if (slug && this.catalog.has(slug) && rank(this.catalog.get(slug)) > mine) return styleLayer.id;
    }
    return firstLabelLayer(this.map);
  }

  addHighlights(slug, layer, sourceName, before, entry) {
    const source = this.id(slug, sourceName);
    const sourceLayer = slug;
    for (const [name, color, width] of [["hover", HIGHLIGHT, 3], ["selected", "#e8175d", 3.5]]) {
      const id = this.id(slug, name);
      const base = { id, source, "source-layer": sourceLayer, filter: NO_FEATURE, layout: { visibility: "visible" } };
      const spec = rank(layer) === 3
        ? { ...base, type: "circle", paint: { "circle-radius": 9 * UI_SCALE, "circle-color": "rgba(0,0,0,0)", "circle-stroke-color": color, "circle-stroke-width": width * UI_SCALE } }
        : { ...base, type: "line", paint: { "line-color": color, "line-width": (width + (rank(layer) === 2 ? 2 : 0)) * UI_SCALE } };
      this.map.addLayer(spec, before);
      entry.ids.push(id);
    }
  }

  highlight(kind, slug, featureId) {
    for (const [other, entry] of this.entries) {
      const id = this.id(other, kind);
      if (!entry.ids.includes(id)) continue;
      this.map.setFilter(id, other === slug && featureId !== null && featureId !== undefined ? ["==", ["id"], featureId] : NO_FEATURE);
    }
  }

  hide(slug) {
    const entry = this.entries.get(slug);
    if (!entry) return;
    entry.visible = false;
    if (entry.loading) return;
    for (const id of entry.ids) this.map.setLayoutProperty(id, "visibility", "none");
  }

  opacity(slug) {
    return this.entries.get(slug)?.opacity ?? 1;
  }

  setOpacity(slug, value) {
    const entry = this.entries.get(slug);
    if (!entry) return;
    entry.opacity = value;
    if (entry.loading) return;
    for (const [key, base] of entry.base) {
      const [id, prop] = key.split("|");
      this.map.setPaintProperty(id, prop, base * value);
    }
  }

  // `window` is "start/end" (RFC 3339) or null for all time; only layers with time follow it.
  setWindow(window) {
    this.window = window;
    for (const [slug, entry] of this.entries) {
      if (!entry.timed || entry.loading) continue;
      for (const [name, tilejson] of Object.entries(entry.sources)) {
        this.map.getSource(this.id(slug, name))?.setTiles(this.tileUrls(tilejson, entry));
      }
    }
  }

  // After an edit the layer has a new version: new TileJSON, new tile URLs, fresh tiles.
  async refresh(slug) {
    const entry = this.entries.get(slug);
    if (!entry || entry.loading) return;
    const style = await getJSON(url(config.urls.style, { slug }));
    for (const [name, source] of Object.entries(style.sources)) {
      const tilejson = await getJSON(source.url);
      entry.sources[name] = tilejson;
      this.map.getSource(this.id(slug, name))?.setTiles(this.tileUrls(tilejson, entry));
    }
  }
}
