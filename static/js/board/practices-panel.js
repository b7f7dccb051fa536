// The practice repository's panel on the board (#practice-board): sheets pinned for the discussion, and the
// facilitator's "turn the ticked cards (or groups) into a sheet" form. Loads which cards became sheets each
// time the board is joined; the store keeps them up to date from practice.* events.
import { button, el } from "./dom.js";
import { practicesFrom } from "./reducers.js";
import { isModerator } from "./selectors.js";

export function mountPracticesPanel({ store, t }) {
  const panel = document.getElementById("practice-board");
  const code = document.getElementById("board").dataset.code;
  const p = t.practices;
  let lastCreated = null;
  let seen = {};

  store.subscribe((state, change) => {
    if (change.joined) loadLinks();
    const { practices, me, ui } = state;
    if (practices === seen.practices && me === seen.me && ui.practiceCards === seen.cards
      && ui.practiceGroups === seen.groups) return;
    seen = { practices, me, cards: ui.practiceCards, groups: ui.practiceGroups };
    render(state);
  });

  async function loadLinks() {
    try {
      const response = await fetch(`/api/ateliers/${encodeURIComponent(code)}/fiches`, { credentials: "same-origin" });
      if (!response.ok) return;
      store.patch({ practices: practicesFrom(await response.json()) });
    } catch {
      /* offline: the next join tries again */
    }
  }

  function render(state) {
    const parts = [];
    const moderator = isModerator(state);
    if (state.practices.pins.size) {
      const list = el("ul", { className: "practice-pins" });
      for (const { practice } of state.practices.pins.values()) {
        const item = el("li", {}, el("a", { href: practice.url, target: "_blank", textContent: practice.title }));
        if (practice.excerpt) item.append(el("p", { className: "muted small", textContent: practice.excerpt }));
        if (moderator) {
          item.append(button(p.unpin, () => store.act("practice.unpin", { practice_id: practice.id },
            { fallback: p.error }), "link small"));
        }
        list.append(item);
      }
      parts.push(el("h2", { textContent: p.pinned }), list);
    }
    if (moderator) parts.push(...createForm(state));
    panel.replaceChildren(...parts);
    panel.hidden = parts.length === 0;
  }

  function createForm(state) {
    const { practiceCards, practiceGroups } = state.ui;
    const count = practiceCards.size + practiceGroups.size;
    const title = el("input", { type: "text", maxLength: 200, placeholder: p.title_placeholder, id: "practice-title",
      "aria-label": p.title_placeholder, value: document.getElementById("practice-title")?.value || "" });
    const create = el("button", { type: "submit", className: "button primary small", textContent: p.create,
      disabled: count === 0 });
    const form = el("form", { className: "practice-create", on: { submit: (e) => {
      e.preventDefault();
      store.act("practice.create", { card_ids: [...practiceCards], group_ids: [...practiceGroups],
        title: title.value.trim() || undefined }, { fallback: p.error }).then((ack) => {
        if (!ack || !ack.ok) return;
        lastCreated = ack.practice;
        title.value = "";
        store.setUi({ practiceCards: new Set(), practiceGroups: new Set() });
      });
    } } }, el("span", { className: "small", textContent: count ? p.selected.replace("{n}", count) : p.hint }),
    title, create);
    const parts = [form];
    if (lastCreated) {
      parts.push(el("p", { className: "small", role: "status" }, p.created, " ",
        el("a", { href: `${lastCreated.url}/modifier`, target: "_blank", textContent: lastCreated.title })));
    }
    return parts;
  }
}
