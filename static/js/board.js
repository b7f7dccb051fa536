// The live board: joins over Socket.IO, draws columns and cards, applies events in seq order,
// catches up after a drop (resync) and sends cards typed offline from the outbox, once.
import { io } from "../vendor/socket.io.esm.min.js";
import { Outbox, newClientId } from "./outbox.js";

const root = document.getElementById("board");
const code = root.dataset.code;
const t = JSON.parse(document.getElementById("board-i18n").textContent);
const fmt = (s, n) => s.replace("{n}", n);
const tokenKey = `passerelles:token:${code}`;
const nameKey = "passerelles:name";
const outbox = new Outbox(`passerelles:outbox:${code}`);

const state = {
  me: null,
  joined: false,
  seq: null,
  columns: [],
  cards: new Map(), // id -> card
  workshop: null,
  gapTimer: null,
  retryTimer: null,
  sending: new Set(),
};

const socket = io("/board", { transports: ["websocket", "polling"], reconnectionDelayMax: 4000 });
const els = {
  columns: document.getElementById("columns"),
  connection: document.getElementById("connection"),
  presenceCount: document.getElementById("presence-count"),
  presenceNames: document.getElementById("presence-names"),
  error: document.getElementById("board-error"),
  status: document.getElementById("workshop-status"),
  toggle: document.getElementById("toggle-status"),
  dialog: document.getElementById("name-dialog"),
  nameForm: document.getElementById("name-form"),
  nameInput: document.getElementById("name-input"),
  nameError: document.getElementById("name-error"),
  template: document.getElementById("card-template"),
};

// --- Connection -------------------------------------------------------------------------------

socket.on("connect", () => {
  state.joined = false;
  // A facilitator's session cookie is enough: the server knows them, no name to ask.
  if (localStorage.getItem(tokenKey) || state.me || root.dataset.moderator === "true") join();
  else askName();
  showConnection();
});

socket.on("disconnect", () => {
  state.joined = false;
  state.sending.clear();
  socket.sendBuffer = []; // the outbox resends on reconnect; nothing else should
  showConnection();
});

socket.io.on("reconnect_attempt", showConnection);

socket.on("event", (event) => receive(event));
socket.on("events", (events) => events.forEach(receive)); // high-rate events (dots) come in batches
socket.on("presence", (p) => showPresence(p));

function join(name) {
  const payload = { code, token: localStorage.getItem(tokenKey) || undefined };
  if (name) payload.name = name;
  if (state.seq !== null) payload.since = state.seq;
  socket.emit("join", payload, (ack) => {
    if (!ack || !ack.ok) return joinFailed(ack && ack.error);
    state.me = ack.participant;
    state.joined = true;
    if (ack.participant.token) localStorage.setItem(tokenKey, ack.participant.token);
    if (ack.state) loadState(ack.state, ack.seq);
    else if (ack.events) ack.events.forEach(receive);
    if (ack.presence) showPresence(ack.presence);
    els.dialog.open && els.dialog.close();
    hideError();
    showConnection();
    flushOutbox();
    document.dispatchEvent(new CustomEvent("board:joined", { detail: ack }));
  });
}

function joinFailed(error) {
  if (!error) return;
  if (error.code === "invalid" && error.field === "name") return askName(error.message);
  if (error.field === "token" || error.code === "not_found") localStorage.removeItem(tokenKey);
  showError(error.code === "not_found" ? t.not_found : error.message);
  if (error.code === "invalid") askName(error.message);
}

function askName(message) {
  els.nameInput.value = els.nameInput.value || localStorage.getItem(nameKey) || "";
  els.nameError.hidden = !message;
  els.nameError.textContent = message || "";
  if (!els.dialog.open) els.dialog.showModal();
  els.nameInput.focus();
}

els.nameForm.addEventListener("submit", (e) => {
  e.preventDefault();
  const name = els.nameInput.value.trim();
  if (!name) return askName(t.empty);
  localStorage.setItem(nameKey, name);
  join(name);
});

function showConnection() {
  const waiting = outbox.size;
  let text;
  let status;
  if (socket.connected && state.joined) {
    status = waiting ? "sending" : "online";
    text = waiting ? `${t.online} · ${fmt(t.waiting, waiting)}` : t.online;
  } else if (socket.connected) {
    status = "connecting";
    text = t.connecting;
  } else {
    status = "offline";
    text = waiting ? `${t.offline} ${fmt(t.waiting, waiting)}` : t.offline;
  }
  els.connection.dataset.state = status;
  els.connection.dataset.waiting = waiting;
  els.connection.textContent = text;
}

// --- Events and state -------------------------------------------------------------------------

function loadState(snapshot, seq) {
  state.workshop = snapshot.workshop;
  state.columns = snapshot.columns;
  state.cards = new Map(snapshot.cards.map((c) => [c.id, c]));
  state.seq = seq;
  state.snapshot = snapshot; // plugins read their part of a fresh state (board:state)
  render();
  document.dispatchEvent(new CustomEvent("board:state", { detail: snapshot }));
}

