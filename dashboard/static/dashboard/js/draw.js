// Drawing and reshaping one polygon on the map, with no drawing library.
// Draw: click to add corners; click the first corner, double-click or press Enter to finish;
// Backspace removes the last corner; Escape cancels; Space adds a corner at the map's centre (so a
// keyboard user pans with the arrow keys and drops corners). Edit: drag a corner, click a midpoint
// to add one, right-click a corner to remove it.

import { UI_SCALE } from "./scale.js";

const SHAPE = "draw-shape";
const HANDLES = "draw-handles";
const GUIDE = "draw-guide";
const COLOR = "#e8175d";
const EMPTY = { type: "FeatureCollection", features: [] };
const NEAR_PX = 6 * UI_SCALE;

export class PolygonTool {
  constructor(map, handlers) {
    this.map = map;
    this.handlers = handlers; // {change(polygon|null), finish(polygon), cancel()}
    this.mode = null; // "draw" | "edit" | null
    this.corners = [];
    this.dragging = null;
    this.bound = {
      click: (e) => this.click(e),
      dblclick: (e) => this.dblclick(e),
      move: (e) => this.move(e),
      down: (e) => this.down(e),
      up: () => this.up(),
      context: (e) => this.context(e),
      key: (e) => this.key(e),
    };
  }

  get active() {
    return this.mode !== null;
  }

  polygon() {
    if (this.corners.length < 3) return null;
    return { type: "Polygon", coordinates: [[...this.corners, this.corners[0]].map(([x, y]) => [x, y])] };
  }

  ensureLayers() {
    if (this.map.getSource(SHAPE)) return;
    this.map.addSource(SHAPE, { type: "geojson", data: EMPTY });
    this.map.addSource(HANDLES, { type: "geojson", data: EMPTY });
    this.map.addSource(GUIDE, { type: "geojson", data: EMPTY });
    this.map.addLayer({ id: "draw-fill", type: "fill", source: SHAPE, filter: ["==", ["geometry-type"], "Polygon"], paint: { "fill-color": COLOR, "fill-opacity": 0.15 } });
    this.map.addLayer({ id: "draw-line", type: "line", source: SHAPE, paint: { "line-color": COLOR, "line-width": 2.5 * UI_SCALE } });
    this.map.addLayer({ id: "draw-guide", type: "line", source: GUIDE, paint: { "line-color": COLOR, "line-width": 1.5 * UI_SCALE, "line-dasharray": [2, 2] } });
    this.map.addLayer({ id: "draw-midpoints", type: "circle", source: HANDLES, filter: ["==", ["get", "kind"], "mid"],
      paint: { "circle-radius": 4 * UI_SCALE, "circle-color": "#ffffff", "circle-stroke-color": COLOR, "circle-stroke-width": 1.5 * UI_SCALE, "circle-opacity": 0.9 } });
    this.map.addLayer({ id: "draw-corners", type: "circle", source: HANDLES, filter: ["==", ["get", "kind"], "corner"],
      paint: { "circle-radius": 6 * UI_SCALE, "circle-color": COLOR, "circle-stroke-color": "#ffffff", "circle-stroke-width": 2 * UI_SCALE } });
  }

  start() {
    this.begin("draw", []);
  }

  edit(polygon) {
    const ring = polygon.coordinates[0].slice(0, -1).map(([x, y]) => [x, y]);
    this.begin("edit", ring);
  }

  // Show a polygon (an uploaded file, an admin unit) without handles, ready to save.
  display(polygon) {
    this.stop();
    this.ensureLayers();
    this.corners = polygon.coordinates[0].slice(0, -1).map(([x, y]) => [x, y]);
    this.shownOnly = polygon;
    this.map.getSource(SHAPE).setData({ type: "Feature", properties: {}, geometry: polygon });
  }

  begin(mode, corners) {
    this.stop();
    this.ensureLayers();
    this.mode = mode;
    this.corners = corners;
    this.shownOnly = null;
    this.map.doubleClickZoom.disable();
    this.map.on("click", this.bound.click);
    this.map.on("dblclick", this.bound.dblclick);
    this.map.on("mousemove", this.bound.move);
    this.map.on("mousedown", this.bound.down);
    this.map.on("mouseup", this.bound.up);
    this.map.on("contextmenu", this.bound.context);
    this.map.getCanvasContainer().addEventListener("keydown", this.bound.key);
    this.map.getCanvasContainer().classList.add(mode === "draw" ? "drawing" : "editing");
    this.render();
  }

  stop() {
    if (this.mode) {
      this.map.off("click", this.bound.click);
      this.map.off("dblclick", this.bound.dblclick);
      this.map.off("mousemove", this.bound.move);
      this.map.off("mousedown", this.bound.down);
      this.map.off("mouseup", this.bound.up);
      this.map.off("contextmenu", this.bound.context);
      this.map.getCanvasContainer().removeEventListener("keydown", this.bound.key);
      this.map.getCanvasContainer().classList.remove("drawing", "editing");
      this.map.doubleClickZoom.enable();
      this.map.dragPan.enable();
    }
    this.mode = null;
    this.dragging = null;
  }

