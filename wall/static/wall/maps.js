// A map panel of the wall: the dashboard's map (map.js) on the server's basemap, each layer drawn by
// its own style from the tiles endpoints (/tiles/styles/{slug}.json and its TileJSON, overlays.js),
// exactly as the dashboard draws it. The panel adds only what its author chose: a time window (a
// datetime on the layer's tile URLs), a property filter and a colour.
import { getJSON } from "../dashboard/js/api.js";
import { el } from "../dashboard/js/dom.js";
import { config, pick, t } from "../dashboard/js/i18n.js";
import { legend } from "../dashboard/js/legend.js";
import { createMap, loadLabelFont, mapStyle } from "../dashboard/js/map.js";
import { fetchLayerStyle, sourceSpec } from "../dashboard/js/overlays.js";

const COLOR_PAINT = { fill: "fill-color", line: "line-color", circle: "circle-color" };
let fontLoaded = null;

// A scene's maps are drawn from documents fetched once, not at every scene change: a layer's style
// and TileJSON change with its version (every edit bumps it), so they are kept per version; the
// basemap's style names only which layers it draws (each map reads their TileJSON, with current
// versions, itself), so it is asked for again only every few minutes. A failed fetch is forgotten.
const BASEMAP_MAX_AGE_MS = 5 * 60 * 1000;
let basemap = null; // {at, promise}
const styles = new Map(); // slug → {version, promise}

function remembered(promise, forget) {
  promise.catch(forget);
  return promise;
}

function basemapStyle() {
  if (!basemap || Date.now() - basemap.at > BASEMAP_MAX_AGE_MS) {
    const promise = getJSON(config.urls.basemap);
    basemap = { at: Date.now(), promise: remembered(promise, () => { if (basemap?.promise === promise) basemap = null; }) };
  }
  return basemap.promise;
}

function layerStyle(layer) {
  const known = styles.get(layer.slug);
  if (known?.version === layer.version) return known.promise;
  const promise = fetchLayerStyle(layer.slug);
  styles.set(layer.slug, { version: layer.version, promise });
  return remembered(promise, () => { if (styles.get(layer.slug)?.promise === promise) styles.delete(layer.slug); });
}

// The panel's property filter as a MapLibre expression: {name: value | [values] | {gt|gte|lt|lte: n}}.
function panelFilter(filter) {
  const parts = ["all"];
  for (const [name, wanted] of Object.entries(filter || {})) {
    if (Array.isArray(wanted)) parts.push(["in", ["get", name], ["literal", wanted]]);
    else if (wanted !== null && typeof wanted === "object") {
      const ops = { gt: ">", gte: ">=", lt: "<", lte: "<=" };
      for (const [op, bound] of Object.entries(wanted)) parts.push([ops[op], ["to-number", ["get", name]], bound]);
    } else parts.push(["==", ["get", name], wanted]);
  }
  return parts.length > 1 ? parts : null;
}

function tileUrls(tilejson, layer) {
  if (!layer.datetime) return tilejson.tiles;
  return tilejson.tiles.map((tile) => `${tile}${tile.includes("?") ? "&" : "?"}datetime=${encodeURIComponent(layer.datetime)}`);
}

const id = (slug, name) => `L:${slug}:${name}`;
const sameDrawing = (a, b) => JSON.stringify([a.bbox, a.layers.map((l) => [l.slug, l.filter, l.color])]) ===
  JSON.stringify([b.bbox, b.layers.map((l) => [l.slug, l.filter, l.color])]);

// The basemap with the panel's layers between its shapes and its labels, in the author's order.
function compose(base, layers, styles) {
  const sources = { ...base.sources };
  const drawn = [];
  layers.forEach((layer, i) => {
    const { style, tilejsons } = styles[i];
    for (const [name, source] of Object.entries(style.sources)) {
      sources[id(layer.slug, name)] = sourceSpec(source, tilejsons[name], tileUrls(tilejsons[name], layer));
    }
    const filter = panelFilter(layer.filter);
    for (const spec of style.layers) {
      const copy = { ...spec, id: id(layer.slug, spec.id), source: id(layer.slug, spec.source) };
      if (filter) copy.filter = spec.filter ? ["all", spec.filter, filter] : filter;
      if (layer.color && COLOR_PAINT[spec.type]) copy.paint = { ...spec.paint, [COLOR_PAINT[spec.type]]: layer.color };
      drawn.push(copy);
    }
  });
  const labels = base.layers.findIndex((layer) => layer.type === "symbol");
  const at = labels < 0 ? base.layers.length : labels;
  return { ...base, sources, layers: [...base.layers.slice(0, at), ...drawn, ...base.layers.slice(at)] };
}

