// Practice repository on the live board (plugin of board.js through window.passerelles and board:* events):
// - every card that became a practice sheet shows a link to it, live for everyone;
// - the facilitator ticks cards (or whole groups) and turns them into a pre-filled sheet;
// - an obstacle card shows, on demand, published sheets that helped elsewhere; the facilitator pins one.
// All user text goes through textContent.

const root = document.getElementById("board");
const panel = document.getElementById("practice-board");
const t = JSON.parse(document.getElementById("practices-i18n").textContent);
const columnsEl = document.getElementById("columns");
const code = root.dataset.code;

const state = {
  byCard: new Map(), // card id -> [{id, title, url}]
  pins: new Map(), // practice id -> {practice, card_id}
  selected: new Set(), // card ids
  selectedGroups: new Set(),
  lastCreated: null,
};

const board = () => window.passerelles;
const isModerator = () => board()?.state.me?.role === "facilitator";

function el(tag, props = {}, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(props)) {
    if (key === "dataset") Object.assign(node.dataset, value);
    else node[key] = value;
  }
  node.append(...children);
  return node;
}

// --- Links between cards and sheets -------------------------------------------------------------

function linkPractice(practice, cardIds) {
  for (const id of cardIds) {
    const list = state.byCard.get(id) || [];
    if (!list.some((p) => p.id === practice.id)) list.push(practice);
    state.byCard.set(id, list);
  }
}

async function loadLinks() {
  try {
    const response = await fetch(`/api/ateliers/${encodeURIComponent(code)}/fiches`, { credentials: "same-origin" });
    if (!response.ok) return;
    const data = await response.json();
    state.byCard.clear();
    state.pins.clear();
    for (const p of data.practices) linkPractice(p, p.card_ids);
    for (const pin of data.pins) state.pins.set(pin.practice.id, pin);
    decorateAll();
    renderPanel();
  } catch {
    /* offline: the next board:joined retries */
  }
}

// --- Cards -----------------------------------------------------------------------------------------

function decorate(note) {
  const id = Number(note.dataset.cardId);
  if (!id) return;
  note.querySelector(".practice-links")?.remove();
  note.querySelector(".practice-tools")?.remove();
  const links = state.byCard.get(id) || [];
  if (links.length) {
    note.append(el("p", { className: "practice-links small" }, t.became, " ",
      ...links.flatMap((p, i) => [i ? ", " : "", el("a", { href: p.url, textContent: p.title, target: "_blank" })])));
  }
  const tools = el("div", { className: "practice-tools" });
  if (isModerator()) {
    const box = el("input", { type: "checkbox", className: "practice-select", checked: state.selected.has(id) });
    box.setAttribute("aria-label", t.select);
    box.addEventListener("change", () => {
      if (box.checked) state.selected.add(id);
      else state.selected.delete(id);
      renderPanel();
    });
    tools.append(el("label", { className: "small" }, box, " ", t.select_short));
  }
  if (note.closest("[data-column]")?.dataset.column === "obstacle") {
    const ask = el("button", { type: "button", className: "link small", textContent: t.elsewhere });
    ask.addEventListener("click", () => suggest(id, note));
    tools.append(ask);
  }
  if (tools.childElementCount) note.append(tools);
}

function decorateAll() {
  columnsEl.querySelectorAll(".note[data-card-id]").forEach(decorate);
  columnsEl.querySelectorAll(".group[data-group-id]").forEach(decorateGroup);
}

function decorateGroup(group) {
  if (!isModerator()) return;
  const head = group.querySelector(".group-head");
  if (!head || head.querySelector(".practice-group-select")) return;
  const id = Number(group.dataset.groupId);
  const box = el("input", { type: "checkbox", className: "practice-group-select", checked: state.selectedGroups.has(id) });
  box.setAttribute("aria-label", t.select_group);
  box.addEventListener("change", () => {
    if (box.checked) state.selectedGroups.add(id);
    else state.selectedGroups.delete(id);
    renderPanel();
  });
  head.append(box);
}

