// The desk's map: the basemap built from our own layers, and the queue's reports on it, overdue ones
// in red and larger. Marks window.geoIocReady when the map is idle (the browser tests wait on it).
(async () => {
  const basemapUrl = document.currentScript.dataset.basemap;
  const points = JSON.parse(document.getElementById("desk-points").textContent);
  await document.fonts.load('16px "Noto Sans"', "Long An Tân An");
  const response = await fetch(basemapUrl, {credentials: "same-origin"});
  if (!response.ok) throw new Error(basemapUrl + " answered " + response.status);
  const style = await response.json();
  style.sources.reports = {type: "geojson", data: points};
  style.layers.push({
    id: "reports", type: "circle", source: "reports",
    paint: {
      "circle-color": ["case", ["get", "overdue"], "#dc2626", "#2563eb"],
      "circle-radius": ["case", ["get", "overdue"], 8, 5],
      "circle-stroke-color": "#ffffff", "circle-stroke-width": 1.5,
    },
  });
  const map = new maplibregl.Map({container: "desk-map", style, center: style.center, zoom: 8.6,
                                  attributionControl: {compact: true}});
  if (points.features.length) {
    const bounds = new maplibregl.LngLatBounds();
    points.features.forEach((f) => bounds.extend(f.geometry.coordinates));
    map.fitBounds(bounds, {padding: 40, maxZoom: 13, duration: 0});
  }
  map.on("click", "reports", (e) => { location.href = "reports/" + e.features[0].properties.id + "/"; });
  window.geoIocMap = map;
  map.once("idle", () => { window.geoIocReady = true; });
})().catch((e) => { window.geoIocErrors = [String(e)]; window.geoIocReady = true; });
