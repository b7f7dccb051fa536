// The columns view: one section per column, and in it the groups, the world-café table headings, the cards and
// the cards still waiting in the outbox, in the order the store's state says (the composer: composer.js).
// On a phone the columns sit side by side, one per screen, and swipe (scroll-snap in app.css).
// Cards can be dragged (SortableJS) by whoever may group; the drop is sent, and the board redraws where the
// server says.
import Sortable from "../../vendor/sortable.esm.js";
import { createCards } from "./card.js";
import { el, fmt, reorder } from "./dom.js";
import { createGroups } from "./group.js";
import { onBoard } from "./inbox.js";
import { pictogram, tr } from "./lang.js";
import { canGroup, myTable } from "./selectors.js";

export function mountColumns({ store, t, speech }) {
  const host = document.getElementById("columns");
  const refresh = () => render(store.state);
  const cards = createCards({ store, t, refresh, speech });
  const groups = createGroups({ store, t, refresh, voteWidget: cards.voteWidget });
  let sections = new Map(); // column key -> {section, list, count, heads}
  let columnsSignature = null;
  let spotlight = null;
  let dragging = false;

  store.subscribe((state, change) => {
    render(state);
    if (change.keys.has("fac")) showSpotlight(state, true);
  });
  render(store.state);

  function render(state) {
    if (dragging) return; // the drop redraws
    const focused = document.activeElement?.dataset?.focusKey;
    const signature = JSON.stringify(state.columns);
    if (signature !== columnsSignature) {
      columnsSignature = signature;
      drawColumns(state.columns);
    }
    const keep = new Set();
    const keepGroups = new Set();
    const delivered = new Set([...state.cards.values()].map((c) => c.client_id));
    const groupList = state.fac ? [...state.fac.groups.values()].sort((a, b) => a.id - b.id) : [];
    const grouped = new Set(groupList.flatMap((g) => g.card_ids));
    for (const [key, column] of sections) {
      const boxes = groupList.filter((g) => g.column === key).map((group) => {
        keepGroups.add(group.id);
        const box = groups.box(state, group);
        const notes = group.card_ids.map((id) => state.cards.get(id)).filter(Boolean).map((card) => {
          keep.add(card.id);
          return cards.element(state, card);
        });
        reorder(box.inner, notes);
        return box;
      });
      const loose = [...state.cards.values()]
        .filter((c) => c.column === key && !grouped.has(c.id) && onBoard(state, c))
        .sort((a, b) => place(state, a) - place(state, b) || a.id - b.id);
      loose.forEach((c) => keep.add(c.id));
      const pending = state.outbox.filter((i) => i.column === key && !delivered.has(i.client_id)).map((item) => {
        keep.add(`p:${item.client_id}`);
        return cards.element(state, item, true);
      });
      reorder(column.list, [...boxes.map((b) => b.box), ...byTable(state, column, loose), ...pending]);
      column.count.textContent = column.list.querySelectorAll(".note").length;
      const enabled = canGroup(state);
      sortable(column.list, enabled);
      boxes.forEach((b) => sortable(b.inner, enabled));
    }
    cards.prune(keep);
    groups.prune(keepGroups);
    showSpotlight(state, false);
    if (focused && document.activeElement?.dataset?.focusKey !== focused) {
      const again = host.querySelector(`[data-focus-key="${CSS.escape(focused)}"]`);
      if (again) {
        again.focus();
        if (again.value !== undefined) again.setSelectionRange?.(again.value.length, again.value.length);
      }
    }
  }

  function place(state, card) {
    return state.fac?.place.get(card.id)?.pos ?? 1e9;
  }

  // World café: in a round column, loose cards under a "Table n" heading each; during a round my table comes
  // first, otherwise (harvest) every table in order.
  function byTable(state, column, loose) {
    const notes = (list) => list.map((c) => cards.element(state, c));
    const tables = state.fac?.tables;
    if (!tables || !tables.count || !tables.columns.includes(column.key)) return notes(loose);
    const mineNow = myTable(state);
    const first = state.fac.phase.by_table ? mineNow : null;
    const rank = (n) => (n === null || n === undefined ? 1e6 : n === first ? -1 : n);
    const order = [...new Set(loose.map((c) => c.table ?? null))].sort((a, b) => rank(a) - rank(b));
    const heads = new Map();
    const out = [];
    for (const table of order) {
      const name = table === null ? "none" : String(table);
      const label = table === null ? t.fac.no_table
        : `${fmt(t.fac.table_n, { n: table })}${table === mineNow ? ` ${t.fac.mine_table}` : ""}`;
      const head = column.heads.get(name) || el("h3", { className: "table-head small",
        dataset: { table: name, testid: "table-head" } });
      if (head.textContent !== label) head.textContent = label;
      head.classList.toggle("mine", table !== null && table === mineNow);
      heads.set(name, head);
      out.push(head, ...notes(loose.filter((c) => (c.table ?? null) === table)));
    }
    column.heads = heads;
    return out;
  }

  // --- Columns ------------------------------------------------------------------------------------------

  function drawColumns(columns) {
    sections = new Map(columns.map((column) => [column.key, columnSection(column)]));
    host.replaceChildren(...[...sections.values()].map((s) => s.section));
  }

  function columnSection(column) {
    const count = el("span", { className: "count" });
    const list = el("div", { className: "notes" });
    const heading = el("h2", { id: `column-${column.key}`, textContent: tr(column.label) });
    const section = el("section", { className: "column", dataset: { column: column.key },
      "aria-labelledby": heading.id },
    el("header", {},
      el("span", { className: "column-picto", "aria-hidden": "true", textContent: pictogram(column.key) }),
      heading, count),
    el("p", { className: "column-prompt", textContent: tr(column.prompt) }), list);
    section.style.setProperty("--note", column.color);
    return { key: column.key, section, list, count, heads: new Map() };
  }

  // --- Drag and drop, spotlight ------------------------------------------------------------------------

  function sortable(list, enabled) {
    if (list.sortable) return list.sortable.option("disabled", !enabled);
    if (!enabled) return;
    list.sortable = Sortable.create(list, {
      group: "cards",
      draggable: ".note[data-card-id]",
      filter: "button, input, textarea, select, summary, a",
      preventOnFilter: false,
      animation: 120,
      onStart: () => { dragging = true; },
      onEnd: (evt) => {
        dragging = false;
        const to = evt.to;
        const position = [...to.querySelectorAll(":scope > .note[data-card-id]")].indexOf(evt.item);
        store.act("card.move", { id: Number(evt.item.dataset.cardId), column: to.closest(".column").dataset.column,
          group_id: to.classList.contains("group-notes") ? Number(to.dataset.groupId) : null, position },
        { fallback: t.fac.failed });
        refresh(); // until the event comes back, put things where the server last said
      },
    });
  }

  function showSpotlight(state, scroll) {
    const s = state.fac?.spotlight || null;
    const target = !s ? null : s.kind === "card" ? host.querySelector(`.note[data-card-id="${s.id}"]`)
      : host.querySelector(`.group[data-group-id="${s.id}"]`);
    host.querySelectorAll(".spotlight").forEach((n) => { if (n !== target) n.classList.remove("spotlight"); });
    if (!target) return;
    target.classList.add("spotlight");
    if (!scroll || JSON.stringify(s) === spotlight) return; // scroll once, when the spotlight moves
    spotlight = JSON.stringify(s);
    target.scrollIntoView({ behavior: "smooth", block: "center", inline: "center" });
  }
}
