// The room screen's own bar (it replaces the site menu): full screen, where the join code sits, the balance of
// who is present. In full screen the bar fades after a few seconds without the mouse, and comes back with it.
export function mountTools({ root, t, redrawBalance }) {
  const full = document.getElementById("projector-fullscreen");
  const codeToggle = document.getElementById("projector-code-toggle");
  const balanceToggle = document.getElementById("room-balance-toggle");
  let choice = null; // "center" or "corner" once the facilitator chose; until then the room decides
  let auto = "center";
  let idleTimer = null;
  const tools = { showBalance: false, place };

  function place(joined) {
    auto = joined ? "corner" : "center";
    const where = choice || auto;
    root.dataset.join = where;
    codeToggle.textContent = where === "corner" ? t.code_large : t.code_corner;
  }

  codeToggle.addEventListener("click", () => {
    choice = root.dataset.join === "corner" ? "center" : "corner";
    place(auto === "corner");
  });

  balanceToggle.addEventListener("click", () => {
    tools.showBalance = !tools.showBalance;
    balanceToggle.setAttribute("aria-pressed", String(tools.showBalance));
    redrawBalance();
  });

  // The Fullscreen API: the whole page, so the browser's bars and the desktop leave the wall.
  full.hidden = !document.fullscreenEnabled;
  full.addEventListener("click", () => {
    if (document.fullscreenElement) document.exitFullscreen().catch(() => {});
    else document.documentElement.requestFullscreen().catch(() => {});
  });
  document.addEventListener("fullscreenchange", () => {
    const on = !!document.fullscreenElement;
    full.setAttribute("aria-pressed", String(on));
    full.textContent = on ? t.exit_fullscreen : t.fullscreen;
    document.body.classList.toggle("is-fullscreen", on);
    wake();
  });
  for (const name of ["mousemove", "keydown", "focusin", "touchstart"]) document.addEventListener(name, wake);

  function wake() {
    root.classList.remove("is-idle");
    clearTimeout(idleTimer);
    if (document.fullscreenElement) idleTimer = setTimeout(() => root.classList.add("is-idle"), 3000);
  }

  return tools;
}
