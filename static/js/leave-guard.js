// Warn before leaving a page whose form holds unsaved work (form[data-leave-guard]). Only what the person changed
// counts: a field they typed in, chose in, or that a page script marks by dispatching "input" on it (the toolkit
// builder's order). Values set by code (a co-editor's text) fire no event and never trigger the warning; a field
// put back as it was does not either. Saving (a submit that leaves the page) ends the guard; a submit into another
// tab (the preview, formtarget=_blank) does not.
for (const form of document.querySelectorAll("form[data-leave-guard]")) guard(form);

function guard(form) {
  const initial = new Map();
  const changed = new Set();
  let leaving = false;
  // A page sent back with the person's refused input (an error, a conflict) holds unsaved work from the start.
  const refused = form.dataset.leaveGuard === "unsaved";

  const value = (el) => (el.type === "checkbox" || el.type === "radio" ? String(el.checked) : el.value);
  const remember = (el) => { if (el.name && !initial.has(el)) initial.set(el, value(el)); };
  for (const el of form.elements) remember(el);

  const mark = (event) => {
    const el = event.target;
    if (!el.name) return;
    if (!initial.has(el)) initial.set(el, ""); // a field added by the page (a new section) starts empty
    changed.add(el);
  };
  form.addEventListener("input", mark);
  form.addEventListener("change", mark);
  // On the document, so that it runs after the form's own submit handlers (which may cancel the submit).
  document.addEventListener("submit", (event) => {
    if (event.target !== form || event.defaultPrevented) return;
    const target = event.submitter?.getAttribute("formtarget") || form.target;
    if (target !== "_blank") leaving = true;
  });

  window.addEventListener("beforeunload", (event) => {
    if (leaving) return;
    const unsaved = refused || [...changed].some((el) => (el.isConnected ? value(el) !== initial.get(el) : true));
    if (!unsaved) return;
    event.preventDefault();
    event.returnValue = ""; // Chromium still wants it to show its "Leave site?" dialog
  });
}
