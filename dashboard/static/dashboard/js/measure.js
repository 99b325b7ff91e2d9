// Measuring on the map: a distance along clicked points, or the area inside them, geodesic on the
// WGS 84 ellipsoid (geodesy.js). Click to add a point, double-click or Enter to finish, Backspace
// removes the last point, Escape clears; Space adds a point at the map's centre for keyboard users.
import { el } from "./dom.js";
import { formatNumber, t } from "./i18n.js";
import { lineLength, ringArea } from "./geodesy.js";
import { UI_SCALE } from "./scale.js";

const SOURCE = "measure";
const COLOR = "#6a3d9a";
const EMPTY = { type: "FeatureCollection", features: [] };

export function formatLength(metres) {
  return metres < 1000 ? `${formatNumber(metres, 1)} m` : `${formatNumber(metres / 1000, 3)} km`;
}

export function formatArea(squareMetres) {
  const m2 = `${formatNumber(squareMetres, 0)} m²`;
  if (squareMetres < 10000) return m2;
  const ha = `${formatNumber(squareMetres / 10000, 2)} ha`;
  if (squareMetres < 1e6) return `${ha} (${m2})`;
  return `${formatNumber(squareMetres / 1e6, 3)} km² (${ha})`;
}

export class MeasureTool {
  // `handlers`: {suspend(on): clicks belong to the tool while it measures}
  constructor(map, root, handlers) {
    this.map = map;
    this.handlers = handlers;
    this.mode = null; // "distance" | "area" | null
    this.points = [];
    this.cursor = null;
    this.finished = false;
    this.output = el("output", { class: "measure-result", id: "measure-result", "aria-live": "polite" });
    this.buttons = {
      distance: el("button", { type: "button", id: "measure-distance", "aria-pressed": "false", onclick: () => this.toggle("distance") }, t("Measure distance")),
      area: el("button", { type: "button", id: "measure-area", "aria-pressed": "false", onclick: () => this.toggle("area") }, t("Measure area")),
    };
    root.append(el("div", { class: "measure" }, this.buttons.distance, this.buttons.area, this.output));
    this.bound = { click: (e) => this.click(e), dblclick: (e) => this.dblclick(e), move: (e) => this.move(e), key: (e) => this.key(e) };
  }

  toggle(mode) {
    const same = this.mode === mode;
    this.stop();
    if (!same) this.start(mode);
  }

  start(mode) {
    this.mode = mode;
    this.points = [];
    this.finished = false;
    this.buttons[mode].setAttribute("aria-pressed", "true");
    if (!this.map.getSource(SOURCE)) {
      this.map.addSource(SOURCE, { type: "geojson", data: EMPTY });
      this.map.addLayer({ id: "measure-fill", type: "fill", source: SOURCE, filter: ["==", ["geometry-type"], "Polygon"], paint: { "fill-color": COLOR, "fill-opacity": 0.15 } });
      this.map.addLayer({ id: "measure-line", type: "line", source: SOURCE, filter: ["!=", ["geometry-type"], "Point"], paint: { "line-color": COLOR, "line-width": 2.5 * UI_SCALE, "line-dasharray": [3, 1.5] } });
      this.map.addLayer({ id: "measure-points", type: "circle", source: SOURCE, filter: ["==", ["geometry-type"], "Point"], paint: { "circle-radius": 4.5 * UI_SCALE, "circle-color": "#ffffff", "circle-stroke-color": COLOR, "circle-stroke-width": 2 * UI_SCALE } });
    }
    this.map.doubleClickZoom.disable();
    this.map.on("click", this.bound.click);
    this.map.on("dblclick", this.bound.dblclick);
    this.map.on("mousemove", this.bound.move);
    this.map.getContainer().addEventListener("keydown", this.bound.key);
    this.map.getCanvas().style.cursor = "crosshair";
    this.handlers.suspend(true);
    this.output.textContent = mode === "distance" ? t("Click points along the way; double-click to finish.") : t("Click the corners of the area; double-click to finish.");
  }

  stop() {
    if (!this.mode) return;
    this.buttons[this.mode].setAttribute("aria-pressed", "false");
    this.mode = null;
    this.points = [];
    this.map.off("click", this.bound.click);
    this.map.off("dblclick", this.bound.dblclick);
    this.map.off("mousemove", this.bound.move);
    this.map.getContainer().removeEventListener("keydown", this.bound.key);
    this.map.getCanvas().style.cursor = "";
    // Let a double-click's own zoom pass first, then give double-clicks back to the map.
    setTimeout(() => { if (!this.mode) this.map.doubleClickZoom.enable(); }, 0);
    this.map.getSource(SOURCE)?.setData(EMPTY);
    this.output.textContent = "";
    delete this.output.dataset.metres;
    delete this.output.dataset.squareMetres;
    this.handlers.suspend(false);
  }

  click(event) {
    if (this.finished) { this.points = []; this.finished = false; }
    this.add([event.lngLat.lng, event.lngLat.lat]);
  }

  add(point) {
    const last = this.points.at(-1);
    if (!last || last[0] !== point[0] || last[1] !== point[1]) this.points.push(point);
    this.draw();
  }

  dblclick(event) {
    event.preventDefault();
    this.finish();
  }

  finish() {
    this.finished = true;
    this.cursor = null;
    this.draw();
  }

  move(event) {
    if (this.finished || !this.points.length) return;
    this.cursor = [event.lngLat.lng, event.lngLat.lat];
    this.draw();
  }

  key(event) {
    if (event.key === "Escape") this.stop();
    else if (event.key === "Enter") this.finish();
    else if (event.key === "Backspace") { this.points.pop(); this.draw(); }
    else if (event.key === " " && event.target === this.map.getCanvas()) {
      event.preventDefault();
      const c = this.map.getCenter();
      this.add([c.lng, c.lat]);
    } else return;
  }

  draw() {
    const points = this.cursor && !this.finished ? [...this.points, this.cursor] : this.points;
    const features = this.points.map((p) => ({ type: "Feature", geometry: { type: "Point", coordinates: p }, properties: {} }));
    if (this.mode === "area" && points.length >= 3) {
      features.push({ type: "Feature", geometry: { type: "Polygon", coordinates: [[...points, points[0]]] }, properties: {} });
    } else if (points.length >= 2) {
      features.push({ type: "Feature", geometry: { type: "LineString", coordinates: points }, properties: {} });
    }
    this.map.getSource(SOURCE)?.setData({ type: "FeatureCollection", features });
    if (this.mode === "distance" && points.length >= 2) {
      const metres = lineLength(points);
      this.output.dataset.metres = metres.toFixed(3);
      this.output.textContent = t("Distance: %(value)s", { value: formatLength(metres) });
    } else if (this.mode === "area" && points.length >= 3) {
      const area = ringArea(points);
      this.output.dataset.squareMetres = area.toFixed(1);
      this.output.textContent = t("Area: %(value)s, perimeter %(length)s", { value: formatArea(area), length: formatLength(lineLength([...points, points[0]])) });
    }
  }
}
