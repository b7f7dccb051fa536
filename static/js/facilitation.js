// Facilitation on the live board: phase bar, timer, lock, private writing, groups and merges (SortableJS),
// dot voting and results, reactions and replies, spotlight, similar-card hints, undo and exports.
// Plugs into board.js through window.passerelles and the board:state / board:event DOM events.
// All user text goes through textContent.
import Sortable from "../vendor/sortable.esm.js";

const P = window.passerelles;
const root = document.getElementById("board");
const columnsEl = document.getElementById("columns");
const bar = document.getElementById("facilitation");
const t = JSON.parse(document.getElementById("facilitation-i18n").textContent);
const fmt = (s, values) => s.replace(/\{(\w+)\}/g, (_, k) => (values[k] ?? ""));

const fac = {
  ready: false,
  phases: [],
  phase: null,
  locked: false,
  timer: null,
  skew: 0, // server clock minus ours, in ms
  spotlight: null,
  settings: {},
  groups: new Map(), // id -> {id, column, name, kind, card_ids}
  place: new Map(), // card id -> {group, pos}
  votes: { mine: [], used: 0, budget: 3, total: 0, revealed: false, results: null },
  reactions: new Map(), // card id -> {kind: n}
  myReactions: new Set(), // "cardId:kind"
  replies: new Map(), // reply id -> reply
  kinds: {},
  extraColumns: [],
  selected: new Set(),
  renaming: null, // id of the group whose name is being typed: redraws leave it alone
  tables: { count: 0, columns: [], mine: null, seat: null, rank: null }, // world café
};

const moderator = () => P.state.me && P.state.me.role === "facilitator";
const allows = (action) => !fac.phase || fac.phase.allows.includes(action);
// World café: my table, from my chosen seat or my rank of arrival (recomputed when the tables change).
const myTable = () => {
  const tb = fac.tables;
  if (!tb.count) return null;
  if (tb.seat) return ((tb.seat - 1) % tb.count) + 1;
  return tb.rank === null || tb.rank === undefined ? null : (tb.rank % tb.count) + 1;
};
const canGroup = () => moderator() || (fac.settings.everyone_groups && allows("group") && !fac.locked);

// --- State and events -------------------------------------------------------------------------

function load(snapshot) {
  const f = snapshot.facilitation;
  if (!f) return;
  fac.ready = true;
  fac.phases = f.phases;
  fac.phase = f.phase;
  fac.locked = f.locked;
  fac.timer = f.timer;
  fac.skew = f.server_time - Date.now();
  fac.spotlight = f.spotlight;
  fac.settings = f.settings;
  fac.kinds = f.reaction_kinds;
  fac.extraColumns = f.extra_columns;
  fac.groups = new Map(f.groups.map((g) => [g.id, g]));
  fac.place = new Map(f.placements.map(([card, group, pos]) => [card, { group, pos }]));
  fac.votes = { ...f.votes };
  fac.reactions = new Map(Object.entries(f.reactions).map(([k, v]) => [Number(k), v]));
  fac.myReactions = new Set(f.my_reactions.map(([c, k]) => `${c}:${k}`));
  fac.replies = new Map(f.replies.map((r) => [r.id, r]));
  fac.tables = f.tables || { count: 0, columns: [], mine: null, seat: null, rank: null };
  drawBar();
  arrange();
  showSpotlight();
}

