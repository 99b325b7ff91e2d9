// The extent map of a dataset page: our own basemap, the dataset drawn with its own style, the
// extent outlined. Everything comes from this server (no CDN, no glyph server: labels use the
// bundled Noto Sans, as on the dashboard).
(async () => {
  const data = JSON.parse(document.getElementById("portal-map").textContent);
  const container = document.getElementById("extent-map");
  if (!data.bbox || !window.maplibregl) return;
  await document.fonts.load('16px "Noto Sans"', "Long An");
  const getJSON = async (url) => {
    const response = await fetch(url, {credentials: "same-origin"});
    if (!response.ok) throw new Error(url + " answered " + response.status);
    return response.json();
  };
  const style = await getJSON("/tiles/styles/basemap.json");
  const own = await getJSON("/tiles/styles/" + encodeURIComponent(data.slug) + ".json");
  Object.assign(style.sources, own.sources);
  const [w, s, e, n] = data.bbox;
  style.sources["portal-extent"] = {type: "geojson", data: {type: "Feature", properties: {},
    geometry: {type: "Polygon", coordinates: [[[w, s], [e, s], [e, n], [w, n], [w, s]]]}}};
  const isLabel = (l) => l.type === "symbol";
  style.layers = [
    ...style.layers.filter((l) => !isLabel(l)),
    ...own.layers,
    {id: "portal-extent", type: "line", source: "portal-extent", paint: {"line-color": "#d7301f", "line-width": 2}},
    ...style.layers.filter(isLabel),
  ];
  const map = new maplibregl.Map({container, style, bounds: [[w, s], [e, n]],
    fitBoundsOptions: {padding: 24, maxZoom: 14}, attributionControl: {compact: true}});
  map.addControl(new maplibregl.NavigationControl(), "top-right");
  window.geoIocMap = map;
  map.once("idle", () => { window.geoIocReady = true; });
})().catch((e) => { window.geoIocErrors = [String(e)]; window.geoIocReady = true; });
