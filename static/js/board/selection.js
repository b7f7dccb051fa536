// The facilitator's selection mode (#selection-bar): one way to pick cards and groups, and one compact bar at the
// bottom of the screen of what can be done with them: the count, the main action (group the cards, or make a
// practice sheet of groups) and a "⋯" menu of the others (merge, make a sheet, untick all, pre-read), the same
// menu button as a card's (card-menu.js). Outside the mode the cards carry no tick box at all; inside it, each
// card and group carries one, and a tap on a card ticks it too. The bar is one line on a phone, and the card just
// ticked is scrolled above it, never under it.
import { button, el, fmt } from "./dom.js";
import { cardMenu } from "./card-menu.js";
import { isModerator } from "./selectors.js";

/** Tick or untick a card (kind "card") or a group (kind "group") in the store's selection. */
export function toggleSelected(store, kind, id, on) {
  const key = kind === "group" ? "selectedGroups" : "selected";
  const next = new Set(store.state.ui[key]);
  if (on ?? !next.has(id)) next.add(id); else next.delete(id);
  store.setUi({ [key]: next });
  // Drawn again by now: keep what was ticked clear of the bar (scroll-margin in app.css is the bar's height).
  const selector = kind === "group" ? `section.group[data-group-id="${id}"]` : `.note[data-card-id="${id}"]`;
  requestAnimationFrame(() => document.querySelector(selector)?.scrollIntoView({ block: "nearest", inline: "nearest" }));
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
  let menuOpen = false;
  let naming = false; // the sheet's title field is shown (a second line, while it is typed)
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
  document.addEventListener("click", (e) => {
    if (menuOpen && !e.target.closest(".note-menu")) { menuOpen = false; render(store.state); }
  });
  // The bar's height, for the room kept below the board and above a ticked card.
  new ResizeObserver(() => document.body.style.setProperty("--selection-bar", `${bar.offsetHeight}px`)).observe(bar);

  /** Silent writing the facilitator received and may pre-read (others' private cards, with their text). */
  function hasSecret(state) {
    if (!isModerator(state)) return false;
    const theirs = (c) => c.private && c.text !== undefined && c.participant_id !== state.me.id;
    return [...state.cards.values()].some(theirs);
  }

  const togglePreread = () => store.setUi({ prereading: !store.state.ui.prereading });

  /** Pre-reading is off by default: the facilitator's own screen is often the one on the wall. */
  function prereadToggle(state) {
    if (!hasSecret(state)) return "";
    const on = !!state.ui.prereading;
    const b = button(on ? f.preread_stop : f.preread, togglePreread, "button small");
    b.setAttribute("aria-pressed", String(on));
    b.dataset.testid = "preread";
    return b;
  }

  const clear = () => store.setUi({ selected: new Set(), selectedGroups: new Set() });
  const leave = () => {
    menuOpen = naming = false;
    store.setUi({ selecting: false, selected: new Set(), selectedGroups: new Set() });
  };

  function render(state) {
    bar.hidden = !isModerator(state);
    if (bar.hidden) return;
    const on = !!state.ui.selecting;
    bar.classList.toggle("is-on", on);
    document.body.classList.toggle("selecting", on);
    if (!on) {
      const start = button(f.select_mode, () => store.setUi({ selecting: true }), "button small primary");
      start.setAttribute("aria-pressed", "false");
      start.dataset.testid = "select-mode";
      return bar.replaceChildren(start, prereadToggle(state), created());
    }
    const done = el("button", { type: "button", className: "button small selection-done", textContent: "✕",
      title: f.select_done, "aria-label": f.select_done, "aria-pressed": "true", dataset: { testid: "select-mode" },
      on: { click: leave } });
    const line = el("div", { className: "selection-line" }, done, ...actions(state));
    const count = state.ui.selected.size + state.ui.selectedGroups.size;
    bar.replaceChildren(line, naming ? sheetForm(state) : "", count || naming ? "" : created());
  }

  function actions(state) {
    const cards = [...state.ui.selected];
    const groups = [...state.ui.selectedGroups];
    const count = cards.length + groups.length;
    const status = el("span", { className: "selection-count", role: "status",
      textContent: count ? fmt(f.selected_n, { n: count }) : f.select_hint, title: count ? "" : f.select_hint });
    const cardsOnly = cards.length > 0 && groups.length === 0 && !!state.fac;
    const items = [];
    const item = (name, label, run) => items.push({ name, label, run });
    let main = null;
    if (cardsOnly) main = button(f.group, () => make("group", cards), "button small primary");
    else if (count) main = button(f.make_sheet, () => nameSheet(), "button small primary");
    if (cardsOnly && cards.length > 1) item("merge", f.merge, () => make("merge", cards));
    if (cardsOnly) item("sheet", p.create, () => nameSheet());
    if (count) item("clear", f.clear_selection, clear);
    if (hasSecret(state)) item("preread", state.ui.prereading ? f.preread_stop : f.preread, togglePreread);
    if (main) main.dataset.testid = "selection-main";
    const more = items.length ? cardMenu({ id: "selection", label: f.selection_more, items, open: menuOpen,
      toggle: (open, refocus = true) => {
        menuOpen = open;
        render(store.state);
        const key = open ? "menu:selection:0" : "menu:selection";
        if (open || refocus) bar.querySelector(`[data-focus-key="${key}"]`)?.focus();
      } }) : "";
    return [status, main || "", more];
  }

  function nameSheet() {
    naming = true;
    render(store.state);
    document.getElementById("practice-title")?.focus();
  }

  function sheetForm(state) {
    const cards = [...state.ui.selected];
    const groups = [...state.ui.selectedGroups];
    const title = el("input", { type: "text", maxLength: 200, placeholder: p.title_placeholder, id: "practice-title",
      "aria-label": p.title_placeholder, value: document.getElementById("practice-title")?.value || "",
      on: { keydown: (e) => { if (e.key === "Escape") { naming = false; render(store.state); } } } });
    const sheet = el("button", { type: "submit", className: "button small primary", textContent: p.create,
      disabled: cards.length + groups.length === 0 });
    const cancel = button(f.cancel, () => { naming = false; render(store.state); }, "button small");
    return el("form", { className: "practice-create", on: { submit: (e) => {
      e.preventDefault();
      store.act("practice.create", { card_ids: cards, group_ids: groups, title: title.value.trim() || undefined },
        { fallback: p.error }).then((ack) => {
        if (!ack || !ack.ok) return;
        lastCreated = ack.practice;
        naming = false;
        title.value = "";
        clear();
      });
    } } }, title, sheet, cancel);
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
