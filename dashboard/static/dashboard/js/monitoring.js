// The Monitoring tab: the monitoring services with their indicators (latest province value, change
// against the previous period, band, sparkline, freshness), read from /api/monitoring/services/ and
// /api/indicators/{slug}/values/. An indicator is a layer: choosing it switches its layer on through
// the dashboard's own toggle (tiles, style and legend as any layer) and moves the time slider to its
// latest period. A click on a unit of that layer shows the unit's values over time and its profile.
import { getJSON, url } from "./api.js";
import { clear, el } from "./dom.js";
import { config, formatNumber, t } from "./i18n.js";
import { legend } from "./legend.js";
import { timeSeriesChart } from "./chart.js";

const SVG = "http://www.w3.org/2000/svg";
const bandLabel = (band) => ({ good: t("Good"), watch: t("Watch"), critical: t("Critical"), none: t("No data") })[band] || band;
const freshnessLabel = (state) => ({ fresh: t("On time"), late: t("Late"), stale: t("Stale") })[state] || state;
// How many periods the sparkline and the change look back on.
const SPARK_PERIODS = 12;
const ICT_OFFSET_MS = 7 * 3600 * 1000;

// The label of the period `back` months before "YYYY-MM".
function monthsBefore(label, back) {
  const [year, month] = label.split("-").map(Number);
  const total = year * 12 + (month - 1) - back;
  return `${Math.floor(total / 12)}-${String((total % 12) + 1).padStart(2, "0")}`;
}

// The province total of each period: on the boundary set valid at the period, one row per period.
function provinceSeries(body) {
  return body.province.map((row) => ({ period: row.period, start: row.period_start, value: row.value, band: row.band }));
}

export function sparkline(values, { width = 90, height = 24 } = {}) {
  const root = document.createElementNS(SVG, "svg");
  root.setAttribute("viewBox", `0 0 ${width} ${height}`);
  root.setAttribute("class", "sparkline");
  root.setAttribute("aria-hidden", "true");
  const numbers = values.filter((v) => v !== null && v !== undefined);
  if (numbers.length < 2) return root;
  const low = Math.min(...numbers);
  const high = Math.max(...numbers);
  const y = (v) => height - 2 - ((v - low) / (high - low || 1)) * (height - 4);
  const x = (i) => 1 + (i / (values.length - 1)) * (width - 2);
  const path = document.createElementNS(SVG, "path");
  path.setAttribute("d", values.map((v, i) => `${i ? "L" : "M"}${x(i).toFixed(1)},${y(v).toFixed(1)}`).join(""));
  root.append(path);
  return root;
}

function badge(kind, state, label) {
  return el("span", { class: `badge ${kind}-${state}`, dataset: { [kind]: state } }, label);
}

export class MonitoringPanel {
  constructor(root, { catalog, overlays, map, choose, status }) {
    this.root = root;
    this.bySlug = new Map(catalog.map((layer) => [layer.slug, layer]));
    this.overlays = overlays;
    this.map = map;
    this.choose = choose; // async (layerSlug, periodStartIso) → the layer on the map, the slider on the period
    this.status = status;
    this.indicators = new Map(); // slug → indicator entry
    this.series = new Map(); // slug → province series (promise)
    this.current = null; // the chosen indicator's entry
    this.loaded = null;
  }

  load() {
    this.loaded ??= this.render();
    return this.loaded;
  }

  async render() {
    clear(this.root).append(el("p", { class: "panel-note" }, t("Loading the monitoring services…")));
    const body = await getJSON(config.urls.monitoring_services);
    clear(this.root);
    this.legendBox = el("div", { class: "monitoring-legend", "aria-live": "polite" });
    this.unitBox = el("section", { class: "monitoring-unit", "aria-live": "polite", hidden: true });
    const list = el("div", { class: "monitoring-services" });
    for (const service of body.services) {
      if (!service.indicators.length) continue;
      for (const indicator of service.indicators) this.indicators.set(indicator.slug, indicator);
      const rows = el("ul", { class: "indicator-list" });
      const details = el("details", { class: "service", dataset: { service: service.slug } },
        el("summary", {},
          el("span", { class: "service-title" }, service.title),
          badge("freshness", service.freshness, freshnessLabel(service.freshness))),
        el("p", { class: "hint" }, service.department.name),
        rows);
      details.addEventListener("toggle", () => { if (details.open) this.fill(service, rows); });
      list.append(details);
    }
    this.root.append(
      el("p", { class: "panel-note" }, t("Choose an indicator to map it; click a unit on the map for its history and profile.")),
      this.legendBox, this.unitBox, list);
    this.map.on("click", (event) => this.clicked(event));
  }

  provinceOf(indicator) {
    if (!this.series.has(indicator.slug)) {
      const latest = indicator.freshness.latest_period;
      const params = latest && indicator.period_type === "month" ? { from: monthsBefore(latest, SPARK_PERIODS - 1) } : {};
      // The province totals are computed over the units asked for: ask for all of them.
      this.series.set(indicator.slug, getJSON(indicator.links.values, params).then(provinceSeries));
    }
    return this.series.get(indicator.slug);
  }

