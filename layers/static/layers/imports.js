// The steward's import page: choose the target (a layer of one's own, found by title, or a new layer by
// title, its address derived), upload with fetch and hold=true, poll GET /api/imports/{id}/, answer the
// job's questions, look at the preview (first rows and a small map), choose the layer's style with the
// dashboard's style editor (one colour, categories, graduated classes, size by value, from the
// preview's properties), publish with that style, and open the layer on the map. No framework, no CDN.
import { whenSettled } from "../dashboard/js/map.js";
import { StyleEditor } from "../dashboard/js/style-editor.js";

(function () {
  "use strict";
  const labels = JSON.parse(document.getElementById("import-labels").textContent);
  const urls = JSON.parse(document.getElementById("import-urls").textContent);
  const lang = document.documentElement.lang === "en" ? "en" : "vi";
  const form = document.getElementById("import-form");
  const csrf = form.querySelector("[name=csrfmiddlewaretoken]").value;
  const $ = (id) => document.getElementById(id);
  let timer = null;
  let previewMap = null;
  let proposed = null; // the style the preview proposes (the job's choices.preview.style)
  let editor = null; // the style editor of the preview, null for a raster

  function text(el, value) { el.textContent = value; }

  function format(template, params) {
    return template.replace(/%\((\w+)\)s/g, (_m, key) => (key in params ? String(params[key]) : ""));
  }

  function list(el, messages) {
    el.replaceChildren(...messages.map((m) => { const li = document.createElement("li"); li.textContent = m[lang] || m; return li; }));
  }

  // Vietnamese without its accents, for finding "Điểm quan trắc" by typing "diem quan trac".
  function plain(value) {
    return value.normalize("NFD").replace(/[\u0300-\u036f]/g, "").replace(/đ/g, "d").replace(/Đ/g, "D").toLowerCase();
  }

  function slugOf(title) {
    return plain(title).replace(/[^a-z0-9]+/g, "-").replace(/^-+|-+$/g, "").slice(0, 70) || "lop";
  }

  // --- The target -----------------------------------------------------------------------------------
  const target = () => form.querySelector("[name=target]:checked").value;

  function showTarget() {
    const isNew = target() === "new";
    $("target-new").hidden = !isNew;
    $("target-existing").hidden = isNew;
    $("import-create").value = isNew ? "true" : "false";
    fillAddress();
  }

  function fillAddress() {
    const title = $("import-title").value.trim();
    text($("import-address"), target() === "new" && title ? format(labels.new_address, { title, slug: slugOf(title) }) : "");
  }

  form.querySelectorAll("[name=target]").forEach((radio) => radio.addEventListener("change", showTarget));
  $("import-title").addEventListener("input", fillAddress);
  const allTargets = [...$("target-layer").options].map((o) => [o.value, o.text]);
  $("target-search").addEventListener("input", (event) => {
    const wanted = plain(event.target.value.trim());
    $("target-layer").replaceChildren(...allTargets.filter(([slug, title]) => !wanted || plain(title).includes(wanted) || slug.includes(wanted))
      .map(([slug, title]) => new Option(title, slug)));
    if ($("target-layer").options.length === 1) $("target-layer").selectedIndex = 0;
  });

  // Say what is missing in words, next to the field, before anything is sent.
  function check() {
    const problems = [];
    const mark = (id, message) => { text($(id), message); if (message) problems.push(message); };
    mark("import-file-error", $("import-file").files.length ? "" : labels.check.file);
    mark("import-title-error", "");
    mark("import-target-error", "");
    if (target() === "new") {
      const missing = [];
      if (!$("import-title").value.trim()) missing.push(labels.check.title);
      if (!$("import-domain").value) missing.push(labels.check.domain);
      if ($("import-department").options.length > 1 && !$("import-department").value) missing.push(labels.check.department);
      mark("import-title-error", missing.join(" "));
      $("import-layer").value = slugOf($("import-title").value.trim());
    } else {
      mark("import-target-error", $("target-layer").value ? "" : labels.check.target);
      $("import-layer").value = $("target-layer").value;
    }
    return problems.length === 0;
  }

  // --- The job ---------------------------------------------------------------------------------------
  function draw(job) {
    $("job").hidden = false;
    text($("job-title"), "#" + job.id + " → " + (job.title || job.layer) + " (" + job.file_name + ")");
    const status = $("job-status");
    status.className = "status " + job.status;
    text(status, labels.status[job.status] || job.status);
    $("job-progress").value = job.progress;
    text($("job-percent"), job.progress + "%" + (job.stage ? " · " + (labels.stage[job.stage] || job.stage) : ""));
    const c = job.counts;
    text($("job-counts"), format(labels.counts, c));
    // While the job waits for the steward, nothing was loaded yet: no bar or counts to read.
    const waiting = job.status === "needs_input";
    for (const id of ["job-progress", "job-percent", "job-counts"]) $(id).hidden = waiting;
    list($("job-errors"), job.errors);
    list($("job-warnings"), job.warnings);
    const body = $("job-rows").querySelector("tbody");
    body.replaceChildren(...job.rows.slice(0, 200).map((r) => {
      const tr = document.createElement("tr");
      for (const value of [r.row, r[lang]]) { const td = document.createElement("td"); td.textContent = value; tr.appendChild(td); }
      return tr;
    }));
    $("job-rows").hidden = job.rows.length === 0;
    drawNeeds(job);
    drawPreview(job);
    drawDone(job);
  }

  function drawNeeds(job) {
    const box = $("job-needs");
    const need = job.needs[0];
    box.hidden = job.status !== "needs_input" || need === "publish";
    if (box.hidden) return;
    const choice = $("job-choice");
    let options = [];
    if (need === "crs") options = (job.choices.crs || []).map((c) => [c.crs, c.crs + " – " + c.name]);
    if (need === "source_layer") options = (job.choices.layers || []).map((l) => [l, l]);
    if (need === "encoding") {
      const previews = job.choices.encoding.previews || {};
      options = job.choices.encoding.options.map((e) => [e, e + (previews[e] ? " – " + previews[e].slice(0, 2).join(" · ") : "")]);
    }
    choice.replaceChildren(...options.map(([value, label]) => new Option(label, value)));
    choice.dataset.need = need;
    text($("job-needs-text"), labels.needs[need] || need);
  }

  function drawPreview(job) {
    const box = $("job-preview");
    const preview = job.status === "needs_input" && job.needs[0] === "publish" ? job.choices.preview : null;
    box.hidden = !preview;
    if (!preview || box.dataset.job === String(job.id)) return;
    box.dataset.job = String(job.id);
    proposed = preview.style;
    text($("job-preview-text"), labels.needs.publish + " " + format(labels.preview, { rows: preview.rows.length, total: preview.total }));
    const fields = preview.fields.slice(0, 12);
    const row = (cells, tag) => {
      const tr = document.createElement("tr");
      for (const cell of cells) { const td = document.createElement(tag); td.textContent = cell === null || cell === undefined ? "" : typeof cell === "object" ? JSON.stringify(cell) : String(cell); tr.appendChild(td); }
      return tr;
    };
    $("preview-rows").tHead.replaceChildren(row(fields, "th"));
    $("preview-rows").tBodies[0].replaceChildren(...preview.rows.map((r) => row(fields.map((f) => r[f]), "td")));
    showEditor(preview);
    drawMap(preview);
  }

  // The preview's properties as the layer will describe them (their type read from the first features'
  // values), for the editor's choice of a property to draw by.
  function propertiesOf(preview) {
    const features = preview.features.features;
    return preview.fields.map((name) => {
      const values = features.map((f) => f.properties[name]).filter((v) => v !== null && v !== undefined && v !== "");
      const type = !values.length ? "string" : values.some((v) => typeof v === "object") ? "json"
        : values.every((v) => typeof v === "number") ? (values.every(Number.isInteger) ? "integer" : "number") : "string";
      return { name, type };
    });
  }

  function showEditor(preview) {
    const box = $("preview-style");
    box.hidden = proposed.type === "raster";
    box.querySelector("form")?.remove();
    editor = null;
    if (box.hidden) return;
    const title = target() === "new" ? $("import-title").value.trim() : $("target-layer").selectedOptions[0]?.text || "";
    editor = new StyleEditor({ slug: "import", title_vi: title, title_en: title, style: proposed, properties: propertiesOf(preview) }, {
      preview: (_slug, style) => restyle(withOutline(style)),
      values: async (property) => preview.features.features.map((f) => f.properties[property]),
    });
    box.append(editor.root);
  }

  // The small map draws the preview as the dashboard will draw the published layer: the server turns
  // the draft style into MapLibre layers (POST /api/imports/{id}/style/, the tiles' own conversion), so
  // categories, classes, sizes and labels show here before publishing, not only the base colour.
  let drawnIds = [];
  let asked = 0;

  // A fill's outline follows its colour when the proposal had them alike (as publishing does).
  function withOutline(style) {
    if (proposed.outline_color === proposed.color) style.outline_color = style.color;
    return style;
  }

  async function restyle(style) {
    const map = previewMap, job = form.dataset.job, mine = ++asked;
    if (!map || !job) return;
    $("preview-map").removeAttribute("data-ready"); // set again once this draft is drawn
    // POSTed, though nothing is stored: categories named in two languages outgrow an address.
    const response = await fetch(urls.import_style.replace("{id}", job), { method: "POST", credentials: "same-origin",
      headers: { "X-CSRFToken": csrf, Accept: "application/json", "Content-Type": "application/json" },
      body: JSON.stringify({ style }) });
    // A refused draft keeps the last drawing: the editor says what is wrong, and publishing checks again.
    if (!response.ok || mine !== asked || map !== previewMap) return;
    const { layers } = await response.json();
    if (mine !== asked || map !== previewMap || !map.getSource("preview")) return;
    for (const id of drawnIds) if (map.getLayer(id)) map.removeLayer(id);
    drawnIds = layers.map((layer) => layer.id);
    for (const layer of layers) map.addLayer(layer);
    whenSettled(map).then(() => { if (mine === asked) $("preview-map").setAttribute("data-ready", "true"); });
  }

  async function drawMap(preview) {
    if (!window.maplibregl) return;
    const basemap = await (await fetch(urls.basemap, { credentials: "same-origin" })).json();
    delete basemap.center; delete basemap.zoom;
    await document.fonts.load('16px "Noto Sans"', "Tân An");
    previewMap?.remove();
    drawnIds = [];
    const map = previewMap = new maplibregl.Map({ container: "preview-map", style: basemap, attributionControl: false,
      canvasContextAttributes: { preserveDrawingBuffer: true }, bounds: preview.bbox || undefined,
      fitBoundsOptions: { padding: 30, maxZoom: 15 } });
    // For people debugging in the console, and for the browser tests that read pixels (as on the dashboard).
    window.geoIoc = { map };
    map.on("load", () => {
      map.addSource("preview", { type: "geojson", data: preview.features });
      if (editor) editor.draft().then((style) => restyle(withOutline(style)));
    });
  }

  async function drawDone(job) {
    const done = $("job-done");
    done.hidden = job.status !== "succeeded";
    if (done.hidden || done.dataset.job === String(job.id)) return;
    done.dataset.job = String(job.id);
    let fragment = "#layers=" + encodeURIComponent(job.layer);
    const response = await fetch(urls.layer.replace("{slug}", encodeURIComponent(job.layer)), { headers: { Accept: "application/json" }, credentials: "same-origin" });
    if (response.ok) {
      const layer = await response.json();
      if (layer.bbox) {
        const [w, s, e, n] = layer.bbox;
        const span = Math.max(e - w, (n - s) * 1.4, 0.002);
        const zoom = Math.min(15, Math.max(7, Math.log2(360 / span) + 0.5));
        fragment = "#map=" + zoom.toFixed(2) + "/" + ((s + n) / 2).toFixed(5) + "/" + ((w + e) / 2).toFixed(5) + "&layers=" + encodeURIComponent(job.layer);
      }
    }
    $("job-link").href = urls.dashboard + fragment;
    text($("job-link"), labels.published);
  }

  async function poll(id) {
    const response = await fetch("/api/imports/" + id + "/", { headers: { Accept: "application/json" }, credentials: "same-origin" });
    const job = await response.json();
    if (!response.ok) { list($("job-errors"), [job.detail]); return; }
    draw(job);
    if (job.status === "queued" || job.status === "running") timer = setTimeout(() => poll(id), 500);
  }

  async function send(url, options) {
    const response = await fetch(url, { credentials: "same-origin", ...options,
      headers: { "X-CSRFToken": csrf, Accept: "application/json", ...(options.headers || {}) } });
    const body = await response.json();
    if (!response.ok) {
      // The server's words are already the steward's (layers.imports.problems), in the page's language.
      list($("job-errors"), [labels.failed_request + " " + body.detail]);
      return null;
    }
    return body;
  }

  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    clearTimeout(timer);
    if (!check()) { form.querySelector(".field-error:not(:empty)")?.closest("fieldset")?.querySelector("input, select")?.focus(); return; }
    $("job").hidden = false;
    $("job-preview").dataset.job = "";
    $("job-done").dataset.job = "";
    list($("job-errors"), []);
    const body = await send(form.action, { method: "POST", body: new FormData(form) });
    if (!body) return;
    form.dataset.job = body.id;
    draw(body);
    poll(body.id);
  });

  async function confirm(answer) {
    const body = await send("/api/imports/" + form.dataset.job + "/confirm/", {
      method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify(answer),
    });
    if (!body) return;
    draw(body);
    poll(body.id);
  }

  $("job-confirm").addEventListener("click", () => {
    const choice = $("job-choice");
    confirm({ [choice.dataset.need]: choice.value });
  });
  $("job-publish").addEventListener("click", async () => {
    if (!editor) { confirm({ publish: true }); return; }
    confirm({ publish: true, style: withOutline(await editor.draft()) });
  });
  showTarget();
})();
