// "Mes contributions": the board tokens this browser keeps (passerelles:token:CODE, see board/store.js) let the
// person see, download and erase what they wrote. Tokens travel in a POST body, never in an address.
import { labels } from "./board/dom.js";

const root = document.getElementById("my-data");
const t = labels("my-data-i18n");
const list = document.getElementById("my-data-list");
const errorBox = document.getElementById("my-data-error");
const PREFIX = "passerelles:token:";

const fill = (text, values) => text.replace(/\{(\w+)\}/g, (_, key) => String(values[key] ?? ""));

function showError(message) {
  errorBox.textContent = message;
  errorBox.hidden = false;
}

async function post(url, body) {
  const response = await fetch(url, {
    method: "POST",
    headers: { "Content-Type": "application/json", Accept: "application/json", "X-CSRFToken": root.dataset.csrf },
    body: JSON.stringify(body),
    credentials: "same-origin",
  });
  const data = await response.json().catch(() => ({ ok: false, error: { message: t.failed } }));
  return data;
}

function download(code, data) {
  const blob = new Blob([JSON.stringify(data, null, 2)], { type: "application/json" });
  const link = document.createElement("a");
  link.href = URL.createObjectURL(blob);
  link.download = `mes-donnees-${code}.json`;
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(link.href), 1000);
}

function render(code, token, data) {
  const item = document.getElementById("my-data-item").content.firstElementChild.cloneNode(true);
  item.dataset.code = code;
  item.querySelector(".my-data-title").textContent = data.workshop.title;
  item.querySelector(".my-data-name").textContent = fill(t.name, { name: data.participant.name });
  const cards = item.querySelector(".my-data-cards");
  const texts = [...data.cards.map((c) => c.text), ...data.replies.map((r) => r.text)];
  for (const text of texts) {
    const li = document.createElement("li");
    li.textContent = text;
    cards.append(li);
  }
  if (!texts.length) {
    const li = document.createElement("li");
    li.textContent = t.nothing;
    cards.append(li);
  }
  item.querySelector(".my-data-download").addEventListener("click", () => download(code, data));
  item.querySelector(".my-data-erase").addEventListener("click", async () => {
    if (!window.confirm(fill(t.confirm, { title: data.workshop.title }))) return;
    const answer = await post(root.dataset.erase, { code, token });
    if (!answer.ok) return showError(answer.error.message);
    window.localStorage.removeItem(PREFIX + code);
    const done = document.createElement("p");
    done.setAttribute("role", "status");
    done.className = "flash flash-success";
    done.textContent = fill(t.erased, answer.erased);
    item.replaceWith(done);
  });
  list.append(item);
}

async function load() {
  const storage = window.localStorage;
  const seats = [];
  for (let i = 0; i < storage.length; i += 1) {
    const key = storage.key(i);
    if (key && key.startsWith(PREFIX)) seats.push([key.slice(PREFIX.length), storage.getItem(key)]);
  }
  document.getElementById("my-data-empty").hidden = seats.length > 0;
  for (const [code, token] of seats) {
    try {
      const answer = await post(root.dataset.export, { code, token });
      if (answer.ok) render(code, token, answer.data);
      else if (answer.error && answer.error.code !== "forbidden" && answer.error.code !== "not_found") {
        showError(answer.error.message);
      }
    } catch {
      showError(t.failed);
    }
  }
  if (!list.children.length) document.getElementById("my-data-empty").hidden = false;
}

load();
