// A layer's legend, read from its compact catalog style (the same one the tiles turn into MapLibre
// style JSON): one swatch per category, or one for the whole layer.
import { el } from "./dom.js";
import { config, formatNumber, pick, t } from "./i18n.js";

export function swatch(type, color, outline) {
  const shape = type === "circle" ? "dot" : type === "line" ? "bar" : "box";
  return el("span", { class: `swatch swatch-${shape}`, style: { background: color, borderColor: outline || color }, "aria-hidden": "true" });
}

export function legendItems(layer) {
  const style = layer.style || {};
  const type = style.type || (layer.kind === "raster" ? "raster" : "fill");
  const stops = style.categories?.stops || style.graduated?.classes || [];
  if (stops.length) {
    return stops.map((stop) => ({ swatch: swatch(type, stop.color, style.outline_color), label: pick(stop.label_vi, stop.label_en) || String(stop.value ?? stop.min) }));
  }
  if (style.size) {
    // Two circles: the smallest and the largest value drawn.
    return [[style.size.min_value, style.size.min_radius], [style.size.max_value, style.size.max_radius]].map(([value, radius]) => ({
      swatch: el("span", { class: "swatch swatch-dot", style: { background: style.color, width: `${2 * radius}px`, height: `${2 * radius}px` }, "aria-hidden": "true" }),
      label: formatNumber(value),
    }));
  }
  return [{ swatch: swatch(type, style.color || "#3388ff", style.outline_color), label: pick(layer.title_vi, layer.title_en) }];
}

export function legend(layer) {
  const ramp = config.raster_ramps?.[layer.slug];
  if (layer.kind === "raster" && ramp) {
    // The colormap from its low to its high end, over the value range the tiles rescale.
    const [low, high] = layer.style?.rescale || [null, null];
    return el("div", { class: "legend-ramp" },
      el("span", { class: "ramp", style: { background: `linear-gradient(to right, ${ramp.join(", ")})` }, "aria-hidden": "true" }),
      el("span", { class: "ramp-labels" }, el("span", {}, low === null ? "" : formatNumber(low)), el("span", {}, high === null ? "" : formatNumber(high))));
  }
  return el("ul", { class: "legend" }, legendItems(layer).map((item) => el("li", {}, item.swatch, el("span", {}, item.label))));
}

// The legend on the map: every layer shown, top of the drawing first, each with its swatches;
// folded to its title by a click (a <details>), so it never has to hide the map.
export class MapLegend {
  constructor(root) {
    this.root = root;
    this.list = el("div", { class: "map-legend-layers" });
    this.details = el("details", { open: true }, el("summary", {}, t("Legend")), this.list);
    root.append(this.details);
  }

  update(layers) {
    this.root.hidden = layers.length === 0;
    this.list.replaceChildren(...layers.map((layer) => el("section", { class: "map-legend-layer", dataset: { slug: layer.slug } },
      el("h3", {}, pick(layer.title_vi, layer.title_en)), legend(layer))));
  }
}

// The category a property value belongs to, for labelling it ("thcs" → "Trung học cơ sở").
export function categoryLabel(layer, property, value) {
  const categories = layer.style?.categories;
  if (!categories || categories.property !== property) return null;
  const stop = categories.stops.find((s) => String(s.value) === String(value));
  return stop ? pick(stop.label_vi, stop.label_en) : null;
}

export function categoryColor(layer, property, value) {
  const categories = layer.style?.categories;
  if (!categories || categories.property !== property) return null;
  return categories.stops.find((s) => String(s.value) === String(value))?.color || null;
}
