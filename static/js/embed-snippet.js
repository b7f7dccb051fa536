// The "Intégrer" box: copy the iframe snippet to the clipboard (the textarea stays selectable without script).
for (const button of document.querySelectorAll("[data-copy]")) {
  button.addEventListener("click", async () => {
    const area = document.getElementById(button.dataset.copy);
    area.select();
    try {
      await navigator.clipboard.writeText(area.value);
      button.textContent = button.dataset.copied;
    } catch {
      document.execCommand?.("copy");
    }
  });
}
