// The print dialog: the map drawn again, off screen, at the paper's frame size and resolution
// (config.print: the frames the server's layout has), then posted with the view (extent, layers shown,
// time window, title) to /api/print.{pdf,png}, which composes the page (dashboard/print.py) and names
// only the layers the caller may see.
import { ApiError, url } from "./api.js";
import { el } from "./dom.js";
import { config, lang, t } from "./i18n.js";
import { UI_SCALE, scaleLayer } from "./scale.js";

const CSS_DPI = 96;
const RENDER_TIMEOUT_MS = 60000;

// The map again, in a hidden box of the frame's size in CSS pixels, at dpi/96 device pixels each:
// the same style (overlays, time window and all) over at least the same extent as the screen.
export async function renderMapImage(map, [widthMm, heightMm], dpi) {
  const box = el("div", { class: "print-render", "aria-hidden": "true" });
  Object.assign(box.style, { width: `${Math.round(widthMm / 25.4 * CSS_DPI)}px`, height: `${Math.round(heightMm / 25.4 * CSS_DPI)}px` });
  document.body.append(box);
  // A 4K screen draws symbols and labels UI_SCALE times larger (scale.js); paper has its own size.
  const style = map.getStyle();
  if (UI_SCALE !== 1) style.layers = style.layers.map((layer) => scaleLayer(layer, 1 / UI_SCALE));
  const printMap = new maplibregl.Map({
    container: box, style, bounds: map.getBounds(), fitBoundsOptions: { padding: 0 },
    interactive: false, attributionControl: false, fadeDuration: 0, pixelRatio: dpi / CSS_DPI,
    canvasContextAttributes: { preserveDrawingBuffer: true, antialias: true },
  });
  try {
    await new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(t("The map took too long to draw for printing."))), RENDER_TIMEOUT_MS);
      printMap.once("idle", () => { clearTimeout(timer); resolve(); });
    });
    const b = printMap.getBounds();
    const blob = await new Promise((resolve) => printMap.getCanvas().toBlob(resolve, "image/png"));
    return { blob, bbox: [b.getWest(), b.getSouth(), b.getEast(), b.getNorth()] };
  } finally {
    printMap.remove();
    box.remove();
  }
}

function field(id, label, control) {
  return el("p", { class: "print-field" }, el("label", { for: id }, label), control);
}

function select(id, options, value) {
  return el("select", { id, name: id }, options.map(([v, text]) => el("option", { value: v, selected: v === value }, text)));
}

export class PrintDialog {
  // `view()` → {layers: slugs top first, datetime: the timeline's parameter or null, filters: {slug: {property: value}}}.
  constructor(map, { view, status }) {
    this.map = map;
    this.view = view;
    this.status = status;
    this.dialog = null;
  }

  build() {
    const title = el("input", { id: "print-title", name: "title", type: "text", maxlength: 200, value: t("Map of Long An province") });
    const author = el("input", { id: "print-author", name: "author", type: "text", maxlength: 120, value: config.user?.name || "" });
    this.message = el("p", { class: "print-message", role: "status", "aria-live": "polite" });
    this.submit = el("button", { type: "submit", class: "primary" }, t("Print"));
    this.form = el("form", { method: "dialog", class: "print-form" },
      el("h2", { id: "print-heading" }, t("Print the map")),
      field("print-title", t("Title"), title),
      el("div", { class: "print-row" },
        field("print-paper", t("Paper"), select("print-paper", [["A4", "A4"], ["A3", "A3"]], "A4")),
        field("print-orientation", t("Orientation"), select("print-orientation", [["landscape", t("Landscape")], ["portrait", t("Portrait")]], "landscape"))),
      el("div", { class: "print-row" },
        field("print-format", t("Format"), select("print-format", [["pdf", "PDF"], ["png", "PNG"]], "pdf")),
        field("print-lang", t("Language"), select("print-lang", [["vi", "Tiếng Việt"], ["en", "English"]], lang))),
      field("print-author", t("Author"), author),
      this.message,
      el("p", { class: "print-buttons" },
        el("button", { type: "button", onclick: () => this.dialog.close() }, t("Cancel")), this.submit));
    this.form.addEventListener("submit", (event) => { event.preventDefault(); this.print(); });
    this.dialog = el("dialog", { id: "print-dialog", class: "print-dialog", "aria-labelledby": "print-heading" }, this.form);
    document.body.append(this.dialog);
  }

  // `format`: the one to offer first ("Export PNG" opens the dialog on PNG: a page with its title,
  // legend, scale and sources, never the bare canvas).
  open({ format } = {}) {
    if (!this.dialog) this.build();
    if (format) this.form.elements["print-format"].value = format;
    this.message.textContent = "";
    this.dialog.showModal();
    this.form.elements.title.focus();
  }

  async print() {
    const f = this.form.elements;
    const paper = f["print-paper"].value;
    const orientation = f["print-orientation"].value;
    const fmt = f["print-format"].value;
    this.submit.disabled = true;
    this.message.textContent = t("Drawing the map at print size…");
    try {
      const { blob, bbox } = await renderMapImage(this.map, config.print.frames[paper][orientation], config.print.dpi);
      const { layers, datetime, filters } = this.view();
      const body = new FormData();
      body.append("image", blob, "map.png");
      for (const [key, value] of Object.entries({
        paper, orientation, title: f.title.value, author: f.author.value, lang: f["print-lang"].value,
        bbox: bbox.map((v) => v.toFixed(6)).join(","), layers: layers.join(","), datetime: datetime || "",
        filters: JSON.stringify(filters || {}),
      })) body.append(key, value);
      this.message.textContent = t("Composing the page…");
      const response = await fetch(url(config.urls.print, { fmt }), {
        method: "POST", body, credentials: "same-origin", headers: { "X-CSRFToken": config.csrf_token, Accept: "application/json" },
      });
      if (!response.ok) {
        const type = response.headers.get("Content-Type") || "";
        throw new ApiError(response.status, type.includes("json") ? await response.json() : null);
      }
      const file = await response.blob();
      const stamp = new Date().toISOString().slice(0, 16).replace(/[-:T]/g, "");
      const link = el("a", { href: URL.createObjectURL(file), download: `geo-ioc-${paper}-${orientation}-${stamp}.${fmt}` });
      document.body.append(link);
      link.click();
      setTimeout(() => { URL.revokeObjectURL(link.href); link.remove(); }, 1000);
      this.dialog.close();
      this.status(t("The printed map is ready."));
    } catch (error) {
      this.message.textContent = error.message || String(error);
    } finally {
      this.submit.disabled = false;
    }
  }
}
