// Toolkit builder: search published practices, add them to sections, order by drag and drop, save as JSON.
import Sortable from "../vendor/sortable.esm.js";

const i18n = JSON.parse(document.getElementById("builder-i18n").textContent);
const frameworks = JSON.parse(document.getElementById("builder-frameworks").textContent);
const form = document.querySelector("[data-builder]");
const sectionsList = form.querySelector("[data-sections]");
const pick = document.querySelector(".builder-pick");
const results = pick.querySelector("[data-pick-results]");
const summary = pick.querySelector("[data-pick-summary]");
const facetsBox = pick.querySelector("[data-facets]");
const moreButton = pick.querySelector("[data-pick-more]");
const FACETS = ["theme", "framework", "city", "audience", "kind", "network"];
const filters = {};
let page = 1;

function includedIds() {
  return new Set([...form.querySelectorAll("[data-practice-id]")].map((li) => Number(li.dataset.practiceId)));
}

function makeEntriesSortable(list) {
  Sortable.create(list, { group: "entries", handle: ".handle", animation: 120 });
}

function facetLabel(name, value) {
  return name === "framework" ? frameworks[value] || value : value;
}

function renderFacets(facets) {
  facetsBox.replaceChildren();
  for (const name of FACETS) {
    const values = facets[name] || [];
    if (!values.length && !filters[name]) continue;
    const field = document.createElement("div");
    field.className = "field";
    const label = document.createElement("label");
    label.textContent = i18n[`facet_${name}`];
    label.htmlFor = `facet-${name}`;
    const select = document.createElement("select");
    select.id = `facet-${name}`;
    const all = new Option(i18n.all, "");
    select.append(all);
    for (const [value, count] of values) {
      const option = new Option(`${facetLabel(name, value)} (${count})`, value);
      option.selected = filters[name] === value;
      select.append(option);
    }
    select.addEventListener("change", () => {
      filters[name] = select.value;
      search(1);
    });
    field.append(label, select);
    facetsBox.append(field);
  }
}

function renderHit(hit, included) {
  const li = document.createElement("li");
  li.className = "pick-hit";
  li.dataset.id = String(hit.id);
  const title = document.createElement("strong");
  title.textContent = hit.title;
  const meta = document.createElement("span");
  meta.className = "muted small";
  meta.textContent = [hit.cities.join(", "), hit.themes.join(", ")].filter(Boolean).join(" · ");
  const button = document.createElement("button");
  button.type = "button";
  button.className = "button small";
  button.textContent = included.has(hit.id) ? i18n.added : i18n.add;
  button.disabled = included.has(hit.id);
  button.addEventListener("click", () => {
    addEntry(hit);
    button.textContent = i18n.added;
    button.disabled = true;
  });
  li.append(title, document.createElement("br"), meta, " ", button);
  return li;
}

async function search(wanted) {
  page = wanted;
  const params = new URLSearchParams({ q: pick.querySelector("#pick-q").value, page: String(page) });
  for (const [name, value] of Object.entries(filters)) if (value) params.append(name, value);
  let data;
  try {
    const response = await fetch(`${pick.dataset.searchUrl}?${params}`, { headers: { Accept: "application/json" } });
    data = await response.json();
    if (!data.ok) throw new Error(data.error?.message || "error");
  } catch {
    summary.textContent = i18n.error;
    return;
  }
  if (page === 1) results.replaceChildren();
  const included = includedIds();
  for (const hit of data.hits) results.append(renderHit(hit, included));
  summary.textContent = data.total ? i18n.results.replace("{n}", data.total) : i18n.none;
  moreButton.hidden = data.page >= data.pages;
  renderFacets(data.facets);
}

function addEntry(hit) {
  const node = document.getElementById("entry-template").content.firstElementChild.cloneNode(true);
  node.dataset.practiceId = String(hit.id);
  node.querySelector(".entry-title").textContent = hit.title;
  node.querySelector(".entry-version").textContent = `v${hit.version}`;
  let target = sectionsList.querySelector("[data-section]:last-child [data-entries]");
  if (!target) target = addSection().querySelector("[data-entries]");
  target.append(node);
}

function addSection() {
  const node = document.getElementById("section-template").content.firstElementChild.cloneNode(true);
  sectionsList.append(node);
  makeEntriesSortable(node.querySelector("[data-entries]"));
  node.querySelector("[data-section-title]").select();
  return node;
}

form.addEventListener("click", (event) => {
  const removeEntry = event.target.closest("[data-remove-entry]");
  if (removeEntry) {
    const id = Number(removeEntry.closest("[data-practice-id]").dataset.practiceId);
    removeEntry.closest("[data-practice-id]").remove();
    const hit = results.querySelector(`.pick-hit[data-id="${id}"] button`);
    if (hit) {
      hit.disabled = false;
      hit.textContent = i18n.add;
    }
    return;
  }
  const removeSection = event.target.closest("[data-remove-section]");
  if (removeSection) removeSection.closest("[data-section]").remove();
  if (event.target.closest("[data-add-section]")) addSection();
});

function currentSections() {
  return [...sectionsList.querySelectorAll("[data-section]")].map((section) => ({
    title: section.querySelector("[data-section-title]").value.trim(),
    entries: [...section.querySelectorAll("[data-practice-id]")].map((li) => Number(li.dataset.practiceId)),
  }));
}

// The sections field always holds what the screen shows, so that a reorder, an added or removed sheet counts as
// unsaved work for the leave guard (which listens for "input"), and the preview posts the order on screen.
const sectionsField = form.querySelector("[data-sections-json]");
function syncSections(announce) {
  const value = JSON.stringify(currentSections());
  if (value === sectionsField.value) return;
  sectionsField.value = value;
  if (announce) sectionsField.dispatchEvent(new Event("input", { bubbles: true }));
}
syncSections(false);
new MutationObserver(() => syncSections(true)).observe(sectionsList, { childList: true, subtree: true });
sectionsList.addEventListener("input", () => syncSections(true));

form.addEventListener("submit", (event) => {
  const sections = currentSections();
  if (sections.some((s) => !s.title)) {
    event.preventDefault();
    alert(i18n.empty_section);
    return;
  }
  sectionsField.value = JSON.stringify(sections);
});

for (const form of document.querySelectorAll("form[data-confirm]")) {
  form.addEventListener("submit", (event) => {
    if (!confirm(form.dataset.confirm)) event.preventDefault();
  });
}

Sortable.create(sectionsList, { handle: ".section-handle", animation: 120 });
sectionsList.querySelectorAll("[data-entries]").forEach(makeEntriesSortable);
let timer;
pick.querySelector("#pick-q").addEventListener("input", () => {
  clearTimeout(timer);
  timer = setTimeout(() => search(1), 250);
});
pick.querySelector(".pick-form").addEventListener("submit", (event) => {
  event.preventDefault();
  search(1);
});
moreButton.addEventListener("click", () => search(page + 1));
search(1);
