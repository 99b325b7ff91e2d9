// The "today" overview, the first view of signed-in staff: KPI cards, what needs attention (each
// item flies the map there) and the time presets. Everything comes from /api/overview/, counted over
// what the caller may see; "today" is the platform's now (the server's), not the browser's clock.
import { getJSON } from "./api.js";
import { clear, el } from "./dom.js";
import { config, formatDateTime, formatNumber, pick, t } from "./i18n.js";

export const PRESETS = ["today", "24h", "7d", "30d", "custom"];

const presetLabel = (preset) => ({ today: t("Today"), "24h": t("24 hours"), "7d": t("7 days"), "30d": t("30 days"),
  custom: t("Custom") })[preset];

const cardLabel = (key) => ({
  new_reports: t("New 1022 reports"), processed_reports: t("1022 reports processed"),
  overdue_reports: t("Overdue 1022 reports (now)"), incidents: t("Traffic incidents"),
  stations_over_limit: t("Stations over the salinity limit"), alerts_firing: t("Alerts firing"),
  alerts_unacknowledged: t("Alerts not acknowledged"), indicators_critical: t("Indicators in the critical band"),
  late_data: t("Indicators with late data"),
})[key] || key;

const kindLabel = (kind) => ({ overdue_report: t("Overdue report"), alert: t("Alert"),
  indicator_critical: t("Critical indicator"), late_data: t("Late data"),
  station_over_limit: t("Station over the limit") })[kind] || kind;

// A change is good or bad news by what the card counts, whichever way it goes: worse is red.
export function trendOf(card) {
  if (card.previous === null || card.previous === undefined || card.value === null) return null;
  const change = card.value - card.previous;
  if (!change || !card.better) return { change, meaning: "neutral" };
  return { change, meaning: (change > 0) === (card.better === "up") ? "better" : "worse" };
}

// The ISO date (YYYY-MM-DD) of a moment in the province's calendar.
function localDay(iso) {
  return new Date(Date.parse(iso) + 7 * 3600 * 1000).toISOString().slice(0, 10);
}

export class TodayPanel {
  constructor(root, { flyTo, setWindow, status }) {
    this.root = root;
    this.flyTo = flyTo; // (item) => shows the item's layer and flies the map to item.at
    this.setWindow = setWindow; // (start, end, {chosen}) => the map's layers follow the overview's window
    this.status = status;
    this.preset = "today";
    this.request = null;
    this.loaded = false; // loaded when its tab is first shown
    this.build();
  }

  build() {
    clear(this.root);
    this.presets = el("div", { class: "today-presets", role: "radiogroup", "aria-label": t("Time window") },
      PRESETS.map((preset) => el("button", { type: "button", role: "radio", dataset: { preset },
        "aria-checked": String(preset === this.preset), onclick: () => this.choose(preset) }, presetLabel(preset))));
    this.from = el("input", { type: "date", id: "today-from", required: true });
    this.to = el("input", { type: "date", id: "today-to", required: true });
    this.custom = el("form", { class: "today-custom", hidden: true, onsubmit: (event) => { event.preventDefault(); this.load(); } },
      el("label", { for: "today-from" }, t("From")), this.from,
      el("label", { for: "today-to" }, t("To")), this.to,
      el("button", { type: "submit" }, t("Show")));
    this.windowLine = el("p", { class: "today-window", id: "today-window" });
    this.cards = el("div", { class: "today-cards", id: "today-cards" });
    this.list = el("ol", { class: "today-attention", id: "today-attention" });
    this.root.append(this.presets, this.custom, this.windowLine, this.cards,
      el("h2", { class: "today-heading" }, t("Needs attention")), this.list);
  }

  choose(preset) {
    this.preset = preset;
    this.chosen = true;
    for (const button of this.presets.querySelectorAll("button")) {
      button.setAttribute("aria-checked", String(button.dataset.preset === preset));
    }
    this.custom.hidden = preset !== "custom";
    if (preset === "custom") {
      // Start from the platform's day, so the picker opens where the data is.
      if (!this.from.value) this.from.value = this.to.value = localDay(config.overview.now);
      this.from.focus();
      return;
    }
    this.load();
  }

  params() {
    if (this.preset !== "custom") return { preset: this.preset };
    const [from, to] = [this.from.value, this.to.value].sort();
    return { datetime: `${from}/${to}` };
  }

  async load() {
    this.loaded = true;
    this.request?.abort();
    const request = this.request = new AbortController();
    this.root.setAttribute("aria-busy", "true");
    try {
      const body = await getJSON(config.overview.url, this.params(), { signal: request.signal });
      if (request !== this.request) return;
      this.render(body);
      this.setWindow(body.start, body.end, { chosen: Boolean(this.chosen) });
    } catch (error) {
      if (error.name !== "AbortError") this.status(error.message);
    } finally {
      if (request === this.request) this.root.removeAttribute("aria-busy");
    }
  }

  render(body) {
    this.root.dataset.start = body.start;
    this.root.dataset.end = body.end;
    this.root.dataset.preset = body.preset;
    this.windowLine.textContent = t("From %(start)s to %(end)s", { start: formatDateTime(body.start), end: formatDateTime(body.end) });
    clear(this.cards).append(...body.cards.map((card) => this.card(card)));
    clear(this.list);
    for (const item of body.attention) this.list.append(this.item(item));
    if (!body.attention.length) this.list.append(el("li", { class: "today-none" }, t("Nothing needs attention.")));
  }

  card(card) {
    const trend = trendOf(card);
    // today-band-*, not band-*: the monitoring badges' band-* fill the whole element with the band colour.
    return el("div", { class: `today-card today-band-${card.band}`, dataset: { card: card.key, band: card.band, value: String(card.value ?? "") } },
      el("span", { class: "today-card-label" }, cardLabel(card.key)),
      el("span", { class: "today-card-value" }, formatNumber(card.value, 0)),
      trend && el("span", { class: `today-card-change ${trend.meaning}`, dataset: { trend: trend.meaning } },
        `${trend.change > 0 ? "▲ +" : trend.change < 0 ? "▼ " : "● "}${formatNumber(trend.change, 0)} `,
        t("(window before: %(value)s)", { value: formatNumber(card.previous, 0) })));
  }

  item(item) {
    const title = pick(item.title_vi, item.title_en);
    const text = [el("span", { class: "today-kind" }, kindLabel(item.kind)), el("span", { class: "today-title" }, title),
      (item.detail || item.when) && el("span", { class: "today-detail" }, item.detail || formatDateTime(item.when))];
    const content = item.at
      ? el("button", { type: "button", class: "today-go", title: t("Show on the map"), onclick: () => this.flyTo(item) }, text)
      : el("div", { class: "today-go" }, text);
    return el("li", { class: `severity-${item.severity}`, dataset: { kind: item.kind } }, content);
  }
}

// The tab and its panel, first in the sidebar: made here so the page's template stays as it is.
export function mountTodayTab() {
  const tabs = document.querySelector(".tabs");
  const tab = el("button", { role: "tab", id: "tab-today", "aria-controls": "panel-today", "aria-selected": "false", tabindex: "-1" }, t("Today"));
  tabs.prepend(tab);
  const panel = el("section", { id: "panel-today", role: "tabpanel", "aria-labelledby": "tab-today", class: "panel", hidden: true });
  document.getElementById("panel-layers").before(panel);
  return panel;
}
