// The optional steps after the name: one tap to say where one comes from ("je viens de…"), then, for those who
// come from a structure, an optional type-ahead to pick it on the map. "Passer" joins without a profile.
import { el, fmt } from "./dom.js";

const WITH_STRUCTURE = new Set(["school", "social_centre", "association", "institution"]);
const SEARCH_URL = "/api/structures/recherche";

/** Ask the profile inside the name dialog; resolves with {kind, structure_id?} or null (skipped). */
export function askProfile(t) {
  const [form, step, choices, structureStep, input, list, done, skip] = ["name-form", "profile-step",
    "profile-choices", "structure-step", "structure-input", "structure-suggestions", "structure-done",
    "profile-skip"].map((id) => document.getElementById(id));
  return new Promise((resolve) => {
    let kind = null;
    let structureId = null;
    let timer = null;
    form.hidden = true;
    step.hidden = false;
    structureStep.hidden = true;
    choices.hidden = false;
    choices.querySelector("button").focus();
    const finish = (profile) => {
      clearTimeout(timer);
      form.hidden = false;
      step.hidden = true;
      choices.onclick = skip.onclick = done.onclick = input.oninput = list.onclick = null;
      resolve(profile);
    };
    choices.onclick = (e) => {
      const target = e.target.closest("button[data-kind]");
      if (!target) return;
      kind = target.dataset.kind;
      if (!WITH_STRUCTURE.has(kind)) return finish({ kind });
      choices.hidden = true;
      structureStep.hidden = false;
      input.focus();
    };
    skip.onclick = () => finish(kind ? { kind } : null);
    done.onclick = () => finish(structureId ? { kind, structure_id: structureId } : { kind });
    input.oninput = () => {
      structureId = null;
      clearTimeout(timer);
      const q = input.value.trim();
      if (q.length < 2) return list.replaceChildren();
      timer = setTimeout(() => search(q), 250);
    };
    list.onclick = (e) => {
      const target = e.target.closest("button[data-id]");
      if (!target) return;
      structureId = Number(target.dataset.id);
      input.value = target.dataset.name;
      list.replaceChildren();
      done.focus();
    };

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
  });
}
