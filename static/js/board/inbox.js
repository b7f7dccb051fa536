// Moderated mode (Klaxoon's controlled mode, Padlet's approval before posting). For the facilitator: the switch
// and the inbox of cards waiting for validation (accept, edit then accept, refuse). For participants: the notice
// under their composers and the "en attente de validation" mark on their own waiting cards. The server sends a
// waiting card to its author and to moderators only; accepting sends it to everyone (card.accepted).
import { button, el, fmt, reorder } from "./dom.js";
import { tr } from "./lang.js";
import { isModerator } from "./selectors.js";

const moderated = (state) => !!(state.workshop && state.workshop.moderated);
let notices = 0;

/** Whether a card goes in the columns of this screen: a waiting card is in the moderators' inbox instead. */
export const onBoard = (state, card) => !card.pending || !isModerator(state);

/** The author's mark on their own waiting card (card.js): no dots, reactions or replies until accepted. */
export function markWaiting(node, card, t) {
  if (!card.pending) return false;
  node.classList.add("is-waiting");
  node.dataset.waiting = "true";
  node.querySelector(".note-state").textContent = t.board.awaiting;
  return true;
}

/** The notice of a composer (columns.js), shown to participants while the board is moderated. */
export function composerNotice(t, area) {
  const id = `moderated-notice-${++notices}`;
  area.setAttribute("aria-describedby", id);
  return el("p", { id, className: "moderated-notice small", hidden: true, textContent: t.board.moderated_notice,
    dataset: { testid: "moderated-notice" } });
}

export function showNotice(notice, state) {
  notice.hidden = !moderated(state) || isModerator(state);
}

