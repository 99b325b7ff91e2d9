// The MapLibre map on our own basemap style. No glyph server: MapLibre draws labels with the
// bundled Noto Sans (Vietnamese subset, @font-face in base.css), which must be loaded first or the
// first labels would fall back to another font.
import { config, t } from "./i18n.js";
import { UI_SCALE, scaleLayer } from "./scale.js";

const LABEL_FONT = '16px "Noto Sans"';

export async function loadLabelFont() {
  await Promise.all([document.fonts.load(LABEL_FONT, "Tân An Cần Giuộc Đức Hòa"), document.fonts.load(LABEL_FONT, "Long An")]);
}

// `basemap` is the style document itself, without its own camera: a shared link's view must win
// over the centre and zoom the basemap style carries.
export function createMap(container, view, basemap) {
  const { center: _center, zoom: _zoom, ...rest } = basemap;
  const style = { ...rest, layers: rest.layers.map((layer) => scaleLayer(layer)) };
  const map = new maplibregl.Map({
    container,
    style,
    center: view.center || config.center,
    zoom: view.zoom ?? 8.6,
    bounds: view.center ? undefined : config.bounds,
    fitBoundsOptions: { padding: 20 },
    minZoom: 6,
    maxZoom: 18,
    attributionControl: { compact: true },
    // The PNG export and the pixel checks of the browser tests read the canvas after drawing.
    canvasContextAttributes: { preserveDrawingBuffer: true, antialias: true },
    locale: {
      "NavigationControl.ZoomIn": t("Zoom in"),
      "NavigationControl.ZoomOut": t("Zoom out"),
      "NavigationControl.ResetBearing": t("Reset bearing to north"),
      "ScaleControl.Meters": "m",
      "ScaleControl.Kilometers": "km",
      "AttributionControl.ToggleAttribution": t("Sources"),
      "Popup.Close": t("Close"),
    },
  });
  map.addControl(new maplibregl.NavigationControl({ visualizePitch: false }), "top-right");
  map.addControl(new maplibregl.ScaleControl({ unit: "metric", maxWidth: 140 * UI_SCALE }), "bottom-right");
  map.touchZoomRotate.disableRotation();
  // The sources line is long: keep it folded behind its (i) button until asked for.
  map.once("load", () => document.querySelector(".maplibregl-ctrl-attrib")?.classList.remove("maplibregl-compact-show"));
  map.dragRotate.disable();
  return map;
}

export function whenLoaded(map) {
  return map.loaded() ? Promise.resolve() : new Promise((resolve) => map.once("load", resolve));
}

export function whenIdle(map) {
  return new Promise((resolve) => map.once("idle", resolve));
}

// The first basemap label layer: overlays go under it, so place names stay readable on top.
export function firstLabelLayer(map) {
  return map.getStyle().layers.find((layer) => layer.type === "symbol" && !layer.id.startsWith("L:"))?.id;
}
