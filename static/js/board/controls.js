// The facilitator's controls in the phase bar: phases, reveal, lock, timer, tables, votes, undo, grouping
// suggestions, columns, settings, exports and saving the format (the selection of cards: selection.js).
import { button, el } from "./dom.js";
import { tr } from "./lang.js";

export function createControls({ store, t, redraw }) {
  const f = t.fac;
  const root = document.getElementById("board");
  const send = (event, payload = {}) => store.act(event, payload, { fallback: f.failed });
  const sendThen = (event, payload, done) => send(event, payload).then((ack) => ack && ack.ok && done(ack));
  let moreOpen = false; // the "columns, exports, format" drawer stays as the facilitator left it
  let suggestions = []; // grouping suggestions not yet accepted or dismissed

  function element(state, index) {
    const fac = state.fac;
    const prev = fac.phases[index - 1];
    const next = fac.phases[index + 1];
    const select = el("select", { className: "phase-select", "aria-label": f.phase,
      on: { change: (e) => send("phase.set", { phase: e.target.value }) } },
    ...fac.phases.map((p, i) => el("option", { value: p.key, selected: i === index,
      textContent: `${i + 1}. ${tr(p.label)}${p.minutes ? ` (${p.minutes} min)` : ""}` })));
    const more = el("details", { className: "more-tools", open: moreOpen,
      on: { toggle: () => { moreOpen = more.open; } } }, el("summary", { textContent: f.more }),
    settingsForm(fac),
    columnTools(state),
    el("p", {}, el("a", { className: "button small", href: root.dataset.exportCsv, textContent: f.export_csv }), " ",
      el("a", { className: "button small", href: root.dataset.exportMd, textContent: f.export_md })),
    saveFormatForm());
    return el("div", { className: "fac-controls" },
      el("div", { className: "control-row" },
        prev ? button(`← ${tr(prev.label)}`, () => send("phase.set", { phase: prev.key })) : null,
        select,
        next ? button(`${tr(next.label)} →`, () => send("phase.set", { phase: next.key }), "button small primary") : null,
        button(f.reveal_cards, () => send("cards.reveal")),
        button(fac.locked ? f.unlock : f.lock, () => send("board.lock", { locked: !fac.locked }))),
      el("div", { className: "control-row" }, el("span", { className: "small", textContent: f.timer }),
        ...timerButtons(fac)),
      tablesForm(fac),
      el("div", { className: "control-row" },
        button(fac.votes.revealed ? f.hide_results : f.show_results,
          () => send("votes.reveal", { revealed: !fac.votes.revealed })),
        button(f.reset_votes, () => confirm(f.confirm_reset) && send("votes.reset")),
        button(f.undo, () => send("undo")),
        button(f.suggest, suggestGroups),
        fac.spotlight ? button(f.end_spotlight, () => send("spotlight.clear")) : null),
      more,
      suggestionsBox(state));
  }

  function timerButtons(fac) {
    const timer = fac.timer || {};
    if (timer.running) {
      return [button(f.pause, () => send("timer.pause")), button(f.plus_minute, () => send("timer.extend", { seconds: 60 })),
        button(f.stop, () => send("timer.stop"))];
    }
    if (timer.paused) return [button(f.resume, () => send("timer.resume")), button(f.stop, () => send("timer.stop"))];
    const minutes = el("input", { type: "number", min: 1, max: 240, value: fac.phase.minutes || 5,
      className: "timer-minutes", "aria-label": f.minutes });
    const lockOnEnd = el("input", { type: "checkbox", id: "lock-on-end" });
    return [minutes, el("label", { className: "small" }, lockOnEnd, ` ${f.lock_on_end}`),
      button(f.start, () => send("timer.start", { seconds: Math.round(Number(minutes.value) * 60),
        lock_on_end: lockOnEnd.checked }))];
  }

  function tablesForm(fac) {
    if (!fac.tables.columns.length) return null;
    const count = el("input", { type: "number", min: 1, max: 20, value: fac.tables.count || 4,
      className: "timer-minutes", "aria-label": f.tables, dataset: { testid: "tables-count" } });
    return el("div", { className: "control-row" }, el("label", { className: "small", textContent: `${f.tables} ` }),
      count, button(f.save, () => send("settings.update", { tables: Number(count.value) })));
  }

  function columnTools(state) {
    const label = el("input", { maxLength: 80, placeholder: f.column_name, "aria-label": f.column_name });
    const form = el("form", { className: "control-row", on: { submit: (e) => {
      e.preventDefault();
      sendThen("column.add", { label: label.value }, () => { label.value = ""; });
    } } }, label, el("button", { className: "button small", type: "submit", textContent: f.add_column }));
    const offered = state.fac.extraColumns.filter((c) => !state.columns.some((col) => col.key === c.key))
      .map((c) => button(`+ ${tr(c.label)}`, () => send("column.add", { key: c.key })));
    const existing = state.columns.map((c, i) => el("li", {},
      el("span", { textContent: tr(c.label) }), " ",
      i > 0 ? button("←", () => send("column.update", { key: c.key, position: i - 1 }), "link small") : null, " ",
      button(f.rename, () => {
        const name = prompt(f.column_name, c.label);
        if (name) send("column.update", { key: c.key, label: name });
      }, "link small"), " ",
      button(f.remove, () => send("column.remove", { key: c.key }), "link small")));
    return el("div", {}, el("ul", { className: "column-tools" }, ...existing), form,
      offered.length ? el("p", {}, ...offered) : null);
  }

  function settingsForm(fac) {
    const budget = el("input", { type: "number", min: 1, max: 20, value: fac.settings.vote_budget,
      className: "timer-minutes", "aria-label": f.budget });
    const flag = (name, label) => {
      const box = el("input", { type: "checkbox", checked: !!fac.settings[name],
        on: { change: (e) => send("settings.update", { [name]: e.target.checked }) } });
      return el("label", { className: "small" }, box, ` ${label}`);
    };
    return el("div", { className: "control-row" },
      el("label", { className: "small", textContent: `${f.budget} ` }), budget,
      button(f.save, () => send("settings.update", { vote_budget: Number(budget.value) })),
      flag("multi_dots", f.multi_dots), flag("everyone_groups", f.everyone_groups), flag("anonymous", f.anonymous));
  }

  function saveFormatForm() {
    const label = el("input", { maxLength: 120, placeholder: f.format_name, "aria-label": f.format_name });
    return el("form", { className: "control-row", on: { submit: (e) => {
      e.preventDefault();
      sendThen("format.save", { label: label.value }, () => {
        label.value = "";
        store.report({ code: "info", message: f.format_saved });
      });
    } } }, label, el("button", { className: "button small", type: "submit", textContent: f.save_format }));
  }

  // --- Grouping suggestions -----------------------------------------------------------------------------

  function suggestGroups() {
    sendThen("groups.suggest", {}, (ack) => {
      suggestions = ack.suggestions.length ? ack.suggestions : null;
      redraw();
    });
  }

  function suggestionsBox(state) {
    const box = el("div", { id: "suggestions" });
    if (suggestions === null) {
      box.append(el("p", { className: "small muted", textContent: f.no_suggestion }));
      return box;
    }
    const drop = (s) => { suggestions = suggestions.filter((x) => x !== s); redraw(); };
    box.append(...suggestions.map((s) => {
      const texts = s.card_ids.map((id) => state.cards.get(id)?.text || "").join(" · ");
      return el("div", { className: "suggestion" }, el("span", { className: "small", textContent: texts }),
        button(f.accept, () => sendThen("group.create", { card_ids: s.card_ids, name: s.name }, () => drop(s))),
        button(f.dismiss, () => drop(s), "link small"));
    }));
    return box;
  }

  return { element };
}
