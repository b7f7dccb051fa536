// The frame of the board page: what the whole board shows of the phase and the workshop (the data attributes
// and classes on #board that the style sheet reads), the open/closed badge and toggle, and the error banner.
import { allows, canGroup, myTable } from "./selectors.js";

export function mountFrame({ store, t }) {
  const root = document.getElementById("board");
  const status = document.getElementById("workshop-status");
  const toggle = document.getElementById("toggle-status");
  const banner = document.getElementById("board-error");
  const b = t.board;

  if (toggle) {
    toggle.addEventListener("click", () => {
      const closed = store.state.workshop?.status === "closed";
      store.act(closed ? "workshop.reopen" : "workshop.close", {}, { clear: true });
    });
  }
  store.subscribe(render);
  render(store.state);

  function render(state) {
    const fac = state.fac;
    if (fac) {
      root.dataset.phase = fac.phase.key;
      root.dataset.write = allows(state, "write") && !fac.locked ? "yes" : "no";
      root.dataset.vote = allows(state, "vote") && !fac.votes.revealed && !fac.locked ? "yes" : "no";
      root.dataset.locked = fac.locked ? "yes" : "no";
      root.dataset.table = myTable(state) || "";
    }
    root.classList.toggle("can-group", canGroup(state));
    const closed = state.workshop?.status === "closed";
    if (state.workshop) {
      status.hidden = false;
      status.className = `status status-${state.workshop.status}`;
      status.textContent = closed ? b.status_closed : b.status_open;
      root.classList.toggle("is-closed", closed);
      if (toggle) {
        toggle.hidden = false;
        toggle.textContent = closed ? b.reopen : b.close;
      }
    }
    const error = state.ui.error;
    const message = error ? (error.code === "not_found" ? b.not_found : error.message || b.offline)
      : closed ? b.closed : "";
    banner.textContent = message;
    banner.hidden = !message;
  }
}
