// The public API, as any app would call it. Errors arrive in the one shape {detail, code, fields}.
import { config } from "./i18n.js";

export class ApiError extends Error {
  constructor(status, body) {
    super(body?.detail || `HTTP ${status}`);
    this.status = status;
    this.code = body?.code || "error";
    this.fields = body?.fields || {};
  }
}

export function url(template, values = {}) {
  return template.replace(/\{(\w+)\}/g, (_m, key) => encodeURIComponent(values[key]));
}

export function withParams(path, params = {}) {
  const query = new URLSearchParams();
  for (const [key, value] of Object.entries(params)) {
    if (value !== null && value !== undefined && value !== "") query.set(key, value);
  }
  const text = query.toString();
  return text ? `${path}${path.includes("?") ? "&" : "?"}${text}` : path;
}

async function parse(response) {
  if (response.status === 204) return null;
  const type = response.headers.get("Content-Type") || "";
  const body = type.includes("json") ? await response.json() : null;
  if (!response.ok) throw new ApiError(response.status, body);
  return body;
}

export async function getJSON(path, params, { signal } = {}) {
  const response = await fetch(withParams(path, params), {
    headers: { Accept: "application/json" }, credentials: "same-origin", signal,
  });
  return parse(response);
}

export async function sendJSON(method, path, body) {
  const response = await fetch(path, {
    method,
    headers: { "Content-Type": "application/json", Accept: "application/json", "X-CSRFToken": config.csrf_token },
    credentials: "same-origin",
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return parse(response);
}
