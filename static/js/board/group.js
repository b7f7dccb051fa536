// The group view: a box of cards under a heading (its name, its dots, a "⋯" menu of its actions: rename,
// ungroup, spotlight, make a practice sheet; and in the facilitator's selection mode the tick box that selects
// the whole group). The menu is the card's (card-menu.js). The heading is this module's alone: whatever it shows
// is in its signature, so a redraw (a rename, a dot) keeps it.
import { button, el } from "./dom.js";
import { cardMenu } from "./card-menu.js";
import { selectBox } from "./selection.js";
import { canGroup, dotsFor, isModerator, allows } from "./selectors.js";

export function createGroups({ store, t, refresh, voteWidget }) {
  const boxes = new Map(); // group id -> {box, head, inner, signature}
  const renaming = new Map(); // group id -> name being typed
  const send = (event, payload) => store.act(event, payload, { fallback: t.fac.failed });
  let openMenu = null; // the group whose "⋯" menu is open
  document.addEventListener("click", (e) => {
    if (openMenu !== null && !e.target.closest(".note-menu")) toggleMenu(openMenu, false, false);
  });

  /** The box of a group, its heading drawn again only when what it shows changed. */
  function box(state, group) {
    let known = boxes.get(group.id);
    if (!known) {
      const head = el("header", { className: "group-head" });
      const inner = el("div", { className: "group-notes", dataset: { groupId: group.id } });
      known = { box: el("section", { className: "group", dataset: { groupId: group.id } }, head, inner), head, inner };
      boxes.set(group.id, known);
    }
    known.box.classList.toggle("merge", group.kind === "merge");
    known.box.classList.toggle("is-selected", !!state.ui.selecting && state.ui.selectedGroups.has(group.id));
    const signature = JSON.stringify([group.name, group.kind, dotsFor(state, "group", group.id), state.fac.votes,
      allows(state, "vote"), canGroup(state), isModerator(state), state.ui.selecting,
      state.ui.selectedGroups.has(group.id), renaming.has(group.id), openMenu === group.id]);
    if (known.signature !== signature) {
      known.signature = signature;
      known.head.replaceChildren(...(renaming.has(group.id) ? [renameForm(group)] : head(state, group)));
    }
    return known;
  }

  function prune(keep) {
    for (const id of boxes.keys()) if (!keep.has(id)) boxes.delete(id);
  }

  function head(state, group) {
    const f = t.fac;
    const parts = [selectBox(store, state, "group", group.id, t.fac.select_group), el("h3", { className: "group-name",
      textContent: group.name || (group.kind === "merge" ? f.merged : f.unnamed) })];
    parts.push(voteWidget(state, "group", group.id), menu(state, group));
    return parts.filter(Boolean);
  }

  function menu(state, group) {
    const f = t.fac;
    const items = [];
    const item = (name, label, run) => items.push({ name, label, run });
    if (canGroup(state)) item("rename", f.rename, () => startRename(group));
    if (isModerator(state)) {
      item("spotlight", f.spotlight, () => send("spotlight.set", { kind: "group", id: group.id }));
      if (t.practices?.create && state.fac) {
        item("sheet", t.practices.create, () => store.act("practice.create",
          { card_ids: [], group_ids: [group.id], title: group.name || undefined }, { fallback: t.practices.error }));
      }
      item("ungroup", group.kind === "merge" ? f.unmerge : f.ungroup, () => send("group.delete", { id: group.id }));
    }
    if (!items.length) return null;
    known(group.id)?.box.classList.toggle("menu-open", openMenu === group.id);
    return cardMenu({ id: `group-${group.id}`, label: f.group_menu, items, open: openMenu === group.id,
      toggle: (open, refocus = true) => toggleMenu(group.id, open, refocus) });
  }

  const known = (id) => boxes.get(id);

  function toggleMenu(id, open, refocus) {
    openMenu = open ? id : null;
    refresh();
    const key = open ? `menu:group-${id}:0` : `menu:group-${id}`;
    if (open || refocus) document.querySelector(`[data-focus-key="${key}"]`)?.focus();
  }

  function startRename(group) {
    renaming.set(group.id, group.name || "");
    refresh();
    document.querySelector(`[data-focus-key="rename:${group.id}"]`)?.focus();
  }

  function renameForm(group) {
    const f = t.fac;
    const done = () => { renaming.delete(group.id); refresh(); };
    const input = el("input", { value: renaming.get(group.id), maxLength: 120, "aria-label": f.group_name,
      dataset: { focusKey: `rename:${group.id}` },
      on: { keydown: (e) => { if (e.key === "Escape") done(); }, input: () => renaming.set(group.id, input.value) } });
    return el("form", { className: "group-rename", on: { submit: (e) => {
      e.preventDefault();
      send("group.rename", { id: group.id, name: input.value }).then((ack) => ack && ack.ok && done());
    } } }, input, el("button", { className: "button small", type: "submit", textContent: f.save }),
    button(f.cancel, done, "link small"));
  }

  return { box, prune };
}
