// A steward's style editor for one layer: a single colour, categories from a property (named by the
// property's choices, and each category's name and colour editable by the steward, so an imported
// layer's codes read as words in the legend and popups), graduated classes of a number, or circles
// sized by a number. Every change is
// previewed on the map at once (the tiles app turns the draft into MapLibre layers, as it will the
// saved style); "Save" stores it as the layer's style for the dashboard, the wall and printed maps.
// The import page (layers/static/layers/imports.js) offers the same editor before publishing, on the
// preview's features: it gives `values` (a property's values, instead of the layer's features) and no
// `save`, and publishes `draft()` with the job.
import { getJSON, url } from "./api.js";
import { debounce, el } from "./dom.js";
import { config, formatNumber, pick, t } from "./i18n.js";

const MAX_CATEGORIES = 12;
const SAMPLE = 1000;
const KEPT = ["type", "opacity", "radius", "width", "outline_color", "label"];

function mix(hex, share) {
  // `share` of the colour over white: light classes for low values, the full colour for the highest.
  const [r, g, b] = [1, 3, 5].map((i) => parseInt(hex.slice(i, i + 2), 16));
  const channel = (v) => Math.round(255 - (255 - v) * share).toString(16).padStart(2, "0");
  return `#${channel(r)}${channel(g)}${channel(b)}`;
}

function modeOf(style) {
  if (style.categories) return "categories";
  if (style.graduated) return "graduated";
  if (style.size) return "size";
  return "single";
}

export class StyleEditor {
  // handlers: {preview(slug, style), save(slug, style) → Promise, cancel(slug), values?(property) → Promise<[]>}
  constructor(layer, handlers) {
    this.layer = layer;
    this.handlers = handlers;
    this.samples = new Map(); // property → values of the first SAMPLE features
    // The steward's own names and colours of categories, by property and value (the saved style's
    // to begin with): {color, label_vi, label_en}.
    this.edits = new Map();
    const saved = layer.style?.categories;
    for (const stop of saved?.stops || []) this.edits.set(`${saved.property}\u0000${stop.value}`, { ...stop });
    this.shownStops = "";
    this.root = this.render();
  }

  render() {
    const style = this.layer.style || {};
    const slug = this.layer.slug;
    const modes = [
      ["single", t("One colour")],
      ["categories", t("Colour by category")],
      ["graduated", t("Colour by number (classes)")],
    ];
    if (style.type === "circle") modes.push(["size", t("Size by number")]);
    this.mode = el("select", { id: `style-mode-${slug}`, onchange: () => this.changed() },
      modes.map(([value, label]) => el("option", { value, selected: value === modeOf(style) }, label)));
    this.color = el("input", { type: "color", id: `style-color-${slug}`, value: style.color || "#1f78b4", oninput: () => this.changed() });
    this.property = el("select", { id: `style-property-${slug}`, onchange: () => this.changed() });
    this.classes = el("input", { type: "number", id: `style-classes-${slug}`, min: "2", max: "7", value: String(style.graduated?.classes.length || 5), onchange: () => this.changed() });
    this.status = el("p", { class: "style-status", role: "status", "aria-live": "polite" });
    const field = (input, label, extra = {}) => el("div", { class: "style-field", ...extra }, el("label", { for: input.id }, label), input);
    this.propertyField = field(this.property, t("Property"));
    this.stopsBox = el("div", { class: "style-categories", hidden: true });
    this.classesField = field(this.classes, t("Classes"));
    this.fillProperties(style);
    this.preview = debounce(() => this.sendPreview(), 250);
    return el("form", { class: "style-editor", "aria-label": t("Style of %(title)s", { title: pick(this.layer.title_vi, this.layer.title_en) }),
      onsubmit: (event) => { event.preventDefault(); if (this.handlers.save) this.save(); } },
      field(this.mode, t("Draw")), field(this.color, t("Colour")), this.propertyField, this.classesField, this.stopsBox,
      this.handlers.save ? el("div", { class: "style-actions" },
        el("button", { type: "submit" }, t("Save style")),
        el("button", { type: "button", onclick: () => this.handlers.cancel(slug) }, t("Cancel"))) : null,
      this.status);
  }

  fillProperties(style) {
    const mode = this.mode.value;
    const numeric = mode === "graduated" || mode === "size";
    const current = style.categories?.property || style.graduated?.property || style.size?.property || this.property.value;
    const properties = (this.layer.properties || []).filter((p) => (numeric ? ["integer", "number"].includes(p.type) : p.type !== "json"));
    this.property.replaceChildren(...properties.map((p) => el("option", { value: p.name, selected: p.name === current }, pick(p.label_vi, p.label_en) || p.name)));
    this.propertyField.hidden = mode === "single";
    this.classesField.hidden = mode !== "graduated";
    this.stopsBox.hidden = mode !== "categories";
    if (mode !== "single" && !properties.length) this.status.textContent = numeric ? t("This layer has no number to draw by.") : t("This layer has no property to draw by.");
    else this.status.textContent = "";
  }

  changed() {
    this.fillProperties({});
    this.preview();
  }

