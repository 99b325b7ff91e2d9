// The basemap switcher: the platform's own basemap (tiles.styles.basemap_style, built from our
// layers) drawn four ways by restyling its "base-" layers in place: light (as served), dark (the
// wall's rooms), administrative units only, or none. No other tiles are ever asked for, and the
// overlays stay where they are (no setStyle).
import { el } from "./dom.js";
import { t } from "./i18n.js";

const STORAGE_KEY = "geo-ioc-basemap";
const LABEL = (color, halo) => ({ "text-color": color, "text-halo-color": halo });

// Per variant: paint overrides per layer id, and the layers hidden. Light is the style as served.
export const VARIANTS = {
  light: { paint: {}, hidden: [] },
  dark: {
    paint: {
      "base-background": { "background-color": "#121a23" },
      "base-land": { "fill-color": "#1f2a36" },
      "base-districts-fill": { "fill-color": "#223040" },
      "base-water": { "line-color": "#2f6690" },
      "base-commune-boundaries": { "line-color": "#4d5d70" },
      "base-district-boundaries": { "line-color": "#7b8da3" },
      "base-province-boundary": { "line-color": "#b5c3d3" },
      "base-roads-casing": { "line-color": "#141b24" },
      "base-roads": { "line-color": ["match", ["get", "road_class"], "expressway", "#b3773f", "national", "#8f7a45", "#56606c"] },
      "base-water-labels": LABEL("#8fc1e8", "#121a23"),
      "base-road-refs": LABEL("#d6c7a8", "#121a23"),
      "base-commune-names": LABEL("#c4ccd6", "#121a23"),
      "base-district-names": LABEL("#eef2f6", "#121a23"),
    },
    hidden: [],
  },
  admin: {
    paint: { "base-background": { "background-color": "#ffffff" }, "base-land": { "fill-color": "#fbfaf7" },
      "base-districts-fill": { "fill-color": "#fbfaf7" } },
    hidden: ["base-water", "base-roads-casing", "base-roads", "base-water-labels", "base-road-refs"],
  },
  none: { paint: { "base-background": { "background-color": "#ffffff" } }, hidden: "all" },
};

export const VARIANT_NAMES = () => ({
  light: t("Light"), dark: t("Dark (wall)"), admin: t("Administrative units only"), none: t("No basemap"),
});

export class BasemapSwitcher {
  constructor(map, root) {
    this.map = map;
    this.base = map.getStyle().layers.filter((layer) => layer.id.startsWith("base-"));
    // The served paint values, to go back to.
    this.original = new Map(this.base.map((layer) => [layer.id, { ...(layer.paint || {}) }]));
    const names = VARIANT_NAMES();
    this.select = el("select", { id: "basemap-choice", onchange: (e) => this.apply(e.target.value) },
      Object.keys(VARIANTS).map((key) => el("option", { value: key }, names[key])));
    root.append(el("div", { class: "basemap-switcher" }, el("label", { for: "basemap-choice" }, t("Basemap")), this.select));
    let saved = null;
    try { saved = localStorage.getItem(STORAGE_KEY); } catch { /* storage refused: light */ }
    this.apply(VARIANTS[saved] ? saved : "light", { remember: false });
  }

  apply(name, { remember = true } = {}) {
    const variant = VARIANTS[name] || VARIANTS.light;
    this.current = name;
    this.select.value = name;
    for (const layer of this.base) {
      if (!this.map.getLayer(layer.id)) continue;
      const overrides = variant.paint[layer.id] || {};
      const original = this.original.get(layer.id);
      for (const prop of new Set([...Object.keys(original), ...Object.values(VARIANTS).flatMap((v) => Object.keys(v.paint[layer.id] || {}))])) {
        const value = prop in overrides ? overrides[prop] : original[prop];
        if (value !== undefined) this.map.setPaintProperty(layer.id, prop, value);
      }
      const hidden = layer.type !== "background" && (variant.hidden === "all" || variant.hidden.includes(layer.id));
      this.map.setLayoutProperty(layer.id, "visibility", hidden ? "none" : "visible");
    }
    document.body.dataset.basemap = name;
    if (remember) {
      try { localStorage.setItem(STORAGE_KEY, name); } catch { /* a private window: not remembered */ }
    }
  }
}
