// The facilitator's selection mode (#selection-bar): one way to pick cards and groups, one bar of what can be
// done with them (group, merge, make a practice sheet). Outside the mode the cards carry no tick box at all;
// inside it, each card and group carries one, and a tap on a card ticks it too.
import { button, el, fmt } from "./dom.js";
import { isModerator } from "./selectors.js";

/** Tick or untick a card (kind "card") or a group (kind "group") in the store's selection. */
export function toggleSelected(store, kind, id, on) {
  const key = kind === "group" ? "selectedGroups" : "selected";
  const next = new Set(store.state.ui[key]);
  if (on ?? !next.has(id)) next.add(id); else next.delete(id);
  store.setUi({ [key]: next });
}

/** The one tick box of a card or group while selecting (null outside the mode, or for participants). */
export function selectBox(store, state, kind, id, label) {
  if (!state.ui.selecting || !isModerator(state)) return null;
  const key = kind === "group" ? "selectedGroups" : "selected";
  const box = el("input", { type: "checkbox", className: "select-box", checked: state.ui[key].has(id),
    on: { change: () => toggleSelected(store, kind, id, box.checked) } });
  return el("label", { className: "select-label", title: label }, box,
    el("span", { className: "visually-hidden" }, label));
}

export function mountSelection({ store, t }) {
  const bar = document.getElementById("selection-bar");
  if (!bar) return;
  const f = t.fac;
  const p = t.practices;
  let lastCreated = null;
  let seen = {};

  store.subscribe((state) => {
    const { ui, me, fac } = state;
    const secret = hasSecret(state);
    if (ui.selecting === seen.selecting && ui.selected === seen.selected && ui.selectedGroups === seen.groups
      && me === seen.me && !!fac === seen.fac && secret === seen.secret && ui.prereading === seen.prereading) return;
    seen = { selecting: ui.selecting, selected: ui.selected, groups: ui.selectedGroups, me, fac: !!fac, secret,
      prereading: ui.prereading };
    render(state);
  });

  /** Silent writing the facilitator received and may pre-read (others' private cards, with their text). */
  function hasSecret(state) {
    if (!isModerator(state)) return false;
    const theirs = (c) => c.private && c.text !== undefined && c.participant_id !== state.me.id;
    return [...state.cards.values()].some(theirs);
  }

  /** Pre-reading is off by default: the facilitator's own screen is often the one on the wall. */
  function prereadToggle(state) {
    if (!hasSecret(state)) return "";
    const on = !!state.ui.prereading;
    const b = button(on ? f.preread_stop : f.preread, () => store.setUi({ prereading: !on }), "button small");
    b.setAttribute("aria-pressed", String(on));
    b.dataset.testid = "preread";
    return b;
  }

  const clear = () => store.setUi({ selected: new Set(), selectedGroups: new Set() });
  const leave = () => store.setUi({ selecting: false, selected: new Set(), selectedGroups: new Set() });

  function render(state) {
    bar.hidden = !isModerator(state);
    if (bar.hidden) return;
    const on = !!state.ui.selecting;
    bar.classList.toggle("is-on", on);
    document.body.classList.toggle("selecting", on);
    const toggle = button(on ? f.select_done : f.select_mode, () => (on ? leave() : store.setUi({ selecting: true })),
      `button small${on ? "" : " primary"}`);
    toggle.setAttribute("aria-pressed", String(on));
    toggle.dataset.testid = "select-mode";
    if (!on) return bar.replaceChildren(toggle, prereadToggle(state), created());
    bar.replaceChildren(toggle, ...actions(state), prereadToggle(state), created());
  }

  function actions(state) {
    const cards = [...state.ui.selected];
    const groups = [...state.ui.selectedGroups];
    const count = cards.length + groups.length;
    const status = el("span", { className: "selection-count", role: "status",
      textContent: count ? fmt(p.selected, { n: count }) : f.select_hint });
    const cardsOnly = cards.length > 0 && groups.length === 0 && !!state.fac;
    const group = button(f.group, () => make("group", cards));
    group.disabled = !cardsOnly;
    const merge = button(f.merge, () => make("merge", cards));
    merge.disabled = !cardsOnly || cards.length < 2;
    const title = el("input", { type: "text", maxLength: 200, placeholder: p.title_placeholder, id: "practice-title",
      "aria-label": p.title_placeholder, value: document.getElementById("practice-title")?.value || "" });
    const sheet = el("button", { type: "submit", className: "button small primary", textContent: p.create,
      disabled: count === 0 });
    const form = el("form", { className: "practice-create", on: { submit: (e) => {
      e.preventDefault();
      store.act("practice.create", { card_ids: cards, group_ids: groups, title: title.value.trim() || undefined },
        { fallback: p.error }).then((ack) => {
        if (!ack || !ack.ok) return;
        lastCreated = ack.practice;
        title.value = "";
        clear();
      });
    } } }, title, sheet);
    const cancel = button(f.clear_selection, clear, "link small");
    cancel.disabled = count === 0;
    return [status, el("span", { className: "selection-actions" }, group, merge), form, cancel];
  }

  function make(kind, cards) {
    store.act("group.create", { card_ids: cards, kind }, { fallback: f.failed })
      .then((ack) => ack && ack.ok && clear());
  }

  function created() {
    if (!lastCreated) return "";
    return el("p", { className: "small selection-created", role: "status" }, p.created, " ",
      el("a", { href: `${lastCreated.url}/modifier`, target: "_blank", textContent: lastCreated.title }));
  }
}
