// The zones panel. Anyone may analyse an area (draw it, upload a GeoJSON polygon, or pick an
// administrative unit) and see what is inside, over the layers they may see; planners also save it
// as a zone of the zones layer, rename it, reshape it and delete it.
import { ApiError, getJSON, sendJSON, url } from "./api.js";
import { complianceBox } from "./compliance.js";
import { clear, el } from "./dom.js";
import { config, formatNumber, t } from "./i18n.js";
import { summaryUnavailable, summaryView } from "./summary-view.js";
import { geometryBounds } from "./table.js";

const UPLOAD_MAX_BYTES = 5 * 1024 * 1024;
// GeoJSON is read here; other files (zipped shapefile, GeoPackage, KML) by the server's import readers.
const ZONE_FILE_MAX_BYTES = 20 * 1024 * 1024;
const ZONE_FILES = ".geojson,.json,.zip,.gpkg,.kml,.kmz,application/geo+json,application/json";

export class ZonesPanel {
  constructor(root, { map, tool, catalog, inspector, overlays, datetime, onZonesChanged, status }) {
    Object.assign(this, { root, map, tool, catalog, inspector, overlays, datetime, onZonesChanged, status });
    this.canEdit = config.user.can_edit_zones;
    this.zones = null; // null: the zones layer is not visible to this caller
    this.state = { kind: "idle" };
    this.summaryRequest = 0;
    this.pickHandler = (event) => this.pickAt(event.lngLat);
  }

  async load() {
    if (!this.catalog.some((layer) => layer.slug === config.zones_layer)) {
      this.zones = null; // the zones layer is not in the caller's catalog: nothing to ask for
      this.render();
      return;
    }
    try {
      const body = await getJSON(config.urls.zones);
      this.zones = body.zones;
      this.canEdit = body.can_edit;
    } catch (error) {
      if (!(error instanceof ApiError) || error.status !== 404) this.status(error.message);
      this.zones = null;
    }
    this.render();
  }

  setState(state) {
    if (this.state.kind === "pick" && state.kind !== "pick") this.map.off("click", this.pickHandler);
    this.state = state;
    this.inspector.suspended = ["draw", "edit", "pick"].includes(state.kind);
    this.render();
  }

  render() {
    clear(this.root);
    this.summaryBox = null;
    const s = this.state;
    this.root.append(el("h2", { class: "panel-title" }, t("Analyse an area")));
    if (s.kind === "draw") {
      if (s.redrawing) this.root.append(el("h3", { class: "zone-redrawing" }, t("Redrawing %(name)s", { name: s.redrawing.properties.name })));
      this.root.append(el("p", { class: "hint", id: "draw-hint" },
        t("Click on the map to add corners. Click the first corner, double-click or press Enter to finish. Backspace removes the last corner, Escape cancels. With the keyboard: focus the map, move it with the arrow keys and press Space to add a corner at its centre.")),
      el("div", { class: "actions" }, el("button", { type: "button", onclick: () => { this.tool.cancel(); } }, t("Cancel"))));
      return;
    }
    if (s.kind === "pick") {
      this.root.append(el("p", { class: "hint" }, t("Click on the map inside the commune or district you want.")));
      if (s.places) {
        this.root.append(el("ul", { class: "pick-list" }, s.places.map((place) => el("li", {},
          el("button", { type: "button", onclick: () => this.choosePlace(place) }, place.name, el("small", {}, ` · ${place.layer_title}`))))));
      }
      this.root.append(el("div", { class: "actions" }, el("button", { type: "button", onclick: () => this.setState({ kind: "idle" }) }, t("Cancel"))));
      return;
    }
    if (s.kind === "idle") {
      const upload = el("input", { type: "file", id: "zone-upload", accept: ZONE_FILES, class: "visually-hidden",
        onchange: (event) => this.upload(event.target.files[0]) });
      this.root.append(el("div", { class: "actions" },
        el("button", { type: "button", id: "draw-zone", onclick: () => this.startDrawing() }, t("Draw an area")),
        el("label", { for: "zone-upload", class: "button", tabindex: "0", onkeydown: (e) => { if (e.key === "Enter" || e.key === " ") { e.preventDefault(); upload.click(); } } }, t("Upload a zone file")), upload,
        el("button", { type: "button", id: "pick-unit", onclick: () => this.startPicking() }, t("Pick an administrative unit"))));
      if (!this.canEdit) {
        this.root.append(el("p", { class: "panel-note" }, config.user.signed_in
          ? t("Only planners can save zones; you can still analyse an area.")
          : t("Sign in as a planner to save zones; you can still analyse an area.")));
      }
    }
    if (s.kind === "candidate" || s.kind === "zone" || s.kind === "edit") this.root.append(this.detail());
    this.root.append(this.list());
  }

