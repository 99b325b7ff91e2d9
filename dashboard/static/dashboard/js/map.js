// The MapLibre map on our own basemap style. No glyph server: MapLibre draws labels with the
// bundled Noto Sans (Vietnamese subset, @font-face in base.css), which must be loaded first or the
// first labels would fall back to another font.
import { config, t } from "./i18n.js";
import { UI_SCALE, scaleLayer } from "./scale.js";

const LABEL_FONT = '16px "Noto Sans"';

export async function loadLabelFont() {
  await Promise.all([document.fonts.load(LABEL_FONT, "Tân An Cần Giuộc Đức Hòa"), document.fonts.load(LABEL_FONT, "Long An")]);
}

// A style document as a map draws it: without its own camera, its sizes scaled.
export function mapStyle(style, scale = UI_SCALE) {
  const { center: _center, zoom: _zoom, ...rest } = style;
  return { ...rest, layers: rest.layers.map((layer) => scaleLayer(layer, scale)) };
}

// `basemap` is the style document itself, without its own camera: a shared link's view must win
// over the centre and zoom the basemap style carries. `view` is {center, zoom} or {bounds}; without
// either the map shows the province (the page's config). A display map (`display: true`, the
// wall's) is never touched: no controls, no gestures, no fading labels, sizes scaled by `scale`.
export function createMap(container, view, basemap, { display = false, scale = UI_SCALE, padding = 20 } = {}) {
  const map = new maplibregl.Map({
    container,
    style: mapStyle(basemap, scale),
    center: view.center || config.center,
    zoom: view.zoom ?? 8.6,
    bounds: view.center ? undefined : view.bounds || config.bounds,
    fitBoundsOptions: { padding },
    minZoom: 6,
    maxZoom: 18,
    interactive: !display,
    attributionControl: display ? false : { compact: true },
    fadeDuration: display ? 0 : 300,
    // The PNG export and the pixel checks of the browser tests read the canvas after drawing. A
    // display's canvas spans whole screens (5760 × 3240 px for 3 × 3 of the wall's): no
    // multisampled copy of it. With one, a wall changing scene every second kept up to 4 GL
    // contexts alive (tests/test_wall_in_browser.py); without, one.
    canvasContextAttributes: { preserveDrawingBuffer: !display, antialias: !display },
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
  if (display) return map;
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

// Resolves once every source of the view has loaded and the map is still. Checked on "idle" and on a
// timer too: MapLibre fires "idle" only at the end of a drawn frame, and a browser gives no frames to
// a page it is not showing (a background tab; headless Chromium under load was seen to stop giving
// them with every tile loaded), so a wait for "idle" alone could last for ever.
// A map removed first never settles: its timer stops with it (the import page replaces its map).
export function whenSettled(map) {
  return new Promise((resolve) => {
    const stop = () => {
      map.off("idle", check);
      map.off("remove", stop);
      clearInterval(poll);
    };
    const check = () => {
      if (!(map.loaded() && map.areTilesLoaded() && !map.isMoving())) return;
      stop();
      resolve();
    };
    const poll = setInterval(check, 250);
    map.on("idle", check);
    map.on("remove", stop);
    check();
    map.triggerRepaint();
  });
}

// The first basemap label layer: overlays go under it, so place names stay readable on top.
export function firstLabelLayer(map) {
  return map.getStyle().layers.find((layer) => layer.type === "symbol" && !layer.id.startsWith("L:"))?.id;
}