function onEvent(event) {
  const d = event.data || {};
  const me = P.state.me && P.state.me.id;
  switch (event.type) {
    case "phase.changed":
      fac.phase = d.phase;
      fac.selected.clear();
      break;
    case "board.locked":
    case "board.unlocked":
      fac.locked = d.locked;
      break;
    case "timer.started": case "timer.paused": case "timer.resumed": case "timer.extended": case "timer.stopped":
      fac.timer = d.timer;
      break;
    case "timer.ended":
      fac.timer = d.timer;
      fac.locked = d.locked;
      break;
    case "spotlight.changed":
      fac.spotlight = d.spotlight;
      showSpotlight();
      break;
    case "cards.revealed":
      for (const card of d.cards) {
        const known = P.state.cards.get(card.id);
        const own = known && known.text !== undefined && known.participant_id === me;
        P.state.cards.set(card.id, own ? { ...card, author: known.author, participant_id: me } : card);
      }
      P.render();
      break;
    case "group.created":
    case "group.renamed":
      fac.groups.set(d.group.id, d.group);
      d.group.card_ids.forEach((id, pos) => {
        fac.place.set(id, { group: d.group.id, pos });
        const card = P.state.cards.get(id);
        if (card) card.column = d.group.column;
      });
      break;
    case "group.deleted":
      fac.groups.delete(d.group_id);
      d.card_ids.forEach((id, i) => fac.place.set(id, { group: null, pos: 100000 + i }));
      break;
    case "card.moved": {
      const card = P.state.cards.get(d.card_id);
      if (card) card.column = d.column;
      d.order.forEach((id, pos) => fac.place.set(id, { group: d.group_id, pos }));
      if (d.group_id && fac.groups.has(d.group_id)) fac.groups.get(d.group_id).card_ids = d.order;
      for (const g of fac.groups.values()) {
        if (g.id !== d.group_id) g.card_ids = g.card_ids.filter((id) => id !== d.card_id);
      }
      if (d.from_group) fac.groups.set(d.from_group.id, d.from_group);
      break;
    }
    case "column.added": case "column.removed": case "column.updated":
      P.state.columns = d.columns;
      P.render();
      break;
    case "vote.cast":
      fac.votes.total = d.total;
      if (d.vote && d.vote.participant_id === me) {
        fac.votes.mine.push({ kind: d.vote.kind, target_id: d.vote.target_id });
        fac.votes.used = fac.votes.mine.length;
      }
      break;
    case "vote.removed":
      fac.votes.total = d.total;
      if (d.vote && d.vote.participant_id === me) {
        const i = fac.votes.mine.findIndex((v) => v.kind === d.vote.kind && v.target_id === d.vote.target_id);
        if (i >= 0) fac.votes.mine.splice(i, 1);
        fac.votes.used = fac.votes.mine.length;
      }
      break;
    case "votes.revealed":
    case "votes.hidden":
      fac.votes.revealed = d.revealed;
      fac.votes.results = d.results;
      break;
    case "votes.reset":
      fac.votes = { ...fac.votes, mine: [], used: 0, total: 0, revealed: false, results: null };
      break;
    case "reaction.toggled": {
      const r = d.reaction;
      fac.reactions.set(r.card_id, d.counts);
      if (r.participant_id === me) {
        if (r.on) fac.myReactions.add(`${r.card_id}:${r.kind}`);
        else fac.myReactions.delete(`${r.card_id}:${r.kind}`);
      }
      break;
    }
    case "reply.added": case "reply.hidden": case "reply.shown":
      fac.replies.set(d.reply.id, d.reply);
      break;
    case "settings.changed":
      fac.settings = d.settings;
      fac.votes.budget = d.settings.vote_budget;
      if (fac.tables.columns.length && d.settings.tables) fac.tables.count = d.settings.tables;
      break;
    case "participant.table":
      if (d.seat && d.seat.participant_id === me) fac.tables.seat = d.seat.table;
      break;
    case "workshop.closed": case "workshop.reopened":
      break;
    default:
      if (!event.type.startsWith("card.")) return;
  }
  drawBar();
  arrange();
}

document.addEventListener("board:state", (e) => load(e.detail));
document.addEventListener("board:event", (e) => onEvent(e.detail));
if (P.state.snapshot) load(P.state.snapshot);

// --- Phase bar --------------------------------------------------------------------------------

function el(tag, props = {}, ...children) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(props)) {
    if (k === "on") for (const [name, fn] of Object.entries(v)) node.addEventListener(name, fn);
    else if (k === "dataset") Object.assign(node.dataset, v);
    else if (k.includes("-") || k === "role") node.setAttribute(k, v);
    else if (v !== undefined && v !== null && v !== false) node[k] = v;
  }
  node.append(...children.filter((c) => c !== null && c !== undefined && c !== false));
  return node;
}

function button(label, action, className = "button small") {
  return el("button", { type: "button", className, textContent: label, on: { click: action } });
}

function send(event, payload = {}, onOk) {
  P.socket.emit(event, payload, (ack) => {
    if (ack && ack.ok) onOk && onOk(ack);
    else P.showError(ack && ack.error ? ack.error.message : t.failed);
  });
}