  detail() {
    const s = this.state;
    const box = el("section", { class: "zone-detail", "aria-live": "polite" });
    if (s.kind === "zone") {
      box.append(el("h3", { class: "zone-name" }, s.zone.properties.name));
      if (s.zone.properties.purpose) box.append(el("p", { class: "panel-note" }, s.zone.properties.purpose));
    } else if (s.kind === "candidate") {
      box.append(el("h3", {}, s.title || t("New area")));
    } else {
      box.append(el("h3", {}, t("Reshaping %(name)s", { name: s.zone.properties.name })),
        el("p", { class: "hint" }, t("Drag a corner to move it, click a midpoint to add a corner, right-click a corner to remove it.")));
    }
    box.append(this.actions());
    this.summaryBox = el("div", { class: "summary-box" });
    box.append(this.summaryBox);
    this.fillSummary();
    if (s.kind !== "edit") {
      box.append(complianceBox({ area: () => this.area(), status: this.status,
        title: () => (s.kind === "zone" ? s.zone.properties.name : s.title) || "" }));
    }
    return box;
  }

  // The area as the analysis API takes it: a saved zone by id, else the shape itself.
  area() {
    const s = this.state;
    if (s.kind === "zone" && !s.edited) return { zone: s.zone.id };
    return { geometry: s.polygon || s.doc };
  }

  // The summary is redrawn on its own, so a name being typed in the form is never disturbed.
  fillSummary() {
    const s = this.state;
    if (!this.summaryBox) return;
    clear(this.summaryBox).append(s.summary ? summaryView(s.summary, this.catalog)
      : s.summaryError ? summaryUnavailable(s.summaryError) : el("p", { class: "panel-note" }, t("Counting what is inside…")));
  }

  actions() {
    const s = this.state;
    const row = el("div", { class: "actions" });
    if (s.kind === "candidate") {
      if (this.canEdit && this.zones !== null) {
        const name = el("input", { id: "zone-name", required: true, maxlength: "200", value: s.title || "" });
        const purpose = el("input", { id: "zone-purpose", maxlength: "200" });
        const form = el("form", { class: "zone-form", onsubmit: (event) => { event.preventDefault(); this.save(name.value, purpose.value); } },
          el("label", { for: "zone-name" }, t("Zone name")), name,
          el("label", { for: "zone-purpose" }, t("Purpose (optional)")), purpose,
          el("button", { type: "submit", class: "primary" }, t("Save as zone")));
        row.append(form);
      }
      if (!s.editing) row.append(el("button", { type: "button", onclick: () => this.editCandidate() }, t("Edit shape")));
      row.append(el("button", { type: "button", onclick: () => this.discard() }, t("Discard")));
    } else if (s.kind === "zone" && s.renaming) {
      const name = el("input", { id: "zone-rename", required: true, maxlength: "200", value: s.zone.properties.name });
      row.append(el("form", { class: "zone-form", onsubmit: (event) => { event.preventDefault(); this.rename(name.value); } },
        el("label", { for: "zone-rename" }, t("New name of the zone")), name,
        el("div", { class: "actions" },
          el("button", { type: "submit", class: "primary" }, t("Rename")),
          el("button", { type: "button", onclick: () => this.setState({ ...s, renaming: false }) }, t("Cancel")))));
      queueMicrotask(() => name.focus());
    } else if (s.kind === "zone") {
      if (this.canEdit) {
        row.append(el("button", { type: "button", id: "zone-rename-start", onclick: () => this.setState({ ...s, renaming: true }) }, t("Rename")),
          el("button", { type: "button", id: "zone-edit-start", onclick: () => { this.tool.edit(s.zone.geometry); this.setState({ ...s, kind: "edit" }); } }, t("Edit shape")),
          el("button", { type: "button", id: "zone-redraw-start", onclick: () => this.startRedrawing() }, t("Redraw")),
          el("button", { type: "button", id: "zone-delete", class: "danger", onclick: () => this.remove() }, t("Delete")));
      }
      row.append(el("button", { type: "button", onclick: () => this.discard() }, t("Close")));
    } else if (s.kind === "edit") {
      row.append(el("button", { type: "button", id: "zone-save-shape", class: "primary", onclick: () => this.saveShape() }, t("Save shape")),
        el("button", { type: "button", onclick: () => this.select(s.zone.id) }, t("Cancel")));
    }
    return row;
  }

