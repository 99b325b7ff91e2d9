// The video wall: shows one scene at a time, follows the playlist state the server computes,
// refreshes numbers when their version changes, and keeps the last data on screen with a
// "stale since" badge when the server cannot be reached. No framework, no CDN.
(function () {
  "use strict";
  const config = JSON.parse(document.getElementById("wall-config").textContent);
  const text = JSON.parse(document.getElementById("wall-text").textContent);
  const lang = document.documentElement.lang === "en" ? "en" : "vi";
  const root = document.getElementById("wall");
  const badge = document.getElementById("stale");
  const tz = "Asia/Ho_Chi_Minh";
  const hhmm = new Intl.DateTimeFormat("vi-VN", {hour: "2-digit", minute: "2-digit", hour12: false, timeZone: tz});
  const clockFmt = new Intl.DateTimeFormat("vi-VN", {hour: "2-digit", minute: "2-digit", second: "2-digit", hour12: false, timeZone: tz});
  const dateFmt = new Intl.DateTimeFormat(lang === "en" ? "en-GB" : "vi-VN", {weekday: "long", day: "2-digit", month: "2-digit", year: "numeric", timeZone: tz});
  const shortFmt = new Intl.DateTimeFormat("vi-VN", {day: "2-digit", month: "2-digit", hour: "2-digit", minute: "2-digit", hour12: false, timeZone: tz});
  const dayFmt = new Intl.DateTimeFormat("vi-VN", {day: "2-digit", month: "2-digit", timeZone: tz});

  // What is on screen. Replaced as a whole when the scene changes, so nothing old stays referenced.
  let shown = null; // {slug, version, maps: Map(id -> entry), panels: Map(id -> element)}
  let lastOk = new Date();
  let stale = false;
  // One request at a time, one timer at a time: a server that is down gets a poll that backs off
  // (doubling up to retryMaxMs), never a growing pile of timers or a storm of requests.
  const retryMaxMs = Math.min(15000, Math.max(2000, 16 * config.statePollMs));
  const requestTimeoutMs = 20000; // a server that accepts but never answers must not hang the loop
  let failures = 0;
  let lastData = 0;

  const title = (o) => (lang === "en" ? o.title_en : o.title_vi) || o.title_vi || o.title_en || "";
  const unit = (d) => (lang === "en" ? d.unit_en : d.unit_vi) || "";
  function number(value, decimals) {
    if (value === null || value === undefined) return "—";
    return Number(value).toLocaleString(lang === "en" ? "en-US" : "vi-VN", {minimumFractionDigits: decimals || 0, maximumFractionDigits: decimals || 0});
  }
  function el(tag, cls, content) {
    const node = document.createElement(tag);
    if (cls) node.className = cls;
    if (content !== undefined) node.textContent = content;
    return node;
  }

  function succeeded() {
    lastOk = new Date();
    failures = 0;
    if (stale) {
      stale = false;
      badge.hidden = true;
      document.body.classList.remove("is-stale");
      reloadBrokenMaps();
    }
  }
  function failed() {
    failures += 1;
    if (!stale) {
      stale = true;
      badge.textContent = text.stale.replace("{time}", hhmm.format(lastOk));
      badge.hidden = false;
      document.body.classList.add("is-stale");
    }
  }

  async function getJSON(url, etag) {
    const headers = {Accept: "application/json"};
    if (etag) headers["If-None-Match"] = '"' + etag + '"';
    const abort = new AbortController();
    const timer = setTimeout(() => abort.abort(), requestTimeoutMs);
    try {
      const response = await fetch(url, {headers, cache: "no-store", credentials: "same-origin", signal: abort.signal});
      if (response.status === 304) return null;
      if (!response.ok) throw new Error("HTTP " + response.status);
      return await response.json();
    } finally {
      clearTimeout(timer);
    }
  }

  // ---- panels ---------------------------------------------------------------------------------
  function frame(panel) {
    const box = el("section", "panel panel-" + panel.kind);
    box.dataset.panel = panel.id;
    box.style.gridRow = (panel.row + 1) + " / span " + panel.rows;
    box.style.gridColumn = (panel.col + 1) + " / span " + panel.cols;
    if (panel.kind !== "clock") box.append(el("h2", "panel-title", title(panel)));
    const body = el("div", "panel-body");
    box.append(body);
    return box;
  }

  function fillKpi(body, d) {
    body.replaceChildren();
    const value = el("div", "kpi-value", number(d.value, d.decimals));
    value.dataset.value = d.value === null ? "" : String(d.value);
    const u = unit(d);
    if (u) value.append(el("span", "kpi-unit", " " + u));
    body.append(value);
    if (d.previous !== null && d.previous !== undefined) {
      const up = d.change > 0, down = d.change < 0;
      const change = el("div", "kpi-change " + (up ? "up" : down ? "down" : "same"));
      change.textContent = (up ? "▲ +" : down ? "▼ " : "● ") + number(d.change, d.decimals) + " " +
        text.vsPrevious.replace("{value}", number(d.previous, d.decimals));
      body.append(change);
    }
  }

  const SVG = "http://www.w3.org/2000/svg";
  function fillChart(body, d) {
    body.replaceChildren();
    const values = d.points.map((p) => p.value === null ? 0 : p.value);
    const max = Math.max(1, ...values);
    const svg = document.createElementNS(SVG, "svg");
    svg.setAttribute("viewBox", "0 0 " + values.length * 10 + " 100");
    svg.setAttribute("preserveAspectRatio", "none");
    svg.classList.add("chart");
    values.forEach((v, i) => {
      const bar = document.createElementNS(SVG, "rect");
      const h = (v / max) * 96;
      bar.setAttribute("x", i * 10 + 1); bar.setAttribute("width", 8);
      bar.setAttribute("y", 100 - h); bar.setAttribute("height", h);
      svg.append(bar);
    });
    const axis = el("div", "chart-axis");
    axis.append(el("span", "", d.points.length ? dayFmt.format(new Date(d.points[0].t)) : ""));
    axis.append(el("span", "chart-max", text.max + " " + number(Math.max(...values, 0), d.decimals) + " " + unit(d)));
    axis.append(el("span", "", d.points.length ? dayFmt.format(new Date(d.points[d.points.length - 1].t)) : ""));
    body.append(svg, axis);
  }

  function fillTable(body, d) {
    body.replaceChildren();
    const list = el("ol", "ranking");
    const max = Math.max(1, ...d.rows.map((r) => r.value || 0));
    for (const row of d.rows) {
      const item = el("li");
      item.append(el("span", "rank-label", row.label), el("span", "rank-value", number(row.value, d.decimals)));
      const bar = el("span", "rank-bar");
      bar.style.width = ((row.value || 0) / max * 100).toFixed(1) + "%";
      item.append(bar);
      list.append(item);
    }
    if (!d.rows.length) list.append(el("li", "empty", text.nothing));
    body.append(list);
  }

  function fillTicker(body, d) {
    body.replaceChildren();
    const list = el("ul", "ticker");
    for (const item of d.items) {
      const li = el("li");
      li.append(el("time", "", shortFmt.format(new Date(item.t))), el("span", "", item.text));
      list.append(li);
    }
    if (!d.items.length) list.append(el("li", "empty", text.nothing));
    body.append(list);
  }

  function fillClock(body, scene) {
    body.replaceChildren(
      el("div", "scene-title", title(scene)),
      el("div", "clock-time"), el("div", "clock-date"),
      el("div", "as-of", scene.live ? text.live : text.asOf.replace("{time}", shortFmt.format(new Date(scene.as_of)))),
    );
    tickClock();
  }
  function tickClock() {
    const now = new Date();
    for (const node of root.querySelectorAll(".clock-time")) node.textContent = clockFmt.format(now);
    for (const node of root.querySelectorAll(".clock-date")) node.textContent = dateFmt.format(now);
  }

  function mapFilter(filter) {
    const parts = ["all"];
    for (const [name, wanted] of Object.entries(filter || {})) {
      if (Array.isArray(wanted)) parts.push(["in", ["get", name], ["literal", wanted]]);
      else if (wanted !== null && typeof wanted === "object") {
        const ops = {gt: ">", gte: ">=", lt: "<", lte: "<="};
        for (const [op, bound] of Object.entries(wanted)) parts.push([ops[op], ["to-number", ["get", name]], bound]);
      } else parts.push(["==", ["get", name], wanted]);
    }
    return parts;
  }
  function tileUrl(layer) {
    const params = new URLSearchParams({v: String(layer.version)});
    if (layer.datetime) params.set("datetime", layer.datetime);
    return location.origin + "/tiles/" + layer.slug + "/{z}/{x}/{y}.pbf?" + params.toString();
  }
  function mapStyle(d) {
    const style = {version: 8, sources: {}, layers: [{id: "bg", type: "background", paint: {"background-color": "#0b1220"}}]};
    for (const layer of d.layers) {
      style.sources[layer.slug] = {type: "vector", tiles: [tileUrl(layer)], minzoom: 0, maxzoom: 16};
      const base = {source: layer.slug, "source-layer": layer.slug, filter: mapFilter(layer.filter)};
      const geom = layer.geometry_type || "";
      if (geom.includes("Polygon")) {
        style.layers.push({...base, id: layer.slug + "-fill", type: "fill", paint: {"fill-color": layer.color, "fill-opacity": 0.25}});
        style.layers.push({...base, id: layer.slug + "-line", type: "line", paint: {"line-color": layer.color, "line-width": 2}});
      } else if (geom.includes("Line")) {
        style.layers.push({...base, id: layer.slug + "-line", type: "line", paint: {"line-color": layer.color, "line-width": 3}});
      } else {
        style.layers.push({...base, id: layer.slug + "-circle", type: "circle", paint: {"circle-color": layer.color, "circle-radius": 5, "circle-stroke-color": "#ffffff", "circle-stroke-width": 1}});
      }
    }
    // Expressions cannot read CSS; scale widths by the wall's size unit (the grid's font size) once, here.
    const u = parseFloat(getComputedStyle(root).fontSize) || 11;
    for (const layer of style.layers) {
      if (layer.type === "line") layer.paint["line-width"] = Math.max(1, u * 0.12);
      if (layer.type === "circle") { layer.paint["circle-radius"] = Math.max(3, u * 0.3); layer.paint["circle-stroke-width"] = Math.max(1, u * 0.05); }
    }
    return style;
  }
  const layerKey = (d) => d.layers.map((l) => l.slug + ":" + l.version + ":" + l.datetime).join("|");
  function buildMap(body, d) {
    body.replaceChildren();
    if (!window.maplibregl) { body.append(el("div", "empty", text.noMap)); return null; }
    const container = el("div", "map");
    body.append(container);
    const bbox = d.bbox || [105.49, 10.39, 106.76, 11.04];
    try {
      const map = new maplibregl.Map({
        container, style: mapStyle(d), bounds: [[bbox[0], bbox[1]], [bbox[2], bbox[3]]],
        interactive: false, attributionControl: false, fadeDuration: 0, fitBoundsOptions: {padding: 10},
      });
      const entry = {map, data: d, versions: layerKey(d), brokenTiles: 0};
      // A missing tile must not stop the wall. Tiles that failed while the server was away are
      // asked for again when it answers again (reloadBrokenMaps); MapLibre would not retry them.
      map.on("error", (event) => { if (event.tile || event.sourceId) entry.brokenTiles += 1; });
      // Tells a watcher (and the tests) that every tile of the view has been drawn.
      map.on("idle", () => { body.parentElement.dataset.mapReady = "true"; });
      return entry;
    } catch (error) {
      body.append(el("div", "empty", text.noMap));
      return null;
    }
  }
  function refreshMap(entry, d) {
    if (!entry) return;
    entry.data = d;
    const versions = layerKey(d);
    if (entry.versions !== versions) {
      entry.map.setStyle(mapStyle(d));
      entry.versions = versions;
    }
  }
  function reloadBrokenMaps() {
    if (!shown) return;
    for (const entry of shown.maps.values()) {
      if (!entry || !entry.brokenTiles) continue;
      entry.brokenTiles = 0;
      for (const layer of entry.data.layers) {
        const source = entry.map.getSource(layer.slug);
        if (source && source.setTiles) source.setTiles([tileUrl(layer)]);
      }
    }
  }

  function fill(box, panel, scene) {
    const body = box.querySelector(".panel-body");
    const d = panel.data;
    if (panel.kind === "kpi") fillKpi(body, d);
    else if (panel.kind === "chart") fillChart(body, d);
    else if (panel.kind === "table") fillTable(body, d);
    else if (panel.kind === "ticker") fillTicker(body, d);
    else if (panel.kind === "clock") fillClock(body, scene);
  }

  // ---- scenes ---------------------------------------------------------------------------------
  function teardown() {
    if (!shown) return;
    for (const entry of shown.maps.values()) if (entry) entry.map.remove();
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
    // Maps after the grid is in the document, so they get their real size.
    for (const panel of data.panels) {
      if (panel.kind === "map") maps.set(panel.id, buildMap(panels.get(panel.id).querySelector(".panel-body"), panel.data));
    }
    shown = {slug: scene.slug, version: data.version, panels, maps};
  }

  function update(data) {
    // A panel that appears or goes (a layer published, or hidden from this display: the server
    // leaves such panels out) changes the grid: draw the scene afresh rather than patch it.
    const ids = data.panels.map((panel) => panel.id);
    const remap = ids.length !== shown.panels.size || ids.some((id) => !shown.panels.has(id));
    if (remap) return render(data);
    for (const panel of data.panels) {
      const box = shown.panels.get(panel.id);
      if (!box) continue;
      if (panel.kind === "map") {
        refreshMap(shown.maps.get(panel.id), panel.data);
      } else fill(box, panel, data.scene);
    }
    shown.version = data.version;
    root.dataset.version = data.version;
  }

  async function loadScene(slug) {
    const same = shown && shown.slug === slug;
    const data = await getJSON("/api/wall/scenes/" + encodeURIComponent(slug) + "/data", same ? shown.version : null);
    if (data === null) return;
    if (shown && shown.slug === data.scene.slug) update(data);
    else render(data);
  }

  // One poll: where the playlist is (unless a scene is pinned), then the scene's numbers when the
  // scene changed, when they are due, or right after the server came back.
  async function poll() {
    let slug = config.scene;
    if (!slug) {
      const state = await getJSON("/api/wall/playlists/" + encodeURIComponent(config.playlist) + "/state");
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
      await poll();
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
})();
