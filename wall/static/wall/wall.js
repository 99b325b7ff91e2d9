// The video wall: shows one scene at a time, follows the playlist state the server computes,
// refreshes numbers when their version changes, and keeps the last data on screen with a
// "stale since" badge when the server cannot be reached. No framework, no CDN: the dashboard's
// modules build the DOM, format numbers and times in the page's language, and draw the maps.
import { el } from "../dashboard/js/dom.js";
import { config, formatNumber, pick, t, timeFormat } from "../dashboard/js/i18n.js";
import { WallMap } from "./maps.js";

const root = document.getElementById("wall");
const badge = document.getElementById("stale");
const hhmm = timeFormat({ hour: "2-digit", minute: "2-digit" });
const clockFormat = timeFormat({ hour: "2-digit", minute: "2-digit", second: "2-digit" });
const dateFormat = timeFormat({ weekday: "long", day: "2-digit", month: "2-digit", year: "numeric" });
const shortFormat = timeFormat({ day: "2-digit", month: "2-digit", hour: "2-digit", minute: "2-digit" });
const dayFormat = timeFormat({ day: "2-digit", month: "2-digit" });

// What is on screen. Replaced as a whole when the scene changes, so nothing old stays referenced.
let shown = null; // {slug, version, maps: Map(id -> WallMap), panels: Map(id -> element)}
let lastOk = new Date();
let stale = false;
// One request at a time, one timer at a time: a server that is down gets a poll that backs off
// (doubling up to retryMaxMs), never a growing pile of timers or a storm of requests.
const retryMaxMs = Math.min(15000, Math.max(2000, 16 * config.statePollMs));
const requestTimeoutMs = 20000; // a server that accepts but never answers must not hang the loop
let failures = 0;
let lastData = 0;

const title = (o) => pick(o.title_vi, o.title_en) || "";
const unit = (d) => pick(d.unit_vi, d.unit_en) || "";
// A panel's figures keep the decimals its author chose (8,30 beside 8,25).
const number = (value, decimals) => formatNumber(value, decimals || 0, decimals || 0);

function succeeded() {
  lastOk = new Date();
  failures = 0;
  if (stale) {
    stale = false;
    badge.hidden = true;
    document.body.classList.remove("is-stale");
    for (const map of shown?.maps.values() || []) map.retry();
  }
}
function failed() {
  failures += 1;
  if (!stale) {
    stale = true;
    badge.textContent = t("stale since %(time)s", { time: hhmm.format(lastOk) });
    badge.hidden = false;
    document.body.classList.add("is-stale");
  }
}

// The polls: no-store with the last version as an ETag (304: nothing new), and a timeout.
async function poll(url, etag) {
  const headers = { Accept: "application/json" };
  if (etag) headers["If-None-Match"] = '"' + etag + '"';
  const abort = new AbortController();
  const timer = setTimeout(() => abort.abort(), requestTimeoutMs);
  try {
    const response = await fetch(url, { headers, cache: "no-store", credentials: "same-origin", signal: abort.signal });
    if (response.status === 304) return null;
    if (!response.ok) throw new Error("HTTP " + response.status);
    return await response.json();
  } finally {
    clearTimeout(timer);
  }
}

// ---- panels ---------------------------------------------------------------------------------
function frame(panel) {
  const body = el("div", { class: "panel-body" });
  return el("section", {
    class: `panel panel-${panel.kind}`, dataset: { panel: panel.id },
    style: { gridRow: `${panel.row + 1} / span ${panel.rows}`, gridColumn: `${panel.col + 1} / span ${panel.cols}` },
  }, panel.kind !== "clock" && el("h2", { class: "panel-title" }, title(panel)), body);
}

function fillKpi(body, d) {
  const u = unit(d);
  // A tile with thresholds is coloured by its band, as an indicator's is.
  if (d.band) body.closest(".panel").dataset.band = d.band;
  else delete body.closest(".panel").dataset.band;
  const value = el("div", { class: "kpi-value", dataset: { value: d.value === null ? "" : String(d.value) } },
    number(d.value, d.decimals), u && el("span", { class: "kpi-unit" }, " " + u));
  body.replaceChildren(value);
  if (d.previous !== null && d.previous !== undefined) {
    const up = d.change > 0, down = d.change < 0;
    // Coloured by meaning when the panel says which way is good: worse is red, up or down.
    const trend = !d.better || (!up && !down) ? "neutral" : (up === (d.better === "up") ? "better" : "worse");
    body.append(el("div", { class: `kpi-change ${up ? "up" : down ? "down" : "same"} ${trend}`, dataset: { trend } },
      `${up ? "▲ +" : down ? "▼ " : "● "}${number(d.change, d.decimals)} `,
      t("(previous period: %(value)s)", { value: number(d.previous, d.decimals) })));
  }
}