  async fill(service, rows) {
    if (rows.dataset.filled) return;
    rows.dataset.filled = "true";
    for (const indicator of service.indicators) {
      const value = el("span", { class: "indicator-value" }, "…");
      const button = el("button", { type: "button", class: "indicator", dataset: { indicator: indicator.slug },
        "aria-pressed": "false", onclick: () => this.select(indicator.slug) },
        el("span", { class: "indicator-title" }, indicator.title), value);
      const row = el("li", { dataset: { indicator: indicator.slug } }, button,
        badge("freshness", indicator.freshness.state, freshnessLabel(indicator.freshness.state)));
      rows.append(row);
      this.provinceOf(indicator).then((series) => {
        const last = series[series.length - 1];
        const before = series[series.length - 2];
        clear(value);
        if (!last) { value.append(t("No data")); return; }
        const change = before && last.value !== null && before.value !== null ? last.value - before.value : null;
        const unit = indicator.unit ? ` ${indicator.unit}` : "";
        value.append(
          el("span", { class: "latest", title: last.period }, `${formatNumber(last.value, indicator.decimals, indicator.decimals)}${unit}`),
          change === null ? "" : el("span", { class: `change ${change > 0 ? "up" : change < 0 ? "down" : "same"}`,
            title: t("Change against %(period)s", { period: before.period }) },
          `${change > 0 ? "▲" : change < 0 ? "▼" : "＝"} ${formatNumber(Math.abs(change), indicator.decimals, indicator.decimals)}`),
          last.band ? badge("band", last.band, bandLabel(last.band)) : "",
          sparkline(series.map((p) => p.value)));
      }).catch((error) => { value.textContent = error.message; });
    }
  }

  async select(slug) {
    const indicator = this.indicators.get(slug);
    this.current = indicator;
    for (const button of this.root.querySelectorAll("button.indicator")) {
      button.setAttribute("aria-pressed", String(button.dataset.indicator === slug));
    }
    clear(this.legendBox);
    this.unitBox.hidden = true;
    const layer = this.bySlug.get(indicator.layer);
    if (!layer) {
      this.status(t("This indicator has no map yet."));
      return;
    }
    const series = await this.provinceOf(indicator);
    const last = series[series.length - 1];
    await this.choose(layer.slug, last ? last.start : null);
    this.periodNote = el("p", { class: "hint monitoring-period" }, last ? t("Period %(period)s", { period: last.period }) : t("No data"));
    this.legendBox.append(
      el("h2", { class: "panel-title" }, indicator.title, indicator.unit ? ` (${indicator.unit})` : ""),
      this.periodNote, legend(layer));
  }

  // The time slider moved: name the month the map shows (the slider's own label says other windows).
  setWindow(span, kind) {
    if (!this.periodNote || !this.current) return;
    this.periodNote.hidden = !span || kind !== "month";
    if (this.periodNote.hidden) return;
    const month = new Date(span.start.getTime() + ICT_OFFSET_MS).toISOString().slice(0, 7);
    this.periodNote.textContent = t("Period %(period)s", { period: month });
  }

  async clicked(event) {
    if (!this.current || !this.overlays.isVisible(this.current.layer)) return;
    const ids = this.overlays.pickableLayerIds().filter((id) => this.overlays.slugOf(id) === this.current.layer);
    const feature = this.map.queryRenderedFeatures(event.point, { layers: ids })[0];
    if (!feature) return;
    await this.showUnit(feature.properties.code, feature.properties.boundary, feature.properties.name);
  }

  async showUnit(code, boundary, name) {
    const indicator = this.current;
    const [values, profile] = await Promise.all([
      // On the unit's own boundary set: the other set's periods come re-aggregated (derived).
      getJSON(indicator.links.values, { unit: code, boundary }),
      getJSON(url(config.urls.unit_profile, { code }), { boundary }),
    ]);
    const points = values.values.map((v) => ({ time: new Date(`${v.period.length === 7 ? v.period + "-15" : v.period}T12:00:00+07:00`), value: Number(v.value) }))
      .filter((p) => !Number.isNaN(p.time.getTime()));
    const rows = profile.indicators.map((row) => el("tr", { dataset: { indicator: row.indicator } },
      el("th", { scope: "row" }, row.title),
      el("td", { class: "num" }, `${formatNumber(row.value, 2)}${row.unit ? ` ${row.unit}` : ""}`),
      el("td", {}, badge("band", row.band, bandLabel(row.band))),
      el("td", { class: "num", title: row.period }, t("%(rank)s of %(of)s", { rank: row.rank, of: row.of }))));
    clear(this.unitBox).append(
      el("h2", { class: "panel-title" }, name || profile.unit.name),
      timeSeriesChart(points, { label: indicator.title, unit: indicator.unit, window: null }),
      el("h3", { class: "panel-title" }, t("Unit profile")),
      el("table", { class: "unit-profile" },
        el("thead", {}, el("tr", {}, el("th", {}, t("Indicator")), el("th", {}, t("Value")), el("th", {}, t("Band")), el("th", {}, t("Rank")))),
        el("tbody", {}, rows)));
    this.unitBox.hidden = false;
    this.unitBox.dataset.unit = code;
  }
}
