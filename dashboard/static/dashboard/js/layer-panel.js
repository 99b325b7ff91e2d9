// The layer panel: the catalog the caller may see (from /api/layers/), grouped by domain, with a
// toggle, opacity, legend, feature count (in the map view and time window) and last update.
import { clear, el } from "./dom.js";
import { config, formatDateTime, formatNumber, locale, pick, t } from "./i18n.js";
import { filterBuilder } from "./filter-builder.js";
import { legend } from "./legend.js";
import { StyleEditor } from "./style-editor.js";

function accessLabel(access) {
  return { public: t("Public"), internal: t("Internal"), restricted: t("Restricted") }[access] || access;
}

// Text as it is searched: lower case, without Vietnamese diacritics ("Điểm" → "diem").
export function plain(text) {
  return String(text || "").normalize("NFD").replace(/[\u0300-\u036f]/g, "").replace(/[đĐ]/g, "d").toLowerCase();
}

// Past this many layers the domains start folded (those with a layer on stay open).
const FOLD_ABOVE = 40;

function departmentName(layer) {
  return layer.department ? pick(layer.department.name_vi, layer.department.name_en) : "";
}

// "My department's layers" lead the panel: those its departments own, and the restricted layers the
// caller sees through a group.
function isMine(layer) {
  return (layer.department && (config.my_departments || []).includes(layer.department.code)) || layer.access === "restricted";
}

export class LayerPanel {
  constructor(root, catalog, handlers) {
    this.root = root;
    this.catalog = catalog;
    // {toggle(slug, on), opacity(slug, value), zoom(slug), table(slug), filters: FilterStore, …}
    this.handlers = handlers;
    this.rows = new Map();
    this.render();
  }

  filters() {
    const departments = new Map();
    for (const layer of this.catalog) if (layer.department) departments.set(layer.department.code, departmentName(layer));
    const domains = new Set(this.catalog.map((layer) => layer.domain));
    this.search = el("input", { type: "search", id: "layer-search", autocomplete: "off", spellcheck: "false",
      placeholder: t("Find a layer (with or without accents)"), oninput: () => this.apply() });
    this.domain = el("select", { id: "layer-domain", onchange: () => this.apply() },
      el("option", { value: "" }, t("All domains")),
      config.domains.filter((d) => domains.has(d.key)).map((d) => el("option", { value: d.key }, d.title)));
    this.department = el("select", { id: "layer-department", onchange: () => this.apply() },
      el("option", { value: "" }, t("All departments")),
      [...departments].sort((a, b) => a[1].localeCompare(b[1])).map(([code, name]) => el("option", { value: code }, name)));
    this.timed = el("input", { type: "checkbox", id: "layer-timed", onchange: () => this.apply() });
    this.shown = el("p", { class: "layer-filter-count", role: "status", "aria-live": "polite" });
    return el("div", { class: "layer-filters", role: "search", "aria-label": t("Find layers") },
      el("label", { for: "layer-search", class: "visually-hidden" }, t("Find a layer")), this.search,
      el("div", { class: "layer-filter-row" },
        el("label", { for: "layer-domain", class: "visually-hidden" }, t("Domain")), this.domain,
        el("label", { for: "layer-department", class: "visually-hidden" }, t("Department")), this.department),
      el("label", { class: "layer-filter-time" }, this.timed, t("Only layers with time")),
      this.shown);
  }

  render() {
    clear(this.root);
    this.root.append(this.filters());
    const known = new Set(config.domains.map((d) => d.key));
    const mine = this.catalog.filter(isMine);
    const groups = [
      ...(mine.length ? [{ key: "__mine", title: t("My department's layers"), layers: mine }] : []),
      ...config.domains.map((d) => ({ ...d, layers: this.catalog.filter((layer) => layer.domain === d.key && !isMine(layer)) })),
      { key: "__other", title: t("Other layers"), layers: this.catalog.filter((layer) => !known.has(layer.domain) && !isMine(layer)) },
    ];
    // Within a group, by title as people count: "số 2" before "số 10".
    const byTitle = (a, b) => pick(a.title_vi, a.title_en).localeCompare(pick(b.title_vi, b.title_en), locale, { numeric: true });
    for (const group of groups) group.layers.sort(byTitle);
    const fold = this.catalog.length > FOLD_ABOVE;
    this.groups = [];
    for (const group of groups) {
      if (!group.layers.length) continue;
      const count = el("span", { class: "domain-count" }, String(group.layers.length));
      const details = el("details", { class: "domain", open: !fold || group.key === "__mine", dataset: { domain: group.key } },
        el("summary", {}, el("span", {}, group.title), count),
        el("ul", { class: "layer-list" }, group.layers.map((layer) => this.row(layer))));
      this.groups.push({ details, count, layers: group.layers, openByDefault: details.open });
      this.root.append(details);
    }
    this.apply();
  }