const SVG = "http://www.w3.org/2000/svg";
function fillChart(body, d) {
  const values = d.points.map((p) => (p.value === null ? 0 : p.value));
  const max = Math.max(1, ...values);
  const svg = document.createElementNS(SVG, "svg");
  svg.setAttribute("viewBox", `0 0 ${values.length * 10} 100`);
  svg.setAttribute("preserveAspectRatio", "none");
  svg.classList.add("chart");
  values.forEach((v, i) => {
    const bar = document.createElementNS(SVG, "rect");
    const h = (v / max) * 96;
    bar.setAttribute("x", i * 10 + 1); bar.setAttribute("width", 8);
    bar.setAttribute("y", 100 - h); bar.setAttribute("height", h);
    svg.append(bar);
  });
  const day = (point) => (point ? dayFormat.format(new Date(point.t)) : "");
  const axis = el("div", { class: "chart-axis" },
    el("span", {}, day(d.points[0])),
    el("span", { class: "chart-max" }, `${t("max")} ${number(Math.max(...values, 0), d.decimals)} ${unit(d)}`),
    el("span", {}, day(d.points[d.points.length - 1])));
  body.replaceChildren(svg, axis);
}

function fillTable(body, d) {
  const max = Math.max(1, ...d.rows.map((r) => r.value || 0));
  const list = el("ol", { class: "ranking" }, d.rows.map((row) => el("li", {},
    el("span", { class: "rank-label" }, row.label), el("span", { class: "rank-value" }, number(row.value, d.decimals)),
    el("span", { class: "rank-bar", style: { width: `${((row.value || 0) / max * 100).toFixed(1)}%` } }))));
  if (!d.rows.length) list.append(el("li", { class: "empty" }, t("Nothing in this period")));
  body.replaceChildren(list);
}

function fillTicker(body, d) {
  const list = el("ul", { class: "ticker" }, d.items.map((item) => el("li", {},
    el("time", { datetime: item.t }, shortFormat.format(new Date(item.t))), el("span", {}, item.text))));
  if (!d.items.length) list.append(el("li", { class: "empty" }, t("Nothing in this period")));
  body.replaceChildren(list);
}

function fillClock(body, scene) {
  body.replaceChildren(
    el("div", { class: "scene-title" }, title(scene)),
    el("div", { class: "clock-time" }), el("div", { class: "clock-date" }),
    el("div", { class: "as-of" },
      scene.live ? t("Live data") : t("Data as of %(time)s", { time: shortFormat.format(new Date(scene.as_of)) })),
  );
  tickClock();
}
function tickClock() {
  const now = new Date();
  for (const node of root.querySelectorAll(".clock-time")) node.textContent = clockFormat.format(now);
  for (const node of root.querySelectorAll(".clock-date")) node.textContent = dateFormat.format(now);
}

// ---- monitoring indicators: colours are the indicator's bands (good / watch / critical) ----------
const bandLabel = (band) => ({ good: t("Good"), watch: t("Watch"), critical: t("Critical"), none: t("No data") })[band] || band;
const freshnessLabel = (state) => ({ fresh: t("On time"), late: t("Late"), stale: t("Stale") })[state] || state;

