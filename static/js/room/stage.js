// The room screen's cards and its stage: the card or group the facilitator put in the spotlight, shown large in
// place of the columns, with its reactions and (once revealed) its dots. The projector follows the facilitator's
// focus: the kernel's spotlight.changed event moves it on every screen.
import { el } from "../board/dom.js";
import { tr } from "../board/lang.js";
import { dotsFor, spotlit } from "../board/selectors.js";

/** Reaction counts (and revealed dots) of a card, as short labels: "Moi aussi 3". */
function counts(state, id, t) {
  const fac = state.fac;
  if (!fac) return [];
  const reactions = fac.reactions.get(id) || {};
  const parts = Object.keys(fac.kinds).filter((k) => reactions[k])
    .map((k) => el("span", { className: "room-reaction", dataset: { reaction: k } },
      `${t[`reaction_${k}`] || fac.kinds[k]} ${reactions[k]}`));
  const dots = fac.votes.revealed ? dotsFor(state, "card", id) : 0;
  if (dots) parts.push(el("span", { className: "room-dots" }, `● ${dots}`));
  return parts;
}

/** One card of the room screen: its text first, then what people made of it. A click (or Enter) on it puts it in
 * the spotlight: the facilitator at the projector's computer need not go to the board for that. */
/** The wall shows what participants see: a private card, which the facilitator's session (the wall's) pre-reads,
    stays a placeholder until it is revealed. */
function readable(card) {
  return !card.private && card.text !== undefined;
}

export function cardNode(state, card, t) {
  if (!readable(card)) return el("p", { className: "room-note is-private" }, t.private_card);
  const meta = counts(state, card.id, t);
  return el("article", { className: "room-note", tabIndex: 0, title: t.to_spotlight,
    dataset: { spot: "card", spotId: card.id } },
  el("p", { className: "room-note-text" }, card.text),
  meta.length ? el("p", { className: "room-note-meta" }, ...meta) : null);
}

export function mountStage({ store, t }) {
  const box = document.getElementById("room-spotlight");
  const board = document.getElementById("room-board");
  const send = (event, payload = {}) => store.act(event, payload);
  const spotlight = (e) => {
    const target = e.target.closest("[data-spot]");
    if (!target || (e.type === "keydown" && e.key !== "Enter")) return;
    send("spotlight.set", { kind: target.dataset.spot, id: Number(target.dataset.spotId) });
  };
  board.addEventListener("click", spotlight);
  board.addEventListener("keydown", spotlight);
  const end = () => el("button", { type: "button", className: "button small room-spotlight-end",
    on: { click: () => send("spotlight.clear") } }, t.end_spotlight);

  /** Put these nodes in the stage, unless it shows the same already: a redraw on every change of the room (a
   * join, a reaction elsewhere) would take the focus off its button and restart what is being read. */
  function show(...nodes) {
    const kept = nodes.filter(Boolean);
    const same = kept.length === box.children.length && kept.every((node, i) => node.isEqualNode(box.children[i]));
    if (!same) box.replaceChildren(...kept);
  }

  /** Draw the spotlight; true when something is in it. */
  function draw(state) {
    const spot = spotlit(state);
    box.hidden = !spot;
    if (!spot) {
      box.replaceChildren();
      return false;
    }
    const column = state.columns.find((c) => c.key === (spot.card || spot.group).column);
    const label = el("p", { className: "room-spotlight-label" }, `★ ${t.spotlight}${column ? ` · ${tr(column.label)}` : ""}`);
    if (column) box.style.setProperty("--note", column.color);
    if (spot.kind === "card") {
      const meta = counts(state, spot.card.id, t);
      show(end(), label, el("p", { className: "room-spotlight-text", dataset: { testid: "spotlight-text" } },
        readable(spot.card) ? spot.card.text : t.private_card),
      meta.length ? el("p", { className: "room-spotlight-meta" }, ...meta) : null);
      return true;
    }
    const cards = spot.group.card_ids.map((id) => state.cards.get(id)).filter((c) => c && !c.hidden);
    show(end(), label, el("p", { className: "room-spotlight-text", dataset: { testid: "spotlight-text" } },
      spot.group.name || t.unnamed),
    el("div", { className: "room-spotlight-cards" }, ...cards.map((c) => cardNode(state, c, t))));
    return true;
  }

  return { draw };
}
