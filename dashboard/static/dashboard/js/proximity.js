// The "proximity" tool beside the zones: features of a layer within a distance of another layer's,
// the nearest N to each feature of a layer, coverage per administrative unit — asked of
// POST /api/analysis/proximity/ — or a layer counted, added up or averaged per administrative unit of
// the 2022 or 2025 set (POST /api/analysis/aggregate/), as any app would ask; shown as a temporary
// layer on the map (units as a choropleth) and a table.
// Self-contained: main.js only creates it with the map and the catalog.
import { sendJSON } from "./api.js";
import { clear, el } from "./dom.js";
import { config, formatNumber, pick, t } from "./i18n.js";
import { UI_SCALE } from "./scale.js";

const SOURCE = "proximity-result";
const MODES = () => [
  ["within", t("Within a distance of a layer")],
  ["nearest", t("Nearest to each feature of a layer")],
  ["coverage", t("Coverage per administrative unit")],
  ["aggregate", t("Count or add up per administrative unit")],
];
const OPS = () => [["count", t("Number of features")], ["sum", t("Sum of")], ["avg", t("Average of")]];
const BOUNDARIES = () => [["", t("Units valid in the time window")], ["2022", t("2022 units (before 1 July 2025)")],
  ["2025", t("2025 units (from 1 July 2025)")]];

export class ProximityTool {
  constructor(root, { map, catalog, status, datetime }) {
    this.root = root;
    this.map = map;
    this.status = status;
    this.datetime = datetime;
    this.vectors = catalog.filter((layer) => layer.kind === "vector");
    this.addMapLayers();
    this.render();
  }

  addMapLayers() {
    const empty = { type: "FeatureCollection", features: [] };
    this.map.addSource(SOURCE, { type: "geojson", data: empty });
    this.map.addLayer({ id: `${SOURCE}-fill`, type: "fill", source: SOURCE, filter: ["==", ["geometry-type"], "Polygon"],
      paint: { "fill-color": ["interpolate", ["linear"], ["coalesce", ["get", "share"], 0], 0, "#fee5d9", 1, "#a50f15"], "fill-opacity": 0.6 } });
    this.map.addLayer({ id: `${SOURCE}-line`, type: "line", source: SOURCE, filter: ["!=", ["geometry-type"], "Point"],
      paint: { "line-color": "#6a3d9a", "line-width": 2 * UI_SCALE } });
    this.map.addLayer({ id: `${SOURCE}-point`, type: "circle", source: SOURCE, filter: ["==", ["geometry-type"], "Point"],
      paint: { "circle-color": "#6a3d9a", "circle-radius": 6 * UI_SCALE, "circle-stroke-color": "#ffffff", "circle-stroke-width": 1.5 } });
  }

  layerSelect(id, label, { optional = false } = {}) {
    const select = el("select", { id },
      optional ? el("option", { value: "" }, t("Population (spread evenly over the unit)")) : null,
      this.vectors.map((layer) => el("option", { value: layer.slug }, pick(layer.title_vi, layer.title_en))));
    return [el("label", { for: id }, label), select];
  }

  render() {
    clear(this.root);
    const mode = el("select", { id: "proximity-mode" }, MODES().map(([value, label]) => el("option", { value }, label)));
    const distance = el("input", { id: "proximity-distance", type: "number", min: "1", step: "any", value: "500" });
    const n = el("input", { id: "proximity-n", type: "number", min: "1", max: "100", value: "3" });
    const [layerLabel, layer] = this.layerSelect("proximity-layer", t("Features of"));
    const [nearLabel, near] = this.layerSelect("proximity-near", t("Near the features of"));
    const [ofLabel, of] = this.layerSelect("proximity-of", t("Share of"), { optional: true });
    const op = el("select", { id: "proximity-op" }, OPS().map(([value, label]) => el("option", { value }, label)));
    const property = el("select", { id: "proximity-property" });
    const boundary = el("select", { id: "proximity-boundary" }, BOUNDARIES().map(([value, label]) => el("option", { value }, label)));
    const rows = {
      distance: [el("label", { for: "proximity-distance" }, t("Distance (m)")), distance],
      n: [el("label", { for: "proximity-n" }, t("How many")), n],
      near: [nearLabel, near],
      of: [ofLabel, of],
      op: [el("label", { for: "proximity-op" }, t("Measure")), op],
      property: [el("label", { for: "proximity-property" }, t("Property")), property],
      boundary: [el("label", { for: "proximity-boundary" }, t("Administrative units")), boundary],
    };
    // The numeric properties of the chosen layer, for a sum or an average.
    const fillProperties = () => {
      const chosen = this.vectors.find((l) => l.slug === layer.value);
      const numeric = (chosen?.properties || []).filter((p) => ["integer", "number"].includes(p.type));
      clear(property).append(...numeric.map((p) => el("option", { value: p.name }, pick(p.label_vi, p.label_en) || p.name)));
    };
    layer.addEventListener("change", fillProperties);
    fillProperties();
    const form = el("form", { class: "zone-form proximity-form" },
      el("label", { for: "proximity-mode" }, t("Question")), mode, layerLabel, layer,
      Object.values(rows), el("button", { type: "submit" }, t("Find")));
    const show = () => {
      const wanted = { within: ["distance", "near"], nearest: ["n", "near"], coverage: ["distance", "of", "boundary"],
        aggregate: ["op", "boundary", ...(op.value === "count" ? [] : ["property"])] }[mode.value];
      for (const [key, nodes] of Object.entries(rows)) nodes.forEach((node) => { node.hidden = !wanted.includes(key); });
      layerLabel.textContent = mode.value === "coverage" ? t("Within reach of") : t("Features of");
    };
    mode.addEventListener("change", show);
    op.addEventListener("change", show);
    show();
    this.results = el("div", { class: "proximity-results", "aria-live": "polite" });
    form.addEventListener("submit", (event) => {
      event.preventDefault();
      const body = { mode: mode.value, layer: layer.value, datetime: this.datetime() || undefined };
      if (mode.value === "within") Object.assign(body, { distance_m: Number(distance.value), near: { layer: near.value } });
      if (mode.value === "nearest") Object.assign(body, { n: Number(n.value), from: { layer: near.value } });
      if (mode.value === "coverage") Object.assign(body, { distance_m: Number(distance.value), of: of.value || undefined, boundary: boundary.value || undefined });
      if (mode.value === "aggregate") {
        delete body.mode;
        Object.assign(body, { op: op.value, property: op.value === "count" ? undefined : property.value, boundary: boundary.value || undefined });
        this.ask(body, config.urls.aggregate);
        return;
      }
      this.ask(body);
    });
    this.root.append(el("h3", {}, t("Proximity")), form, this.results);
  }

