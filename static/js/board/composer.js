// The one composer of the board (#dock): the column tabs and the text box, fixed at the bottom of the screen so
// it is always at hand. The column a card goes to is picked by a tap on a tab and remembered on the device. On a
// phone the columns swipe one per screen (#columns scrolls sideways): the tabs follow the column in view, and a
// tap on a tab brings its column into view, so "where I look" is "where I write". Posting goes through the store.
import { el, fmt } from "./dom.js";
import { composerNotice, showNotice } from "./inbox.js";
import { pictogram, tr } from "./lang.js";

const PHONE = window.matchMedia("(max-width: 759px)");

export function mountComposer({ store, t }) {
  const b = t.board;
  const dock = document.getElementById("dock");
  const host = document.getElementById("columns");
  const memory = `passerelles:column:${document.getElementById("board").dataset.code}`;
  const tabs = el("div", { className: "column-tabs", role: "radiogroup", "aria-label": b.column,
    dataset: { testid: "column-tabs" } });
  const area = el("textarea", { id: "composer-text", name: "text", maxLength: 500, rows: 1, placeholder: b.placeholder,
    dir: "auto", enterKeyHint: "send", dataset: { testid: "composer-text" } });
  const error = el("p", { className: "field-error", hidden: true, role: "alert" });
  const add = el("button", { type: "submit", className: "button primary", textContent: b.add });
  const notice = composerNotice(t, area); // moderated mode: cards wait for the facilitator's validation
  const form = el("form", { id: "composer", className: "composer", dataset: { testid: "composer" } },
    el("div", { className: "composer-row" }, area, add), notice, error);
  dock.replaceChildren(tabs, form);
  let current = localStorage.getItem(memory) || null;
  let signature = null;
  let counts = null;
  let asked = false; // the name dialog showed: once in, the person goes straight to writing
  let similarTimer = null;
  let settle = null;
  // A tapped tab's column is scrolling into view: the columns passed on the way are not picks (a card typed
  // meanwhile goes to the tapped column). The person's own swipe, wheel or keys take over again.
  let steering = null;

  new ResizeObserver(() => document.body.style.setProperty("--dock", `${dock.offsetHeight}px`)).observe(dock);

  // Enter sends, like a message (the phone keyboard's key says "send"); Shift+Enter breaks the line.
  area.addEventListener("keydown", (e) => {
    if (e.key === "Enter" && !e.shiftKey && !e.isComposing) {
      e.preventDefault();
      form.requestSubmit();
    }
  });
  area.addEventListener("input", () => {
    grow();
    clearTimeout(similarTimer);
    similarTimer = setTimeout(showSimilar, 400);
  });
  form.addEventListener("submit", (e) => {
    e.preventDefault();
    const text = area.value.trim();
    error.hidden = true;
    if (!text) return fieldError(b.empty);
    if (text.length > 500) return fieldError(b.too_long);
    area.value = "";
    grow();
    form.querySelector(".similar")?.remove();
    store.addCard(current, text);
    area.focus();
  });
  tabs.addEventListener("change", (e) => choose(e.target.value, true));
  for (const type of ["touchstart", "wheel", "pointerdown", "keydown"]) {
    host.addEventListener(type, () => { steering = null; }, { passive: true });
  }
  host.addEventListener("scroll", () => {
    cancelAnimationFrame(settle);
    settle = requestAnimationFrame(followSwipe);
  }, { passive: true });

  store.subscribe((state, change) => {
    if (state.needName) asked = true;
    render(state);
    change.refused.forEach(giveBack);
    if (change.joined && asked && !form.hidden && getComputedStyle(form).display !== "none") {
      asked = false;
      area.focus({ preventScroll: true });
    }
  });
  render(store.state);

  function render(state) {
    const columns = state.columns;
    const shape = JSON.stringify(columns.map((c) => [c.key, c.label, c.color]));
    if (shape !== signature) {
      signature = shape;
      counts = null;
      drawTabs(columns);
    }
    const closed = state.workshop?.status === "closed";
    area.disabled = closed;
    add.disabled = closed;
    showNotice(notice, state);
    const next = new Map(columns.map((c) => [c.key, 0]));
    for (const card of state.cards.values()) if (next.has(card.column)) next.set(card.column, next.get(card.column) + 1);
    const delivered = new Set([...state.cards.values()].map((c) => c.client_id));
    for (const item of state.outbox) {
      if (next.has(item.column) && !delivered.has(item.client_id)) next.set(item.column, next.get(item.column) + 1);
    }
    const text = JSON.stringify([...next]);
    if (text !== counts) {
      counts = text;
      for (const [key, n] of next) {
        const count = tabs.querySelector(`[data-column="${CSS.escape(key)}"] .count`);
        if (count) count.textContent = n;
      }
    }
  }

  function drawTabs(columns) {
    if (!columns.length) return tabs.replaceChildren();
    if (!columns.some((c) => c.key === current)) current = columns[0].key;
    tabs.replaceChildren(...columns.map((column) => {
      const input = el("input", { type: "radio", name: "composer-column", value: column.key,
        checked: column.key === current });
      const tab = el("label", { className: "column-tab", dataset: { column: column.key, testid: "column-tab" } },
        input, el("span", { className: "column-picto", "aria-hidden": "true", textContent: pictogram(column.key) }),
        el("span", { className: "tab-name", textContent: tr(column.label) }), " ",
        el("span", { className: "count" }));
      tab.style.setProperty("--note", column.color);
      return tab;
    }));
    choose(current, PHONE.matches, "instant");
  }

  /** Make `key` the column written to (and, when asked, bring it into view on a phone). */
  function choose(key, scroll, behavior = "smooth") {
    if (!key) return;
    current = key;
    localStorage.setItem(memory, key);
    const column = store.state.columns.find((c) => c.key === key);
    area.setAttribute("aria-label", fmt(b.write_in, { column: column ? tr(column.label) : key }));
    for (const input of tabs.querySelectorAll("input")) input.checked = input.value === key;
    const tab = tabs.querySelector(`[data-column="${CSS.escape(key)}"]`);
    tab?.scrollIntoView({ block: "nearest", inline: "nearest" });
    for (const section of host.querySelectorAll("section.column")) {
      section.classList.toggle("is-target", section.dataset.column === key);
    }
    const section = host.querySelector(`section.column[data-column="${CSS.escape(key)}"]`);
    if (scroll && section && PHONE.matches) {
      steering = inView() === section ? null : key;
      section.scrollIntoView({ behavior, block: "nearest", inline: "start" }); // right to left too
      backToTop(section);
    }
  }

  // A swipe: the tab of the column now in view becomes the one written to.
  function followSwipe() {
    if (!PHONE.matches || !host.clientWidth) return;
    const section = inView();
    if (steering) {
      if (section?.dataset.column === steering) steering = null;
      return;
    }
    if (!section || section.dataset.column === current) return;
    choose(section.dataset.column, false);
    backToTop(section);
  }

  function inView() {
    const sections = [...host.querySelectorAll("section.column")];
    const index = Math.round(Math.abs(host.scrollLeft) / (host.clientWidth || 1));
    return sections[Math.min(index, sections.length - 1)];
  }

  // Coming from far down a long column to a short one: show the short one's top rather than empty space.
  function backToTop(section) {
    if (section.getBoundingClientRect().bottom < window.innerHeight / 3) host.scrollIntoView({ block: "start" });
  }

  function grow() {
    area.style.height = "auto";
    area.style.height = `${Math.min(area.scrollHeight + 2, window.innerHeight / 4)}px`;
  }

  function fieldError(message) {
    error.textContent = message;
    error.hidden = false;
  }

  /** A card refused for good goes back into the composer, unless the person is typing another one. */
  function giveBack(item) {
    if (area.value) return;
    area.value = item.text;
    choose(item.column, true);
  }

  // Similar cards already on the board, while typing.
  function showSimilar() {
    let box = form.querySelector(".similar");
    const text = area.value.trim();
    if (text.length < 4 || !store.state.joined) return box?.remove();
    store.request("card.similar", { text }).then((ack) => {
      if (!ack || !ack.ok) return;
      if (!ack.similar.length) return box?.remove();
      if (!box || !box.isConnected) {
        box = el("div", { className: "similar small", role: "status" });
        form.prepend(box);
      }
      box.replaceChildren(el("p", { textContent: t.fac.similar }),
        el("ul", {}, ...ack.similar.map((s) => el("li", { textContent: s.text }))));
    });
  }

  return { current: () => current };
}