function drawBar() {
  if (!fac.ready) return;
  const phase = fac.phase;
  root.dataset.phase = phase.key;
  root.dataset.write = allows("write") && !fac.locked ? "yes" : "no";
  root.dataset.vote = allows("vote") && !fac.votes.revealed && !fac.locked ? "yes" : "no";
  root.dataset.locked = fac.locked ? "yes" : "no";
  root.classList.toggle("can-group", canGroup());
  root.dataset.table = myTable() || "";
  const index = fac.phases.findIndex((p) => p.key === phase.key);
  const parts = [
    el("div", { className: "phase-info" },
      el("p", { className: "phase-step muted small", textContent: fac.phases.length
        ? fmt(t.step, { n: index + 1, total: fac.phases.length }) : "" }),
      el("h2", { className: "phase-label", textContent: phase.label, dataset: { testid: "phase-label" } }),
      el("p", { className: "phase-instructions", textContent: phase.instructions }),
      phase.private ? el("p", { className: "phase-private small", textContent: t.private_phase }) : null,
      fac.locked ? el("p", { className: "badge badge-locked", textContent: t.locked, dataset: { testid: "locked" } })
        : null),
    el("div", { className: "phase-side" }, timerElement(), votesElement(), tableElement()),
  ];
  if (moderator()) parts.push(controls(index));
  bar.hidden = false;
  bar.replaceChildren(...parts);
  drawResults();
  tick();
}

function timerElement() {
  return el("p", { className: "timer", id: "timer", role: "timer", dataset: { testid: "timer" } });
}

function tableElement() {
  const mine = myTable();
  if (!fac.tables.count || (moderator() && mine === null)) return null; // the facilitator sits at no table
  const open = moderator() ? mine !== null : fac.phase.by_table && !fac.locked;
  const select = el("select", { className: "table-select", "aria-label": t.your_table, disabled: !open,
    dataset: { testid: "table-select" }, on: { change: (e) => send("participant.table", { table: Number(e.target.value) }) } },
  ...(mine === null ? [el("option", { value: "", textContent: "—", selected: true })] : []),
  ...Array.from({ length: fac.tables.count }, (_, i) => el("option", { value: i + 1, selected: mine === i + 1,
    textContent: fmt(t.table_n, { n: i + 1 }) })));
  return el("p", { className: "my-table small", dataset: { testid: "my-table" } },
    el("label", { textContent: `${t.your_table} ` }), select,
    fac.phase.by_table && !moderator() ? el("span", { className: "muted", textContent: ` ${t.change_table}` }) : null);
}

function tablesForm() {
  if (!fac.tables.columns.length) return null;
  const count = el("input", { type: "number", min: 1, max: 20, value: fac.tables.count || 4,
    className: "timer-minutes", "aria-label": t.tables, dataset: { testid: "tables-count" } });
  return el("div", { className: "control-row" }, el("label", { className: "small", textContent: `${t.tables} ` }),
    count, button(t.save, () => send("settings.update", { tables: Number(count.value) })));
}

function votesElement() {
  if (!allows("vote") && !fac.votes.revealed) return null;
  const left = Math.max(0, fac.votes.budget - fac.votes.used);
  return el("p", { className: "dots-left", dataset: { testid: "dots-left" },
    textContent: fac.votes.revealed ? t.results_shown : fmt(t.dots_left, { n: left, total: fac.votes.budget }) },
  el("span", { className: "muted small", textContent: ` · ${fmt(t.dots_total, { n: fac.votes.total })}` }));
}

