// The plan-compliance check and the printable report of the area the zones panel shows (drawn,
// uploaded, picked or saved): POST /api/analysis/compliance/ with an intended use, the verdict and
// each rule's finding as a table; the report as PDF or HTML from POST /api/analysis/report.{pdf,html},
// by the kept check's id when there is one (the printed verdict is then the one on record).
import { ApiError, sendJSON } from "./api.js";
import { clear, el } from "./dom.js";
import { config, formatNumber, t } from "./i18n.js";

const USES = () => [
  ["industrial", t("Industrial")],
  ["residential", t("Residential")],
  ["agriculture", t("Agriculture")],
  ["tourism", t("Tourism")],
  ["infrastructure", t("Infrastructure")],
];
const VERDICTS = () => ({
  compatible: t("Compatible"),
  conditions: t("Compatible with conditions"),
  conflicts: t("Conflicts"),
});

// `area()` is what the API takes for the area now: {zone: id} or {geometry: GeoJSON}.
export function complianceBox({ area, title, status }) {
  const use = el("select", { id: "compliance-use" }, USES().map(([value, label]) => el("option", { value }, label)));
  const result = el("div", { class: "compliance-result", "aria-live": "polite" });
  let check = null; // the last answer, kept while the area and use stay the same
  use.addEventListener("change", () => { check = null; clear(result); });
  const form = el("form", { class: "zone-form compliance-form" },
    el("label", { for: "compliance-use" }, t("Intended use")), use,
    el("button", { type: "submit", id: "compliance-run" }, t("Check against the plan")));
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    clear(result).append(el("p", { class: "panel-note" }, t("Checking…")));
    try {
      check = await sendJSON("POST", config.urls.compliance, { ...area(), use: use.value });
      show(result, check);
    } catch (error) {
      check = null;
      clear(result).append(el("p", { class: "error" }, error.message));
      status(error.message);
    }
  });
  const report = async (fmt) => {
    // A kept check is printed by its id; otherwise the area, with the chosen use if it was checked.
    const body = check?.id ? { check: check.id } : { ...area(), ...(check ? { use: use.value } : {}) };
    const name = title();
    if (name) body.title = name;
    body.lang = config.lang === "en" ? "en" : "vi";
    try {
      status(t("Preparing the report…"));
      const blob = await postForFile(config.urls.report.replace("{fmt}", fmt), body);
      const link = el("a", { href: URL.createObjectURL(blob), target: "_blank", rel: "noopener",
        download: fmt === "pdf" ? `${slugName(name)}.pdf` : undefined });
      document.body.append(link);
      link.click();
      setTimeout(() => { URL.revokeObjectURL(link.href); link.remove(); }, 60_000);
      status(t("The report is ready."));
    } catch (error) {
      status(error.message);
    }
  };
  return el("section", { class: "compliance" },
    el("h4", {}, t("Plan compliance")), form, result,
    el("div", { class: "actions" },
      el("button", { type: "button", id: "report-pdf", onclick: () => report("pdf") }, t("Report (PDF)")),
      el("button", { type: "button", id: "report-html", onclick: () => report("html") }, t("Report (HTML)"))));
}

function show(root, check) {
  clear(root).append(el("p", {},
    el("span", { class: `verdict verdict-${check.verdict}`, dataset: { verdict: check.verdict } }, VERDICTS()[check.verdict] || check.verdict),
    " ", el("small", {}, `${formatNumber(check.area_ha, 1)} ha`, check.id ? ` · ${t("Check #%(id)s", { id: check.id })}` : "")));
  const fired = check.findings.filter((f) => f.fired);
  if (!check.findings.length) {
    root.append(el("p", { class: "panel-note" }, t("No rule applies to this use over the layers you may see.")));
    return;
  }
  root.append(el("table", { class: "compliance-table" },
    el("thead", {}, el("tr", {}, el("th", {}, t("Rule")), el("th", {}, t("Finding")))),
    el("tbody", {}, check.findings.map((f) => el("tr", { class: f.fired ? `fired ${f.rule.severity}` : "passed" },
      el("td", {}, f.rule.title, el("small", {}, ` · ${f.layer.title}`)),
      el("td", {}, finding(f)))))));
  if (!fired.length) root.append(el("p", { class: "panel-note" }, t("No rule is broken.")));
}

function finding(f) {
  if (!f.fired) return t("Passed");
  const parts = [];
  if (f.area_ha !== null && f.area_ha !== undefined) parts.push(`${formatNumber(f.area_ha, 2)} ha`);
  if (f.share !== null && f.share !== undefined) parts.push(`${formatNumber(100 * f.share, 1)} %`);
  if (f.distance_m !== null && f.distance_m !== undefined) parts.push(t("%(m)s m away", { m: formatNumber(f.distance_m, 0) }));
  const named = f.features.slice(0, 3).map((feature) => feature.name || `#${feature.id}`);
  if (named.length) parts.push(named.join(", ") + (f.features.length > 3 ? "…" : ""));
  return parts.join(" · ");
}

function slugName(name) {
  return (name || "report").normalize("NFD").replace(/[\u0300-\u036f]/g, "").replace(/đ/gi, "d")
    .replace(/[^A-Za-z0-9]+/g, "-").replace(/^-|-$/g, "").toLowerCase() || "report";
}

async function postForFile(path, body) {
  const response = await fetch(path, {
    method: "POST", credentials: "same-origin", body: JSON.stringify(body),
    headers: { "Content-Type": "application/json", "X-CSRFToken": config.csrf_token },
  });
  if (!response.ok) {
    const answer = (response.headers.get("Content-Type") || "").includes("json") ? await response.json() : null;
    throw new ApiError(response.status, answer);
  }
  return response.blob();
}
