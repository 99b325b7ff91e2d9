// Bookmarks: views of the map a signed-in person keeps (where it looks, which layers it shows), kept
// by the server (/api/bookmarks/, dashboard.bookmarks) so they follow the person to another desk.
import { getJSON, sendJSON, url } from "./api.js";
import { clear, el } from "./dom.js";
import { config, t } from "./i18n.js";

export class Bookmarks {
  // `handlers`: {current() → {center, zoom, layers, filters}, apply(bookmark), status(text)}
  constructor(root, handlers) {
    this.handlers = handlers;
    this.list = el("ul", { class: "bookmark-list", id: "bookmark-list" });
    this.name = el("input", { type: "text", id: "bookmark-name", maxlength: "120", required: true, placeholder: t("Name of this view") });
    this.panel = el("div", { class: "bookmarks-panel", id: "bookmarks-panel", hidden: true },
      el("form", { class: "bookmark-save", onsubmit: (e) => { e.preventDefault(); this.save(); } },
        el("label", { for: "bookmark-name", class: "visually-hidden" }, t("Name of this view")), this.name,
        el("button", { type: "submit" }, t("Save this view"))),
      this.list);
    this.toggle = el("button", { type: "button", id: "bookmarks-toggle", "aria-expanded": "false", "aria-controls": "bookmarks-panel",
      onclick: () => this.open(this.panel.hidden) }, t("Bookmarks"));
    root.append(el("div", { class: "bookmarks" }, this.toggle, this.panel));
  }

  async open(on) {
    this.panel.hidden = !on;
    this.toggle.setAttribute("aria-expanded", String(on));
    if (on) {
      await this.load();
      this.name.focus();
    }
  }

  async load() {
    try {
      this.render((await getJSON(config.urls.bookmarks)).bookmarks);
    } catch (error) {
      this.handlers.status(error.message);
    }
  }

  render(bookmarks) {
    clear(this.list);
    if (!bookmarks.length) this.list.append(el("li", { class: "bookmark-none" }, t("No bookmarks yet.")));
    for (const bookmark of bookmarks) {
      this.list.append(el("li", { dataset: { id: String(bookmark.id) } },
        el("button", { type: "button", class: "bookmark-go", onclick: () => { this.open(false); this.handlers.apply(bookmark); } }, bookmark.name),
        el("button", { type: "button", class: "bookmark-delete", "aria-label": t("Delete the bookmark “%(name)s”", { name: bookmark.name }),
          onclick: () => this.remove(bookmark) }, "×")));
    }
  }

  async save() {
    const name = this.name.value.trim();
    if (!name) return;
    try {
      await sendJSON("POST", config.urls.bookmarks, { name, ...this.handlers.current() });
      this.name.value = "";
      this.handlers.status(t("View “%(name)s” saved.", { name }));
      await this.load();
    } catch (error) {
      this.handlers.status(error.message);
    }
  }

  async remove(bookmark) {
    try {
      await sendJSON("DELETE", url(config.urls.bookmark, { id: bookmark.id }));
      await this.load();
    } catch (error) {
      this.handlers.status(error.message);
    }
  }
}