function controls(index) {
  const prev = fac.phases[index - 1];
  const next = fac.phases[index + 1];
  const select = el("select", { className: "phase-select", "aria-label": t.phase,
    on: { change: (e) => send("phase.set", { phase: e.target.value }) } },
  ...fac.phases.map((p, i) => el("option", { value: p.key, selected: i === index,
    textContent: `${i + 1}. ${p.label}${p.minutes ? ` (${p.minutes} min)` : ""}` })));
  const minutes = el("input", { type: "number", min: 1, max: 240, value: fac.phase.minutes || 5,
    className: "timer-minutes", "aria-label": t.minutes });
  const lockOnEnd = el("input", { type: "checkbox", id: "lock-on-end" });
  const timer = fac.timer || {};
  const timerButtons = timer.running
    ? [button(t.pause, () => send("timer.pause")), button(t.plus_minute, () => send("timer.extend", { seconds: 60 })),
      button(t.stop, () => send("timer.stop"))]
    : timer.paused
      ? [button(t.resume, () => send("timer.resume")), button(t.stop, () => send("timer.stop"))]
      : [minutes, el("label", { className: "small" }, lockOnEnd, ` ${t.lock_on_end}`),
        button(t.start, () => send("timer.start", { seconds: Math.round(Number(minutes.value) * 60),
          lock_on_end: lockOnEnd.checked }))];
  const selection = [...fac.selected];
  return el("div", { className: "fac-controls" },
    el("div", { className: "control-row" },
      prev ? button(`← ${prev.label}`, () => send("phase.set", { phase: prev.key })) : null,
      select,
      next ? button(`${next.label} →`, () => send("phase.set", { phase: next.key }), "button small primary") : null,
      button(t.reveal_cards, () => send("cards.reveal")),
      button(fac.locked ? t.unlock : t.lock, () => send("board.lock", { locked: !fac.locked }))),
    el("div", { className: "control-row" }, el("span", { className: "small", textContent: t.timer }), ...timerButtons),
    tablesForm(),
    el("div", { className: "control-row" },
      button(fac.votes.revealed ? t.hide_results : t.show_results,
        () => send("votes.reveal", { revealed: !fac.votes.revealed })),
      button(t.reset_votes, () => confirm(t.confirm_reset) && send("votes.reset")),
      button(t.undo, () => send("undo")),
      button(t.suggest, suggestGroups),
      fac.spotlight ? button(t.end_spotlight, () => send("spotlight.set", { kind: null })) : null),
    selection.length ? el("div", { className: "control-row selection", dataset: { testid: "selection" } },
      el("span", { className: "small", textContent: fmt(t.selected, { n: selection.length }) }),
      button(t.group, () => send("group.create", { card_ids: selection, kind: "group" }, clearSelection)),
      selection.length > 1
        ? button(t.merge, () => send("group.create", { card_ids: selection, kind: "merge" }, clearSelection)) : null,
      button(t.cancel, clearSelection)) : null,
    el("details", { className: "more-tools" }, el("summary", { textContent: t.more }),
      settingsForm(),
      columnTools(),
      el("p", {}, el("a", { className: "button small", href: root.dataset.exportCsv, textContent: t.export_csv }), " ",
        el("a", { className: "button small", href: root.dataset.exportMd, textContent: t.export_md })),
      saveFormatForm()),
    el("div", { id: "suggestions" }));
}

function clearSelection() {
  fac.selected.clear();
  drawBar();
  arrange();
}

function columnTools() {
  const label = el("input", { maxLength: 80, placeholder: t.column_name, "aria-label": t.column_name });
  const form = el("form", { className: "control-row", on: { submit: (e) => {
    e.preventDefault();
    send("column.add", { label: label.value }, () => { label.value = ""; });
  } } }, label, el("button", { className: "button small", type: "submit", textContent: t.add_column }));
  const offered = fac.extraColumns.filter((c) => !P.state.columns.some((col) => col.key === c.key))
    .map((c) => button(`+ ${c.label}`, () => send("column.add", { key: c.key })));
  const existing = P.state.columns.map((c, i) => el("li", {},
    el("span", { textContent: c.label }), " ",
    i > 0 ? button("←", () => send("column.update", { key: c.key, position: i - 1 }), "link small") : null, " ",
    button(t.rename, () => {
      const name = prompt(t.column_name, c.label);
      if (name) send("column.update", { key: c.key, label: name });
    }, "link small"), " ",
    button(t.remove, () => send("column.remove", { key: c.key }), "link small")));
  return el("div", {}, el("ul", { className: "column-tools" }, ...existing), form,
    offered.length ? el("p", {}, ...offered) : null);
}

function settingsForm() {
  const budget = el("input", { type: "number", min: 1, max: 20, value: fac.settings.vote_budget,
    className: "timer-minutes", "aria-label": t.budget });
  const flag = (name, label) => {
    const box = el("input", { type: "checkbox", checked: !!fac.settings[name],
      on: { change: (e) => send("settings.update", { [name]: e.target.checked }) } });
    return el("label", { className: "small" }, box, ` ${label}`);
  };
  return el("div", { className: "control-row" },
    el("label", { className: "small", textContent: `${t.budget} ` }), budget,
    button(t.save, () => send("settings.update", { vote_budget: Number(budget.value) })),
    flag("multi_dots", t.multi_dots), flag("everyone_groups", t.everyone_groups), flag("anonymous", t.anonymous));
}

