"""The board store (static/js/board/store.js) in real Chromium, driven through a fake socket: events applied
strictly in seq order, an early event held until the hole fills, resync only for a hole that stays, batched
`events`, a `state` answer replacing the state, and the outbox keeping every card it could not deliver."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.browser

# A Socket.IO stand-in: records what the store emits and lets the test answer or push server messages.
FAKE = """
window.fakeStore = async (code, options = {}) => {
  const { createStore } = await import("/static/js/board/store.js");
  const socket = {
    connected: false, handlers: {}, emitted: [],
    on(name, fn) { this.handlers[name] = fn; },
    emit(name, payload, ack) { this.emitted.push({ name, payload, ack }); },
    fire(name, data) { this.handlers[name](data); },
    last(name) { return [...this.emitted].reverse().find((e) => e.name === name); },
    names() { return this.emitted.map((e) => e.name); },
    count(name) { return this.emitted.filter((e) => e.name === name).length; },
  };
  const store = createStore({ code, socket, autoJoin: true, ...options });
  const seen = [];
  store.subscribe((state, change) => seen.push(change.events.map((e) => e.seq)));
  socket.connected = true;
  socket.fire("connect");
  const card = (id, text) => ({ id, client_id: `c${id}`, column: "obstacle", text, participant_id: 2 });
  const state = { workshop: { status: "open" }, columns: [{ key: "obstacle", label: "Freins" }],
    cards: [card(1, "un")] };
  socket.last("join").ack({ ok: true, participant: { id: 1, name: "Nadia", token: "t", role: "participant" },
    state, seq: 5 });
  const added = (seq, id, text) => ({ seq, type: "card.added", data: { card: card(id, text) } });
  const texts = () => [...store.state.cards.values()].map((c) => c.text);
  return { store, socket, seen, added, texts, card };
};
"""


def open_store_page(live, new_page):
    page = new_page()
    page.goto(live.url + "/")
    page.evaluate(FAKE)
    return page


def test_an_early_event_is_held_until_the_hole_fills_without_resync(live, new_page):
    page = open_store_page(live, new_page)
    result = page.evaluate("""async () => {
      const { store, socket, seen, added, texts } = await fakeStore("HOLDTEST", { holdMs: 600000 });
      socket.fire("event", added(7, 3, "trois"));  // 6 is still on its way from another server process
      const held = { seq: store.state.seq, texts: texts(), resync: socket.names().includes("resync") };
      socket.fire("event", added(6, 2, "deux"));
      socket.fire("event", added(6, 2, "deux"));  // a duplicate is ignored
      return { held, seq: store.state.seq, texts: texts(), applied: seen.filter((s) => s.length),
               resync: socket.names().includes("resync") };
    }""")
    assert result["held"] == {"seq": 5, "texts": ["un"], "resync": False}
    assert result["seq"] == 7
    assert result["texts"] == ["un", "deux", "trois"]
    assert result["applied"] == [[6, 7]]  # in seq order, told to the views once
    assert result["resync"] is False


def test_presence_from_several_processes_keeps_the_newest(live, new_page):
    """Each server process broadcasts the shared presence; one sent earlier may arrive later and must not win."""
    page = open_store_page(live, new_page)
    counts = page.evaluate("""async () => {
      const { store, socket } = await fakeStore("PRESENCETEST", { holdMs: 600000 });
      const shown = [];
      socket.fire("presence", { count: 120, names: [], v: 41 }); shown.push(store.state.presence.count);
      socket.fire("presence", { count: 119, names: [], v: 40 }); shown.push(store.state.presence.count);
      socket.fire("presence", { count: 80, names: [], v: 42 }); shown.push(store.state.presence.count);
      return shown;
    }""")
    assert counts == [120, 120, 80]


def test_a_hole_that_stays_asks_resync_since_the_last_applied_seq(live, new_page):
    page = open_store_page(live, new_page)
    page.evaluate("""async () => {
      window.t = await fakeStore("GAPTEST", { holdMs: 0 });
      t.socket.fire("events", [t.added(9, 5, "cinq"), t.added(8, 4, "quatre")]);  // a batch, out of order
    }""")
    page.wait_for_function("t.socket.names().includes('resync')")
    result = page.evaluate("""() => {
      const asked = t.socket.last("resync").payload;
      const before = t.texts();
      t.socket.last("resync").ack({ ok: true, events: [t.added(6, 2, "deux"), t.added(7, 3, "trois")] });
      return { asked, before, after: t.texts(), seq: t.store.state.seq };
    }""")
    assert result["asked"] == {"since": 5}
    assert result["before"] == ["un"]
    assert result["after"] == ["un", "deux", "trois", "quatre", "cinq"]
    assert result["seq"] == 9

    # Too far behind: the answer is a whole state, which replaces the one the store had.
    page.evaluate("() => t.socket.fire('event', t.added(12, 9, 'neuf'))")
    page.wait_for_function("t.socket.emitted.filter((e) => e.name === 'resync').length === 2")
    result = page.evaluate("""() => {
      t.socket.last("resync").ack({ ok: true, seq: 11, state: { workshop: { status: "closed" }, columns: [],
        cards: [t.card(7, "sept")] } });
      return { texts: t.texts(), seq: t.store.state.seq, status: t.store.state.workshop.status };
    }""")
    assert result == {"texts": ["sept", "neuf"], "seq": 12, "status": "closed"}  # the held 12 follows 11


def until_asked(page, times: int) -> int:
    """How many resyncs the store asked, once it asked `times` (or after 5 s). Waits in the page: the CSP forbids
    the string predicates of wait_for_function once they must poll."""
    return page.evaluate("""async (times) => {
      for (let i = 0; i < 500 && t.socket.count("resync") < times; i++) await new Promise((r) => setTimeout(r, 10));
      return t.socket.count("resync");
    }""", times)


def a_hole_asked(live, new_page, code: str, options: str):
    """A store page (`fakeStore(code, options)`) given seq 7 while 6 went to the other processes only, once it has
    asked its first resync."""
    page = open_store_page(live, new_page)
    page.evaluate(f"""async () => {{
      window.t = await fakeStore("{code}", {options});
      t.socket.fire("event", t.added(7, 3, "trois"));  // 6 went to the other processes only
    }}""")
    page.wait_for_function("t.socket.names().includes('resync')")
    return page


def test_a_refused_resync_is_asked_again_until_it_passes(live, new_page):
    """A whole room behind one address, asking for its holes at once, is let through a few screens at a time: a
    screen refused (rate_limited) asks again, instead of keeping its hole until the next event; a definitive
    refusal is not repeated."""
    page = a_hole_asked(live, new_page, "RETRYTEST", "{ holdMs: 0, resyncRetryMs: 20 }")
    page.evaluate("""() => t.socket.last("resync").ack({ ok: false, error: { code: "rate_limited",
      message: "Doucement" } })""")
    assert until_asked(page, 2) == 2  # asked again
    result = page.evaluate("""() => {
      t.socket.last("resync").ack({ ok: true, events: [t.added(6, 2, "deux")] });
      return { asked: t.socket.last("resync").payload, texts: t.texts(), seq: t.store.state.seq };
    }""")
    assert result == {"asked": {"since": 5}, "texts": ["un", "deux", "trois"], "seq": 7}

    page.evaluate("""() => {
      t.socket.fire("event", t.added(9, 5, "cinq"));  // another hole: 8
    }""")
    assert until_asked(page, 3) == 3
    asked = page.evaluate("""async () => {
      t.socket.last("resync").ack({ ok: false, error: { code: "forbidden", message: "Rejoignez d'abord" } });
      await new Promise((done) => setTimeout(done, 200));  // ten retry delays: none comes
      return t.socket.count("resync");
    }""")
    assert asked == 3


def test_a_resync_refused_again_and_again_waits_longer_each_time(live, new_page):
    """A server that keeps refusing (rate_limited, its database down) is asked less and less often, as the outbox
    does, instead of at the same pace by every screen of the room; once a resync passes, the next refusal starts
    again from the first delay."""
    page = open_store_page(live, new_page)
    page.evaluate("""async () => {
      window.t = await fakeStore("BACKOFFTEST", { holdMs: 0, resyncRetryMs: 20 });
      t.delays = [];
      const setTimeoutBefore = window.setTimeout;
      window.setTimeout = (fn, delay, ...args) => {
        // the store's timers only (the hole's own waits 0 ms here), not the test's polling
        if (delay && new Error().stack.includes("store.js")) t.delays.push(delay);
        return setTimeoutBefore(fn, delay, ...args);
      };
      Math.random = () => 0;  // no spread: the delays themselves
      const refusal = { ok: false, error: { code: "rate_limited", message: "Doucement" } };
      t.refuse = () => t.socket.last("resync").ack(refusal);
      t.socket.fire("event", t.added(7, 3, "trois"));
    }""")
    page.wait_for_function("t.socket.names().includes('resync')")
    for asked in (2, 3, 4):
        page.evaluate("() => t.refuse()")
        assert until_asked(page, asked) == asked
    page.evaluate("() => t.socket.last('resync').ack({ ok: true, events: [t.added(6, 2, 'deux')] })")
    page.evaluate("() => t.socket.fire('event', t.added(9, 5, 'cinq'))")  # a new hole
    assert until_asked(page, 5) == 5
    page.evaluate("() => t.refuse()")
    assert until_asked(page, 6) == 6
    assert page.evaluate("() => t.delays") == [20, 40, 80, 20]


def test_a_refused_resync_waits_its_back_off_while_events_keep_coming(live, new_page):
    """On a busy board a refused screen is still asked again only by its back-off, not each time a new event finds
    the hole still open; and a join that goes through starts the back-off again from the first delay."""
    page = a_hole_asked(live, new_page, "BUSYTEST", "{ holdMs: 0, resyncRetryMs: 10000 }")
    asked = page.evaluate("""async () => {
      const pause = () => new Promise((done) => setTimeout(done, 30));
      t.socket.last("resync").ack({ ok: false, error: { code: "rate_limited", message: "Doucement" } });
      for (let seq = 8; seq <= 12; seq++) {  // the board goes on; each event waits out its hold, then finds the hole
        t.socket.fire("event", t.added(seq, seq, `carte ${seq}`));
        await pause();
      }
      return t.socket.count("resync");
    }""")
    assert asked == 1

    result = page.evaluate("""async () => {
      t.delays = [];
      const setTimeoutBefore = window.setTimeout;
      window.setTimeout = (fn, delay, ...args) => {
        if (delay && new Error().stack.includes("store.js")) t.delays.push(delay);
        return setTimeoutBefore(fn, delay, ...args);
      };
      Math.random = () => 0;  // no spread: the delays themselves
      t.socket.fire("disconnect");
      t.socket.fire("connect");
      const joined = t.socket.last("join");
      joined.ack({ ok: true, participant: { id: 1, name: "Nadia", token: "t", role: "participant" },
        events: [6, 7, 8, 9, 10, 11, 12].map((seq) => t.added(seq, seq, `carte ${seq}`)) });
      t.socket.fire("event", t.added(14, 14, "carte 14"));  // a new hole: 13
      for (let i = 0; i < 500 && t.socket.count("resync") < 2; i++) await new Promise((r) => setTimeoutBefore(r, 10));
      t.socket.last("resync").ack({ ok: false, error: { code: "rate_limited", message: "Doucement" } });
      return { since: joined.payload.since, seq: t.store.state.seq, asked: t.socket.count("resync"),
               delays: t.delays };
    }""")
    assert result == {"since": 5, "seq": 12, "asked": 2, "delays": [10000]}  # not 20000: the join reset it


def test_outbox_keeps_every_card_it_could_not_deliver_and_gives_back_refused_ones(live, new_page):
    page = open_store_page(live, new_page)
    result = page.evaluate("""async () => {
      const { store, socket } = await fakeStore("OUTBOXTEST", { holdMs: 600000 });
      const kept = () => JSON.parse(localStorage.getItem("passerelles:outbox:OUTBOXTEST")).map((i) => i.text);
      const refused = [];
      store.subscribe((state, change) => refused.push(...change.refused.map((i) => i.text)));
      const answer = (text, ack) => {
        store.addCard("obstacle", text);
        socket.last("card.add").ack(ack);
      };
      const error = (code) => ({ ok: false, error: { code, message: `refusé (${code})` } });
      answer("panne", error("internal"));
      answer("trop vite", error("rate_limited"));
      answer("mauvaise colonne", error("invalid"));
      answer("fermé", error("closed"));
      store.addCard("obstacle", "reçu");
      const sent = socket.last("card.add").payload;
      socket.last("card.add").ack({ ok: true, seq: 6, card: { id: 9, client_id: sent.client_id,
        column: "obstacle", text: "reçu", participant_id: 1 } });
      return { kept: kept(), outbox: store.state.outbox.map((i) => i.text), refused,
               error: store.state.ui.error, delivered: store.state.cards.get(9).text };
    }""")
    assert result["kept"] == ["panne", "trop vite"]
    assert result["outbox"] == ["panne", "trop vite"]
    assert result["refused"] == ["mauvaise colonne", "fermé"]
    assert result["error"] == {"code": "closed", "message": "refusé (closed)"}
    assert result["delivered"] == "reçu"


def test_reducers_follow_votes_groups_and_moves(live, new_page):
    page = open_store_page(live, new_page)
    result = page.evaluate("""async () => {
      const { reducers, fromSnapshot } = await import("/static/js/board/reducers.js");
      let state = { me: { id: 1 }, ui: { error: null, selected: new Set([1]) }, practices: { byCard: new Map(),
        pins: new Map() }, ...fromSnapshot({ workshop: { status: "open" }, columns: [],
        cards: [{ id: 1, column: "a", text: "x" }, { id: 2, column: "a", text: "y" }],
        facilitation: { phases: [], phase: { key: "p" }, locked: false, votes: { budget: 3 }, settings: {},
          groups: [], placements: [], reactions: {}, my_reactions: [], replies: [] } }) };
      const run = (type, data) => { state = { ...state, ...reducers[type](state, data) }; };
      const before = state.cards;
      run("vote.cast", { total: 1, vote: { participant_id: 1, kind: "card", target_id: 2 } });
      run("vote.cast", { total: 2, vote: null });  // someone else's: only the total
      run("group.created", { group: { id: 7, column: "b", name: "", kind: "group", card_ids: [1, 2] } });
      run("card.moved", { card_id: 2, column: "a", group_id: null, order: [2] });
      run("phase.changed", { phase: { key: "q", allows: [] } });
      return { used: state.fac.votes.used, total: state.fac.votes.total, group: state.fac.groups.get(7).card_ids,
               columns: [...state.cards.values()].map((c) => c.column), untouched: before.get(1).column,
               selected: state.ui.selected.size };
    }""")
    assert result == {"used": 1, "total": 2, "group": [1], "columns": ["b", "a"], "untouched": "a", "selected": 0}


def test_an_erasure_drops_the_cards_it_lists_and_a_waiting_cards_tombstone(live, new_page):
    """privacy.erased: the ids everyone may know of, or (author and moderators) one pending card's tombstone."""
    page = open_store_page(live, new_page)
    result = page.evaluate("""async () => {
      const { reducers, fromSnapshot } = await import("/static/js/board/reducers.js");
      let state = { me: { id: 1 }, ...fromSnapshot({ workshop: { status: "open" }, columns: [], cards: [
        { id: 1, column: "a", text: "x" }, { id: 2, column: "a", text: "y" },
        { id: 3, column: "a", text: "z", pending: true, participant_id: 1 }] }) };
      const run = (type, data) => { state = { ...state, ...reducers[type](state, data) }; };
      run("privacy.erased", { participants: [1], cards: [1], replies: [] });
      const after_ids = [...state.cards.keys()];
      run("privacy.erased", { card: { id: 3, pending: true, deleted: true, participant_id: 1 } });
      return { after_ids, left: [...state.cards.keys()] };
    }""")
    assert result == {"after_ids": [2, 3], "left": [2]}


