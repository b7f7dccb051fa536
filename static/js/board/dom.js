// Small DOM helpers shared by the board views. Text always goes in as text (textContent), never as markup.

/** el("p", {className, dataset, on: {click}}, ...children): strings among children become text nodes. */
export function el(tag, props = {}, ...children) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(props)) {
    if (k === "on") for (const [name, fn] of Object.entries(v)) node.addEventListener(name, fn);
    else if (k === "dataset") Object.assign(node.dataset, v);
    else if (k.includes("-") || k === "role") node.setAttribute(k, v);
    else if (v !== undefined && v !== null && v !== false) node[k] = v;
  }
  node.append(...children.filter((c) => c !== null && c !== undefined && c !== false));
  return node;
}

export function button(label, action, className = "button small") {
  return el("button", { type: "button", className, textContent: label, on: { click: action } });
}

/** fmt("{n} sur {total}", {n: 2, total: 3}); a bare value fills {n}. */
export function fmt(text, values) {
  const map = typeof values === "object" && values !== null ? values : { n: values };
  return text.replace(/\{(\w+)\}/g, (_, k) => (map[k] ?? ""));
}

/** The page's translated labels, from a <script type="application/json" id=...>. */
export function labels(id) {
  const node = document.getElementById(id);
  return node ? JSON.parse(node.textContent) : {};
}

/** Move `desired` children into `parent` in that order, touching the DOM only when the order differs. */
export function reorder(parent, desired) {
  const current = [...parent.children];
  if (current.length !== desired.length || desired.some((n, i) => current[i] !== n)) parent.replaceChildren(...desired);
}
