// Attribute filters per layer, written as the API's property filters (layers/filters.py: a schema
// property = a value, all of them must hold). One store feeds the map's tiles, the table and its
// downloads, so the three always show the same features.
import { clear, el } from "./dom.js";
import { pick, t } from "./i18n.js";
import { formatValue, propertyLabel } from "./properties.js";

// The types a query-string equality can be written for (layers.filters._coerce).
const FILTERABLE = new Set(["string", "integer", "number", "boolean", "date"]);

export class FilterStore {
  constructor() {
    this.filters = new Map(); // slug → {name: value}
    this.listeners = [];
  }

  of(slug) {
    return { ...(this.filters.get(slug) || {}) };
  }

  // Every layer's filters, for the link that shares the view: {slug: {name: value}}.
  all() {
    return Object.fromEntries([...this.filters].filter(([, values]) => Object.keys(values).length));
  }

  // A layer's filters all at once (a shared link's, a bookmark's): one change, one redraw.
  replace(slug, values) {
    const before = JSON.stringify(this.of(slug));
    this.filters.set(slug, Object.fromEntries(Object.entries(values || {}).map(([name, value]) => [name, String(value)])));
    if (JSON.stringify(this.of(slug)) !== before) this.listeners.forEach((listener) => listener(slug, this.of(slug)));
  }

  set(slug, name, value) {
    const current = this.of(slug);
    if (value === null || value === undefined || value === "") delete current[name];
    else current[name] = String(value);
    this.filters.set(slug, current);
    this.listeners.forEach((listener) => listener(slug, this.of(slug)));
  }

  onChange(listener) {
    this.listeners.push(listener);
  }
}

// The values a property is known to take: its schema's choices or its style's categories.
function knownValues(layer, prop) {
  if (prop.choices?.length) return prop.choices.map((c) => ({ value: c.value, label: pick(c.label_vi, c.label_en) }));
  if (prop.type === "boolean") return [{ value: "true", label: t("Yes") }, { value: "false", label: t("No") }];
  const categories = layer.style?.categories;
  if (categories?.property === prop.name && categories.stops?.length) {
    return categories.stops.map((s) => ({ value: s.value, label: pick(s.label_vi, s.label_en) || String(s.value) }));
  }
  return null;
}

// The builder for one layer (built anew after each change): chips of the filters in force, and a row to add one.
export function filterBuilder(layer, store) {
  const root = el("div", { class: "filter-builder", dataset: { slug: layer.slug } });
  const props = layer.properties.filter((p) => FILTERABLE.has(p.type));
  const render = () => {
    clear(root);
    const current = store.of(layer.slug);
    const chips = Object.entries(current).map(([name, value]) => {
      const prop = layer.properties.find((p) => p.name === name) || { name, type: "string" };
      const shown = formatValue(layer, prop, prop.type === "boolean" ? value === "true" : prop.type === "integer" || prop.type === "number" ? Number(value) : value);
      return el("span", { class: "filter-chip", role: "listitem", dataset: { name } }, `${propertyLabel(prop)} = ${shown}`,
        el("button", { type: "button", "aria-label": t("Remove the filter %(name)s", { name: propertyLabel(prop) }),
          onclick: () => store.set(layer.slug, name, null) }, "×"));
    });
    const propSelect = el("select", { class: "filter-property", "aria-label": t("Property") },
      props.map((p) => el("option", { value: p.name }, propertyLabel(p))));
    const valueHolder = el("span", { class: "filter-value-holder" });
    const valueInput = () => valueHolder.querySelector(".filter-value");
    const fillValue = () => {
      clear(valueHolder);
      const prop = props.find((p) => p.name === propSelect.value);
      const known = prop && knownValues(layer, prop);
      valueHolder.append(known
        ? el("select", { class: "filter-value", "aria-label": t("Value") }, known.map((k) => el("option", { value: String(k.value) }, k.label)))
        : el("input", { class: "filter-value", "aria-label": t("Value"), type: prop?.type === "integer" || prop?.type === "number" ? "number" : "text", step: "any" }));
    };
    propSelect.addEventListener("change", fillValue);
    fillValue();
    const add = (event) => {
      event.preventDefault();
      const value = valueInput().value.trim();
      if (value) store.set(layer.slug, propSelect.value, value);
    };
    root.append(
      chips.length ? el("span", { class: "filter-chips", role: "list", "aria-label": t("Filters") }, chips)
        : el("span", { class: "filter-chips filter-none" }, t("No filter")),
      props.length ? el("form", { class: "filter-add", onsubmit: add }, propSelect, el("span", {}, "="), valueHolder,
        el("button", { type: "submit" }, t("Add filter"))) : null,
    );
  };
  // Whoever shows the builder re-renders it on the store's changes (the table does).
  render();
  return root;
}
