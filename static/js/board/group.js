// The group view: a box of cards under a heading (name, rename, ungroup, spotlight, dots, the tick box that
// puts the whole group in a practice sheet). The columns view places the cards inside it.
import { button, el } from "./dom.js";
import { canGroup, dotsFor, isModerator, allows } from "./selectors.js";

export function createGroups({ store, t, refresh, voteWidget }) {
  const boxes = new Map(); // group id -> {box, head, inner, signature}
  const renaming = new Map(); // group id -> name being typed
  const send = (event, payload) => store.act(event, payload, { fallback: t.fac.failed });

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
    const signature = JSON.stringify([group.name, group.kind, dotsFor(state, "group", group.id), state.fac.votes,
      allows(state, "vote"), canGroup(state), isModerator(state), state.ui.practiceGroups.has(group.id),
      renaming.has(group.id)]);
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
    const parts = [el("h3", { className: "group-name",
      textContent: group.name || (group.kind === "merge" ? f.merged : f.unnamed) })];
    if (canGroup(state)) parts.push(button(f.rename, () => startRename(group), "link small"));
    if (isModerator(state)) {
      parts.push(button(group.kind === "merge" ? f.unmerge : f.ungroup, () => send("group.delete", { id: group.id }),
        "link small"));
      parts.push(button(f.spotlight, () => send("spotlight.set", { kind: "group", id: group.id }), "link small"));
    }
    parts.push(voteWidget(state, "group", group.id));
    if (isModerator(state)) parts.push(practiceBox(state, group.id));
    return parts.filter(Boolean);
  }

  function practiceBox(state, id) {
    const box = el("input", { type: "checkbox", className: "practice-group-select",
      checked: state.ui.practiceGroups.has(id), "aria-label": t.practices.select_group, on: { change: () => {
        const practiceGroups = new Set(store.state.ui.practiceGroups);
        if (box.checked) practiceGroups.add(id); else practiceGroups.delete(id);
        store.setUi({ practiceGroups });
      } } });
    return box;
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
