// Questions the views ask of the board state (who am I, what the phase allows, my table, my dots).

export const isModerator = (state) => !!(state.me && state.me.role === "facilitator");

export const allows = (state, action) => !state.fac || !state.fac.phase || state.fac.phase.allows.includes(action);

/** World café: my table, from my chosen seat or my rank of arrival (recomputed when the tables change). */
export function myTable(state) {
  const tables = state.fac && state.fac.tables;
  if (!tables || !tables.count) return null;
  if (tables.seat) return ((tables.seat - 1) % tables.count) + 1;
  return tables.rank === null || tables.rank === undefined ? null : (tables.rank % tables.count) + 1;
}

export const canGroup = (state) => !!state.fac
  && (isModerator(state) || (!!state.fac.settings.everyone_groups && allows(state, "group") && !state.fac.locked));

/** Dots on a card or group: the results once revealed, before that only mine. */
export function dotsFor(state, kind, id) {
  const votes = state.fac.votes;
  if (votes.revealed && votes.results) {
    const list = kind === "card" ? votes.results.cards : votes.results.groups;
    return list.find((r) => r.id === id)?.dots || 0;
  }
  return votes.mine.filter((v) => v.kind === kind && v.target_id === id).length;
}

/** Seconds left on the timer by the server's clock, or null without a timer. */
export function remainingSeconds(fac) {
  const timer = fac && fac.timer;
  if (!timer) return null;
  if (timer.ends_at) return Math.max(0, (timer.ends_at - (Date.now() + fac.skew)) / 1000);
  if (timer.paused) return timer.remaining;
  return null;
}

export const clock = (seconds) => `${Math.floor(seconds / 60)}:${String(seconds % 60).padStart(2, "0")}`;

/** How many people are on the board besides this screen's own person (the room screen counts the others). */
export function othersPresent(state) {
  const count = (state.presence && state.presence.count) || 0;
  return Math.max(0, count - (state.me ? 1 : 0));
}

/** The card or group the facilitator has put in the spotlight, as this screen knows it, or null. */
export function spotlit(state) {
  const spot = state.fac && state.fac.spotlight;
  if (!spot) return null;
  if (spot.kind === "group") {
    const group = state.fac.groups.get(spot.id);
    return group ? { kind: "group", group } : null;
  }
  const card = state.cards.get(spot.id);
  return card && !card.hidden ? { kind: "card", card } : null;
}
