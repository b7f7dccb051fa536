// The accessible type-ahead of structures of the map (ARIA 1.2 combobox with a listbox popup): typing asks the
// small JSON endpoint; arrows move, Enter picks, Escape closes. Picking fills the hidden id; typing again clears
// it, so a name typed when the structure is missing is kept as typed. Options are inserted as text only.
const DELAY = 200;

function setup(root) {
  const input = root.querySelector('[role="combobox"]');
  const hidden = root.querySelector("[data-combobox-id]");
  const list = root.querySelector('[role="listbox"]');
  const status = root.querySelector("[data-combobox-status]");
  let options = [];
  let active = -1;
  let timer = null;
  let asked = 0;

  function close() {
    list.hidden = true;
    input.setAttribute("aria-expanded", "false");
    input.removeAttribute("aria-activedescendant");
    active = -1;
  }

  function highlight(index) {
    active = index;
    [...list.children].forEach((li, i) => li.setAttribute("aria-selected", i === index ? "true" : "false"));
    if (index >= 0) input.setAttribute("aria-activedescendant", list.children[index].id);
    else input.removeAttribute("aria-activedescendant");
  }

  function pick(index) {
    const chosen = options[index];
    if (!chosen) return;
    input.value = chosen.name;
    hidden.value = String(chosen.id);
    status.textContent = chosen.name;
    close();
  }

  function render() {
    list.replaceChildren();
    options.forEach((s, i) => {
      const li = document.createElement("li");
      li.id = `${list.id}-${i}`;
      li.setAttribute("role", "option");
      li.setAttribute("aria-selected", "false");
      li.textContent = s.city ? `${s.name} (${s.city})` : s.name;
      li.addEventListener("mousedown", (event) => {
        event.preventDefault();
        pick(i);
      });
      list.append(li);
    });
    const open = options.length > 0;
    list.hidden = !open;
    input.setAttribute("aria-expanded", open ? "true" : "false");
    status.textContent = open ? `${options.length}` : root.dataset.empty;
  }

  async function search() {
    const query = input.value.trim();
    if (query.length < 2) {
      options = [];
      return close();
    }
    const ticket = ++asked;
    try {
      const response = await fetch(`${root.dataset.source}?q=${encodeURIComponent(query)}`,
        { headers: { Accept: "application/json" } });
      const data = await response.json();
      if (ticket !== asked) return;
      options = Array.isArray(data.structures) ? data.structures : [];
      active = -1;
      render();
    } catch {
      close();
    }
  }

  input.addEventListener("input", () => {
    hidden.value = "";
    clearTimeout(timer);
    timer = setTimeout(search, DELAY);
  });
  input.addEventListener("keydown", (event) => {
    if (event.key === "ArrowDown" && options.length) {
      event.preventDefault();
      if (list.hidden) render();
      highlight(Math.min(active + 1, options.length - 1));
    } else if (event.key === "ArrowUp" && options.length) {
      event.preventDefault();
      highlight(Math.max(active - 1, 0));
    } else if (event.key === "Enter" && !list.hidden && active >= 0) {
      event.preventDefault();
      pick(active);
    } else if (event.key === "Escape") {
      close();
    }
  });
  input.addEventListener("blur", () => setTimeout(close, 100));
}

document.querySelectorAll("[data-combobox]").forEach(setup);