  list() {
    const section = el("section", { class: "zone-list" }, el("h2", { class: "panel-title" }, t("Saved zones")));
    if (this.zones === null) {
      section.append(el("p", { class: "panel-note" }, t("The planners' zones are internal: sign in to see them.")));
      return section;
    }
    if (!this.zones.length) section.append(el("p", { class: "panel-note" }, t("No zone has been saved yet.")));
    section.append(el("ul", {}, this.zones.map((zone) => el("li", {},
      el("button", { type: "button", class: "link", dataset: { zone: String(zone.id) }, onclick: () => this.select(zone.id) }, zone.name || `#${zone.id}`),
      el("small", {}, [zone.area_km2 !== null && zone.area_km2 !== undefined ? `${formatNumber(zone.area_km2, 2)} km²` : "", zone.created_by].filter(Boolean).join(" · "))))));
    return section;
  }

  // --- getting a shape ---------------------------------------------------------------------
  startDrawing() {
    this.inspector.close();
    this.setState({ kind: "draw" });
    this.tool.start();
    this.map.getCanvas().focus();
  }

  // A saved zone is redrawn from scratch (the way to reshape it with the keyboard): the new
  // outline is then edited like any reshaping, counted, and saved with "Save shape".
  startRedrawing() {
    this.inspector.close();
    this.setState({ ...this.state, kind: "draw", redrawing: this.state.zone });
    this.tool.start();
    this.map.getCanvas().focus();
  }

  drawn(polygon) {
    const zone = this.state.redrawing;
    if (!zone) {
      this.candidate(polygon, null, null);
      return;
    }
    this.tool.edit(polygon);
    this.setState({ kind: "edit", zone, polygon, edited: true, summary: null });
    this.summarize();
  }

  // Escape or Cancel while drawing or reshaping: back to the saved zone, if there was one.
  cancelled() {
    const zone = this.state.redrawing || (this.state.kind === "edit" ? this.state.zone : null);
    if (zone) this.select(zone.id);
    else this.setState({ kind: "idle" });
  }

  // The tool reports every change of the shape being edited: count again (debounced).
  reshaped(polygon) {
    if (!polygon || !["candidate", "edit"].includes(this.state.kind)) return;
    this.state = { ...this.state, polygon, edited: true };
    clearTimeout(this.reshapeTimer);
    this.reshapeTimer = setTimeout(() => this.summarize(), 400);
  }

  editCandidate() {
    this.tool.edit(this.state.polygon);
    this.setState({ ...this.state, editing: true });
  }

  startPicking() {
    this.inspector.close();
    this.setState({ kind: "pick" });
    this.map.on("click", this.pickHandler);
  }

  async upload(file) {
    if (!file) return;
    if (!/\.(geo)?json$/i.test(file.name)) {
      this.uploadFile(file);
      return;
    }
    if (file.size > UPLOAD_MAX_BYTES) {
      this.status(t("The file is larger than 5 MB."));
      return;
    }
    let doc;
    try {
      doc = JSON.parse(await file.text());
    } catch {
      this.status(t("The file is not valid JSON."));
      return;
    }
    // The server checks the polygon (and reprojects a VN-2000 file); the summary answer says whether it is usable.
    this.candidate(null, doc, file.name.replace(/\.(geo)?json$/i, ""));
  }

  // A shapefile (zipped), GeoPackage or KML: the server reads it as an import would and answers the
  // polygon it outlines, which is then analysed like a drawn one.
  async uploadFile(file) {
    if (file.size > ZONE_FILE_MAX_BYTES) {
      this.status(t("The file is larger than 20 MB."));
      return;
    }
    const form = new FormData();
    form.append("file", file);
    try {
      const response = await fetch(config.urls.zone_file, {
        method: "POST", body: form, credentials: "same-origin",
        headers: { Accept: "application/json", "X-CSRFToken": config.csrf_token },
      });
      const body = await response.json();
      if (!response.ok) throw new ApiError(response.status, body);
      this.candidate(body.geometry, null, body.properties.name);
    } catch (error) {
      this.status(error.message);
    }
  }

  async pickAt(lngLat) {
    try {
      const body = await getJSON(config.urls.search, { q: `${lngLat.lat.toFixed(6)}, ${lngLat.lng.toFixed(6)}` });
      const places = body.results.filter((r) => r.kind === "place");
      this.setState({ kind: "pick", places });
      if (places.length === 1) this.choosePlace(places[0]);
    } catch (error) {
      this.status(error.message);
    }
  }

