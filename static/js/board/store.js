// The one owner of a live board in the browser: the Socket.IO connection to /board, joining (token kept in
// localStorage, name, since), the seq, holes in it, resync, and the outbox of cards not yet delivered.
// Events are applied strictly in seq order, each by its reducer (reducers.js); an event that comes early is
// held while the hole before it fills (several server processes may deliver slightly out of order), and only a
// hole that stays asks the server for what was missed. Views subscribe and render from the state; they never
// talk to the socket themselves.
import { io } from "../../vendor/socket.io.esm.min.js";
import { Backoff, Outbox, newClientId } from "./outbox.js";
import { fromSnapshot, reducers, withCard } from "./reducers.js";

export const HOLD_MS = 1000; // how long an early event waits for the ones before it, before a resync
const RETRY_MS = 3000;
// A refused resync is asked again after this, then twice as long each time (the outbox's Backoff, up to 30 s,
// spread at random): a room behind one address whose screens all saw the same hole is let through a few screens
// at a time, and a server still refusing is not asked at the same pace, however many events keep coming meanwhile.
export const RESYNC_RETRY_MS = 1000;
// Refusals that sending again cannot change: the card goes back to its author, with the message. Anything
// else (unavailable, rate_limited, internal, no answer...) keeps the card in the outbox, sent again with back-off.
const DEFINITIVE = new Set(["invalid", "forbidden", "closed", "not_found"]);

function initialState(outbox) {
  return {
    connected: false,
    joined: false,
    needName: false, // no token and no facilitator session: the person must give a name first
    nameError: null,
    me: null,
    seq: null,
    workshop: null,
    columns: [],
    cards: new Map(), // id -> card
    fac: null, // facilitation: phases, timer, groups, votes... (reducers.js)
    practices: { byCard: new Map(), pins: new Map() },
    presence: null,
    balance: null, // moderators: {kinds, networks} of who is present
    review: null, // "Où en est-on ?" steps, when the session carries some
    outbox: [...outbox.items],
    ui: { error: null, selecting: false, selected: new Set(), selectedGroups: new Set() },
  };
}

/**
 * The board store of one page. `autoJoin`: join without asking a name (a facilitator's session is enough).
 * `sendsCards`: false on a read-only screen (the room), which must not deliver this browser's outbox.
 * `socket`: a Socket.IO-like object (on/emit/connected), for tests; by default a real connection.
 */
