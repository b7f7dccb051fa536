// Presentation mode: one slide at a time, driven by the keyboard or a clicker (clickers send PageUp/PageDown).
const deck = document.getElementById("deck");
const slides = [...deck.querySelectorAll(".slide")];
const count = document.getElementById("deck-count");
let current = 0;

function show(index) {
  current = Math.max(0, Math.min(slides.length - 1, index));
  slides.forEach((slide, i) => { slide.hidden = i !== current; });
  count.textContent = `${current + 1} / ${slides.length}`;
  history.replaceState(null, "", `#${current + 1}`);
}

function toggleFullScreen() {
  if (document.fullscreenElement) document.exitFullscreen();
  else document.documentElement.requestFullscreen?.().catch(() => {});
}

const KEYS = {
  ArrowRight: () => show(current + 1), ArrowDown: () => show(current + 1), PageDown: () => show(current + 1),
  " ": () => show(current + 1), ArrowLeft: () => show(current - 1), ArrowUp: () => show(current - 1),
  PageUp: () => show(current - 1), Home: () => show(0), End: () => show(slides.length - 1),
  f: toggleFullScreen, F: toggleFullScreen,
  // In full screen the browser takes Escape to leave it; out of it, Escape leaves the presentation.
  Escape: () => { if (!document.fullscreenElement) window.location.assign(deck.dataset.exitUrl); },
};

document.addEventListener("keydown", (event) => {
  if (event.altKey || event.ctrlKey || event.metaKey) return;
  if (event.target.closest?.("a, button") && (event.key === " " || event.key === "Enter")) return;
  const action = KEYS[event.key];
  if (!action) return;
  event.preventDefault();
  action();
});

document.querySelector(".deck-controls").addEventListener("click", (event) => {
  const go = event.target.closest("[data-go]")?.dataset.go;
  if (go === "prev") show(current - 1);
  else if (go === "next") show(current + 1);
  else if (go === "full") toggleFullScreen();
});

show((parseInt(window.location.hash.slice(1), 10) || 1) - 1);
deck.focus();
