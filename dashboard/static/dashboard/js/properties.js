// Feature properties shown the way the layer's schema describes them: Vietnamese or English labels,
// units, local number and date formats, and coded values (the schema's choices, the style's
// categories) replaced by their names.
import { formatDate, formatDateTime, formatNumber, pick, t } from "./i18n.js";
import { categoryLabel } from "./legend.js";

export const TIME_PROPERTIES = [
  { name: "datetime", type: "datetime", label_vi: "Thời điểm", label_en: "Time" },
  { name: "start_datetime", type: "datetime", label_vi: "Bắt đầu", label_en: "Start" },
  { name: "end_datetime", type: "datetime", label_vi: "Kết thúc", label_en: "End" },
];

// A year ("year_founded", "nam_xay_dung") is an integer the schema cannot tell apart from a count:
// it is written as a year, 2015, never grouped like a number, 2.015.
const YEAR = /(^|_)(year|nam)(_|$)/i;

export function featureName(layer, properties) {
  return properties.name || properties.ref || properties.station_name || properties.code || pick(layer.title_vi, layer.title_en);
}

export function propertyLabel(prop) {
  return pick(prop.label_vi, prop.label_en) || prop.name;
}

// A JSON list or object (a feature's bbox, a nested record), compactly: [105.1, 10.2, …]. From a
// vector tile it arrives as its JSON text.
const JSON_SHOWN = 120;

function formatJson(value) {
  let parsed = value;
  if (typeof value === "string") {
    try { parsed = JSON.parse(value); } catch { return value; }
  }
  if (parsed === null || typeof parsed !== "object") return String(parsed);
  const text = JSON.stringify(parsed).replace(/,(?=\S)/g, ", ").replace(/":/g, '": ');
  return text.length > JSON_SHOWN ? `${text.slice(0, JSON_SHOWN - 1)}…` : text;
}

export function formatValue(layer, prop, value) {
  if (value === null || value === undefined || value === "") return "—";
  if (prop.type === "json" || (typeof value === "object")) return formatJson(value);
  const choice = (prop.choices || []).find((c) => c.value === value);
  if (choice) return pick(choice.label_vi, choice.label_en);
  const category = categoryLabel(layer, prop.name, value);
  if (category) return category;
  switch (prop.type) {
    case "integer":
      if (YEAR.test(prop.name) && Number.isInteger(value)) return String(value);
    // falls through
    case "number":
      return typeof value === "number" ? `${formatNumber(value)}${prop.unit ? ` ${prop.unit}` : ""}` : String(value);
    case "boolean":
      return value === true ? t("Yes") : value === false ? t("No") : String(value);
    case "date":
      return formatDate(value);
    case "datetime":
      return formatDateTime(value);
    default:
      return String(value);
  }
}

// The schema's properties plus the time properties the API adds to layers with time.
export function displayedProperties(layer) {
  const time = layer.time_kind === "instant" ? TIME_PROPERTIES.slice(0, 1) : layer.time_kind === "interval" ? TIME_PROPERTIES.slice(1) : [];
  return [...time, ...layer.properties];
}