  clear() {
    this.stop();
    this.corners = [];
    this.shownOnly = null;
    if (this.map.getSource(SHAPE)) {
      for (const id of [SHAPE, HANDLES, GUIDE]) this.map.getSource(id).setData(EMPTY);
    }
  }

  render(cursor) {
    const polygon = this.polygon();
    const shape = polygon ? { type: "Feature", properties: {}, geometry: polygon }
      : this.corners.length >= 2 ? { type: "Feature", properties: {}, geometry: { type: "LineString", coordinates: this.corners } } : EMPTY;
    this.map.getSource(SHAPE).setData(shape);
    const handles = this.corners.map((c, index) => ({ type: "Feature", properties: { kind: "corner", index }, geometry: { type: "Point", coordinates: c } }));
    if (this.mode === "edit") {
      this.corners.forEach((c, index) => {
        const d = this.corners[(index + 1) % this.corners.length];
        handles.push({ type: "Feature", properties: { kind: "mid", index }, geometry: { type: "Point", coordinates: [(c[0] + d[0]) / 2, (c[1] + d[1]) / 2] } });
      });
    }
    this.map.getSource(HANDLES).setData({ type: "FeatureCollection", features: handles });
    const guide = this.mode === "draw" && cursor && this.corners.length
      ? { type: "Feature", properties: {}, geometry: { type: "LineString", coordinates: [this.corners[this.corners.length - 1], cursor, ...(this.corners.length >= 2 ? [this.corners[0]] : [])] } }
      : EMPTY;
    this.map.getSource(GUIDE).setData(guide);
  }

  changed() {
    this.handlers.change(this.polygon());
  }

  handleAt(point, layer) {
    const box = [[point.x - NEAR_PX, point.y - NEAR_PX], [point.x + NEAR_PX, point.y + NEAR_PX]];
    return this.map.queryRenderedFeatures(box, { layers: [layer] })[0] || null;
  }

  addCorner(lngLat) {
    const last = this.corners[this.corners.length - 1];
    if (last) {
      const a = this.map.project(last);
      const b = this.map.project(lngLat);
      if (Math.hypot(a.x - b.x, a.y - b.y) < NEAR_PX) return; // the second click of a double-click
    }
    this.corners.push([lngLat.lng, lngLat.lat]);
    this.render();
    this.changed();
  }

  click(event) {
    if (this.mode === "draw") {
      const first = this.handleAt(event.point, "draw-corners");
      if (first && first.properties.index === 0 && this.corners.length >= 3) {
        this.finish();
        return;
      }
      this.addCorner(event.lngLat);
    } else if (this.mode === "edit") {
      const mid = this.handleAt(event.point, "draw-midpoints");
      if (mid) {
        this.corners.splice(mid.properties.index + 1, 0, mid.geometry.coordinates);
        this.render();
        this.changed();
      }
    }
  }

  dblclick(event) {
    if (this.mode !== "draw") return;
    event.preventDefault();
    this.finish();
  }

  move(event) {
    if (this.mode === "draw") {
      this.render([event.lngLat.lng, event.lngLat.lat]);
    } else if (this.mode === "edit" && this.dragging !== null) {
      this.corners[this.dragging] = [event.lngLat.lng, event.lngLat.lat];
      this.render();
    } else if (this.mode === "edit") {
      const handle = this.handleAt(event.point, "draw-corners") || this.handleAt(event.point, "draw-midpoints");
      this.map.getCanvas().style.cursor = handle ? "pointer" : "";
    }
  }

  down(event) {
    if (this.mode !== "edit") return;
    const corner = this.handleAt(event.point, "draw-corners");
    if (!corner) return;
    event.preventDefault();
    this.dragging = corner.properties.index;
    this.map.dragPan.disable();
  }

  up() {
    if (this.dragging === null) return;
    this.dragging = null;
    this.map.dragPan.enable();
    this.changed();
  }

  context(event) {
    if (this.mode !== "edit" || this.corners.length <= 3) return;
    const corner = this.handleAt(event.point, "draw-corners");
    if (!corner) return;
    event.preventDefault();
    this.corners.splice(corner.properties.index, 1);
    this.render();
    this.changed();
  }

  key(event) {
    if (this.mode !== "draw") {
      if (event.key === "Escape") this.cancel();
      return;
    }
    if (event.key === "Enter") {
      event.preventDefault();
      this.finish();
    } else if (event.key === "Backspace") {
      event.preventDefault();
      this.corners.pop();
      this.render();
      this.changed();
    } else if (event.key === "Escape") {
      this.cancel();
    } else if (event.key === " ") {
      event.preventDefault();
      this.addCorner(this.map.getCenter());
    }
  }

  finish() {
    const polygon = this.polygon();
    if (!polygon) return;
    this.stop();
    this.render();
    this.handlers.finish(polygon);
  }

  cancel() {
    this.clear();
    this.handlers.cancel();
  }
}
