// The "⋯" menu of a card: its actions (edit, hide, spotlight, delete, report...) behind one button, so the
// card shows its text first. A menu button as the ARIA practices describe it: aria-haspopup, aria-expanded,
// arrows move between the items, Escape closes and gives the focus back to the button, Tab closes.
import { el } from "./dom.js";

/**
 * items: [{name, label, run}]; open: whether it is drawn open; toggle(open): the card view keeps which menu is
 * open (one at a time) and draws the card again.
 */
export function cardMenu({ id, label, items, open, toggle }) {
  const opener = el("button", { type: "button", className: "note-menu-button", textContent: "⋯",
    "aria-label": label, "aria-haspopup": "menu", "aria-expanded": String(open),
    dataset: { focusKey: `menu:${id}` },
    on: { click: () => toggle(!open), keydown: (e) => {
      if (e.key === "ArrowDown" && !open) { e.preventDefault(); toggle(true); }
    } } });
  const wrap = el("span", { className: "note-menu" }, opener);
  if (!open) return wrap;
  const buttons = items.map((item, i) => el("button", { type: "button", role: "menuitem", tabIndex: -1,
    className: "note-menu-item", textContent: item.label, dataset: { action: item.name, focusKey: `menu:${id}:${i}` },
    on: { click: () => { toggle(false, false); item.run(); } } }));
  const menu = el("div", { role: "menu", className: "note-menu-list", "aria-label": label,
    on: { keydown: (e) => keys(e, buttons, toggle) } }, ...buttons);
  wrap.append(menu);
  return wrap;
}

function keys(e, buttons, toggle) {
  const at = buttons.indexOf(document.activeElement);
  const move = { ArrowDown: at + 1, ArrowUp: at - 1, Home: 0, End: buttons.length - 1 }[e.key];
  if (move !== undefined) {
    e.preventDefault();
    buttons[(move + buttons.length) % buttons.length].focus();
  } else if (e.key === "Escape") {
    e.preventDefault();
    toggle(false, true);
  } else if (e.key === "Tab") {
    toggle(false, false);
  }
}