  async choosePlace(place) {
    this.map.off("click", this.pickHandler);
    const feature = await getJSON(url(config.urls.feature, { slug: place.layer, id: place.id }));
    this.candidate(feature.geometry, null, place.name, { slug: place.layer, id: place.id });
  }

  // A shape to analyse: `polygon` (GeoJSON geometry in WGS 84), or an uploaded `doc` the server checks.
  candidate(polygon, doc, title, source) {
    this.setState({ kind: "candidate", polygon, doc, title, source, summary: null });
    if (polygon) {
      this.tool.display(polygon);
      this.fit(polygon);
    }
    this.summarize();
  }

  async summarize() {
    const s = this.state;
    const ticket = ++this.summaryRequest;
    const datetime = this.datetime();
    try {
      let summary;
      if (s.edited || (s.kind === "candidate" && !s.source)) {
        // A shape that is not stored as it is: the server checks it (and reprojects a VN-2000
        // upload) and answers with the polygon it understood, which is what gets drawn.
        summary = await sendJSON("POST", config.urls.summary, { geometry: s.polygon || s.doc, ...(datetime ? { datetime } : {}) });
      } else {
        const stored = s.kind === "candidate" ? s.source : { slug: config.zones_layer, id: s.zone.id };
        summary = await getJSON(url(config.urls.feature_summary, stored), { datetime });
      }
      if (ticket !== this.summaryRequest) return;
      Object.assign(this.state, { summary, summaryError: null });
      if (!s.polygon && summary.geometry) {
        this.state.polygon = summary.geometry;
        this.tool.display(summary.geometry);
        this.fit(summary.geometry);
      }
      this.fillSummary();
    } catch (error) {
      if (ticket !== this.summaryRequest) return;
      Object.assign(this.state, { summary: null, summaryError: error.message });
      this.fillSummary();
    }
  }

  refreshSummary() {
    if (["candidate", "zone"].includes(this.state.kind)) this.summarize();
  }

  fit(polygon) {
    const [a, b, c, d] = geometryBounds(polygon);
    this.map.fitBounds([[a, b], [c, d]], { padding: 60, maxZoom: 15, duration: 600 });
  }

  discard() {
    this.tool.clear();
    this.setState({ kind: "idle" });
  }

  // --- saved zones ---------------------------------------------------------------------------
  async select(id) {
    this.tool.clear();
    try {
      const zone = await getJSON(url(config.urls.zone, { id }));
      this.setState({ kind: "zone", zone, summary: null });
      this.tool.display(zone.geometry);
      this.fit(zone.geometry);
      this.summarize();
    } catch (error) {
      this.status(error.message);
    }
  }

  async save(name, purpose) {
    const s = this.state;
    const geometry = s.polygon || s.doc;
    try {
      const zone = await sendJSON("POST", config.urls.zones, { name, purpose, geometry });
      this.status(t("Zone “%(name)s” saved.", { name: zone.properties.name }));
      await this.afterChange();
      await this.select(zone.id);
    } catch (error) {
      this.status(error.message);
    }
  }

  async rename(name) {
    const zone = this.state.zone;
    try {
      await sendJSON("PATCH", url(config.urls.zone, { id: zone.id }), { name });
      await this.afterChange();
      await this.select(zone.id);
    } catch (error) {
      this.status(error.message);
    }
  }

  async saveShape() {
    const zone = this.state.zone;
    const geometry = this.tool.polygon();
    if (!geometry) return;
    try {
      await sendJSON("PATCH", url(config.urls.zone, { id: zone.id }), { geometry });
      this.status(t("The shape of “%(name)s” was saved.", { name: zone.properties.name }));
      await this.afterChange();
      await this.select(zone.id);
    } catch (error) {
      this.status(error.message);
    }
  }

  async remove() {
    const zone = this.state.zone;
    if (!window.confirm(t("Delete the zone “%(name)s”?", { name: zone.properties.name }))) return;
    try {
      await sendJSON("DELETE", url(config.urls.zone, { id: zone.id }));
      this.status(t("Zone “%(name)s” deleted.", { name: zone.properties.name }));
      this.discard();
      await this.afterChange();
    } catch (error) {
      this.status(error.message);
    }
  }

  async afterChange() {
    await this.load();
    await this.onZonesChanged();
  }
}