function saveFormatForm() {
  const label = el("input", { maxLength: 120, placeholder: t.format_name, "aria-label": t.format_name });
  return el("form", { className: "control-row", on: { submit: (e) => {
    e.preventDefault();
    send("format.save", { label: label.value }, () => { label.value = ""; P.showError(t.format_saved); });
  } } }, label, el("button", { className: "button small", type: "submit", textContent: t.save_format }));
}

function suggestGroups() {
  send("groups.suggest", {}, (ack) => {
    const box = document.getElementById("suggestions");
    if (!box) return;
    if (!ack.suggestions.length) return box.replaceChildren(el("p", { className: "small muted", textContent: t.no_suggestion }));
    box.replaceChildren(...ack.suggestions.map((s) => {
      const texts = s.card_ids.map((id) => P.state.cards.get(id)?.text || "").join(" · ");
      const row = el("div", { className: "suggestion" }, el("span", { className: "small", textContent: texts }));
      row.append(button(t.accept, () => send("group.create", { card_ids: s.card_ids, name: s.name }, () => row.remove())),
        button(t.dismiss, () => row.remove(), "link small"));
      return row;
    }));
  });
}

// --- Timer ------------------------------------------------------------------------------------

function remainingSeconds() {
  const timer = fac.timer;
  if (!timer) return null;
  if (timer.ends_at) return Math.max(0, (timer.ends_at - (Date.now() + fac.skew)) / 1000);
  if (timer.paused) return timer.remaining;
  return null;
}

function tick() {
  const node = document.getElementById("timer");
  if (!node) return;
  const left = remainingSeconds();
  if (left === null) {
    node.textContent = "";
    node.hidden = true;
    return;
  }
  node.hidden = false;
  const s = Math.ceil(left);
  node.textContent = `${Math.floor(s / 60)}:${String(s % 60).padStart(2, "0")}${fac.timer.paused ? ` (${t.paused})` : ""}`;
  node.classList.toggle("timer-low", s <= 30);
  node.classList.toggle("timer-done", s === 0);
}
setInterval(tick, 250);

// --- Cards: arrangement, groups, decorations --------------------------------------------------

let arranging = false;
const observer = new MutationObserver(() => { if (!arranging) queueArrange(); });
observer.observe(columnsEl, { childList: true, subtree: true });
let queued = false;
function queueArrange() {
  if (queued) return;
  queued = true;
  queueMicrotask(() => { queued = false; arrange(); });
}

function noteOf(id) {
  return columnsEl.querySelector(`.note[data-card-id="${id}"]`);
}

function arrange() {
  if (!fac.ready) return;
  arranging = true;
  try {
    for (const section of columnsEl.querySelectorAll(".column")) arrangeColumn(section);
    showSpotlight(false);
  } finally {
    observer.takeRecords();
    arranging = false;
  }
}

function arrangeColumn(section) {
  const key = section.dataset.column;
  const list = section.querySelector(".notes");
  const groups = [...fac.groups.values()].filter((g) => g.column === key).sort((a, b) => a.id - b.id);
  for (const box of list.querySelectorAll(":scope > .group")) {
    if (!groups.some((g) => String(g.id) === box.dataset.groupId)) {
      box.querySelectorAll(".note").forEach((n) => list.appendChild(n));
      box.remove();
    }
  }
  const boxes = groups.map((group) => groupBox(list, group));
  groups.forEach((group, i) => {
    const inner = boxes[i].querySelector(".group-notes");
    reorder(inner, group.card_ids.map(noteOf).filter(Boolean));
    drawGroupHead(boxes[i], group);
  });
  const loose = [...P.state.cards.values()]
    .filter((c) => c.column === key && !(fac.place.get(c.id)?.group && fac.groups.has(fac.place.get(c.id).group)))
    .sort((a, b) => (fac.place.get(a.id)?.pos ?? 1e9) - (fac.place.get(b.id)?.pos ?? 1e9) || a.id - b.id);
  const pending = [...list.querySelectorAll(":scope > .note:not([data-card-id])")];
  reorder(list, [...boxes, ...byTable(list, key, loose), ...pending]);
  for (const note of section.querySelectorAll(".note[data-card-id]")) decorate(note);
  makeSortable(list, key, null);
  for (const inner of list.querySelectorAll(".group-notes")) makeSortable(inner, key, Number(inner.dataset.groupId));
}

