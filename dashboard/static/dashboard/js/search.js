// The search box: places and features by name (diacritics optional) and coordinates in WGS 84 or
// VN-2000, from /api/search/. Arrow keys move through the results, Enter flies there, Escape closes.
import { ApiError, getJSON } from "./api.js";
import { clear, debounce, el } from "./dom.js";
import { config, formatNumber, t } from "./i18n.js";

export class Search {
  constructor(input, list, handlers) {
    this.input = input;
    this.list = list;
    this.handlers = handlers; // {go(result), goToCoordinate(coordinate, places)}
    this.results = [];
    this.active = -1;
    this.controller = null;
    this.lastResponse = null;
    input.addEventListener("input", debounce(() => this.run(), 200));
    input.addEventListener("keydown", (event) => this.key(event));
    input.addEventListener("focus", () => this.results.length && this.open());
    document.addEventListener("click", (event) => {
      if (!event.target.closest(".search")) this.close();
    });
  }

  async run() {
    const text = this.input.value.trim();
    this.controller?.abort();
    if (!text) {
      this.show(null);
      return;
    }
    this.controller = new AbortController();
    try {
      this.show(await getJSON(config.urls.search, { q: text }, { signal: this.controller.signal }));
    } catch (error) {
      if (error.name === "AbortError") return;
      this.show({ results: [], coordinate: null, error: error instanceof ApiError ? error.message : t("Search failed.") });
    }
  }

  show(response) {
    this.lastResponse = response;
    clear(this.list);
    this.results = [];
    this.active = -1;
    if (!response) {
      this.close();
      return;
    }
    const items = [];
    if (response.coordinate) {
      const c = response.coordinate;
      const vn = c.easting === null ? "" : ` · VN-2000 E ${formatNumber(c.easting, 1)} N ${formatNumber(c.northing, 1)}`;
      items.push({ kind: "coordinate", label: `${c.lat.toFixed(5)}° N, ${c.lon.toFixed(5)}° E${vn}`,
        context: (response.results.map((r) => r.name).join(", ") || t("Outside the loaded administrative units")), go: () => this.handlers.goToCoordinate(c, response.results) });
    } else {
      for (const result of response.results) {
        items.push({ kind: result.kind, label: result.name, context: [result.context, result.layer_title].filter(Boolean).join(" · "), go: () => this.handlers.go(result) });
      }
    }
    if (!items.length) {
      this.list.append(el("li", { class: "search-empty", role: "option", "aria-disabled": "true" }, response.error || t("Nothing found.")));
    }
    items.forEach((item, index) => {
      const li = el("li", { role: "option", id: `search-option-${index}`, class: `search-item search-${item.kind}`, "aria-selected": "false",
        onmousedown: (event) => event.preventDefault(), onclick: () => this.choose(index) },
        el("span", { class: "search-kind" }, item.kind === "place" ? t("Place") : item.kind === "coordinate" ? t("Coordinate") : t("Feature")),
        el("span", { class: "search-label" }, item.label),
        el("span", { class: "search-context" }, item.context));
      this.list.append(li);
    });
    this.results = items;
    this.open();
  }

  open() {
    this.list.hidden = false;
    this.input.setAttribute("aria-expanded", "true");
  }

  close() {
    this.list.hidden = true;
    this.input.setAttribute("aria-expanded", "false");
    this.input.removeAttribute("aria-activedescendant");
  }

  highlight(index) {
    this.active = index;
    [...this.list.querySelectorAll(".search-item")].forEach((li, i) => li.setAttribute("aria-selected", String(i === index)));
    if (index >= 0) this.input.setAttribute("aria-activedescendant", `search-option-${index}`);
  }

  key(event) {
    if (event.key === "ArrowDown" || event.key === "ArrowUp") {
      if (!this.results.length) return;
      event.preventDefault();
      this.open();
      const step = event.key === "ArrowDown" ? 1 : -1;
      this.highlight((this.active + step + this.results.length) % this.results.length);
    } else if (event.key === "Enter") {
      event.preventDefault();
      // Enter may come before the debounced search ran: search first, then take the best result.
      const fresh = this.lastResponse?.query === this.input.value.trim();
      (fresh ? Promise.resolve() : this.run()).then(() => {
        if (this.results.length) this.choose(fresh && this.active >= 0 ? this.active : 0);
      });
    } else if (event.key === "Escape") {
      this.close();
    }
  }

  choose(index) {
    const item = this.results[index];
    if (!item) return;
    this.close();
    item.go();
  }
}