function receive(event) {
  if (state.seq === null || event.seq <= state.seq) return;
  if (event.seq > state.seq + 1) return scheduleResync();
  apply(event);
  state.seq = event.seq;
}

function scheduleResync() {
  if (state.gapTimer) return;
  // An event may overtake another between two server processes: wait a moment, then ask.
  state.gapTimer = setTimeout(() => {
    state.gapTimer = null;
    socket.emit("resync", { since: state.seq }, (ack) => {
      if (!ack || !ack.ok) return;
      if (ack.state) loadState(ack.state, ack.seq);
      else ack.events.forEach(receive);
    });
  }, 300);
}

function apply(event) {
  const data = event.data || {};
  switch (event.type) {
    case "card.added":
    case "card.updated":
    case "card.shown":
    case "card.hidden":
      if (data.card.hidden && data.card.text === undefined) removeCard(data.card.id);
      else upsertCard(data.card);
      break;
    case "card.deleted":
      removeCard(data.card.id);
      break;
    case "workshop.closed":
    case "workshop.reopened":
      state.workshop.status = data.status;
      renderStatus();
      break;
    default:
      break; // handled by plugins below; the seq still advances
  }
  document.dispatchEvent(new CustomEvent("board:event", { detail: event }));
}

function upsertCard(card) {
  state.cards.set(card.id, card);
  const el = els.columns.querySelector(`[data-card-id="${card.id}"]`) ||
    els.columns.querySelector(`[data-client-id="${CSS.escape(card.client_id)}"]`);
  const fresh = cardElement(card);
  const list = listFor(card.column);
  if (el) {
    if (el.parentElement === list) el.replaceWith(fresh);
    else { el.remove(); list.appendChild(fresh); }
  } else if (list) list.appendChild(fresh);
  updateCounts();
}

function removeCard(id) {
  state.cards.delete(id);
  els.columns.querySelector(`[data-card-id="${id}"]`)?.remove();
  updateCounts();
}

// --- Rendering --------------------------------------------------------------------------------

function render() {
  els.columns.replaceChildren(...state.columns.map(columnElement));
  for (const card of state.cards.values()) listFor(card.column)?.appendChild(cardElement(card));
  for (const item of outbox.items) {
    if (![...state.cards.values()].some((c) => c.client_id === item.client_id)) {
      listFor(item.column)?.appendChild(cardElement(item, true));
    }
  }
  renderStatus();
  updateCounts();
}

function columnElement(column) {
  const section = document.createElement("section");
  section.className = "column";
  section.dataset.column = column.key;
  section.style.setProperty("--note", column.color);
  const head = document.createElement("header");
  const title = document.createElement("h2");
  title.textContent = column.label;
  const count = document.createElement("span");
  count.className = "count";
  head.append(title, count);
  const prompt = document.createElement("p");
  prompt.className = "column-prompt";
  prompt.textContent = column.prompt || "";
  const list = document.createElement("div");
  list.className = "notes";
  section.append(head, prompt, list, composer(column));
  return section;
}

function composer(column) {
  const form = document.createElement("form");
  form.className = "composer";
  const area = document.createElement("textarea");
  area.name = "text";
  area.maxLength = 500;
  area.rows = 2;
  area.placeholder = t.placeholder;
  area.setAttribute("aria-label", `${column.label} : ${t.placeholder}`);
  const button = document.createElement("button");
  button.type = "submit";
  button.className = "button primary";
  button.textContent = t.add;
  const error = document.createElement("p");
  error.className = "field-error";
  error.hidden = true;
  form.append(area, error, button);
  area.addEventListener("keydown", (e) => {
    if (e.key === "Enter" && (e.ctrlKey || e.metaKey)) form.requestSubmit();
  });
  form.addEventListener("submit", (e) => {
    e.preventDefault();
    const text = area.value.trim();
    error.hidden = true;
    if (!text) return showFieldError(error, t.empty);
    if (text.length > 500) return showFieldError(error, t.too_long);
    const item = { client_id: newClientId(), column: column.key, text };
    outbox.add(item);
    area.value = "";
    listFor(column.key).appendChild(cardElement(item, true));
    updateCounts();
    showConnection();
    send(item);
  });
  return form;
}

function showFieldError(el, message) {
  el.textContent = message;
  el.hidden = false;
}

function cardElement(card, pending = false) {
  const el = els.template.content.firstElementChild.cloneNode(true);
  el.dataset.clientId = card.client_id;
  if (card.id) el.dataset.cardId = card.id;
  el.querySelector(".note-text").textContent = card.text;
  const mine = pending || (state.me && card.participant_id === state.me.id);
  el.querySelector(".note-author").textContent = mine ? t.you : (card.author || "");
  if (pending) {
    el.classList.add("pending");
    el.querySelector(".note-state").textContent = t.pending;
  } else if (card.hidden) {
    el.classList.add("is-hidden");
    el.querySelector(".note-state").textContent = t.hidden;
  }
  if (!pending) addActions(el, card, mine);
  return el;
}

