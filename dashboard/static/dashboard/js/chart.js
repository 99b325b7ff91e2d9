// A small time-series chart as SVG (no chart library): the readings of one station, with the time
// slider's window shaded.
import { formatDate, formatNumber, t } from "./i18n.js";

const SVG = "http://www.w3.org/2000/svg";
const W = 320;
const H = 140;
// The top margin holds the series' name and unit, above the line so a peak never hides it.
const PAD = { left: 40, right: 8, top: 22, bottom: 22 };

function svg(tag, attrs = {}, text) {
  const node = document.createElementNS(SVG, tag);
  for (const [key, value] of Object.entries(attrs)) node.setAttribute(key, String(value));
  if (text !== undefined) node.textContent = text;
  return node;
}

// points: [{time: Date, value: number}] sorted by time; window: {start: Date, end: Date} or null.
export function timeSeriesChart(points, { label, unit, window }) {
  const root = svg("svg", { viewBox: `0 0 ${W} ${H}`, class: "chart", role: "img",
    "aria-label": t("%(label)s over time, %(n)s readings", { label, n: points.length }) });
  if (!points.length) {
    root.append(svg("text", { x: W / 2, y: H / 2, "text-anchor": "middle", class: "chart-empty" }, t("No readings")));
    return root;
  }
  const t0 = points[0].time.getTime();
  const t1 = Math.max(points[points.length - 1].time.getTime(), t0 + 1);
  const values = points.map((p) => p.value);
  const low = Math.min(0, ...values);
  const high = Math.max(...values) || 1;
  const x = (time) => PAD.left + ((time - t0) / (t1 - t0)) * (W - PAD.left - PAD.right);
  const y = (value) => H - PAD.bottom - ((value - low) / (high - low)) * (H - PAD.top - PAD.bottom);
  if (window) {
    const a = Math.max(t0, window.start.getTime());
    const b = Math.min(t1, window.end.getTime());
    if (b >= a) root.append(svg("rect", { x: x(a), y: PAD.top, width: Math.max(2, x(b) - x(a)), height: H - PAD.top - PAD.bottom, class: "chart-window" }));
  }
  root.append(svg("line", { x1: PAD.left, y1: H - PAD.bottom, x2: W - PAD.right, y2: H - PAD.bottom, class: "chart-axis" }));
  root.append(svg("line", { x1: PAD.left, y1: PAD.top, x2: PAD.left, y2: H - PAD.bottom, class: "chart-axis" }));
  const path = points.map((p, i) => `${i ? "L" : "M"}${x(p.time.getTime()).toFixed(1)},${y(p.value).toFixed(1)}`).join("");
  root.append(svg("path", { d: path, class: "chart-line" }));
  root.append(svg("text", { x: PAD.left - 4, y: PAD.top + 4, "text-anchor": "end", class: "chart-tick" }, formatNumber(high, 1)));
  root.append(svg("text", { x: PAD.left - 4, y: H - PAD.bottom, "text-anchor": "end", class: "chart-tick" }, formatNumber(low, 1)));
  root.append(svg("text", { x: PAD.left, y: H - 6, class: "chart-tick" }, formatDate(points[0].time)));
  root.append(svg("text", { x: W - PAD.right, y: H - 6, "text-anchor": "end", class: "chart-tick" }, formatDate(points[points.length - 1].time)));
  root.append(svg("text", { x: PAD.left, y: PAD.top - 8, class: "chart-unit" }, `${label}${unit ? ` (${unit})` : ""}`));
  return root;
}
