/* Fields marked data-autosubmit submit their form when changed (instead of inline onchange=, which the
   Content-Security-Policy refuses). */
document.addEventListener("change", (event) => {
  const field = event.target;
  if (field instanceof Element && field.hasAttribute("data-autosubmit") && field.form) field.form.requestSubmit();
});
