// The "proximity" tool beside the zones: features of a layer within a distance of another layer's,
// the nearest N to each feature of a layer, or coverage per administrative unit — asked of
// POST /api/analysis/proximity/ as any app would, shown as a temporary layer on the map and a table.
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
];

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
    const rows = {
      distance: [el("label", { for: "proximity-distance" }, t("Distance (m)")), distance],
      n: [el("label", { for: "proximity-n" }, t("How many")), n],
      near: [nearLabel, near],
      of: [ofLabel, of],
    };
    const form = el("form", { class: "zone-form proximity-form" },
      el("label", { for: "proximity-mode" }, t("Question")), mode, layerLabel, layer,
      Object.values(rows), el("button", { type: "submit" }, t("Find")));
    const show = () => {
      const wanted = { within: ["distance", "near"], nearest: ["n", "near"], coverage: ["distance", "of"] }[mode.value];
      for (const [key, nodes] of Object.entries(rows)) nodes.forEach((node) => { node.hidden = !wanted.includes(key); });
      layerLabel.textContent = mode.value === "coverage" ? t("Within reach of") : t("Features of");
    };
    mode.addEventListener("change", show);
    show();
    this.results = el("div", { class: "proximity-results", "aria-live": "polite" });
    form.addEventListener("submit", (event) => {
      event.preventDefault();
      const body = { mode: mode.value, layer: layer.value, datetime: this.datetime() || undefined };
      if (mode.value === "within") Object.assign(body, { distance_m: Number(distance.value), near: { layer: near.value } });
      if (mode.value === "nearest") Object.assign(body, { n: Number(n.value), from: { layer: near.value } });
      if (mode.value === "coverage") Object.assign(body, { distance_m: Number(distance.value), of: of.value || undefined });
      this.ask(body);
    });
    this.root.append(el("h3", {}, t("Proximity")), form, this.results);
  }

  async ask(body) {
    clear(this.results).append(el("p", {}, t("Measuring…")));
    try {
      const answer = await sendJSON("POST", config.urls.proximity, body);
      this.show(answer);
    } catch (error) {
      clear(this.results).append(el("p", { class: "error" }, error.message));
      this.status(error.message);
    }
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
