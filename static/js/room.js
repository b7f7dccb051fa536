// Room screen (projector): the join code and QR while people arrive, then the live columns, the phase and its
// timer, then the vote results. Read-only; joins as the logged-in facilitator and renders from the board store.
// All text via textContent.
import { balanceNodes } from "./board/balance.js";
import { labels } from "./board/dom.js";
import { tr } from "./board/lang.js";
import { clock, remainingSeconds } from "./board/selectors.js";
import { createStore } from "./board/store.js";

const root = document.getElementById("room-live");
const t = labels("room-i18n");
const store = createStore({ code: root.dataset.code, autoJoin: true, sendsCards: false });
store.subscribe(draw);

// The balance of who is present, shown on the projector only when the facilitator asks for it.
const groupsText = labels("groups-i18n");
const balanceToggle = document.getElementById("room-balance-toggle");
const balanceBox = document.getElementById("room-balance");
let showBalance = false;
balanceToggle.addEventListener("click", () => {
  showBalance = !showBalance;
  balanceToggle.setAttribute("aria-pressed", String(showBalance));
  drawBalance(store.state);
});
store.subscribe(drawBalance);

function drawBalance(state) {
  balanceBox.hidden = !showBalance || !state.balance;
  if (!balanceBox.hidden) balanceBox.replaceChildren(...balanceNodes(state.balance, groupsText));
}

function node(tag, className, text) {
  const el = document.createElement(tag);
  if (className) el.className = className;
  if (text !== undefined) el.textContent = text;
  return el;
}

function cardNode(card) {
  const hidden = card.private || card.text === undefined; // the facilitator's screen receives it, the wall never
  return node("p", `room-note${hidden ? " is-private" : ""}`, hidden ? t.private_card : card.text);
}

function draw(state) {
  // The room shows what participants see: no hidden card, no card waiting for validation (moderated mode).
  const cards = new Map([...state.cards].filter(([, c]) => !c.hidden && !c.pending));
  const fac = state.fac;
  const groups = fac ? [...fac.groups.values()] : [];
  document.body.classList.toggle("room-has-cards", cards.size > 0);
  const phase = fac && fac.phase;
  document.getElementById("room-phase").replaceChildren(node("strong", "", phase ? tr(phase.label) : ""),
    node("span", "", phase && phase.instructions ? ` — ${tr(phase.instructions)}` : ""));
  if (fac && fac.votes.revealed && fac.votes.results) return drawResults(fac.votes.results, cards);
  const grouped = new Set(groups.flatMap((g) => g.card_ids));
  const columns = state.columns.map((column) => {
    const section = node("section", "room-column");
    section.style.setProperty("--note", column.color);
    const inColumn = [...cards.values()].filter((c) => c.column === column.key);
    section.append(node("h2", "", `${tr(column.label)} (${inColumn.length})`));
    for (const group of groups.filter((g) => g.column === column.key)) {
      const box = node("div", "room-group");
      box.append(node("h3", "", group.name || t.unnamed));
      group.card_ids.map((id) => cards.get(id)).filter(Boolean).forEach((c) => box.append(cardNode(c)));
      section.append(box);
    }
    inColumn.filter((c) => !grouped.has(c.id)).forEach((c) => section.append(cardNode(c)));
    return section;
  });
  document.getElementById("room-board").replaceChildren(...columns);
}

function drawResults(results, cards) {
  const list = node("ol", "room-results");
  for (const row of results.cards.slice(0, 10)) {
    const li = node("li");
    li.append(node("strong", "", `${row.dots} ● `), cards.get(row.id)?.text || "");
    list.append(li);
  }
  const parts = [node("h2", "", t.results), list];
  if (results.groups.length) {
    const groups = node("ol", "room-results");
    for (const row of results.groups.slice(0, 10)) {
      const li = node("li");
      li.append(node("strong", "", `${row.dots} ● `), row.name || t.unnamed);
      groups.append(li);
    }
    parts.push(node("h2", "", t.by_group), groups);
  }
  const panel = node("section", "room-results-panel");
  panel.append(...parts);
  document.getElementById("room-board").replaceChildren(panel);
}

setInterval(() => {
  const el = document.getElementById("room-timer");
  const left = remainingSeconds(store.state.fac);
  el.hidden = left === null;
  if (left !== null) el.textContent = clock(Math.ceil(left));
}, 250);
