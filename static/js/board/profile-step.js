// The optional "je viens de…" question, asked once after a newcomer's name, beside the board rather than in the
// way: the person can write a first card at once, and answer (or "Passer") when they like. One tap says where one
// comes from; those from a structure may then pick it by type-ahead. The answer is given by joining again with
// it (the server keeps a profile said on a re-join): only the facilitator's balance of the room sees it.
import { el, fmt } from "./dom.js";

const WITH_STRUCTURE = new Set(["school", "social_centre", "association", "institution"]);
const SEARCH_URL = "/api/structures/recherche";

export function mountProfileStep({ store, t: { groups: t } }) {
  const [step, choices, structureStep, input, list, done, skip] = ["profile-step", "profile-choices",
    "structure-step", "structure-input", "structure-suggestions", "structure-done", "profile-skip"]
    .map((id) => document.getElementById(id));
  let asked = false; // the name dialog showed: the question follows the first join
  let kind = null;
  let structureId = null;
  let timer = null;

  store.subscribe((state, change) => {
    if (state.needName) asked = true;
    if (change.joined && asked) {
      asked = false;
      step.hidden = false;
      choices.hidden = false;
      structureStep.hidden = true;
    }
  });

  const finish = (profile) => {
    clearTimeout(timer);
    step.hidden = true;
    if (profile) store.join(null, profile);
  };
  choices.addEventListener("click", (e) => {
    const target = e.target.closest("button[data-kind]");
    if (!target) return;
    kind = target.dataset.kind;
    if (!WITH_STRUCTURE.has(kind)) return finish({ kind });
    choices.hidden = true;
    structureStep.hidden = false;
    input.focus();
  });
  skip.addEventListener("click", () => finish(kind ? { kind } : null));
  done.addEventListener("click", () => finish(structureId ? { kind, structure_id: structureId } : { kind }));
  input.addEventListener("input", () => {
    structureId = null;
    clearTimeout(timer);
    const q = input.value.trim();
    if (q.length < 2) return list.replaceChildren();
    timer = setTimeout(() => search(q), 250);
  });
  list.addEventListener("click", (e) => {
    const target = e.target.closest("button[data-id]");
    if (!target) return;
    structureId = Number(target.dataset.id);
    input.value = target.dataset.name;
    list.replaceChildren();
    done.focus();
  });

  async function search(q) {
    list.replaceChildren(el("li", { className: "muted small" }, t.searching));
    let found = [];
    try {
      const response = await fetch(`${SEARCH_URL}?q=${encodeURIComponent(q)}`,
        { headers: { Accept: "application/json" } });
      if (response.ok) found = (await response.json()).structures;
    } catch {
      found = [];
    }
    if (input.value.trim() !== q) return; // typed on meanwhile
    const items = found.map((s) => el("li", {}, el("button", { type: "button", className: "suggestion",
      dataset: { id: String(s.id), name: s.name } }, fmt("{name} — {city}", { name: s.name, city: s.city || s.kind }))));
    list.replaceChildren(...(items.length ? items : [el("li", { className: "muted small" }, t.no_structure)]));
  }
}
