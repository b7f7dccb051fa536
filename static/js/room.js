// Room screen (projector): the join code and QR large while the room is empty, then in a corner; the live
// columns, the card in the spotlight, the phase and its timer, the vote results and (on demand) the balance of
// who is present. Joins as the logged-in facilitator and renders from the board store, like the board; its one
// action is the spotlight (a click on a card or group, or its end).
// All text via textContent.
import { balanceNodes } from "./board/balance.js";
import { el, fmt, labels, reorder } from "./board/dom.js";
import { tr } from "./board/lang.js";
import { clock, othersPresent, remainingSeconds } from "./board/selectors.js";
import { createStore } from "./board/store.js";
import { cardNode, mountStage } from "./room/stage.js";
import { mountTools } from "./room/tools.js";

const root = document.getElementById("projector");
const t = labels("room-i18n");
const groupsText = labels("groups-i18n");
const store = createStore({ code: root.dataset.code, autoJoin: true, sendsCards: false });
const tools = mountTools({ root, t, redrawBalance: () => drawBalance(store.state) });
const stage = mountStage({ store, t });
const [phaseBox, timerBox, board, balanceBox, people] = ["room-phase", "room-timer", "room-board", "room-balance",
  "room-people"].map((id) => document.getElementById(id));
let joined = false; // once someone has come, the code stays in its corner (a phone that sleeps does not undo it)
// Each column's section, kept across redraws (one comes with every card and every arrival): a column scrolled on
// the projector stays where it was, and what reads it never holds a section already replaced.
const sections = new Map();

store.subscribe(draw);
draw(store.state);

function draw(state) {
  const others = othersPresent(state);
  joined = joined || others > 0 || state.cards.size > 0;
  tools.place(joined);
  people.textContent = others ? fmt(t.people, others) : "";
  const phase = state.fac && state.fac.phase;
  phaseBox.replaceChildren(el("strong", {}, phase ? tr(phase.label) : ""),
    phase && phase.instructions ? el("span", {}, ` — ${tr(phase.instructions)}`) : "");
  const shown = stage.draw(state);
  board.hidden = shown; // the spotlight takes the screen; the columns come back when it ends
  if (!shown) {
    const fac = state.fac;
    if (fac && fac.votes.revealed && fac.votes.results) drawResults(fac.votes.results, visibleCards(state));
    else drawColumns(state);
  }
  drawBalance(state);
}

function visibleCards(state) {
  // The room shows what participants see: no hidden card, no card waiting for validation (moderated mode)
  return new Map([...state.cards].filter(([, c]) => !c.hidden && !c.pending));
}

function drawColumns(state) {
  const focused = board.contains(document.activeElement) ? document.activeElement.dataset : {};
  const cards = visibleCards(state);
  const groups = state.fac ? [...state.fac.groups.values()] : [];
  const grouped = new Set(groups.flatMap((g) => g.card_ids));
  reorder(board, state.columns.map((column) => {
    const inColumn = [...cards.values()].filter((c) => c.column === column.key);
    const section = sections.get(column.key) || el("section", { className: "room-column" });
    sections.set(column.key, section);
    section.style.setProperty("--note", column.color);
    section.replaceChildren(el("h2", {}, `${tr(column.label)} (${inColumn.length})`),
      ...groups.filter((g) => g.column === column.key).map((group) => el("div", { className: "room-group" },
        el("h3", { tabIndex: 0, title: t.to_spotlight, dataset: { spot: "group", spotId: group.id } },
          group.name || t.unnamed),
        ...group.card_ids.map((id) => cards.get(id)).filter(Boolean).map((c) => cardNode(state, c, t)))),
      ...inColumn.filter((c) => !grouped.has(c.id)).map((c) => cardNode(state, c, t)));
    return section;
  }));
  // A redraw must not take the keyboard's place away
  if (focused.spot) board.querySelector(`[data-spot="${focused.spot}"][data-spot-id="${focused.spotId}"]`)?.focus();
}

function drawResults(results, cards) {
  const top = Math.max(1, ...results.cards.map((r) => r.dots), ...results.groups.map((r) => r.dots));
  const row = (dots, text) => {
    const bar = el("span", { className: "room-result-bar", "aria-hidden": "true" });
    bar.style.width = `${Math.round((100 * dots) / top)}%`;
    return el("li", {}, el("strong", {}, `${dots} ● `), text, bar);
  };
  const parts = [el("h2", {}, t.results),
    el("ol", { className: "room-results" }, ...results.cards.slice(0, 10).map((r) => row(r.dots, cards.get(r.id)?.text || "")))];
  if (results.groups.length) {
    parts.push(el("h2", {}, t.by_group),
      el("ol", { className: "room-results" }, ...results.groups.slice(0, 10).map((r) => row(r.dots, r.name || t.unnamed))));
  }
  board.replaceChildren(el("section", { className: "room-results-panel", dataset: { testid: "room-results" } }, ...parts));
}

function drawBalance(state) {
  balanceBox.hidden = !tools.showBalance || !state.balance;
  if (!balanceBox.hidden) balanceBox.replaceChildren(...balanceNodes(state.balance, groupsText));
}

setInterval(() => {
  const left = remainingSeconds(store.state.fac);
  timerBox.hidden = left === null;
  if (left === null) return;
  timerBox.textContent = clock(Math.ceil(left));
  timerBox.classList.toggle("is-ending", left <= 30); // the last half-minute shows from the back of the room
}, 250);
