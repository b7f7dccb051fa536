// The search facets sit in a <details> closed in the HTML, so a phone shows the first result right under the search
// bar; on a screen wide enough for the facets column (the CSS breakpoint) they are unfolded, and stay so.
const WIDE = window.matchMedia("(min-width: 900px)");
const folds = document.querySelectorAll("[data-facets-fold]");

function follow() {
  for (const fold of folds) if (WIDE.matches) fold.open = true;
}

WIDE.addEventListener("change", follow);
follow();
