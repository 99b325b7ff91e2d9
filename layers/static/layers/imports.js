// The steward's import page: upload with fetch, then poll GET /api/imports/{id}/ and draw the
// progress bar, the counts, the questions of a waiting job and the report. No framework, no CDN.
(function () {
  "use strict";
  const labels = JSON.parse(document.getElementById("import-labels").textContent);
  const lang = document.documentElement.lang === "en" ? "en" : "vi";
  const form = document.getElementById("import-form");
  const csrf = form.querySelector("[name=csrfmiddlewaretoken]").value;
  const $ = (id) => document.getElementById(id);
  let timer = null;

  function text(el, value) { el.textContent = value; }

  function list(el, messages) {
    el.replaceChildren(...messages.map((m) => { const li = document.createElement("li"); li.textContent = m[lang]; return li; }));
  }

  function draw(job) {
    $("job").hidden = false;
    text($("job-title"), "#" + job.id + " → " + job.layer + " (" + job.file_name + ")");
    const status = $("job-status");
    status.className = "status " + job.status;
    text(status, labels.status[job.status] || job.status);
    $("job-progress").value = job.progress;
    text($("job-percent"), job.progress + "%" + (job.stage ? " · " + (labels.stage[job.stage] || job.stage) : ""));
    const c = job.counts;
    text($("job-counts"), labels.counts.replace("%(read)s", c.read).replace("%(loaded)s", c.loaded)
      .replace("%(repaired)s", c.repaired).replace("%(rejected)s", c.rejected));
    list($("job-errors"), job.errors);
    list($("job-warnings"), job.warnings);
    const body = $("job-rows").querySelector("tbody");
    body.replaceChildren(...job.rows.slice(0, 200).map((r) => {
      const tr = document.createElement("tr");
      for (const value of [r.row, r[lang]]) { const td = document.createElement("td"); td.textContent = value; tr.appendChild(td); }
      return tr;
    }));
    $("job-rows").hidden = job.rows.length === 0;
    drawNeeds(job);
  }

  function drawNeeds(job) {
    const box = $("job-needs");
    box.hidden = job.status !== "needs_input";
    if (box.hidden) return;
    const need = job.needs[0];
    const choice = $("job-choice");
    let options = [];
    if (need === "crs") options = (job.choices.crs || []).map((c) => [c.crs, c.crs + " – " + c.name]);
    if (need === "source_layer") options = (job.choices.layers || []).map((l) => [l, l]);
    if (need === "encoding") {
      const previews = job.choices.encoding.previews || {};
      options = job.choices.encoding.options.map((e) => [e, e + (previews[e] ? " – " + previews[e].slice(0, 2).join(" · ") : "")]);
    }
    choice.replaceChildren(...options.map(([value, label]) => new Option(label, value)));
    choice.dataset.need = need;
    text($("job-needs-text"), labels.needs[need] || need);
  }

  async function poll(id) {
    const response = await fetch("/api/imports/" + id + "/", { headers: { Accept: "application/json" }, credentials: "same-origin" });
    const job = await response.json();
    if (!response.ok) { list($("job-errors"), [{ [lang]: job.detail }]); return; }
    draw(job);
    if (job.status === "queued" || job.status === "running") timer = setTimeout(() => poll(id), 500);
  }

  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    clearTimeout(timer);
    $("job").hidden = false;
    list($("job-errors"), []);
    const response = await fetch(form.action, {
      method: "POST", body: new FormData(form), credentials: "same-origin",
      headers: { "X-CSRFToken": csrf, Accept: "application/json" },
    });
    const body = await response.json();
    if (!response.ok) { list($("job-errors"), [{ [lang]: body.detail }]); return; }
    form.dataset.job = body.id;
    draw(body);
    poll(body.id);
  });

  $("job-confirm").addEventListener("click", async () => {
    const choice = $("job-choice");
    const response = await fetch("/api/imports/" + form.dataset.job + "/confirm/", {
      method: "POST", credentials: "same-origin",
      headers: { "X-CSRFToken": csrf, "Content-Type": "application/json", Accept: "application/json" },
      body: JSON.stringify({ [choice.dataset.need]: choice.value }),
    });
    const body = await response.json();
    if (!response.ok) { list($("job-errors"), [{ [lang]: body.detail }]); return; }
    draw(body);
    poll(body.id);
  });
})();
