// The card view: one note of the board (its text first, then author, sent/waiting mark, the "⋯" menu of its
// actions, the edit form), with the facilitation parts (card-extras.js) and the practice parts (links to sheets,
// "elsewhere, this helped"). A card is drawn again only when what it shows changed, so a half-typed reply or an
// open list of suggestions stays. In the facilitator's selection mode (selection.js) a tap ticks the card.
import { button, el, fmt, labels } from "./dom.js";
import { createExtras, extrasSignature } from "./card-extras.js";
import { cardMenu } from "./card-menu.js";
import { markWaiting } from "./inbox.js";
import { selectBox, toggleSelected } from "./selection.js";
import { isModerator } from "./selectors.js";

const languageNames = labels("language-names"); // each language in its own name (workshop/i18n.py)

export function createCards({ store, t, refresh, speech }) {
  const template = document.getElementById("card-template");
  const drafts = new Map(); // "edit:<id>" -> text being edited, "reply:<id>" -> {open, text}
  const suggestions = new Map(); // card id -> the open "elsewhere" box
  const cache = new Map(); // key -> {signature, node}
  const extras = createExtras({ store, t: t.fac, drafts });
  const reported = new Set(); // ids of the cards this screen reported (said once, on this note)
  let openMenu = null; // the card whose "⋯" menu is open (one at a time)
  document.addEventListener("click", (e) => {
    if (openMenu !== null && !e.target.closest(".note-menu")) toggleMenu(openMenu, false, false);
  });

  /** The note of a card (or of a pending outbox item), reused while nothing it shows has changed. */
  function element(state, card, pending = false) {
    const key = pending ? `p:${card.client_id}` : card.id;
    const signature = JSON.stringify(pending ? [card] : signatureOf(state, card));
    const known = cache.get(key);
    if (known && known.signature === signature) return known.node;
    const node = draw(state, card, pending);
    cache.set(key, { signature, node });
    return node;
  }

  function signatureOf(state, card) {
    const links = state.practices.byCard.get(card.id) || [];
    return [card, state.me && state.me.id, isModerator(state), drafts.has(`edit:${card.id}`),
      drafts.has(`report:${card.id}`), reported.has(card.id),
      extrasSignature(state, card.id), links.map((p) => p.id), state.practices.pins.size, openMenu === card.id,
      state.ui.selecting, state.ui.selected.has(card.id), state.ui.prereading];
  }

  /** Forget the notes of cards that left the board. */
  function prune(keep) {
    for (const key of cache.keys()) if (!keep.has(key)) cache.delete(key);
  }

  function draw(state, card, pending) {
    const node = template.content.firstElementChild.cloneNode(true);
    const mine = pending || (state.me && card.participant_id === state.me.id);
    // Someone else's silent writing: a place only; the facilitator, who receives its text, reads it on demand.
    const placeholder = !pending && card.private && !mine;
    const preread = placeholder && card.text !== undefined && state.ui.prereading;
    node.dataset.clientId = card.client_id;
    if (card.id) node.dataset.cardId = card.id;
    node.classList.toggle("is-private", placeholder);
    node.querySelector(".note-text").textContent = placeholder && !preread ? t.fac.private_card : card.text;
    node.querySelector(".note-author").textContent = mine ? t.board.you : (card.author || "");
    const mark = node.querySelector(".note-state");
    if (pending) {
      node.classList.add("pending");
      mark.textContent = t.board.pending;
      return node;
    }
    if (mine) { // delivered: the server has it (an undelivered card is drawn from the outbox, above)
      node.classList.add("is-sent");
      mark.textContent = t.board.sent;
    }
    if (card.hidden) {
      node.classList.add("is-hidden");
      node.querySelector(".note-state").textContent = t.board.hidden;
    }
    if (preread) mark.textContent = t.fac.private_card;
    if (!placeholder) node.querySelector(".note-actions").append(speech.readButton(t.board.read, () => card.text));
    const waiting = markWaiting(node, card, t); // moderated mode: on the author's screen only, until accepted
    actions(state, node, card, mine, placeholder);
    if (card.language && isModerator(state)) node.querySelector(".note-meta").prepend(languageTag(card.language));
    if (drafts.has(`edit:${card.id}`)) node.querySelector(".note-text").replaceWith(editForm(card));
    if (drafts.has(`report:${card.id}`)) node.append(reportForm(card));
    if (reported.has(card.id)) node.querySelector(".note-state").textContent = t.board.report_sent;
    if (!placeholder || preread) selectable(state, node, card.id); // pre-read silent writing is grouped too
    node.append(...practiceParts(state, card));
    if (state.fac && !placeholder && !card.hidden && !waiting) node.append(extras.cardExtras(state, card));
    return node;
  }

  /** The card's actions, behind its "⋯" button. */
  function actions(state, node, card, mine, placeholder) {
    const moderator = isModerator(state);
    const items = [];
    const action = (name, label, run) => items.push({ name, label, run });
    if ((mine || moderator) && !placeholder) action("edit", t.board.edit, () => edit(card.id, card.text));
    if (moderator) {
      action(card.hidden ? "show" : "hide", card.hidden ? t.board.show : t.board.hide,
        () => store.act("card.hide", { id: card.id, hidden: !card.hidden }, { clear: true }));
    }
    if (moderator && state.fac && !placeholder && !card.hidden) {
      action("spotlight", t.fac.spotlight, () => store.act("spotlight.set", { kind: "card", id: card.id },
        { fallback: t.fac.failed }));
    }
    if (card.column === "obstacle" && !placeholder) action("elsewhere", t.practices.elsewhere, () => suggest(card.id));
    if (state.me && !mine && !moderator && !placeholder && !card.hidden && !reported.has(card.id)) {
      action("report", t.board.report, () => { drafts.set(`report:${card.id}`, ""); refresh(); });
    }
    if (mine || moderator) {
      action("delete", t.board.delete, () => {
        if (confirm(t.board.confirm_delete)) store.act("card.delete", { id: card.id }, { clear: true });
      });
    }
    if (!items.length) return;
    node.classList.toggle("menu-open", openMenu === card.id);
    node.querySelector(".note-actions").append(cardMenu({ id: card.id, label: t.board.card_menu, items,
      open: openMenu === card.id, toggle: (open, refocus = true) => toggleMenu(card.id, open, refocus) }));
  }

  function toggleMenu(id, open, refocus) {
    openMenu = open ? id : null;
    refresh();
    const key = open ? `menu:${id}:0` : `menu:${id}`;
    if (open || refocus) document.querySelector(`[data-focus-key="${key}"]`)?.focus();
  }

  /** Selection mode: the card's one tick box, and a tap anywhere on the card (but its controls) ticks it. */
  function selectable(state, node, id) {
    const box = selectBox(store, state, "card", id, t.fac.select_card);
    if (!box) return;
    node.classList.add("is-selectable");
    node.classList.toggle("is-selected", state.ui.selected.has(id));
    node.prepend(box);
    node.addEventListener("click", (e) => {
      if (e.target.closest("button, a, input, textarea, select, summary, label, form")) return;
      toggleSelected(store, "card", id);
    });
  }

  /** Moderators see the language a card was written in (its catalog name in its own script, its code shown). */
  function languageTag(code) {
    const name = languageNames[code] || code;
    return el("span", { className: "note-language", title: fmt(t.board.card_language, { language: name }),
      dataset: { testid: "card-language", language: code }, textContent: code });
  }

  function edit(id, text) {
    drafts.set(`edit:${id}`, text);
    refresh();
    document.querySelector(`[data-focus-key="edit:${id}"]`)?.focus();
  }

  function editForm(card) {
    const key = `edit:${card.id}`;
    const done = () => { drafts.delete(key); refresh(); };
    const area = el("textarea", { value: drafts.get(key), maxLength: 500, dataset: { focusKey: key },
      on: { input: () => drafts.set(key, area.value) } });
    return el("form", { className: "note-edit", on: { submit: (e) => {
      e.preventDefault();
      store.act("card.update", { id: card.id, text: area.value }, { clear: true }).then(done);
    } } }, area, el("button", { className: "button small primary", textContent: t.board.save }),
    button(t.board.cancel, done));
  }

  /** "Signaler": a reason from the list, sent as the `card.report` board command (rate limited). */
  function reportForm(card) {
    const key = `report:${card.id}`;
    const done = () => { drafts.delete(key); refresh(); };
    const id = `report-${card.id}`;
    const select = el("select", { id, required: true, dataset: { focusKey: key } },
      ...Object.entries(t.reasons).map(([value, label]) => el("option", { value, textContent: label })));
    return el("form", { className: "note-report small", on: { submit: (e) => {
      e.preventDefault();
      store.act("card.report", { id: card.id, reason: select.value }, { clear: true }).then((ack) => {
        if (ack && ack.ok) reported.add(card.id);
        done();
      });
    } } }, el("label", { htmlFor: id, textContent: t.board.report_reason }), select,
    el("button", { className: "button small", textContent: t.board.report_send }), button(t.board.cancel, done));
  }

  // --- Practice repository parts --------------------------------------------------------------------

  function practiceParts(state, card) {
    const parts = [];
    const links = state.practices.byCard.get(card.id) || [];
    const p = t.practices;
    if (links.length) {
      parts.push(el("p", { className: "practice-links small" }, p.became, " ",
        ...links.flatMap((l, i) => [i ? ", " : "", el("a", { href: l.url, textContent: l.title, target: "_blank" })])));
    }
    if (suggestions.has(card.id)) parts.push(suggestions.get(card.id));
    return parts;
  }

  function suggest(cardId) {
    const p = t.practices;
    const box = el("div", { className: "practice-suggestions small", textContent: p.searching });
    suggestions.set(cardId, box);
    cache.delete(cardId);
    refresh();
    store.request("practice.suggest", { card_id: cardId }).then((ack) => {
      box.replaceChildren();
      if (!ack || !ack.ok) return (box.textContent = ack?.error?.message || p.error);
      if (!ack.practices.length) return (box.textContent = p.nothing);
      box.append(el("strong", { textContent: p.helped }));
      for (const found of ack.practices) {
        const item = el("div", { className: "practice-suggestion" },
          el("a", { href: found.url, target: "_blank", textContent: found.title }),
          el("p", { className: "muted", textContent: stripMarks(found.excerpt) }));
        if (isModerator(store.state) && !store.state.practices.pins.has(found.id)) {
          item.append(button(p.pin, () => pin(found.id, cardId), "button small"));
        }
        box.append(item);
      }
      box.append(button(p.close, () => { suggestions.delete(cardId); cache.delete(cardId); refresh(); }, "link small"));
    });
  }

  function pin(practiceId, cardId) {
    store.act("practice.pin", { practice_id: practiceId, card_id: cardId }, { fallback: t.practices.error });
  }

  return { element, prune, voteWidget: extras.voteWidget };
}

function stripMarks(html) {
  // Excerpts come escaped with <mark> around matches; show them as plain text.
  const doc = new DOMParser().parseFromString(html || "", "text/html");
  return doc.body.textContent || "";
}
