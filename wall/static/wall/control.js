// The operator's remote: sends commands, shows where the playlist is. Walls follow on their own
// by polling the same state endpoint.
(function () {
  "use strict";
  const config = JSON.parse(document.getElementById("control-config").textContent);
  const text = JSON.parse(document.getElementById("control-text").textContent);
  const lang = document.documentElement.lang === "en" ? "en" : "vi";
  const csrf = document.querySelector("input[name=csrfmiddlewaretoken]").value;
  const base = "/api/wall/playlists/" + encodeURIComponent(config.playlist) + "/";
  const error = document.getElementById("error");
  const title = (o) => (lang === "en" ? o.title_en : o.title_vi) || o.title_vi;

  function show(state) {
    error.hidden = true;
    const current = state.scenes[state.position];
    document.getElementById("current").textContent = (state.position + 1) + "/" + state.scenes.length + " · " + title(current);
    document.getElementById("status").textContent = state.paused ? text.paused : text.playing;
    document.body.dataset.position = state.position;
    document.body.dataset.paused = state.paused ? "true" : "false";
    document.getElementById("pause").hidden = state.paused;
    document.getElementById("resume").hidden = !state.paused;
    const list = document.getElementById("scenes");
    list.replaceChildren(...state.scenes.map((scene, i) => {
      const li = document.createElement("li");
      li.textContent = title(scene) + " (" + scene.duration + " s)";
      li.classList.toggle("current", i === state.position);
      const go = document.createElement("button");
      go.type = "button"; go.textContent = text.show; go.dataset.action = "goto"; go.dataset.position = i;
      li.append(go);
      return li;
    }));
  }
  function problem(message) { error.textContent = message; error.hidden = false; }

  async function send(action, position) {
    const body = {action};
    if (position !== undefined) body.position = position;
    try {
      const response = await fetch(base + "control", {
        method: "POST", credentials: "same-origin",
        headers: {"Content-Type": "application/json", "X-CSRFToken": csrf, Accept: "application/json"},
        body: JSON.stringify(body),
      });
      const data = await response.json();
      if (!response.ok) return problem(data.detail || response.statusText);
      show(data);
    } catch (e) { problem(text.offline); }
  }
  async function poll() {
    try {
      const response = await fetch(base + "state", {cache: "no-store", credentials: "same-origin", headers: {Accept: "application/json"}});
      if (response.ok) show(await response.json()); else problem(text.offline);
    } catch (e) { problem(text.offline); }
  }
  document.addEventListener("click", (event) => {
    const button = event.target.closest("button[data-action]");
    if (!button) return;
    send(button.dataset.action, button.dataset.position === undefined ? undefined : Number(button.dataset.position));
  });
  poll();
  setInterval(poll, config.statePollMs);
})();