export function createStore({ code, autoJoin = false, sendsCards = true, socket = null, holdMs = HOLD_MS,
  resyncRetryMs = RESYNC_RETRY_MS } = {}) {
  const tokenKey = `passerelles:token:${code}`;
  const nameKey = "passerelles:name";
  const storage = window.localStorage;
  const outbox = new Outbox(`passerelles:outbox:${code}`);
  const listeners = new Set();
  const held = new Map(); // seq -> event received before the one just after our seq
  const sending = new Set(); // client_ids on their way
  let state = initialState(outbox);
  let change = null; // what the current transaction changed, told to subscribers at its end
  let holdTimer = null;
  let retryTimer = null;
  let resyncTimer = null;
  let resyncAsked = false; // a resync waits for its answer: a hole found meanwhile asks nothing more
  const retries = new Backoff();
  const resyncRetries = new Backoff(resyncRetryMs);
  let loading = 0; // generation of the snapshot whose pages of cards are being fetched
  const gone = new Set(); // cards removed by events while pages are still coming
  const moved = new Map(); // card id -> the column an event moved it to before its page came

  socket = socket || io("/board", { transports: ["websocket", "polling"], reconnectionDelayMax: 4000 });

  // --- State and notification ----------------------------------------------------------------------

  function transaction(fn) {
    if (change) return fn();
    change = { keys: new Set(), events: [], refused: [], joined: false, loaded: false };
    try {
      fn();
    } finally {
      const done = change;
      change = null;
      if (done.keys.size || done.refused.length) notify(done);
    }
  }

  function set(patch) {
    transaction(() => {
      state = { ...state, ...patch };
      for (const key of Object.keys(patch)) change.keys.add(key);
    });
  }

  function notify(done) {
    for (const fn of listeners) {
      try {
        fn(state, done);
      } catch (error) {
        queueMicrotask(() => { throw error; }); // one broken view must not stop the others
      }
    }
  }

  function report(error) {
    set({ ui: { ...state.ui, error } });
  }

  function clearError() {
    if (state.ui.error) set({ ui: { ...state.ui, error: null } });
  }

  // --- Connection and join -------------------------------------------------------------------------

  socket.on("connect", () => {
    set({ connected: true, joined: false });
    if (storage.getItem(tokenKey) || state.me || autoJoin) join();
    else set({ needName: true, nameError: null });
  });

  socket.on("disconnect", () => {
    sending.clear();
    socket.sendBuffer = []; // the outbox resends on reconnect; nothing else should
    resyncAsked = false; // its answer will never come: the next join asks with `since`
    set({ connected: false, joined: false });
  });

  socket.on("event", (event) => transaction(() => hold(event)));
  socket.on("events", (events) => transaction(() => events.forEach(hold))); // high-rate events come in batches
  socket.on("presence", (presence) => newer(presence) && set({ presence }));
  if (socket.io) window.addEventListener("online", () => socket.connected || socket.connect());

  function join(name, profile = null) {
    const payload = { code, token: storage.getItem(tokenKey) || undefined };
    if (name) {
      payload.name = name;
      storage.setItem(nameKey, name);
    }
    if (profile) payload.profile = profile; // "je viens de…": the facilitator's balance, nobody else's
    if (state.seq !== null) payload.since = state.seq;
    payload.paged = true; // a big board comes in pages of cards: draw the first at once
    payload.frames = true; // events come in `events` frames: a busy board costs the server one write per window
    socket.emit("join", payload, (ack) => {
      if (!ack || !ack.ok) return joinFailed(ack && ack.error);
      if (ack.participant.token) storage.setItem(tokenKey, ack.participant.token);
      // The join brought everything since our seq: a resync waiting to be asked again is not needed any more,
      // and a hole found from now on starts its back-off again from the first delay.
      clearTimeout(resyncTimer);
      resyncTimer = null;
      resyncRetries.reset();
      transaction(() => {
        set({ me: ack.participant, joined: true, needName: false, nameError: null,
          ui: { ...state.ui, error: null } });
        change.joined = true;
        if (ack.state) load(ack.state, ack.seq);
        else (ack.events || []).forEach(hold);
        if (ack.presence && newer(ack.presence)) set({ presence: ack.presence });
      });
      flushOutbox();
    });
  }

  function joinFailed(error) {
    if (!error) return;
    if (error.code === "invalid" && error.field === "name") return set({ needName: true, nameError: error.message });
    if (error.field === "token" || error.code === "not_found") storage.removeItem(tokenKey);
    transaction(() => {
      report(error);
      if (error.code === "invalid") set({ needName: true, nameError: error.message });
    });
  }

  // --- Events in seq order -------------------------------------------------------------------------

  function load(snapshot, seq) {
    const generation = ++loading;
    gone.clear();
    moved.clear();
    transaction(() => {
      set({ ...fromSnapshot(snapshot), seq });
      change.loaded = true;
      drain();
    });
    if (snapshot.cards_next) fetchCards(snapshot.cards_next, generation);
  }

  // The rest of a paged snapshot, page after page. Events keep coming meanwhile and are newer than any page:
  // a card already here or removed by an event since the snapshot is left as the events made it.
  function fetchCards(after, generation) {
    socket.emit("state.cards", { after }, (ack) => {
      if (generation !== loading) return; // a newer snapshot replaced this one
      if (!ack || !ack.ok) {
        const again = ack && ack.error && ack.error.code === "rate_limited";
        if (again) setTimeout(() => fetchCards(after, generation), RETRY_MS);
        return;
      }
      const cards = new Map(state.cards);
      for (const card of ack.cards) {
        if (cards.has(card.id) || gone.has(card.id)) continue;
        cards.set(card.id, moved.has(card.id) ? { ...card, column: moved.get(card.id) } : card);
      }
      set({ cards });
      if (ack.next) fetchCards(ack.next, generation);
      else {
        gone.clear();
        moved.clear();
      }
    });
  }

  function hold(event) {
    if (state.seq !== null && event.seq <= state.seq) return; // already applied
    held.set(event.seq, event);
    drain();
  }

  function drain() {
    if (state.seq === null) return; // not joined yet: the join answer sets the seq, then drains
    for (const seq of held.keys()) if (seq <= state.seq) held.delete(seq);
    while (held.has(state.seq + 1)) {
      const event = held.get(state.seq + 1);
      held.delete(event.seq);
      apply(event);
    }
    if (!held.size) {
      clearTimeout(holdTimer);
      holdTimer = null;
    } else if (!holdTimer) {
      holdTimer = setTimeout(() => {
        holdTimer = null;
        if (held.size && !resyncTimer) resync(); // a refused resync is asked again by its own back-off only
      }, holdMs + spread());
    }
  }

  function apply(event) {
    const reducer = reducers[event.type];
    set({ ...(reducer ? reducer(state, event.data || {}) : {}), seq: event.seq }); // unknown types still count
    change.events.push(event);
    const card = event.data && event.data.card;
    if (card && card.id !== undefined && !state.cards.has(card.id)) gone.add(card.id); // a page must not revive it
    if (event.type === "card.moved" && !state.cards.has(event.data.card_id)) {
      moved.set(event.data.card_id, event.data.column); // its page, older than this event, must not undo the move
    }
  }

  // A hole seen by a whole room (a process died between commit and publish) must not bring every screen back at
  // the same instant: up to 5 ms per person present, at most 2 s, drawn at random.
  function spread() {
    const people = state.presence ? state.presence.count : 0;
    return holdMs ? Math.random() * Math.min(2000, people * 5) : 0;
  }

  // Several server processes broadcast who is present; `v` (shared presence) orders their messages.
  function newer(presence) {
    return !state.presence || presence.v === undefined || state.presence.v === undefined || presence.v >= state.presence.v;
  }

  function resync() {
    if (!state.joined || resyncAsked) return; // the next join asks with `since`; an answer on its way fills holes
    resyncAsked = true;
    socket.emit("resync", { since: state.seq }, (ack) => {
      resyncAsked = false;
      if (!ack || !ack.ok) return resyncLater(ack && ack.error);
      resyncRetries.reset();
      transaction(() => {
        if (ack.state) load(ack.state, ack.seq);
        else ack.events.forEach(hold);
      });
    });
  }

  // Refused for now (rate_limited, the database down): without asking again, a hole on a board gone quiet would
  // stay until the next event.
  function resyncLater(error) {
    if (resyncTimer || (error && DEFINITIVE.has(error.code))) return;
    resyncTimer = setTimeout(() => {
      resyncTimer = null;
      resync();
    }, resyncRetries.next());
  }

  // --- Outbox --------------------------------------------------------------------------------------

  function addCard(column, text) {
    const item = { client_id: newClientId(), column, text };
    outbox.add(item);
    set({ outbox: [...outbox.items] });
    send(item);
    return item;
  }

  function flushOutbox() {
    if (!sendsCards) return;
    for (const item of outbox.items) send(item);
  }

  function send(item) {
    if (!socket.connected || !state.joined || sending.has(item.client_id)) return;
    sending.add(item.client_id);
    socket.emit("card.add", item, (ack) => {
      sending.delete(item.client_id);
      if (!ack) return;
      transaction(() => {
        const error = ack.error || {};
        if (ack.ok || DEFINITIVE.has(error.code)) {
          outbox.remove(item.client_id);
          set({ outbox: [...outbox.items] });
        }
        if (ack.ok) {
          retries.reset();
          if (state.ui.error && state.ui.error.code === "unavailable") clearError(); // the database is back
          return cardAcked(ack);
        }
        report(error);
        if (DEFINITIVE.has(error.code)) change.refused.push(item);
        else if (!retryTimer) {
          retryTimer = setTimeout(() => {
            retryTimer = null;
            flushOutbox();
          }, retries.next());
        }
      });
    });
  }

  function cardAcked(ack) {
    // The event may already have been applied (it leaves before the answer): never go back to an older card.
    if (ack.card && !(ack.seq && state.seq !== null && ack.seq <= state.seq)) set(withCard(state, ack.card));
  }

  // --- Actions -------------------------------------------------------------------------------------

  /** Send a board action; a refusal shows in the error banner. Resolves with the answer (null if none). */
  function act(event, payload = {}, { fallback = null, clear = false } = {}) {
    return new Promise((resolve) => {
      socket.emit(event, payload, (ack) => {
        if (ack && ack.ok) {
          if (clear) clearError();
        } else {
          report(ack && ack.error ? ack.error : { code: "failed", message: fallback });
        }
        resolve(ack || null);
      });
    });
  }

  /** Ask the server something (similar cards, suggestions); the caller shows the answer or the refusal. */
  function request(event, payload = {}) {
    return new Promise((resolve) => socket.emit(event, payload, (ack) => resolve(ack || null)));
  }

  return {
    get state() { return state; },
    subscribe(fn) {
      listeners.add(fn);
      return () => listeners.delete(fn);
    },
    join,
    savedName: () => storage.getItem(nameKey) || "",
    addCard,
    act,
    request,
    report,
    clearError,
    setUi: (patch) => set({ ui: { ...state.ui, ...patch } }),
    patch: set, // state that comes another way than events (practice links over HTTP)
    receive: (event) => transaction(() => hold(event)), // what the socket's `event` does, for tests
  };
}
