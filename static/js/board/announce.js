// What a screen reader hears of the live board: the cards others post (counted by column, a moment after they
// arrive, so a busy room is one sentence, not a stream) and the phase when it changes. The board itself is not
// a live region: its redraws (reactions, dots, moves) would be read out again and again.
import { fmt } from "./dom.js";
import { tr } from "./lang.js";

const SETTLE_MS = 1500;

export function mountAnnouncer({ store, t }) {
  const node = document.getElementById("announcer");
  const fresh = new Map(); // column key -> cards of others added since the last sentence
  let timer = null;
  let phase = null;

  store.subscribe((state, change) => {
    const meId = state.me?.id;
    for (const event of change.events) {
      const card = event.type === "card.added" && event.data?.card;
      if (card && card.participant_id !== meId) fresh.set(card.column, (fresh.get(card.column) || 0) + 1);
    }
    const now = state.fac?.phase?.key || null;
    if (phase && now && now !== phase) say(`${t.fac.phase} : ${tr(state.fac.phase.label)}`);
    phase = now;
    if (fresh.size && !timer) timer = setTimeout(sayCards, SETTLE_MS);
  });

  function sayCards() {
    timer = null;
    const columns = store.state.columns;
    const parts = [...fresh].map(([key, n]) => {
      const column = tr(columns.find((c) => c.key === key)?.label || key);
      return n === 1 ? fmt(t.board.new_card, { column }) : fmt(t.board.new_cards, { n, column });
    });
    fresh.clear();
    say(parts.join(". "));
  }

  function say(text) {
    node.textContent = text;
  }
}