  // Show the layers matching the search and filters; a search opens every group holding a match.
  apply() {
    const words = plain(this.search.value).split(/\s+/).filter(Boolean);
    const filtering = words.length || this.domain.value || this.department.value || this.timed.checked;
    let shown = 0;
    for (const group of this.groups) {
      let inGroup = 0;
      for (const layer of group.layers) {
        const row = this.rows.get(layer.slug);
        const text = plain(`${layer.title_vi} ${layer.title_en} ${layer.slug} ${departmentName(layer)} ${layer.source_department || ""}`);
        const ok = words.every((word) => text.includes(word))
          && (!this.domain.value || layer.domain === this.domain.value)
          && (!this.department.value || layer.department?.code === this.department.value)
          && (!this.timed.checked || layer.time_kind !== "none");
        row.li.hidden = !ok;
        if (ok) inGroup += 1;
      }
      shown += inGroup;
      group.details.hidden = inGroup === 0;
      group.count.textContent = inGroup === group.layers.length ? String(inGroup) : `${inGroup} / ${group.layers.length}`;
      if (filtering) group.details.open = inGroup > 0;
      else group.details.open = group.openByDefault || group.layers.some((layer) => this.rows.get(layer.slug).checkbox.checked);
    }
    this.shown.textContent = filtering ? t("%(shown)s of %(n)s layers", { shown, n: this.catalog.length }) : "";
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
    // The layer's attribute filters, written as the API's property filters: the map, the table and
    // the link follow them (the builder is made when the details first open).
    const filterBox = layer.kind === "vector" && this.handlers.filters
      ? el("div", { class: "layer-filter-box", "aria-label": t("Filters of %(title)s", { title }) }) : null;
    const filterBadge = el("span", { class: "badge badge-filter", hidden: true });
    const editStyle = writable ? el("button", { type: "button", class: "edit-style", "aria-expanded": "false",
      onclick: () => this.toggleEditor(layer.slug) }, t("Edit style")) : null;
    const details = el("div", { class: "layer-details", id: detailsId, hidden: true },
      legendBox,
      filterBox,
      el("div", { class: "opacity" }, el("label", { for: opacity.id }, t("Opacity")), opacity),
      el("dl", { class: "meta" },
        el("dt", {}, t("Features")), el("dd", {}, formatNumber(layer.feature_count)),
        el("dt", {}, t("Updated")), el("dd", {}, formatDateTime(layer.updated_at)),
        el("dt", {}, t("Source")), el("dd", {}, layer.source_department || "—"),
        el("dt", {}, t("Department")), el("dd", {}, departmentName(layer) || "—"),
        el("dt", {}, t("Access")), el("dd", {}, accessLabel(layer.access))),
      el("div", { class: "layer-actions" },
        el("button", { type: "button", onclick: () => this.handlers.zoom(layer.slug), disabled: !layer.bbox }, t("Zoom to layer")),
        layer.kind === "vector" ? el("button", { type: "button", onclick: () => this.handlers.table(layer.slug) }, t("Show in table")) : null,
        editStyle),
      editorBox);
    more.addEventListener("click", () => {
      const open = details.hidden;
      details.hidden = !open;
      if (open) this.showFilters(layer.slug);
      more.setAttribute("aria-expanded", String(open));
      more.textContent = open ? "▴" : "▾";
    });
    const badges = [];
    if (layer.time_kind !== "none") badges.push(el("span", { class: "badge badge-time", title: t("This layer has time: it follows the time slider") }, t("time")));
    if (layer.access !== "public") badges.push(el("span", { class: `badge badge-${layer.access}`, title: accessLabel(layer.access) }, accessLabel(layer.access)));
    const li = el("li", { class: "layer", dataset: { slug: layer.slug } },
      el("div", { class: "layer-row" }, checkbox, el("label", { for: toggleId }, title), ...badges, filterBadge, count, more),
      details);
    this.rows.set(layer.slug, { li, checkbox, count, opacity, legendBox, editorBox, editStyle, more, details, filterBox, filterBadge });
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

  // The row says when a layer is filtered (the map shows only part of it), and its open details show
  // the filters in force with a row to add one.
  showFilters(slug) {
    const row = this.rows.get(slug);
    if (!row?.filterBox) return;
    const n = Object.keys(this.handlers.filters.of(slug)).length;
    row.filterBadge.hidden = n === 0;
    row.filterBadge.textContent = t("filtered");
    row.filterBadge.title = t("%(n)s attribute filters: the map and the table show only the matching features", { n: formatNumber(n) });
    if (!row.details.hidden) {
      const layer = this.catalog.find((l) => l.slug === slug);
      row.filterBox.replaceChildren(el("h4", {}, t("Filter")), filterBuilder(layer, this.handlers.filters));
    }
  }

  setLegend(slug) {
    const row = this.rows.get(slug);
    row.legendBox.replaceChildren(legend(this.catalog.find((l) => l.slug === slug)));
  }

  setChecked(slug, on) {
    const row = this.rows.get(slug);
    if (!row) return;
    row.checkbox.checked = on;
    // A layer switched on (from a link, a search) shows in its group.
    if (on) row.li.closest("details").open = true;
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
