// The attribute table: the features of one visible layer, in the map view or everywhere (and in the
// time window), page after page from the GeoJSON API. Every column of the schema, with names for
// codes; the order (sortby) and the filters (the API's property filters, shared with the map) are the
// server's, so a page of a sorted, filtered table is the same page whoever asks. The downloads are
// the same question asked for every page: they hold exactly the rows the table pages through.
import { getJSON, url, withParams } from "./api.js";
import { clear, el } from "./dom.js";
import { config, formatNumber, pick, t } from "./i18n.js";
import { filterBuilder } from "./filter-builder.js";
import { displayedProperties, formatValue, propertyLabel } from "./properties.js";

const PAGE = 100;
// A download asks for pages this big (the API clamps at LAYERS_PAGE_MAX).
const DOWNLOAD_PAGE = 10000;

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

// A value as a CSV cell: names for codes (as the table shows them), numbers and dates as stored.
function csvValue(layer, prop, value) {
  if (value === null || value === undefined) return "";
  if (typeof value === "object") return JSON.stringify(value);
  const coded = (prop.choices || []).length || layer.style?.categories?.property === prop.name || prop.type === "boolean";
  return coded ? formatValue(layer, prop, value) : String(value);
}

function csvCell(text) {
  return /[",\n\r]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

export function featuresCsv(layer, features) {
  const columns = displayedProperties(layer);
  const points = layer.geometry_type.includes("Point");
  const head = ["id", "source_id", ...columns.map((p) => `${propertyLabel(p)} (${p.name})`), ...(points ? ["lon", "lat"] : [])];
  const rows = features.map((f) => [String(f.id), f.properties.source_id ?? "",
    ...columns.map((p) => csvValue(layer, p, f.properties[p.name])),
    ...(points && f.geometry?.type === "Point" ? f.geometry.coordinates.map(String) : points ? ["", ""] : [])]);
  // A byte-order mark: spreadsheet programs then read the Vietnamese text as UTF-8.
  return "\ufeff" + [head, ...rows].map((row) => row.map(csvCell).join(",")).join("\r\n") + "\r\n";
}

function save(name, type, text) {
  const link = el("a", { href: URL.createObjectURL(new Blob([text], { type })), download: name });
  document.body.append(link);
  link.click();
  setTimeout(() => { URL.revokeObjectURL(link.href); link.remove(); }, 1000);
}

export class FeatureTable {
  constructor(root, catalog, handlers) {
    this.root = root;
    this.catalog = new Map(catalog.map((layer) => [layer.slug, layer]));
    // {visibleSlugs(), bbox(), datetime(), filters: FilterStore, open(slug, feature), close()}
    this.handlers = handlers;
    this.slug = null;
    this.sort = null; // {name, descending}
    this.inView = true; // only the features in the map view
    this.pages = []; // the URLs of the pages before this one (Back)
    this.pageUrl = null; // this page: the first one's, or a `next` link
    this.features = [];
    this.request = 0;
    handlers.filters.onChange((slug) => { if (slug === this.slug) this.restart(); });
  }

  get isOpen() {
    return !this.root.hidden;
  }

  open(slug) {
    const choices = this.choices();
    const next = slug && this.catalog.has(slug) ? slug : this.slug && choices.includes(this.slug) ? this.slug : choices[0] || null;
    if (next !== this.slug) this.sort = null;
    this.slug = next;
    this.root.hidden = false;
    this.restart();
  }

  close() {
    this.root.hidden = true;
    this.handlers.close();
  }

  choices() {
    return this.handlers.visibleSlugs().filter((slug) => this.catalog.get(slug)?.kind === "vector");
  }

  // The question the table asks, without paging: the downloads ask it too.
  params(layer) {
    const params = { ...this.handlers.filters.of(layer.slug) };
    if (this.inView) params.bbox = this.handlers.bbox().map((v) => v.toFixed(6)).join(",");
    const datetime = this.handlers.datetime();
    if (datetime && layer.time_kind !== "none") params.datetime = datetime;
    if (this.sort) params.sortby = `${this.sort.descending ? "-" : ""}${this.sort.name}`;
    return params;
  }

  // Back to the first page (a new layer, order, filter, view or time window).
  restart() {
    this.pages = [];
    this.pageUrl = null;
    this.refresh();
  }

  async refresh() {
    if (!this.isOpen) return;
    const layer = this.catalog.get(this.slug);
    const ticket = ++this.request;
    if (!layer) {
      this.render(null, null);
      return;
    }
    if (!this.pageUrl) this.pageUrl = withParams(url(config.urls.features, { slug: layer.slug }), { ...this.params(layer), limit: PAGE });
    try {
      const collection = await getJSON(this.pageUrl);
      if (ticket === this.request) this.render(layer, collection);
    } catch (error) {
      if (ticket === this.request) this.render(layer, null, error.message);
    }
  }

  // Map moves re-ask only a table that follows the map view.
  viewChanged() {
    if (this.isOpen && this.inView) this.restart();
  }

  turnPage(collection, forward) {
    if (forward) {
      const next = collection.links.find((link) => link.rel === "next");
      if (!next) return;
      this.pages.push(this.pageUrl);
      const href = new URL(next.href, location.href);
      this.pageUrl = href.pathname + href.search;
    } else {
      this.pageUrl = this.pages.pop() || null;
    }
    this.refresh();
  }

  async download(layer, kind) {
    const status = this.root.querySelector(".table-download-status");
    status.textContent = t("Preparing the download…");
    let next = withParams(url(config.urls.features, { slug: layer.slug }), { ...this.params(layer), limit: DOWNLOAD_PAGE });
    const features = [];
    try {
      while (next) {
        const page = await getJSON(next);
        features.push(...page.features);
        const link = page.links.find((l) => l.rel === "next");
        next = link ? new URL(link.href, location.href).toString() : null;
      }
    } catch (error) {
      status.textContent = error.message;
      return;
    }
    const stamp = new Date().toISOString().slice(0, 16).replace(/[-:T]/g, "");
    if (kind === "csv") save(`${layer.slug}-${stamp}.csv`, "text/csv;charset=utf-8", featuresCsv(layer, features));
    else save(`${layer.slug}-${stamp}.geojson`, "application/geo+json", JSON.stringify({ type: "FeatureCollection", features }));
    status.textContent = t("%(n)s features downloaded.", { n: formatNumber(features.length) });
  }

  render(layer, collection, error) {
    clear(this.root);
    const select = el("select", { id: "table-layer", onchange: (e) => { this.slug = e.target.value; this.sort = null; this.restart(); } },
      this.choices().map((slug) => el("option", { value: slug, selected: slug === this.slug }, pick(this.catalog.get(slug).title_vi, this.catalog.get(slug).title_en))));
    const first = this.pages.length * PAGE;
    const count = collection
      ? t("%(from)s–%(to)s of %(matched)s features", { from: formatNumber(collection.numberReturned ? first + 1 : 0), to: formatNumber(first + collection.numberReturned), matched: formatNumber(collection.numberMatched) })
      : layer ? "" : t("Turn on a layer to list its features.");
    const head = el("div", { class: "table-head" },
      el("label", { for: "table-layer" }, t("Layer")), select,
      el("label", { class: "table-in-view" }, el("input", { type: "checkbox", id: "table-in-view", checked: this.inView,
        onchange: (e) => { this.inView = e.target.checked; this.restart(); } }), t("Only in the map view")),
      el("span", { class: "table-count", role: "status" }, count),
      collection ? el("span", { class: "table-pager" },
        el("button", { type: "button", class: "table-prev", disabled: !this.pages.length, onclick: () => this.turnPage(collection, false) }, t("Previous page")),
        el("button", { type: "button", class: "table-next", disabled: !collection.links.some((l) => l.rel === "next"), onclick: () => this.turnPage(collection, true) }, t("Next page"))) : null,
      layer ? el("span", { class: "table-downloads" },
        el("button", { type: "button", class: "table-csv", onclick: () => this.download(layer, "csv") }, t("Download CSV")),
        el("button", { type: "button", class: "table-geojson", onclick: () => this.download(layer, "geojson") }, t("Download GeoJSON")),
        el("span", { class: "table-download-status", role: "status" })) : null,
      el("button", { type: "button", class: "close", onclick: () => this.close(), "aria-label": t("Close the table") }, "×"));
    this.root.append(head);
    if (layer) this.root.append(filterBuilder(layer, this.handlers.filters));
    if (error) this.root.append(el("p", { class: "error" }, error));
    if (!layer || !collection) return;
    this.features = collection.features;
    const columns = displayedProperties(layer);
    const headerCells = columns.map((prop) => {
      const sorted = this.sort?.name === prop.name;
      // The time columns the API adds are no schema properties: the server cannot order by them.
      const sortable = layer.properties.includes(prop);
      return el("th", { scope: "col", dataset: { name: prop.name }, "aria-sort": sorted ? (this.sort.descending ? "descending" : "ascending") : "none" },
        sortable ? el("button", { type: "button", onclick: () => { this.sort = { name: prop.name, descending: sorted && !this.sort.descending }; this.restart(); } },
          propertyLabel(prop), sorted ? (this.sort.descending ? " ▾" : " ▴") : "") : propertyLabel(prop));
    });
    const body = this.features.map((feature) => el("tr", { tabindex: "0", dataset: { id: String(feature.id) },
      onclick: () => this.handlers.open(layer.slug, feature),
      onkeydown: (e) => { if (e.key === "Enter" || e.key === " ") { e.preventDefault(); this.handlers.open(layer.slug, feature); } } },
      columns.map((prop) => el("td", { class: prop.type === "number" || prop.type === "integer" ? "num" : null }, formatValue(layer, prop, feature.properties[prop.name])))));
    this.root.append(el("div", { class: "table-scroll" }, el("table", {}, el("thead", {}, el("tr", {}, headerCells)), el("tbody", {}, body))));
  }
}