// World café: in a round column, loose cards under a "Table n" heading each; during a round my table comes
// first, otherwise (harvest) every table in order.
function byTable(list, key, loose) {
  const notes = (cards) => cards.map((c) => noteOf(c.id)).filter(Boolean);
  const grouped = fac.tables.count && fac.tables.columns.includes(key);
  const heads = new Map([...list.querySelectorAll(":scope > .table-head")].map((h) => [h.dataset.table, h]));
  if (!grouped) {
    heads.forEach((h) => h.remove());
    return notes(loose);
  }
  const mine = fac.phase.by_table ? myTable() : null;
  const rank = (n) => (n === null || n === undefined ? 1e6 : n === mine ? -1 : n);
  const tables = [...new Set(loose.map((c) => c.table ?? null))].sort((a, b) => rank(a) - rank(b));
  const out = [];
  for (const table of tables) {
    const name = table === null ? "none" : String(table);
    const label = table === null ? t.no_table
      : `${fmt(t.table_n, { n: table })}${table === myTable() ? ` ${t.mine_table}` : ""}`;
    let head = heads.get(name);
    heads.delete(name);
    if (!head) head = el("h3", { className: "table-head small", dataset: { table: name, testid: "table-head" } });
    if (head.textContent !== label) head.textContent = label;
    head.classList.toggle("mine", table !== null && table === myTable());
    out.push(head, ...notes(loose.filter((c) => (c.table ?? null) === table)));
  }
  heads.forEach((h) => h.remove());
  return out;
}

function reorder(parent, desired) {
  const current = [...parent.children].filter((n) => desired.includes(n));
  if (current.length !== desired.length || desired.some((n, i) => current[i] !== n)) parent.append(...desired);
}

function groupBox(list, group) {
  let box = list.querySelector(`:scope > .group[data-group-id="${group.id}"]`);
  if (!box) {
    box = el("section", { className: "group", dataset: { groupId: group.id } },
      el("header", { className: "group-head" }), el("div", { className: "group-notes", dataset: { groupId: group.id } }));
  }
  box.classList.toggle("merge", group.kind === "merge");
  return box;
}

function drawGroupHead(box, group) {
  const head = box.querySelector(".group-head");
  if (fac.renaming === group.id) return;
  const signature = JSON.stringify([group.name, group.kind, dotsFor("group", group.id), fac.votes.revealed,
    allows("vote"), canGroup(), moderator()]);
  if (head.dataset.signature === signature) return;
  head.dataset.signature = signature;
  const name = el("h3", { className: "group-name", textContent: group.name || (group.kind === "merge" ? t.merged : t.unnamed) });
  const parts = [name];
  if (canGroup()) {
    parts.push(button(t.rename, () => renameGroup(head, group), "link small"));
  }
  if (moderator()) {
    parts.push(button(group.kind === "merge" ? t.unmerge : t.ungroup, () => send("group.delete", { id: group.id }), "link small"));
    parts.push(button(t.spotlight, () => send("spotlight.set", { kind: "group", id: group.id }), "link small"));
  }
  parts.push(voteWidget("group", group.id));
  head.replaceChildren(...parts.filter(Boolean));
}

function renameGroup(head, group) {
  const done = () => { fac.renaming = null; head.dataset.signature = ""; arrange(); };
  const input = el("input", { value: group.name, maxLength: 120, "aria-label": t.group_name,
    on: { keydown: (e) => { if (e.key === "Escape") done(); } } });
  const form = el("form", { className: "group-rename", on: { submit: (e) => {
    e.preventDefault();
    send("group.rename", { id: group.id, name: input.value }, done);
  } } }, input, el("button", { className: "button small", type: "submit", textContent: t.save }),
  button(t.cancel, done, "link small"));
  fac.renaming = group.id;
  head.replaceChildren(form);
  input.focus();
}

function dotsFor(kind, id) {
  if (fac.votes.revealed && fac.votes.results) {
    const list = kind === "card" ? fac.votes.results.cards : fac.votes.results.groups;
    return list.find((r) => r.id === id)?.dots || 0;
  }
  return fac.votes.mine.filter((v) => v.kind === kind && v.target_id === id).length;
}

