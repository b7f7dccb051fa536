// Who is in the room, for the facilitator: a bar of the people present by profile ("je viens de…") and a line
// by network. Renders from the store's `balance`, which only moderators' screens ever receive.
import { el } from "./dom.js";

export const KIND_ORDER = ["school", "social_centre", "parent", "association", "institution", "other"];

/** The bar and its legend, as nodes (the board and the room screen both draw it). */
export function balanceNodes(balance, g) {
  const kinds = KIND_ORDER.filter((k) => balance.kinds[k]);
  const total = kinds.reduce((sum, k) => sum + balance.kinds[k], 0);
  const title = el("h2", { className: "balance-title" }, `${g.balance} (${total})`);
  if (!total) return [title, el("p", { className: "muted small" }, g.balance_empty)];
  const bar = el("div", { className: "balance-track", "aria-hidden": "true" },
    ...kinds.map((k) => {
      const part = el("span", { className: `balance-part kind-${k}` });
      part.style.flexGrow = String(balance.kinds[k]);
      return part;
    }));
  const legend = el("ul", { className: "balance-legend" },
    ...kinds.map((k) => el("li", { dataset: { kind: k } }, el("span", { className: `balance-dot kind-${k}` }),
      `${g.kinds[k]} ${balance.kinds[k]}`)));
  const parts = [title, bar, legend];
  const networks = Object.entries(balance.networks || {}).sort(([a], [b]) => a.localeCompare(b));
  if (networks.length) {
    parts.push(el("p", { className: "balance-networks small" },
      `${g.networks} : ${networks.map(([name, n]) => `${name} ${n}`).join(" · ")}`));
  }
  return parts;
}

export function mountBalance({ store, t }) {
  const root = document.getElementById("balance-bar");
  if (!root) return; // participants' page has no bar
  let shown;
  store.subscribe(render);
  render(store.state);

  function render(state) {
    if (state.balance === shown) return;
    shown = state.balance;
    // Nothing to show until someone says where they come from: the board keeps its usual layout.
    root.hidden = !shown || !Object.keys(shown.kinds).length;
    if (!root.hidden) root.replaceChildren(...balanceNodes(shown, t.groups));
  }
}