  async values(property) {
    if (!this.samples.has(property) && this.handlers.values) {
      this.samples.set(property, (await this.handlers.values(property)).filter((v) => v !== null && v !== undefined && v !== ""));
    } else if (!this.samples.has(property)) {
      const body = await getJSON(url(config.urls.features, { slug: this.layer.slug }), { properties: property, limit: SAMPLE });
      this.samples.set(property, body.features.map((f) => f.properties[property]).filter((v) => v !== null && v !== undefined && v !== ""));
    }
    return this.samples.get(property);
  }

  // The compact style the form describes (layers.schema.validate_style).
  async draft() {
    const saved = this.layer.style || {};
    const style = Object.fromEntries(Object.entries(saved).filter(([key]) => KEPT.includes(key)));
    style.color = this.color.value;
    const mode = this.mode.value;
    const property = this.property.value;
    if (mode === "single" || !property) return style;
    const schema = this.layer.properties.find((p) => p.name === property) || {};
    if (mode === "categories") {
      const choices = schema.choices || [];
      const values = choices.length ? choices.map((c) => c.value)
        : [...new Set((await this.values(property)).map(String))].sort().slice(0, MAX_CATEGORIES);
      const palette = config.palette;
      style.categories = { property, stops: values.slice(0, MAX_CATEGORIES).map((value, i) => {
        const choice = choices.find((c) => c.value === value) || {};
        const made = { value, color: palette[i % palette.length], label_vi: choice.label_vi || String(value), label_en: choice.label_en || String(value) };
        return { ...made, ...this.edits.get(`${property}\u0000${value}`), value };
      }) };
      this.showStops(property, style.categories.stops);
      return style;
    }
    const numbers = (await this.values(property)).map(Number).filter(Number.isFinite);
    const low = numbers.length ? Math.min(...numbers) : 0;
    const high = numbers.length ? Math.max(...numbers) : 1;
    if (mode === "size") {
      style.size = { property, min_value: low, max_value: high > low ? high : low + 1, min_radius: 3, max_radius: 16 };
      return style;
    }
    const n = Math.min(7, Math.max(2, Number(this.classes.value) || 5));
    const step = (high - low) / n || 1;
    style.graduated = { property, classes: Array.from({ length: n }, (_, i) => {
      const min = Number((low + i * step).toPrecision(6));
      const max = Number((low + (i + 1) * step).toPrecision(6));
      const label = `${formatNumber(min)} – ${formatNumber(max)}`;
      return { min, color: mix(this.color.value, 0.25 + 0.75 * (i / (n - 1))), label_vi: label, label_en: label };
    }) };
    return style;
  }

  // One row per category: its colour and its names in both languages, each change previewed. Built
  // again only when the categories themselves change, so typing a name keeps the focus.
  showStops(property, stops) {
    const key = JSON.stringify([property, stops.map((s) => s.value)]);
    if (key === this.shownStops) return;
    this.shownStops = key;
    const slug = this.layer.slug;
    const edit = (value, change) => {
      const id = `${property}\u0000${value}`;
      this.edits.set(id, { ...this.edits.get(id), ...change });
      this.preview();
    };
    this.stopsBox.replaceChildren(el("table", {},
      el("caption", {}, t("Categories: colour and name")),
      el("thead", {}, el("tr", {}, el("th", { scope: "col" }, t("Value")), el("th", { scope: "col" }, t("Colour")),
        el("th", { scope: "col" }, t("Name (Vietnamese)")), el("th", { scope: "col" }, t("Name (English)")))),
      el("tbody", {}, stops.map((stop, i) => el("tr", { dataset: { value: String(stop.value) } },
        el("th", { scope: "row" }, String(stop.value)),
        el("td", {}, el("input", { type: "color", id: `style-stop-color-${slug}-${i}`, value: stop.color, "aria-label": t("Colour of %(value)s", { value: String(stop.value) }),
          oninput: (e) => edit(stop.value, { color: e.target.value }) })),
        el("td", {}, el("input", { type: "text", id: `style-stop-vi-${slug}-${i}`, value: stop.label_vi, maxlength: "120", lang: "vi",
          "aria-label": t("Vietnamese name of %(value)s", { value: String(stop.value) }), oninput: (e) => edit(stop.value, { label_vi: e.target.value.trim() || String(stop.value) }) })),
        el("td", {}, el("input", { type: "text", id: `style-stop-en-${slug}-${i}`, value: stop.label_en, maxlength: "120", lang: "en",
          "aria-label": t("English name of %(value)s", { value: String(stop.value) }), oninput: (e) => edit(stop.value, { label_en: e.target.value.trim() || String(stop.value) }) })))))));
  }

  async sendPreview() {
    try {
      this.handlers.preview(this.layer.slug, await this.draft());
    } catch (error) {
      this.status.textContent = error.message;
    }
  }

  async save() {
    try {
      await this.handlers.save(this.layer.slug, await this.draft());
      this.status.textContent = t("Style saved: every map now draws the layer this way.");
    } catch (error) {
      this.status.textContent = t("The style could not be saved: %(reason)s", { reason: error.message });
    }
  }
}
