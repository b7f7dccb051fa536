// How the board state changes: one reducer per event type, (state, data) -> the top-level keys that change.
// Reducers copy what they change (Maps, objects) instead of editing it, so a view can compare old and new.
// Event names and payloads: workshop/boards/events.py, workshop/facilitation/, workshop/practices/events.py.

const NO_TABLES = { count: 0, columns: [], mine: null, seat: null, rank: null };

/** The state parts a join or resync snapshot replaces (practice links come over HTTP, not in it). */
export function fromSnapshot(snapshot) {
  return {
    workshop: snapshot.workshop,
    columns: snapshot.columns,
    cards: new Map(snapshot.cards.map((c) => [c.id, c])),
    fac: snapshot.facilitation ? facilitationFrom(snapshot.facilitation) : null,
    // Moderators only: who is present, by profile and by network (absent from participants' snapshots).
    balance: snapshot.balance ? { kinds: snapshot.balance, networks: snapshot.balance_networks || {} } : null,
    review: snapshot.review || null, // "Où en est-on ?": the steps an earlier session left open
  };
}

function facilitationFrom(f) {
  return {
    phases: f.phases,
    phase: f.phase,
    locked: f.locked,
    timer: f.timer,
    skew: (f.server_time || Date.now()) - Date.now(), // server clock minus ours, in ms
    spotlight: f.spotlight,
    settings: f.settings || {},
    kinds: f.reaction_kinds || {},
    extraColumns: f.extra_columns || [],
    groups: new Map((f.groups || []).map((g) => [g.id, g])),
    place: new Map((f.placements || []).map(([card, group, pos]) => [card, { group, pos }])), // card -> place
    votes: { mine: [], used: 0, budget: 3, total: 0, revealed: false, results: null, ...f.votes },
    reactions: new Map(Object.entries(f.reactions || {}).map(([k, v]) => [Number(k), v])), // card -> {kind: n}
    myReactions: new Set((f.my_reactions || []).map(([c, k]) => `${c}:${k}`)),
    replies: new Map((f.replies || []).map((r) => [r.id, r])),
    tables: f.tables || NO_TABLES,
  };
}

/** A card as this screen receives it: a card hidden from participants comes without its text. */
export function withCard(state, card) {
  const cards = new Map(state.cards);
  // A hidden card reaches participants without its text; a deleted one is a tombstone (in a replay too).
  if (card.deleted || (card.hidden && card.text === undefined)) cards.delete(card.id);
  else cards.set(card.id, card);
  return { cards };
}

const meId = (state) => state.me && state.me.id;
const fac = (state, changes) => (state.fac ? { fac: { ...state.fac, ...changes } } : {});

function cardChanged(state, d) {
  return withCard(state, d.card);
}

function cardDeleted(state, d) {
  const cards = new Map(state.cards);
  cards.delete(d.card.id);
  return { cards };
}

function cardsRevealed(state, d) {
  const cards = new Map(state.cards);
  for (const card of d.cards) {
    const known = cards.get(card.id);
    const own = known && known.text !== undefined && known.participant_id === meId(state);
    cards.set(card.id, own ? { ...card, author: known.author, participant_id: known.participant_id } : card);
  }
  return { cards };
}

function statusChanged(state, d) {
  // A fresh closing message replaces whatever error the banner showed.
  return { workshop: { ...state.workshop, status: d.status }, ui: { ...state.ui, error: null } };
}

function columnsChanged(state, d) {
  return { columns: d.columns };
}

function groupChanged(state, d) {
  if (!state.fac) return {};
  const groups = new Map(state.fac.groups).set(d.group.id, d.group);
  const place = new Map(state.fac.place);
  const cards = new Map(state.cards);
  d.group.card_ids.forEach((id, pos) => {
    place.set(id, { group: d.group.id, pos });
    const card = cards.get(id);
    if (card && card.column !== d.group.column) cards.set(id, { ...card, column: d.group.column });
  });
  return { cards, ...fac(state, { groups, place }) };
}

function groupDeleted(state, d) {
  if (!state.fac) return {};
  const groups = new Map(state.fac.groups);
  groups.delete(d.group_id);
  const place = new Map(state.fac.place);
  d.card_ids.forEach((id, i) => place.set(id, { group: null, pos: 100000 + i }));
  return fac(state, { groups, place });
}

function cardMoved(state, d) {
  const cards = new Map(state.cards);
  const card = cards.get(d.card_id);
  if (card) cards.set(d.card_id, { ...card, column: d.column });
  if (!state.fac) return { cards };
  const place = new Map(state.fac.place);
  d.order.forEach((id, pos) => place.set(id, { group: d.group_id, pos }));
  const groups = new Map();
  for (const g of state.fac.groups.values()) {
    if (g.id === d.group_id) groups.set(g.id, { ...g, card_ids: d.order });
    else groups.set(g.id, { ...g, card_ids: g.card_ids.filter((id) => id !== d.card_id) });
  }
  if (d.from_group) groups.set(d.from_group.id, d.from_group);
  return { cards, ...fac(state, { groups, place }) };
}

function voteCounted(state, d, add) {
  if (!state.fac) return {};
  const votes = { ...state.fac.votes, total: d.total };
  if (d.vote && d.vote.participant_id === meId(state)) {
    const mine = [...votes.mine];
    if (add) mine.push({ kind: d.vote.kind, target_id: d.vote.target_id });
    else {
      const i = mine.findIndex((v) => v.kind === d.vote.kind && v.target_id === d.vote.target_id);
      if (i >= 0) mine.splice(i, 1);
    }
    Object.assign(votes, { mine, used: mine.length });
  }
  return fac(state, { votes });
}

