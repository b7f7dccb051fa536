// The practice repository's panel on the board (#practice-board): sheets pinned for the discussion (the
// facilitator makes a sheet from the selection bar, selection.js). Loads which cards became sheets each
// time the board is joined; the store keeps them up to date from practice.* events.
import { button, el } from "./dom.js";
import { practicesFrom } from "./reducers.js";
import { isModerator } from "./selectors.js";

export function mountPracticesPanel({ store, t }) {
  const panel = document.getElementById("practice-board");
  const code = document.getElementById("board").dataset.code;
  const p = t.practices;
  let seen = {};

  store.subscribe((state, change) => {
    if (change.joined) loadLinks();
    const { practices, me } = state;
    if (practices === seen.practices && me === seen.me) return;
    seen = { practices, me };
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
    panel.replaceChildren(...parts);
    panel.hidden = parts.length === 0;
  }
}
