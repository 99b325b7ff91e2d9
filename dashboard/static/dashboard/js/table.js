// The feature table: the features of one visible layer inside the map view (and time window),
// from the GeoJSON API with bbox=; a row opens the feature on the map.
import { getJSON, url } from "./api.js";
import { clear, el } from "./dom.js";
import { config, formatNumber, pick, t } from "./i18n.js";
import { displayedProperties, formatValue, propertyLabel } from "./properties.js";

const ROWS = 200;
const COLUMNS = 8;

export function geometryBounds(geometry) {
  let minX = Infinity, minY = Infinity, maxX = -Infinity, maxY = -Infinity;
  const walk = (coords) => {
    if (typeof coords[0] === "number") {
      minX = Math.min(minX, coords[0]); maxX = Math.max(maxX, coords[0]);
      minY = Math.min(minY, coords[1]); maxY = Math.max(maxY, coords[1]);
    } else coords.forEach(walk);
  };
  walk(geometry.coordinates);
  return [minX, minY, maxX, maxY];
}

export class FeatureTable {
  constructor(root, catalog, handlers) {
    this.root = root;
    this.catalog = new Map(catalog.map((layer) => [layer.slug, layer]));
    this.handlers = handlers; // {visibleSlugs(), bbox(), datetime(), open(slug, feature), close()}
    this.slug = null;
    this.sort = null; // {name, descending}
    this.features = [];
    this.request = 0;
  }

  get isOpen() {
    return !this.root.hidden;
  }

  open(slug) {
    const choices = this.choices();
    this.slug = slug && this.catalog.has(slug) ? slug : this.slug && choices.includes(this.slug) ? this.slug : choices[0] || null;
    this.root.hidden = false;
    this.refresh();
  }

  close() {
    this.root.hidden = true;
    this.handlers.close();
  }

  choices() {
    return this.handlers.visibleSlugs().filter((slug) => this.catalog.get(slug)?.kind === "vector");
  }

  async refresh() {
    if (!this.isOpen) return;
    const layer = this.catalog.get(this.slug);
    const ticket = ++this.request;
    if (!layer) {
      this.render(null, null);
      return;
    }
    const bbox = this.handlers.bbox();
    const params = { bbox: bbox.map((v) => v.toFixed(6)).join(","), limit: ROWS };
    const datetime = this.handlers.datetime();
    if (datetime && layer.time_kind !== "none") params.datetime = datetime;
    try {
      const collection = await getJSON(url(config.urls.features, { slug: layer.slug }), params);
      if (ticket === this.request) this.render(layer, collection);
    } catch (error) {
      if (ticket === this.request) this.render(layer, null, error.message);
    }
  }

  render(layer, collection, error) {
    clear(this.root);
    const select = el("select", { id: "table-layer", onchange: (e) => { this.slug = e.target.value; this.sort = null; this.refresh(); } },
      this.choices().map((slug) => el("option", { value: slug, selected: slug === this.slug }, pick(this.catalog.get(slug).title_vi, this.catalog.get(slug).title_en))));
    const head = el("div", { class: "table-head" },
      el("label", { for: "table-layer" }, t("Layer")), select,
      el("span", { class: "table-count", role: "status" }, collection
        ? t("%(shown)s of %(matched)s features in the map view", { shown: formatNumber(collection.numberReturned), matched: formatNumber(collection.numberMatched) })
        : layer ? "" : t("Turn on a layer to list its features.")),
      el("button", { type: "button", class: "close", onclick: () => this.close(), "aria-label": t("Close the table") }, "×"));
    this.root.append(head);
    if (error) this.root.append(el("p", { class: "error" }, error));
    if (!layer || !collection) return;
    this.features = collection.features;
    const columns = displayedProperties(layer).slice(0, COLUMNS);
    const rows = [...this.features];
    if (this.sort) {
      const { name, descending } = this.sort;
      rows.sort((a, b) => {
        const x = a.properties[name], y = b.properties[name];
        const order = x === y ? 0 : x === null || x === undefined ? 1 : y === null || y === undefined ? -1 : x < y ? -1 : 1;
        return descending ? -order : order;
      });
    }
    const headerCells = columns.map((prop) => {
      const sorted = this.sort?.name === prop.name;
      return el("th", { scope: "col", "aria-sort": sorted ? (this.sort.descending ? "descending" : "ascending") : "none" },
        el("button", { type: "button", onclick: () => { this.sort = { name: prop.name, descending: sorted && !this.sort.descending }; this.render(layer, collection); } },
          propertyLabel(prop), sorted ? (this.sort.descending ? " ▾" : " ▴") : ""));
    });
    const body = rows.map((feature) => el("tr", { tabindex: "0", dataset: { id: String(feature.id) },
      onclick: () => this.handlers.open(layer.slug, feature),
      onkeydown: (e) => { if (e.key === "Enter" || e.key === " ") { e.preventDefault(); this.handlers.open(layer.slug, feature); } } },
      columns.map((prop) => el("td", { class: prop.type === "number" || prop.type === "integer" ? "num" : null }, formatValue(layer, prop, feature.properties[prop.name])))));
    this.root.append(el("div", { class: "table-scroll" }, el("table", {}, el("thead", {}, el("tr", {}, headerCells)), el("tbody", {}, body))));
  }
}