function reactionToggled(state, d) {
  if (!state.fac) return {};
  const r = d.reaction;
  const reactions = new Map(state.fac.reactions).set(r.card_id, d.counts);
  const myReactions = new Set(state.fac.myReactions);
  if (r.participant_id === meId(state)) {
    if (r.on) myReactions.add(`${r.card_id}:${r.kind}`);
    else myReactions.delete(`${r.card_id}:${r.kind}`);
  }
  return fac(state, { reactions, myReactions });
}

function replyChanged(state, d) {
  if (!state.fac) return {};
  const replies = new Map(state.fac.replies);
  // An erased reply is replayed as a tombstone: it leaves the screen.
  if (d.reply.deleted) replies.delete(d.reply.id);
  else replies.set(d.reply.id, d.reply);
  return fac(state, { replies });
}

/** People's data erased (their right, or the retention delay): their cards and replies leave every screen. */
// Either the ids of what was erased, or (for its author and moderators only) one pending card's tombstone.
function privacyErased(state, d) {
  const cards = new Map(state.cards);
  for (const id of d.card ? [d.card.id] : d.cards || []) cards.delete(id);
  if (!state.fac) return { cards };
  const replies = new Map(state.fac.replies);
  for (const id of d.replies || []) replies.delete(id);
  return { cards, ...fac(state, { replies }) };
}

function settingsChanged(state, d) {
  if (!state.fac) return {};
  const tables = state.fac.tables.columns.length && d.settings.tables
    ? { ...state.fac.tables, count: d.settings.tables } : state.fac.tables;
  return fac(state, { settings: d.settings, votes: { ...state.fac.votes, budget: d.settings.vote_budget }, tables });
}

function seatChanged(state, d) {
  if (!state.fac || !d.seat || d.seat.participant_id !== meId(state)) return {};
  return fac(state, { tables: { ...state.fac.tables, seat: d.seat.table } });
}

function votes(state, changes) {
  return state.fac ? fac(state, { votes: { ...state.fac.votes, ...changes } }) : {};
}

function timerChanged(state, d) {
  return fac(state, { timer: d.timer });
}

function linkPractice(byCard, practice, cardIds) {
  for (const id of cardIds) {
    const list = byCard.get(id) || [];
    if (!list.some((p) => p.id === practice.id)) byCard.set(id, [...list, practice]);
  }
  return byCard;
}

/** Practice links as the practices API answers them: {practices: [...], pins: [...]}. */
export function practicesFrom(data) {
  const byCard = new Map();
  for (const p of data.practices) linkPractice(byCard, p, p.card_ids);
  return { byCard, pins: new Map(data.pins.map((pin) => [pin.practice.id, pin])) };
}

export const reducers = {
  "card.added": cardChanged,
  "card.updated": cardChanged,
  "card.shown": cardChanged,
  "card.hidden": cardChanged,
  "card.deleted": cardDeleted,
  "card.accepted": cardChanged, // moderated mode: a waiting card goes on the board, with the facilitator's words
  "board.moderated": (state, d) => ({ workshop: { ...state.workshop, moderated: d.moderated } }),
  withheld: () => ({}), // an event this screen may know nothing of: only its seq counts
  "cards.revealed": cardsRevealed,
  "workshop.closed": statusChanged,
  "workshop.reopened": statusChanged,
  "column.added": columnsChanged,
  "column.removed": columnsChanged,
  "column.updated": columnsChanged,
  "phase.changed": (state, d) => ({ ...fac(state, { phase: d.phase }), ui: { ...state.ui, selected: new Set(), selectedGroups: new Set() } }),
  "board.locked": (state, d) => fac(state, { locked: d.locked }),
  "board.unlocked": (state, d) => fac(state, { locked: d.locked }),
  "timer.started": timerChanged,
  "timer.paused": timerChanged,
  "timer.resumed": timerChanged,
  "timer.extended": timerChanged,
  "timer.stopped": timerChanged,
  "timer.ended": (state, d) => fac(state, { timer: d.timer, locked: d.locked }),
  "spotlight.changed": (state, d) => fac(state, { spotlight: d.spotlight }),
  "group.created": groupChanged,
  "group.renamed": groupChanged,
  "group.deleted": groupDeleted,
  "card.moved": cardMoved,
  "vote.cast": (state, d) => voteCounted(state, d, true),
  "vote.removed": (state, d) => voteCounted(state, d, false),
  "votes.revealed": (state, d) => votes(state, { revealed: d.revealed, results: d.results }),
  "votes.hidden": (state, d) => votes(state, { revealed: d.revealed, results: d.results }),
  "votes.reset": (state) => votes(state, { mine: [], used: 0, total: 0, revealed: false, results: null }),
  "reaction.toggled": reactionToggled,
  "reply.added": replyChanged,
  "reply.hidden": replyChanged,
  "reply.shown": replyChanged,
  "privacy.erased": privacyErased,
  "settings.changed": settingsChanged,
  "participant.table": seatChanged,
  "practice.created": (state, d) => ({ practices: { ...state.practices,
    byCard: linkPractice(new Map(state.practices.byCard), d.practice, d.card_ids) } }),
  "practice.pinned": (state, d) => ({ practices: { ...state.practices,
    pins: new Map(state.practices.pins).set(d.practice.id, d) } }),
  "practice.unpinned": (state, d) => {
    const pins = new Map(state.practices.pins);
    pins.delete(d.practice_id);
    return { practices: { ...state.practices, pins } };
  },
  // Participants receive it empty (balance: null): only moderators' screens change.
  "balance.changed": (state, d) => (d.balance ? { balance: { kinds: d.balance, networks: d.networks || {} } } : {}),
  "review.marked": (state, d) => ({
    review: (state.review || []).map((step) => (step.id === d.step.id ? d.step : step)),
  }),
};
