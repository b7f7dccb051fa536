// The board's header: the connection state (with what waits in the outbox), who is here, and the dialog that
// asks a newcomer's name (and nothing else: "je viens de…" comes after, beside the board: profile-step.js).
import { fmt } from "./dom.js";

export function mountHeader({ store, t }) {
  const b = t.board;
  const [connection, count, names, dialog, input, nameError] = ["connection", "presence-count", "presence-names",
    "name-dialog", "name-input", "name-error"].map((id) => document.getElementById(id));
  let presence = null;

  document.getElementById("name-form").addEventListener("submit", (e) => {
    e.preventDefault();
    const name = input.value.trim();
    if (!name) return askName(b.empty);
    store.join(name);
  });
  store.subscribe(render);
  render(store.state);

  function render(state) {
    showConnection(state);
    if (state.presence !== presence) showPresence((presence = state.presence));
    if (state.needName) askName(state.nameError);
    else if (dialog.open) dialog.close();
  }

  function askName(message) {
    input.value = input.value || store.savedName();
    nameError.hidden = !message;
    nameError.textContent = message || "";
    if (!dialog.open) {
      dialog.showModal();
      input.focus();
    }
  }

  function showConnection(state) {
    const waiting = state.outbox.length;
    let text;
    let status;
    if (state.connected && state.joined) {
      status = waiting ? "sending" : "online";
      text = waiting ? `${b.online} · ${fmt(b.waiting, waiting)}` : b.online;
    } else if (state.connected) {
      status = "connecting";
      text = b.connecting;
    } else {
      status = "offline";
      text = waiting ? `${b.offline} ${fmt(b.waiting, waiting)}` : b.offline;
    }
    connection.dataset.state = status;
    connection.dataset.waiting = waiting;
    connection.textContent = text;
  }

  function showPresence(p) {
    if (!p) return;
    count.textContent = p.count === 1 ? b.people_one : fmt(b.people_many, p.count);
    names.replaceChildren(...p.names.map((name) => {
      const li = document.createElement("li");
      li.textContent = name;
      return li;
    }));
  }
}
