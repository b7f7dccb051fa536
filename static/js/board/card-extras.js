// The facilitation parts of a card (dots, reactions, replies) and the
// dot widget of a group, drawn from the store's state. Part of the card view: they never reach outside the card.
import { button, el } from "./dom.js";
import { allows, dotsFor, isModerator } from "./selectors.js";

/** What these parts show of a card, to know when to draw it again. */
export function extrasSignature(state, id) {
  const fac = state.fac;
  if (!fac) return null;
  return [dotsFor(state, "card", id), fac.votes.revealed, fac.votes.used, fac.votes.budget, fac.settings.multi_dots,
    allows(state, "vote"), allows(state, "react"), fac.locked, fac.reactions.get(id),
    [...fac.myReactions].filter((k) => k.startsWith(`${id}:`)),
    [...fac.replies.values()].filter((r) => r.card_id === id), isModerator(state)];
}

export function createExtras({ store, t, drafts }) {
  const send = (event, payload) => store.act(event, payload, { fallback: t.failed });

  function cardExtras(state, card) {
    const id = card.id;
    const moderator = isModerator(state);
    const extra = el("div", { className: "note-extra" });
    const vote = voteWidget(state, "card", id);
    if (vote) extra.append(vote);
    extra.append(reactions(state, id));
    const replies = [...state.fac.replies.values()].filter((r) => r.card_id === id);
    if (replies.length) extra.append(el("ul", { className: "replies" }, ...replies.map((r) => reply(state, r))));
    if ((allows(state, "react") && !state.fac.locked) || moderator) extra.append(replyForm(id));
    return extra;
  }

  function voteWidget(state, kind, id) {
    const votes = state.fac.votes;
    const dots = dotsFor(state, kind, id);
    if (votes.revealed) {
      return dots ? el("span", { className: "dots revealed", textContent: `● ${dots}`, title: t.dots_received }) : null;
    }
    if (!allows(state, "vote")) return null;
    const widget = el("span", { className: "dots" },
      el("span", { className: "my-dots", textContent: "●".repeat(dots), title: t.my_dots }));
    if (votes.used < votes.budget && (state.fac.settings.multi_dots || !dots)) {
      widget.append(button("+ ●", () => send("vote.cast", { kind, id }), "button small dot-add"));
    }
    if (dots) widget.append(button("− ●", () => send("vote.remove", { kind, id }), "link small"));
    return widget;
  }

  function reactions(state, cardId) {
    const counts = state.fac.reactions.get(cardId) || {};
    const active = (allows(state, "react") && !state.fac.locked) || isModerator(state);
    return el("span", { className: "reactions" }, ...Object.entries(state.fac.kinds).map(([kind, serverLabel]) => {
      const label = t[`reaction_${kind}`] || serverLabel; // the page's language
      const n = counts[kind] || 0;
      if (!active && !n) return null;
      const mine = state.fac.myReactions.has(`${cardId}:${kind}`);
      const b = button(n ? `${label} ${n}` : label, () => send("reaction.toggle", { card_id: cardId, kind }),
        `reaction${mine ? " mine" : ""}`);
      b.disabled = !active;
      b.dataset.reaction = kind;
      b.setAttribute("aria-pressed", mine ? "true" : "false");
      return b;
    }));
  }

  function reply(state, r) {
    if (r.hidden && r.text === undefined) {
      return el("li", { className: "reply hidden-reply muted small", textContent: t.reply_hidden });
    }
    const li = el("li", { className: `reply small${r.hidden ? " is-hidden" : ""}` },
      el("span", { textContent: r.text }),
      r.author ? el("span", { className: "muted", textContent: ` — ${r.author}` }) : null);
    if (isModerator(state)) {
      li.append(" ", button(r.hidden ? t.show : t.hide, () => send("reply.hide", { id: r.id, hidden: !r.hidden }),
        "link small"));
    }
    return li;
  }

  // A reply being typed survives the card being drawn again (someone reacted meanwhile).
  function replyForm(cardId) {
    const draft = drafts.get(`reply:${cardId}`) || { open: false, text: "" };
    const details = el("details", { className: "reply-box", open: draft.open,
      on: { toggle: () => keep({ open: details.open }) } }, el("summary", { className: "small", textContent: t.reply }));
    const input = el("input", { maxLength: 280, placeholder: t.reply_placeholder, "aria-label": t.reply,
      value: draft.text, dataset: { focusKey: `reply:${cardId}` }, on: { input: () => keep({ text: input.value }) } });
    const keep = (change) => drafts.set(`reply:${cardId}`, { ...(drafts.get(`reply:${cardId}`) || draft), ...change });
    const form = el("form", { on: { submit: (e) => {
      e.preventDefault();
      const text = input.value.trim();
      if (!text) return;
      send("reply.add", { card_id: cardId, client_id: newId(), text }).then((ack) => {
        if (!ack || !ack.ok) return;
        input.value = "";
        keep({ text: "" });
      });
    } } }, input, el("button", { className: "button small", type: "submit", textContent: t.send }));
    details.append(form);
    return details;
  }

  return { cardExtras, voteWidget };
}

function newId() {
  return (crypto.randomUUID ? crypto.randomUUID() : `${Date.now()}-${Math.random()}`).replace(/[^A-Za-z0-9-]/g, "");
}