function voteWidget(kind, id) {
  const dots = dotsFor(kind, id);
  if (fac.votes.revealed) {
    return dots ? el("span", { className: "dots revealed", textContent: `● ${dots}`, title: t.dots_received }) : null;
  }
  if (!allows("vote")) return null;
  const widget = el("span", { className: "dots" },
    el("span", { className: "my-dots", textContent: "●".repeat(dots), title: t.my_dots }));
  if (fac.votes.used < fac.votes.budget && (fac.settings.multi_dots || !dots)) {
    widget.append(button("+ ●", () => send("vote.cast", { kind, id }), "button small dot-add"));
  }
  if (dots) widget.append(button("− ●", () => send("vote.remove", { kind, id }), "link small"));
  return widget;
}

function decorate(note) {
  const id = Number(note.dataset.cardId);
  const card = P.state.cards.get(id);
  if (!card) return;
  const placeholder = card.private && card.text === undefined;
  note.classList.toggle("is-private", placeholder);
  if (placeholder) {
    note.querySelector(".note-text").textContent = t.private_card;
    note.querySelectorAll(".note-actions button").forEach((b) => { if (b.textContent === t.edit) b.remove(); });
  }
  const select = moderator() && !placeholder;
  const signature = JSON.stringify([card.text, placeholder, dotsFor("card", id), fac.votes.revealed, allows("vote"),
    allows("react"), fac.locked, fac.reactions.get(id), [...fac.myReactions].filter((k) => k.startsWith(`${id}:`)),
    [...fac.replies.values()].filter((r) => r.card_id === id), select && fac.selected.has(id)]);
  if (note.dataset.signature === signature) return;
  note.dataset.signature = signature;
  note.querySelector(".note-extra")?.remove();
  note.querySelector(".note-select")?.remove();
  if (select) {
    const box = el("input", { type: "checkbox", className: "note-select", checked: fac.selected.has(id),
      "aria-label": t.select, on: { change: (e) => {
        if (e.target.checked) fac.selected.add(id); else fac.selected.delete(id);
        drawBar();
      } } });
    note.prepend(box);
  }
  if (placeholder || card.hidden) return;
  const extra = el("div", { className: "note-extra" });
  const vote = voteWidget("card", id);
  if (vote) extra.append(vote);
  extra.append(reactionsElement(id));
  const replies = [...fac.replies.values()].filter((r) => r.card_id === id);
  if (replies.length) {
    extra.append(el("ul", { className: "replies" }, ...replies.map((r) => replyElement(r))));
  }
  if ((allows("react") && !fac.locked) || moderator()) extra.append(replyForm(id));
  if (moderator()) extra.append(button(t.spotlight, () => send("spotlight.set", { kind: "card", id }), "link small"));
  note.append(extra);
}

function reactionsElement(cardId) {
  const counts = fac.reactions.get(cardId) || {};
  const active = (allows("react") && !fac.locked) || moderator();
  return el("span", { className: "reactions" }, ...Object.entries(fac.kinds).map(([kind, serverLabel]) => {
    const label = t[`reaction_${kind}`] || serverLabel; // the page's language
    const n = counts[kind] || 0;
    if (!active && !n) return null;
    const mine = fac.myReactions.has(`${cardId}:${kind}`);
    const b = button(n ? `${label} ${n}` : label, () => send("reaction.toggle", { card_id: cardId, kind }),
      `reaction${mine ? " mine" : ""}`);
    b.disabled = !active;
    b.setAttribute("aria-pressed", mine ? "true" : "false");
    return b;
  }));
}

function replyElement(reply) {
  if (reply.hidden && reply.text === undefined) {
    return el("li", { className: "reply hidden-reply muted small", textContent: t.reply_hidden });
  }
  const li = el("li", { className: `reply small${reply.hidden ? " is-hidden" : ""}` },
    el("span", { textContent: reply.text }),
    reply.author ? el("span", { className: "muted", textContent: ` — ${reply.author}` }) : null);
  if (moderator()) {
    li.append(" ", button(reply.hidden ? t.show : t.hide,
      () => send("reply.hide", { id: reply.id, hidden: !reply.hidden }), "link small"));
  }
  return li;
}