function addActions(el, card, mine) {
  const actions = el.querySelector(".note-actions");
  const moderator = state.me && state.me.role === "facilitator";
  const button = (label, handler) => {
    const b = document.createElement("button");
    b.type = "button";
    b.className = "link small";
    b.textContent = label;
    b.addEventListener("click", handler);
    actions.appendChild(b);
  };
  if (mine || moderator) button(t.edit, () => editCard(el, card));
  if (moderator) button(card.hidden ? t.show : t.hide, () => act("card.hide", { id: card.id, hidden: !card.hidden }));
  if (mine || moderator) {
    button(t.delete, () => { if (confirm(t.confirm_delete)) act("card.delete", { id: card.id }); });
  }
}

function editCard(el, card) {
  const area = document.createElement("textarea");
  area.value = card.text;
  area.maxLength = 500;
  const save = document.createElement("button");
  save.className = "button small primary";
  save.textContent = t.save;
  const cancel = document.createElement("button");
  cancel.className = "button small";
  cancel.textContent = t.cancel;
  const form = document.createElement("form");
  form.className = "note-edit";
  form.append(area, save, cancel);
  cancel.type = "button";
  cancel.addEventListener("click", () => el.replaceWith(cardElement(card)));
  form.addEventListener("submit", (e) => {
    e.preventDefault();
    act("card.update", { id: card.id, text: area.value }, () => el.replaceWith(cardElement(card)));
  });
  el.querySelector(".note-text").replaceWith(form);
  area.focus();
}

function act(event, payload, onFail) {
  socket.emit(event, payload, (ack) => {
    if (ack && ack.ok) {
      if (ack.card) upsertCard(ack.card);
      hideError();
    } else {
      showError(ack && ack.error ? ack.error.message : t.offline);
      onFail && onFail();
    }
  });
}

function listFor(columnKey) {
  return els.columns.querySelector(`[data-column="${CSS.escape(columnKey)}"] .notes`);
}

function updateCounts() {
  for (const section of els.columns.querySelectorAll(".column")) {
    section.querySelector(".count").textContent = section.querySelectorAll(".note").length;
  }
}

function renderStatus() {
  if (!state.workshop) return;
  const closed = state.workshop.status === "closed";
  els.status.hidden = false;
  els.status.className = `status status-${state.workshop.status}`;
  els.status.textContent = closed ? t.status_closed : t.status_open;
  root.classList.toggle("is-closed", closed);
  for (const form of els.columns.querySelectorAll(".composer")) {
    form.querySelector("button").disabled = closed;
    form.querySelector("textarea").disabled = closed;
  }
  if (closed) showError(t.closed);
  if (els.toggle) {
    els.toggle.hidden = false;
    els.toggle.textContent = closed ? t.reopen : t.close;
    els.toggle.onclick = () => act(closed ? "workshop.reopen" : "workshop.close", {});
  }
}

function showPresence(p) {
  els.presenceCount.textContent = p.count === 1 ? t.people_one : fmt(t.people_many, p.count);
  els.presenceNames.replaceChildren(...p.names.map((name) => {
    const li = document.createElement("li");
    li.textContent = name;
    return li;
  }));
}

function showError(message) {
  els.error.textContent = message;
  els.error.hidden = false;
}

function hideError() {
  if (state.workshop?.status !== "closed") els.error.hidden = true;
}

// --- Sending ----------------------------------------------------------------------------------

function flushOutbox() {
  for (const item of outbox.items) send(item);
}

function send(item) {
  if (!socket.connected || !state.joined || state.sending.has(item.client_id)) return;
  state.sending.add(item.client_id);
  socket.emit("card.add", item, (ack) => {
    state.sending.delete(item.client_id);
    if (ack && ack.ok) {
      outbox.remove(item.client_id);
      upsertCard(ack.card);
    } else if (ack && ack.error.code === "rate_limited") {
      clearTimeout(state.retryTimer);
      state.retryTimer = setTimeout(flushOutbox, 3000);
      showError(ack.error.message);
    } else if (ack) {
      // Refused for good (closed workshop, bad column...): give the text back to its author.
      outbox.remove(item.client_id);
      els.columns.querySelector(`[data-client-id="${CSS.escape(item.client_id)}"]`)?.remove();
      const area = listFor(item.column)?.parentElement.querySelector(".composer textarea");
      if (area && !area.value) area.value = item.text;
      showError(ack.error.message);
      updateCounts();
    }
    showConnection();
  });
}

window.addEventListener("online", () => socket.connected || socket.connect());

// Other page modules (practices, facilitation...) plug in through this and the board:* DOM events.
window.passerelles = { socket, state, act, render, showError };
