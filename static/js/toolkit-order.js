// Ordering a toolkit without dragging: ↑/↓ buttons move an entry (across sections at the ends, as a drag can) or a
// whole section, keep the focus on the pressed button and say the new place in a live region. Kept apart from
// toolkit-builder.js, which owns search, adding and saving; saving reads the DOM order, so nothing else changes.
const form = document.querySelector("[data-builder]");
const status = document.querySelector("[data-order-status]");
const i18n = JSON.parse(document.getElementById("order-i18n").textContent);

function sections() {
  return [...form.querySelectorAll("[data-section]")];
}

function moveEntry(entry, up) {
  const list = entry.parentElement;
  const sibling = up ? entry.previousElementSibling : entry.nextElementSibling;
  if (sibling) {
    list.insertBefore(entry, up ? sibling : sibling.nextElementSibling);
    return true;
  }
  const all = sections();
  const next = all[all.indexOf(entry.closest("[data-section]")) + (up ? -1 : 1)];
  if (!next) return false;
  const target = next.querySelector("[data-entries]");
  if (up) target.append(entry);
  else target.prepend(entry);
  return true;
}

function moveSection(section, up) {
  const sibling = up ? section.previousElementSibling : section.nextElementSibling;
  if (!sibling) return false;
  section.parentElement.insertBefore(section, up ? sibling : sibling.nextElementSibling);
  return true;
}

function say(item, what) {
  const peers = what === "section" ? sections() : [...form.querySelectorAll("[data-practice-id]")];
  const title = what === "section"
    ? item.querySelector("[data-section-title]").value
    : item.querySelector(".entry-title").textContent;
  status.textContent = i18n.moved.replace("{t}", title).replace("{p}", peers.indexOf(item) + 1)
    .replace("{n}", peers.length);
}

form.addEventListener("click", (event) => {
  const button = event.target.closest("[data-move]");
  if (!button) return;
  const what = button.dataset.moveWhat;
  const up = button.dataset.move === "up";
  const item = button.closest(what === "section" ? "[data-section]" : "[data-practice-id]");
  const moved = what === "section" ? moveSection(item, up) : moveEntry(item, up);
  if (!moved) {
    status.textContent = up ? i18n.first : i18n.last;
    return;
  }
  button.focus(); // moving a node in the DOM drops its focus: keep the keyboard where it was
  say(item, what);
  // Let whoever watches the form for unsaved work know it changed.
  form.dispatchEvent(new Event("input", { bubbles: true }));
});
