// A zone summary from the API, as the zones panel shows it: the area, then per layer the features
// inside, broken down by category, with hectares of land-use classes and km of lines.
import { el } from "./dom.js";
import { config, formatDate, formatNumber, t } from "./i18n.js";
import { swatch } from "./legend.js";

function measure(item) {
  if (item.area_ha !== null && item.area_ha !== undefined) return `${formatNumber(item.area_ha, 1)} ha`;
  if (item.length_km !== null && item.length_km !== undefined) return `${formatNumber(item.length_km, 2)} km`;
  return "";
}

export function summaryView(summary, catalog) {
  const styles = new Map(catalog.map((layer) => [layer.slug, layer.style || {}]));
  // The layer panel's order: plans and services first, administrative units and zones last.
  const order = new Map(config.domains.map((d, i) => [d.key, i]));
  const domainOf = new Map(catalog.map((layer) => [layer.slug, layer.domain]));
  const rankOf = (layer) => order.get(domainOf.get(layer.slug)) ?? order.size;
  const inside = summary.layers.filter((layer) => layer.count > 0).sort((a, b) => rankOf(a) - rankOf(b));
  const empty = summary.layers.filter((layer) => layer.count === 0);
  const node = el("div", { class: "summary", dataset: { areaHa: String(summary.area_ha) } },
    el("p", { class: "summary-area" }, t("Area"), ": ", el("strong", {}, `${formatNumber(summary.area_ha, 1)} ha`),
      ` (${formatNumber(summary.area_ha / 100, 2)} km²)`));
  if (summary.datetime?.start || summary.datetime?.end) {
    node.append(el("p", { class: "summary-time" }, t("Layers with time are counted from %(start)s to %(end)s.", {
      start: summary.datetime.start ? formatDate(summary.datetime.start) : "…", end: summary.datetime.end ? formatDate(summary.datetime.end) : "…" })));
  }
  for (const layer of inside) {
    const style = styles.get(layer.slug) || {};
    const categories = layer.by?.categories || [];
    node.append(el("section", { class: "summary-layer", dataset: { slug: layer.slug, count: String(layer.count) } },
      el("h4", {}, el("span", {}, layer.title), el("span", { class: "summary-count" }, formatNumber(layer.count))),
      measure(layer) ? el("p", { class: "summary-measure" }, measure(layer)) : null,
      categories.length ? el("ul", { class: "summary-categories", "aria-label": layer.by.label },
        categories.map((c) => el("li", { dataset: { value: String(c.value), count: String(c.count), ...(c.area_ha !== null && c.area_ha !== undefined ? { areaHa: String(c.area_ha) } : {}) } },
          swatch(style.type || "fill", c.color || style.color || "#999999", style.outline_color),
          el("span", { class: "label" }, c.label),
          el("span", { class: "num" }, formatNumber(c.count)),
          measure(c) ? el("span", { class: "num measure" }, measure(c)) : null))) : null));
  }
  if (!inside.length) node.append(el("p", { class: "panel-note" }, t("No feature of the layers you may see lies inside.")));
  if (empty.length) {
    node.append(el("details", { class: "summary-empty" }, el("summary", {}, t("%(n)s layers with nothing inside", { n: empty.length })),
      el("p", {}, empty.map((layer) => layer.title).join(", "))));
  }
  return node;
}

export function summaryUnavailable(message) {
  return el("p", { class: "error" }, message || t("The summary could not be computed."));
}

