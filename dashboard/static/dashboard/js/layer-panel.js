// The layer panel: the catalog the caller may see (from /api/layers/), grouped by domain, with a
// toggle, opacity, legend, feature count (in the map view and time window) and last update.
import { clear, el } from "./dom.js";
import { config, formatDateTime, formatNumber, pick, t } from "./i18n.js";
import { legend } from "./legend.js";
import { StyleEditor } from "./style-editor.js";

function accessLabel(access) {
  return { public: t("Public"), internal: t("Internal"), restricted: t("Restricted") }[access] || access;
}

export class LayerPanel {
  constructor(root, catalog, handlers) {
    this.root = root;
    this.catalog = catalog;
    this.handlers = handlers; // {toggle(slug, on), opacity(slug, value), zoom(slug), table(slug)}
    this.rows = new Map();
    this.render();
  }

  render() {
    clear(this.root);
    const known = new Set(config.domains.map((d) => d.key));
    const groups = [...config.domains, { key: "__other", title: t("Other layers") }];
    for (const group of groups) {
      const layers = this.catalog.filter((layer) => (group.key === "__other" ? !known.has(layer.domain) : layer.domain === group.key));
      if (!layers.length) continue;
      const list = el("ul", { class: "layer-list" }, layers.map((layer) => this.row(layer)));
      this.root.append(el("details", { class: "domain", open: true, dataset: { domain: group.key } },
        el("summary", {}, el("span", {}, group.title), el("span", { class: "domain-count" }, String(layers.length))),
        list));
    }
  }

  row(layer) {
    const title = pick(layer.title_vi, layer.title_en);
    const toggleId = `toggle-${layer.slug}`;
    const detailsId = `details-${layer.slug}`;
    const checkbox = el("input", { type: "checkbox", id: toggleId, dataset: { slug: layer.slug },
      onchange: (event) => this.handlers.toggle(layer.slug, event.target.checked) });
    // Rasters have no features to count.
    const count = el("span", { class: "count", title: t("Features in the map view / in the layer"), hidden: layer.kind !== "vector" },
      formatNumber(layer.feature_count));
    const more = el("button", { type: "button", class: "more", "aria-expanded": "false", "aria-controls": detailsId,
      "aria-label": t("Details of %(title)s", { title }), title: t("Legend, opacity and details") }, "▾");
    const opacity = el("input", { type: "range", min: "0", max: "100", value: "100", id: `opacity-${layer.slug}`,
      oninput: (event) => this.handlers.opacity(layer.slug, Number(event.target.value) / 100) });
    const legendBox = el("div", { class: "legend-box" }, legend(layer));
    const writable = layer.kind === "vector" && (config.writable_layers || []).includes(layer.slug);
    const editorBox = el("div", { class: "style-editor-box" });
    const editStyle = writable ? el("button", { type: "button", class: "edit-style", "aria-expanded": "false",
      onclick: () => this.toggleEditor(layer.slug) }, t("Edit style")) : null;
    const details = el("div", { class: "layer-details", id: detailsId, hidden: true },
      legendBox,
      el("div", { class: "opacity" }, el("label", { for: opacity.id }, t("Opacity")), opacity),
      el("dl", { class: "meta" },
        el("dt", {}, t("Features")), el("dd", {}, formatNumber(layer.feature_count)),
        el("dt", {}, t("Updated")), el("dd", {}, formatDateTime(layer.updated_at)),
        el("dt", {}, t("Source")), el("dd", {}, layer.source_department || "—"),
        el("dt", {}, t("Access")), el("dd", {}, accessLabel(layer.access))),
      el("div", { class: "layer-actions" },
        el("button", { type: "button", onclick: () => this.handlers.zoom(layer.slug), disabled: !layer.bbox }, t("Zoom to layer")),
        layer.kind === "vector" ? el("button", { type: "button", onclick: () => this.handlers.table(layer.slug) }, t("Show in table")) : null,
        editStyle),
      editorBox);
    more.addEventListener("click", () => {
      const open = details.hidden;
      details.hidden = !open;
      more.setAttribute("aria-expanded", String(open));
      more.textContent = open ? "▴" : "▾";
    });
    const badges = [];
    if (layer.time_kind !== "none") badges.push(el("span", { class: "badge badge-time", title: t("This layer has time: it follows the time slider") }, t("time")));
    if (layer.access !== "public") badges.push(el("span", { class: `badge badge-${layer.access}`, title: accessLabel(layer.access) }, accessLabel(layer.access)));
    const li = el("li", { class: "layer", dataset: { slug: layer.slug } },
      el("div", { class: "layer-row" }, checkbox, el("label", { for: toggleId }, title), ...badges, count, more),
      details);
    this.rows.set(layer.slug, { li, checkbox, count, opacity, legendBox, editorBox, editStyle, more, details });
    return li;
  }

  // The style editor opens under the layer's legend; closing it puts the saved style back on the map.
  toggleEditor(slug, open) {
    const row = this.rows.get(slug);
    const opening = open ?? !row.editorBox.firstChild;
    row.editorBox.replaceChildren();
    row.editStyle?.setAttribute("aria-expanded", String(opening));
    if (!opening) return;
    if (row.details.hidden) row.more.click();
    const layer = this.catalog.find((l) => l.slug === slug);
    const editor = new StyleEditor(layer, {
      preview: (s, style) => this.handlers.previewStyle(s, style),
      save: async (s, style) => { await this.handlers.saveStyle(s, style); this.setLegend(s); },
      cancel: (s) => { this.toggleEditor(s, false); this.handlers.cancelStyle(s); },
    });
    row.editorBox.append(editor.root);
    editor.mode.focus();
    if (!row.checkbox.checked) this.handlers.toggle(slug, true);
  }

  setLegend(slug) {
    const row = this.rows.get(slug);
    row.legendBox.replaceChildren(legend(this.catalog.find((l) => l.slug === slug)));
  }

  setChecked(slug, on) {
    const row = this.rows.get(slug);
    if (row) row.checkbox.checked = on;
  }

  setOpacity(slug, value) {
    const row = this.rows.get(slug);
    if (row) row.opacity.value = String(Math.round(value * 100));
  }

  setCounts(counts) {
    for (const [slug, row] of this.rows) {
      const layer = this.catalog.find((l) => l.slug === slug);
      if (!(slug in counts)) continue;
      row.count.textContent = counts[slug] === layer.feature_count ? formatNumber(counts[slug])
        : `${formatNumber(counts[slug])} / ${formatNumber(layer.feature_count)}`;
      row.li.classList.toggle("empty-in-view", counts[slug] === 0);
    }
  }
}
