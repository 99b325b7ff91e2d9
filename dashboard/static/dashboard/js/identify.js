// Identify: everything under a click, in every visible vector layer, asked of the GeoJSON API with a
// small box around the click (so features the tiles merged or generalised are all there). Records
// stacked on one geometry (17 weekly records of one commune) are one group, expandable, in time order.
// Every visible raster whose extent holds the click gives its band values there (the point query
// /api/layers/{slug}/value, under the same access rule as its tiles), named and with units where the
// file says them, "no data" where it has none.
import { getJSON, url } from "./api.js";
import { el } from "./dom.js";
import { config, formatDateTime, formatNumber, pick, t } from "./i18n.js";
import { featureName } from "./properties.js";

const TOLERANCE_PX = 5;
// One layer's answer is capped: a click that holds more is on a dense place; zooming in narrows it.
const PER_LAYER = 500;

function when(feature) {
  const p = feature.properties;
  return p.datetime || p.start_datetime || null;
}

// Features with the same geometry, in time order (then id order) inside each group.
export function stacks(features) {
  const groups = new Map();
  for (const feature of features) {
    const key = JSON.stringify(feature.geometry);
    if (!groups.has(key)) groups.set(key, []);
    groups.get(key).push(feature);
  }
  const byTime = (a, b) => (when(a) || "").localeCompare(when(b) || "") || a.id - b.id;
  return [...groups.values()].map((group) => group.sort(byTime));
}

function holds(bbox, lngLat) {
  return Boolean(bbox) && lngLat.lng >= bbox[0] && lngLat.lng <= bbox[2] && lngLat.lat >= bbox[1] && lngLat.lat <= bbox[3];
}

export class Identify {
  // `handlers`: {visibleSlugs(), datetime(), open(slug, id, lngLat), keepInView(), show(lngLat, node)}
  constructor(map, catalog, handlers) {
    this.map = map;
    this.catalog = new Map(catalog.map((layer) => [layer.slug, layer]));
    this.handlers = handlers;
    this.ticket = 0;
  }

  box(point) {
    const a = this.map.unproject([point.x - TOLERANCE_PX, point.y + TOLERANCE_PX]);
    const b = this.map.unproject([point.x + TOLERANCE_PX, point.y - TOLERANCE_PX]);
    return [a.lng, a.lat, b.lng, b.lat].map((v) => v.toFixed(7)).join(",");
  }

  // Every feature under `point`, per visible layer: [{layer, groups: [[feature, …], …]}].
  async around(point) {
    const bbox = this.box(point);
    const datetime = this.handlers.datetime();
    const layers = this.handlers.visibleSlugs().map((slug) => this.catalog.get(slug)).filter((layer) => layer?.kind === "vector");
    const answers = await Promise.all(layers.map(async (layer) => {
      const params = { bbox, limit: PER_LAYER };
      if (datetime && layer.time_kind !== "none") params.datetime = datetime;
      try {
        const collection = await getJSON(url(config.urls.features, { slug: layer.slug }), params);
        return { layer, groups: stacks(collection.features), more: collection.numberMatched > collection.numberReturned };
      } catch {
        return { layer, groups: [], more: false }; // a layer hidden meanwhile answers 404: it has nothing here
      }
    }));
    return answers.filter((answer) => answer.groups.length);
  }

  // The band values of every visible raster whose extent holds `lngLat`: [{layer, bands: [{name, unit, value}]}].
  async rasters(lngLat) {
    const layers = this.handlers.visibleSlugs().map((slug) => this.catalog.get(slug))
      .filter((layer) => layer?.kind === "raster" && holds(layer.bbox, lngLat));
    const answers = await Promise.all(layers.map(async (layer) => {
      try {
        const body = await getJSON(url(config.urls.value, { slug: layer.slug }), { lon: lngLat.lng.toFixed(7), lat: lngLat.lat.toFixed(7) });
        return { layer, bands: body.values.map((value, i) => ({ ...body.bands[i], value })) };
      } catch {
        return null; // hidden meanwhile (404) or its file unavailable: nothing to say here
      }
    }));
    return answers.filter(Boolean);
  }

  // The list under the feature popup the click opened (`holder` is the popup's content).
  async attach(point, lngLat, holder) {
    const ticket = ++this.ticket;
    const [found, rasters] = await Promise.all([this.around(point), this.rasters(lngLat)]);
    if (ticket !== this.ticket || !holder.isConnected) return;
    const features = found.reduce((n, answer) => n + answer.groups.reduce((m, g) => m + g.length, 0), 0);
    if (features <= 1 && !rasters.length) return; // the popup shows the one feature already
    holder.append(this.section(found, rasters, features, lngLat));
    this.handlers.keepInView();
  }

  // A click on no drawn feature: a popup of its own when a visible raster is there. Only the rasters
  // are asked (none when no visible raster holds the click), so a click on the empty map costs nothing.
  async here(lngLat) {
    const ticket = ++this.ticket;
    const rasters = await this.rasters(lngLat);
    if (ticket !== this.ticket || !rasters.length) return;
    this.handlers.show(lngLat, this.section([], rasters, 0, lngLat));
  }

  section(found, rasters, features, lngLat) {
    return el("section", { class: "identify", "aria-label": t("Everything here") },
      el("h3", {}, features ? t("Here: %(n)s features in %(layers)s layers", { n: formatNumber(features), layers: formatNumber(found.length + rasters.length) })
        : t("Values here")),
      found.map(({ layer, groups, more }) => el("div", { class: "identify-layer", dataset: { slug: layer.slug } },
        el("h4", {}, pick(layer.title_vi, layer.title_en)),
        el("ul", {}, groups.map((group) => this.group(layer, group, lngLat))),
        more ? el("p", { class: "identify-more" }, t("More features here: zoom in to see them all.")) : null)),
      rasters.map(({ layer, bands }) => el("div", { class: "identify-layer identify-raster", dataset: { slug: layer.slug } },
        el("h4", {}, pick(layer.title_vi, layer.title_en)),
        el("dl", {}, bands.map((band, i) => [
          el("dt", {}, band.name || t("Band %(n)s", { n: formatNumber(i + 1) })),
          el("dd", { dataset: { band: String(i + 1) } }, band.value === null || band.value === undefined ? t("no data")
            : `${formatNumber(band.value, 3)}${band.unit ? ` ${band.unit}` : ""}`),
        ])))));
  }

  group(layer, group, lngLat) {
    const go = (feature, label) => el("button", { type: "button", class: "identify-feature", dataset: { id: String(feature.id) },
      onclick: () => this.handlers.open(layer.slug, feature.id, lngLat) }, label);
    const name = featureName(layer, group[0].properties);
    if (group.length === 1) return el("li", {}, go(group[0], name));
    // Opening a group grows the popup upwards, out of the map: pan to keep it whole.
    return el("li", {}, el("details", { class: "identify-stack", dataset: { count: String(group.length) }, ontoggle: () => this.handlers.keepInView() },
      el("summary", {}, `${name} — ${t("%(n)s records", { n: formatNumber(group.length) })}`),
      el("ol", {}, group.map((feature) => el("li", {}, go(feature, when(feature) ? formatDateTime(when(feature)) : featureName(layer, feature.properties)))))));
  }
}