function fillIndicatorKpi(body, d) {
  const u = unit(d);
  body.closest(".panel").dataset.band = d.band;
  body.replaceChildren(
    el("div", { class: "kpi-period" }, d.period ? t("Period %(period)s", { period: d.period }) : t("No data"),
      el("span", { class: `band band-${d.band}`, dataset: { band: d.band } }, bandLabel(d.band))),
    el("div", { class: "kpi-value", dataset: { value: d.value === null ? "" : String(d.value) } },
      number(d.value, d.decimals), u && el("span", { class: "kpi-unit" }, " " + u)));
  if (d.change !== null && d.change !== undefined) {
    const up = d.change > 0, down = d.change < 0;
    // Worse is red whichever way it went: the indicator's direction says which way is better.
    const trend = !up && !down ? "neutral" : (up === (d.direction === "higher_better") ? "better" : "worse");
    body.append(el("div", { class: `kpi-change ${up ? "up" : down ? "down" : "same"} ${trend}`, dataset: { trend } },
      `${up ? "▲ +" : down ? "▼ " : "● "}${number(d.change, d.decimals)} `,
      t("(previous period: %(value)s)", { value: number(d.previous, d.decimals) })));
  }
}

function fillIndicatorChart(body, d) {
  const values = d.points.map((p) => p.value).filter((v) => v !== null);
  const low = Math.min(0, ...values), high = Math.max(1e-9, ...values);
  const svg = document.createElementNS(SVG, "svg");
  svg.setAttribute("viewBox", `0 0 ${Math.max(1, d.points.length) * 10} 100`);
  svg.setAttribute("preserveAspectRatio", "none");
  svg.classList.add("chart", "trend");
  d.points.forEach((p, i) => {
    const bar = document.createElementNS(SVG, "rect");
    const h = p.value === null ? 0 : ((p.value - low) / (high - low)) * 96;
    bar.setAttribute("x", i * 10 + 1); bar.setAttribute("width", 8);
    bar.setAttribute("y", 100 - h); bar.setAttribute("height", h);
    bar.setAttribute("class", `band-${p.band}`);
    bar.dataset.period = p.period;
    svg.append(bar);
  });
  const first = d.points[0], last = d.points[d.points.length - 1];
  body.replaceChildren(svg, el("div", { class: "chart-axis" },
    el("span", {}, first ? first.period : ""),
    el("span", { class: "chart-max" }, `${t("max")} ${number(high, d.decimals)} ${unit(d)}`),
    el("span", {}, last ? last.period : "")));
  if (!d.points.length) body.replaceChildren(el("p", { class: "empty" }, t("No data")));
}

function rankList(kind, rows, d) {
  return el("ol", { class: `ranking units-${kind}`, dataset: { list: kind } }, rows.map((row) => el("li", { dataset: { unit: row.code } },
    el("span", { class: "rank-label" }, row.name),
    el("span", { class: `rank-value band-text-${row.band}` }, number(row.value, d.decimals)))));
}

function fillIndicatorTable(body, d) {
  if (!d.best.length) {
    body.replaceChildren(el("p", { class: "empty" }, t("No data")));
    return;
  }
  body.replaceChildren(el("div", { class: "best-worst" },
    el("div", {}, el("h3", {}, t("Best")), rankList("best", d.best, d)),
    el("div", {}, el("h3", {}, t("Worst")), rankList("worst", d.worst, d))),
  el("div", { class: "chart-axis" }, el("span", {}, t("Period %(period)s", { period: d.period })), el("span", {}, unit(d))));
}

function fillFreshness(body, d) {
  body.closest(".panel").dataset.freshness = d.state;
  body.replaceChildren(
    el("div", { class: `freshness freshness-${d.state}`, dataset: { freshness: d.state } }, freshnessLabel(d.state)),
    el("ul", { class: "freshness-list" }, d.indicators.map((i) => el("li", { dataset: { state: i.state } },
      el("span", { class: `dot freshness-${i.state}` }), el("span", {}, title(i)),
      el("span", { class: "latest" }, i.latest_period || "—")))));
}

// ---- alerts: the firing alerts of the rules this display may see, newest first ---------------------
function fillAlerts(body, d) {
  body.closest(".panel").dataset.count = d.alerts.length;
  const list = el("ol", { class: "alerts" }, d.alerts.map((a) => el("li", {
    class: `alert level-${a.severity}${a.acknowledged ? " acknowledged" : ""}`, dataset: { rule: a.rule, severity: a.severity } },
  el("span", { class: `severity severity-${a.severity}` }, a.severity_label),
  el("span", { class: "alert-title" }, title(a)),
  el("span", { class: "alert-area" }, a.area),
  el("span", { class: "alert-value" }, `${number(a.value, a.value % 1 ? 2 : 0)} / ${number(a.threshold, a.threshold % 1 ? 2 : 0)}`),
  el("time", { class: "alert-since", datetime: a.since }, t("since %(time)s", { time: shortFormat.format(new Date(a.since)) })))));
  if (!d.alerts.length) list.append(el("li", { class: "empty" }, t("No alerts firing")));
  body.replaceChildren(list);
}

