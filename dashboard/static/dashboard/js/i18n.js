// The page's language, its translated strings (rendered by Django into the page's config: the
// dashboard's #dashboard-config, the wall's #wall-config, the import page's #import-config) and
// number/date formats in that language.
// Strings are looked up by their English msgid, so a missing one shows English.

const PAGE_CONFIGS = ["dashboard-config", "wall-config", "import-config"];
export const config = JSON.parse(PAGE_CONFIGS.map((id) => document.getElementById(id)).find(Boolean).textContent);
export const lang = config.lang === "en" ? "en" : "vi";
export const locale = lang === "en" ? "en-GB" : "vi-VN";
// Every time in the province is shown in its own zone, whatever the browser's.
export const TIME_ZONE = "Asia/Ho_Chi_Minh";

export function t(msgid, params) {
  const text = config.messages[msgid] ?? msgid;
  if (!params) return text;
  return text.replace(/%\((\w+)\)[sd]/g, (_m, key) => (key in params ? String(params[key]) : ""));
}

export function pick(vi, en) {
  return lang === "en" ? en || vi : vi || en;
}

const numberFormats = new Map();
// `minimumFractionDigits` keeps a figure's decimals (8,30 beside 8,25 on the wall).
export function formatNumber(value, maximumFractionDigits = 2, minimumFractionDigits = 0) {
  if (value === null || value === undefined || Number.isNaN(value)) return "—";
  const key = `${maximumFractionDigits}/${minimumFractionDigits}`;
  if (!numberFormats.has(key)) {
    numberFormats.set(key, new Intl.NumberFormat(locale, { maximumFractionDigits, minimumFractionDigits }));
  }
  return numberFormats.get(key).format(value);
}

// A date/time format of the page's language in the province's time zone (`options` as Intl's),
// made once per set of options.
const timeFormats = new Map();
export function timeFormat(options) {
  const key = JSON.stringify(options);
  if (!timeFormats.has(key)) timeFormats.set(key, new Intl.DateTimeFormat(locale, { timeZone: TIME_ZONE, ...options }));
  return timeFormats.get(key);
}

const dateTimeFormat = timeFormat({ year: "numeric", month: "2-digit", day: "2-digit", hour: "2-digit", minute: "2-digit" });
const dateFormat = timeFormat({ year: "numeric", month: "2-digit", day: "2-digit" });

export function formatDateTime(value) {
  const date = value instanceof Date ? value : new Date(value);
  return Number.isNaN(date.getTime()) ? String(value) : dateTimeFormat.format(date);
}

export function formatDate(value) {
  // A bare date ("2022-10-10") is a calendar day: format it without shifting time zones.
  const date = value instanceof Date ? value : new Date(/^\d{4}-\d{2}-\d{2}$/.test(value) ? value + "T12:00:00+07:00" : value);
  return Number.isNaN(date.getTime()) ? String(value) : dateFormat.format(date);
}