/** The facilitator's panel (#inbox): the switch, then the waiting cards, oldest first. */
export function mountInbox({ store, t }) {
  const panel = document.getElementById("inbox");
  const f = t.fac;
  const drafts = new Map(); // card id -> the text being edited
  const items = new Map(); // card id -> {signature, node}
  const deciding = new Set(); // card ids whose decision is on its way
  const list = el("ol", { className: "inbox-list", dataset: { testid: "inbox-list" } });
  const title = el("h2", { id: "inbox-title", tabIndex: -1 });
  const toggle = el("input", { type: "checkbox", id: "moderated-switch", dataset: { testid: "moderated-switch" },
    on: { change: () => store.act("board.moderate", { moderated: toggle.checked }, { fallback: f.failed }) } });
  const help = el("p", { className: "small muted" });
  const empty = el("p", { className: "small muted", textContent: f.inbox_empty });
  if (panel) {
    panel.append(el("div", { className: "inbox-head" }, title,
      el("label", { className: "inbox-switch", htmlFor: "moderated-switch" }, toggle, ` ${f.moderated}`)),
    help, empty, list);
  }
  store.subscribe((state, change) => {
    refused(state, change);
    draw(state);
  });
  draw(store.state);

  /** A participant whose waiting card was refused hears it once. */
  function refused(state, change) {
    if (isModerator(state) || !state.me) return;
    const mine = change.events.some((e) => e.type === "card.deleted" && e.data.card.refused
      && e.data.card.participant_id === state.me.id);
    if (mine) store.report({ code: "info", message: t.board.refused });
  }

  function draw(state) {
    if (!panel) return;
    panel.hidden = !isModerator(state) || !state.workshop;
    if (panel.hidden) return;
    const waiting = [...state.cards.values()].filter((c) => c.pending).sort((a, b) => a.id - b.id);
    const on = moderated(state);
    toggle.checked = on;
    panel.classList.toggle("is-on", on);
    title.textContent = waiting.length ? fmt(f.inbox_title, { n: waiting.length }) : f.moderated_mode;
    help.textContent = on ? f.inbox_help : waiting.length ? f.inbox_off_waiting : f.moderated_help;
    empty.hidden = !on || waiting.length > 0;
    const keep = new Set(waiting.map((c) => c.id));
    for (const id of items.keys()) if (!keep.has(id)) items.delete(id);
    for (const id of drafts.keys()) if (!keep.has(id)) drafts.delete(id);
    reorder(list, waiting.map((card) => item(state, card)));
  }

  function item(state, card) {
    const column = state.columns.find((c) => c.key === card.column);
    const signature = JSON.stringify([card, column && column.label, drafts.has(card.id), deciding.has(card.id)]);
    const known = items.get(card.id);
    if (known && known.signature === signature) return known.node;
    const node = el("li", { className: "inbox-item", dataset: { cardId: card.id, testid: "inbox-item" } });
    if (column) node.style.setProperty("--note", column.color);
    const meta = el("p", { className: "inbox-meta small" },
      el("strong", { textContent: column ? tr(column.label) : card.column }),
      card.author ? ` · ${card.author}` : "");
    // Silent writing: even the facilitator reads a private card only once the cards are revealed.
    const text = card.text === undefined ? f.private_card : card.text;
    node.append(meta, drafts.has(card.id) ? editor(card) : el("p", { className: "inbox-text", dir: "auto",
      textContent: text }), actions(card));
    items.set(card.id, { signature, node });
    return node;
  }

  function editor(card) {
    const id = `inbox-edit-${card.id}`;
    const area = el("textarea", { id, maxLength: 500, rows: 3, dir: "auto", value: drafts.get(card.id),
      dataset: { testid: "inbox-edit" },
      on: { input: () => drafts.set(card.id, area.value),
        keydown: (e) => { if (e.key === "Enter" && (e.ctrlKey || e.metaKey)) decide(card, "card.accept"); } } });
    return el("div", { className: "inbox-editor" }, el("label", { htmlFor: id, className: "small",
      textContent: f.inbox_text }), area);
  }

  function actions(card) {
    const busy = deciding.has(card.id);
    const editing = drafts.has(card.id);
    const make = (label, action, name, className) => {
      const b = button(label, action, className);
      b.dataset.action = name;
      b.disabled = busy;
      return b;
    };
    const parts = editing
      ? [make(f.accept_edited, () => decide(card, "card.accept"), "accept", "button small primary"),
        make(t.board.cancel, () => { drafts.delete(card.id); draw(store.state); focusOn(card.id, "edit"); },
          "cancel", "button small")]
      : [make(f.accept_card, () => decide(card, "card.accept"), "accept", "button small primary"),
        card.text === undefined ? null : make(f.edit_card, () => edit(card), "edit", "button small")];
    parts.push(make(f.refuse_card, () => confirm(f.confirm_refuse) && decide(card, "card.reject"), "refuse",
      "button small danger"));
    return el("div", { className: "inbox-actions" }, ...parts.filter(Boolean));
  }

  function edit(card) {
    drafts.set(card.id, card.text);
    draw(store.state);
    panel.querySelector(`#inbox-edit-${card.id}`)?.focus();
  }

  function decide(card, event) {
    const payload = { id: card.id };
    if (event === "card.accept" && drafts.has(card.id)) payload.text = drafts.get(card.id).trim();
    const next = [...list.children].map((n) => Number(n.dataset.cardId)).find((id) => id > card.id);
    deciding.add(card.id);
    draw(store.state);
    store.act(event, payload, { fallback: f.failed, clear: true }).then((ack) => {
      deciding.delete(card.id);
      if (ack && ack.ok) drafts.delete(card.id);
      draw(store.state);
      if (ack && ack.ok) focusOn(next, "accept") || title.focus();
      else focusOn(card.id, "accept");
    });
  }

  /** Keyboard users stay in the inbox: focus goes to the next waiting card once one is decided. */
  function focusOn(id, action) {
    const target = id && panel.querySelector(`.inbox-item[data-card-id="${id}"] [data-action="${action}"]`);
    if (target) target.focus();
    return !!target;
  }
}
