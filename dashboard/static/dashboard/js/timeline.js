// The time slider: a window (hour, day, week, month, or all time) moved through the span of the
// visible layers with time; it plays. Windows are aligned to the province's calendar (UTC+7).
import { clear, el } from "./dom.js";
import { config, formatDate, formatDateTime, t } from "./i18n.js";

const ICT_OFFSET_MS = 7 * 3600 * 1000;
const HOUR = 3600 * 1000;
const DAY = 24 * HOUR;
export const WINDOW_KINDS = ["all", "hour", "day", "week", "month"];
const PLAY_INTERVAL_MS = 1500;

// The start of the window of `kind` holding `ms`, in the province's calendar.
function floor(kind, ms) {
  const local = new Date(ms + ICT_OFFSET_MS);
  if (kind === "hour") return Math.floor(ms / HOUR) * HOUR;
  if (kind === "day") return Date.UTC(local.getUTCFullYear(), local.getUTCMonth(), local.getUTCDate()) - ICT_OFFSET_MS;
  if (kind === "week") {
    const day = Date.UTC(local.getUTCFullYear(), local.getUTCMonth(), local.getUTCDate()) - ICT_OFFSET_MS;
    return day - ((local.getUTCDay() + 6) % 7) * DAY; // weeks start on Monday
  }
  return Date.UTC(local.getUTCFullYear(), local.getUTCMonth(), 1) - ICT_OFFSET_MS;
}

function next(kind, ms) {
  if (kind === "hour") return ms + HOUR;
  if (kind === "day") return ms + DAY;
  if (kind === "week") return ms + 7 * DAY;
  const local = new Date(ms + ICT_OFFSET_MS);
  return Date.UTC(local.getUTCFullYear(), local.getUTCMonth() + 1, 1) - ICT_OFFSET_MS;
}

function kindLabel(kind) {
  return { all: t("All time"), hour: t("Hour"), day: t("Day"), week: t("Week"), month: t("Month") }[kind];
}

export class Timeline {
  constructor(root, spans, onChange) {
    this.root = root;
    this.spans = spans; // [{slug, start, end}] of every visible layer with time
    this.onChange = onChange; // (datetimeParam | null, {start: Date, end: Date} | null)
    this.active = []; // slugs of the time layers on the map
    this.kind = "all";
    this.starts = [];
    this.index = 0;
    this.timer = null;
    this.build();
  }

  build() {
    clear(this.root);
    this.play = el("button", { type: "button", class: "play", "aria-pressed": "false", onclick: () => this.togglePlay() }, t("Play"));
    this.kindSelect = el("select", { id: "time-window", onchange: (e) => this.setKind(e.target.value) },
      WINDOW_KINDS.map((kind) => el("option", { value: kind }, kindLabel(kind))));
    this.slider = el("input", { type: "range", id: "time-slider", min: "0", max: "0", value: "0", disabled: true,
      "aria-label": t("Moment shown"), oninput: (e) => this.setIndex(Number(e.target.value)) });
    this.label = el("output", { for: "time-slider", class: "time-label" });
    this.root.append(
      el("span", { class: "time-title" }, t("Time")),
      el("label", { for: "time-window", class: "visually-hidden" }, t("Window")),
      this.kindSelect, this.play, this.slider, this.label);
    this.update();
  }

  setActive(slugs) {
    this.active = slugs.filter((slug) => this.spans.some((s) => s.slug === slug && s.start));
    this.root.hidden = this.active.length === 0;
    if (this.root.hidden) this.stop();
    this.recompute(true);
  }

  span() {
    const mine = this.spans.filter((s) => this.active.includes(s.slug) && s.start);
    if (!mine.length) return null;
    return { start: Math.min(...mine.map((s) => Date.parse(s.start))), end: Math.max(...mine.map((s) => Date.parse(s.end))) };
  }

  recompute(keepMoment) {
    const moment = this.starts[this.index];
    const span = this.span();
    this.starts = [];
    if (span && this.kind !== "all") {
      for (let at = floor(this.kind, span.start); at <= span.end; at = next(this.kind, at)) this.starts.push(at);
    }
    // A new window lands on the one holding the platform's now (config.now), not on the span's end.
    const now = Date.parse(config.now);
    const current = Number.isNaN(now) ? -1 : this.starts.findLastIndex((s) => s <= now);
    let index = current >= 0 ? current : Math.max(0, this.starts.length - 1);
    if (keepMoment && moment !== undefined) {
      const found = this.starts.findLastIndex((s) => s <= moment);
      if (found >= 0) index = found;
    }
    this.index = index;
    this.update();
  }

  setKind(kind, { silent = false } = {}) {
    this.kind = WINDOW_KINDS.includes(kind) ? kind : "all";
    this.kindSelect.value = this.kind;
    this.recompute(true);
    if (!silent) this.emit();
  }

  setIndex(index) {
    this.index = Math.max(0, Math.min(index, this.starts.length - 1));
    this.update();
    this.emit();
  }

  // Restore a shared view: the window kind and the moment it starts.
  restore(kind, startIso) {
    this.setKind(kind, { silent: true });
    const at = Date.parse(startIso);
    if (!Number.isNaN(at)) {
      const found = this.starts.findLastIndex((s) => s <= at);
      if (found >= 0) this.index = found;
    }
    this.update();
  }

  window() {
    if (this.kind === "all" || !this.starts.length || this.root.hidden) return null;
    const start = this.starts[this.index];
    return { start: new Date(start), end: new Date(next(this.kind, start) - 1) };
  }

  param() {
    const window = this.window();
    return window ? `${window.start.toISOString()}/${window.end.toISOString()}` : null;
  }

  update() {
    const window = this.window();
    this.slider.disabled = !window;
    this.slider.max = String(Math.max(0, this.starts.length - 1));
    this.slider.value = String(this.index);
    if (!window) {
      const span = this.span();
      this.label.textContent = span ? `${formatDate(new Date(span.start))} – ${formatDate(new Date(span.end))}` : "";
    } else if (this.kind === "hour") {
      this.label.textContent = formatDateTime(window.start);
    } else if (this.kind === "day") {
      this.label.textContent = formatDate(window.start);
    } else {
      this.label.textContent = `${formatDate(window.start)} – ${formatDate(window.end)}`;
    }
    this.slider.setAttribute("aria-valuetext", this.label.textContent);
  }

  // Say which window the map shows when another view (the "today" overview) chose it.
  showWindow(start, end) {
    this.label.textContent = `${formatDateTime(start)} – ${formatDateTime(end)}`;
    this.slider.setAttribute("aria-valuetext", this.label.textContent);
  }

  emit() {
    this.onChange(this.param(), this.window());
  }

  togglePlay() {
    if (this.timer) {
      this.stop();
      return;
    }
    if (this.kind === "all") this.setKind("month", { silent: true });
    if (this.index >= this.starts.length - 1) this.index = 0;
    this.update();
    this.emit();
    this.play.setAttribute("aria-pressed", "true");
    this.play.textContent = t("Pause");
    this.timer = setInterval(() => {
      if (this.index >= this.starts.length - 1) this.stop();
      else this.setIndex(this.index + 1);
    }, PLAY_INTERVAL_MS);
  }

  stop() {
    clearInterval(this.timer);
    this.timer = null;
    this.play?.setAttribute("aria-pressed", "false");
    if (this.play) this.play.textContent = t("Play");
  }
}
