// The phase: in the sticky bar at the top (#bar-phase) the step, its name, the timer and my dots, always in view;
// below the board's header (#facilitation) the instructions, my world-café table, and for the facilitator the
// controls (controls.js); after it, the vote results once revealed (#results).
import { createControls } from "./controls.js";
import { el, fmt } from "./dom.js";
import { tr } from "./lang.js";
import { allows, clock, isModerator, myTable, remainingSeconds } from "./selectors.js";

export function mountPhaseBar({ store, t, speech }) {
  const bar = document.getElementById("facilitation");
  const top = document.getElementById("bar-phase");
  const f = t.fac;
  const controls = createControls({ store, t, redraw: () => draw(store.state) });
  let seen = {};

  store.subscribe((state) => {
    const changed = state.fac !== seen.fac || state.me !== seen.me || state.columns !== seen.columns;
    if (changed) draw(state);
    if (changed || state.cards !== seen.cards) drawResults(state);
    seen = { fac: state.fac, me: state.me, columns: state.columns, cards: state.cards };
  });
  setInterval(tick, 250);

  function draw(state) {
    const fac = state.fac;
    if (!fac) return;
    const phase = fac.phase;
    const index = fac.phases.findIndex((p) => p.key === phase.key);
    top.replaceChildren(
      el("p", { className: "phase-step small", textContent: fac.phases.length
        ? fmt(f.step, { n: index + 1, total: fac.phases.length }) : "" }),
      el("h2", { className: "phase-label", textContent: tr(phase.label), dataset: { testid: "phase-label" } }),
      el("p", { className: "timer", id: "timer", role: "timer", dataset: { testid: "timer" } }),
      votes(state) || "");
    const parts = [
      el("div", { className: "phase-info" },
        el("p", { className: "phase-instructions", textContent: tr(phase.instructions) }),
        phase.instructions ? speech.readButton(t.board.read, () => tr(phase.instructions)) : null,
        phase.private ? el("p", { className: "phase-private small", textContent: f.private_phase }) : null,
        fac.locked ? el("p", { className: "badge badge-locked", textContent: f.locked, dataset: { testid: "locked" } })
          : null),
      table(state),
    ].filter(Boolean);
    if (isModerator(state)) parts.push(controls.element(state, index));
    bar.hidden = false;
    bar.replaceChildren(...parts);
    tick();
  }

  function votes(state) {
    const v = state.fac.votes;
    if (!allows(state, "vote") && !v.revealed) return null;
    const left = Math.max(0, v.budget - v.used);
    return el("p", { className: "dots-left", dataset: { testid: "dots-left" },
      textContent: v.revealed ? f.results_shown : fmt(f.dots_left, { n: left, total: v.budget }) },
    el("span", { className: "muted small", textContent: ` · ${fmt(f.dots_total, { n: v.total })}` }));
  }

  function table(state) {
    const mine = myTable(state);
    const moderator = isModerator(state);
    const { phase, locked, tables } = state.fac;
    if (!tables.count || (moderator && mine === null)) return null; // the facilitator sits at no table
    const open = moderator ? mine !== null : phase.by_table && !locked;
    const select = el("select", { className: "table-select", "aria-label": f.your_table, disabled: !open,
      dataset: { testid: "table-select" },
      on: { change: (e) => store.act("participant.table", { table: Number(e.target.value) }, { fallback: f.failed }) } },
    ...(mine === null ? [el("option", { value: "", textContent: "—", selected: true })] : []),
    ...Array.from({ length: tables.count }, (_, i) => el("option", { value: i + 1, selected: mine === i + 1,
      textContent: fmt(f.table_n, { n: i + 1 }) })));
    return el("p", { className: "my-table small", dataset: { testid: "my-table" } },
      el("label", { textContent: `${f.your_table} ` }), select,
      phase.by_table && !moderator ? el("span", { className: "muted", textContent: ` ${f.change_table}` }) : null);
  }

  function tick() {
    const node = document.getElementById("timer");
    const fac = store.state.fac;
    if (!node || !fac) return;
    const left = remainingSeconds(fac);
    node.hidden = left === null;
    if (left === null) {
      node.textContent = "";
      return;
    }
    const s = Math.ceil(left);
    node.textContent = `${clock(s)}${fac.timer.paused ? ` (${f.paused})` : ""}`;
    node.classList.toggle("timer-low", s <= 30);
    node.classList.toggle("timer-done", s === 0);
  }

  function drawResults(state) {
    let panel = document.getElementById("results");
    const results = state.fac && state.fac.votes.revealed && state.fac.votes.results;
    if (!results) return panel?.remove();
    if (!panel) {
      panel = el("section", { id: "results", className: "results", dataset: { testid: "results" } });
      bar.after(panel);
    }
    const cardRows = results.cards.slice(0, 10).map((row) => el("li", {},
      el("strong", { textContent: `${row.dots} ● ` }), state.cards.get(row.id)?.text || ""));
    const groupRows = results.groups.slice(0, 10).map((row) => el("li", {},
      el("strong", { textContent: `${row.dots} ● ` }), row.name || f.unnamed));
    panel.replaceChildren(
      el("h2", { textContent: fmt(f.results_title, { n: results.total, voters: results.voters }) }),
      el("div", { className: "results-lists" },
        el("div", {}, el("h3", { textContent: f.by_card }), el("ol", {}, ...cardRows)),
        groupRows.length ? el("div", {}, el("h3", { textContent: f.by_group }), el("ol", {}, ...groupRows)) : null));
  }
}