const FILL = { kpi: fillKpi, chart: fillChart, table: fillTable, ticker: fillTicker, indicator_kpi: fillIndicatorKpi,
  indicator_chart: fillIndicatorChart, indicator_table: fillIndicatorTable, freshness: fillFreshness,
  alerts: fillAlerts, alert_ticker: fillTicker };
function fill(box, panel, scene) {
  const body = box.querySelector(".panel-body");
  if (panel.kind === "clock") fillClock(body, scene);
  else FILL[panel.kind]?.(body, panel.data);
}

// ---- scenes ---------------------------------------------------------------------------------
function teardown() {
  if (!shown) return;
  for (const map of shown.maps.values()) map.remove();
  shown = null;
  root.replaceChildren();
}

function render(data) {
  teardown();
  const scene = data.scene;
  document.title = "Geo IOC – " + title(scene);
  const sizes = document.documentElement.style; // on :root, so the stale badge is sized alike
  sizes.setProperty("--rows", scene.grid.rows);
  sizes.setProperty("--cols", scene.grid.cols);
  sizes.setProperty("--screen-rows", scene.grid.rows / scene.screens.rows);
  sizes.setProperty("--screen-cols", scene.grid.cols / scene.screens.cols);
  root.dataset.scene = scene.slug;
  root.dataset.version = data.version;
  const panels = new Map(), maps = new Map();
  for (const panel of data.panels) {
    const box = frame(panel);
    panels.set(panel.id, box);
    root.append(box);
    fill(box, panel, scene);
  }
  // Maps after the grid is in the document, so they get their real size. Their lines, symbols and
  // labels are sized in the wall's unit (the grid's font size) as the dashboard's are in its own.
  const scale = Math.max(1, (parseFloat(getComputedStyle(root).fontSize) || 15) / 15);
  for (const panel of data.panels) {
    if (panel.kind === "map") maps.set(panel.id, new WallMap(panels.get(panel.id).querySelector(".panel-body"), panel.data, scale));
  }
  shown = { slug: scene.slug, version: data.version, panels, maps };
}

function update(data) {
  // A panel that appears or goes (a layer published, or hidden from this display: the server
  // leaves such panels out) changes the grid: draw the scene afresh rather than patch it.
  const ids = data.panels.map((panel) => panel.id);
  const remap = ids.length !== shown.panels.size || ids.some((id) => !shown.panels.has(id));
  if (remap) return render(data);
  for (const panel of data.panels) {
    const box = shown.panels.get(panel.id);
    if (panel.kind === "map") shown.maps.get(panel.id).update(panel.data);
    else fill(box, panel, data.scene);
  }
  shown.version = data.version;
  root.dataset.version = data.version;
}

async function loadScene(slug) {
  const same = shown && shown.slug === slug;
  const data = await poll("/api/wall/scenes/" + encodeURIComponent(slug) + "/data", same ? shown.version : null);
  if (data === null) return;
  if (shown && shown.slug === data.scene.slug) update(data);
  else render(data);
}

// One round: where the playlist is (unless a scene is pinned), then the scene's numbers when the
// scene changed, when they are due, or right after the server came back.
async function step() {
  let slug = config.scene;
  if (!slug) {
    const state = await poll("/api/wall/playlists/" + encodeURIComponent(config.playlist) + "/state");
    root.dataset.paused = state.paused ? "true" : "false";
    root.dataset.revision = state.revision;
    slug = state.scene;
  }
  if (!shown || shown.slug !== slug || stale || Date.now() - lastData >= config.dataPollMs) {
    await loadScene(slug);
    lastData = Date.now();
  }
}

async function loop() {
  try {
    await step();
    succeeded();
  } catch (error) {
    failed();
  }
  const every = config.scene ? config.dataPollMs : config.statePollMs;
  const wait = failures ? Math.min(every * 2 ** failures, Math.max(every, retryMaxMs)) : every;
  root.dataset.failures = failures;
  setTimeout(loop, wait);
}

setInterval(tickClock, 1000);
loop();
