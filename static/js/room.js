// Room screen (projector): the join code and QR while people arrive, then the live columns, the phase and its
// timer, then the vote results. Read-only; joins as the logged-in facilitator. All text via textContent.
import { io } from "../vendor/socket.io.esm.min.js";

const root = document.getElementById("room-live");
const code = root.dataset.code;
const t = JSON.parse(document.getElementById("room-i18n").textContent);
const view = { seq: null, columns: [], cards: new Map(), groups: new Map(), phase: null, timer: null, skew: 0,
  results: null, gap: null };
const socket = io("/board", { transports: ["websocket", "polling"], reconnectionDelayMax: 4000 });

socket.on("connect", () => {
  const payload = { code };
  if (view.seq !== null) payload.since = view.seq;
  socket.emit("join", payload, (ack) => {
    if (!ack || !ack.ok) return;
    if (ack.state) load(ack.state, ack.seq);
    else ack.events.forEach(receive);
  });
});
socket.on("event", receive);
socket.on("events", (events) => events.forEach(receive));

function load(state, seq) {
  view.seq = seq;
  view.columns = state.columns;
  view.cards = new Map(state.cards.map((c) => [c.id, c]));
  const f = state.facilitation || {};
  view.groups = new Map((f.groups || []).map((g) => [g.id, g]));
  view.phase = f.phase;
  view.timer = f.timer;
  view.skew = (f.server_time || Date.now()) - Date.now();
  view.results = f.votes && f.votes.revealed ? f.votes.results : null;
  draw();
}

function receive(event) {
  if (view.seq === null || event.seq <= view.seq) return;
  if (event.seq > view.seq + 1) {
    if (!view.gap) view.gap = setTimeout(resync, 300);
    return;
  }
  view.seq = event.seq;
  apply(event.type, event.data || {});
  draw();
}

function resync() {
  view.gap = null;
  socket.emit("resync", { since: view.seq }, (ack) => {
    if (!ack || !ack.ok) return;
    if (ack.state) load(ack.state, ack.seq);
    else ack.events.forEach(receive);
  });
}

function apply(type, d) {
  if (d.card) {
    if (type === "card.deleted" || d.card.hidden) view.cards.delete(d.card.id);
    else view.cards.set(d.card.id, d.card);
  }
  if (type === "cards.revealed") d.cards.forEach((c) => view.cards.set(c.id, c));
  if (d.columns) view.columns = d.columns;
  if (type === "phase.changed") view.phase = d.phase;
  if (d.timer) view.timer = d.timer;
  if (d.group) view.groups.set(d.group.id, d.group);
  if (type === "group.deleted") view.groups.delete(d.group_id);
  if (type === "card.moved") {
    const card = view.cards.get(d.card_id);
    if (card) card.column = d.column;
    for (const g of view.groups.values()) g.card_ids = g.card_ids.filter((id) => id !== d.card_id);
    if (d.group_id && view.groups.has(d.group_id)) view.groups.get(d.group_id).card_ids = d.order;
  }
  if (type === "votes.revealed") view.results = d.results;
  if (type === "votes.hidden" || type === "votes.reset") view.results = null;
}

function node(tag, className, text) {
  const el = document.createElement(tag);
  if (className) el.className = className;
  if (text !== undefined) el.textContent = text;
  return el;
}

function cardNode(card) {
  return node("p", `room-note${card.text === undefined ? " is-private" : ""}`,
    card.text === undefined ? t.private_card : card.text);
}

function draw() {
  document.body.classList.toggle("room-has-cards", view.cards.size > 0);
  const phase = document.getElementById("room-phase");
  phase.replaceChildren(node("strong", "", view.phase ? view.phase.label : ""),
    node("span", "", view.phase ? ` — ${view.phase.instructions}` : ""));
  if (view.results) return drawResults();
  const grouped = new Set([...view.groups.values()].flatMap((g) => g.card_ids));
  const columns = view.columns.map((column) => {
    const section = node("section", "room-column");
    section.style.setProperty("--note", column.color);
    const cards = [...view.cards.values()].filter((c) => c.column === column.key);
    section.append(node("h2", "", `${column.label} (${cards.length})`));
    for (const group of [...view.groups.values()].filter((g) => g.column === column.key)) {
      const box = node("div", "room-group");
      box.append(node("h3", "", group.name || t.unnamed));
      group.card_ids.map((id) => view.cards.get(id)).filter(Boolean).forEach((c) => box.append(cardNode(c)));
      section.append(box);
    }
    cards.filter((c) => !grouped.has(c.id)).forEach((c) => section.append(cardNode(c)));
    return section;
  });
  document.getElementById("room-board").replaceChildren(...columns);
}

function drawResults() {
  const r = view.results;
  const list = node("ol", "room-results");
  for (const row of r.cards.slice(0, 10)) {
    const li = node("li");
    li.append(node("strong", "", `${row.dots} ● `), view.cards.get(row.id)?.text || "");
    list.append(li);
  }
  const parts = [node("h2", "", t.results), list];
  if (r.groups.length) {
    const groups = node("ol", "room-results");
    for (const row of r.groups.slice(0, 10)) {
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
  const timer = view.timer;
  let left = null;
  if (timer && timer.ends_at) left = Math.max(0, (timer.ends_at - (Date.now() + view.skew)) / 1000);
  else if (timer && timer.paused) left = timer.remaining;
  el.hidden = left === null;
  if (left !== null) {
    const s = Math.ceil(left);
    el.textContent = `${Math.floor(s / 60)}:${String(s % 60).padStart(2, "0")}`;
  }
}, 250);
