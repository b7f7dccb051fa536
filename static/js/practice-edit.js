// Live co-editing of a practice sheet (namespace /practice): what others type appears in the fields you have not
// touched; when someone saves, untouched fields take the saved text and the form moves to the new version, unless
// a field you changed was also changed by them: then saving shows the conflict page (nothing is overwritten).
import { io } from "../vendor/socket.io.esm.min.js";

const form = document.getElementById("practice-form");
const practiceId = Number(form?.dataset.practiceId);
const status = document.getElementById("coedit-status");
const t = JSON.parse(document.getElementById("coedit-i18n").textContent);

if (practiceId) start();

function start() {
  const socket = io("/practice", { transports: ["websocket", "polling"] });
  const fields = new Map(); // name -> textarea/input
  for (const el of form.querySelectorAll("input[type=text], input:not([type]), textarea")) {
    if (el.name && el.name !== "csrf_token") fields.set(el.name, el);
  }
  const initial = new Map([...fields].map(([name, el]) => [name, el.value]));
  const touched = new Set();
  const timers = new Map();
  const version = form.querySelector("input[name=version]");

  const say = (text) => { status.textContent = text; };

  for (const [name, el] of fields) {
    el.addEventListener("input", () => {
      touched.add(name);
      clearTimeout(timers.get(name));
      timers.set(name, setTimeout(() => socket.emit("typing", {
        practice_id: practiceId, field: name, value: el.value, version: Number(version?.value) || undefined,
      }), 400));
    });
  }
  // Keystrokes not yet sent when the form is submitted go with the save: sent later, they would reach the others
  // after the "saved" notice.
  form.addEventListener("submit", () => { for (const timer of timers.values()) clearTimeout(timer); });

  socket.on("connect", () => {
    socket.emit("join", { practice_id: practiceId }, (ack) => {
      if (ack && ack.ok) showEditors(ack.editors);
    });
  });
  socket.on("editors", (data) => showEditors(data.names));
  socket.on("typing", (data) => {
    const el = fields.get(data.field);
    if (!el || (data.version && data.version < Number(version?.value))) return;
    if (touched.has(data.field)) return say(t.both_typing.replace("{name}", data.by).replace("{field}", label(el)));
    el.value = data.value;
    el.classList.add("remote-change");
    say(t.typing.replace("{name}", data.by).replace("{field}", label(el)));
  });
  socket.on("saved", (data) => {
    const saved = asFormValues(data.fields);
    const clash = [...touched].some((name) => name in saved && saved[name] !== initial.get(name));
    for (const [name, value] of Object.entries(saved)) {
      const el = fields.get(name);
      if (!el || touched.has(name)) continue;
      el.value = value;
      initial.set(name, value);
    }
    if (!clash && version) version.value = data.version;
    say((clash ? t.saved_clash : t.saved).replace("{name}", data.by).replace("{n}", data.version));
  });

  function showEditors(names) {
    const others = names.length - 1;
    if (others > 0) say(t.editors.replace("{names}", names.join(", ")));
  }
}

function label(el) {
  return form.querySelector(`label[for="${CSS.escape(el.id)}"]`)?.textContent.trim() || el.name;
}

function asFormValues(fields) {
  // The sheet as the form shows it: lists joined, structures one per line, sections as stored.
  const out = {};
  for (const [name, value] of Object.entries(fields)) {
    if (name === "structures") out[name] = value.map((s) => s.name).join("\n");
    else if (Array.isArray(value)) out[name] = value.join(", ");
    else out[name] = value ?? "";
  }
  return out;
}