def test_a_paged_state_is_assembled_and_events_meanwhile_win(live, new_page):
    """Issue #11 point 5: a late joiner asks for pages, draws the first at once, fetches the rest; a card an
    event removed (or changed) while pages were coming is not brought back by an older page."""
    page = open_store_page(live, new_page)
    result = page.evaluate("""async () => {
      const { store, socket, card, texts } = await fakeStore("PAGETEST");
      const asked = socket.last("join").payload.paged;
      socket.fire("connect");  // a new join, answered with a first page and a cursor
      socket.last("join").ack({ ok: true, participant: { id: 1, name: "Nadia", role: "participant" },
        state: { workshop: { status: "open" }, columns: [{ key: "obstacle", label: "Freins" }],
                 cards: [card(1, "un"), card(2, "deux")], cards_next: 2 }, seq: 9 });
      const first = texts();
      socket.fire("event", { seq: 10, type: "card.deleted", data: { card: { id: 4, deleted: true } } });
      socket.fire("event", { seq: 11, type: "card.updated", data: { card: card(3, "trois, corrigé") } });
      socket.fire("event", { seq: 12, type: "card.moved",  // a card of a later page moved before it came
                             data: { card_id: 5, column: "lever", group_id: null, order: [5] } });
      const request = socket.last("state.cards");
      request.ack({ ok: true, cards: [card(3, "trois"), card(4, "quatre")], next: 4, seq: 9 });
      socket.last("state.cards").ack({ ok: true, cards: [card(5, "cinq")], next: null, seq: 11 });
      return { asked, first, after: request.payload.after, texts: texts(),
               moved: store.state.cards.get(5).column,
               pages: socket.names().filter((n) => n === "state.cards").length };
    }""")
    assert result["asked"] is True
    assert result["first"] == ["un", "deux"]
    assert result["after"] == 2
    assert result["pages"] == 2
    assert sorted(result["texts"]) == sorted(["un", "deux", "trois, corrigé", "cinq"])
    assert result["moved"] == "lever"  # the page (older than the move) did not put it back in its old column


def test_a_hole_found_while_a_resync_waits_for_its_answer_asks_nothing_more(live, new_page):
    """A slow server (a big board's replay): the events that keep coming meanwhile each wait out their hold and find
    the hole still open; the answer on its way fills it, so they ask nothing more (each ask is a costly read)."""
    page = a_hole_asked(live, new_page, "SLOWTEST", "{ holdMs: 0 }")
    asked = page.evaluate("""async () => {
      for (let seq = 8; seq <= 12; seq++) {  // the first resync is not answered yet
        t.socket.fire("event", t.added(seq, seq, `carte ${seq}`));
        await new Promise((done) => setTimeout(done, 30));
      }
      const before = t.socket.count("resync");
      t.socket.last("resync").ack({ ok: true, seq: 12, events: [6, 7, 8, 9, 10, 11, 12].map(
        (seq) => t.added(seq, seq, `carte ${seq}`)) });
      return [before, t.store.state.seq];
    }""")
    assert asked == [1, 12]