// Drawn until the styles arrive: the panel has its canvas at once, and keeps it if the server goes
// away before they come.
const EMPTY_STYLE = { version: 8, sources: {}, layers: [] };

export class WallMap {
  // `scale` sizes lines, symbols and labels like the panels' text.
  constructor(body, data, scale) {
    this.body = body;
    this.data = data;
    this.scale = scale;
    this.map = null;
    this.styled = false; // the basemap and the layers' styles are in
    this.broken = false; // a style or a tile failed: asked for again when the server answers again
    this.gone = false;
    this.create();
  }

  create() {
    const container = el("div", { class: "map" });
    this.legend = el("div", { class: "map-legend", "aria-label": t("Legend") });
    this.body.replaceChildren(container, this.legend);
    this.drawLegend();
    try {
      if (!window.maplibregl) throw new Error("no MapLibre");
      this.map = createMap(container, { bounds: this.data.bbox || undefined }, EMPTY_STYLE,
        { display: true, scale: this.scale, padding: 10 });
    } catch {
      this.body.replaceChildren(el("div", { class: "empty" }, t("The map cannot be drawn on this screen")));
      return;
    }
    this.styled = false;
    // A missing tile must not stop the wall; MapLibre would not ask for it again by itself.
    this.map.on("error", (event) => { if (event.tile || event.sourceId) this.broken = true; });
    // Tells a watcher (and the tests) that every tile of the view has been drawn.
    this.map.on("idle", () => { if (this.styled) this.body.parentElement.dataset.mapReady = "true"; });
    this.load();
  }

  async load() {
    const d = this.data;
    let base, drawn;
    try {
      [base, drawn] = await Promise.all([basemapStyle(), Promise.all(d.layers.map(layerStyle)), fontLoaded ??= loadLabelFont()]);
    } catch {
      this.broken = true;
      return;
    }
    if (this.gone || !this.map) return;
    if (d !== this.data) return this.load(); // newer data came meanwhile
    this.styled = true;
    this.map.setStyle(mapStyle(compose(base, d.layers, drawn), this.scale));
  }

  // New data for the same panel: new versions or windows change tile URLs only; other layers,
  // filters, colours or bbox restyle the map.
  // Every wall map explains itself: each layer's title and swatches, in the panel's own colour when
  // its author chose one.
  drawLegend() {
    this.legend.replaceChildren(...this.data.layers.map((layer) => {
      const style = layer.color ? { ...layer.style, color: layer.color, categories: undefined, graduated: undefined } : layer.style;
      return el("section", { class: "map-legend-layer" }, el("h3", {}, pick(layer.title_vi, layer.title_en)), legend({ ...layer, style }));
    }));
  }

  update(d) {
    const before = this.data;
    this.data = d;
    if (!sameDrawing(before, d) || JSON.stringify(before.layers.map((l) => l.style)) !== JSON.stringify(d.layers.map((l) => l.style))) this.drawLegend();
    if (!this.map) return;
    if (!this.styled) {
      if (this.broken) this.retry(); // else the load under way takes the new data
      return;
    }
    if (!sameDrawing(before, d)) {
      if (JSON.stringify(before.bbox) !== JSON.stringify(d.bbox)) this.map.fitBounds(d.bbox || config.bounds, { padding: 10, animate: false });
      return this.load();
    }
    d.layers.forEach((layer, i) => {
      const was = before.layers[i];
      if (layer.version !== was.version || layer.datetime !== was.datetime) this.setTiles(layer);
    });
  }

  // A new version's tiles (its TileJSON names them), or the same tiles over a new window.
  async setTiles(layer) {
    let tilejsons;
    try {
      ({ tilejsons } = await layerStyle(layer));
    } catch {
      this.broken = true;
      return;
    }
    if (this.gone || !this.map) return;
    for (const [name, tilejson] of Object.entries(tilejsons)) {
      this.map.getSource(id(layer.slug, name))?.setTiles(tileUrls(tilejson, layer));
    }
  }

  // The server answers again: a map that missed a style or tiles while it was away is drawn afresh.
  retry() {
    if (!this.broken || !this.map || this.gone) return;
    this.broken = false;
    this.map.remove();
    this.create();
  }

  remove() {
    this.gone = true;
    this.map?.remove();
    this.map = null;
  }
}
