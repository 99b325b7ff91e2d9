// The page's language, its translated strings (rendered by Django into #dashboard-config) and
// number/date formats. Strings are looked up by their English msgid, so a missing one shows English.

export const config = JSON.parse(document.getElementById("dashboard-config").textContent);
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
export function formatNumber(value, maximumFractionDigits = 2) {
  if (value === null || value === undefined || Number.isNaN(value)) return "—";
  if (!numberFormats.has(maximumFractionDigits)) {
    numberFormats.set(maximumFractionDigits, new Intl.NumberFormat(locale, { maximumFractionDigits }));
  }
  return numberFormats.get(maximumFractionDigits).format(value);
}

const dateTimeFormat = new Intl.DateTimeFormat(locale, {
  timeZone: TIME_ZONE, year: "numeric", month: "2-digit", day: "2-digit", hour: "2-digit", minute: "2-digit",
});
const dateFormat = new Intl.DateTimeFormat(locale, { timeZone: TIME_ZONE, year: "numeric", month: "2-digit", day: "2-digit" });

export function formatDateTime(value) {
  const date = value instanceof Date ? value : new Date(value);
  return Number.isNaN(date.getTime()) ? String(value) : dateTimeFormat.format(date);
}

export function formatDate(value) {
  // A bare date ("2022-10-10") is a calendar day: format it without shifting time zones.
  const date = value instanceof Date ? value : new Date(/^\d{4}-\d{2}-\d{2}$/.test(value) ? value + "T12:00:00+07:00" : value);
  return Number.isNaN(date.getTime()) ? String(value) : dateFormat.format(date);
}