  async ask(body, path = config.urls.proximity) {
    clear(this.results).append(el("p", {}, t("Measuring…")));
    try {
      const answer = await sendJSON("POST", path, body);
      if (path === config.urls.aggregate) this.showAggregate(answer);
      else this.show(answer);
    } catch (error) {
      clear(this.results).append(el("p", { class: "error" }, error.message));
      this.status(error.message);
    }
  }

  // Units coloured by their value over the largest (the fill reads `share`), and a table, largest first.
  showAggregate(answer) {
    const units = answer.units.features;
    const top = Math.max(0, ...units.map((u) => u.properties.value ?? 0));
    for (const unit of units) unit.properties.share = top > 0 && unit.properties.value !== null ? unit.properties.value / top : 0;
    this.map.getSource(SOURCE).setData(answer.units);
    const ranked = [...units].sort((a, b) => (b.properties.value ?? -Infinity) - (a.properties.value ?? -Infinity));
    const digits = answer.op === "avg" ? 2 : 0;
    clear(this.results).append(
      el("p", { class: "panel-note" }, answer.by.boundary
        ? t("%(n)s units of the %(boundary)s set", { n: formatNumber(units.length), boundary: answer.by.boundary })
        : t("%(n)s units", { n: formatNumber(units.length) })),
      el("table", { class: "proximity-table aggregate-table" },
        el("thead", {}, el("tr", {}, el("th", {}, t("Unit")), el("th", {}, t("Features")), el("th", {}, t("Value")))),
        el("tbody", {}, ranked.map((unit) => {
          const p = unit.properties;
          return el("tr", {}, el("td", {}, p.name ?? "—"), el("td", { class: "num" }, formatNumber(p.count)),
            el("td", { class: "num" }, p.value === null ? "—" : formatNumber(p.value, digits)));
        }))));
  }

  show(answer) {
    const coverage = answer.mode === "coverage";
    const collection = coverage ? answer.units : answer.features;
    this.map.getSource(SOURCE).setData(collection);
    clear(this.results);
    if (coverage) {
      this.results.append(el("table", { class: "proximity-table" },
        el("thead", {}, el("tr", {}, el("th", {}, t("Unit")), el("th", {}, t("Within reach")), el("th", {}, t("Share")))),
        el("tbody", {}, collection.features.map((unit) => {
          const p = unit.properties;
          const reached = "covered" in p ? `${p.covered} / ${p.features}` : formatNumber(p.covered_population, 0);
          return el("tr", {}, el("td", {}, p.name ?? "—"), el("td", { class: "num" }, reached),
            el("td", { class: "num" }, p.share === null ? "—" : `${formatNumber(100 * p.share, 1)} %`));
        }))));
      return;
    }
    this.results.append(el("p", {}, t("%(n)s features found", { n: formatNumber(answer.count) })),
      el("table", { class: "proximity-table" },
        el("thead", {}, el("tr", {}, el("th", {}, t("Feature")), el("th", {}, t("Near")), el("th", {}, t("Distance (m)")))),
        el("tbody", {}, collection.features.map((feature) => {
          const p = feature.properties;
          return el("tr", {}, el("td", {}, p.name ?? `#${feature.id}`), el("td", {}, p.near_name ?? "—"),
            el("td", { class: "num" }, formatNumber(p.distance_m, 0)));
        }))));
  }
}