function replyForm(cardId) {
  const details = el("details", { className: "reply-box" }, el("summary", { className: "small", textContent: t.reply }));
  const input = el("input", { maxLength: 280, placeholder: t.reply_placeholder, "aria-label": t.reply });
  const form = el("form", { on: { submit: (e) => {
    e.preventDefault();
    const text = input.value.trim();
    if (!text) return;
    send("reply.add", { card_id: cardId, client_id: newId(), text }, () => { input.value = ""; });
  } } }, input, el("button", { className: "button small", type: "submit", textContent: t.send }));
  details.append(form);
  return details;
}

function newId() {
  return (crypto.randomUUID ? crypto.randomUUID() : `${Date.now()}-${Math.random()}`).replace(/[^A-Za-z0-9-]/g, "");
}

// --- Drag and drop (SortableJS) ---------------------------------------------------------------

function makeSortable(list, column, groupId) {
  const enabled = canGroup();
  if (list.sortable) {
    list.sortable.option("disabled", !enabled);
    return;
  }
  if (!enabled) return;
  list.sortable = Sortable.create(list, {
    group: "cards",
    draggable: ".note[data-card-id]",
    filter: "button, input, textarea, select, summary, a",
    preventOnFilter: false,
    animation: 120,
    onStart: () => { arranging = true; },
    onEnd: (evt) => {
      arranging = false;
      const id = Number(evt.item.dataset.cardId);
      const to = evt.to;
      const toGroup = to.classList.contains("group-notes") ? Number(to.dataset.groupId) : null;
      const toColumn = to.closest(".column").dataset.column;
      const position = [...to.querySelectorAll(":scope > .note[data-card-id]")].indexOf(evt.item);
      send("card.move", { id, column: toColumn, group_id: toGroup, position }, null);
      queueArrange(); // until the event comes back, put things where the server last said
    },
  });
}

// --- Spotlight --------------------------------------------------------------------------------

function showSpotlight(scroll = true) {
  columnsEl.querySelectorAll(".spotlight").forEach((n) => n.classList.remove("spotlight"));
  const s = fac.spotlight;
  if (!s) return;
  const target = s.kind === "card" ? noteOf(s.id) : columnsEl.querySelector(`.group[data-group-id="${s.id}"]`);
  if (!target) return;
  target.classList.add("spotlight");
  if (scroll) target.scrollIntoView({ behavior: "smooth", block: "center", inline: "center" });
}

// --- Results ----------------------------------------------------------------------------------

function drawResults() {
  let panel = document.getElementById("results");
  if (!fac.votes.revealed || !fac.votes.results) {
    panel?.remove();
    return;
  }
  if (!panel) {
    panel = el("section", { id: "results", className: "results", dataset: { testid: "results" } });
    bar.after(panel);
  }
  const r = fac.votes.results;
  const cardRows = r.cards.slice(0, 10).map((row) => {
    const card = P.state.cards.get(row.id);
    return el("li", {}, el("strong", { textContent: `${row.dots} ● ` }), card?.text || "");
  });
  const groupRows = r.groups.slice(0, 10).map((row) => el("li", {},
    el("strong", { textContent: `${row.dots} ● ` }), row.name || t.unnamed));
  panel.replaceChildren(
    el("h2", { textContent: fmt(t.results_title, { n: r.total, voters: r.voters }) }),
    el("div", { className: "results-lists" },
      el("div", {}, el("h3", { textContent: t.by_card }), el("ol", {}, ...cardRows)),
      groupRows.length ? el("div", {}, el("h3", { textContent: t.by_group }), el("ol", {}, ...groupRows)) : null));
}

// --- Similar cards while typing ---------------------------------------------------------------

let similarTimer = null;
columnsEl.addEventListener("input", (e) => {
  const area = e.target;
  if (!(area instanceof HTMLTextAreaElement) || !area.closest(".composer")) return;
  clearTimeout(similarTimer);
  similarTimer = setTimeout(() => showSimilar(area), 400);
});

function showSimilar(area) {
  const form = area.closest(".composer");
  let box = form.querySelector(".similar");
  const text = area.value.trim();
  if (text.length < 4 || !P.state.joined) return box?.remove();
  P.socket.emit("card.similar", { text }, (ack) => {
    if (!ack || !ack.ok) return;
    if (!ack.similar.length) return box?.remove();
    if (!box) {
      box = el("div", { className: "similar small", role: "status" });
      area.after(box);
    }
    box.replaceChildren(el("p", { textContent: t.similar }),
      el("ul", {}, ...ack.similar.map((s) => el("li", { textContent: s.text }))));
  });
}
