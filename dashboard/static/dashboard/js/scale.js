// On a 4K wall the page's root font grows (dashboard.css); symbols, lines and labels on the map
// grow with it, so the map reads at the same size as the panels. Only sizes are scaled, never colours.

export const UI_SCALE = Math.max(1, parseFloat(getComputedStyle(document.documentElement).fontSize) / 15);

const SIZES = {
  layout: ["text-size", "icon-size"],
  paint: ["circle-radius", "circle-stroke-width", "line-width", "text-halo-width"],
};

// Outputs of the expressions styles use for sizes; "interpolate" on zoom must stay at the top, so
// its stop values are scaled rather than the expression wrapped.
function scaled(value, k) {
  if (typeof value === "number") return value * k;
  if (!Array.isArray(value)) return value;
  const [op, ...args] = value;
  if (op === "interpolate") return [op, args[0], args[1], ...args.slice(2).map((v, i) => (i % 2 ? scaled(v, k) : v))];
  if (op === "step") return [op, args[0], scaled(args[1], k), ...args.slice(2).map((v, i) => (i % 2 ? scaled(v, k) : v))];
  if (op === "match") {
    const outputs = args.slice(1);
    return [op, args[0], ...outputs.map((v, i) => (i % 2 === 1 || i === outputs.length - 1 ? scaled(v, k) : v))];
  }
  if (op === "+" || op === "max" || op === "min") return [op, ...args.map((v) => scaled(v, k))];
  if (op === "literal" || op === "get") return ["*", value, k];
  return ["*", value, k];
}

export function scaleLayer(spec, k = UI_SCALE) {
  if (k === 1) return spec;
  const out = { ...spec, layout: { ...(spec.layout || {}) }, paint: { ...(spec.paint || {}) } };
  for (const [part, names] of Object.entries(SIZES)) {
    for (const name of names) {
      if (out[part][name] !== undefined) out[part][name] = scaled(out[part][name], k);
    }
  }
  // Default sizes MapLibre would use when a style leaves them out.
  if (spec.type === "symbol" && out.layout["text-size"] === undefined) out.layout["text-size"] = 16 * k;
  if (spec.type === "circle" && out.paint["circle-radius"] === undefined) out.paint["circle-radius"] = 5 * k;
  if (spec.type === "line" && out.paint["line-width"] === undefined) out.paint["line-width"] = k;
  return out;
}