function suggest(cardId, note) {
  note.querySelector(".practice-suggestions")?.remove();
  const box = el("div", { className: "practice-suggestions small", textContent: t.searching });
  note.append(box);
  board().socket.emit("practice.suggest", { card_id: cardId }, (ack) => {
    box.replaceChildren();
    if (!ack || !ack.ok) return (box.textContent = ack?.error?.message || t.error);
    if (!ack.practices.length) return (box.textContent = t.nothing);
    box.append(el("strong", { textContent: t.helped }));
    for (const p of ack.practices) {
      const item = el("div", { className: "practice-suggestion" },
        el("a", { href: p.url, target: "_blank", textContent: p.title }),
        el("p", { className: "muted", textContent: stripMarks(p.excerpt) }));
      if (isModerator() && !state.pins.has(p.id)) {
        const pin = el("button", { type: "button", className: "button small", textContent: t.pin });
        pin.addEventListener("click", () => act("practice.pin", { practice_id: p.id, card_id: cardId }));
        item.append(pin);
      }
      box.append(item);
    }
    const close = el("button", { type: "button", className: "link small", textContent: t.close });
    close.addEventListener("click", () => box.remove());
    box.append(close);
  });
}

function stripMarks(html) {
  // Excerpts come escaped with <mark> around matches; show them as plain text.
  const doc = new DOMParser().parseFromString(html || "", "text/html");
  return doc.body.textContent || "";
}

function act(event, payload, done) {
  board().socket.emit(event, payload, (ack) => {
    if (!ack || !ack.ok) return board().showError(ack?.error?.message || t.error);
    done && done(ack);
  });
}

// --- Panel: pinned sheets, and the facilitator's "create a sheet" bar --------------------------

function renderPanel() {
  const parts = [];
  if (state.pins.size) {
    const list = el("ul", { className: "practice-pins" });
    for (const { practice } of state.pins.values()) {
      const item = el("li", {}, el("a", { href: practice.url, target: "_blank", textContent: practice.title }));
      if (practice.excerpt) item.append(el("p", { className: "muted small", textContent: practice.excerpt }));
      if (isModerator()) {
        const unpin = el("button", { type: "button", className: "link small", textContent: t.unpin });
        unpin.addEventListener("click", () => act("practice.unpin", { practice_id: practice.id }));
        item.append(unpin);
      }
      list.append(item);
    }
    parts.push(el("h2", { textContent: t.pinned }), list);
  }
  if (isModerator()) {
    const count = state.selected.size + state.selectedGroups.size;
    const title = el("input", { type: "text", maxLength: 200, placeholder: t.title_placeholder, id: "practice-title" });
    title.setAttribute("aria-label", t.title_placeholder);
    const create = el("button", { type: "submit", className: "button primary small", textContent: t.create,
      disabled: count === 0 });
    const form = el("form", { className: "practice-create" },
      el("span", { className: "small", textContent: count ? t.selected.replace("{n}", count) : t.hint }), title, create);
    form.addEventListener("submit", (e) => {
      e.preventDefault();
      act("practice.create", { card_ids: [...state.selected], group_ids: [...state.selectedGroups],
        title: title.value.trim() || undefined }, (ack) => {
        state.selected.clear();
        state.selectedGroups.clear();
        decorateAll();
        state.lastCreated = ack.practice;
        renderPanel();
      });
    });
    parts.push(form);
    if (state.lastCreated) {
      parts.push(el("p", { className: "small", role: "status" }, t.created, " ",
        el("a", { href: `${state.lastCreated.url}/modifier`, target: "_blank", textContent: state.lastCreated.title })));
    }
  }
  panel.replaceChildren(...parts);
  panel.hidden = parts.length === 0;
}

// --- Wiring ----------------------------------------------------------------------------------------

document.addEventListener("board:joined", () => loadLinks());
document.addEventListener("board:event", (e) => {
  const { type, data } = e.detail;
  if (type === "practice.created") {
    linkPractice(data.practice, data.card_ids);
    data.card_ids.forEach((id) => {
      const note = columnsEl.querySelector(`.note[data-card-id="${id}"]`);
      if (note) decorate(note);
    });
  } else if (type === "practice.pinned") {
    state.pins.set(data.practice.id, data);
    renderPanel();
  } else if (type === "practice.unpinned") {
    state.pins.delete(data.practice_id);
    renderPanel();
  }
});
// board.js redraws cards on every change: decorate whatever it adds.
new MutationObserver((mutations) => {
  for (const m of mutations) {
    for (const node of m.addedNodes) {
      if (!(node instanceof HTMLElement)) continue;
      if (node.matches(".note[data-card-id]")) decorate(node);
      node.querySelectorAll?.(".note[data-card-id]").forEach((n) => { if (!n.querySelector(".practice-tools, .practice-links")) decorate(n); });
      if (node.matches(".group[data-group-id]")) decorateGroup(node);
    }
  }
}).observe(columnsEl, { childList: true, subtree: true });
