// The view in the URL's fragment, so a link shows the same map: centre and zoom, layers on,
// their opacities, the time window and the attribute filters of the layers shown (one parameter
// per filter, its value URL-encoded). `#map=9.2/10.731/106.172&layers=a,b&opacity=a:0.5&time=day:2022-12-05T00:00:00.000Z&filter:a:kind=school`

export function readState() {
  const params = new URLSearchParams(location.hash.slice(1));
  const state = {};
  const map = params.get("map")?.split("/").map(Number);
  if (map?.length === 3 && map.every(Number.isFinite)) {
    state.zoom = map[0];
    state.center = [map[2], map[1]];
  }
  if (params.has("layers")) state.layers = params.get("layers").split(",").filter(Boolean);
  state.opacity = {};
  for (const pair of (params.get("opacity") || "").split(",").filter(Boolean)) {
    const [slug, value] = pair.split(":");
    if (slug && Number.isFinite(Number(value))) state.opacity[slug] = Math.max(0, Math.min(1, Number(value)));
  }
  state.filters = {};
  for (const [key, value] of params) {
    const [prefix, slug, ...name] = key.split(":");
    if (prefix === "filter" && slug && name.length && value !== "") (state.filters[slug] ||= {})[name.join(":")] = value;
  }
  const time = params.get("time");
  if (time) {
    const [kind, ...rest] = time.split(":");
    state.time = { kind, start: rest.join(":") };
  }
  return state;
}

export function writeState({ map, layers, opacity, time, filters = {} }) {
  const center = map.getCenter();
  const parts = [`map=${map.getZoom().toFixed(2)}/${center.lat.toFixed(5)}/${center.lng.toFixed(5)}`];
  parts.push(`layers=${layers.join(",")}`);
  const changed = Object.entries(opacity).filter(([, v]) => v < 1);
  if (changed.length) parts.push(`opacity=${changed.map(([slug, v]) => `${slug}:${v.toFixed(2)}`).join(",")}`);
  if (time) parts.push(`time=${time.kind}:${time.start}`);
  for (const slug of layers) {
    for (const [name, value] of Object.entries(filters[slug] || {})) parts.push(`filter:${slug}:${encodeURIComponent(name)}=${encodeURIComponent(value)}`);
  }
  history.replaceState(null, "", `${location.pathname}${location.search}#${parts.join("&")}`);
}
